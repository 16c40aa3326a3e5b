"""Deciding whether an action may be taken: the whole of the ``act`` update's validator.

:func:`validate` either returns a :class:`Decision` (the parsed payload) or raises an
:class:`~domain.errors.ActionRefused` with a sentence a person can read. It never changes the state.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import ValidationError

from domain import errors, steps  # noqa: F401 - the rooms fill the engine's tables
from domain.access import check_may_act, facts, issue_action_refusal, sees
from domain.actions import (
    ISSUE_ACTIONS,
    LinkDuplicatePayload,
    Payload,
    WhistlePayload,
    actions_for,
    describe_payload_error,
    payload_model,
)
from domain.decision import Decision
from domain.engine import ROOMS
from domain.messages import ActionRequest
from domain.state import IssueState, Status

#: caps per issue and day (a day: the 24 hours before the action)
COMMENTS_PER_DAY = 30
URGES_PER_DAY = 3
URGES_PER_PRINCIPAL_PER_DAY = 1


def check_visible(state: IssueState, req: ActionRequest) -> None:
    """Raise :class:`~domain.errors.IssueNotVisible` unless the actor may see the issue. The update's validator
    asks this first, so someone outside it learns nothing — not even whether it is open."""
    if not sees(state, req.actor):
        raise errors.IssueNotVisible(f"no issue {state.issue_id!r}")


def validate(state: IssueState, req: ActionRequest, now: datetime | None = None) -> Decision:
    """Decide ``req`` on ``state``; ``now`` (when the caller knows the time) also applies the daily caps."""
    if state.status is not Status.open:
        raise errors.WrongState(f"issue {state.issue_id} is {state.status.value}; no more actions can be taken")
    if req.task_id is None:
        decision = _validate_issue_action(state, req)
        if now is not None:
            _check_caps(state, decision, now)
        return decision
    task = state.tasks.get(req.task_id)
    if task is None:
        raise errors.TaskNotFound(f"issue {state.issue_id} has no task {req.task_id!r}")
    if not task.is_open:
        raise errors.TaskClosed(
            f"task {task.task_id} ({task.kind.value}) is already closed ({task.status.value}"
            + (f" by {task.outcome}" if task.outcome else "") + ")"
        )
    model = payload_model(task.kind, req.action)
    if model is None:
        raise errors.ActionNotAllowed(
            f"'{req.action}' is not an action of a {task.kind.value} task; "
            f"allowed: {', '.join(actions_for(task.kind))}"
        )
    payload = _parse(model, req)
    check_may_act(task, req.actor, req.action)
    check = ROOMS[task.kind].check
    if check is not None:
        check(state, task, req.action, payload)
    needs_matter = None
    if isinstance(payload, WhistlePayload) and payload.matter_code not in (None, state.matter.code):
        needs_matter = payload.matter_code
    return Decision(task_id=task.task_id, action=req.action, payload=payload, actor=req.actor,
                    needs_matter=needs_matter)


def _parse(model: type[Payload], req: ActionRequest) -> Payload:
    try:
        return model.model_validate(req.data)
    except ValidationError as exc:
        raise errors.InvalidPayload(describe_payload_error(req.action, exc.errors())) from None


def _check_caps(state: IssueState, d: Decision, now: datetime) -> None:
    day = [r for r in state.recent_actions if r.at > now - timedelta(days=1) and r.action == d.action]
    if d.action == "comment" and len(day) >= COMMENTS_PER_DAY:
        raise errors.TooOften(f"issue {state.issue_id} has had {COMMENTS_PER_DAY} comments today; try tomorrow")
    if d.action == "urge":
        if any(r.principal_id == d.actor.principal_id for r in day):
            raise errors.TooOften(f"{d.actor.principal_id} urged issue {state.issue_id} today already")
        if len(day) >= URGES_PER_DAY:
            raise errors.TooOften(f"issue {state.issue_id} has been urged {URGES_PER_DAY} times today")


def _validate_issue_action(state: IssueState, req: ActionRequest) -> Decision:
    model = ISSUE_ACTIONS.get(req.action)
    if model is None:
        raise errors.ActionNotAllowed(
            f"'{req.action}' needs a task_id, or is unknown; issue-level actions: {', '.join(ISSUE_ACTIONS)}"
        )
    payload = _parse(model, req)
    actor = req.actor
    if not sees(state, actor):
        raise errors.NotPermitted(f"{actor.principal_id} has no access to issue {state.issue_id}")
    action = req.action
    tells_original = None
    refusal = issue_action_refusal(action, actor, facts(state))
    if refusal is not None:
        raise refusal
    if isinstance(payload, LinkDuplicatePayload):
        if payload.issue_id == state.issue_id:
            raise errors.InvalidPayload("issue_id: an issue cannot duplicate itself")
        tells_original = payload.issue_id
    return Decision(task_id=None, action=action, payload=payload, actor=actor, tells_original=tells_original)
