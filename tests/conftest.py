"""Test servers: Temporal's time-skipping server for long timers, a local dev server end to end.

Both are the real thing, started from the wheels the project depends on; each test runs its own worker
on its own task queue.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from tests.driver import STARTED
from whistle.binaries import temporal_cli, temporal_test_server
from whistle.settings import Settings
from whistle.temporal import DATA_CONVERTER
from worker import build_worker
from workflows import search_attributes as sa


async def _register_search_attributes(client: Client) -> None:
    kinds = {key.name: IndexedValueType.ValueType(key.indexed_value_type) for key in sa.ALL_KEYS}
    await client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(namespace=client.namespace, search_attributes=kinds))


#: the running time-skipping environment, for tests that move its clock
TIMESKIP: dict[str, WorkflowEnvironment] = {}


@pytest.fixture(scope="session")
async def timeskip_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=temporal_test_server(), data_converter=DATA_CONVERTER)
    await _register_search_attributes(env.client)
    TIMESKIP["env"] = env
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
async def local_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(), data_converter=DATA_CONVERTER, search_attributes=list(sa.ALL_KEYS),
        dev_server_log_level="error")
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
def executor() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=8)


@pytest.fixture
def settings() -> Settings:
    return Settings(calendar_overrides="", time_scale=1.0)


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


async def _terminate_started() -> None:
    while STARTED:
        handle = STARTED.pop()
        with contextlib.suppress(RPCError):  # already closed
            await handle.terminate("test finished")
