"""Issues as the projection activity writes them: issues, tasks, timeline events, ratings and the notification
outbox. Temporal's event history stays their authoritative record: every such row can be rebuilt from it. Beside
them, who has read which notification (written by the API)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base


class Issue(Base):
    __tablename__ = "issues"
    __table_args__ = (Index("ix_issues_status_overdue_created", "status", "overdue", "created_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    matter_code: Mapped[str] = mapped_column(String(100), index=True)
    category: Mapped[str] = mapped_column(String(50), index=True)
    source: Mapped[str] = mapped_column(String(20))
    urgent: Mapped[bool] = mapped_column(Boolean)
    grid_id: Mapped[str] = mapped_column(String(200), index=True)
    community_id: Mapped[str] = mapped_column(String(200), index=True)
    street_id: Mapped[str] = mapped_column(String(200), index=True)
    district_id: Mapped[str] = mapped_column(String(200), index=True)
    city_id: Mapped[str] = mapped_column(String(200))
    reporter_principal_id: Mapped[str | None] = mapped_column(String(200), index=True)
    submitted_by: Mapped[str | None] = mapped_column(String(200), index=True)
    step: Mapped[str] = mapped_column(String(20), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    level: Mapped[str] = mapped_column(String(20), index=True)
    lead_unit_id: Mapped[str | None] = mapped_column(String(200), index=True)
    co_unit_ids: Mapped[str] = mapped_column(Text, default="")
    list_type: Mapped[str | None] = mapped_column(String(20))
    whistle_kind: Mapped[str | None] = mapped_column(String(20))
    resolution: Mapped[str | None] = mapped_column(String(40))
    outcome: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    overdue: Mapped[bool] = mapped_column(Boolean, index=True)
    reworks: Mapped[int] = mapped_column(Integer)
    urges: Mapped[int] = mapped_column(Integer)
    epoch: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # see ProjectionBatch.epoch
    created_at: Mapped[datetime] = mapped_column(index=True)
    closed_at: Mapped[datetime | None] = mapped_column(index=True)
    last_seq: Mapped[int] = mapped_column(Integer)


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_inbox", "unit_id", "status"),
        *(Index(f"ix_tasks_open_{c}", c, postgresql_where=text("status = 'open'"), sqlite_where=text("status = 'open'"))
          for c in ("principal_id", "claimed_by")),
        Index("ix_tasks_stats", "unit_id", "kind", "opened_at"),
        Index("ix_tasks_closed", "unit_id", "closed_at"),
    )

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    issue_id: Mapped[str] = mapped_column(ForeignKey("issues.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    step: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[str] = mapped_column(String(200))
    roles: Mapped[str] = mapped_column(String(200))
    principal_id: Mapped[str | None] = mapped_column(String(200))
    claimed_by: Mapped[str | None] = mapped_column(String(200), index=True)
    opened_at: Mapped[datetime] = mapped_column()
    due_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(Text)
    closed_by: Mapped[str | None] = mapped_column(String(200))
    late: Mapped[bool] = mapped_column(Boolean)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    version_seq: Mapped[int] = mapped_column(Integer)  # the issue's last_seq when this row was written
    epoch: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # see ProjectionBatch.epoch


#: the events an index keeps apart (see ``store/figures/events.py``)
ISSUE_LEVEL_EVENTS = "kind IN ('urge', 'supervise') AND task_id IS NULL AND actor_id IS NOT NULL"


class TimelineEvent(Base):
    """Append-only: one row per domain event, keyed by the issue and its sequence number."""

    __tablename__ = "timeline_events"
    __table_args__ = (
        Index("ix_events_stats", "unit_id", "kind", "at"),
        # a person's urges and supervisions of the whole issue recorded before rules 3, which the figures charge to
        # the issue's lead (``store/figures/events.py``): few, and found without reading every event
        Index("ix_events_issue_level", "at", postgresql_where=text(ISSUE_LEVEL_EVENTS),
              sqlite_where=text(ISSUE_LEVEL_EVENTS)),
    )

    issue_id: Mapped[str] = mapped_column(ForeignKey("issues.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column()
    step: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[str | None] = mapped_column(String(200))
    unit_id: Mapped[str | None] = mapped_column(String(200))
    task_id: Mapped[str | None] = mapped_column(String(80))
    data: Mapped[dict[str, Any]] = mapped_column()
    epoch: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # see ProjectionBatch.epoch


class Rating(Base):
    __tablename__ = "ratings"

    issue_id: Mapped[str] = mapped_column(ForeignKey("issues.id"), primary_key=True)
    ordinal: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    principal_id: Mapped[str | None] = mapped_column(String(200))
    unit_id: Mapped[str | None] = mapped_column(String(200))
    as_role: Mapped[str] = mapped_column(String(20))
    rating: Mapped[str | None] = mapped_column(String(30))  # NULL: no answer within the window
    comment: Mapped[str | None] = mapped_column(Text)
    round: Mapped[int] = mapped_column(Integer)
    for_unit_id: Mapped[str | None] = mapped_column(String(200))  # the whistler's rating of one unit (rules 3)
    epoch: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # see ProjectionBatch.epoch


class Notification(Base):
    """The outbox: who must know of an event, written by the projection once per (event, audience)."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("issue_id", "seq", "audience", name="uq_notifications_event_audience"),
                      Index("ix_notifications_audience", "audience", "id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    issue_id: Mapped[str] = mapped_column(String(64), ForeignKey("issues.id"))
    seq: Mapped[int] = mapped_column(Integer)
    audience: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class NotificationRead(Base):
    __tablename__ = "notification_reads"

    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), primary_key=True)
    principal_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    read_at: Mapped[datetime]
