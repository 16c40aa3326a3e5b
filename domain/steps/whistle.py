"""Whistle (吹哨): the grid that cannot fix it whistles; a resident's request waits for the community leader's
approval (an emergency never waits); the dispatcher one level up routes it to the units that can fix it, or
escalates it. A late approval or dispatch moves one level up. A round whose work was returned too often starts
afresh one level above (:func:`restart_round`)."""

from __future__ import annotations

from datetime import datetime

from domain import errors
from domain.actions import Payload, ReasonPayload, RoutePayload, TaskKind, WhistleKind
from domain.deadlines import DeadlineRules, Duration
from domain.decision import Decision
from domain.engine import (
    MOVES,
    Room,
    check_summonable,
    done,
    durations,
    enter_step,
    escalate,
    move_up,
    open_task,
    record,
    register,
    reopen_above,
    task_level,
    unit_at,
    version,
)
from domain.organisation import Level, Role
from domain.state import EventKind, IssueState, MatterContext, WhistleRecord
from domain.steps import older
from domain.task_state import Mark, Step, Task


def approval_time(rules: DeadlineRules) -> Duration:
    return rules.adjust(Duration(working_days=1), Duration(hours=4))


def dispatch_time(rules: DeadlineRules) -> Duration:
    return rules.adjust(Duration(working_days=1), Duration(hours=4))


def dispatch_level_for(level: Level) -> Level:
    """Whistles from a grid or a community are heard by the street; higher ones one level up."""
    if level.rank < Level.street.rank:
        return Level.street
    return level.above() or Level.city


def blow_whistle(state: IssueState, now: datetime, whistle: WhistleRecord, matter: MatterContext | None,
                 approved: bool = False) -> None:
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
        open_task(state, TaskKind.approve_whistle, unit_at(state, level), [Role.leader],
                  approval_time(durations(state)), now, level=level.value)
    else:
        start_dispatch(state, dispatch_level_for(whistle.level), now)


def start_dispatch(state: IssueState, level: Level, now: datetime, reason: str | None = None) -> Task:
    unit_id = unit_at(state, level)
    state.level = max(state.level, level, key=lambda lv: lv.rank)
    suggested = state.context.matter.suggested.get(level, [])
    return open_task(state, TaskKind.dispatch, unit_id, [Role.dispatcher], dispatch_time(durations(state)), now,
                     level=level.value, suggested_unit_ids=suggested, reason=reason)


def restart_round(state: IssueState, now: datetime, reason: str, task: Task, by: str | None) -> None:
    """A fresh round of summoning by the dispatcher one level above the one that dispatched this round
    (at the city, the city's again: there is nowhere higher to go), charged to the lead whose work was returned."""
    rules = version(state)
    here = state.dispatch_level or Level.street
    above = here.above()
    charged = state.lead_unit_id if rules.rework_escalation_charged_to_lead else None
    if above is not None:
        escalate(state, now, task, unit_at(state, above), above, reason, by, from_level=here, charged=charged)
    elif not rules.nothing_above_the_top:
        escalate(state, now, task, unit_at(state, here), here, reason, by)
    state.summoned, state.checked_in, state.declined = [], [], []
    state.lead_unit_id, state.co_unit_ids, state.list_type = None, [], None
    state.round_reworks = 0
    enter_step(state, Step.whistle, now)
    start_dispatch(state, above or here, now, reason=reason)


# --- approving a resident's whistle ------------------------------------------------------------------------


def _approve(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    done(state, task, d, now)
    whistled_at = state.whistle.level if state.whistle else Level.grid
    if not version(state).approval_dispatches_from_the_whistle:
        whistled_at = older.climbed_level(state, task, whistled_at)
    start_dispatch(state, dispatch_level_for(whistled_at), now)


def _send_back(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    p = d.payload_as(ReasonPayload)
    done(state, task, d, now)
    level = state.whistle.level if state.whistle else Level.grid
    state.whistle = None
    enter_step(state, Step.discovery, now)
    MOVES.verify(state, level, now, p.reason)


def _approval_timeout(state: IssueState, task: Task, name: Mark, now: datetime) -> None:
    reopen_above(state, now, task, [Role.leader], "leader")


# --- dispatching ---------------------------------------------------------------------------------------------


def _check_dispatch(state: IssueState, task: Task, action: str, payload: Payload) -> None:
    if isinstance(payload, RoutePayload):
        check_summonable(state, task_level(state, task), payload.unit_ids)
        pending = {t.unit_id for t in state.open_tasks() if t.kind is TaskKind.report}
        again = [u for u in payload.unit_ids if u in pending or u in state.checked_in]
        if again:
            raise errors.InvalidPayload(f"unit_ids: {', '.join(again)} already summoned")
    elif action == "escalate" and task.level is Level.city:
        raise errors.WrongState("the city is the top of the ladder; route the issue instead")


def _route(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    p = d.payload_as(RoutePayload)
    done(state, task, d, now)
    MOVES.route(state, now, task_level(state, task), p.unit_ids, d.actor.principal_id)


def _escalate(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    p = d.payload_as(ReasonPayload)
    done(state, task, d, now)
    above = task_level(state, task).above() or Level.city  # the check refuses at the city
    escalate(state, now, task, unit_at(state, above), above, p.reason, d.actor.principal_id)
    start_dispatch(state, above, now, reason=p.reason)


def _dispatch_timeout(state: IssueState, task: Task, name: Mark, now: datetime) -> None:
    above = move_up(state, now, task, "dispatcher")
    if above is not None:
        start_dispatch(state, above, now, reason="the dispatcher below did not route in time")


register(TaskKind.approve_whistle, Room(step=Step.whistle, timeout=_approval_timeout,
                                        actions={"approve": _approve, "send_back": _send_back}))
register(TaskKind.dispatch, Room(step=Step.whistle, check=_check_dispatch, timeout=_dispatch_timeout,
                                 actions={"route": _route, "escalate": _escalate}))
MOVES.whistle = blow_whistle
MOVES.dispatch = start_dispatch
MOVES.restart_round = restart_round
