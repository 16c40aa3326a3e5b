"""What happens when nobody acts: reminders, warnings and escalations (the step table's last column).

Every open task with a deadline has *marks*: instants at which something fires. :func:`next_wakeup`
tells the workflow how long it may sleep; :func:`fire_due` fires every mark that has passed, each at
most once (fired marks are kept on the task, so a replay or a continue-as-new never fires one twice).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from domain.actions import TaskKind, WhistleKind
from domain.engine import (
    after_report_change,
    close_issue,
    close_task,
    enter_step,
    escalate,
    finish_evaluation_if_done,
    level_of,
    open_task,
    record,
    rules,
    start_dispatch,
    start_evaluation,
    start_verify,
    task_level,
    unit_at,
)
from domain.organisation import Level, Role
from domain.rules import DEFAULT_RULES, Rules
from domain.state import (
    Color,
    EventKind,
    IssueState,
    Mark,
    Rater,
    RatingRecord,
    Status,
    Step,
    Task,
    TaskStatus,
    WarningRecord,
    WhistleRecord,
)

MAX_FIRES_PER_CALL = 200  # a bound on one call's loop; real issues fire a handful at a time


def marks(task: Task, rules: Rules = DEFAULT_RULES) -> list[tuple[Mark, datetime]]:
    """The unfired marks of an open task, earliest first, by the issue's rules. A stopped clock has none."""
    if not task.is_open or task.due_at is None or task.clock_stopped_at is not None:
        return []
    start, due = task.window_start, task.due_at
    span = due - start
    out: list[tuple[Mark, datetime]] = []
    if task.kind is TaskKind.verify:
        out.append((Mark.remind, start + span * 0.75))
    if task.kind in (TaskKind.handle, TaskKind.assist):
        first, second = rules.reminders
        out += [(Mark.remind50, start + span * first), (Mark.remind80, start + span * second)]
    out.append((Mark.due, due))
    if task.kind is TaskKind.report:
        out.append((Mark.second_due, due + span))
    if task.kind in (TaskKind.handle, TaskKind.assist) and task.red_at is not None:
        out.append((Mark.red, task.red_at))
    return sorted((m for m in out if m[0] not in task.marks_fired), key=lambda m: m[1])


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
        _fire(state, task, name, now)
        fired += 1
    return fired


def _warn(state: IssueState, now: datetime, task: Task, color: Color, message: str) -> None:
    state.warnings.append(WarningRecord(at=now, color=color, task_id=task.task_id, unit_id=task.unit_id,
                                        message=message))
    kind = EventKind.reminder if color is Color.reminder else EventKind.warning
    record(state, now, kind, unit_id=task.unit_id, task_id=task.task_id, color=color.value, message=message)


def _fire(state: IssueState, task: Task, name: Mark, now: datetime) -> None:
    if name.is_reminder:
        _warn(state, now, task, Color.reminder, f"{task.kind.value} task is due at {task.due_at:%Y-%m-%d %H:%M}")
        return
    ON_TIMEOUT[task.kind](state, task, name, now)


def _time_out(state: IssueState, task: Task, now: datetime, outcome: str) -> None:
    close_task(state, task, now, TaskStatus.timed_out, outcome)


def _move_up(state: IssueState, task: Task, now: datetime, role_word: str) -> Level | None:
    """Hand a task to the same kind of person one level up; returns the new level (None at the top, where
    the task stays open, red)."""
    here = task_level(state, task)
    above = here.above()
    if above is None:
        _warn(state, now, task, Color.red, f"{task.kind.value} overdue at the top of the ladder")
        return None
    _warn(state, now, task, Color.yellow, f"{task.kind.value} overdue; moved to the {above.value} {role_word}")
    close_task(state, task, now, TaskStatus.moved, f"moved to {above.value}")
    escalate(state, now, task, unit_at(state, above), above, f"{task.kind.value} not done in time")
    return above


def _verify_timeout(state: IssueState, task: Task, name: Mark, now: datetime) -> None:
    level = task_level(state, task)
    above = level.above()
    if task.mediation:
        message = f"mediation at the {level.value} level did not settle the dispute in time"
    else:
        message = f"not verified in time by the {level.value}"
    _warn(state, now, task, Color.yellow, message)
    above = above or Level.district  # verify tasks sit at the grid, the community or the street
    close_task(state, task, now, TaskStatus.moved, f"moved to {above.value}")
    escalate(state, now, task, unit_at(state, above), above, message)
    if above.rank <= Level.street.rank:
        start_verify(state, above, now)
        return
    # past the street: the district centre takes it, as if the street had whistled
    state.whistle = WhistleRecord(kind=WhistleKind.daily, note=message, by="system", unit_id=task.unit_id,
                                  level=level, at=now)
    enter_step(state, Step.whistle, now)
    start_dispatch(state, above, now, reason=message)


def _approval_timeout(state: IssueState, task: Task, name: Mark, now: datetime) -> None:
    above = _move_up(state, task, now, "leader")
    if above is not None:
        open_task(state, task.kind, unit_at(state, above), [Role.leader], task.duration, now,
                  **{**task.details(), "level": above})


def _dispatch_timeout(state: IssueState, task: Task, name: Mark, now: datetime) -> None:
    above = _move_up(state, task, now, "dispatcher")
    if above is not None:
        start_dispatch(state, above, now, reason="the dispatcher below did not route in time")


def _report_timeout(state: IssueState, task: Task, name: Mark, now: datetime) -> None:
    if name is Mark.due:
        _warn(state, now, task, Color.yellow, f"{task.unit_id} has not checked in; its leader is warned")
        return
    _warn(state, now, task, Color.red, f"{task.unit_id} did not check in by the second deadline")
    _time_out(state, task, now, "no check-in")
    here = task.dispatch_level or state.dispatch_level or Level.street
    above = here.above()
    open_dispatch = [t for t in state.open_tasks() if t.kind is TaskKind.dispatch]
    if not open_dispatch:
        reason = f"{task.unit_id} did not report for duty"
        if above is not None or state.rules < 2:  # at the city there is no level above to climb to
            escalate(state, now, task, unit_at(state, above or here), above or here, reason, from_level=here)
        state.dispatch_level = above or here
        start_dispatch(state, above or here, now, reason=f"{reason}; re-route")
    after_report_change(state, now)


def _consult_timeout(state: IssueState, task: Task, name: Mark, now: datetime) -> None:
    above = _move_up(state, task, now, "dispatcher")
    if above is not None:
        open_task(state, TaskKind.consult, unit_at(state, above), [Role.dispatcher], task.duration, now,
                  **{**task.details(), "level": above})


def _handling_timeout(state: IssueState, task: Task, name: Mark, now: datetime) -> None:
    if name is Mark.due:
        _warn(state, now, task, Color.yellow, f"{task.kind.value} by {task.unit_id} is overdue")
        if state.rules >= 2:
            task.late = True  # an extension granted later moves the deadline, not the lateness
        return
    _warn(state, now, task, Color.red, f"{task.kind.value} by {task.unit_id} is two working days overdue")
    above_unit = state.context.parents.get(task.unit_id) or unit_at(state, Level.city)
    record(state, now, EventKind.supervise, unit_id=above_unit, task_id=task.task_id,
           note=f"supervision notice to {task.unit_id}: handling is two working days overdue")
    state.supervisions += 1
    above_level = level_of(state, above_unit)
    if above_unit != task.unit_id or state.rules < 2:  # the city leading has no level above: its own supervisor
        escalate(state, now, task, above_unit, above_level, "handling two working days overdue: to the supervisor")
    supervised = any(t.kind is TaskKind.supervision and t.for_task_id == task.task_id
                     for t in state.open_tasks())
    if state.rules >= 2 and not supervised:
        open_task(state, TaskKind.supervision, above_unit, [Role.supervisor], rules(state).supervision(), now,
                  level=(above_level or Level.city).value, for_task_id=task.task_id, for_unit_id=task.unit_id)


def _supervision_timeout(state: IssueState, task: Task, name: Mark, now: datetime) -> None:
    above = _move_up(state, task, now, "supervisor")
    if above is not None:
        open_task(state, TaskKind.supervision, unit_at(state, above), [Role.supervisor], task.duration, now,
                  **{**task.details(), "level": above})


def _extension_timeout(state: IssueState, task: Task, name: Mark, now: datetime) -> None:
    _time_out(state, task, now, "no answer: extension not granted")
    record(state, now, EventKind.extension_lapsed, unit_id=task.for_unit_id, task_id=task.for_task_id)


def _verify_result_timeout(state: IssueState, task: Task, name: Mark, now: datetime) -> None:
    _time_out(state, task, now, "auto-accepted")
    record(state, now, EventKind.auto_accepted, unit_id=task.unit_id, task_id=task.task_id)
    start_evaluation(state, now)


def _evaluate_timeout(state: IssueState, task: Task, name: Mark, now: datetime) -> None:
    _time_out(state, task, now, "no answer")
    state.ratings.append(RatingRecord(at=now, principal_id=task.principal_id, unit_id=task.unit_id,
                                      as_role=task.rater or Rater.resident, rating=None,
                                      round=state.evaluation_round,
                                      for_unit_id=task.for_unit_id if task.rater is Rater.whistler else None))
    finish_evaluation_if_done(state, now)


def _review_timeout(state: IssueState, task: Task, name: Mark, now: datetime) -> None:
    _time_out(state, task, now, "closed without review")
    close_issue(state, now, Status.closed, "closed: review not done in time")


ON_TIMEOUT: dict[TaskKind, Callable[[IssueState, Task, Mark, datetime], None]] = {
    TaskKind.verify: _verify_timeout,
    TaskKind.approve_whistle: _approval_timeout,
    TaskKind.dispatch: _dispatch_timeout,
    TaskKind.report: _report_timeout,
    TaskKind.consult: _consult_timeout,
    TaskKind.approve_understanding: _approval_timeout,
    TaskKind.handle: _handling_timeout,
    TaskKind.assist: _handling_timeout,
    TaskKind.approve_extension: _extension_timeout,
    TaskKind.verify_result: _verify_result_timeout,
    TaskKind.evaluate: _evaluate_timeout,
    TaskKind.review: _review_timeout,
    TaskKind.supervision: _supervision_timeout,
}
