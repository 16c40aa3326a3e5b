"""Feedback (反馈): the lead's result goes back to the whistler, who accepts it or returns it for rework. The
district's rules limit the returns per round; one more and the round starts afresh one level up. An issue resolved
on the spot has no whistler: its result goes straight to the resident. Unanswered in time, the result is accepted."""

from __future__ import annotations

from datetime import datetime

from domain.actions import ReasonPayload, TaskKind
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
    time_out,
    verifier_roles,
    version,
)
from domain.state import EventKind, IssueState
from domain.steps import older
from domain.task_state import Mark, Step, Task


def verify_result_time(rules: DeadlineRules) -> Duration:
    return rules.adjust(Duration(working_days=2), Duration(working_days=1))


def start_feedback(state: IssueState, now: datetime, result: str) -> None:
    enter_step(state, Step.feedback, now)
    record(state, now, EventKind.feedback, unit_id=state.lead_unit_id, result=result)
    if state.whistle is None:
        # resolved on the spot: the grid's own result is the feedback; the resident evaluates it
        MOVES.evaluation(state, now)
        return
    level = state.whistle.level
    open_task(state, TaskKind.verify_result, state.whistle.unit_id, verifier_roles(level),
              verify_result_time(durations(state)), now, result=result)


def _accept(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    done(state, task, d, now)
    MOVES.evaluation(state, now)


def _return_for_rework(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    p = d.payload_as(ReasonPayload)
    done(state, task, d, now)
    if not version(state).reworks_per_round:
        older.return_for_rework(state, task, p.reason, d.actor.principal_id, now)
        return
    by = d.actor.principal_id
    state.reworks += 1
    state.round_reworks += 1
    record(state, now, EventKind.returned_for_rework, actor=by, unit_id=state.lead_unit_id, reason=p.reason,
           count=state.round_reworks)
    if state.round_reworks > state.context.rules.max_reworks:
        MOVES.restart_round(state, now, f"returned for rework {state.round_reworks} times: {p.reason}", task, by)
        return
    MOVES.handle_again(state, now, by, p.reason, None)


def _timeout(state: IssueState, task: Task, name: Mark, now: datetime) -> None:
    time_out(state, task, now, "auto-accepted")
    record(state, now, EventKind.auto_accepted, unit_id=task.unit_id, task_id=task.task_id)
    MOVES.evaluation(state, now)


register(TaskKind.verify_result, Room(step=Step.feedback, timeout=_timeout,
                                      actions={"accept": _accept, "return_for_rework": _return_for_rework}))
MOVES.feedback = start_feedback
