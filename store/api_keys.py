"""Integrations' API keys (Open311's ``api_key``): ``<id>.<secret>``, the secret kept only as a SHA-256 hash.

``whistle api-key create PRINCIPAL [--days N]`` prints a new key once; it expires after N days (a year unless
told), and ``whistle api-key revoke KEY_ID`` ends it sooner.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from store import models


class ApiKeyError(ValueError):
    """Raised when a key cannot be created or revoked (unknown principal, not an integration, unknown id)."""


#: how long a key lives unless told otherwise (and how long the keys made before keys expired live)
DEFAULT_LIFETIME = timedelta(days=365)
LONGEST_LIFETIME = timedelta(days=3 * 365)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create(session: Session, principal_id: str, lifetime: timedelta = DEFAULT_LIFETIME) -> str:
    """A new key for an integration principal; the only time its secret is seen."""
    if not timedelta(days=1) <= lifetime <= LONGEST_LIFETIME:
        raise ApiKeyError(f"a key lives from 1 to {LONGEST_LIFETIME.days} days")
    principal = session.get(models.Principal, principal_id)
    if principal is None:
        raise ApiKeyError(f"no principal {principal_id!r}")
    if "integration" not in principal.roles.split(","):
        raise ApiKeyError(f"{principal_id} is not an integration; API keys are for systems that file issues")
    key_id, secret = f"k{secrets.token_hex(6)}", secrets.token_urlsafe(24)
    now = datetime.now(UTC)
    session.add(models.ApiKey(id=key_id, principal_id=principal_id, secret_hash=_hash(secret),
                              created_at=now, revoked_at=None, expires_at=now + lifetime))
    session.flush()
    return f"{key_id}.{secret}"


def revoke(session: Session, key_id: str) -> None:
    row = session.get(models.ApiKey, key_id)
    if row is None:
        raise ApiKeyError(f"no API key {key_id!r}")
    if row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
        session.flush()


def principal_for(session: Session, key: str, now: datetime | None = None) -> str | None:
    """The principal a key belongs to, or None for a malformed, unknown, revoked or expired key."""
    key_id, _, secret = key.partition(".")
    row = session.get(models.ApiKey, key_id) if key_id and secret else None
    if row is None or row.revoked_at is not None:
        return None
    if (now or datetime.now(UTC)) >= (row.expires_at or row.created_at + DEFAULT_LIFETIME):
        return None
    return row.principal_id if hmac.compare_digest(row.secret_hash, _hash(secret)) else None
