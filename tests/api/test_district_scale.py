"""The desk works on a district the seeds' size (727 grids, 2,000 people, 208 matters) loaded from its workbook:
the map draws every grid, a grid worker's inbox and its queues answer, the catalogue and the routing are
there, and the streets are ranked. The API in-process on the read model (nothing here needs Temporal)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from api.app import build_services, create_app
from api.auth import TokenService
from core.settings import Settings
from domain.organisation import Level, Role, UnitKind
from store import directory as store_directory
from store.db import make_engine, session_factory, transaction
from store.directory_files import read_workbook, to_workbook
from store.migrate import upgrade
from tests.api.client import TEST_SECRET
from tests.districts import generate_district


@pytest.fixture(scope="module")
async def desk(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[httpx.AsyncClient, TokenService]]:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('seeds')) / 'whistle.db'}"
    upgrade(url)
    with transaction(session_factory(make_engine(url))) as session:
        store_directory.load(session, read_workbook(to_workbook(generate_district())), author="clerk",
                             reason="going live", source="workbook")
    services = build_services(Settings(jwt_secret=TEST_SECRET, database_url=url,
                                       rate_limit="100000/minute"), None)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(services=services)),
                                 base_url="http://127.0.0.1:8000", timeout=60) as http:  # sample sign-in: people
        yield http, services.tokens


def _as(tokens: TokenService, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.issue(who)}"}


async def test_the_map_the_inbox_the_catalogue_and_the_ranking_work_at_the_seeds_size(
        desk: tuple[httpx.AsyncClient, TokenService]) -> None:
    http, tokens = desk
    me = await http.get("/console/api/principals")
    people = {p["id"]: p for p in me.json()}
    assert len(people) == 2000
    supervisor = next(p["id"] for p in people.values() if p["level"] == "district" and "supervisor" in p["roles"])
    worker = next(p["id"] for p in people.values() if p["level"] == "grid" and "grid_worker" in p["roles"])

    answer = await http.get("/v1/grids.geojson", headers=_as(tokens, supervisor))
    assert answer.status_code == 200, answer.text
    grids = answer.json()
    assert len(grids["features"]) == 727
    inbox = await http.get("/v1/tasks", headers=_as(tokens, worker))
    assert inbox.status_code == 200 and inbox.json()["items"] == []
    queues = (await http.get("/v1/tasks/queues", headers=_as(tokens, worker))).json()
    assert queues["all"] == 0
    matters = (await http.get("/v1/matters", headers=_as(tokens, worker))).json()
    assert len(matters) == 208 and len({m["category"] for m in matters}) == 17
    all_units = (await http.get("/v1/units", headers=_as(tokens, supervisor))).json()
    streets = [u["id"] for u in all_units if u["level"] == Level.street and u["kind"] == UnitKind.territorial]
    assert len(streets) == 10
    ranking = await http.get("/v1/stats/ranking?level=street&month=2026-11",
                             headers=_as(tokens, supervisor))
    assert ranking.status_code == 200, ranking.text
    assert sorted(r["unit_id"] for r in ranking.json()) == sorted(streets)
    assert any(Role.administrator.value in p["roles"] for p in people.values())
