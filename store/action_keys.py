"""Actions' ``Idempotency-Key``s, kept in the read model: each key of a principal on an issue is bound to the
fingerprint of the body it first came with.

Temporal deduplicates update ids within one run of a workflow only, and an issue continues as new; the
binding here outlives every run, so the same key with another body is refused however late it comes, and
a key whose update already answered in an earlier run is not sent again. A key is remembered for
:data:`KEPT_FOR` (30 days, as long as a client may sensibly retry); a principal's older keys go when they bind a
new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.exc import IntegrityError

from store import models
from store.db import SessionFactory, transaction

KEPT_FOR = timedelta(days=30)


class KeyReused(ValueError):
    """Raised when a key comes back with another body than the one it was first used with."""


@dataclass(frozen=True)
class KeyRecord:
    fingerprint: str
    run_id: str | None  # the run whose update answered; None until then
    completed_at: datetime | None


def _where(principal: str, issue_id: str, key: str) -> tuple[ColumnElement[bool], ...]:
    K = models.ActionKey
    return K.principal == principal, K.issue_id == issue_id, K.key == key


def claim(sessions: SessionFactory, principal: str, issue_id: str, key: str, fingerprint: str,
          now: datetime | None = None) -> KeyRecord:
    """Bind ``key`` to ``fingerprint`` the first time it is seen; the binding as it stands. Raises
    :class:`KeyReused` when the key is bound to another fingerprint."""
    for attempt in range(2):
        try:
            with transaction(sessions) as session:
                row = session.scalars(select(models.ActionKey).where(*_where(principal, issue_id, key))).one_or_none()
                if row is None:
                    at = now or datetime.now(UTC)
                    session.execute(delete(models.ActionKey).where(models.ActionKey.principal == principal,
                                                                   models.ActionKey.created_at < at - KEPT_FOR))
                    session.add(models.ActionKey(principal=principal, issue_id=issue_id, key=key,
                                                 fingerprint=fingerprint, created_at=at))
                    record = KeyRecord(fingerprint=fingerprint, run_id=None, completed_at=None)
                else:
                    record = KeyRecord(fingerprint=row.fingerprint, run_id=row.run_id, completed_at=row.completed_at)
        except IntegrityError:  # the same key arrived twice at once: the other request bound it; read it
            if attempt:
                raise
            continue
        if record.fingerprint != fingerprint:
            raise KeyReused(key)
        return record
    raise AssertionError("unreachable")


def answered(sessions: SessionFactory, principal: str, issue_id: str, key: str, run_id: str | None,
             now: datetime | None = None) -> None:
    """Record that the key's update answered, in run ``run_id``."""
    with transaction(sessions) as session:
        session.execute(update(models.ActionKey)
                        .where(*_where(principal, issue_id, key), models.ActionKey.completed_at.is_(None))
                        .values(run_id=run_id, completed_at=now or datetime.now(UTC)))
