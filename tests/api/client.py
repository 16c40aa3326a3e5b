"""Driving the API in tests: tokens for sample principals, an issue walked over HTTP only, and the problem
details it answers with."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx

from api.app import create_app
from api.auth import TokenService
from api.deps import Services
from domain.organisation import Role
from tests import sample_city

GRID = "qh.hd.cy.c1.g1"
RESIDENT = f"resident1@{GRID}"
WORKER = f"grid_worker@{GRID}"
OTHER_GRID = "qh.hd.cy.c2.g1"  # same street, another community: outside the grid worker's jurisdiction
HEATING = "qh.hd.dept.heating"
STREET = "qh.hd.cy"
#: the tests' signing secret: the placeholder's tokens count only on the API's own machine, and the in-process
#: client calls from "whistle.test"
TEST_SECRET = "tests-sign-with-this-not-the-placeholder"
PROBLEM = "application/problem+json"


def report_body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"title": "暖气不热 radiator cold", "description": "Cold for three days in flat 3-201.",
                            "matter_code": "heating.no_heat", "grid_id": GRID, "address": "东苑小区3号楼201"}
    body.update(over)
    return body


def expect_problem(resp: httpx.Response, status: int) -> dict[str, Any]:
    """The problem detail ``resp`` must be: this status, ``application/problem+json``, a type and a title."""
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == PROBLEM, resp.headers
    body: dict[str, Any] = resp.json()
    assert body["status"] == status and body["type"].startswith("/problems/") and body["title"]
    return body


def error_fields(problem: dict[str, Any]) -> list[str]:
    """The fields a problem detail's ``errors`` name."""
    return [e["field"] for e in problem.get("errors") or []]


class Api:
    """An HTTP client that can speak as any sample principal."""

    def __init__(self, http: httpx.AsyncClient, tokens: TokenService) -> None:
        self.http = http
        self.tokens = tokens
        self._cache: dict[str, str] = {}

    def auth(self, principal_id: str) -> dict[str, str]:
        if principal_id not in self._cache:
            self._cache[principal_id] = self.tokens.issue(principal_id)
        return {"Authorization": f"Bearer {self._cache[principal_id]}"}

    async def get(self, path: str, who: str, **kw: Any) -> httpx.Response:
        headers = {**self.auth(who), **kw.pop("headers", {})}
        return await self.http.get(path, headers=headers, **kw)

    async def post(self, path: str, who: str, json: Any = None, **kw: Any) -> httpx.Response:
        headers = {**self.auth(who), **kw.pop("headers", {})}
        return await self.http.post(path, headers=headers, json=json, **kw)

    async def delete(self, path: str, who: str, **kw: Any) -> httpx.Response:
        headers = {**self.auth(who), **kw.pop("headers", {})}
        return await self.http.delete(path, headers=headers, **kw)

    async def report(self, who: str = RESIDENT, **over: Any) -> dict[str, Any]:
        resp = await self.post("/v1/issues", who, report_body(**over))
        assert resp.status_code == 201, resp.text
        issue: dict[str, Any] = resp.json()
        return issue

    async def settled(self, issue_id: str, who: str = "supervisor@qh") -> dict[str, Any]:
        """The issue once the read model holds all its events (bounded wait)."""
        for _ in range(200):
            resp = await self.get(f"/v1/issues/{issue_id}", who)
            view: dict[str, Any] = resp.json()
            if view["projected_seq"] >= view["last_seq"]:
                return view
            await asyncio.sleep(0.05)
        raise AssertionError(f"issue {issue_id} was not projected in time")


@dataclass
class Walk:
    """One issue walked through its steps over HTTP, as the principals each task names."""

    api: Api
    issue_id: str
    view: dict[str, Any]

    def task(self, kind: str, unit_id: str | None = None) -> dict[str, Any]:
        for t in self.view["open_tasks"]:
            if t["kind"] == kind and (unit_id is None or t["unit_id"] == unit_id):
                return t  # type: ignore[no-any-return]
        raise LookupError(f"no open {kind} task; open: {[t['kind'] for t in self.view['open_tasks']]}")

    @staticmethod
    def principal_for(task: dict[str, Any]) -> str:
        if task["principal_id"]:
            return str(task["principal_id"])
        org = sample_city.organisation()
        roles = {Role(r) for r in task["roles"]}
        for p in org.principals.values():
            if p.unit_id == task["unit_id"] and roles & set(p.roles):
                return p.id
        raise LookupError(f"no principal for {task}")

    async def act(self, kind: str, action: str, data: dict[str, Any] | None = None, *, unit_id: str | None = None,
                  who: str | None = None) -> dict[str, Any]:
        task = self.task(kind, unit_id)
        resp = await self.api.post(f"/v1/issues/{self.issue_id}/actions", who or self.principal_for(task),
                                   {"task_id": task["task_id"], "action": action, "data": data or {}})
        assert resp.status_code == 200, resp.text
        self.view = resp.json()
        return self.view


async def walk_to_handling(api: Api, **over: Any) -> Walk:
    issue = await api.report(**over)
    w = Walk(api, issue["issue_id"], issue)
    await w.act("verify", "whistle", {"kind": "daily", "note": "供热办 must come"})
    await w.act("approve_whistle", "approve")
    await w.act("dispatch", "route", {"unit_ids": [HEATING, STREET]})
    await w.act("report", "check_in", unit_id=HEATING)
    await w.act("report", "check_in", unit_id=STREET)
    await w.act("consult", "conclude", {"lead_unit_id": HEATING, "co_unit_ids": [STREET], "list_type": "immediate",
                                        "minutes": "heating leads"})
    return w


async def walk_to_closed(w: Walk) -> dict[str, Any]:
    await w.act("assist", "complete", {"result": "residents informed"})
    await w.act("handle", "complete", {"result": "valve replaced"})
    await w.act("verify_result", "accept")
    while any(t["kind"] == "evaluate" for t in w.view["open_tasks"]):
        await w.act("evaluate", "rate", {"rating": "satisfied"})
    return w.view


async def post_action(api: Api, issue_id: str, who: str, body: dict[str, Any],
                      key: str | None = None) -> httpx.Response:
    """``POST /v1/issues/{issue_id}/actions`` as ``who``, with an ``Idempotency-Key`` when given."""
    headers = {"Idempotency-Key": key} if key else {}
    return await api.post(f"/v1/issues/{issue_id}/actions", who, body, headers=headers)


@contextlib.asynccontextmanager
async def api_client(services: Services, address: str = "127.0.0.1") -> AsyncIterator[Api]:
    """An :class:`Api` on an app of its own over ``services``, called in-process from the client ``address``."""
    transport = httpx.ASGITransport(app=create_app(services=services), client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://whistle.test", timeout=60) as http:
        yield Api(http, services.tokens)
