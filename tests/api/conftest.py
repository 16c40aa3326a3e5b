"""The API in-process (ASGI) over a real Temporal dev server and a real worker."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.app import build_services, create_app
from api.deps import Services
from core.settings import Settings
from store.db import make_engine, session_factory, transaction
from store.migrate import upgrade
from tests import sample_city
from tests.api.client import TEST_SECRET, Api
from worker import build_worker


@pytest.fixture(scope="session")
async def api_services(local_env: WorkflowEnvironment, executor: ThreadPoolExecutor,
                       tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Services]:
    url = f"sqlite:///{tmp_path_factory.mktemp('api') / 'whistle.db'}"
    upgrade(url)
    with transaction(session_factory(make_engine(url))) as session:
        sample_city.load_into(session)
    settings = Settings(jwt_secret=TEST_SECRET, allowed_hosts="whistle.test", database_url=url,
                        task_queue=f"api-{uuid.uuid4().hex[:8]}", rate_limit="100000/minute",
                        calendar_overrides="", directory_refresh_s=0)
    worker: Worker = build_worker(local_env.client, settings, executor, task_queue=settings.task_queue)
    async with worker:
        yield build_services(settings, local_env.client)


@pytest.fixture
async def api(api_services: Services) -> AsyncIterator[Api]:
    app = create_app(services=api_services)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://whistle.test",
                                 timeout=60) as http:
        yield Api(http, api_services.tokens)
