"""What integrations and the API's callers leave behind: API keys (Open311), webhook subscriptions and their
deliveries, actions' idempotency keys, and the record of decrypted payloads."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base


class ApiKey(Base):
    """An integration's key for Open311: the id is public, the secret is kept only as a SHA-256 hash."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    principal_id: Mapped[str] = mapped_column(String(200), ForeignKey("principals.id"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]  # None: made before keys expired, so a year after created_at


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
