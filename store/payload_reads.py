"""The record of decrypted payloads (DESIGN §9): each decode through the codec endpoint, who, when, how many
payloads, and the issues they speak of."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from store import models


def record(session: Session, principal_id: str, payloads: int, issue_ids: Sequence[str]) -> None:
    """One decode by ``principal_id``, now."""
    session.add(models.PayloadRead(principal_id=principal_id, at=datetime.now(UTC), payloads=payloads,
                                   issue_ids=",".join(issue_ids)))
