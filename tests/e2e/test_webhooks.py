"""Webhooks against a local receiver that fails, times out and answers late: every notice delivered, none
applied twice (the receiver dedups by Idempotency-Key), a dead letter after the bound, and a replay; each
delivery verified by the ``standardwebhooks`` package as a receiver would; a receiver that never answers
delays neither a report nor an action; an ended subscription gets nothing more."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy.orm import Session
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from core.settings import Settings
from store import models, webhooks
from store.db import SessionFactory, make_engine, session_factory, transaction
from tests import sample_city
from tests.api.servers import Silent
from tests.driver import Driver, report
from tests.scenarios import HEATING, evaluate_all, finish_handling, route_and_check_in, whistle_to_dispatch
from worker import build_webhook_worker, build_worker, pump_webhooks

LOOPBACK = "127.0.0.1/32"  # the receivers here are on-premises, as a hotline on the district's network is


class Receiver:
    """/flaky: 500, then too slow, then 200, per delivery; /down: 500 until ``fixed``."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()  # requests per Idempotency-Key
        self.applied: list[str] = []  # keys taken in, once each
        self.bodies: dict[str, tuple[bytes, dict[str, str]]] = {}
        self.fixed = False
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                key = self.headers["Idempotency-Key"]
                receiver.seen[key] += 1
                n = receiver.seen[key]
                if self.path == "/flaky" and n == 1:
                    return self._answer(500)
                if self.path == "/flaky" and n == 2:
                    time.sleep(1.5)  # longer than the sender waits
                if self.path == "/down" and not receiver.fixed:
                    return self._answer(500)
                if key not in receiver.applied:
                    receiver.applied.append(key)
                    receiver.bodies[key] = (body, dict(self.headers.items()))
                self._answer(200)

            def _answer(self, status: int) -> None:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    thread = threading.Thread(target=r.server.serve_forever, daemon=True)
    thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


async def test_every_notice_delivered_once_and_the_dead_one_replayed(
        local_env: WorkflowEnvironment, executor, workflow_db_url: str, receiver: Receiver) -> None:
    settings = Settings(database_url=workflow_db_url, calendar_overrides="", webhook_attempts=4,
                        webhook_first_retry_s=0.2, webhook_max_retry_s=0.5, webhook_timeout_s=0.5,
                        webhook_private_networks=LOOPBACK)
    sessions = session_factory(make_engine(workflow_db_url))
    with transaction(sessions) as session:
        sample_city.load_into(session)
        flaky = webhooks.subscribe(session, "hotline@qh", f"{receiver.url}/flaky", ["*"])
        down = webhooks.subscribe(session, "hotline@qh", f"{receiver.url}/down", ["result"])
    queue = f"hooks-{time.monotonic_ns()}"
    async with _delivering(local_env.client, settings, executor, sessions, queue, every_s=0.2):
        d = await Driver.start(local_env.client, queue, report(source="hotline", principal=None,
                                                              submitted_by="hotline@qh"))
        await whistle_to_dispatch(d)
        await route_and_check_in(d, [HEATING])
        await finish_handling(d)
        await d.act("verify_result", "accept")
        await evaluate_all(d)
        await d.result()

        def by_status() -> dict[str, list[webhooks.DeliveryOut]]:
            with sessions() as session:
                rows = webhooks.deliveries(session, "hotline@qh", None)
            out: dict[str, list[webhooks.DeliveryOut]] = {}
            for row in rows:
                out.setdefault(row.status, []).append(row)
            return out

        for _ in range(150):
            now = by_status()
            if not now.get("pending") and now.get("dead"):
                break
            await asyncio.sleep(0.2)
        to_flaky = [x for x in now.get("delivered", []) if x.subscription_id == flaky.id]
        dead = now.get("dead", [])
        # the hotline is asked to evaluate and told the answer and the close: 3 to /flaky, 2 results to /down
        assert len(to_flaky) == 3 and all(x.attempts == 3 for x in to_flaky)
        assert len(dead) == 2 and all(x.subscription_id == down.id and x.attempts == 4 for x in dead)
        receiver.fixed = True
        with transaction(sessions) as session:
            for x in dead:
                webhooks.replay(session, x.id)
        for _ in range(100):
            if len(by_status().get("delivered", [])) == 5:
                break
            await asyncio.sleep(0.2)
        assert len(by_status()["delivered"]) == 5
    assert sorted(receiver.applied) == sorted({x.id for x in to_flaky} | {x.id for x in dead})
    assert len(receiver.applied) == len(set(receiver.applied)) == 5  # none applied twice
    # verified as a receiver would, by the Standard Webhooks package, unmodified
    body, headers = receiver.bodies[to_flaky[0].id]
    payload = Webhook(flaky.secret or "").verify(body, headers)
    assert payload["delivery_id"] == to_flaky[0].id == headers["webhook-id"]
    with pytest.raises(WebhookVerificationError):  # another subscription's secret
        Webhook(down.secret or "").verify(body, headers)
    with pytest.raises(WebhookVerificationError):  # a body changed on the way
        Webhook(flaky.secret or "").verify(body.replace(b"}", b', "x": 1}'), headers)
    # a delivery captured ten minutes ago and replayed now fails its timestamp check
    with sessions() as session:
        captured = webhooks.outgoing(session, to_flaky[0].id, now=datetime.now(UTC) - timedelta(minutes=10))
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(flaky.secret or "").verify(captured.body, captured.headers)


@contextlib.asynccontextmanager
async def _delivering(client: Client, settings: Settings, executor: ThreadPoolExecutor, sessions: SessionFactory,
                      queue: str, every_s: float) -> AsyncIterator[None]:
    """The issues' worker, the deliveries' worker and the pump, on ``queue``, for the block's length."""
    stop = asyncio.Event()
    async with build_worker(client, settings, executor, task_queue=queue, sessions=sessions), \
            build_webhook_worker(client, settings, task_queue=queue, sessions=sessions):
        pump = asyncio.create_task(pump_webhooks(client, settings, sessions, stop, queue, every_s=every_s))
        try:
            yield
        finally:
            stop.set()
            await pump


async def _in_read_model(sessions: SessionFactory, issue_id: str) -> None:
    for _ in range(200):
        with sessions() as session:
            if session.get(models.Issue, issue_id) is not None:
                return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{issue_id} never reached the read model")


def _none_active(session: Session, principal: str) -> None:
    """The tests share one read model: end what an earlier test left subscribed."""
    for sub in webhooks.subscriptions(session, principal):
        if sub.active:
            webhooks.unsubscribe(session, principal, sub.id)


def _notices(sessions: SessionFactory, issue_id: str, count: int) -> int:
    """Notices for the hotline, written as the projection writes them (with their deliveries)."""
    queued = 0
    with transaction(sessions) as session:
        for n in range(count):
            note = models.Notification(issue_id=issue_id, seq=10_000 + n, audience="principal:hotline@qh",
                                       kind="result", text=f"notice {n}", created_at=datetime.now(UTC))
            session.add(note)
            session.flush()
            queued += webhooks.enqueue(session, note)
    return queued


async def test_a_receiver_that_never_answers_delays_no_report_and_no_action(
        local_env: WorkflowEnvironment, executor, workflow_db_url: str) -> None:
    settings = Settings(database_url=workflow_db_url, calendar_overrides="", webhook_attempts=2,
                        webhook_timeout_s=10, webhook_threads=2, webhook_private_networks=LOOPBACK)
    sessions = session_factory(make_engine(workflow_db_url))
    with Silent(hold_s=40) as silent:
        with transaction(sessions) as session:
            sample_city.load_into(session)
            _none_active(session, "hotline@qh")
            subs = [webhooks.subscribe(session, "hotline@qh", f"http://127.0.0.1:{silent.port}/hook/{n}", ["*"])
                    for n in range(settings.webhook_max_subscriptions)]
            with pytest.raises(webhooks.TooManySubscriptions):
                webhooks.subscribe(session, "hotline@qh", f"http://127.0.0.1:{silent.port}/one-more", ["*"])
        queue = f"blackhole-{time.monotonic_ns()}"
        async with _delivering(local_env.client, settings, executor, sessions, queue, every_s=0.1):
            try:
                first = report(source="hotline", principal=None, submitted_by="hotline@qh")
                await Driver.start(local_env.client, queue, first)
                await _in_read_model(sessions, first.issue_id)
                assert _notices(sessions, first.issue_id, 3) == 3 * len(subs)
                for _ in range(200):  # every delivery thread is held by the receiver that never answers
                    if silent.accepted >= settings.webhook_threads:
                        break
                    await asyncio.sleep(0.05)
                assert silent.accepted >= settings.webhook_threads
                # meanwhile the desk: a new report, its context, its deadlines, a whistle and a dispatch
                second = await Driver.start(local_env.client, queue, report())
                await whistle_to_dispatch(second)
                await route_and_check_in(second, [HEATING])
                ours = {s.id for s in subs}
                with sessions() as session:
                    rows = [r for r in webhooks.deliveries(session, "hotline@qh", None)
                            if r.subscription_id in ours]
                # all of it done while no delivery had yet given up on the silent receiver
                assert len(rows) == 30 and all(r.attempts == 0 and r.status == "pending" for r in rows)
            finally:
                for sub in subs:  # ending them ends the retries too
                    with transaction(sessions) as session:
                        webhooks.unsubscribe(session, "hotline@qh", sub.id)


async def test_an_ended_subscription_gets_nothing_more(
        local_env: WorkflowEnvironment, executor, workflow_db_url: str, receiver: Receiver) -> None:
    settings = Settings(database_url=workflow_db_url, calendar_overrides="", webhook_attempts=20,
                        webhook_first_retry_s=0.2, webhook_max_retry_s=0.3, webhook_timeout_s=1,
                        webhook_private_networks=LOOPBACK)
    sessions = session_factory(make_engine(workflow_db_url))
    with transaction(sessions) as session:
        sample_city.load_into(session)
        _none_active(session, "hotline@qh")
        down = webhooks.subscribe(session, "hotline@qh", f"{receiver.url}/down", ["*"])
    queue = f"ended-{time.monotonic_ns()}"
    async with _delivering(local_env.client, settings, executor, sessions, queue, every_s=0.1):
        rep = report(source="hotline", principal=None, submitted_by="hotline@qh")
        await Driver.start(local_env.client, queue, rep)
        await _in_read_model(sessions, rep.issue_id)
        _notices(sessions, rep.issue_id, 1)
        for _ in range(100):
            if sum(receiver.seen.values()) >= 2:
                break
            await asyncio.sleep(0.1)
        with transaction(sessions) as session:
            webhooks.unsubscribe(session, "hotline@qh", down.id)
        for _ in range(100):
            with sessions() as session:
                (row,) = [r for r in webhooks.deliveries(session, "hotline@qh", None)
                          if r.subscription_id == down.id]
            if row.status != "pending":
                break
            await asyncio.sleep(0.1)
        assert row.status == "dead" and row.last_error == "subscription-ended"
        seen = sum(receiver.seen.values())
        await asyncio.sleep(1.0)  # several retry intervals: no attempt follows
        assert sum(receiver.seen.values()) == seen and seen < 20
