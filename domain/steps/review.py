"""Review (复核): a resident or a follower was unsatisfied; the supervisor of the level that dispatched reopens the
issue for more handling with the days they set, or closes it with an explanation. Not reviewed in time, it closes."""

from __future__ import annotations

from datetime import datetime

from domain.actions import ClosePayload, ReopenPayload, TaskKind
from domain.deadlines import DeadlineRules, Duration
from domain.decision import Decision
from domain.engine import (
    MOVES,
    Room,
    close_issue,
    done,
    durations,
    enter_step,
    open_task,
    record,
    register,
    time_out,
    unit_at,
)
from domain.organisation import Level, Role
from domain.state import EventKind, IssueState, Status
from domain.task_state import Mark, Step, Task


def review_time(rules: DeadlineRules) -> Duration:
    return rules.adjust(Duration(working_days=3), Duration(working_days=2))


def start_review(state: IssueState, now: datetime) -> None:
    enter_step(state, Step.review, now)
    level = state.dispatch_level or Level.community
    open_task(state, TaskKind.review, unit_at(state, level), [Role.supervisor], review_time(durations(state)), now,
              level=level.value)


def _reopen(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    p = d.payload_as(ReopenPayload)
    done(state, task, d, now)
    state.reopens += 1
    record(state, now, EventKind.reopened, actor=d.actor.principal_id, reason=p.reason, handling_days=p.handling_days)
    MOVES.handle_again(state, now, d.actor.principal_id, f"reopened after review: {p.reason}", p.handling_days)


def _close(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    p = d.payload_as(ClosePayload)
    done(state, task, d, now)
    close_issue(state, now, Status.closed, f"closed after review: {p.explanation}", d.actor.principal_id)


def _timeout(state: IssueState, task: Task, name: Mark, now: datetime) -> None:
    time_out(state, task, now, "closed without review")
    close_issue(state, now, Status.closed, "closed: review not done in time")


register(TaskKind.review, Room(step=Step.review, timeout=_timeout, actions={"reopen": _reopen, "close": _close}))
MOVES.review = start_review
