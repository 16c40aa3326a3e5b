"""What the read model receives after transitions: new timeline events plus a snapshot of the issue.

Events are immutable and keyed by (issue id, seq); the snapshot carries ``last_seq`` so that a stale
batch delivered late never overwrites a newer one. Together that makes projection idempotent under
retries, replays and out-of-order delivery.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from domain.organisation import Level
from domain.rule_versions import rule_version
from domain.state import IssueState, RatingRecord, TimelineEvent
from domain.task_state import TaskHead
from domain.timers import is_overdue

MAX_BATCH_EVENTS = 200


class IssueSnapshot(BaseModel):
    issue_id: str
    title: str
    matter_code: str
    category: str
    source: str
    urgent: bool
    ladder: dict[Level, str]
    reporter_principal_id: str | None
    submitted_by: str | None = None  # added with the HTTP API; older batches lack it
    step: str
    status: str
    level: str
    lead_unit_id: str | None
    co_unit_ids: list[str]
    list_type: str | None
    whistle_kind: str | None
    resolution: str | None
    outcome: str | None
    due_at: datetime | None  # the earliest due time among open tasks
    overdue: bool
    reworks: int
    urges: int
    created_at: datetime
    closed_at: datetime | None


class TaskSnapshot(TaskHead):
    closed_at: datetime | None
    status: str
    outcome: str | None
    closed_by: str | None
    late: bool


class RatingSnapshot(BaseModel):
    ordinal: int
    rating: RatingRecord


class ProjectionBatch(BaseModel):
    issue: IssueSnapshot
    tasks: list[TaskSnapshot]
    events: list[TimelineEvent]
    ratings: list[RatingSnapshot]
    last_seq: int
    #: which execution cut the batch: the start of its workflow task, in microseconds. A local projection may run
    #: for a workflow task that is then lost (its worker dies, or the server cannot take its completion) and is
    #: made again, later — a retried task keeps the history's length but starts later; the later execution is
    #: the one the history keeps, and its rows replace the lost one's (``store.projection``)
    epoch: int = 0


class ProjectedEvents(BaseModel):
    """What a local projection answers: how many events were new to the read model, and the events sent."""

    written: int
    events: list[TimelineEvent]


def projection_batch(state: IssueState, after_seq: int, sent: dict[str, TaskSnapshot] | None = None) -> ProjectionBatch:
    """The events after ``after_seq`` and the issue as it is now. With ``sent`` (what earlier batches carried of
    each task), only the tasks that changed since, or that an event of the batch names, travel: the read model
    keeps the others as they were sent. Without it, every task."""
    open_dues = [t.due_at for t in state.open_tasks() if t.due_at is not None]
    issue = IssueSnapshot(
        issue_id=state.issue_id, title=state.report.title, matter_code=state.matter.code,
        category=state.matter.category, source=state.report.source.value, urgent=state.report.urgent,
        ladder={lv: ref.id for lv, ref in state.context.ladder.items()},
        reporter_principal_id=state.report.reporter.principal_id, submitted_by=state.report.submitted_by,
        step=state.step.value,
        status=state.status.value, level=state.level.value, lead_unit_id=state.lead_unit_id,
        co_unit_ids=list(state.co_unit_ids), list_type=state.list_type.value if state.list_type else None,
        whistle_kind=state.whistle.kind.value if state.whistle else None, resolution=state.resolution,
        outcome=state.outcome, due_at=min(open_dues, default=None), overdue=is_overdue(state),
        reworks=state.reworks, urges=state.urges, created_at=state.created_at or state.events[0].at,
        closed_at=state.closed_at,
    )
    tasks = [
        TaskSnapshot(**t.model_dump(include=set(TaskHead.model_fields)), closed_at=t.closed_at,
                     status=t.status.value, outcome=t.outcome, closed_by=t.closed_by, late=t.late)
        for t in state.tasks.values()
    ]
    events = [e for e in state.events if e.seq > after_seq]
    if rule_version(state.rules).projects_in_batches:
        events = events[:MAX_BATCH_EVENTS]  # a long outage of the read model catches up batch by batch
    if sent is not None:
        named = {e.task_id for e in events if e.task_id is not None}
        tasks = [t for t in tasks if t.task_id in named or sent.get(t.task_id) != t]
    ratings = [RatingSnapshot(ordinal=n, rating=r) for n, r in enumerate(state.ratings, start=1)]
    last_seq = events[-1].seq if events else state.next_seq - 1
    return ProjectionBatch(issue=issue, tasks=tasks, events=events, ratings=ratings, last_seq=last_seq)


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
