"""Deciding whether an action may be taken: the whole of the ``act`` update's validator.

:func:`validate` either returns a :class:`Decision` (the parsed payload) or raises an
:class:`~domain.errors.ActionRefused` with a sentence a person can read. It never changes the state.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from domain import errors
from domain.access import check_may_act, facts, issue_action_refusal, sees
from domain.actions import (
    ISSUE_ACTIONS,
    ConcludePayload,
    LinkDuplicatePayload,
    Payload,
    ReassignPayload,
    RoutePayload,
    TaskKind,
    WhistlePayload,
    actions_for,
    describe_payload_error,
    payload_model,
)
from domain.engine import task_level
from domain.messages import ActionRequest, Actor
from domain.organisation import Level
from domain.state import IssueState, Status, Task

P = TypeVar("P", bound=Payload)


class Decision(BaseModel):
    """An action that passed validation, with its payload parsed."""

    model_config = ConfigDict(frozen=True)

    task_id: str | None
    action: str
    payload: Payload
    actor: Actor
    #: what the workflow must fetch or tell before applying: the context of a matter the issue is
    #: re-classified to, the original issue a duplicate is linked to
    needs_matter: str | None = None
    tells_original: str | None = None

    def payload_as(self, model: type[P]) -> P:
        """The payload as the model the vocabulary gives this action (checked, never assumed)."""
        if not isinstance(self.payload, model):
            raise errors.InvalidPayload(f"the data for '{self.action}' is not a {model.__name__}")
        return self.payload


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
    _check_task_action(state, task, req.action, payload)
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


def _check_routable(state: IssueState, level: Level, unit_ids: list[str]) -> None:
    routable = {u.id for u in state.context.matter.routable.get(level, [])}
    unknown = [u for u in unit_ids if u not in routable]
    if unknown:
        raise errors.InvalidPayload(f"unit_ids: {', '.join(unknown)} cannot be summoned from the {level} level")


def _check_task_action(state: IssueState, task: Task, action: str, payload: Payload) -> None:
    kind = task.kind
    if kind is TaskKind.verify and action == "resolve_on_site":
        if not (state.matter.on_the_spot or state.matter.mediation):
            raise errors.ActionNotAllowed(
                f"matter {state.matter.code} ({state.matter.name}) cannot be resolved on the spot; whistle instead"
            )
    elif isinstance(payload, WhistlePayload):
        if payload.matter_code is not None and payload.matter_code not in state.context.matter_codes:
            raise errors.InvalidPayload(f"matter_code: unknown matter {payload.matter_code!r}")
    elif isinstance(payload, RoutePayload):
        _check_routable(state, task_level(state, task), payload.unit_ids)
        pending = {t.unit_id for t in state.open_tasks() if t.kind is TaskKind.report}
        again = [u for u in payload.unit_ids if u in pending or u in state.checked_in]
        if again:
            raise errors.InvalidPayload(f"unit_ids: {', '.join(again)} already summoned")
    elif kind is TaskKind.dispatch and action == "escalate":
        if task.level is Level.city:
            raise errors.WrongState("the city is the top of the ladder; route the issue instead")
    elif isinstance(payload, ConcludePayload):
        present = set(state.checked_in)
        if payload.lead_unit_id not in present:
            raise errors.InvalidPayload(f"lead_unit_id: {payload.lead_unit_id} did not check in")
        stray = [u for u in payload.co_unit_ids if u not in present or u == payload.lead_unit_id]
        if stray:
            raise errors.InvalidPayload(
                f"co_unit_ids: {', '.join(stray)} must be units that checked in, other than the lead"
            )
    elif kind is TaskKind.handle:
        _check_handle(state, task, action)
    elif kind is TaskKind.supervision:
        _check_supervision(state, task, payload)


def _check_handle(state: IssueState, task: Task, action: str) -> None:
    if action == "request_extension" and any(
        t.kind is TaskKind.approve_extension for t in state.open_tasks()
    ):
        raise errors.WrongState("an extension request is already waiting for approval")
    if action == "stop_clock" and task.clock_stopped_at is not None:
        raise errors.WrongState("the clock is already stopped")
    if action == "start_clock" and task.clock_stopped_at is None:
        raise errors.WrongState("the clock is not stopped")
    if action == "complete":
        waiting = [t.unit_id for t in state.open_tasks() if t.kind is TaskKind.assist]
        if waiting:
            raise errors.WrongState(f"co-units complete first: still waiting for {', '.join(waiting)}")
        if task.clock_stopped_at is not None:
            raise errors.WrongState("restart the clock before completing")


def _check_supervision(state: IssueState, task: Task, payload: Payload) -> None:
    late = state.tasks.get(task.for_task_id or "")
    if late is None or not late.is_open:
        raise errors.WrongState(f"the late task of {task.for_unit_id} is no longer open")
    if isinstance(payload, ReassignPayload):
        if late.kind is not TaskKind.handle:
            raise errors.WrongState(f"{late.unit_id} assists, it does not lead: urge it or extend its deadline")
        if late.unit_id in payload.unit_ids:
            raise errors.InvalidPayload(f"unit_ids: the lead is being taken away from {late.unit_id}")
        _check_routable(state, task_level(state, task), payload.unit_ids)


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
