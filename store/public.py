"""What residents and the public read: an issue's story for its reporter (查单) and a community's board of
handled issues (公示). Both are built field by field from the read model, so nothing else can leak: no staff
names, no principal ids, no other residents, no phones or exact addresses, no internal warnings.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.organisation import Organisation
from store import models

#: the event kinds a resident's story tells, and how
STORY: dict[str, tuple[str, str]] = {
    "reported": ("已受理您的诉求", "your report was received"),
    "whistle": ("网格吹哨，相关部门将报到", "the grid blew the whistle: the units that can fix it are summoned"),
    "lead_named": ("已确定牵头单位", "a lead unit was named"),
    "feedback": ("办理完成，答复如下", "handled; the answer"),
    "reopened": ("复核后重新办理", "reopened after review"),
    "returned_for_rework": ("退回重办", "returned for rework"),
    "reassigned": ("督办后改由其他单位办理", "after supervision, other units took it over"),
    "extension_granted": ("办理期限已延长", "the deadline was extended"),
    "issue_closed": ("办结", "closed"),
}
#: the tasks whose opening tells the resident who holds the issue now
HOLDING_TASKS = {"verify", "dispatch", "report", "consult", "handle", "verify_result", "review"}


class StoryEntry(BaseModel):
    at: datetime
    step: str
    what: str  # the event kind, or "held_by" / "your_evaluation"
    text_zh: str
    text_en: str
    unit_id: str | None = None
    unit_name: str | None = None
    due_at: datetime | None = None
    met_deadline: bool | None = None
    answer: str | None = None  # the result told to the resident, the outcome at the close


class ResidentTimeline(BaseModel):
    issue_id: str
    title: str
    matter_code: str
    step: str
    status: str
    created_at: datetime
    closed_at: datetime | None
    entries: list[StoryEntry]


def resident_timeline(session: Session, org: Organisation, issue_id: str, viewer_id: str) -> ResidentTimeline | None:
    issue = session.get(models.Issue, issue_id)
    if issue is None:
        return None
    tasks = {t.id: t for t in session.scalars(select(models.Task).where(models.Task.issue_id == issue_id))}
    events = session.scalars(select(models.TimelineEvent).where(models.TimelineEvent.issue_id == issue_id)
                             .order_by(models.TimelineEvent.seq)).all()
    entries: list[StoryEntry] = []
    for e in events:
        unit = org.units.get(e.unit_id or "")
        base: dict[str, Any] = {"at": e.at, "step": e.step, "unit_id": unit.id if unit else None,
                                "unit_name": unit.name if unit else None}
        if e.kind == "task_opened":
            task = tasks.get(e.task_id or "")
            if task is None:
                continue
            done = task.status not in ("open", "cancelled")
            if task.kind in HOLDING_TASKS:
                entries.append(StoryEntry(**base, what="held_by", text_zh=f"{base['unit_name']}处理中",
                                          text_en=f"with {unit.name_en if unit else e.unit_id}", due_at=task.due_at,
                                          met_deadline=(not task.late) if done else None))
            elif task.kind == "evaluate" and task.principal_id == viewer_id:
                entries.append(StoryEntry(**base, what="your_evaluation", text_zh="请您评价办理结果",
                                          text_en="please rate the result", due_at=task.due_at))
        elif e.kind in STORY:
            zh, en = STORY[e.kind]
            answer = e.data.get("result") if e.kind == "feedback" else (
                e.data.get("outcome") if e.kind == "issue_closed" else None)
            entries.append(StoryEntry(**base, what=e.kind, text_zh=zh, text_en=en,
                                      answer=answer if isinstance(answer, str) else None))
    return ResidentTimeline(issue_id=issue.id, title=issue.title, matter_code=issue.matter_code, step=issue.step,
                            status=issue.status, created_at=issue.created_at, closed_at=issue.closed_at,
                            entries=entries)


# --- the community's board (公示) ------------------------------------------------------------------------


class BoardItem(BaseModel):
    issue_id: str
    matter_code: str
    matter_name: str
    category: str
    grid_name: str
    reported_at: datetime
    closed_at: datetime
    days_taken: float
    resolution: str | None
    list_type: str | None
    lead_unit_name: str | None
    understanding_reason: str | None = None  # 谅解清单: why it could not be done now


class Board(BaseModel):
    community_id: str
    community_name: str
    period_start: datetime
    period_end: datetime
    handled: int
    items: list[BoardItem]


def community_board(session: Session, org: Organisation, matter_names: dict[str, str], community_id: str,
                    start: datetime, end: datetime) -> Board:
    issues = session.scalars(select(models.Issue).where(
        models.Issue.community_id == community_id, models.Issue.status != "open",
        models.Issue.closed_at >= start, models.Issue.closed_at < end,
        models.Issue.resolution.not_in(("withdrawn", "duplicate"))).order_by(models.Issue.closed_at)).all()
    reasons: dict[str, str] = {}
    ids = [i.id for i in issues if i.list_type == "understanding"]
    if ids:
        for e in session.scalars(select(models.TimelineEvent).where(
                models.TimelineEvent.issue_id.in_(ids), models.TimelineEvent.kind == "minutes")):
            text = e.data.get("text")
            if isinstance(text, str):
                reasons[e.issue_id] = _scrub(text)
    items = []
    for i in issues:
        closed = i.closed_at or end
        lead = org.units.get(i.lead_unit_id or "")
        items.append(BoardItem(
            issue_id=i.id, matter_code=i.matter_code, matter_name=matter_names.get(i.matter_code, i.matter_code),
            category=i.category, grid_name=org.unit(i.grid_id).name, reported_at=i.created_at, closed_at=closed,
            days_taken=round((closed - i.created_at).total_seconds() / 86400, 1), resolution=i.resolution,
            list_type=i.list_type, lead_unit_name=lead.name if lead else None, understanding_reason=reasons.get(i.id)))
    return Board(community_id=community_id, community_name=org.unit(community_id).name, period_start=start,
                 period_end=end, handled=len(items), items=items)


def _scrub(text: str) -> str:
    """A reason written by staff, shown publicly: digits runs that could be phones or house numbers go."""
    return re.sub(r"\d{4,}", "****", text)[:500]
