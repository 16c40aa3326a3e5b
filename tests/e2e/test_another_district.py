"""A district that is not the sample city — other ids, names, shape and people, loaded from a workbook the way a
district loads its own — walks an issue end to end over HTTP with its own principals, and its figures and its
quarterly assessment are counted. The API in-process, a real worker, a real Temporal dev server."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from api.app import build_services, create_app
from core.settings import Settings
from domain.organisation import Level, Organisation, Role, UnitKind
from store import directory as store_directory
from store.db import make_engine, session_factory, transaction
from store.directory_files import read_workbook, to_workbook
from store.migrate import upgrade
from tests.api.client import TEST_SECRET
from tests.districts import small_district
from worker import build_worker

pytestmark = pytest.mark.e2e


class District:
    def __init__(self, http: httpx.AsyncClient, services: Any, org: Organisation) -> None:
        self.http, self.services, self.org = http, services, org

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.services.tokens.issue(who)}"}

    def person(self, unit_id: str, role: Role) -> str:
        found = [p.id for p in self.org.principals.values() if p.unit_id == unit_id and role in p.roles and p.active]
        assert found, (unit_id, role)
        return sorted(found)[0]

    async def act(self, view: dict[str, Any], kind: str, action: str, data: dict[str, Any] | None = None, *,
                  who: str | None = None, unit_id: str | None = None) -> dict[str, Any]:
        task = next(t for t in view["open_tasks"] if t["kind"] == kind and unit_id in (None, t["unit_id"]))
        actor = who or task["principal_id"] or self.person(task["unit_id"], Role(task["roles"][0]))
        resp = await self.http.post(f"/v1/issues/{view['issue_id']}/actions", headers=self.auth(actor),
                                    json={"task_id": task["task_id"], "action": action, "data": data or {}})
        assert resp.status_code == 200, resp.text
        answer: dict[str, Any] = resp.json()
        return answer


@pytest.fixture
async def district(local_env: WorkflowEnvironment, executor: ThreadPoolExecutor,
                   tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[District]:
    url = f"sqlite:///{tmp_path_factory.mktemp('district') / 'whistle.db'}"
    upgrade(url)
    with transaction(session_factory(make_engine(url))) as session:  # from a workbook, as a clerk keeps it
        applied = store_directory.load(session, read_workbook(to_workbook(small_district())), author="clerk",
                                       reason="going live", source="workbook")
    assert applied.version == 1
    settings = Settings(database_url=url, task_queue=f"district-{uuid.uuid4().hex[:8]}", calendar_overrides="",
                        rate_limit="100000/minute", jwt_secret=TEST_SECRET, allowed_hosts="district.test")
    async with build_worker(local_env.client, settings, executor, task_queue=settings.task_queue):
        services = build_services(settings, local_env.client)
        app = create_app(services=services)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://district.test",
                                     timeout=60) as http:
            yield District(http, services, services.organisation)


async def test_an_issue_walks_to_closed_in_a_district_that_is_not_the_sample(district: District) -> None:
    org = district.org
    assert not any(u.id.startswith("qh") for u in org.units.values())  # nothing of the sample city
    grid = sorted(u.id for u in org.units.values() if u.level is Level.grid and u.kind is UnitKind.territorial)[0]
    street = org.ladder(grid)[Level.street].id
    resident = district.person(grid, Role.resident)
    worker = district.person(grid, Role.grid_worker)
    matter = sorted(district.services.catalogue.matters.values(), key=lambda m: m.code)[0]
    department = next(u for u in org.routable(street) if u.kind is UnitKind.department)

    resp = await district.http.post("/v1/issues", headers=district.auth(resident), json={
        "title": "路灯不亮", "description": "小区门口路灯坏了三天", "matter_code": matter.code, "grid_id": grid,
        "address": "一号楼"})
    assert resp.status_code == 201, resp.text
    view = resp.json()
    view = await district.act(view, "verify", "whistle", {"kind": "daily", "note": "需要部门"}, who=worker)
    view = await district.act(view, "approve_whistle", "approve")
    view = await district.act(view, "dispatch", "route", {"unit_ids": [department.id]})
    view = await district.act(view, "report", "check_in")
    view = await district.act(view, "handle", "complete", {"result": "已修复"})
    view = await district.act(view, "verify_result", "accept", who=worker)
    while any(t["kind"] == "evaluate" for t in view["open_tasks"]):
        view = await district.act(view, "evaluate", "rate", {"rating": "satisfied"})
    assert view["status"] == "closed", view

    supervisor = district.person(org.ladder(grid)[Level.district].id, Role.supervisor)
    now = datetime.now(UTC).astimezone(district.services.settings.tz)
    month, quarter = f"{now:%Y-%m}", f"{now.year}-Q{(now.month - 1) // 3 + 1}"
    for _ in range(100):  # the read model a moment behind
        figures = (await district.http.get(f"/v1/stats?unit={department.id}&month={month}",
                                           headers=district.auth(supervisor))).json()
        if figures["received"]["numerator"] >= 1 and figures["resolution_rate"]["denominator"] >= 1:
            break
        await asyncio.sleep(0.1)
    assert figures["received"]["numerator"] == 1 and figures["resolution_rate"]["rate"] == 1.0, figures
    assessment = await district.http.get(f"/v1/assessments?period={quarter}&level=department",
                                         headers=district.auth(supervisor))
    assert assessment.status_code == 200, assessment.text
    row = next(r for r in assessment.json()["rows"] if r["unit_id"] == department.id)
    assert row["stats"]["received"]["numerator"] == 1 and row["unit_name"] == department.name
