"""The API under hostile use (issue 9): each hole found, proven closed.

1. ``link_duplicate`` to an issue the caller may not see is a 404, exactly like a missing one;
2. staff file only for residents of their jurisdiction, and ``source`` follows the caller's role;
3. crafted input (datetimes beyond year 1–9999 in UTC, forged cursors, deep ``data``, lone surrogates)
   is a 422 problem detail, and an unexpected error is a 500 problem that keeps the connection;
4. an action's ``Idempotency-Key`` is bound to its body;
5. the placeholder secret beyond loopback, tokens that live too long, and token guessing are refused;
6. outages answer 503 / 504 problem details, in bounded time, and the API starts without Temporal.

The database outages are real connection failures (a directory where SQLite expects a file, a closed
loopback port, a socket that never answers); Temporal "down" is a closed loopback port.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import uvicorn
from fastapi import FastAPI, Request
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
from tests.api.client import GRID, RESIDENT, TEST_SECRET, Api, report_body
from tests.conftest import TEST_KEYS
from worker import build_worker

PROBLEM = "application/problem+json"
OTHER_GRID = "qh.hd.cy.c2.g1"  # same street, another community: outside the grid worker's jurisdiction
WORKER = f"grid_worker@{GRID}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _problem(resp: httpx.Response, status: int) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == PROBLEM, resp.headers
    body: dict[str, Any] = resp.json()
    assert body["status"] == status and body["type"].startswith("/problems/") and body["title"]
    return body


def _fields(problem: dict[str, Any]) -> list[str]:
    return [e["field"] for e in problem.get("errors") or []]


async def _act(api: Api, issue_id: str, who: str, body: dict[str, Any], key: str | None = None) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return await api.post(f"/v1/issues/{issue_id}/actions", who, body, headers=headers)


@contextlib.asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    """The app behind a real uvicorn on a free loopback port (lifespan included); yields its base URL."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical", lifespan="on"))

    async def run() -> None:
        with contextlib.suppress(SystemExit):  # uvicorn exits when the app's start-up fails
            await server.serve()

    task = asyncio.create_task(run())
    try:
        for _ in range(400):
            if server.started or task.done():
                break
            await asyncio.sleep(0.025)
        assert server.started, "the API did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(task, timeout=15)


class Silent:
    """A loopback TCP server that accepts connections and never says a word; each is closed after
    ``hold_s`` — a database host that is up but does not answer."""

    def __init__(self, hold_s: float) -> None:
        self.hold_s = hold_s
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port: int = self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        held: list[tuple[float, socket.socket]] = []
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError, OSError):
                conn, _ = self.sock.accept()
                held.append((time.monotonic() + self.hold_s, conn))
                self.accepted += 1
            now = time.monotonic()
            for item in [h for h in held if h[0] <= now]:
                item[1].close()
                held.remove(item)
        for _, conn in held:
            conn.close()

    def __enter__(self) -> Silent:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


def _with_database(api_services: Services, url: str, **settings: Any) -> Services:
    changed = api_services.settings.model_copy(update={"database_url": SecretStr(url), **settings})
    # the directory as the process read it at start (a process keeps serving it while the database is away)
    return build_services(changed, api_services.client, directory=api_services.directory)


@contextlib.asynccontextmanager
async def _client(services: Services, address: str = "127.0.0.1") -> AsyncIterator[Api]:
    transport = httpx.ASGITransport(app=create_app(services=services), client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://whistle.test", timeout=60) as http:
        yield Api(http, services.tokens)


# --- 1. link_duplicate --------------------------------------------------------------------------------


async def test_link_duplicate_to_an_issue_the_caller_may_not_see_is_404_like_a_missing_one(api: Api) -> None:
    mine = await api.report()
    theirs = await api.report(who=f"resident1@{OTHER_GRID}", grid_id=OTHER_GRID)
    missing = uuid.uuid4().hex[:16]

    outside = _problem(await _act(api, mine["issue_id"], WORKER,
                                  {"action": "link_duplicate", "data": {"issue_id": theirs["issue_id"]}}), 404)
    absent = _problem(await _act(api, mine["issue_id"], WORKER,
                                 {"action": "link_duplicate", "data": {"issue_id": missing}}), 404)
    assert outside["detail"].replace(theirs["issue_id"], "ID") == absent["detail"].replace(missing, "ID")
    assert {k: v for k, v in outside.items() if k != "detail"} == {k: v for k, v in absent.items() if k != "detail"}

    # nothing changed on either side: the other district's issue got no follower, mine is still open
    assert (await api.get(f"/v1/issues/{theirs['issue_id']}", "supervisor@qh")).json()["followers"] == []
    assert (await api.get(f"/v1/issues/{mine['issue_id']}", WORKER)).json()["status"] == "open"

    # a target the grid worker may see, still open, is linked as before
    original = await api.report(who=f"resident2@{GRID}")
    linked = await _act(api, mine["issue_id"], WORKER,
                        {"action": "link_duplicate", "data": {"issue_id": original["issue_id"]}})
    assert linked.status_code == 200, linked.text
    assert linked.json()["duplicate_of"] == original["issue_id"]
    assert (await api.get(f"/v1/issues/{original['issue_id']}", WORKER)).json()["followers"] == [mine["issue_id"]]

    # the follower follows the original's progress, but its filed report (description, address, point, photos)
    # stays its reporter's
    filed = f"/console/api/issues/{original['issue_id']}/report"
    assert (await api.get(filed, f"resident2@{GRID}")).status_code == 200
    assert (await api.get(f"/v1/issues/{original['issue_id']}", RESIDENT)).status_code == 200
    _problem(await api.get(filed, RESIDENT), 403)


# --- 2. filing for others -------------------------------------------------------------------------------


async def _source_of(api: Api, issue_id: str) -> str:
    await api.settled(issue_id)
    page = (await api.get("/v1/issues", "supervisor@qh", params={"q": issue_id})).json()
    (row,) = page["items"]
    return str(row["source"])


async def test_staff_file_only_for_residents_of_their_jurisdiction_and_source_follows_the_role(api: Api) -> None:
    far = f"resident1@{OTHER_GRID}"
    refused = _problem(await api.post("/v1/issues", WORKER, report_body(reporter={"name": "李", "principal_id": far})),
                       422)
    assert "reporter.principal_id" in _fields(refused)

    for who, source in ((WORKER, "resident"), (WORKER, "hotline"), ("supervisor@qh.hd", "resident"),
                        ("supervisor@qh.hd", "grid_worker"), ("hotline@qh", "resident"),
                        ("hotline@qh", "inspection")):
        wrong = _problem(await api.post("/v1/issues", who, report_body(reporter={"name": "李"}, source=source)), 422)
        assert _fields(wrong) == ["source"], (who, source, wrong)

    ok = [(WORKER, {"principal_id": RESIDENT}, None, "grid_worker"),
          (WORKER, {}, "grid_worker", "grid_worker"),
          ("supervisor@qh.hd", {"principal_id": RESIDENT}, None, "inspection"),
          ("hotline@qh", {"principal_id": far}, None, "hotline"),  # integrations may name any resident
          ("miniprogram@qh", {"principal_id": far}, "open311", "open311")]
    for who, reporter, asked, expected in ok:
        body = report_body(reporter={"name": "李", **reporter})
        if asked:
            body["source"] = asked
        resp = await api.post("/v1/issues", who, body)
        assert resp.status_code == 201, (who, resp.text)
        assert await _source_of(api, resp.json()["issue_id"]) == expected, who


# --- 3. crafted input -------------------------------------------------------------------------------------

BEYOND = ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"]


def _cursor(raw: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")


async def test_datetimes_beyond_the_calendar_in_utc_are_422(api: Api) -> None:
    cases: list[tuple[str, str, dict[str, str], str]] = []
    for value in BEYOND:
        for name in ("created_from", "created_to", "due_from", "due_to"):
            cases.append(("/v1/issues", WORKER, {name: value}, f"query.{name}"))
        cases.append(("/v1/tasks", WORKER, {"due_before": value}, "query.due_before"))
        fine = "2026-11-01T00:00:00+08:00"
        for path in ("/v1/stats", "/v1/stats/ranking"):
            params = {"unit": "qh.hd"} if path == "/v1/stats" else {"level": "street"}
            cases.append((path, "supervisor@qh.hd", {**params, "from": value, "to": fine}, "query.from"))
            cases.append((path, "supervisor@qh.hd", {**params, "from": fine, "to": value}, "query.to"))
    for path, who, params, field in cases:
        problem = _problem(await api.get(path, who, params=params), 422)
        assert field in _fields(problem), (path, params, problem)
    for value in BEYOND:  # Open311 speaks its own errors: a 400, never a 500
        for name in ("start_date", "end_date"):
            resp = await api.http.get("/open311/v2/requests.json", params={name: value})
            assert resp.status_code == 400 and name in resp.json()[0]["description"], (name, value, resp.text)
    # the edges of what is accepted work everywhere (in any zone they stay within the calendar)
    for low, high in (("0001-01-02T00:00:00Z", "9999-12-30T00:00:00Z"),
                      ("0001-01-02T05:00:00+05:00", "9999-12-29T19:00:00-05:00")):
        for path, who, params in (("/v1/issues", WORKER, {"created_from": low, "created_to": high, "due_from": low,
                                                         "due_to": high}),
                                  ("/v1/tasks", WORKER, {"due_before": high}),
                                  ("/v1/stats", "supervisor@qh.hd", {"unit": "qh.hd", "from": low, "to": high}),
                                  ("/v1/stats/ranking", "supervisor@qh.hd", {"level": "street", "from": low,
                                                                             "to": high})):
            resp = await api.get(path, who, params=params)
            assert resp.status_code == 200, (path, params, resp.text)


async def test_cursors_this_api_did_not_make_are_422(api: Api) -> None:
    forged = [
        {"s": "-created_at", "v": "2026-11-01T00:00:00", "id": "x"},  # naive
        {"s": "-created_at", "v": "0001-01-01T00:00:00+05:00", "id": "x"},  # beyond year 1 in UTC
        ["-created_at", "2026-11-01T00:00:00+00:00", "x"],  # a list
        {"s": "-created_at", "v": 20261101, "id": "x"},
        {"s": "-created_at", "v": "2026-11-01T00:00:00+00:00", "id": {"$gt": ""}},
        {"s": "-created_at", "v": "2026-11-01T00:00:00+00:00", "id": "x", "extra": 1},
        "just a string",
    ]
    for raw in forged:
        problem = _problem(await api.get("/v1/issues", WORKER, params={"cursor": _cursor(raw)}), 422)
        assert _fields(problem) == ["cursor"], (raw, problem)
        inbox_raw = {**raw, "s": "due_at"} if isinstance(raw, dict) else raw
        problem = _problem(await api.get("/v1/tasks", WORKER, params={"cursor": _cursor(inbox_raw)}), 422)
        assert _fields(problem) == ["cursor"], (inbox_raw, problem)
    for junk in ("!!!", "%%", "é", "AAAA"):
        _problem(await api.get("/v1/issues", WORKER, params={"cursor": junk}), 422)
    # the API's own cursors still page
    for _ in range(2):
        await api.report()
    first = (await api.get("/v1/issues", WORKER, params={"limit": 1})).json()
    second = await api.get("/v1/issues", WORKER, params={"limit": 1, "cursor": first["next_cursor"]})
    assert second.status_code == 200 and second.json()["items"][0]["issue_id"] != first["items"][0]["issue_id"]


def _nested(depth: int) -> dict[str, Any]:
    data: dict[str, Any] = {"text": "bottom"}
    for _ in range(depth):
        data = {"a": data}
    return data


async def test_deeply_nested_action_data_is_422(api: Api) -> None:
    issue = await api.report()
    for depth in (40, 300, 900):
        problem = _problem(await _act(api, issue["issue_id"], WORKER, {"action": "comment", "data": _nested(depth)}),
                           422)
        assert _fields(problem) == ["body.data"] and "deep" in problem["detail"], problem
    deep_list: Any = "x"
    for _ in range(300):
        deep_list = [deep_list]
    problem = _problem(await _act(api, issue["issue_id"], WORKER, {"action": "comment", "data": {"text": deep_list}}),
                       422)
    assert _fields(problem) == ["body.data"]
    assert (await api.get(f"/v1/issues/{issue['issue_id']}", WORKER)).json()["last_seq"] == issue["last_seq"]


async def test_a_lone_surrogate_in_a_text_is_422(api: Api) -> None:
    lone = "\\ud800"  # JSON's escape of half a UTF-16 pair: valid JSON, not a character
    body = json.dumps(report_body(title="PLACEHOLDER")).replace("PLACEHOLDER", f"cold {lone} radiator")
    problem = _problem(await api.post("/v1/issues", RESIDENT, None, content=body.encode(),
                                      headers={"content-type": "application/json"}), 422)
    assert _fields(problem) == ["body.title"]
    body = json.dumps(report_body(reporter={"name": "PLACEHOLDER"})).replace("PLACEHOLDER", lone)
    problem = _problem(await api.post("/v1/issues", "hotline@qh", None, content=body.encode(),
                                      headers={"content-type": "application/json"}), 422)
    assert _fields(problem) == ["body.reporter.name"]

    body = json.dumps(report_body(colour="red")).replace("colour", f"col{lone}our")  # in a field's name
    problem = _problem(await api.post("/v1/issues", RESIDENT, None, content=body.encode(),
                                      headers={"content-type": "application/json"}), 422)
    assert _fields(problem) == ["body"], problem

    issue = await api.report()
    for template in ('{"action": "comment", "data": {"text": "a LONE b"}}',
                     '{"action": "comment", "data": {"tLONExt": "a"}}', '{"action": "commLONEent", "data": {}}'):
        raw = template.replace("LONE", lone)
        problem = _problem(await api.post(f"/v1/issues/{issue['issue_id']}/actions", WORKER, None,
                                          content=raw.encode(), headers={"content-type": "application/json"}), 422)
        assert _fields(problem) in (["body.data"], ["body.action"]), problem
    # a surrogate pair is one ordinary character
    ok = await api.post(f"/v1/issues/{issue['issue_id']}/actions", WORKER, None,
                        content=b'{"action": "comment", "data": {"text": "\\ud83d\\ude00 fixed?"}}',
                        headers={"content-type": "application/json"})
    assert ok.status_code == 200, ok.text


async def test_an_unexpected_error_is_a_500_problem_and_the_connection_lives_on(api_services: Services) -> None:
    app = create_app(services=api_services)

    @app.get("/test/boom")
    async def boom() -> None:
        raise RuntimeError("a bug")

    @app.get("/test/port")
    async def port(request: Request) -> dict[str, int]:
        assert request.client is not None
        return {"port": request.client.port}

    async with serving(app) as url, httpx.AsyncClient(base_url=url, timeout=30,
                                                      limits=httpx.Limits(max_connections=1)) as http:
        api = Api(http, api_services.tokens)
        before = (await http.get("/test/port")).json()["port"]
        problem = _problem(await http.get("/test/boom"), 500)
        assert problem["type"] == "/problems/internal" and "a bug" not in json.dumps(problem)
        assert (await http.get("/test/port")).json()["port"] == before
        _problem(await api.get("/v1/issues", WORKER, params={"created_from": BEYOND[0]}), 422)
        _problem(await api.get("/v1/issues", WORKER, params={"cursor": _cursor([1, 2])}), 422)
        assert (await http.get("/test/port")).json()["port"] == before


# --- 4. an action's Idempotency-Key ---------------------------------------------------------------------


async def test_an_action_key_is_bound_to_its_body(api: Api) -> None:
    issue = await api.report()
    issue_id = issue["issue_id"]
    key = f"comment-{uuid.uuid4().hex}"
    body = {"action": "comment", "data": {"text": "called the heating office"}}
    first = await _act(api, issue_id, WORKER, body, key)
    again = await _act(api, issue_id, WORKER, body, key)
    assert first.status_code == again.status_code == 200, (first.text, again.text)
    assert first.json() == again.json()

    other = _problem(await _act(api, issue_id, WORKER, {"action": "comment", "data": {"text": "something else"}},
                                key), 422)
    assert other["type"] == "/problems/idempotency-key-reused"
    task = next(t for t in issue["open_tasks"] if t["kind"] == "verify")
    other_action = {"task_id": task["task_id"], "action": "whistle", "data": {"kind": "daily", "note": "x"}}
    _problem(await _act(api, issue_id, WORKER, other_action, key), 422)

    live = (await api.get(f"/v1/issues/{issue_id}", WORKER)).json()
    assert live["last_seq"] == first.json()["last_seq"] and live["step"] == "discovery"
    await api.settled(issue_id)
    audit = (await api.get(f"/v1/issues/{issue_id}/audit", "supervisor@qh")).json()
    comments = [e for e in audit["timeline"] if "called the heating office" in json.dumps(e["data"])]
    assert len(comments) == 1 and not any("something else" in json.dumps(e["data"]) for e in audit["timeline"])
    # the same key on another issue, or by another person, is another request
    assert (await _act(api, issue_id, f"grid_worker2@{GRID}", {"action": "comment", "data": {"text": "x"}},
                       key)).status_code == 200


# --- 5. secrets and tokens ------------------------------------------------------------------------------


def test_the_placeholder_secret_is_refused_beyond_loopback_even_embedded(capsys: pytest.CaptureFixture[str]) -> None:
    for host in ("0.0.0.0", "192.168.1.20", "::", "whistle.example.org"):
        with pytest.raises(RuntimeError, match="placeholder"):
            create_app(Settings(api_host=host))
    for host in ("127.0.0.1", "127.8.0.1", "::1", "localhost"):
        assert create_app(Settings(api_host=host)) is not None
    assert create_app(Settings(api_host="0.0.0.0", jwt_secret="s" * 40)) is not None

    from whistle.serve import serve_api

    assert serve_api(Settings(api_host="0.0.0.0")) == 2
    assert "WHISTLE_JWT_SECRET" in capsys.readouterr().err


async def test_tokens_that_live_too_long_are_refused(api: Api) -> None:
    now = datetime.now(UTC)

    def signed(**claims: Any) -> dict[str, str]:
        token = jwt.encode({"sub": RESIDENT, "iss": "whistle", "aud": "whistle-api", **claims}, TEST_SECRET,
                           algorithm="HS256")
        return {"Authorization": f"Bearer {token}"}

    long_lived = [signed(iat=now, exp=now + timedelta(hours=13)),
                  signed(exp=now + timedelta(days=30)),  # no iat: judged from now
                  signed(iat=now - timedelta(days=1), exp=now + timedelta(hours=1)),
                  signed(iat=now)]  # no exp
    for headers in long_lived:
        _problem(await api.http.get("/v1/matters", headers=headers), 401)
    for headers in (signed(iat=now - timedelta(hours=1), exp=now + timedelta(hours=11)),
                    signed(exp=now + timedelta(hours=2)), api.auth(RESIDENT)):
        assert (await api.http.get("/v1/matters", headers=headers)).status_code == 200
    with pytest.raises(ValueError, match="longest"):
        api.tokens.issue(RESIDENT, ttl=timedelta(hours=13))


async def test_bad_tokens_are_throttled_per_client_address(api_services: Services) -> None:
    settings = api_services.settings.model_copy(update={"auth_failure_limit": "3/minute"})
    services = build_services(settings, api_services.client, api_services.sessions)
    async with _client(services, "10.0.0.7") as guesser, _client(services, "10.0.0.8") as neighbour:
        for _ in range(3):
            _problem(await guesser.http.get("/v1/matters", headers={"Authorization": "Bearer guess"}), 401)
        throttled = _problem(await guesser.http.get("/v1/matters", headers={"Authorization": "Bearer guess"}), 429)
        assert 1 <= int((await guesser.http.get("/v1/matters", headers={"Authorization": "Bearer g"})
                         ).headers["retry-after"]) <= 60, throttled
        # a token that verifies is never refused (behind a proxy the guesser may share an address with the desk)
        assert (await guesser.get("/v1/matters", RESIDENT)).status_code == 200
        assert (await neighbour.get("/v1/matters", RESIDENT)).status_code == 200
        assert (await neighbour.http.get("/v1/matters")).status_code == 401  # no token: not a guess


# --- 6. outages -------------------------------------------------------------------------------------------


async def _outage_answers(api: Api) -> list[tuple[str, float, httpx.Response]]:
    out = []
    for path, who, params in (("/v1/issues", WORKER, {}), ("/v1/tasks", WORKER, {}),
                              ("/v1/stats", "supervisor@qh.hd", {"unit": "qh.hd", "month": "2026-11"}),
                              ("/v1/stats/ranking", "supervisor@qh.hd", {"level": "street"})):
        started = time.monotonic()
        resp = await api.get(path, who, params=params)
        out.append((path, time.monotonic() - started, resp))
    return out


async def test_a_database_outage_is_503_with_retry_after(api_services: Services, tmp_path: Path) -> None:
    broken = [f"sqlite:///{tmp_path}",  # a directory where the database file should be
              f"postgresql+psycopg2://whistle:pw@127.0.0.1:{_free_port()}/whistle"]  # nobody listens
    for url in broken:
        async with _client(_with_database(api_services, url)) as api:
            for path, _, resp in await _outage_answers(api):
                problem = _problem(resp, 503)
                assert problem["type"] == "/problems/unavailable" and int(resp.headers["retry-after"]) >= 1, path
                assert "pw" not in problem.get("detail", ""), problem  # no connection string in the answer


async def test_a_database_that_does_not_answer_costs_at_most_the_connect_timeout(api_services: Services) -> None:
    with Silent(hold_s=8) as silent:
        url = f"postgresql+psycopg2://whistle:pw@127.0.0.1:{silent.port}/whistle"
        services = _with_database(api_services, url, db_connect_timeout_s=2)
        async with _client(services) as api:
            answers = await asyncio.wait_for(_outage_answers(api), timeout=60)
            for path, took, resp in answers:
                _problem(resp, 503)
                assert took < 5, (path, took)
            started = time.monotonic()
            assert (await api.http.get("/healthz")).status_code == 200
            assert time.monotonic() - started < 1


async def test_the_audit_does_not_block_the_event_loop(api: Api, api_services: Services) -> None:
    issue = await api.report()
    with Silent(hold_s=4) as silent:
        url = f"postgresql+psycopg2://whistle:pw@127.0.0.1:{silent.port}/whistle"
        services = _with_database(api_services, url, db_connect_timeout_s=2)
        async with _client(services) as slow:
            audit = asyncio.create_task(slow.get(f"/v1/issues/{issue['issue_id']}/audit", "supervisor@qh"))
            await asyncio.sleep(0.5)
            latencies = []
            while not audit.done():
                started = time.monotonic()
                assert (await slow.http.get("/healthz")).status_code == 200
                latencies.append(time.monotonic() - started)
                await asyncio.sleep(0.1)
            _problem(await audit, 503)
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


async def test_an_update_that_times_out_is_a_bounded_504(api_services: Services, executor: ThreadPoolExecutor) -> None:
    queue = f"stall-{uuid.uuid4().hex[:8]}"
    settings = api_services.settings.model_copy(update={"update_timeout_s": 2.0, "task_queue": queue})
    services = build_services(settings, api_services.client, api_services.sessions)
    stalling = Client(**{**api_services.client.config(), "interceptors": [_StallUpdates()]})
    async with build_worker(stalling, settings, executor, task_queue=queue), _client(services) as api:
        issue = await api.report()
        try:
            started = time.monotonic()
            problem = _problem(await _act(api, issue["issue_id"], WORKER,
                                          {"action": "comment", "data": {"text": "may arrive later"}}, "k-1"), 504)
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


async def test_the_api_starts_without_temporal_and_says_not_ready(local_env: WorkflowEnvironment,
                                                                 api_services: Services, tmp_path: Path) -> None:
    port = _free_port()
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
            down = _problem(await http.get("/v1/issues/0123456789abcdef", headers=auth), 503)
            assert down["type"] == "/problems/unavailable" and time.monotonic() - started < 3
            _problem(await http.post("/v1/issues", headers=auth, json=report_body(reporter={"name": "李"})), 503)
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

