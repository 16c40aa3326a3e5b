"""Report (报到): each summoned unit checks in or declines within the matter's hours (half if urgent, minutes in an
emergency). One unit that checked in leads; two or more, or a hard case, consult. Nobody checked in: the dispatcher
routes again. A unit that has not checked in by the due time has its leader warned; by the second, the round
climbs one level."""

from __future__ import annotations

from datetime import datetime

from domain.actions import TaskKind, WhistleKind
from domain.catalogue import Matter
from domain.deadlines import DeadlineRules, Duration
from domain.decision import Decision
from domain.engine import (
    MOVES,
    Room,
    done,
    durations,
    enter_step,
    escalate,
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
from domain.state import Color, EventKind, IssueState
from domain.task_state import Mark, Step, Task


def report_time(rules: DeadlineRules, matter: Matter) -> Duration:
    if rules.emergency:
        return Duration(hours=rules.district.emergency_check_in_hours)
    return Duration(hours=matter.report_hours / 2 if rules.urgent else matter.report_hours)


def route(state: IssueState, now: datetime, level: Level, unit_ids: list[str], by: str) -> None:
    """Summon ``unit_ids`` from the dispatcher at ``level``: each gets a report task."""
    # a new round at this level: earlier check-ins stay on record, the round starts afresh
    state.dispatch_level = level
    enter_step(state, Step.report, now)
    for unit_id in unit_ids:
        state.summoned.append(unit_id)
        open_task(state, TaskKind.report, unit_id, [Role.handler], report_time(durations(state), state.matter), now,
                  dispatch_level=level.value, summoned_by=by)


def after_report_change(state: IssueState, now: datetime) -> None:
    """Move on once no report task and no dispatch task is open, or send the issue back to dispatch."""
    open_kinds = {t.kind for t in state.open_tasks()}
    if TaskKind.report in open_kinds or TaskKind.dispatch in open_kinds:
        return
    level = state.dispatch_level or Level.street  # set by every route; the street hears whistles first
    if not state.checked_in:
        MOVES.dispatch(state, level, now, "no summoned unit checked in")
        return
    hard_case = state.whistle is not None and state.whistle.kind is WhistleKind.hard_case
    if len(state.checked_in) >= 2 or hard_case:
        MOVES.consultation(state, now, level)
        return
    lead, list_type = state.checked_in[0], state.matter.list_type
    state.lead_unit_id, state.co_unit_ids, state.list_type = lead, [], list_type
    record(state, now, EventKind.lead_named, unit_id=lead, list_type=list_type.value,
           reason="the only unit that checked in leads")
    MOVES.handling(state, now, lead, list_type, None)


def _check_in(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    done(state, task, d, now)
    state.checked_in.append(task.unit_id)
    after_report_change(state, now)


def _decline(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    done(state, task, d, now)
    state.declined.append(task.unit_id)
    after_report_change(state, now)


def _marks(task: Task, start: datetime, due: datetime, rules: Rules) -> list[tuple[Mark, datetime]]:
    return [(Mark.second_due, due + (due - start))]


def _timeout(state: IssueState, task: Task, name: Mark, now: datetime) -> None:
    if name is Mark.due:
        warn(state, now, task, Color.yellow, f"{task.unit_id} has not checked in; its leader is warned")
        return
    warn(state, now, task, Color.red, f"{task.unit_id} did not check in by the second deadline")
    time_out(state, task, now, "no check-in")
    here = task.dispatch_level or state.dispatch_level or Level.street
    above = here.above()
    open_dispatch = [t for t in state.open_tasks() if t.kind is TaskKind.dispatch]
    if not open_dispatch:
        reason = f"{task.unit_id} did not report for duty"
        if above is not None or not version(state).nothing_above_the_top:
            escalate(state, now, task, unit_at(state, above or here), above or here, reason, from_level=here)
        state.dispatch_level = above or here
        MOVES.dispatch(state, above or here, now, f"{reason}; re-route")
    after_report_change(state, now)


register(TaskKind.report, Room(step=Step.report, marks=_marks, timeout=_timeout,
                               actions={"check_in": _check_in, "decline": _decline}))
MOVES.route = route
