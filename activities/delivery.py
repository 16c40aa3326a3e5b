"""Delivering webhooks: one POST per attempt (Temporal retries it with backoff), then the record of how it went.

Deliveries run on their own task queue with a small pool of their own (``WHISTLE_WEBHOOK_THREADS``), so a
receiver that never answers holds those threads and nothing of the desk's. Each attempt has one budget for
all of it (``WHISTLE_WEBHOOK_TIMEOUT_S``: resolving, connecting, sending, reading — a receiver that drips its
answer a byte at a time is cut off when the budget is spent), reads at most
:data:`MAX_RESPONSE_BYTES` of the answer, posts only to an address :mod:`core.egress` allows (checked as it is
resolved, and the one connected to), and records what went wrong as a class (``timeout``, ``http-503``…),
never a raw error a subscriber could use to map the network.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

import httpx
import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

from core.egress import Network, Refused, resolve
from store.db import SessionFactory, transaction
from store.webhooks import DELIVERED, Outgoing, ended, outgoing, record_attempt
from store.webhooks import dead_letter as dead_letter_row

log = structlog.get_logger(__name__)

#: the most of a receiver's answer that is read (its status is all that matters)
MAX_RESPONSE_BYTES = 64 * 1024


class WebhookActivities:
    def __init__(self, sessions: SessionFactory, timeout_s: float = 10.0, private: Sequence[Network] = ()) -> None:
        self.sessions = sessions
        self.timeout_s = timeout_s
        self.private = tuple(private)

    @activity.defn(name="deliver_webhook")
    async def deliver(self, delivery_id: str) -> None:
        """POST once; a non-2xx answer, a timeout or a refused connection fails this attempt (Temporal retries).
        A subscription ended meanwhile gets nothing more."""
        out = await asyncio.to_thread(self._outgoing, delivery_id)
        if out.status == DELIVERED:
            return  # an earlier attempt got through but its record raced a retry
        if not out.active:
            await asyncio.to_thread(self._write, ended, delivery_id)
            log.info("webhook_subscription_ended", delivery_id=delivery_id)
            return
        error = await self.post(out.url, out.body, out.headers)
        await asyncio.to_thread(self._write, record_attempt, delivery_id, error)
        if error is not None:
            log.info("webhook_attempt_failed", delivery_id=delivery_id, error=error)
            raise ApplicationError(f"webhook {delivery_id}: {error}", type="WebhookFailed")

    def _outgoing(self, delivery_id: str) -> Outgoing:
        with self.sessions() as session:
            return outgoing(session, delivery_id)

    def _write(self, change: Callable[..., None], *args: Any) -> None:
        with transaction(self.sessions) as session:
            change(session, *args)

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> str | None:
        """None when the receiver took it, else the class of what went wrong; all within ``timeout_s``."""
        try:
            async with asyncio.timeout(self.timeout_s):
                return await self._post(url, body, headers)
        except TimeoutError:
            return "timeout"

    async def _post(self, url: str, body: bytes, headers: dict[str, str]) -> str | None:
        try:
            target = await asyncio.to_thread(resolve, url, self.private)
        except Refused as exc:
            return exc.kind
        try:
            async with httpx.AsyncClient(timeout=self.timeout_s, follow_redirects=False, trust_env=False) as client:
                request = client.build_request("POST", target.pinned_url, content=body,
                                               headers={**headers, "Host": target.host_header},
                                               extensions={"sni_hostname": target.host})
                resp = await client.send(request, stream=True)
                try:
                    read = 0
                    async for chunk in resp.aiter_raw():
                        read += len(chunk)
                        if read > MAX_RESPONSE_BYTES:
                            break  # the status is in; the rest is not ours to wait for
                finally:
                    await resp.aclose()
                return None if 200 <= resp.status_code < 300 else f"http-{resp.status_code}"
        except httpx.TimeoutException:
            return "timeout"
        except httpx.ConnectError as exc:
            return "tls-failed" if "SSL" in str(exc) or "certificate" in str(exc) else "connection-failed"
        except httpx.HTTPError:
            return "protocol-error"

    @activity.defn(name="dead_letter_webhook")
    async def dead_letter(self, delivery_id: str) -> None:
        await asyncio.to_thread(self._write, dead_letter_row, delivery_id)
        log.warning("webhook_dead_lettered", delivery_id=delivery_id)
