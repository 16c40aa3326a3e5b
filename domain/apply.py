"""Applying a validated action: the task's room carries it out (:mod:`domain.steps`); issue-level actions
(withdraw, comment, urge, supervise, link a duplicate) are here."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain import steps  # noqa: F401 - the rooms fill the engine's tables
from domain.actions import LinkDuplicatePayload, ReasonPayload
from domain.decision import Decision
from domain.engine import ROOMS, close_issue, concerned_task, record, version
from domain.state import EventKind, IssueState, MatterContext, RecentAction, Resolution, Status


def apply(state: IssueState, decision: Decision, now: datetime, matter: MatterContext | None = None) -> None:
    """Carry out a decision returned by :func:`domain.validation.validate` on the same state; ``matter`` is the
    context of the matter the decision asked for (``needs_matter``)."""
    who = decision.actor.principal_id
    if decision.task_id is None:
        _apply_issue_action(state, decision, now)
        return
    task = state.tasks[decision.task_id]
    record(state, now, EventKind.action, actor=who, unit_id=decision.actor.unit_id, task_id=task.task_id,
           action=decision.action, data=decision.payload.model_dump(mode="json"))
    if decision.action == "claim":
        task.claimed_by = who
    elif decision.action == "unclaim":
        task.claimed_by = None
    else:
        if matter is not None:
            decision = decision.model_copy(update={"matter": matter})
        ROOMS[task.kind].actions[decision.action](state, task, decision, now)


def _apply_issue_action(state: IssueState, d: Decision, now: datetime) -> None:
    """Issue-level actions. For ``link_duplicate`` the caller has already told the original issue."""
    who = d.actor.principal_id
    if d.action in ("comment", "urge"):
        day_ago = now - timedelta(days=1)
        state.recent_actions = [r for r in state.recent_actions if r.at > day_ago]
        state.recent_actions.append(RecentAction(action=d.action, principal_id=who, at=now))
    payload = d.payload.model_dump(mode="json")
    if d.action in ("urge", "supervise") and version(state).charges_the_unit_concerned:
        # charged to, and told to, the unit concerned: the one holding the late task, else the lead
        task = concerned_task(state, now)
        unit = task.unit_id if task is not None else state.lead_unit_id
        record(state, now, EventKind(d.action), actor=who, unit_id=unit, task_id=task.task_id if task else None,
               by_unit_id=d.actor.unit_id, **payload)
    else:
        record(state, now, EventKind(d.action), actor=who, unit_id=d.actor.unit_id, **payload)
    if d.action == "withdraw":
        reason = d.payload_as(ReasonPayload).reason
        state.resolution = Resolution.withdrawn
        close_issue(state, now, Status.withdrawn, f"withdrawn: {reason}", who)
    elif d.action == "urge":
        state.urges += 1
    elif d.action == "supervise":
        state.supervisions += 1
    elif d.action == "link_duplicate":
        original = d.payload_as(LinkDuplicatePayload).issue_id
        state.duplicate_of = original
        state.resolution = Resolution.duplicate
        close_issue(state, now, Status.closed, f"duplicate of {original}", who)
