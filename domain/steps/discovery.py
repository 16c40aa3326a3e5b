"""Discovery (发现): a report opens the issue and its grid verifies it — resolves it on the spot, mediates a
dispute on the 三级七天 ladder, rejects it, or blows the whistle. A late verification climbs the ladder; past the
street the district centre takes it as if the street had whistled."""

from __future__ import annotations

from datetime import datetime

from domain import errors
from domain.actions import Payload, ReasonPayload, ResultPayload, TaskKind, WhistleKind, WhistlePayload
from domain.deadlines import MEDIATION_LEVELS, DeadlineRules, Duration
from domain.decision import Decision
from domain.engine import (
    MOVES,
    Room,
    close_issue,
    close_task,
    done,
    durations,
    enter_step,
    escalate,
    open_task,
    record,
    register,
    task_level,
    unit_at,
    verifier_roles,
    warn,
)
from domain.messages import IssueConfig, IssueReport
from domain.organisation import Level
from domain.rule_versions import CURRENT_RULES
from domain.rules import Rules
from domain.state import Color, EventKind, IssueContext, IssueState, Resolution, Status, StepRecord, WhistleRecord
from domain.task_state import Mark, Step, Task, TaskStatus


def verify_time(rules: DeadlineRules, level: Level, mediation: bool) -> Duration:
    """A day to verify (two hours if urgent); a dispute stays its window at each level of the mediation ladder."""
    if mediation:
        days: int = getattr(rules.district.mediation_days, level.value)
        return Duration(calendar_days=days)
    return rules.adjust(Duration(working_days=1), Duration(hours=2))


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


def start_verify(state: IssueState, level: Level, now: datetime, sent_back: str | None = None) -> Task:
    mediation = state.matter.mediation and level in MEDIATION_LEVELS
    state.level = level
    return open_task(state, TaskKind.verify, unit_at(state, level), verifier_roles(level),
                     verify_time(durations(state), level, mediation), now, level=level.value, mediation=mediation,
                     sent_back=sent_back)


def _check(state: IssueState, task: Task, action: str, payload: Payload) -> None:
    if action == "resolve_on_site" and not (state.matter.on_the_spot or state.matter.mediation):
        raise errors.ActionNotAllowed(
            f"matter {state.matter.code} ({state.matter.name}) cannot be resolved on the spot; whistle instead")
    if isinstance(payload, WhistlePayload) and payload.matter_code is not None \
            and payload.matter_code not in state.context.matter_codes:
        raise errors.InvalidPayload(f"matter_code: unknown matter {payload.matter_code!r}")


def _resolve_on_site(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    p = d.payload_as(ResultPayload)
    done(state, task, d, now)
    state.resolution = Resolution.mediated if state.matter.mediation else Resolution.resolved_on_site
    state.lead_unit_id = task.unit_id
    MOVES.feedback(state, now, p.result)


def _whistle(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    p = d.payload_as(WhistlePayload)
    done(state, task, d, now)
    level = task_level(state, task)
    MOVES.whistle(state, now, WhistleRecord(kind=p.kind, note=p.note, by=d.actor.principal_id,
                                            unit_id=task.unit_id, level=level, at=now), d.matter, False)


def _reject(state: IssueState, task: Task, d: Decision, now: datetime) -> None:
    p = d.payload_as(ReasonPayload)
    done(state, task, d, now)
    state.resolution = Resolution.rejected
    close_issue(state, now, Status.rejected, f"rejected: {p.reason}", d.actor.principal_id)


def _marks(task: Task, start: datetime, due: datetime, rules: Rules) -> list[tuple[Mark, datetime]]:
    return [(Mark.remind, start + (due - start) * 0.75)]


def _timeout(state: IssueState, task: Task, name: Mark, now: datetime) -> None:
    level = task_level(state, task)
    if task.mediation:
        message = f"mediation at the {level.value} level did not settle the dispute in time"
    else:
        message = f"not verified in time by the {level.value}"
    warn(state, now, task, Color.yellow, message)
    above = level.above() or Level.district  # verify tasks sit at the grid, the community or the street
    close_task(state, task, now, TaskStatus.moved, f"moved to {above.value}")
    escalate(state, now, task, unit_at(state, above), above, message)
    if above.rank <= Level.street.rank:
        start_verify(state, above, now)
        return
    # past the street: the district centre takes it, as if the street had whistled
    state.whistle = WhistleRecord(kind=WhistleKind.daily, note=message, by="system", unit_id=task.unit_id,
                                  level=level, at=now)
    enter_step(state, Step.whistle, now)
    MOVES.dispatch(state, above, now, message)


register(TaskKind.verify, Room(
    step=Step.discovery, check=_check, marks=_marks, timeout=_timeout,
    actions={"resolve_on_site": _resolve_on_site, "whistle": _whistle, "reject": _reject}))
MOVES.verify = start_verify
