"""The console's own routes (``/console/api``) and the static files under ``/console``, in-process, without
Temporal: the sign-in of the embedded mode, refused in production; the single-page fallback; the 503 page
while the console is not built; and the saved ``console/openapi.json`` the console's types come from."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from api.app import build_services, create_app
from api.routes import console_files
from core.settings import Settings
from store.directory_cache import DirectoryCache
from tests import sample_city

ROOT = Path(__file__).resolve().parents[2]
GRID_WORKER = "grid_worker@qh.hd.cy.c1.g1"


async def _client(settings: Settings, base_url: str = "http://whistle.test") -> AsyncIterator[httpx.AsyncClient]:
    # the sample city as the directory (these tests need no read model)
    app = create_app(services=build_services(settings, None, directory=DirectoryCache.fixed(sample_city.directory())))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url) as http:
        yield http


@pytest.fixture
async def embedded(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    # a browser on the API's own machine, as `make run` serves it
    async for http in _client(Settings(database_url=f"sqlite:///{tmp_path / 'r.db'}", rate_limit="1000/minute"),
                              "http://127.0.0.1:8000"):
        yield http


@pytest.fixture
async def production(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(mode="production", jwt_secret="a-production-secret-of-at-least-32-chars",
                        temporal_insecure_ok=True, allowed_hosts="whistle.test", rate_limit_storage="memory://",
                        database_url=f"sqlite:///{tmp_path / 'r.db'}", rate_limit="1000/minute")
    async for http in _client(settings):
        yield http


async def test_embedded_sign_in_lists_principals_and_signs_a_token(embedded: httpx.AsyncClient) -> None:
    config = (await embedded.get("/console/api/config")).json()
    assert config["mode"] == "embedded" and config["timezone"] == "Asia/Shanghai"
    assert config["temporal_ui_url"].endswith(":8233/namespaces/default/workflows")
    listed = (await embedded.get("/console/api/principals")).json()
    assert len(listed) == len([p for p in sample_city.directory().principals if p.active]) == 250
    worker = next(p for p in listed if p["id"] == GRID_WORKER)
    assert worker["roles"] == ["grid_worker"] and worker["unit_name"] and worker["level"] == "grid"

    resp = await embedded.post("/console/api/token", json={"principal_id": GRID_WORKER})
    assert resp.status_code == 200, resp.text
    token = resp.json()["token"]
    me = (await embedded.get("/console/api/me", headers={"Authorization": f"Bearer {token}"})).json()
    assert me["id"] == GRID_WORKER and me["community_id"] == "qh.hd.cy.c1" and me["roles"] == ["grid_worker"]

    unknown = await embedded.post("/console/api/token", json={"principal_id": "nobody@nowhere"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "principal_id"
    assert (await embedded.get("/console/api/me")).status_code == 401


async def test_production_refuses_the_embedded_sign_in(production: httpx.AsyncClient) -> None:
    assert (await production.get("/console/api/config")).json()["mode"] == "production"
    for resp in (await production.get("/console/api/principals"),
                 await production.post("/console/api/token", json={"principal_id": GRID_WORKER})):
        assert resp.status_code == 403
        assert resp.headers["content-type"].startswith("application/problem+json")


async def _files(dist: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    console_files.mount(app, dist)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://whistle.test") as http:
        yield http


async def test_console_files_fall_back_to_index_and_say_when_not_built(tmp_path: Path) -> None:
    async for http in _files(tmp_path / "missing"):
        resp = await http.get("/console/")
        assert resp.status_code == 503 and "npm run build" in resp.text
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>console</title>")
    (dist / "assets" / "app-1234.js").write_text("console.log(1)")
    async for http in _files(dist):
        assert (await http.get("/console/")).text.startswith("<!doctype html>")
        deep = await http.get("/console/issues/abc")
        assert deep.status_code == 200 and "console" in deep.text and deep.headers["cache-control"] == "no-cache"
        asset = await http.get("/console/assets/app-1234.js")
        assert asset.text == "console.log(1)" and "immutable" in asset.headers["cache-control"]
        assert (await http.get("/console/api/nothing")).status_code == 404


def test_the_consoles_saved_schema_is_the_apis() -> None:
    """``console/openapi.json`` is what the console's types are generated from (``npm run gen:api``): it must be
    the API's schema as it is, so the console and the API cannot drift."""
    saved = json.loads((ROOT / "console" / "openapi.json").read_text())
    assert saved == create_app(Settings()).openapi(), "run `npm run gen:api` in console/ and commit the result"


def test_the_consoles_saved_action_forms_are_the_apis() -> None:
    """The console's unit tests build action forms from ``console/tests/unit/forms.json``: the forms the API publishes
    (``GET /v1/actions``) as they are, so a test cannot pass on a form the API no longer has."""
    from api.routes.actions import forms

    saved = json.loads((ROOT / "console" / "tests" / "unit" / "forms.json").read_text())
    assert saved == forms(), "run `npm run gen:api` in console/ and commit the result"
