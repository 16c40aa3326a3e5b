"""Crafted input gets a clear 4xx, never a 500 (issue 20, items 11 and 12): years at the calendar's ends, ids past
a 64-bit integer, control characters in text (which would make the Open311 XML feed unparseable for everyone)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

from api.deps import Services
from tests.api.client import GRID, RESIDENT, Api, report_body

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
