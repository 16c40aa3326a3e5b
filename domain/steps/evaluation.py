"""Evaluation (评价): the resident (or the hotline that called them back), the followers of linked duplicates and
the whistler rate the result within the district's window; the whistler rates each unit that checked in. Nobody
unhappy: the issue closes. A resident or a follower unsatisfied: review."""

from __future__ import annotations

from datetime import datetime

from domain.actions import RatePayload, Rating, TaskKind
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
    verifier_roles,
    version,
)
from domain.messages import FollowerLink
from domain.organisation import Role
from domain.state import EventKind, Follower, IssueState, RatingRecord, Resolution, Status
from domain.task_state import Mark, Rater, Step, Task


def evaluate_time(rules: DeadlineRules) -> Duration:
    return Duration(working_days=rules.district.evaluation_working_days)


def start_evaluation(state: IssueState, now: datetime) -> None:
    enter_step(state, Step.evaluation, now)
    state.evaluation_round += 1
    window = evaluate_time(durations(state))
    reporter = state.report.reporter
    if reporter.principal_id and state.context.reporter_unit_id:
        open_task(state, TaskKind.evaluate, state.context.reporter_unit_id, [Role.resident], window, now,
                  principal_id=reporter.principal_id, rater=Rater.resident)
    elif state.report.submitted_by and state.context.submitter_unit_id and state.report.source.is_resident_request:
        # a hotline's caller is called back by the hotline, which records the rating
        open_task(state, TaskKind.evaluate, state.context.submitter_unit_id, [Role.integration], window, now,
                  principal_id=state.report.submitted_by, rater=Rater.resident)
    for follower in state.followers:
        ask_follower(state, follower, now)
    whistle = state.whistle
    if whistle is not None and version(state).whistler_rates_each_unit and state.checked_in:
        # seeds/002: the whistler is asked about each unit that reported for duty and took part in the round whose
        # result is evaluated (a hand-over may have made two of them one)
        for unit in dict.fromkeys(state.checked_in):
            open_task(state, TaskKind.evaluate, whistle.unit_id, verifier_roles(whistle.level), window, now,
                      rater=Rater.whistler, for_unit_id=unit)
    elif whistle is not None:
        open_task(state, TaskKind.evaluate, whistle.unit_id, verifier_roles(whistle.level), window, now,
                  rater=Rater.whistler)
    finish_evaluation_if_done(state, now)


def ask_follower(state: IssueState, follower: Follower, now: datetime) -> None:
    if follower.reporter.principal_id and follower.unit_id:
        open_task(state, TaskKind.evaluate, follower.unit_id, [Role.resident], evaluate_time(durations(state)), now,
                  principal_id=follower.reporter.principal_id, rater=Rater.follower,
                  duplicate_issue_id=follower.issue_id)


def finish_evaluation_if_done(state: IssueState, now: datetime) -> None:
    if any(t.kind is TaskKind.evaluate for t in state.open_tasks()):
        return
    unhappy = [r for r in state.ratings if r.round == state.evaluation_round
               and r.as_role in (Rater.resident, Rater.follower) and r.rating is Rating.unsatisfied]
    if unhappy:
        MOVES.review(state, now)
        return
    close_issue(state, now, Status.closed, (state.resolution or Resolution.resolved).value)


def link_follower(state: IssueState, link: FollowerLink, now: datetime) -> None:
    """Another report was linked to this issue as a duplicate: its reporter follows this one, and is asked to rate
    it if it is being evaluated."""
    if state.status is not Status.open or any(f.issue_id == link.duplicate_issue_id for f in state.followers):
        return
    follower = Follower(issue_id=link.duplicate_issue_id, reporter=link.reporter, unit_id=link.reporter_unit_id)
    state.followers.append(follower)
    record(state, now, EventKind.duplicate_linked, actor=link.linked_by, duplicate_issue_id=link.duplicate_issue_id)
    evaluating = any(t.kind is TaskKind.evaluate for t in state.open_tasks())
    if version(state).asks_late_followers and state.step is Step.evaluation and evaluating:
        ask_follower(state, follower, now)


def follower_link(state: IssueState, by: str) -> FollowerLink:
    """What a duplicate tells the original issue it is linked to."""
    return FollowerLink(duplicate_issue_id=state.issue_id, reporter=state.report.reporter,
                        reporter_unit_id=state.context.reporter_unit_id, linked_by=by)


def _rating(task: Task, principal_id: str | None, rating: Rating | None, round: int, now: datetime,
            comment: str | None = None) -> RatingRecord:
    return RatingRecord(at=now, principal_id=principal_id, unit_id=task.unit_id, as_role=task.rater or Rater.resident,
                        rating=rating, comment=comment, round=round,
                        for_unit_id=task.for_unit_id if task.rater is Rater.whistler else None)


def _rate(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    p = d.payload_as(RatePayload)
    done(state, task, d, now)
    state.ratings.append(_rating(task, d.actor.principal_id, p.rating, state.evaluation_round, now, p.comment))
    finish_evaluation_if_done(state, now)


def _timeout(state: IssueState, task: Task, name: Mark, now: datetime) -> None:
    time_out(state, task, now, "no answer")
    state.ratings.append(_rating(task, task.principal_id, None, state.evaluation_round, now))
    finish_evaluation_if_done(state, now)


register(TaskKind.evaluate, Room(step=Step.evaluation, timeout=_timeout, actions={"rate": _rate}))
MOVES.evaluation = start_evaluation
