"""The step table as code: opening an issue, applying validated actions, moving between steps.

Everything here is pure: the caller passes ``now`` and the state is changed in place. New tasks start with
``due_at=None``; the caller asks the calendar activity for their deadlines (:func:`pending_deadlines`)
and hands the answers back (:func:`set_deadlines`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.actions import Rating, TaskKind, WhistleKind
from domain.catalogue import ListType
from domain.deadlines import (
    MEDIATION_LEVELS,
    Deadline,
    DeadlineRequest,
    DeadlineRules,
    Duration,
)
from domain.messages import FollowerLink, Handover, IssueConfig, IssueReport
from domain.organisation import Level, Role
from domain.state import (
    CURRENT_RULES,
    Escalation,
    EventKind,
    Follower,
    IssueContext,
    IssueState,
    MatterContext,
    Rater,
    Resolution,
    Status,
    Step,
    StepRecord,
    Task,
    TaskStatus,
    TimelineEvent,
    WhistleRecord,
)

SYSTEM = None  # the actor of what timers do


# --- small helpers ---------------------------------------------------------------------------------


def rules(state: IssueState) -> DeadlineRules:
    return DeadlineRules(urgent=state.report.urgent, emergency=state.emergency, district=state.context.rules)


def unit_at(state: IssueState, level: Level) -> str:
    return state.context.ladder[level].id


def concerned_task(state: IssueState, now: datetime) -> Task | None:
    """The task an urge or a supervision of the whole issue is about: the open task most overdue, else the lead's
    handling, else the open task due first (what the issue waits on). A resident's evaluation is nobody's lateness."""
    waiting = sorted((t for t in state.open_tasks() if t.kind is not TaskKind.evaluate),
                     key=lambda t: (t.due_at is None, t.due_at or now, t.task_id))
    late = [t for t in waiting if t.due_at is not None and t.due_at <= now]
    lead = [t for t in waiting if t.kind is TaskKind.handle and t.unit_id == state.lead_unit_id]
    found = late or lead or waiting
    return found[0] if found else None


def task_level(state: IssueState, task: Task) -> Level:
    """The level a task sits at: its own, else its unit's place on the ladder (departments: the city's)."""
    return task.level or level_of(state, task.unit_id) or Level.city


def level_of(state: IssueState, unit_id: str) -> Level | None:
    for level, ref in state.context.ladder.items():
        if ref.id == unit_id:
            return level
    return None


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


def verifier_roles(level: Level) -> list[Role]:
    return [Role.grid_worker] if level is Level.grid else [Role.dispatcher, Role.grid_worker]


def open_task(state: IssueState, kind: TaskKind, unit_id: str, roles: list[Role], duration: Duration,
              now: datetime, *, principal_id: str | None = None, red_after: int | None = None,
              **details: Any) -> Task:
    task = Task(task_id=f"{state.issue_id}.{state.next_task_no}", kind=kind, step=state.step, unit_id=unit_id,
                roles=roles, principal_id=principal_id, opened_at=now, duration=duration, window_start=now,
                red_after_working_days=red_after, **details)
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


# --- opening ---------------------------------------------------------------------------------------


def open_issue(report: IssueReport, context: IssueContext, config: IssueConfig, now: datetime,
               rules_version: int = CURRENT_RULES) -> IssueState:
    state = IssueState(issue_id=report.issue_id, report=report, context=context, config=config,
                       matter=context.matter.matter, rules=rules_version, created_at=now)
    state.steps.append(StepRecord(step=Step.discovery, entered_at=now))
    record(state, now, EventKind.reported, actor=report.submitted_by or report.reporter.principal_id,
           unit_id=context.ladder[Level.grid].id, source=report.source.value, matter_code=report.matter_code,
           urgent=report.urgent, title=report.title)
    start_verify(state, Level.grid, now)
    return state


def start_verify(state: IssueState, level: Level, now: datetime, **data: Any) -> Task:
    mediation = state.matter.mediation and level in MEDIATION_LEVELS
    duration = rules(state).mediation(level) if mediation else rules(state).verify()
    state.level = level
    return open_task(state, TaskKind.verify, unit_at(state, level), verifier_roles(level), duration, now,
                     level=level.value, mediation=mediation, **data)


# --- the whistle and dispatch ----------------------------------------------------------------------


def dispatch_level_for(level: Level) -> Level:
    """Whistles from a grid or a community are heard by the street; higher ones one level up."""
    if level.rank < Level.street.rank:
        return Level.street
    return level.above() or Level.city


def blow_whistle(state: IssueState, now: datetime, whistle: WhistleRecord, matter: MatterContext | None,
                 *, approved: bool = False) -> None:
    state.whistle = whistle
    if matter is not None and matter.matter.code != state.matter.code:
        record(state, now, EventKind.reclassified, actor=whistle.by, from_matter=state.matter.code,
               to_matter=matter.matter.code)
        state.matter = matter.matter
        state.context.matter = matter
    if whistle.kind is WhistleKind.emergency:
        state.emergency = True
    enter_step(state, Step.whistle, now)
    record(state, now, EventKind.whistle, actor=whistle.by, unit_id=whistle.unit_id, kind=whistle.kind.value,
           note=whistle.note)
    needs_approval = state.report.source.is_resident_request and whistle.kind is not WhistleKind.emergency \
        and not approved
    if needs_approval:
        level = max(Level.community, whistle.level, key=lambda lv: lv.rank)
        open_task(state, TaskKind.approve_whistle, unit_at(state, level), [Role.leader], rules(state).approval(),
                  now, level=level.value)
    else:
        start_dispatch(state, dispatch_level_for(whistle.level), now)


def start_dispatch(state: IssueState, level: Level, now: datetime, reason: str | None = None) -> Task:
    unit_id = unit_at(state, level)
    state.level = max(state.level, level, key=lambda lv: lv.rank)
    suggested = state.context.matter.suggested.get(level, [])
    return open_task(state, TaskKind.dispatch, unit_id, [Role.dispatcher], rules(state).dispatch(), now,
                     level=level.value, suggested_unit_ids=suggested, reason=reason)


def route(state: IssueState, now: datetime, level: Level, unit_ids: list[str], by: str) -> None:
    """Summon ``unit_ids`` from the dispatcher at ``level``: each gets a report task."""
    # a new round at this level: earlier check-ins stay on record, the round starts afresh
    state.dispatch_level = level
    enter_step(state, Step.report, now)
    for unit_id in unit_ids:
        state.summoned.append(unit_id)
        open_task(state, TaskKind.report, unit_id, [Role.handler], rules(state).report(state.matter), now,
                  dispatch_level=level.value, summoned_by=by)


def after_report_change(state: IssueState, now: datetime) -> None:
    """Move on once no report task and no dispatch task is open, or send the issue back to dispatch."""
    open_kinds = {t.kind for t in state.open_tasks()}
    if TaskKind.report in open_kinds or TaskKind.dispatch in open_kinds:
        return
    level = state.dispatch_level or Level.street  # set by every route; the street hears whistles first
    if not state.checked_in:
        start_dispatch(state, level, now, reason="no summoned unit checked in")
        return
    hard_case = state.whistle is not None and state.whistle.kind is WhistleKind.hard_case
    if len(state.checked_in) >= 2 or hard_case:
        enter_step(state, Step.consultation, now)
        open_task(state, TaskKind.consult, unit_at(state, level), [Role.dispatcher],
                  rules(state).consult(), now, level=level.value, units=list(state.checked_in))
    else:
        lead, list_type = state.checked_in[0], state.matter.list_type
        state.lead_unit_id, state.co_unit_ids, state.list_type = lead, [], list_type
        record(state, now, EventKind.lead_named, unit_id=lead, list_type=list_type.value,
               reason="the only unit that checked in leads")
        start_handling(state, now, lead, list_type)


def restart_round(state: IssueState, now: datetime, reason: str, task: Task, by: str | None) -> None:
    """A fresh round of summoning by the dispatcher one level above the one that dispatched this round
    (at the city, the city's again: there is nowhere higher to go); from rules 3 the escalation is charged to the
    lead whose work was returned."""
    here = state.dispatch_level or Level.street
    above = here.above()
    charged = state.lead_unit_id if state.rules >= 3 else None
    if above is not None:
        escalate(state, now, task, unit_at(state, above), above, reason, by, from_level=here, charged=charged)
    elif state.rules < 2:
        escalate(state, now, task, unit_at(state, here), here, reason, by)
    state.summoned, state.checked_in, state.declined = [], [], []
    state.lead_unit_id, state.co_unit_ids, state.list_type = None, [], None
    state.round_reworks = 0
    enter_step(state, Step.whistle, now)
    start_dispatch(state, above or here, now, reason=reason)


# --- consultation, handling, feedback, evaluation -------------------------------------------------


def conclude(state: IssueState, now: datetime, lead: str, co: list[str], list_type: ListType,
             handling_days: int | None, by: str) -> None:
    state.lead_unit_id, state.co_unit_ids, state.list_type = lead, list(co), list_type
    state.handling_days_override = handling_days
    record(state, now, EventKind.lead_named, actor=by, unit_id=lead, co_unit_ids=list(co), list_type=list_type.value)
    if list_type is ListType.understanding:
        level = (state.dispatch_level or Level.street).above() or Level.city
        open_task(state, TaskKind.approve_understanding, unit_at(state, level), [Role.leader],
                  rules(state).approve_understanding(), now, level=level.value)
    else:
        start_handling(state, now, lead, list_type)


def start_handling(state: IssueState, now: datetime, lead: str, list_type: ListType, days: int | None = None) -> None:
    enter_step(state, Step.handling, now)
    duration = rules(state).handling(state.matter, list_type, days or state.handling_days_override)
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
    blow_whistle(state, now, WhistleRecord(kind=WhistleKind.daily, note=reason, by=by, unit_id=grid,
                                           level=Level.grid, at=now), None, approved=True)


def extend_handling(state: IssueState, days: int) -> None:
    """An extension (approved, or granted by a supervisor): the handling tasks get ``days`` more working days
    from their due time; the calendar answers the new deadlines, and the warnings may fire again."""
    for t in state.open_tasks():
        if t.kind in (TaskKind.handle, TaskKind.assist) and t.due_at is not None:
            t.deadline_from = t.due_at
            t.duration = Duration(working_days=days)
            t.due_at = t.red_at = None
            t.marks_fired = [m for m in t.marks_fired if m.is_reminder]


def start_feedback(state: IssueState, now: datetime, result: str) -> None:
    enter_step(state, Step.feedback, now)
    record(state, now, EventKind.feedback, unit_id=state.lead_unit_id, result=result)
    if state.whistle is None:
        # resolved on the spot: the grid's own result is the feedback; the resident evaluates it
        start_evaluation(state, now)
        return
    level = state.whistle.level
    open_task(state, TaskKind.verify_result, state.whistle.unit_id, verifier_roles(level),
              rules(state).verify_result(), now, result=result)


def start_evaluation(state: IssueState, now: datetime) -> None:
    enter_step(state, Step.evaluation, now)
    state.evaluation_round += 1
    window = rules(state).evaluate()
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
    if state.whistle is not None and state.rules >= 3 and state.checked_in:
        # seeds/002: the whistler is asked about each unit that reported for duty and took part in the round whose
        # result is evaluated (a hand-over may have made two of them one)
        for unit in dict.fromkeys(state.checked_in):
            open_task(state, TaskKind.evaluate, state.whistle.unit_id, verifier_roles(state.whistle.level), window,
                      now, rater=Rater.whistler, for_unit_id=unit)
    elif state.whistle is not None:
        open_task(state, TaskKind.evaluate, state.whistle.unit_id, verifier_roles(state.whistle.level), window,
                  now, rater=Rater.whistler)
    finish_evaluation_if_done(state, now)


def ask_follower(state: IssueState, follower: Follower, now: datetime) -> None:
    if follower.reporter.principal_id and follower.unit_id:
        open_task(state, TaskKind.evaluate, follower.unit_id, [Role.resident], rules(state).evaluate(), now,
                  principal_id=follower.reporter.principal_id, rater=Rater.follower,
                  duplicate_issue_id=follower.issue_id)


def finish_evaluation_if_done(state: IssueState, now: datetime) -> None:
    if any(t.kind is TaskKind.evaluate for t in state.open_tasks()):
        return
    unhappy = [r for r in state.ratings if r.round == state.evaluation_round
               and r.as_role in (Rater.resident, Rater.follower) and r.rating is Rating.unsatisfied]
    if unhappy:
        enter_step(state, Step.review, now)
        level = state.dispatch_level or Level.community
        open_task(state, TaskKind.review, unit_at(state, level), [Role.supervisor], rules(state).review(), now,
                  level=level.value)
        return
    close_issue(state, now, Status.closed, (state.resolution or Resolution.resolved).value)


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


#: how much of its timeline an issue keeps once the read model holds it (bytes of JSON); the read model
#: keeps it all, and an ordinary issue's whole timeline fits
EVENT_BYTES_KEPT = 256_000


def forget_projected(state: IssueState) -> None:
    """Drop the oldest events the read model holds once the timeline passes :data:`EVENT_BYTES_KEPT`: what
    an issue carries through continue-as-new stays bounded however long it lives."""
    total, cut = 0, 0
    for i in range(len(state.events) - 1, -1, -1):
        total += len(state.events[i].model_dump_json().encode())
        if total > EVENT_BYTES_KEPT:
            cut = i + 1
            break
    cut = min(cut, sum(1 for e in state.events if e.seq <= state.projected_seq))  # never what is unsent
    if cut:
        state.events = state.events[cut:]


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


def link_follower(state: IssueState, link: FollowerLink, now: datetime) -> None:
    if state.status is not Status.open or any(f.issue_id == link.duplicate_issue_id for f in state.followers):
        return
    follower = Follower(issue_id=link.duplicate_issue_id, reporter=link.reporter, unit_id=link.reporter_unit_id)
    state.followers.append(follower)
    record(state, now, EventKind.duplicate_linked, actor=link.linked_by, duplicate_issue_id=link.duplicate_issue_id)
    evaluating = any(t.kind is TaskKind.evaluate for t in state.open_tasks())
    if state.rules >= 2 and state.step is Step.evaluation and evaluating:
        ask_follower(state, follower, now)


def follower_link(state: IssueState, by: str) -> FollowerLink:
    """What a duplicate tells the original issue it is linked to."""
    return FollowerLink(duplicate_issue_id=state.issue_id, reporter=state.report.reporter,
                        reporter_unit_id=state.context.reporter_unit_id, linked_by=by)


def hand_over(state: IssueState, handover: Handover, now: datetime) -> list[str]:
    """The directory changed: open tasks of retired units go to their successors, keeping their ids, due times
    and marks; claims of deactivated people are released. Sent again, it changes nothing. Returns the tasks
    changed."""
    changed: list[str] = []
    why = f"directory version {handover.version}: {handover.reason}"
    for task in state.open_tasks():
        successor = handover.moves.get(task.unit_id)
        if successor is not None and successor != task.unit_id:
            record(state, now, EventKind.handed_over, unit_id=successor, task_id=task.task_id,
                   from_unit_id=task.unit_id, to_unit_id=successor, kind=task.kind.value, reason=why)
            task.unit_id, task.claimed_by = successor, None
            changed.append(task.task_id)
        if task.lead_unit_id in handover.moves:
            task.lead_unit_id = handover.moves[task.lead_unit_id]
        if task.claimed_by is not None and task.claimed_by in handover.released:
            record(state, now, EventKind.claim_released, unit_id=task.unit_id, task_id=task.task_id,
                   principal_id=task.claimed_by, reason=why)
            task.claimed_by = None
            changed.append(task.task_id)
    if state.lead_unit_id in handover.moves:
        state.lead_unit_id = handover.moves[state.lead_unit_id]
    state.co_unit_ids = [handover.moves.get(u, u) for u in state.co_unit_ids]
    state.checked_in = [handover.moves.get(u, u) for u in state.checked_in]  # a later lead is the successor
    for unit_id, parent in handover.parents.items():
        state.context.parents.setdefault(unit_id, parent)
    return changed
