"""``/v1/tasks``: the caller's inbox, and claiming one of their unit's tasks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api import live
from api.deps import CallerDep, IdempotencyKey, ServicesDep, SessionDep
from api.problems import COMMON_RESPONSES, Problem, invalid
from api.schemas import InboxPage, InboxTask, IssueOut, UtcDatetime
from domain.actions import TaskKind, actions_for
from domain.organisation import Role
from domain.task_state import Step, issue_of_task
from store.queries import BadCursor, inbox, inbox_counts

QUEUE_HELP = ("one queue: unclaimed (待签收), claimed by you (在办), due within a day (将超时), overdue (已超时), "
              "follow-up (待回访)")
Queue = Literal["unclaimed", "claimed", "due_soon", "overdue", "follow_up"]

router = APIRouter(prefix="/v1/tasks", tags=["tasks"], responses=COMMON_RESPONSES)


@router.get("", response_model=InboxPage, summary="Your inbox: open tasks you may act on, earliest due first")
def my_tasks(
    caller: CallerDep, session: SessionDep,
    kind: TaskKind | None = None,
    due_before: UtcDatetime | None = None,
    overdue: Annotated[bool | None, Query(description="true: only tasks past their due time")] = None,
    queue: Annotated[Queue | None, Query(description=QUEUE_HELP)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> InboxPage:
    now = datetime.now(UTC)
    try:
        rows, next_cursor = inbox(session, caller.id, caller.unit_id, [r.value for r in caller.roles],
                                  kind=kind.value if kind else None, due_before=due_before,
                                  overdue=overdue, now=now, limit=limit, cursor=cursor, queue=queue)
    except BadCursor as exc:
        raise invalid("cursor", str(exc)) from None
    items = [InboxTask(task_id=t.id, issue_id=t.issue_id, issue_title=title, kind=TaskKind(t.kind), step=Step(t.step),
                       unit_id=t.unit_id, roles=[Role(r) for r in t.roles.split(",") if r],
                       principal_id=t.principal_id, claimed_by=t.claimed_by, opened_at=t.opened_at, due_at=t.due_at,
                       provisional=t.provisional, overdue=t.due_at is not None and t.due_at < now,
                       allowed_actions=actions_for(TaskKind(t.kind)))
             for t, title in rows]
    return InboxPage(items=items, next_cursor=next_cursor)


class QueueCounts(BaseModel):
    all: int
    unclaimed: int = Field(description="待签收: your unit's, nobody has claimed them")
    claimed: int = Field(description="在办: claimed by you")
    due_soon: int = Field(description="将超时: due within a day")
    overdue: int = Field(description="已超时: past their due time")
    follow_up: int = Field(description="待回访: checking results, evaluations, reviews")


@router.get("/queues", response_model=QueueCounts, summary="How many of your open tasks each inbox queue holds")
def queues(caller: CallerDep, session: SessionDep) -> QueueCounts:
    counts = inbox_counts(session, caller.id, caller.unit_id, [r.value for r in caller.roles], datetime.now(UTC))
    return QueueCounts(**counts)


def _issue_of(task_id: str) -> str:
    issue_id = issue_of_task(task_id)
    if issue_id is None:
        raise Problem("not-found", f"no task {task_id!r}")
    return issue_id


@router.post("/{task_id}/claim", response_model=IssueOut, summary="Take one of your unit's tasks for yourself")
async def claim(task_id: str, caller: CallerDep, services: ServicesDep,
                idempotency_key: IdempotencyKey = None) -> IssueOut:
    return await live.act(services, caller, _issue_of(task_id), task_id, "claim", {}, idempotency_key)


@router.post("/{task_id}/unclaim", response_model=IssueOut, summary="Give a claimed task back to the unit")
async def unclaim(task_id: str, caller: CallerDep, services: ServicesDep,
                  idempotency_key: IdempotencyKey = None) -> IssueOut:
    return await live.act(services, caller, _issue_of(task_id), task_id, "unclaim", {}, idempotency_key)
