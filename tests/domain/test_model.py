"""The step table explored by a model-based test (hypothesis' rule-based state machine) over the pure domain,
on the sample organisation and catalogue.

Each step is one of: an allowed action on an open task, with a valid payload, by a principal who may act; the
same by one who may not, or with a bad payload; an issue-level action (withdraw, comment, urge, supervise,
link_duplicate) by someone; claim / unclaim; or the clock advanced past the next mark. After every step:

- validate passes ⇒ apply raises nothing; a refusal leaves the state equal to before;
- an open issue has an open task or a pending timer mark; a closed issue has no open task;
- every open task's unit exists and has a principal with one of the task's roles (or the one person it names);
- an escalation moves exactly one level up the ladder, never past the city;
- a deadline moves later only by an explicit action (an extension, a restarted clock, a recount);
  marks fire in order (reminders before the due time, the due time before red or the second deadline);
- event sequence numbers are gap-free; the state serialises and stays bounded in size.

CI runs it with a fixed seed and enough examples to reach every (task kind, action) pair of the vocabulary
and every task kind's timeout, prints that coverage, and fails if a pair was never reached. ``make fuzz`` runs
it longer with a random seed (``WHISTLE_FUZZ_EXAMPLES``); hypothesis prints how to reproduce a failure.
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from pydantic import BaseModel

from domain import errors
from domain.actions import (
    CLAIM_ACTIONS,
    ISSUE_ACTIONS,
    TASK_ACTIONS,
    ConcludePayload,
    ExtensionPayload,
    OptionalReasonPayload,
    RatePayload,
    ReassignPayload,
    ReopenPayload,
    RoutePayload,
    TaskKind,
    WhistlePayload,
    actions_for,
    payload_model,
)
from domain.apply import apply
from domain.catalogue import ListType
from domain.context import matter_context
from domain.engine import task_level
from domain.messages import ActionRequest, Actor
from domain.organisation import Level, Role
from domain.state import Status
from domain.task_state import Mark, TaskStatus
from domain.timers import marks, next_wakeup
from domain.validation import validate
from tests import sample_city
from tests.domain.harness import PureIssue
from tests.driver import report

ORG, CAT = sample_city.organisation(), sample_city.catalogue()
GRIDS = ["qh.hd.cy.c1.g1", "qh.hd.xh.c2.g3", "qh.hx.js.c1.g2"]
MATTERS = ["heating.no_heat", "property.stairwell_light", "property.service_fee", "neighbour_dispute.noise",
           "roads.pothole", "safety_hazard.gas_leak", "property.elevator_fault"]
MATTERS = [m for m in MATTERS if m in CAT.matters] or sorted(CAT.matters)[:6]
STATE_BYTES = 1_000_000
#: every pair the vocabulary offers, and every task kind's timeout: what CI must reach
PAIRS = {(k.value, a) for k, acts in TASK_ACTIONS.items() for a in [*acts, *CLAIM_ACTIONS]}
TIMEOUTS = {k.value for k in TaskKind}

#: task kinds few walks meet, acted on whenever one is open
RARE = {TaskKind.supervision, TaskKind.review, TaskKind.assist, TaskKind.approve_understanding,
        TaskKind.approve_whistle, TaskKind.approve_extension, TaskKind.evaluate}
#: how often a walk picks an action (default 4): the ones that end an issue rarely, so walks reach deep steps
WEIGHTS = {"reject": 1, "resolve_on_site": 2, "escalate": 1, "decline": 2, "send_back": 1, "deny": 2,
           "note": 2, "withdraw": 1, "link_duplicate": 1, "comment": 3, "claim": 2, "unclaim": 2}

COVERAGE: Counter[tuple[str, str]] = Counter()
FIRED: Counter[tuple[str, str]] = Counter()
REFUSED: Counter[str] = Counter()


def _actor(principal_id: str) -> Actor:
    p = ORG.principals[principal_id]
    return Actor(principal_id=p.id, unit_id=p.unit_id, roles=list(p.roles))


def _acting(unit_id: str, roles: list[Role], principal_id: str | None) -> list[str]:
    if principal_id is not None:
        return [principal_id]
    return sorted(p.id for p in ORG.principals.values() if p.unit_id == unit_id and set(p.roles) & set(roles))


class StepTable(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.p: PureIssue | None = None
        self.dues: dict[str, Any] = {}

    # --- opening ------------------------------------------------------------------------------------------

    @initialize(matter=st.sampled_from(MATTERS), grid=st.sampled_from(GRIDS), urgent=st.booleans(),
                source=st.sampled_from(["resident", "hotline", "grid_worker"]))
    def open_issue(self, matter: str, grid: str, urgent: bool, source: str) -> None:
        extra: dict[str, Any] = {}
        if source == "resident":
            principal: str | None = f"resident1@{grid}"
        else:
            principal = None
            extra["submitted_by"] = "hotline@qh" if source == "hotline" else f"grid_worker@{grid}"
        self.p = PureIssue(report(matter, issue_id="model", grid=grid, urgent=urgent, source=source,
                                  principal=principal, **extra))
        self._remember_dues()

    @property
    def issue(self) -> PureIssue:
        assert self.p is not None
        return self.p

    # --- payloads -----------------------------------------------------------------------------------------

    def _payload(self, data: st.DataObject, task_id: str, action: str) -> dict[str, Any] | None:
        """A valid payload for the action, drawn to fit the state; None when none can fit now."""
        state = self.issue.state
        task = state.tasks[task_id]
        model = payload_model(task.kind, action)
        if model is None:
            return None
        if model is WhistlePayload:
            out: dict[str, Any] = {"kind": data.draw(st.sampled_from(["daily", "hard_case", "emergency"])), "note": "n"}
            if data.draw(st.booleans()):
                out["matter_code"] = data.draw(st.sampled_from(MATTERS))
            return out
        if model in (RoutePayload, ReassignPayload):
            level = task_level(state, task)
            taken = {t.unit_id for t in state.open_tasks() if t.kind is TaskKind.report} | set(state.checked_in)
            if model is ReassignPayload and task.for_unit_id:
                taken.add(task.for_unit_id)
            free = sorted(u.id for u in state.context.matter.routable.get(level, []) if u.id not in taken)
            if not free:
                return None
            units = data.draw(st.lists(st.sampled_from(free), min_size=1, max_size=min(2, len(free)), unique=True))
            return {"unit_ids": units, **({"reason": "r"} if model is ReassignPayload else {})}
        if model is ConcludePayload:
            if not state.checked_in:
                return None
            lead = data.draw(st.sampled_from(sorted(state.checked_in)))
            others = sorted(set(state.checked_in) - {lead})
            co = data.draw(st.lists(st.sampled_from(others), unique=True, min_size=min(1, len(others)),
                                    max_size=len(others))) if others else []
            out = {"lead_unit_id": lead, "co_unit_ids": co, "minutes": "m",
                   "list_type": data.draw(st.sampled_from([*(lt.value for lt in ListType), "understanding"]))}
            if data.draw(st.booleans()):
                out["handling_days"] = data.draw(st.integers(1, 15))
            return out
        if model is ExtensionPayload:
            return {"days": data.draw(st.integers(1, 5)), "reason": "r"}
        if model is RatePayload:
            return {"rating": data.draw(st.sampled_from(["satisfied", "basically_satisfied", "unsatisfied",
                                                         "unsatisfied"])),
                    **({"comment": "c"} if data.draw(st.booleans()) else {})}
        if model is ReopenPayload:
            return {"handling_days": data.draw(st.integers(1, 10)), "reason": "r"}
        if model is OptionalReasonPayload:
            return {"reason": "r"} if data.draw(st.booleans()) else {}
        return _generic(model)

    # --- rules --------------------------------------------------------------------------------------------

    def _open_task_ids(self) -> list[str]:
        return sorted(t.task_id for t in self.issue.state.open_tasks())

    @rule(data=st.data())
    def act(self, data: st.DataObject) -> None:
        """An action a person of the task's unit may take, with a payload that fits — many times more often."""
        for _ in range(3):
            self._act_once(data)

    def _act_once(self, data: st.DataObject) -> None:
        ids = self._open_task_ids()
        if not ids or self.issue.state.status is not Status.open:
            return
        task = self.issue.state.tasks[data.draw(st.sampled_from(ids))]
        action = data.draw(_weighted(actions_for(task.kind)))
        payload = self._payload(data, task.task_id, action)
        if payload is None:
            return
        who = data.draw(st.sampled_from(_acting(task.unit_id, task.roles, task.principal_id)))
        if (action == "unclaim" and task.claimed_by) or (task.claimed_by and action != "unclaim"):
            who = task.claimed_by
        self._try(ActionRequest(task_id=task.task_id, action=action, actor=_actor(who), data=payload),
                  (task.kind.value, action))

    @rule(data=st.data())
    def claim_and_give_back(self, data: st.DataObject) -> None:
        """One person of the unit takes a task, then gives it back (or a leader of the unit does)."""
        ids = self._open_task_ids()
        if ids:
            self._claim_cycle(data, data.draw(st.sampled_from(ids)))

    def _claim_cycle(self, data: st.DataObject, task_id: str) -> None:
        task = self.issue.state.tasks[task_id]
        if task.claimed_by is None:
            who = data.draw(st.sampled_from(_acting(task.unit_id, task.roles, task.principal_id)))
            self._try(ActionRequest(task_id=task.task_id, action="claim", actor=_actor(who)),
                      (task.kind.value, "claim"))
        task = self.issue.state.tasks[task.task_id]
        if task.is_open and task.claimed_by is not None:
            self._try(ActionRequest(task_id=task.task_id, action="unclaim", actor=_actor(task.claimed_by)),
                      (task.kind.value, "unclaim"))

    @precondition(lambda self: self.p is not None and any(t.kind in RARE for t in self.p.state.open_tasks()))
    @rule(data=st.data())
    def act_on_a_rare_task(self, data: st.DataObject) -> None:
        """Tasks that few walks meet (supervision, review, the approvals, assisting): acted on when met."""
        rare = sorted(t.task_id for t in self.issue.state.open_tasks() if t.kind in RARE)
        task = self.issue.state.tasks[data.draw(st.sampled_from(rare))]
        self._claim_cycle(data, task.task_id)
        action = data.draw(st.sampled_from([a for a in actions_for(task.kind) if a not in CLAIM_ACTIONS]))
        payload = self._payload(data, task.task_id, action)
        if payload is not None and self.issue.state.tasks[task.task_id].is_open:
            who = _acting(task.unit_id, task.roles, task.principal_id)[0]
            self._try(ActionRequest(task_id=task.task_id, action=action, actor=_actor(who), data=payload),
                      (task.kind.value, action))

    @precondition(lambda self: self.p is not None and bool(self.p.state.open_tasks()))
    @rule(data=st.data())
    def wait_on_a_task(self, data: st.DataObject) -> None:
        """Nobody acts on one task: the clock runs to its next mark (a reminder, the due time, what follows)."""
        p = self.issue
        task = p.state.tasks[data.draw(st.sampled_from(self._open_task_ids()))]
        upcoming = marks(task)
        if upcoming:
            self._advance(max(0.02, (upcoming[0][1] - p.now).total_seconds() / 3600 + 0.02))

    @precondition(lambda self: self.p is not None and any(
        t.kind in (TaskKind.handle, TaskKind.assist) for t in self.p.state.open_tasks()))
    @rule()
    def leave_handling_late(self) -> None:
        """Nobody completes the handling: the clock runs through its marks until the supervisor above is asked."""
        p = self.issue
        for _ in range(8):
            handling = [t for t in p.state.open_tasks() if t.kind in (TaskKind.handle, TaskKind.assist)]
            if not handling or any(t.kind is TaskKind.supervision for t in p.state.open_tasks()):
                return
            self._advance(0.0)

    @rule(data=st.data())
    def act_wrongly(self, data: st.DataObject) -> None:
        """Someone who may not, or a payload that does not fit: refused, and nothing changes."""
        ids = self._open_task_ids()
        if not ids:
            return
        task = self.issue.state.tasks[data.draw(st.sampled_from(ids))]
        action = data.draw(st.sampled_from([a for a in actions_for(task.kind) if a not in CLAIM_ACTIONS]))
        if data.draw(st.booleans()):
            outsider = data.draw(st.sampled_from(sorted(p for p in ORG.principals
                                                        if ORG.principals[p].unit_id != task.unit_id)))
            payload = self._payload(data, task.task_id, action) or {}
            req = ActionRequest(task_id=task.task_id, action=action, actor=_actor(outsider), data=payload)
        else:
            who = _acting(task.unit_id, task.roles, task.principal_id)[0]
            bad = data.draw(st.sampled_from([{"no_such_field": 1}, {"reason": 7, "result": [], "days": "x"}]))
            req = ActionRequest(task_id=task.task_id, action=action, actor=_actor(who), data=bad)
        before = self.issue.state.model_dump()
        try:
            validate(self.issue.state, req, self.issue.now)
        except errors.ActionRefused as exc:
            REFUSED[type(exc).__name__] += 1
            assert self.issue.state.model_dump() == before
            return
        raise AssertionError(f"{action} on {task.kind} by {req.actor.principal_id} with {req.data} was accepted")

    @rule(data=st.data(), action=st.sampled_from(sorted(ISSUE_ACTIONS)).flatmap(lambda _: _weighted(ISSUE_ACTIONS)))
    def issue_action(self, data: st.DataObject, action: str) -> None:
        state = self.issue.state
        grid = state.context.ladder[Level.grid].id
        candidates = [f"resident1@{grid}", f"resident2@{grid}", f"grid_worker@{grid}", "supervisor@qh.hd",
                      "supervisor@qh", "hotline@qh", "handler@qh.hd.dept.water", "supervisor@qh.hx"]
        who = data.draw(st.sampled_from(candidates))
        payload: dict[str, Any] = {"withdraw": {"reason": "r"}, "comment": {"text": "t"}, "urge": {"note": "n"},
                                   "supervise": {"note": "n"}, "link_duplicate": {"issue_id": "another1"}}[action]
        self._try(ActionRequest(action=action, actor=_actor(who), data=payload), ("(issue)", action))

    @rule(hours=st.sampled_from([0.0, 0.0, 0.0, 2.0, 30.0]))
    def advance(self, hours: float) -> None:
        self._advance(hours)

    def _advance(self, hours: float) -> None:
        """The clock moves past the next mark (0), or by some hours."""
        p = self.issue
        before = {t.task_id: list(t.marks_fired) for t in p.state.tasks.values()}
        wake = next_wakeup(p.state)
        if hours == 0.0:
            if wake is None:
                return
            delta = max(wake - p.now, timedelta(0)) + timedelta(minutes=1)
        else:
            delta = timedelta(hours=hours)
        p.advance(delta)
        for t in p.state.tasks.values():
            for mark in t.marks_fired[len(before.get(t.task_id, [])):]:
                FIRED[(t.kind.value, mark.value)] += 1
            if t.status in (TaskStatus.timed_out, TaskStatus.moved) and t.closed_by is None:
                FIRED[(t.kind.value, "closed")] += 1
        self._check_dues(explicit=False)

    # --- doing it -----------------------------------------------------------------------------------------

    def _try(self, req: ActionRequest, pair: tuple[str, str]) -> None:
        p = self.issue
        before = p.state.model_dump()
        try:
            decision = validate(p.state, req, p.now)
        except errors.ActionRefused as exc:
            REFUSED[type(exc).__name__] += 1
            assert p.state.model_dump() == before, f"a refused {pair} changed the state"
            return
        matter = None
        if decision.needs_matter is not None:
            matter = matter_context(ORG, CAT, p.state.context.ladder, decision.needs_matter)
        apply(p.state, decision, p.now, matter)  # validate passed: apply must not raise
        p.settle()
        COVERAGE[pair] += 1
        self._check_dues(explicit=pair[1] in ("extend", "approve", "start_clock"))

    def _remember_dues(self) -> None:
        self.dues = {t.task_id: t.due_at for t in self.issue.state.open_tasks()}

    def _check_dues(self, explicit: bool) -> None:
        for t in self.issue.state.open_tasks():
            old = self.dues.get(t.task_id)
            if old is not None and t.due_at is not None and t.due_at > old:
                assert explicit, f"the deadline of {t.task_id} ({t.kind}) moved later without an explicit action"
        self._remember_dues()

    # --- invariants ---------------------------------------------------------------------------------------

    @invariant()
    def open_issues_wait_on_something(self) -> None:
        if self.p is None:
            return
        state = self.p.state
        if state.status is Status.open:
            assert state.open_tasks(), "an open issue without an open task"
            assert any(marks(t) or t.clock_stopped_at is not None or t.due_at is not None
                       for t in state.open_tasks())
        else:
            assert not state.open_tasks(), "a closed issue with an open task"

    @invariant()
    def every_open_task_has_someone_to_do_it(self) -> None:
        if self.p is None:
            return
        for t in self.p.state.open_tasks():
            assert t.unit_id in ORG.units, t.unit_id
            assert _acting(t.unit_id, t.roles, t.principal_id), f"nobody in {t.unit_id} can do {t.kind}"

    @invariant()
    def escalations_climb_one_level(self) -> None:
        if self.p is None:
            return
        for e in self.p.state.escalations:
            if e.from_level is not None and e.to_level is not None:
                assert e.to_level.rank == e.from_level.rank + 1, (e.from_level, e.to_level, e.reason)

    @invariant()
    def marks_fire_in_order(self) -> None:
        """Reminders before the due time, the due time before red or the second deadline."""
        if self.p is None:
            return
        for t in self.p.state.tasks.values():
            fired = t.marks_fired
            for later in (Mark.red, Mark.second_due):
                if later in fired:
                    assert Mark.due in fired and fired.index(Mark.due) < fired.index(later), (t.kind, fired)
            if Mark.due in fired:
                assert all(fired.index(m) < fired.index(Mark.due) for m in fired if m.is_reminder), (t.kind, fired)

    @invariant()
    def the_timeline_is_gap_free_and_the_state_bounded(self) -> None:
        if self.p is None:
            return
        state = self.p.state
        seqs = [e.seq for e in state.events]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs))) and state.next_seq == seqs[-1] + 1
        text = state.model_dump_json()
        assert len(text.encode()) < STATE_BYTES
        assert type(state).model_validate_json(text) == state


def _weighted(actions: Any) -> st.SearchStrategy[str]:
    pool = [a for a in sorted(actions) for _ in range(WEIGHTS.get(a, 4))]
    return st.sampled_from(pool)


def _generic(model: type[BaseModel]) -> dict[str, Any]:
    """A payload for a model this test has no special draw for: short text for strings, 1 for numbers."""
    out: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        if not field.is_required():
            continue
        out[name] = 1 if field.annotation in (int, float) else "x"
    return out


def _examples() -> int:
    return int(os.environ.get("WHISTLE_FUZZ_EXAMPLES", "0") or 0)


#: walks in `make test`'s fixed-seed form (every pair and timeout reached, asserted below); `make fuzz` runs more
CI_EXAMPLES = 600

#: pairs no walk can reach, with the reason (kept tiny)
UNREACHABLE: dict[tuple[str, str], str] = {}


def test_every_reachable_path_keeps_the_rules(capsys: pytest.CaptureFixture[str]) -> None:
    fuzz = _examples()
    COVERAGE.clear(), FIRED.clear(), REFUSED.clear()
    run_state_machine_as_test(StepTable, settings=settings(
        max_examples=fuzz or CI_EXAMPLES, stateful_step_count=60, deadline=None, derandomize=not fuzz, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
        print_blob=True))
    reached = set(COVERAGE)
    timed_out = {kind for kind, _ in FIRED}
    lines = [f"{kind:>22} {action:<18} {COVERAGE[(kind, action)]:>6}" for kind, action in sorted(PAIRS)]
    lines += [f"{'(issue)':>22} {a:<18} {COVERAGE[('(issue)', a)]:>6}" for a in sorted(ISSUE_ACTIONS)]
    lines += [f"{'timeouts':>22} {kind:<18} {sum(n for (k, _), n in FIRED.items() if k == kind):>6}"
              for kind in sorted(TIMEOUTS)]
    with capsys.disabled():  # printed in every run, CI's too
        print("\nmodel-based test coverage (applied actions, marks fired; refusals: "
              f"{dict(REFUSED)}):\n" + "\n".join(lines))
    missing = sorted(PAIRS - reached - set(UNREACHABLE))
    assert not missing, f"never reached: {missing}"
    assert not (TIMEOUTS - timed_out), f"never timed out: {sorted(TIMEOUTS - timed_out)}"
    assert all(COVERAGE[("(issue)", a)] for a in ISSUE_ACTIONS), "an issue-level action was never applied"

