"""Outages answer problem details (``api/problems.py``), in bounded time, never a hang: the database away is a 503
with ``Retry-After`` within the connect timeout, and ``/healthz`` and the audit keep off the event loop's way while
it is; an issue that does not answer an action is a 504; the API starts without Temporal, says it is not ready,
answers 503 for what needs Temporal, and connects by itself once Temporal is back.

The database outages are real connection failures (a directory where SQLite expects a file, a closed
loopback port, a socket that never answers); Temporal "down" is a closed loopback port.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from temporalio import client, workflow
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import (
    HandleUpdateInput,
    Interceptor,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
)

from api.app import build_services, create_app
from api.auth import TokenService
from api.deps import Services
from core.settings import Settings
from domain.messages import issue_workflow_id
from tests.api.client import WORKER, Api, api_client, expect_problem, post_action, report_body
from tests.api.servers import Silent, free_port, serving
from tests.conftest import TEST_KEYS
from worker import build_worker


def _with_database(api_services: Services, url: str, **settings: Any) -> Services:
    changed = api_services.settings.model_copy(update={"database_url": SecretStr(url), **settings})
    # the directory as the process read it at start (a process keeps serving it while the database is away)
    return build_services(changed, api_services.client, directory=api_services.directory)


async def _outage_answers(api: Api) -> list[tuple[str, float, httpx.Response]]:
    out = []
    for path, who, params in (("/v1/issues", WORKER, {}), ("/v1/tasks", WORKER, {}),
                              ("/v1/stats", "supervisor@qh.hd", {"unit": "qh.hd", "month": "2026-11"}),
                              ("/v1/stats/ranking", "supervisor@qh.hd", {"level": "street"})):
        started = time.monotonic()
        resp = await api.get(path, who, params=params)
        out.append((path, time.monotonic() - started, resp))
    return out


async def test_a_database_outage_is_a_503_with_retry_after_not_a_500(api_services: Services, tmp_path: Path) -> None:
    broken = [f"sqlite:///{tmp_path}",  # a directory where the database file should be
              f"postgresql+psycopg2://whistle:pw@127.0.0.1:{free_port()}/whistle"]  # nobody listens
    for url in broken:
        async with api_client(_with_database(api_services, url)) as api:
            for path, _, resp in await _outage_answers(api):
                problem = expect_problem(resp, 503)
                assert problem["type"] == "/problems/unavailable" and int(resp.headers["retry-after"]) >= 1, path
                assert "pw" not in problem.get("detail", ""), problem  # no connection string in the answer


async def test_a_silent_database_holds_a_request_no_longer_than_the_connect_timeout(api_services: Services) -> None:
    with Silent(hold_s=8) as silent:
        url = f"postgresql+psycopg2://whistle:pw@127.0.0.1:{silent.port}/whistle"
        services = _with_database(api_services, url, db_connect_timeout_s=2)
        async with api_client(services) as api:
            answers = await asyncio.wait_for(_outage_answers(api), timeout=60)
            for path, took, resp in answers:
                expect_problem(resp, 503)
                assert took < 5, (path, took)
            started = time.monotonic()
            assert (await api.http.get("/healthz")).status_code == 200
            assert time.monotonic() - started < 1


async def test_an_audit_waiting_on_the_database_does_not_block_the_event_loop(api: Api, api_services: Services) -> None:
    issue = await api.report()
    with Silent(hold_s=4) as silent:
        url = f"postgresql+psycopg2://whistle:pw@127.0.0.1:{silent.port}/whistle"
        services = _with_database(api_services, url, db_connect_timeout_s=2)
        async with api_client(services) as slow:
            audit = asyncio.create_task(slow.get(f"/v1/issues/{issue['issue_id']}/audit", "supervisor@qh"))
            await asyncio.sleep(0.5)
            latencies = []
            while not audit.done():
                started = time.monotonic()
                assert (await slow.http.get("/healthz")).status_code == 200
                latencies.append(time.monotonic() - started)
                await asyncio.sleep(0.1)
            expect_problem(await audit, 503)
            assert latencies and max(latencies) < 0.5, latencies


class _StallUpdates(client.Interceptor, Interceptor):
    """A worker whose actions (``act`` updates) never finish (their handlers wait forever) while queries and the
    opening still answer: an issue that is alive but does not answer an action in time. (On a client, a worker
    interceptor reaches the workers built with that client.)"""

    def workflow_interceptor_class(self, input: WorkflowInterceptorClassInput) -> type[WorkflowInboundInterceptor]:
        return _StallingInbound


class _StallingInbound(WorkflowInboundInterceptor):
    async def handle_update_handler(self, input: HandleUpdateInput) -> Any:
        if input.update == "act":
            await workflow.wait_condition(lambda: False)
        return await super().handle_update_handler(input)


async def test_an_action_the_issue_does_not_answer_is_a_bounded_504_not_a_hang(api_services: Services,
                                                                               executor: ThreadPoolExecutor) -> None:
    queue = f"stall-{uuid.uuid4().hex[:8]}"
    settings = api_services.settings.model_copy(update={"update_timeout_s": 2.0, "task_queue": queue})
    services = build_services(settings, api_services.client, api_services.sessions)
    stalling = Client(**{**api_services.client.config(), "interceptors": [_StallUpdates()]})
    async with build_worker(stalling, settings, executor, task_queue=queue), api_client(services) as api:
        issue = await api.report()
        try:
            started = time.monotonic()
            problem = expect_problem(await post_action(api, issue["issue_id"], WORKER,
                                                       {"action": "comment", "data": {"text": "may arrive later"}},
                                                       "k-1"), 504)
            took = time.monotonic() - started
            assert problem["type"] == "/problems/timeout" and "Idempotency-Key" in problem["detail"]
            assert 1.5 < took < 10, took  # the 2 s the settings allow, and some slack for a busy machine
            live = (await api.get(f"/v1/issues/{issue['issue_id']}", WORKER)).json()
            assert live["last_seq"] == issue["last_seq"]  # the issue itself still answers
        finally:
            await api_services.client.get_workflow_handle(issue_workflow_id(issue["issue_id"])).terminate("test")


class Forwarder:
    """A loopback TCP forwarder, started late: Temporal "comes back" on the port the API was given."""

    def __init__(self, port: int, target: str) -> None:
        self.port = port
        self.host, _, target_port = target.rpartition(":")
        self.target_port = int(target_port)
        self.server: asyncio.Server | None = None
        self.pipes: set[asyncio.Task[None]] = set()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(self.host, self.target_port)
        for task in (asyncio.create_task(self._pipe(reader, up_writer)),
                     asyncio.create_task(self._pipe(up_reader, writer))):
            self.pipes.add(task)
            task.add_done_callback(self.pipes.discard)

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def stop(self) -> None:
        for task in list(self.pipes):
            task.cancel()
        await asyncio.gather(*self.pipes, return_exceptions=True)
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


async def test_the_api_starts_without_temporal_and_connects_once_it_is_back(local_env: WorkflowEnvironment,
                                                                           api_services: Services,
                                                                           tmp_path: Path) -> None:
    port = free_port()
    settings = Settings(temporal_address=f"127.0.0.1:{port}", database_url=api_services.settings.db_url,
                        data_dir=tmp_path, codec_keys=TEST_KEYS, task_queue=api_services.settings.task_queue)
    tokens = TokenService(settings)
    auth = {"Authorization": f"Bearer {tokens.issue(WORKER)}"}
    forwarder = Forwarder(port, local_env.client.service_client.config.target_host)
    try:
        async with serving(create_app(settings)) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
            assert (await http.get("/healthz")).status_code == 200
            ready = await http.get("/readyz")
            assert ready.status_code == 503 and ready.json()["checks"]["database"] == "ok", ready.text
            assert ready.json()["checks"]["temporal"] != "ok"
            started = time.monotonic()
            down = expect_problem(await http.get("/v1/issues/0123456789abcdef", headers=auth), 503)
            assert down["type"] == "/problems/unavailable" and time.monotonic() - started < 3
            expect_problem(await http.post("/v1/issues", headers=auth, json=report_body(reporter={"name": "李"})), 503)
            assert (await http.get("/v1/issues", headers=auth)).status_code == 200  # the read model still answers

            await forwarder.start()  # Temporal is back: the API connects by itself
            for _ in range(200):
                if (await http.get("/readyz")).status_code == 200:
                    break
                await asyncio.sleep(0.1)
            assert (await http.get("/readyz")).status_code == 200
            assert (await http.get("/v1/issues/0123456789abcdef", headers=auth)).status_code == 404
    finally:
        await forwarder.stop()
