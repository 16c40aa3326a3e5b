"""Crafted input gets a clear 4xx, never a 500 (issue 20, items 11 and 12): years at the calendar's ends and
datetimes beyond them in UTC, ids past a 64-bit integer, cursors this API did not make, action data nested too
deep, control characters and lone surrogates in text (which would make the Open311 XML feed unparseable for
everyone). A bug is a 500 problem that tells nothing, and no answer, 4xx or 500, costs the client its connection
(over a real uvicorn)."""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import Request

from api.app import create_app
from api.deps import Services
from tests.api.client import GRID, RESIDENT, WORKER, Api, error_fields, expect_problem, post_action, report_body
from tests.api.servers import serving

SUPERVISOR = "supervisor@qh.hd"


@pytest.mark.parametrize("path, params", [
    ("/v1/public/communities/qh.hd.cy.c1/board", {"month": "9999-12"}),
    ("/v1/public/communities/qh.hd.cy.c1/board", {"month": "0001-01"}),
    ("/v1/public/communities/qh.hd.cy.c1/board", {"month": "2026-13"}),
    ("/v1/assessments", {"period": "0001-Q1", "level": "street"}),
    ("/v1/assessments", {"period": "9999-Q4", "level": "street"}),
    ("/v1/assessments", {"period": "2026-Q0", "level": "street"}),
    ("/v1/stats", {"unit": "qh.hd", "month": "0001-01"}),
    ("/v1/stats", {"unit": "qh.hd", "quarter": "0001-Q1"}),
    ("/v1/stats/ranking", {"level": "street", "month": "9999-12"}),
    ("/v1/notifications/stream", {"after": str(2**63)}),
    ("/v1/notifications/stream", {"after": str(2**70)}),
])
async def test_crafted_periods_and_ids_are_422(api: Api, path: str, params: dict[str, str]) -> None:
    who = RESIDENT if "board" in path or "stream" in path else SUPERVISOR
    resp = await api.get(path, who, params=params)
    assert resp.status_code == 422, (path, params, resp.status_code, resp.text[:300])
    assert resp.headers["content-type"].startswith("application/problem+json")


async def test_a_last_event_id_past_64_bits_is_ignored_not_a_500(api: Api) -> None:
    token = api.tokens.issue(RESIDENT, ttl=timedelta(seconds=2))  # the stream ends with its token
    resp = await api.http.get("/v1/notifications/stream", headers={
        "Authorization": f"Bearer {token}", "Last-Event-ID": str(2**64)})
    assert resp.status_code == 200 and resp.text.startswith("retry:")


async def test_staff_timeline_after_past_64_bits_is_422(api: Api) -> None:
    issue = await api.report()
    resp = await api.get(f"/console/api/issues/{issue['issue_id']}/events", f"grid_worker@{GRID}",
                         params={"after": str(2**64)})
    assert resp.status_code == 422


@pytest.mark.parametrize("bad", ["a\x00b", "bell\x07", "esc\x1b[31m", "x\x0by", "\ufffe!"])
async def test_control_characters_in_text_are_refused_everywhere_text_comes_in(api: Api, bad: str) -> None:
    for field in ("title", "description", "address"):
        resp = await api.post("/v1/issues", RESIDENT, report_body(**{field: f"ok {bad}"}))
        assert resp.status_code == 422, (field, resp.text)
    issue = await api.report()
    comment = await api.post(f"/v1/issues/{issue['issue_id']}/actions", RESIDENT,
                             {"action": "comment", "data": {"text": f"hello {bad}"}})
    assert comment.status_code == 422, comment.text
    fine = await api.post("/v1/issues", RESIDENT, report_body(description="line one\nline two\ttabbed\r\n"))
    assert fine.status_code == 201, fine.text


async def test_the_xml_feed_parses_whatever_was_reported(api: Api) -> None:
    await api.report(title="<script>&amp;\"'", description="]]> <!-- -->")
    feed = await api.http.get("/open311/v2/requests.xml")
    assert feed.status_code == 200
    ET.fromstring(feed.text)  # parses: nothing a person wrote is in it, and what is, is escaped


@pytest.mark.parametrize("photo", ["javascript:alert(1)", "data:text/html,<b>", "http://img.example/1.jpg",
                                   "https://", "https://img.example/a b.jpg", "/relative.jpg"])
async def test_photos_are_https_urls(api: Api, photo: str) -> None:
    resp = await api.post("/v1/issues", RESIDENT, report_body(photos=[photo]))
    assert resp.status_code == 422, resp.text
    assert resp.json()["errors"][0]["field"] == "body.photos.0"
    ok = await api.post("/v1/issues", RESIDENT, report_body(photos=["https://img.example/1.jpg"]))
    assert ok.status_code == 201


def test_a_residents_refusal_names_nobody_else() -> None:
    from api.problems import for_resident

    said = for_resident("task i1.3 is claimed by handler@qh.hd.dept.water; resident1@qh.hd.cy.c1.g1 has resident",
                        "resident1@qh.hd.cy.c1.g1")
    assert "handler@" not in said and "someone else" in said and "resident1@qh.hd.cy.c1.g1" in said


async def test_problem_details_keep_the_libraries_words_to_the_log(api: Api) -> None:
    import jwt

    from tests.api.client import TEST_SECRET

    wrong_audience = jwt.encode({"sub": RESIDENT, "iss": "whistle", "aud": "someone-else", "exp": 2**40},
                                TEST_SECRET, algorithm="HS256")
    resp = await api.http.get("/v1/matters", headers={"Authorization": f"Bearer {wrong_audience}"})
    assert resp.status_code == 401
    assert "audience" not in resp.json()["detail"].lower().replace("issuer, audience or claims", "")
    assert "Invalid" not in resp.json()["detail"]  # PyJWT's "Invalid audience" stays in the log


async def test_no_idempotency_row_for_an_issue_the_caller_may_not_see_and_old_keys_go(
        api: Api, api_services: Services) -> None:
    from sqlalchemy import func, select

    from store import action_keys, models

    theirs = await api.report(who="resident1@qh.hx.hp.c1.g1", grid_id="qh.hx.hp.c1.g1")
    outsider = f"grid_worker@{GRID}"

    def rows(principal: str) -> int:
        with api_services.sessions() as session:
            return session.scalar(select(func.count()).select_from(models.ActionKey)
                                  .where(models.ActionKey.principal == principal)) or 0

    before = rows(outsider)
    for n in range(5):
        resp = await api.post(f"/v1/issues/{theirs['issue_id']}/actions", outsider,
                              {"action": "comment", "data": {"text": "x"}}, headers={"Idempotency-Key": f"probe-{n}"})
        assert resp.status_code == 404
    resp = await api.post(f"/v1/issues/{'z' * 20}/actions", outsider, {"action": "comment", "data": {"text": "x"}},
                          headers={"Idempotency-Key": "probe-missing"})
    assert resp.status_code == 404
    assert rows(outsider) == before  # nothing written for what they may not see
    # a principal's keys older than the time they are kept go when they bind a new one
    long_ago = datetime.now(UTC) - action_keys.KEPT_FOR - timedelta(days=1)
    action_keys.claim(api_services.sessions, "someone@qh", "i-old", "k-old", "f", now=long_ago)
    assert rows("someone@qh") == 1
    action_keys.claim(api_services.sessions, "someone@qh", "i-new", "k-new", "f")
    assert rows("someone@qh") == 1


BEYOND = ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"]


def _cursor(raw: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")


async def test_a_datetime_beyond_the_calendar_in_utc_is_a_422_not_a_500(api: Api) -> None:
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
        problem = expect_problem(await api.get(path, who, params=params), 422)
        assert field in error_fields(problem), (path, params, problem)
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


async def test_a_cursor_this_api_did_not_make_is_a_422_not_a_500(api: Api) -> None:
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
        problem = expect_problem(await api.get("/v1/issues", WORKER, params={"cursor": _cursor(raw)}), 422)
        assert error_fields(problem) == ["cursor"], (raw, problem)
        inbox_raw = {**raw, "s": "due_at"} if isinstance(raw, dict) else raw
        problem = expect_problem(await api.get("/v1/tasks", WORKER, params={"cursor": _cursor(inbox_raw)}), 422)
        assert error_fields(problem) == ["cursor"], (inbox_raw, problem)
    for junk in ("!!!", "%%", "é", "AAAA"):
        expect_problem(await api.get("/v1/issues", WORKER, params={"cursor": junk}), 422)
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


async def test_deeply_nested_action_data_is_a_422_and_changes_nothing(api: Api) -> None:
    issue = await api.report()
    for depth in (40, 300, 900):
        problem = expect_problem(await post_action(api, issue["issue_id"], WORKER,
                                                   {"action": "comment", "data": _nested(depth)}), 422)
        assert error_fields(problem) == ["body.data"] and "deep" in problem["detail"], problem
    deep_list: Any = "x"
    for _ in range(300):
        deep_list = [deep_list]
    problem = expect_problem(await post_action(api, issue["issue_id"], WORKER,
                                               {"action": "comment", "data": {"text": deep_list}}), 422)
    assert error_fields(problem) == ["body.data"]
    assert (await api.get(f"/v1/issues/{issue['issue_id']}", WORKER)).json()["last_seq"] == issue["last_seq"]


async def test_a_lone_surrogate_in_a_text_or_a_field_name_is_a_422(api: Api) -> None:
    lone = "\\ud800"  # JSON's escape of half a UTF-16 pair: valid JSON, not a character
    body = json.dumps(report_body(title="PLACEHOLDER")).replace("PLACEHOLDER", f"cold {lone} radiator")
    problem = expect_problem(await api.post("/v1/issues", RESIDENT, None, content=body.encode(),
                                            headers={"content-type": "application/json"}), 422)
    assert error_fields(problem) == ["body.title"]
    body = json.dumps(report_body(reporter={"name": "PLACEHOLDER"})).replace("PLACEHOLDER", lone)
    problem = expect_problem(await api.post("/v1/issues", "hotline@qh", None, content=body.encode(),
                                            headers={"content-type": "application/json"}), 422)
    assert error_fields(problem) == ["body.reporter.name"]

    body = json.dumps(report_body(colour="red")).replace("colour", f"col{lone}our")  # in a field's name
    problem = expect_problem(await api.post("/v1/issues", RESIDENT, None, content=body.encode(),
                                            headers={"content-type": "application/json"}), 422)
    assert error_fields(problem) == ["body"], problem

    issue = await api.report()
    for template in ('{"action": "comment", "data": {"text": "a LONE b"}}',
                     '{"action": "comment", "data": {"tLONExt": "a"}}', '{"action": "commLONEent", "data": {}}'):
        raw = template.replace("LONE", lone)
        problem = expect_problem(await api.post(f"/v1/issues/{issue['issue_id']}/actions", WORKER, None,
                                                content=raw.encode(), headers={"content-type": "application/json"}),
                                 422)
        assert error_fields(problem) in (["body.data"], ["body.action"]), problem
    # a surrogate pair is one ordinary character
    ok = await api.post(f"/v1/issues/{issue['issue_id']}/actions", WORKER, None,
                        content=b'{"action": "comment", "data": {"text": "\\ud83d\\ude00 fixed?"}}',
                        headers={"content-type": "application/json"})
    assert ok.status_code == 200, ok.text


async def test_a_bug_is_a_500_problem_that_leaks_nothing_and_keeps_the_connection(api_services: Services) -> None:
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
        problem = expect_problem(await http.get("/test/boom"), 500)
        assert problem["type"] == "/problems/internal" and "a bug" not in json.dumps(problem)
        assert (await http.get("/test/port")).json()["port"] == before
        expect_problem(await api.get("/v1/issues", WORKER, params={"created_from": BEYOND[0]}), 422)
        expect_problem(await api.get("/v1/issues", WORKER, params={"cursor": _cursor([1, 2])}), 422)
        assert (await http.get("/test/port")).json()["port"] == before
