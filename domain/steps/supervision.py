"""Supervision (督办), in the handling step: a handling task went red and the supervisor above decides — urge the
late unit, extend its deadline, or take the lead away and summon others from the supervisor's level. A late
supervision moves one level up."""

from __future__ import annotations

from datetime import datetime

from domain import errors
from domain.actions import ExtensionPayload, IssueNotePayload, Payload, ReassignPayload, TaskKind
from domain.deadlines import DeadlineRules, Duration
from domain.decision import Decision
from domain.engine import (
    MOVES,
    Room,
    cancel_open,
    check_summonable,
    close_task,
    done,
    durations,
    open_task,
    record,
    register,
    reopen_above,
    task_level,
)
from domain.organisation import Level, Role
from domain.state import EventKind, IssueState
from domain.task_state import Mark, Step, Task, TaskStatus


def supervision_time(rules: DeadlineRules) -> Duration:
    return rules.adjust(Duration(working_days=1), Duration(hours=4))


def open_supervision(state: IssueState, now: datetime, late: Task, unit_id: str, level: Level) -> None:
    open_task(state, TaskKind.supervision, unit_id, [Role.supervisor], supervision_time(durations(state)), now,
              level=level.value, for_task_id=late.task_id, for_unit_id=late.unit_id)


def _check(state: IssueState, task: Task, action: str, payload: Payload) -> None:
    late = state.tasks.get(task.for_task_id or "")
    if late is None or not late.is_open:
        raise errors.WrongState(f"the late task of {task.for_unit_id} is no longer open")
    if isinstance(payload, ReassignPayload):
        if late.kind is not TaskKind.handle:
            raise errors.WrongState(f"{late.unit_id} assists, it does not lead: urge it or extend its deadline")
        if late.unit_id in payload.unit_ids:
            raise errors.InvalidPayload(f"unit_ids: the lead is being taken away from {late.unit_id}")
        check_summonable(state, task_level(state, task), payload.unit_ids)


def _urge(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    p = d.payload_as(IssueNotePayload)
    done(state, task, d, now)
    state.urges += 1
    record(state, now, EventKind.urge, actor=d.actor.principal_id, unit_id=task.for_unit_id,
           task_id=task.for_task_id, note=p.note)


def _extend(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    p = d.payload_as(ExtensionPayload)
    done(state, task, d, now)
    MOVES.extend_handling(state, p.days)
    record(state, now, EventKind.extension_granted, actor=d.actor.principal_id, unit_id=task.for_unit_id,
           task_id=task.for_task_id, days=p.days, reason=p.reason)


def _reassign(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    """Take the lead away from the late unit and summon others from the supervisor's level."""
    p = d.payload_as(ReassignPayload)
    done(state, task, d, now)
    late = state.tasks[task.for_task_id or ""]
    close_task(state, late, now, TaskStatus.moved, f"lead taken away: {p.reason}", d.actor.principal_id)
    cancel_open(state, now, "the lead was taken away",
                {TaskKind.assist, TaskKind.approve_extension, TaskKind.supervision})
    record(state, now, EventKind.reassigned, actor=d.actor.principal_id, unit_id=late.unit_id, task_id=late.task_id,
           unit_ids=list(p.unit_ids), reason=p.reason)
    state.summoned, state.checked_in, state.declined = [], [], []
    state.lead_unit_id, state.co_unit_ids, state.list_type = None, [], None
    state.round_reworks = 0
    MOVES.route(state, now, task_level(state, task), p.unit_ids, d.actor.principal_id)


def _timeout(state: IssueState, task: Task, name: Mark, now: datetime) -> None:
    reopen_above(state, now, task, [Role.supervisor], "supervisor")


register(TaskKind.supervision, Room(step=Step.handling, check=_check, timeout=_timeout,
                                    actions={"urge": _urge, "extend": _extend, "reassign": _reassign}))
MOVES.supervision = open_supervision
