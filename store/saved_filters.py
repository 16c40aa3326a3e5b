"""A person's saved searches of the issues (办件查询): the query string of ``GET /v1/issues`` under a name of
their choosing, one name once per person."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store import models


class NameTaken(ValueError):
    """Raised when a person saves a second search under a name they already use."""


def of(session: Session, principal_id: str) -> Sequence[models.SavedFilter]:
    """A person's saved searches, by name."""
    S = models.SavedFilter
    return session.scalars(select(S).where(S.principal_id == principal_id).order_by(S.name)).all()


def count(session: Session, principal_id: str) -> int:
    S = models.SavedFilter
    return session.scalar(select(func.count()).select_from(S).where(S.principal_id == principal_id)) or 0


def save(session: Session, principal_id: str, name: str, query: str) -> models.SavedFilter:
    """The search saved and committed; :class:`NameTaken` (nothing saved) if the name is in use."""
    row = models.SavedFilter(id=uuid.uuid4().hex, principal_id=principal_id, name=name, query=query,
                             created_at=datetime.now(UTC))
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise NameTaken(name) from None
    return row


def delete(session: Session, principal_id: str, filter_id: str) -> bool:
    """Delete one of a person's saved searches; False if they have none by that id."""
    row = session.get(models.SavedFilter, filter_id)
    if row is None or row.principal_id != principal_id:
        return False
    session.delete(row)
    session.commit()
    return True
