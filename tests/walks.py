"""Generated walks through the step table: seeded random sequences of valid actions on the pure domain, kept as
the requests they were, to replay through the real workflow (the same rules must come out) and to record as
histories for the replay test. The clock does not move in a walk, so the workflow sees the same state."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from domain import errors
from domain.actions import CLAIM_ACTIONS, TaskKind, actions_for
from domain.apply import apply
from domain.context import matter_context
from domain.engine import task_level
from domain.messages import ActionRequest, Actor, IssueReport
from domain.state import IssueState, Status
from domain.validation import validate
from tests import sample_city
from tests.domain.harness import PureIssue
from tests.driver import report

ORG, CAT = sample_city.organisation(), sample_city.catalogue()
MATTERS = ["heating.no_heat", "property.stairwell_light", "property.service_fee", "roads.pothole"]
PAYLOADS: dict[str, dict[str, Any]] = {
    "resolve_on_site": {"result": "r"}, "reject": {"reason": "r"}, "send_back": {"reason": "r"},
    "escalate": {"reason": "r"}, "decline": {"reason": "r"}, "check_in": {}, "note": {"text": "t"},
    "request_extension": {"days": 2, "reason": "r"}, "stop_clock": {"reason": "r"}, "start_clock": {},
    "complete": {"result": "r"}, "accept": {}, "return_for_rework": {"reason": "r"}, "close": {"explanation": "e"},
    "reopen": {"handling_days": 3, "reason": "r"}, "urge": {"note": "n"}, "extend": {"days": 2, "reason": "r"},
}
WEIGHTS = {"reject": 1, "resolve_on_site": 2, "escalate": 1, "decline": 2, "send_back": 1, "claim": 1, "unclaim": 1,
           "note": 1, "request_extension": 1, "stop_clock": 1}


@dataclass
class Walk:
    seed: int
    report: IssueReport
    requests: list[ActionRequest] = field(default_factory=list)
    final: IssueState | None = None


def _actor(principal_id: str) -> Actor:
    p = ORG.principals[principal_id]
    return Actor(principal_id=p.id, unit_id=p.unit_id, roles=list(p.roles))


def _data(rng: random.Random, state: IssueState, task_id: str, action: str) -> dict[str, Any] | None:
    task = state.tasks[task_id]
    if action in PAYLOADS:
        return dict(PAYLOADS[action])
    if action == "whistle":
        return {"kind": rng.choice(["daily", "daily", "hard_case", "emergency"]), "note": "n"}
    if action in ("route", "reassign"):
        taken = {t.unit_id for t in state.open_tasks() if t.kind is TaskKind.report} | set(state.checked_in)
        taken |= {task.for_unit_id} if task.for_unit_id else set()
        free = sorted(u.id for u in state.context.matter.routable.get(task_level(state, task), []) if u.id not in taken)
        if not free:
            return None
        units = rng.sample(free, min(len(free), rng.choice([1, 2, 2])))
        return {"unit_ids": units, **({"reason": "r"} if action == "reassign" else {})}
    if action == "conclude":
        if not state.checked_in:
            return None
        lead = rng.choice(sorted(state.checked_in))
        co = [u for u in sorted(state.checked_in) if u != lead]
        return {"lead_unit_id": lead, "co_unit_ids": co, "minutes": "m",
                "list_type": rng.choice(["immediate", "phased", "understanding"])}
    if action == "rate":
        return {"rating": rng.choice(["satisfied", "basically_satisfied", "unsatisfied"])}
    if action in ("approve", "deny", "claim", "unclaim"):
        return {}
    return None


def random_step(rng: random.Random, p: PureIssue) -> ActionRequest | None:
    """Try one random action on a random open task of ``p``; applied and answered when valid, else None."""
    task = rng.choice(sorted(p.state.open_tasks(), key=lambda t: t.task_id))
    pool = [a for a in actions_for(task.kind) for _ in range(WEIGHTS.get(a, 4))]
    action = rng.choice(pool)
    data = _data(rng, p.state, task.task_id, action)
    if data is None:
        return None
    who = task.claimed_by or (task.principal_id or rng.choice(sorted(
        q.id for q in ORG.principals.values() if q.unit_id == task.unit_id and set(q.roles) & set(task.roles))))
    req = ActionRequest(task_id=task.task_id, action=action, actor=_actor(who), data=data)
    if action in CLAIM_ACTIONS and action == "unclaim" and task.claimed_by is None:
        return None
    try:
        decision = validate(p.state, req, p.now)
    except errors.ActionRefused:
        return None
    matter_ctx = matter_context(ORG, CAT, p.state.context.ladder, decision.needs_matter) \
        if decision.needs_matter else None
    apply(p.state, decision, p.now, matter_ctx)
    p.settle()
    return req


def generate(seed: int, steps: int = 80) -> Walk:
    """A walk of up to ``steps`` valid actions (refused tries are skipped), until the issue closes."""
    rng = random.Random(seed)
    matter = rng.choice(MATTERS)
    rep = report(matter, issue_id=f"walk{seed}")
    p = PureIssue(rep)
    walk = Walk(seed=seed, report=rep)
    for _ in range(steps * 5):
        if p.state.status is not Status.open or len(walk.requests) >= steps:
            break
        req = random_step(rng, p)
        if req is not None:
            walk.requests.append(req)
    walk.final = p.state
    return walk


def longest(seeds: range, steps: int = 80, count: int = 3) -> list[Walk]:
    walks = [generate(s, steps) for s in seeds]
    return sorted(walks, key=lambda w: len(w.requests), reverse=True)[:count]
