"""Inquiries answered without dispatch (回复咨询): recorded by the unit that answered, read newest first.

They are counted in a territory's volumes (``inquiries_answered``, ``store/figures/volumes.py``), apart from issues.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import models


def record(session: Session, *, unit_id: str, principal_id: str, channel: str, question: str, answer: str,
           matter_code: str | None) -> models.Inquiry:
    """One inquiry answered now by ``unit_id``'s staff member ``principal_id``, committed."""
    row = models.Inquiry(id=uuid.uuid4().hex, unit_id=unit_id, principal_id=principal_id, at=datetime.now(UTC),
                         channel=channel, question=question, answer=answer, matter_code=matter_code)
    session.add(row)
    session.commit()
    return row


def answered_by(session: Session, unit_ids: Sequence[str], limit: int, start: datetime | None = None,
                end: datetime | None = None) -> Sequence[models.Inquiry]:
    """The inquiries these units answered (from ``start``, before ``end``), newest first, at most ``limit``."""
    Q = models.Inquiry
    query = select(Q).where(Q.unit_id.in_(unit_ids)).order_by(Q.at.desc(), Q.id).limit(limit)
    if start is not None:
        query = query.where(Q.at >= start)
    if end is not None:
        query = query.where(Q.at < end)
    return session.scalars(query).all()
