"""What issues started under older rules still do (:mod:`domain.rule_versions`), kept here so the rooms read as the
current rules.

The rooms ask ``version(state).<behaviour>``; where an older version differs by more than a condition, the older
path is a function here. Every function serves rules 1, the issues started before the review of the step table.
A version can go on the day no recorded history replays it any more — ``tests/domain/test_rule_versions.py`` fails
that day, naming it: then delete its flags (each room's ``version(state).<flag>`` keeps only the current path) and
the functions here that serve it. A date cannot be set in advance: an issue lives until it closes, and a reopened
one longer.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.engine import MOVES, record, task_level
from domain.organisation import Level
from domain.state import EventKind, IssueState
from domain.task_state import Task


def climbed_level(state: IssueState, task: Task, whistled_at: Level) -> Level:
    """Rules 1: a late approval dispatched from the level it had climbed to, not the whistle's."""
    return max(whistled_at, task_level(state, task), key=lambda lv: lv.rank)


def move_marks_by(task: Task, stopped: timedelta) -> None:
    """Rules 1: a restarted clock moved the deadline by the wall-clock time it was stopped."""
    if task.due_at is not None:
        task.due_at += stopped
    if task.red_at is not None:
        task.red_at += stopped


def return_for_rework(state: IssueState, task: Task, reason: str, by: str, now: datetime) -> None:
    """Rules 1: the rework limit counted over the whole issue, and the last return was not recorded."""
    limit = state.context.rules.max_reworks
    if state.reworks >= limit:
        MOVES.restart_round(state, now, f"returned for rework {limit + 1} times: {reason}", task, by)
        return
    state.reworks += 1
    record(state, now, EventKind.returned_for_rework, actor=by, reason=reason, count=state.reworks)
    MOVES.handle_again(state, now, by, reason, None)
