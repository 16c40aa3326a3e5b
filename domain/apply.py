"""Applying a validated action: one function per row of the step table's "actions" column."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from domain.actions import (
    ClosePayload,
    CompletePayload,
    ConcludePayload,
    ExtensionPayload,
    IssueNotePayload,
    LinkDuplicatePayload,
    OptionalReasonPayload,
    RatePayload,
    ReasonPayload,
    ReassignPayload,
    ReopenPayload,
    ResultPayload,
    RoutePayload,
    TaskKind,
    WhistlePayload,
)
from domain.engine import (
    after_report_change,
    blow_whistle,
    cancel_open,
    close_issue,
    close_task,
    concerned_task,
    conclude,
    dispatch_level_for,
    enter_step,
    escalate,
    extend_handling,
    finish_evaluation_if_done,
    handle_again,
    open_task,
    record,
    restart_round,
    route,
    rules,
    start_dispatch,
    start_evaluation,
    start_feedback,
    start_verify,
    task_level,
    unit_at,
)
from domain.organisation import Level, Role
from domain.state import (
    EventKind,
    IssueState,
    MatterContext,
    Rater,
    RatingRecord,
    RecentAction,
    Resolution,
    Status,
    Step,
    Task,
    TaskStatus,
    WhistleRecord,
)
from domain.validation import Decision

Handler = Callable[[IssueState, Task, Decision, datetime], None]


def apply(state: IssueState, decision: Decision, now: datetime,
          matter: MatterContext | None = None) -> None:
    """Carry out a decision returned by :func:`domain.validation.validate` on the same state."""
    who = decision.actor.principal_id
    if decision.task_id is None:
        _apply_issue_action(state, decision, now)
        return
    task = state.tasks[decision.task_id]
    record(state, now, EventKind.action, actor=who, unit_id=decision.actor.unit_id, task_id=task.task_id,
           action=decision.action, data=decision.payload.model_dump(mode="json"))
    if decision.action == "claim":
        task.claimed_by = who
    elif decision.action == "unclaim":
        task.claimed_by = None
    elif task.kind is TaskKind.verify and decision.action == "whistle":
        _whistle(state, task, decision, now, matter)
    else:
        HANDLERS[(task.kind, decision.action)](state, task, decision, now)


def _done(state: IssueState, task: Task, decision: Decision, now: datetime) -> None:
    close_task(state, task, now, TaskStatus.done, decision.action, decision.actor.principal_id)


# --- discovery -------------------------------------------------------------------------------------


def _resolve_on_site(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    p = d.payload_as(ResultPayload)
    _done(state, task, d, now)
    state.resolution = Resolution.mediated if state.matter.mediation else Resolution.resolved_on_site
    state.lead_unit_id = task.unit_id
    start_feedback(state, now, p.result)


def _whistle(state: IssueState, task: Task, d: Decision, now: datetime, matter: MatterContext | None) -> None:
    p = d.payload_as(WhistlePayload)
    _done(state, task, d, now)
    level = task_level(state, task)
    blow_whistle(state, now, WhistleRecord(kind=p.kind, note=p.note, by=d.actor.principal_id,
                                           unit_id=task.unit_id, level=level, at=now), matter)


def _reject(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    p = d.payload_as(ReasonPayload)
    _done(state, task, d, now)
    state.resolution = Resolution.rejected
    close_issue(state, now, Status.rejected, f"rejected: {p.reason}", d.actor.principal_id)


# --- whistle ---------------------------------------------------------------------------------------


def _approve_whistle(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    _done(state, task, d, now)
    whistled_at = state.whistle.level if state.whistle else Level.grid
    if state.rules < 2:  # a late approval counted from the level it had climbed to
        whistled_at = max(whistled_at, task_level(state, task), key=lambda lv: lv.rank)
    start_dispatch(state, dispatch_level_for(whistled_at), now)


def _send_back(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    p = d.payload_as(ReasonPayload)
    _done(state, task, d, now)
    level = state.whistle.level if state.whistle else Level.grid
    state.whistle = None
    enter_step(state, Step.discovery, now)
    start_verify(state, level, now, sent_back=p.reason)


def _route(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    p = d.payload_as(RoutePayload)
    _done(state, task, d, now)
    route(state, now, task_level(state, task), p.unit_ids, d.actor.principal_id)


def _escalate_dispatch(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    p = d.payload_as(ReasonPayload)
    _done(state, task, d, now)
    above = task_level(state, task).above() or Level.city  # the validator refuses at the city
    escalate(state, now, task, unit_at(state, above), above, p.reason, d.actor.principal_id)
    start_dispatch(state, above, now, reason=p.reason)


# --- report ----------------------------------------------------------------------------------------


def _check_in(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    _done(state, task, d, now)
    state.checked_in.append(task.unit_id)
    after_report_change(state, now)


def _decline(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    _done(state, task, d, now)
    state.declined.append(task.unit_id)
    after_report_change(state, now)


# --- consultation ----------------------------------------------------------------------------------


def _conclude(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    p = d.payload_as(ConcludePayload)
    _done(state, task, d, now)
    record(state, now, EventKind.minutes, actor=d.actor.principal_id, unit_id=task.unit_id, text=p.minutes)
    conclude(state, now, p.lead_unit_id, p.co_unit_ids, p.list_type, p.handling_days, d.actor.principal_id)


def _approve_understanding(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    _done(state, task, d, now)
    handle_again(state, now, d.actor.principal_id, "understanding-list case approved")


def _deny_understanding(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    p = d.payload_as(OptionalReasonPayload)
    _done(state, task, d, now)
    state.lead_unit_id, state.co_unit_ids, state.list_type = None, [], None
    level = state.dispatch_level or Level.street
    open_task(state, TaskKind.consult, unit_at(state, level), [Role.dispatcher],
              rules(state).consult(), now, level=level.value, units=list(state.checked_in),
              understanding_denied=p.reason or "")


# --- handling --------------------------------------------------------------------------------------


def _note(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    """A progress note: the ``action`` event holds its text."""


def _request_extension(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    p = d.payload_as(ExtensionPayload)
    approver = state.context.parents.get(task.unit_id) or unit_at(state, Level.city)
    open_task(state, TaskKind.approve_extension, approver, [Role.leader], rules(state).approve_extension(), now,
              days=p.days, reason=p.reason, for_task_id=task.task_id, for_unit_id=task.unit_id)


def _handling_tasks(state: IssueState) -> list[Task]:
    return [t for t in state.open_tasks() if t.kind in (TaskKind.handle, TaskKind.assist)]


def _stop_clock(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    """停表: the handling clock of the lead and the co-units stops together."""
    for t in _handling_tasks(state):
        t.clock_stopped_at = now


def _start_clock(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    stopped_at = task.clock_stopped_at or now  # the validator refuses a clock that is not stopped
    stopped = now - stopped_at
    for t in _handling_tasks(state):
        if t.clock_stopped_at is None:
            continue
        t.clock_stopped_at = None
        t.stopped_seconds += stopped.total_seconds()
        t.window_start += stopped
        if state.rules >= 2:
            # the working time lost is added to the deadline by the calendar; the marks follow it
            t.deadline_from, t.lost_from, t.lost_to = t.due_at, stopped_at, now
            t.due_at = t.red_at = None
            continue
        if t.due_at is not None:
            t.due_at += stopped
        if t.red_at is not None:
            t.red_at += stopped
    record(state, now, EventKind.clock_restarted, actor=d.actor.principal_id, unit_id=task.unit_id,
           task_id=task.task_id,
           stopped_seconds=stopped.total_seconds(), due_at=task.due_at.isoformat() if task.due_at else None)


def _complete(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    p = d.payload_as(CompletePayload)
    _done(state, task, d, now)
    cancel_open(state, now, "handling completed", {TaskKind.approve_extension, TaskKind.supervision})
    state.resolution = Resolution.resolved
    start_feedback(state, now, p.result)


def _approve_extension(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    _done(state, task, d, now)
    days = task.days or 1
    extend_handling(state, days)
    record(state, now, EventKind.extension_granted, actor=d.actor.principal_id, unit_id=task.for_unit_id,
           task_id=task.for_task_id, days=days)


def _deny_extension(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    _done(state, task, d, now)
    record(state, now, EventKind.extension_denied, actor=d.actor.principal_id, unit_id=task.for_unit_id,
           task_id=task.for_task_id)


# --- supervision (督办) -------------------------------------------------------------------------------


def _supervision_urge(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    p = d.payload_as(IssueNotePayload)
    _done(state, task, d, now)
    state.urges += 1
    record(state, now, EventKind.urge, actor=d.actor.principal_id, unit_id=task.for_unit_id,
           task_id=task.for_task_id, note=p.note)


def _supervision_extend(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    p = d.payload_as(ExtensionPayload)
    _done(state, task, d, now)
    extend_handling(state, p.days)
    record(state, now, EventKind.extension_granted, actor=d.actor.principal_id, unit_id=task.for_unit_id,
           task_id=task.for_task_id, days=p.days, reason=p.reason)


def _supervision_reassign(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    """Take the lead away from the late unit and summon others from the supervisor's level."""
    p = d.payload_as(ReassignPayload)
    _done(state, task, d, now)
    late = state.tasks[task.for_task_id or ""]
    close_task(state, late, now, TaskStatus.moved, f"lead taken away: {p.reason}", d.actor.principal_id)
    cancel_open(state, now, "the lead was taken away",
                {TaskKind.assist, TaskKind.approve_extension, TaskKind.supervision})
    record(state, now, EventKind.reassigned, actor=d.actor.principal_id, unit_id=late.unit_id, task_id=late.task_id,
           unit_ids=list(p.unit_ids), reason=p.reason)
    state.summoned, state.checked_in, state.declined = [], [], []
    state.lead_unit_id, state.co_unit_ids, state.list_type = None, [], None
    state.round_reworks = 0
    route(state, now, task_level(state, task), p.unit_ids, d.actor.principal_id)


# --- feedback, evaluation, review ------------------------------------------------------------------


def _accept(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    _done(state, task, d, now)
    start_evaluation(state, now)


def _return_for_rework(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    p = d.payload_as(ReasonPayload)
    _done(state, task, d, now)
    by = d.actor.principal_id
    if state.rules < 2:  # the limit counted over the whole issue, and the last return was not recorded
        limit = state.context.rules.max_reworks
        if state.reworks >= limit:
            restart_round(state, now, f"returned for rework {limit + 1} times: {p.reason}", task, by)
            return
        state.reworks += 1
        record(state, now, EventKind.returned_for_rework, actor=by, reason=p.reason, count=state.reworks)
        handle_again(state, now, by, p.reason)
        return
    state.reworks += 1
    state.round_reworks += 1
    record(state, now, EventKind.returned_for_rework, actor=by, unit_id=state.lead_unit_id, reason=p.reason,
           count=state.round_reworks)
    if state.round_reworks > state.context.rules.max_reworks:
        restart_round(state, now, f"returned for rework {state.round_reworks} times: {p.reason}", task, by)
        return
    handle_again(state, now, by, p.reason)


def _rate(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    p = d.payload_as(RatePayload)
    _done(state, task, d, now)
    state.ratings.append(RatingRecord(at=now, principal_id=d.actor.principal_id, unit_id=task.unit_id,
                                      as_role=task.rater or Rater.resident, rating=p.rating,
                                      comment=p.comment, round=state.evaluation_round,
                                      for_unit_id=task.for_unit_id if task.rater is Rater.whistler else None))
    finish_evaluation_if_done(state, now)


def _reopen(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    p = d.payload_as(ReopenPayload)
    _done(state, task, d, now)
    state.reopens += 1
    record(state, now, EventKind.reopened, actor=d.actor.principal_id, reason=p.reason, handling_days=p.handling_days)
    handle_again(state, now, d.actor.principal_id, f"reopened after review: {p.reason}", p.handling_days)


def _close(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    p = d.payload_as(ClosePayload)
    _done(state, task, d, now)
    close_issue(state, now, Status.closed, f"closed after review: {p.explanation}", d.actor.principal_id)


HANDLERS: dict[tuple[TaskKind, str], Handler] = {
    (TaskKind.verify, "resolve_on_site"): _resolve_on_site,
    (TaskKind.verify, "reject"): _reject,
    (TaskKind.approve_whistle, "approve"): _approve_whistle,
    (TaskKind.approve_whistle, "send_back"): _send_back,
    (TaskKind.dispatch, "route"): _route,
    (TaskKind.dispatch, "escalate"): _escalate_dispatch,
    (TaskKind.report, "check_in"): _check_in,
    (TaskKind.report, "decline"): _decline,
    (TaskKind.consult, "conclude"): _conclude,
    (TaskKind.approve_understanding, "approve"): _approve_understanding,
    (TaskKind.approve_understanding, "deny"): _deny_understanding,
    (TaskKind.handle, "note"): _note,
    (TaskKind.handle, "request_extension"): _request_extension,
    (TaskKind.handle, "stop_clock"): _stop_clock,
    (TaskKind.handle, "start_clock"): _start_clock,
    (TaskKind.handle, "complete"): _complete,
    (TaskKind.assist, "note"): _note,
    (TaskKind.assist, "complete"): _done,
    (TaskKind.approve_extension, "approve"): _approve_extension,
    (TaskKind.approve_extension, "deny"): _deny_extension,
    (TaskKind.verify_result, "accept"): _accept,
    (TaskKind.verify_result, "return_for_rework"): _return_for_rework,
    (TaskKind.evaluate, "rate"): _rate,
    (TaskKind.review, "reopen"): _reopen,
    (TaskKind.review, "close"): _close,
    (TaskKind.supervision, "urge"): _supervision_urge,
    (TaskKind.supervision, "extend"): _supervision_extend,
    (TaskKind.supervision, "reassign"): _supervision_reassign,
}


# --- issue-level actions ---------------------------------------------------------------------------


def _apply_issue_action(state: IssueState, d: Decision, now: datetime) -> None:
    """Issue-level actions. For ``link_duplicate`` the caller has already told the original issue."""
    who = d.actor.principal_id
    if d.action in ("comment", "urge"):
        day_ago = now - timedelta(days=1)
        state.recent_actions = [r for r in state.recent_actions if r.at > day_ago]
        state.recent_actions.append(RecentAction(action=d.action, principal_id=who, at=now))
    payload = d.payload.model_dump(mode="json")
    if d.action in ("urge", "supervise") and state.rules >= 3:
        # charged to, and told to, the unit concerned: the one holding the late task, else the lead
        task = concerned_task(state, now)
        unit = task.unit_id if task is not None else state.lead_unit_id
        record(state, now, EventKind(d.action), actor=who, unit_id=unit, task_id=task.task_id if task else None,
               by_unit_id=d.actor.unit_id, **payload)
    else:
        record(state, now, EventKind(d.action), actor=who, unit_id=d.actor.unit_id, **payload)
    if d.action == "withdraw":
        reason = d.payload_as(ReasonPayload).reason
        state.resolution = Resolution.withdrawn
        close_issue(state, now, Status.withdrawn, f"withdrawn: {reason}", who)
    elif d.action == "urge":
        state.urges += 1
    elif d.action == "supervise":
        state.supervisions += 1
    elif d.action == "link_duplicate":
        original = d.payload_as(LinkDuplicatePayload).issue_id
        state.duplicate_of = original
        state.resolution = Resolution.duplicate
        close_issue(state, now, Status.closed, f"duplicate of {original}", who)
