"""What the world sees of an issue: the live view (``state`` query) and the closed record (result)."""

from __future__ import annotations

from pydantic import BaseModel

from domain.access import IssueAccess, access_of
from domain.actions import actions_for
from domain.state import IssueRecord, IssueState, IssueView, TaskRecord, TaskStatus, TaskView


def task_view(state: IssueState, task_id: str) -> TaskView:
    t = state.tasks[task_id]
    return TaskView(task_id=t.task_id, kind=t.kind, step=t.step, unit_id=t.unit_id, roles=t.roles,
                    principal_id=t.principal_id, claimed_by=t.claimed_by, opened_at=t.opened_at, due_at=t.due_at,
                    overdue="due" in t.marks_fired, clock_stopped=t.clock_stopped_at is not None,
                    allowed_actions=actions_for(t.kind), data=t.data)


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
        projected_seq=state.projected_seq, runs=state.runs,
    )


def issue_record(state: IssueState) -> IssueRecord:
    tasks = [
        TaskRecord(task_id=t.task_id, kind=t.kind, step=t.step, unit_id=t.unit_id, opened_at=t.opened_at,
                   due_at=t.due_at, closed_at=t.closed_at, status=t.status, outcome=t.outcome,
                   closed_by=t.closed_by,
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


class LiveIssue(BaseModel):
    """The answer of the ``live`` query: the view, and who may see it (the API keeps that to itself)."""

    view: IssueView
    access: IssueAccess


def live(state: IssueState) -> LiveIssue:
    return LiveIssue(view=view(state), access=access_of(state))
