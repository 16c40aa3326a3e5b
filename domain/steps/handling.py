"""Handling (处置): the lead handles within the list's working days (half if urgent), the co-units assist in the
same time and complete first. The lead may note progress, stop the clock (停表) and start it again, ask the unit
above for more days, and complete with a result. Reminders at 50 % and 80 % of the time; overdue is yellow; two
working days later red, and the supervisor above is told (督办, :mod:`domain.steps.supervision`)."""

from __future__ import annotations

import math
from datetime import datetime

from domain import errors
from domain.actions import CompletePayload, ExtensionPayload, Payload, TaskKind, WhistleKind
from domain.catalogue import ListType, Matter
from domain.deadlines import DeadlineRules, Duration
from domain.decision import Decision
from domain.engine import (
    MOVES,
    Room,
    cancel_open,
    done,
    durations,
    enter_step,
    escalate,
    level_of,
    open_task,
    record,
    register,
    time_out,
    unit_at,
    version,
    warn,
)
from domain.organisation import Level, Role
from domain.rules import Rules
from domain.state import Color, EventKind, IssueState, Resolution, WhistleRecord
from domain.steps import older
from domain.task_state import Mark, Step, Task

HANDLING_KINDS = (TaskKind.handle, TaskKind.assist)


def handling_time(rules: DeadlineRules, matter: Matter, list_type: ListType, days: int | None = None) -> Duration:
    """The list's working days (halved, rounded up, if urgent), or the days the consultation or review set."""
    base = days if days is not None else matter.handling_days.for_list(list_type)
    if rules.urgent and days is None:
        base = max(1, math.ceil(base / 2))
    return rules.adjust(Duration(working_days=base))


def approve_extension_time(rules: DeadlineRules) -> Duration:
    return rules.adjust(Duration(working_days=1), Duration(hours=4))


def start_handling(state: IssueState, now: datetime, lead: str, list_type: ListType, days: int | None = None) -> None:
    enter_step(state, Step.handling, now)
    duration = handling_time(durations(state), state.matter, list_type, days or state.handling_days_override)
    red_after = state.context.rules.red_after_working_days
    open_task(state, TaskKind.handle, lead, [Role.handler], duration, now, red_after=red_after,
              list_type=list_type.value)
    for unit_id in state.co_unit_ids:
        open_task(state, TaskKind.assist, unit_id, [Role.handler], duration, now, red_after=red_after,
                  lead_unit_id=lead)


def handle_again(state: IssueState, now: datetime, by: str, reason: str, days: int | None = None) -> None:
    """Back to handling (a return for rework, a reopening after review). An issue that nobody led — resolved
    on the spot or mediated in the grid — goes to the street's dispatcher as a whistle, recorded as such."""
    if state.lead_unit_id is not None and state.list_type is not None:
        start_handling(state, now, state.lead_unit_id, state.list_type, days)
        return
    grid = state.context.ladder[Level.grid].id
    state.lead_unit_id, state.co_unit_ids, state.list_type = None, [], None
    state.handling_days_override = days
    MOVES.whistle(state, now, WhistleRecord(kind=WhistleKind.daily, note=reason, by=by, unit_id=grid,
                                            level=Level.grid, at=now), None, True)


def extend_handling(state: IssueState, days: int) -> None:
    """An extension (approved, or granted by a supervisor): the handling tasks get ``days`` more working days
    from their due time; the calendar answers the new deadlines, and the warnings may fire again."""
    for t in state.open_tasks():
        if t.kind in HANDLING_KINDS and t.due_at is not None:
            t.deadline_from = t.due_at
            t.duration = Duration(working_days=days)
            t.due_at = t.red_at = None
            t.marks_fired = [m for m in t.marks_fired if m.is_reminder]


def _check(state: IssueState, task: Task, action: str, payload: Payload) -> None:
    if action == "request_extension" and any(t.kind is TaskKind.approve_extension for t in state.open_tasks()):
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


def _note(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    """A progress note: the ``action`` event holds its text."""


def _request_extension(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    p = d.payload_as(ExtensionPayload)
    approver = state.context.parents.get(task.unit_id) or unit_at(state, Level.city)
    open_task(state, TaskKind.approve_extension, approver, [Role.leader], approve_extension_time(durations(state)),
              now, days=p.days, reason=p.reason, for_task_id=task.task_id, for_unit_id=task.unit_id)


def _handling_tasks(state: IssueState) -> list[Task]:
    return [t for t in state.open_tasks() if t.kind in HANDLING_KINDS]


def _stop_clock(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    """停表: the handling clock of the lead and the co-units stops together."""
    for t in _handling_tasks(state):
        t.clock_stopped_at = now


def _start_clock(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    stopped_at = task.clock_stopped_at or now  # the check refuses a clock that is not stopped
    stopped = now - stopped_at
    for t in _handling_tasks(state):
        if t.clock_stopped_at is None:
            continue
        t.clock_stopped_at = None
        t.stopped_seconds += stopped.total_seconds()
        t.window_start += stopped
        if not version(state).lost_time_is_working_time:
            older.move_marks_by(t, stopped)
            continue
        # the working time lost is added to the deadline by the calendar; the marks follow it
        t.deadline_from, t.lost_from, t.lost_to = t.due_at, stopped_at, now
        t.due_at = t.red_at = None
    record(state, now, EventKind.clock_restarted, actor=d.actor.principal_id, unit_id=task.unit_id,
           task_id=task.task_id, stopped_seconds=stopped.total_seconds(),
           due_at=task.due_at.isoformat() if task.due_at else None)


def _complete(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    p = d.payload_as(CompletePayload)
    done(state, task, d, now)
    cancel_open(state, now, "handling completed", {TaskKind.approve_extension, TaskKind.supervision})
    state.resolution = Resolution.resolved
    MOVES.feedback(state, now, p.result)


def _approve_extension(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    done(state, task, d, now)
    days = task.days or 1
    extend_handling(state, days)
    record(state, now, EventKind.extension_granted, actor=d.actor.principal_id, unit_id=task.for_unit_id,
           task_id=task.for_task_id, days=days)


def _deny_extension(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    done(state, task, d, now)
    record(state, now, EventKind.extension_denied, actor=d.actor.principal_id, unit_id=task.for_unit_id,
           task_id=task.for_task_id)


def _marks(task: Task, start: datetime, due: datetime, rules: Rules) -> list[tuple[Mark, datetime]]:
    first, second = rules.reminders
    out = [(Mark.remind50, start + (due - start) * first), (Mark.remind80, start + (due - start) * second)]
    return out + ([(Mark.red, task.red_at)] if task.red_at is not None else [])


def _timeout(state: IssueState, task: Task, name: Mark, now: datetime) -> None:
    rules = version(state)
    if name is Mark.due:
        warn(state, now, task, Color.yellow, f"{task.kind.value} by {task.unit_id} is overdue")
        if rules.lateness_survives_extension:
            task.late = True  # an extension granted later moves the deadline, not the lateness
        return
    warn(state, now, task, Color.red, f"{task.kind.value} by {task.unit_id} is two working days overdue")
    above_unit = state.context.parents.get(task.unit_id) or unit_at(state, Level.city)
    record(state, now, EventKind.supervise, unit_id=above_unit, task_id=task.task_id,
           note=f"supervision notice to {task.unit_id}: handling is two working days overdue")
    state.supervisions += 1
    above_level = level_of(state, above_unit)
    if above_unit != task.unit_id or not rules.nothing_above_the_top:  # the city leading: its own supervisor
        escalate(state, now, task, above_unit, above_level, "handling two working days overdue: to the supervisor")
    supervised = any(t.kind is TaskKind.supervision and t.for_task_id == task.task_id for t in state.open_tasks())
    if rules.red_opens_supervision and not supervised:
        MOVES.supervision(state, now, task, above_unit, above_level or Level.city)


def _extension_timeout(state: IssueState, task: Task, name: Mark, now: datetime) -> None:
    time_out(state, task, now, "no answer: extension not granted")
    record(state, now, EventKind.extension_lapsed, unit_id=task.for_unit_id, task_id=task.for_task_id)


_HANDLE = {"note": _note, "request_extension": _request_extension, "stop_clock": _stop_clock,
           "start_clock": _start_clock, "complete": _complete}
register(TaskKind.handle, Room(step=Step.handling, check=_check, marks=_marks, timeout=_timeout, actions=_HANDLE))
register(TaskKind.assist, Room(step=Step.handling, marks=_marks, timeout=_timeout,
                               actions={"note": _note, "complete": done}))
register(TaskKind.approve_extension, Room(step=Step.handling, timeout=_extension_timeout,
                                          actions={"approve": _approve_extension, "deny": _deny_extension}))
MOVES.handling = start_handling
MOVES.handle_again = handle_again
MOVES.extend_handling = extend_handling
