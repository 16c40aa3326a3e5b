"""The relational read model (DESIGN §6).

Issues, tasks, timeline events, ratings and notifications are written only by the projection activity, and
Temporal's event history stays their authoritative record: every such row can be rebuilt from it. The rest is
the deployment's configuration, written by operators (``whistle seed``, ``grids load``, ``api-key``,
``calendar load``) or through the API (webhook subscriptions, notifications read, action keys).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Stored in UTC; always read back timezone-aware (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the read model; pass an aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON}


class Unit(Base):
    __tablename__ = "units"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("units.id"), index=True)
    function: Mapped[str | None] = mapped_column(String(50))
    order_no: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    successor_id: Mapped[str | None] = mapped_column(String(200))


class Principal(Base):
    __tablename__ = "principals"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"), index=True)
    roles: Mapped[str] = mapped_column(String(200))  # comma-separated role names
    subject: Mapped[str | None] = mapped_column(String(200), unique=True)  # the single sign-on's claim value
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class Matter(Base):
    __tablename__ = "matters"

    code: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(50), index=True)
    category_name: Mapped[str] = mapped_column(String(100))
    departments: Mapped[str] = mapped_column(String(500))  # comma-separated function codes
    list_type: Mapped[str] = mapped_column(String(20))
    report_hours: Mapped[float] = mapped_column(Float)
    handling_immediate: Mapped[int] = mapped_column(Integer)
    handling_phased: Mapped[int] = mapped_column(Integer)
    handling_understanding: Mapped[int] = mapped_column(Integer)
    on_the_spot: Mapped[bool] = mapped_column(Boolean)
    mediation: Mapped[bool] = mapped_column(Boolean)


class DirectoryRules(Base):
    """The deadline rules in force (one row)."""

    __tablename__ = "directory_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)


class DirectoryVersion(Base):
    """One change of the directory: who, when, why, from what."""

    __tablename__ = "directory_versions"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    author: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(200))  # "workbook qinghe.xlsx", "admin", …
    counts: Mapped[dict[str, Any]] = mapped_column(JSON)  # added / changed / removed per kind


class DirectoryChange(Base):
    """One record of a version, before and after (None: added, or removed)."""

    __tablename__ = "directory_changes"

    version: Mapped[int] = mapped_column(ForeignKey("directory_versions.version"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(200), index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


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


class CalendarOverride(Base):
    """A deployment's correction of the official calendar (a local holiday, a late-published year)."""

    __tablename__ = "calendar_overrides"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(String(200))


class GridShape(Base):
    """A grid's polygon (GeoJSON geometry, WGS 84 longitude/latitude), for the map and to find a point's grid."""

    __tablename__ = "grid_shapes"

    grid_id: Mapped[str] = mapped_column(String(200), ForeignKey("units.id"), primary_key=True)
    geometry: Mapped[dict[str, Any]] = mapped_column(JSON)
    area_m2: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime]


class ApiKey(Base):
    """An integration's key for Open311: the id is public, the secret is kept only as a SHA-256 hash."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    principal_id: Mapped[str] = mapped_column(String(200), ForeignKey("principals.id"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]  # None: made before keys expired, so a year after created_at


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


class WebhookSubscription(Base):
    """An integration's subscription: these notice kinds, posted to this URL, signed with this secret."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    principal_id: Mapped[str] = mapped_column(String(200), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(100))
    kinds: Mapped[str] = mapped_column(String(500))  # comma-separated notice kinds, or "*"
    created_at: Mapped[datetime]
    active: Mapped[bool] = mapped_column(Boolean)
    #: after a rotation, the secret that still signs beside the new one until ``previous_until``
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_until: Mapped[datetime | None]


class PayloadRead(Base):
    """One decode of Temporal payloads through the codec endpoint: who, when, how many, which issues."""

    __tablename__ = "payload_reads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    principal_id: Mapped[str] = mapped_column(String(200), index=True)
    at: Mapped[datetime]
    payloads: Mapped[int] = mapped_column(Integer)
    issue_ids: Mapped[str] = mapped_column(Text)  # comma-separated


class WebhookDelivery(Base):
    """One notification to one subscription: pending → delivered, or dead after the retries ran out.
    ``runs`` counts the delivery workflows started for it (an operator's replay starts another)."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    subscription_id: Mapped[str] = mapped_column(ForeignKey("webhook_subscriptions.id"))
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"))
    status: Mapped[str] = mapped_column(String(20), index=True)
    runs: Mapped[int] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class ActionKey(Base):
    """An action's ``Idempotency-Key``, bound to the body it first came with (a fingerprint of task, action and
    data), so the same key with another body is refused however long ago it was used — Temporal remembers
    update ids within one run only, and issues continue as new. Written by the API before it sends the
    update; ``run_id`` and ``completed_at`` once the update has answered."""

    __tablename__ = "action_keys"
    __table_args__ = (UniqueConstraint("principal", "issue_id", "key", name="uq_action_keys"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    principal: Mapped[str] = mapped_column(String(200))
    issue_id: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    run_id: Mapped[str | None] = mapped_column(String(64))
    completed_at: Mapped[datetime | None]


class CalendarYear(Base):
    """A year's official arrangement (holidays and adjusted working days), loaded by ``whistle calendar load``."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    holidays: Mapped[list[str]] = mapped_column(JSON)
    workdays: Mapped[list[str]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(300))
    loaded_at: Mapped[datetime]


class AssessmentRecord(Base):
    """A quarter's assessment as issued (``store.assessments``): the body is the exact text its hash covers, and
    a row is never rewritten."""

    __tablename__ = "assessments"
    __table_args__ = (UniqueConstraint("period", "level", "district_id", "version", name="uq_assessments"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    period: Mapped[str] = mapped_column(String(10))
    level: Mapped[str] = mapped_column(String(20))
    district_id: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    issued_at: Mapped[datetime]
    content_hash: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    #: an amendment's author and reason (none for version 1)
    amended_by: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)


class Inquiry(Base):
    """A question a grid, community or street answered without dispatch (回复咨询): counted apart from issues."""

    __tablename__ = "inquiries"
    __table_args__ = (Index("ix_inquiries_unit_at", "unit_id", "at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(200))
    principal_id: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]
    channel: Mapped[str] = mapped_column(String(20))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    matter_code: Mapped[str | None] = mapped_column(String(100))


class SavedFilter(Base):
    """A search of the issues a person saved by name (办件查询): the query string as the console's URL carries it."""

    __tablename__ = "saved_filters"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    principal_id: Mapped[str] = mapped_column(String(200), index=True)
    name: Mapped[str] = mapped_column(String(100))
    query: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("principal_id", "name", name="uq_saved_filters_name"),)
