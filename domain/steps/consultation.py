"""Consultation (会商): the dispatcher who summoned two or more units (or a hard case) meets them and names the
lead, the co-units, the list (负面清单, 职责清单, 理解清单) and, if need be, the days to handle. An understanding-list
case waits for the approval of the leader one level up; denied, the units consult again."""

from __future__ import annotations

from datetime import datetime

from domain import errors
from domain.actions import ConcludePayload, OptionalReasonPayload, Payload, TaskKind
from domain.catalogue import ListType
from domain.deadlines import DeadlineRules, Duration
from domain.decision import Decision
from domain.engine import (
    MOVES,
    Room,
    done,
    durations,
    enter_step,
    open_task,
    record,
    register,
    reopen_above,
    unit_at,
)
from domain.organisation import Level, Role
from domain.state import EventKind, IssueState
from domain.task_state import Mark, Step, Task


def consult_time(rules: DeadlineRules) -> Duration:
    return rules.adjust(Duration(working_days=2), Duration(working_days=1))


def approve_understanding_time(rules: DeadlineRules) -> Duration:
    return rules.adjust(Duration(working_days=2), Duration(working_days=1))


def start_consultation(state: IssueState, now: datetime, level: Level, denied: str | None = None) -> None:
    enter_step(state, Step.consultation, now)
    open_task(state, TaskKind.consult, unit_at(state, level), [Role.dispatcher], consult_time(durations(state)), now,
              level=level.value, units=list(state.checked_in), understanding_denied=denied)


def conclude(state: IssueState, now: datetime, lead: str, co: list[str], list_type: ListType,
             handling_days: int | None, by: str) -> None:
    state.lead_unit_id, state.co_unit_ids, state.list_type = lead, list(co), list_type
    state.handling_days_override = handling_days
    record(state, now, EventKind.lead_named, actor=by, unit_id=lead, co_unit_ids=list(co), list_type=list_type.value)
    if list_type is ListType.understanding:
        level = (state.dispatch_level or Level.street).above() or Level.city
        open_task(state, TaskKind.approve_understanding, unit_at(state, level), [Role.leader],
                  approve_understanding_time(durations(state)), now, level=level.value)
    else:
        MOVES.handling(state, now, lead, list_type, None)


def _check(state: IssueState, task: Task, action: str, payload: Payload) -> None:
    if not isinstance(payload, ConcludePayload):
        return
    present = set(state.checked_in)
    if payload.lead_unit_id not in present:
        raise errors.InvalidPayload(f"lead_unit_id: {payload.lead_unit_id} did not check in")
    stray = [u for u in payload.co_unit_ids if u not in present or u == payload.lead_unit_id]
    if stray:
        raise errors.InvalidPayload(
            f"co_unit_ids: {', '.join(stray)} must be units that checked in, other than the lead")


def _conclude(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    p = d.payload_as(ConcludePayload)
    done(state, task, d, now)
    record(state, now, EventKind.minutes, actor=d.actor.principal_id, unit_id=task.unit_id, text=p.minutes)
    conclude(state, now, p.lead_unit_id, p.co_unit_ids, p.list_type, p.handling_days, d.actor.principal_id)


def _consult_timeout(state: IssueState, task: Task, name: Mark, now: datetime) -> None:
    reopen_above(state, now, task, [Role.dispatcher], "dispatcher")


def _approve(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    done(state, task, d, now)
    MOVES.handle_again(state, now, d.actor.principal_id, "understanding-list case approved", None)


def _deny(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    p = d.payload_as(OptionalReasonPayload)
    done(state, task, d, now)
    state.lead_unit_id, state.co_unit_ids, state.list_type = None, [], None
    start_consultation(state, now, state.dispatch_level or Level.street, denied=p.reason or "")


def _approval_timeout(state: IssueState, task: Task, name: Mark, now: datetime) -> None:
    reopen_above(state, now, task, [Role.leader], "leader")


register(TaskKind.consult, Room(step=Step.consultation, check=_check, timeout=_consult_timeout,
                                actions={"conclude": _conclude}))
register(TaskKind.approve_understanding, Room(step=Step.consultation, timeout=_approval_timeout,
                                              actions={"approve": _approve, "deny": _deny}))
MOVES.consultation = start_consultation
