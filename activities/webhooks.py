"""Delivering webhooks: one POST per attempt (Temporal retries it with backoff), then the record of how it went."""

from __future__ import annotations

import httpx
import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

from store.db import SessionFactory, transaction
from store.webhooks import DELIVERED, dead_letter, outgoing, record_attempt

log = structlog.get_logger(__name__)


class WebhookActivities:
    def __init__(self, sessions: SessionFactory, timeout_s: float = 10.0) -> None:
        self.sessions = sessions
        self.timeout_s = timeout_s

    @activity.defn(name="deliver_webhook")
    def deliver(self, delivery_id: str) -> None:
        """POST once; a non-2xx answer, a timeout or a refused connection fails this attempt (Temporal retries)."""
        with self.sessions() as session:
            out = outgoing(session, delivery_id)
        if out.status == DELIVERED:
            return  # an earlier attempt got through but its record raced a retry
        error: str | None = None
        try:
            resp = httpx.post(out.url, content=out.body, headers=out.headers, timeout=self.timeout_s)
            if resp.status_code >= 300:
                error = f"HTTP {resp.status_code}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        with transaction(self.sessions) as session:
            record_attempt(session, delivery_id, error)
        if error is not None:
            log.info("webhook_attempt_failed", delivery_id=delivery_id, error=error)
            raise ApplicationError(f"webhook {delivery_id}: {error}", type="WebhookFailed")

    @activity.defn(name="dead_letter_webhook")
    def dead_letter(self, delivery_id: str) -> None:
        with transaction(self.sessions) as session:
            dead_letter(session, delivery_id)
        log.warning("webhook_dead_lettered", delivery_id=delivery_id)
