"""The issues Open311 publishes as service requests (``/open311/v2``), read from the read model.

Every issue is published except those withdrawn by their reporter or filed twice. A request comes with the time
it last changed (its newest timeline event) and the time its handling is due (the latest deadline of its
``handle`` tasks): what the spec calls ``updated_datetime`` and ``expected_datetime``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from domain.state import Resolution
from store import models

#: issues the public never sees: withdrawn by their reporter, or filed twice
UNPUBLISHED = (Resolution.withdrawn.value, Resolution.duplicate.value)
#: the most requests one answer holds
MAX_REQUESTS = 1000


@dataclass(frozen=True)
class RequestQuery:
    """Which requests a reader asks for: those ``ids`` (every other filter then ignored, as the spec says), else
    those of the service ``codes`` (any, if none) created between ``start`` and ``end``, open, closed or both."""

    ids: Sequence[str] = ()
    codes: Sequence[str] = ()
    start: datetime | None = None
    end: datetime | None = None
    status: Literal["open", "closed"] | None = None


@dataclass(frozen=True)
class PublicRequest:
    """A published issue, when it last changed, and when its handling is due (None before it is handled)."""

    issue: models.Issue
    updated_at: datetime
    expected_at: datetime | None = None


def _published() -> ColumnElement[bool]:
    return or_(models.Issue.resolution.is_(None), models.Issue.resolution.not_in(UNPUBLISHED))


def find_requests(session: Session, query: RequestQuery) -> list[PublicRequest]:
    """The published issues ``query`` names, newest first, at most :data:`MAX_REQUESTS`."""
    I = models.Issue
    found = select(I).where(_published())
    if query.ids:
        found = found.where(I.id.in_(list(query.ids)[:MAX_REQUESTS]))
    else:
        if query.codes:
            found = found.where(I.matter_code.in_(list(query.codes)))
        if query.start is not None:
            found = found.where(I.created_at >= query.start)
        if query.end is not None:
            found = found.where(I.created_at <= query.end)
        if query.status == "open":
            found = found.where(I.status == "open")
        elif query.status == "closed":
            found = found.where(I.status != "open")
    rows = session.scalars(found.order_by(I.created_at.desc()).limit(MAX_REQUESTS)).all()
    return _with_dates(session, rows)


def find_request(session: Session, issue_id: str) -> PublicRequest | None:
    """One published issue, or None (unknown, withdrawn or a duplicate)."""
    row = session.get(models.Issue, issue_id)
    if row is None or row.resolution in UNPUBLISHED:
        return None
    return _with_dates(session, [row])[0]


def _with_dates(session: Session, rows: Sequence[models.Issue]) -> list[PublicRequest]:
    ids = [r.id for r in rows]
    E, T = models.TimelineEvent, models.Task
    updated = dict(session.execute(
        select(E.issue_id, func.max(E.at)).where(E.issue_id.in_(ids)).group_by(E.issue_id)).all())
    handling = dict(session.execute(
        select(T.issue_id, func.max(T.due_at)).where(T.issue_id.in_(ids), T.kind == "handle")
        .group_by(T.issue_id)).all())
    return [PublicRequest(issue=r, updated_at=updated.get(r.id) or r.created_at, expected_at=handling.get(r.id))
            for r in rows]
