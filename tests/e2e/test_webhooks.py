"""Webhooks against a local receiver that fails, times out and answers late: every notice delivered, none
applied twice (the receiver dedups by Idempotency-Key), a dead letter after the bound, and a replay."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from temporalio.testing import WorkflowEnvironment

from core.settings import Settings
from store import webhooks
from store.db import make_engine, session_factory, transaction
from tests import sample_city
from tests.driver import Driver, report
from tests.scenarios import HEATING, evaluate_all, finish_handling, route_and_check_in, whistle_to_dispatch
from worker import build_worker, pump_webhooks


class Receiver:
    """/flaky: 500, then too slow, then 200, per delivery; /down: 500 until ``fixed``."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()  # requests per Idempotency-Key
        self.applied: list[str] = []  # keys taken in, once each
        self.bodies: dict[str, tuple[bytes, str]] = {}
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
                    receiver.bodies[key] = (body, self.headers["X-Whistle-Signature"])
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
                        webhook_first_retry_s=0.2, webhook_max_retry_s=0.5, webhook_timeout_s=0.5)
    sessions = session_factory(make_engine(workflow_db_url))
    with transaction(sessions) as session:
        sample_city.load_into(session)
        flaky = webhooks.subscribe(session, "hotline@qh", f"{receiver.url}/flaky", ["*"])
        down = webhooks.subscribe(session, "hotline@qh", f"{receiver.url}/down", ["result"])
    queue = f"hooks-{time.monotonic_ns()}"
    stop = asyncio.Event()
    async with build_worker(local_env.client, settings, executor, task_queue=queue, sessions=sessions):
        pump = asyncio.create_task(pump_webhooks(local_env.client, settings, sessions, stop, queue, every_s=0.2))
        try:
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
        finally:
            stop.set()
            await pump
    assert sorted(receiver.applied) == sorted({x.id for x in to_flaky} | {x.id for x in dead})
    assert len(receiver.applied) == len(set(receiver.applied)) == 5  # none applied twice
    body, signature = receiver.bodies[to_flaky[0].id]
    assert webhooks.verify(flaky.secret or "", body, signature)
