"""The step table's shared machinery: the timeline, tasks, steps, escalation, and the tables the rooms fill.

Each step's rules live in a room of their own (:mod:`domain.steps`): the checks, the handlers, the transitions,
the marks and the durations of the task kinds it owns. A room registers them here (:func:`register`) and names the
ways into other steps through :data:`MOVES`, so rooms import this module and never each other.
:mod:`domain.validation`, :mod:`domain.apply` and :mod:`domain.timers` walk the tables.

Everything is pure: the caller passes ``now`` and the state is changed in place. New tasks start with
``due_at=None``; the caller asks the calendar activity for their deadlines (:mod:`domain.timers`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain import errors
from domain.actions import Payload, TaskKind
from domain.catalogue import ListType
from domain.deadlines import DeadlineRules, Duration
from domain.decision import Decision
from domain.organisation import Level, Role
from domain.rule_versions import RuleVersion, rule_version
from domain.rules import Rules
from domain.state import (
    Color,
    Escalation,
    EventKind,
    IssueState,
    MatterContext,
    Status,
    StepRecord,
    TimelineEvent,
    WarningRecord,
    WhistleRecord,
)
from domain.task_state import Mark, Step, Task, TaskStatus, task_id_for

SYSTEM = None  # the actor of what timers do


# --- the issue's facts -------------------------------------------------------------------------------


def durations(state: IssueState) -> DeadlineRules:
    """What shortens every duration of this issue, and the district's rules it keeps."""
    return DeadlineRules(urgent=state.report.urgent, emergency=state.emergency, district=state.context.rules)


def version(state: IssueState) -> RuleVersion:
    """The behaviours of the rules the issue runs by (:mod:`domain.rule_versions`)."""
    return rule_version(state.rules)


def unit_at(state: IssueState, level: Level) -> str:
    return state.context.ladder[level].id


def level_of(state: IssueState, unit_id: str) -> Level | None:
    for level, ref in state.context.ladder.items():
        if ref.id == unit_id:
            return level
    return None


def task_level(state: IssueState, task: Task) -> Level:
    """The level a task sits at: its own, else its unit's place on the ladder (departments: the city's)."""
    return task.level or level_of(state, task.unit_id) or Level.city


def verifier_roles(level: Level) -> list[Role]:
    return [Role.grid_worker] if level is Level.grid else [Role.dispatcher, Role.grid_worker]


def concerned_task(state: IssueState, now: datetime) -> Task | None:
    """The task an urge or a supervision of the whole issue is about: the open task most overdue, else the lead's
    handling, else the open task due first (what the issue waits on). A resident's evaluation is nobody's lateness."""
    waiting = sorted((t for t in state.open_tasks() if t.kind is not TaskKind.evaluate),
                     key=lambda t: (t.due_at is None, t.due_at or now, t.task_id))
    late = [t for t in waiting if t.due_at is not None and t.due_at <= now]
    lead = [t for t in waiting if t.kind is TaskKind.handle and t.unit_id == state.lead_unit_id]
    found = late or lead or waiting
    return found[0] if found else None


# --- the timeline, tasks and steps ---------------------------------------------------------------------


def record(state: IssueState, now: datetime, kind: EventKind, /, *, actor: str | None = SYSTEM,
           unit_id: str | None = None, task_id: str | None = None, **data: Any) -> TimelineEvent:
    event = TimelineEvent(seq=state.next_seq, at=now, step=state.step, kind=kind.value, actor_id=actor,
                          unit_id=unit_id, task_id=task_id, data=data)
    state.next_seq += 1
    state.events.append(event)
    return event


def enter_step(state: IssueState, step: Step, now: datetime) -> None:
    if state.steps and state.steps[-1].step is step and state.steps[-1].left_at is None:
        return
    if state.steps and state.steps[-1].left_at is None:
        state.steps[-1].left_at = now
    state.step = step
    state.steps.append(StepRecord(step=step, entered_at=now))
    record(state, now, EventKind.step_entered, step=step.value)


def open_task(state: IssueState, kind: TaskKind, unit_id: str, roles: list[Role], duration: Duration,
              now: datetime, *, principal_id: str | None = None, red_after: int | None = None,
              **details: Any) -> Task:
    task = Task(task_id=task_id_for(state.issue_id, state.next_task_no), kind=kind, step=state.step,
                unit_id=unit_id, roles=roles, principal_id=principal_id, opened_at=now, duration=duration,
                window_start=now, red_after_working_days=red_after, **details)
    state.next_task_no += 1
    state.tasks[task.task_id] = task
    record(state, now, EventKind.task_opened, unit_id=unit_id, task_id=task.task_id, kind=kind.value,
           duration=duration.describe(), **({"principal_id": principal_id} if principal_id else {}))
    return task


def close_task(state: IssueState, task: Task, now: datetime, status: TaskStatus, outcome: str,
               by: str | None = SYSTEM) -> None:
    task.status = status
    task.closed_at = now
    task.outcome = outcome
    task.closed_by = by
    past_due = task.due_at is not None and now > task.due_at
    task.late = status is not TaskStatus.cancelled and (task.late or past_due)
    record(state, now, EventKind.task_closed, actor=by, unit_id=task.unit_id, task_id=task.task_id,
           status=status.value, outcome=outcome, late=task.late)


def done(state: IssueState, task: Task, decision: Decision, now: datetime) -> None:
    """The task is done by the action ``decision`` took."""
    close_task(state, task, now, TaskStatus.done, decision.action, decision.actor.principal_id)


def time_out(state: IssueState, task: Task, now: datetime, outcome: str) -> None:
    close_task(state, task, now, TaskStatus.timed_out, outcome)


def cancel_open(state: IssueState, now: datetime, reason: str, kinds: set[TaskKind] | None = None) -> None:
    for task in state.open_tasks():
        if kinds is None or task.kind in kinds:
            close_task(state, task, now, TaskStatus.cancelled, reason)


def close_issue(state: IssueState, now: datetime, status: Status, outcome: str, by: str | None = SYSTEM) -> None:
    cancel_open(state, now, f"issue {status.value}")
    if state.steps and state.steps[-1].left_at is None:
        state.steps[-1].left_at = now
    state.status = status
    state.outcome = outcome
    state.closed_at = now
    record(state, now, EventKind.issue_closed, actor=by, status=status.value, outcome=outcome)


# --- lateness: warnings and escalation -------------------------------------------------------------------


def warn(state: IssueState, now: datetime, task: Task, color: Color, message: str) -> None:
    state.warnings.append(WarningRecord(at=now, color=color, task_id=task.task_id, unit_id=task.unit_id,
                                        message=message))
    kind = EventKind.reminder if color is Color.reminder else EventKind.warning
    record(state, now, kind, unit_id=task.unit_id, task_id=task.task_id, color=color.value, message=message)


def escalate(state: IssueState, now: datetime, task: Task, to_unit: str | None, to_level: Level | None,
             reason: str, by: str | None = SYSTEM, *, from_level: Level | None = None,
             charged: str | None = None) -> None:
    """Record that ``task``'s matter moves up to ``to_level``; ``from_level`` when the task's unit is not
    where the issue stood (a department, or the whistler checking a result of a street's round); ``charged``
    when the escalation is raised against another unit than the task's (the lead whose work was returned)."""
    from_level = from_level or level_of(state, task.unit_id)
    state.escalations.append(Escalation(at=now, from_level=from_level, to_level=to_level,
                                        from_unit_id=charged or task.unit_id, to_unit_id=to_unit, by=by,
                                        reason=reason, task_kind=task.kind))
    record(state, now, EventKind.escalated, actor=by, unit_id=charged or task.unit_id, task_id=task.task_id,
           to_unit_id=to_unit, to_level=to_level.value if to_level else None, reason=reason)
    if to_level is not None and to_level.rank > state.level.rank:
        state.level = to_level


def move_up(state: IssueState, now: datetime, task: Task, role_word: str) -> Level | None:
    """Hand a late task to the same kind of person one level up; returns the new level (None at the top, where
    the task stays open, red)."""
    above = task_level(state, task).above()
    if above is None:
        warn(state, now, task, Color.red, f"{task.kind.value} overdue at the top of the ladder")
        return None
    warn(state, now, task, Color.yellow, f"{task.kind.value} overdue; moved to the {above.value} {role_word}")
    close_task(state, task, now, TaskStatus.moved, f"moved to {above.value}")
    escalate(state, now, task, unit_at(state, above), above, f"{task.kind.value} not done in time")
    return above


def reopen_above(state: IssueState, now: datetime, task: Task, roles: list[Role], role_word: str) -> None:
    """A late task of a single person's decision moves up: the same task one level up, with the same time."""
    above = move_up(state, now, task, role_word)
    if above is not None:
        open_task(state, task.kind, unit_at(state, above), roles, task.duration, now,
                  **{**task.details(), "level": above})


# --- the tables the rooms fill ----------------------------------------------------------------------------

#: carries out one action on one task kind (the step table's "actions" column)
Handler = Callable[[IssueState, Task, Decision, datetime], None]
#: refuses, with an :class:`~domain.errors.ActionRefused`, an action the payload's shape alone cannot
Check = Callable[[IssueState, Task, str, Payload], None]
#: what happens when a mark of a task of this kind passes (the step table's last column)
Timeout = Callable[[IssueState, Task, Mark, datetime], None]
#: the marks a kind has before and after its due time, given its window, its due time and the district's rules
MarkRule = Callable[[Task, datetime, datetime, Rules], list[tuple[Mark, datetime]]]


@dataclass(frozen=True)
class Room:
    """What a step's room says about one task kind."""

    step: Step
    actions: Mapping[str, Handler]
    timeout: Timeout
    check: Check | None = None
    marks: MarkRule | None = None


ROOMS: dict[TaskKind, Room] = {}


def register(kind: TaskKind, room: Room) -> None:
    if kind in ROOMS:
        raise ValueError(f"task kind {kind.value} has a room already ({ROOMS[kind].step.value})")
    ROOMS[kind] = room


class Moves:
    """The ways into a step that another step takes, filled in by the room that owns each (rooms import the
    engine, never each other). Unfilled, a move raises on first use: every room is imported by
    :mod:`domain.steps`."""

    verify: Callable[[IssueState, Level, datetime, str | None], Task]
    whistle: Callable[[IssueState, datetime, WhistleRecord, MatterContext | None, bool], None]
    dispatch: Callable[[IssueState, Level, datetime, str | None], Task]
    restart_round: Callable[[IssueState, datetime, str, Task, str | None], None]
    route: Callable[[IssueState, datetime, Level, list[str], str], None]
    consultation: Callable[[IssueState, datetime, Level], None]
    handling: Callable[[IssueState, datetime, str, ListType, int | None], None]
    handle_again: Callable[[IssueState, datetime, str, str, int | None], None]
    extend_handling: Callable[[IssueState, int], None]
    supervision: Callable[[IssueState, datetime, Task, str, Level], None]
    feedback: Callable[[IssueState, datetime, str], None]
    evaluation: Callable[[IssueState, datetime], None]
    review: Callable[[IssueState, datetime], None]


MOVES = Moves()


def check_summonable(state: IssueState, level: Level, unit_ids: list[str]) -> None:
    """Refuse units the matter does not let the dispatcher at ``level`` summon."""
    routable = {u.id for u in state.context.matter.routable.get(level, [])}
    unknown = [u for u in unit_ids if u not in routable]
    if unknown:
        raise errors.InvalidPayload(f"unit_ids: {', '.join(unknown)} cannot be summoned from the {level} level")
