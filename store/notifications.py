"""Reading the outbox: a principal's notifications (their own and their unit's for their roles), unread first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from store import models


class NotificationOut(BaseModel):
    id: int
    issue_id: str
    kind: str
    text: str
    created_at: datetime
    read: bool


def for_audiences(session: Session, principal_id: str, audiences: Sequence[str], *, after_id: int = 0,
                  unread_only: bool = False, limit: int = 50) -> list[NotificationOut]:
    N, R = models.Notification, models.NotificationRead
    query = (select(N, R.read_at).outerjoin(R, and_(R.notification_id == N.id, R.principal_id == principal_id))
             .where(N.audience.in_(list(audiences)), N.id > after_id))
    if unread_only:
        query = query.where(R.read_at.is_(None))
    rows = session.execute(query.order_by(R.read_at.is_not(None), N.id.desc()).limit(limit)).all()
    return [NotificationOut(id=n.id, issue_id=n.issue_id, kind=n.kind, text=n.text, created_at=n.created_at,
                            read=read_at is not None) for n, read_at in rows]


def since(session: Session, after_id: int, limit: int = 500) -> list[tuple[str, NotificationOut]]:
    """Every notification after ``after_id``, oldest first, with its audience (the live streams' one poll)."""
    N = models.Notification
    rows = session.scalars(select(N).where(N.id > after_id).order_by(N.id).limit(limit))
    return [(n.audience, NotificationOut(id=n.id, issue_id=n.issue_id, kind=n.kind, text=n.text,
                                         created_at=n.created_at, read=False)) for n in rows]


def newest_id(session: Session) -> int:
    return session.scalar(select(func.max(models.Notification.id))) or 0


def latest_id(session: Session, audiences: Sequence[str]) -> int:
    N = models.Notification
    return session.scalar(select(func.max(N.id)).where(N.audience.in_(list(audiences)))) or 0


def mark_read(session: Session, principal_id: str, audiences: Sequence[str], ids: Sequence[int] | None) -> int:
    """Mark these (or, with ``None``, all) of the principal's notifications read; returns how many changed."""
    N, R = models.Notification, models.NotificationRead
    query = (select(N.id).outerjoin(R, and_(R.notification_id == N.id, R.principal_id == principal_id))
             .where(N.audience.in_(list(audiences)), R.read_at.is_(None)))
    if ids is not None:
        query = query.where(N.id.in_(list(ids)))
    now = datetime.now(UTC)
    fresh = list(session.scalars(query))
    for notification_id in fresh:
        session.add(R(notification_id=notification_id, principal_id=principal_id, read_at=now))
    session.flush()
    return len(fresh)
