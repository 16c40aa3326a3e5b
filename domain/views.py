"""What the world sees of an issue: the live view (``state`` query) and the closed record (result)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from domain.actions import WhistleKind, actions_for
from domain.catalogue import ListType
from domain.organisation import Level
from domain.state import (
    Escalation,
    IssueState,
    RatingRecord,
    Resolution,
    Status,
    StepRecord,
    TimelineEvent,
    WarningRecord,
    WhistleRecord,
)
from domain.task_state import Step, TaskHead, TaskStatus


class TaskView(TaskHead):
    overdue: bool
    clock_stopped: bool
    allowed_actions: list[str]
    data: dict[str, Any]  # the task's details (TaskDetails) that are set


class IssueView(BaseModel):
    """The live state of an issue: the answer of the ``state`` query and of every ``act`` update."""

    issue_id: str
    title: str
    step: Step
    status: Status
    level: Level
    matter_code: str
    matter_name: str
    category: str
    urgent: bool
    whistle_kind: WhistleKind | None
    lead_unit_id: str | None
    co_unit_ids: list[str]
    list_type: ListType | None
    open_tasks: list[TaskView]
    warnings: list[WarningRecord]
    escalations: list[Escalation]
    ratings: list[RatingRecord]
    outcome: str | None
    resolution: Resolution | None
    reworks: int
    urges: int
    duplicate_of: str | None
    followers: list[str]
    last_seq: int
    projected_seq: int  # the read model holds events up to here; below last_seq while it catches up
    runs: int
    #: who may take the issue-level actions: the reporter, every reporter (followers too), the filing system
    reporter_id: str | None = None
    reporter_ids: list[str] = []
    submitted_by: str | None = None


class TaskRecord(TaskHead):
    closed_at: datetime | None
    status: TaskStatus
    outcome: str | None
    closed_by: str | None
    met_deadline: bool | None  # None while open or when cancelled


class IssueRecord(BaseModel):
    """The result of a closed issue: the full record for the quarterly assessment."""

    issue_id: str
    status: Status
    outcome: str | None
    resolution: Resolution | None
    matter_code: str
    category: str
    lead_unit_id: str | None
    co_unit_ids: list[str]
    list_type: ListType | None
    whistle: WhistleRecord | None
    steps: list[StepRecord]
    tasks: list[TaskRecord]
    escalations: list[Escalation]
    warnings: list[WarningRecord]
    ratings: list[RatingRecord]
    reworks: int
    urges: int
    supervisions: int
    events: list[TimelineEvent]
    runs: int
    closed_at: datetime | None




def task_view(state: IssueState, task_id: str) -> TaskView:
    t = state.tasks[task_id]
    return TaskView(**t.model_dump(include=set(TaskHead.model_fields)), overdue=t.overdue,
                    clock_stopped=t.clock_stopped_at is not None, allowed_actions=actions_for(t.kind),
                    data=t.details())


def view(state: IssueState) -> IssueView:
    return IssueView(
        issue_id=state.issue_id, title=state.report.title, step=state.step, status=state.status,
        level=state.level, matter_code=state.matter.code, matter_name=state.matter.name,
        category=state.matter.category, urgent=state.report.urgent,
        whistle_kind=state.whistle.kind if state.whistle else None, lead_unit_id=state.lead_unit_id,
        co_unit_ids=state.co_unit_ids, list_type=state.list_type,
        open_tasks=[task_view(state, t.task_id) for t in state.open_tasks()],
        warnings=state.warnings, escalations=state.escalations, ratings=state.ratings,
        outcome=state.outcome, resolution=state.resolution, reworks=state.reworks, urges=state.urges,
        duplicate_of=state.duplicate_of,
        followers=[f.issue_id for f in state.followers], last_seq=state.next_seq - 1,
        projected_seq=state.projected_seq, runs=state.runs, reporter_id=state.report.reporter.principal_id,
        reporter_ids=[r for r in [state.report.reporter.principal_id,
                                  *(f.reporter.principal_id for f in state.followers)] if r is not None],
        submitted_by=state.report.submitted_by,
    )


def issue_record(state: IssueState) -> IssueRecord:
    tasks = [
        TaskRecord(**t.model_dump(include=set(TaskHead.model_fields)), closed_at=t.closed_at, status=t.status,
                   outcome=t.outcome, closed_by=t.closed_by,
                   met_deadline=None if t.status in (TaskStatus.open, TaskStatus.cancelled) else not t.late)
        for t in state.tasks.values()
    ]
    return IssueRecord(
        issue_id=state.issue_id, status=state.status, outcome=state.outcome, resolution=state.resolution,
        matter_code=state.matter.code, category=state.matter.category, lead_unit_id=state.lead_unit_id,
        co_unit_ids=state.co_unit_ids, list_type=state.list_type, whistle=state.whistle, steps=state.steps,
        tasks=tasks, escalations=state.escalations, warnings=state.warnings, ratings=state.ratings,
        reworks=state.reworks, urges=state.urges, supervisions=state.supervisions, events=state.events,
        runs=state.runs, closed_at=state.closed_at,
    )
