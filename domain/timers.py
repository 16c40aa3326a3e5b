"""Deadlines and what happens when nobody acts: reminders, warnings and escalations (the step table's last column).

New tasks have no deadline until the calendar activity answers :func:`pending_deadlines` (:func:`set_deadlines`).
Every open task with a deadline then has *marks*: instants at which something fires — its due time, and what its
room adds before and after (:data:`domain.engine.ROOMS`). :func:`next_wakeup` tells the workflow how long it may
sleep; :func:`fire_due` fires every mark that has passed, each at most once (fired marks are kept on the task, so a
replay or a continue-as-new never fires one twice), by the room's timeout.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain import steps  # noqa: F401 - the rooms fill the engine's tables
from domain.deadlines import Deadline, DeadlineRequest
from domain.engine import ROOMS, record, warn
from domain.rules import DEFAULT_RULES, Rules
from domain.state import Color, EventKind, IssueState, Status
from domain.task_state import Mark, Task

MAX_FIRES_PER_CALL = 200  # a bound on one call's loop; real issues fire a handful at a time
#: marks at the same instant fire in this order: reminders, the due time, what comes after it
_ORDER = {Mark.remind: 0, Mark.remind50: 0, Mark.remind80: 0, Mark.due: 1, Mark.second_due: 2, Mark.red: 2}


def marks(task: Task, rules: Rules = DEFAULT_RULES) -> list[tuple[Mark, datetime]]:
    """The unfired marks of an open task, earliest first, by the issue's rules. A stopped clock has none."""
    if not task.is_open or task.due_at is None or task.clock_stopped_at is not None:
        return []
    rule = ROOMS[task.kind].marks
    out = [(Mark.due, task.due_at), *(rule(task, task.window_start, task.due_at, rules) if rule else [])]
    return sorted((m for m in out if m[0] not in task.marks_fired), key=lambda m: (m[1], _ORDER[m[0]]))


def next_wakeup(state: IssueState) -> datetime | None:
    times = [at for task in state.open_tasks() for _, at in marks(task, state.context.rules)[:1]]
    return min(times, default=None)


def is_overdue(state: IssueState) -> bool:
    return any(t.overdue for t in state.open_tasks())


def fire_due(state: IssueState, now: datetime) -> int:
    """Fire every mark at or before ``now``; returns how many fired."""
    fired = 0
    while fired < MAX_FIRES_PER_CALL and state.status is Status.open:
        due = [(at, name, task) for task in state.open_tasks()
               for name, at in marks(task, state.context.rules) if at <= now]
        if not due:
            break
        _, name, task = min(due, key=lambda d: (d[0], d[2].task_id))
        task.marks_fired.append(name)
        if name.is_reminder:
            warn(state, now, task, Color.reminder, f"{task.kind.value} task is due at {task.due_at:%Y-%m-%d %H:%M}")
        else:
            ROOMS[task.kind].timeout(state, task, name, now)
        fired += 1
    return fired


# --- deadlines -------------------------------------------------------------------------------------


def pending_deadlines(state: IssueState) -> list[DeadlineRequest]:
    return [
        DeadlineRequest(key=t.task_id, start=t.deadline_from or t.window_start, duration=t.duration,
                        red_after_working_days=t.red_after_working_days, lost_from=t.lost_from, lost_to=t.lost_to)
        for t in state.open_tasks() if t.due_at is None
    ]


def set_deadlines(state: IssueState, deadlines: list[Deadline], notes: list[str], now: datetime) -> None:
    for d in deadlines:
        task = state.tasks.get(d.key)
        if task is None or not task.is_open:
            continue
        task.deadline_base = task.deadline_from or task.window_start
        task.due_at, task.red_at, task.provisional = d.due_at, d.red_at, d.provisional
        task.deadline_from = task.lost_from = task.lost_to = None
        extra: dict[str, Any] = {"red_at": d.red_at.isoformat()} if d.red_at else {}
        if d.working_seconds_lost is not None:
            extra["working_seconds_lost"] = d.working_seconds_lost
        if d.provisional:
            extra["provisional"] = True
        record(state, now, EventKind.deadline_set, unit_id=task.unit_id, task_id=task.task_id,
               due_at=d.due_at.isoformat(),
               **extra)
    for note in notes:
        if note not in state.notes:
            state.notes.append(note)
            record(state, now, EventKind.calendar_note, note=note)


def recount_provisional(state: IssueState) -> list[str]:
    """A year's official arrangement was loaded: provisional deadlines are counted again from where they were
    counted, with the same duration (the calendar activity answers; the timeline records the new ones). A
    restarted clock's deadline keeps its count. Returns the tasks recounted."""
    again = []
    for t in state.open_tasks():
        if t.provisional and t.due_at is not None and t.stopped_seconds == 0 and t.deadline_base is not None:
            t.deadline_from, t.due_at, t.red_at = t.deadline_base, None, None
            again.append(t.task_id)
    return again
