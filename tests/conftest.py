"""Test servers: Temporal's time-skipping server for long timers, a local dev server end to end.

Both are the real thing, started from the wheels the project depends on; each test runs its own worker
on its own task queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle, WorkflowQueryFailedError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from core.binaries import temporal_cli, temporal_test_server
from core.payload_codec import Keyring
from core.settings import Settings
from core.temporal import encrypted
from store.db import make_engine, session_factory, transaction
from store.migrate import upgrade
from tests import sample_city
from tests.driver import STARTED
from tests.pg import PostgresServer
from worker import build_worker
from workflows import ResidentIssue
from workflows import search_attributes as sa


async def _register_search_attributes(client: Client) -> None:
    kinds = {key.name: IndexedValueType.ValueType(key.indexed_value_type) for key in sa.ALL_KEYS}
    await client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(namespace=client.namespace, search_attributes=kinds))


#: the tests' Temporal clients seal every payload, as Whistle's do, with a key of this session
TEST_KEYS = Keyring.new_line()
TEST_CONVERTER = encrypted(Keyring.parse(TEST_KEYS))

#: the running time-skipping environment, for tests that move its clock
TIMESKIP: dict[str, WorkflowEnvironment] = {}


@pytest.fixture(scope="session")
async def timeskip_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=temporal_test_server(), data_converter=TEST_CONVERTER)
    await _register_search_attributes(env.client)
    TIMESKIP["env"] = env
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
async def local_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(), data_converter=TEST_CONVERTER, search_attributes=list(sa.ALL_KEYS),
        dev_server_log_level="error")
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
def executor() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=8)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    # not under pytest's private temp folder: the 'postgres' user must be able to reach it
    root = Path(tempfile.mkdtemp(prefix="whistle-pg-"))
    server = PostgresServer(root)
    try:
        server.init()
        server.start()
        yield server
        server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def workflow_db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The SQLite read model the workflow tests' workers project into, migrated once, with the sample city."""
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'whistle.db'}"
    upgrade(url)
    with transaction(session_factory(make_engine(url))) as session:
        sample_city.load_into(session)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each kind (not migrated)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'read.db'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.create_database(f"t_{uuid.uuid4().hex[:12]}")


@pytest.fixture
def settings(workflow_db_url: str) -> Settings:
    return Settings(calendar_overrides="", time_scale=1.0, database_url=workflow_db_url)


@pytest.fixture
async def ts_worker(timeskip_env: WorkflowEnvironment, executor: ThreadPoolExecutor,
                    settings: Settings) -> AsyncIterator[tuple[Client, str]]:
    queue = f"test-{uuid.uuid4().hex[:8]}"
    worker: Worker = build_worker(timeskip_env.client, settings, executor, task_queue=queue)
    async with worker:
        yield timeskip_env.client, queue
        await _terminate_started()


@pytest.fixture
async def local_worker(local_env: WorkflowEnvironment, executor: ThreadPoolExecutor,
                       settings: Settings) -> AsyncIterator[tuple[Client, str]]:
    queue = f"test-{uuid.uuid4().hex[:8]}"
    worker: Worker = build_worker(local_env.client, settings, executor, task_queue=queue)
    async with worker:
        yield local_env.client, queue
        await _terminate_started()


async def _projection_idle(handle: WorkflowHandle[Any, Any]) -> None:
    for _ in range(100):
        view = await handle.query(ResidentIssue.state, rpc_timeout=timedelta(seconds=2))
        if view.projected_seq >= view.last_seq:
            return
        await asyncio.sleep(0.05)


async def _terminate_started() -> None:
    """Terminate what the test left running, once its read-model projection is idle (an activity in
    flight at termination would hold the time-skipping server's clock). Closed issues are left alone:
    a query on them may need a worker that is already gone."""
    while STARTED:
        client, workflow_id = STARTED.pop()
        handle = client.get_workflow_handle(workflow_id)  # the latest run, after any continue-as-new
        try:
            desc = await handle.describe(rpc_timeout=timedelta(seconds=5))
        except RPCError:
            continue
        if desc.status != WorkflowExecutionStatus.RUNNING:
            continue
        with contextlib.suppress(TimeoutError, WorkflowQueryFailedError, RPCError):
            await asyncio.wait_for(_projection_idle(handle), timeout=10)
        with contextlib.suppress(RPCError):  # closed meanwhile
            await handle.terminate("test finished")


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """``whistle run`` in a temporary directory on free ports: the real stack, spoken to over HTTP."""
    from tests.e2e.live_stack import live_stack

    with live_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running
