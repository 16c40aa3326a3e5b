"""Webhooks for integrations (a hotline that texts the resident): subscriptions, and the delivery outbox.

A delivery row is written in the projection's transaction, beside the notification it carries, so each
(notification, subscription) is delivered exactly once: the worker's pump starts one ``WebhookDelivery``
workflow per row (its id is the row's, so a second start is refused), Temporal retries the POST with
backoff, and after the last attempt the row is dead-lettered. ``replay`` sends a dead one again.

Deliveries are signed as Standard Webhooks are (https://www.standardwebhooks.com): ``webhook-id`` (the
delivery's id, the same on every attempt: receivers dedup by it), ``webhook-timestamp`` (when this attempt was
signed: receivers refuse old ones, so a captured delivery cannot be replayed later) and ``webhook-signature``,
``v1,<base64 HMAC-SHA256>`` over ``id.timestamp.body`` with the subscription's ``whsec_`` secret. During a
rotation's grace period both the new and the previous secret sign, space-separated.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from domain.notices import NoticeKind
from store import models

PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"
SECRET_PREFIX = "whsec_"
#: how long the previous secret still signs after a rotation, so the receiver can switch without losing one
ROTATION_GRACE = timedelta(hours=24)


class WebhookError(ValueError):
    """Raised for an unknown subscription or delivery, or one that is not the caller's."""


class TooManySubscriptions(WebhookError):
    """Raised when an integration already holds as many active subscriptions as it may."""


class SubscriptionOut(BaseModel):
    id: str
    url: str
    kinds: list[str]
    created_at: datetime
    active: bool
    secret: str | None = None  # shown once, when created


class DeliveryOut(BaseModel):
    id: str
    subscription_id: str
    notification_id: int
    status: str
    runs: int
    attempts: int
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None


class Outgoing(BaseModel):
    """What the delivery activity posts: the body, its signature, and where."""

    url: str
    body: bytes
    headers: dict[str, str]
    status: str
    active: bool  # the subscription still stands (ended ones get no more attempts)


def _kinds(kinds: Sequence[str]) -> str:
    unknown = [k for k in kinds if k != "*" and k not in NoticeKind.__members__]
    if unknown or not kinds:
        raise WebhookError(f"kinds: {', '.join(unknown) or 'none given'}; choose from {', '.join(NoticeKind)} or *")
    return ",".join(sorted(set(kinds)))


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def subscribe(session: Session, principal_id: str, url: str, kinds: Sequence[str],
              at_most: int = 10) -> SubscriptionOut:
    S = models.WebhookSubscription
    held = session.scalar(select(func.count()).select_from(S).where(S.principal_id == principal_id,
                                                                     S.active.is_(True))) or 0
    if held >= at_most:
        raise TooManySubscriptions(f"{principal_id} already holds {held} active subscriptions, the most allowed; "
                                   "end one first")
    row = models.WebhookSubscription(id=f"wh{secrets.token_hex(5)}", principal_id=principal_id, url=url,
                                     secret=new_secret(), kinds=_kinds(kinds),
                                     created_at=datetime.now(UTC), active=True)
    session.add(row)
    session.flush()
    return _out(row, with_secret=True)


def _out(row: models.WebhookSubscription, with_secret: bool = False) -> SubscriptionOut:
    return SubscriptionOut(id=row.id, url=row.url, kinds=row.kinds.split(","), created_at=row.created_at,
                           active=row.active, secret=row.secret if with_secret else None)


def subscriptions(session: Session, principal_id: str) -> list[SubscriptionOut]:
    rows = session.scalars(select(models.WebhookSubscription).where(
        models.WebhookSubscription.principal_id == principal_id).order_by(models.WebhookSubscription.created_at))
    return [_out(r) for r in rows]


def _own(session: Session, principal_id: str, subscription_id: str) -> models.WebhookSubscription:
    row = session.get(models.WebhookSubscription, subscription_id)
    if row is None or row.principal_id != principal_id:
        raise WebhookError(f"no subscription {subscription_id!r}")
    return row


def unsubscribe(session: Session, principal_id: str, subscription_id: str) -> None:
    """End a subscription: nothing more is sent, retries of deliveries under way included."""
    _own(session, principal_id, subscription_id).active = False
    session.flush()


def rotate(session: Session, principal_id: str, subscription_id: str, now: datetime | None = None) -> SubscriptionOut:
    """A new signing secret, shown once; the previous one signs beside it for :data:`ROTATION_GRACE`."""
    row = _own(session, principal_id, subscription_id)
    if not row.active:
        raise WebhookError(f"subscription {subscription_id} has ended")
    now = now or datetime.now(UTC)
    row.previous_secret, row.previous_until, row.secret = row.secret, now + ROTATION_GRACE, new_secret()
    session.flush()
    return _out(row, with_secret=True)


def _key(secret: str) -> bytes:
    """The HMAC key of a secret: a ``whsec_`` secret is base64 (as Standard Webhooks says); one made before
    those is its own bytes (rotate to get a ``whsec_`` one)."""
    if secret.startswith(SECRET_PREFIX):
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    return secret.encode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(_key(secret), f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def enqueue(session: Session, notification: models.Notification) -> int:
    """Deliveries for a new notification addressed to an integration with matching subscriptions."""
    if not notification.audience.startswith("principal:"):
        return 0
    principal_id = notification.audience.removeprefix("principal:")
    subs = session.scalars(select(models.WebhookSubscription).where(
        models.WebhookSubscription.principal_id == principal_id, models.WebhookSubscription.active.is_(True)))
    count = 0
    for sub in subs:
        kinds = sub.kinds.split(",")
        if "*" in kinds or notification.kind in kinds:
            session.add(models.WebhookDelivery(
                id=f"{notification.id}-{sub.id}", subscription_id=sub.id, notification_id=notification.id,
                status=PENDING, runs=0, attempts=0, last_error=None, created_at=datetime.now(UTC),
                started_at=None, finished_at=None))
            count += 1
    return count


def unstarted(session: Session, limit: int = 100) -> list[tuple[str, int]]:
    """Pending deliveries whose workflow run has not been started: (id, run number to start)."""
    rows = session.scalars(select(models.WebhookDelivery).where(
        models.WebhookDelivery.status == PENDING, models.WebhookDelivery.started_at.is_(None)).limit(limit))
    return [(r.id, r.runs + 1) for r in rows]


def mark_started(session: Session, delivery_id: str, run: int) -> None:
    row = session.get(models.WebhookDelivery, delivery_id)
    if row is not None and row.started_at is None:
        row.started_at, row.runs = datetime.now(UTC), max(row.runs, run)


def outgoing(session: Session, delivery_id: str, now: datetime | None = None) -> Outgoing:
    """What an attempt posts, signed now."""
    row = session.get(models.WebhookDelivery, delivery_id)
    if row is None:
        raise WebhookError(f"no delivery {delivery_id!r}")
    sub = session.get(models.WebhookSubscription, row.subscription_id)
    note = session.get(models.Notification, row.notification_id)
    if sub is None or note is None:
        raise WebhookError(f"delivery {delivery_id} lost its subscription or notification")
    payload: dict[str, Any] = {"delivery_id": row.id, "notification_id": note.id, "issue_id": note.issue_id,
                               "kind": note.kind, "text": note.text, "at": note.created_at.isoformat()}
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    now = now or datetime.now(UTC)
    stamp = int(now.timestamp())
    return Outgoing(url=sub.url, body=body, status=row.status, active=sub.active, headers={
        "Content-Type": "application/json", "Idempotency-Key": row.id, "webhook-id": row.id,
        "webhook-timestamp": str(stamp), "webhook-signature": signature(sub, row.id, stamp, body, now)})


def signature(sub: models.WebhookSubscription, message_id: str, stamp: int, body: bytes, now: datetime) -> str:
    """``webhook-signature``: by the subscription's secret, and by the previous one during a rotation's grace."""
    secrets_now = [sub.secret]
    if sub.previous_secret and sub.previous_until and sub.previous_until > now:
        secrets_now.append(sub.previous_secret)
    return " ".join(sign(s, message_id, stamp, body) for s in secrets_now)


def record_attempt(session: Session, delivery_id: str, error: str | None) -> None:
    row = session.get(models.WebhookDelivery, delivery_id)
    if row is None:
        return
    row.attempts += 1
    if error is None:
        row.status, row.finished_at, row.last_error = DELIVERED, datetime.now(UTC), None
    else:
        row.last_error = error[:1000]


def dead_letter(session: Session, delivery_id: str) -> None:
    row = session.get(models.WebhookDelivery, delivery_id)
    if row is not None and row.status == PENDING:
        row.status, row.finished_at = DEAD, datetime.now(UTC)


def deliveries(session: Session, principal_id: str | None, status: str | None) -> list[DeliveryOut]:
    D, S = models.WebhookDelivery, models.WebhookSubscription
    query = select(D).join(S, S.id == D.subscription_id)
    if principal_id is not None:
        query = query.where(S.principal_id == principal_id)
    if status is not None:
        query = query.where(D.status == status)
    return [DeliveryOut(id=d.id, subscription_id=d.subscription_id, notification_id=d.notification_id,
                        status=d.status, runs=d.runs, attempts=d.attempts, last_error=d.last_error,
                        created_at=d.created_at, finished_at=d.finished_at)
            for d in session.scalars(query.order_by(D.created_at.desc()).limit(500))]


def replay(session: Session, delivery_id: str) -> None:
    """A dead delivery goes again (a new workflow run); the receiver dedups by its Idempotency-Key."""
    row = session.get(models.WebhookDelivery, delivery_id)
    if row is None:
        raise WebhookError(f"no delivery {delivery_id!r}")
    if row.status != DEAD:
        raise WebhookError(f"delivery {delivery_id} is {row.status}; only dead ones are replayed")
    row.status, row.started_at, row.finished_at = PENDING, None, None


def ended(session: Session, delivery_id: str) -> None:
    """The subscription ended while the delivery waited: it is dead, and says why."""
    row = session.get(models.WebhookDelivery, delivery_id)
    if row is not None and row.status == PENDING:
        row.status, row.finished_at, row.last_error = DEAD, datetime.now(UTC), "subscription-ended"
