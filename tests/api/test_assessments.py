"""The quarterly assessment through the API, over a real Temporal dev server and worker: provisional while the
quarter runs, issued once (through the workflow) after it ends, kept as issued with its hash; CSV, HTML and PDF;
who may read it and what each reader sees."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from api.deps import Services
from store import models
from store.db import transaction
from tests.api.client import Api

DISTRICT_SUPERVISOR = "supervisor@qh.hd"
STREET_LEADER = "leader@qh.hd.cy"


def _this_quarter() -> str:
    now = datetime.now(UTC)
    return f"{now.year}-Q{(now.month - 1) // 3 + 1}"


async def test_the_quarter_in_progress_is_provisional_and_rendered_every_way(api: Api) -> None:
    quarter = _this_quarter()
    resp = await api.get(f"/v1/assessments?period={quarter}&level=street", DISTRICT_SUPERVISOR)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["provisional"] is True and body["content_hash"] is None and body["district_id"] == "qh.hd"
    streets = [r["unit_id"] for r in body["rows"]]
    assert streets and all(u.startswith("qh.hd.") and u.count(".") == 2 for u in streets)
    assert [r["rank"] for r in body["rows"]] == list(range(1, len(streets) + 1))
    for row in body["rows"]:
        assert set(row["stats"]) >= {"received", "summoned", "whistler_satisfaction_rate", "onsite_rate",
                                     "mediation_rate"}
        assert (row["grade"] is None) == (not row["complete"])
    depts = (await api.get(f"/v1/assessments?period={quarter}&level=department", DISTRICT_SUPERVISOR)).json()
    assert depts["rows"] and all(".dept." in r["unit_id"] for r in depts["rows"])

    csv_text = (await api.get(f"/v1/assessments?period={quarter}&level=street", DISTRICT_SUPERVISOR,
                              headers={"Accept": "text/csv"})).text
    assert csv_text.splitlines()[0].startswith("period,level,district_id,provisional")
    assert len(csv_text.splitlines()) == len(streets) + 1
    page = await api.get(f"/v1/assessments/print?period={quarter}&level=street", DISTRICT_SUPERVISOR)
    assert page.headers["content-type"].startswith("text/html") and "季度考核参考意见" in page.text
    assert "尚未出具" in page.text
    pdf = await api.get(f"/v1/assessments/print?period={quarter}&level=street&format=pdf", DISTRICT_SUPERVISOR)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


async def test_who_reads_what(api: Api) -> None:
    quarter = _this_quarter()
    assert (await api.get(f"/v1/assessments?period={quarter}&level=street", "handler@qh.hd")).status_code == 403
    own = (await api.get(f"/v1/assessments?period={quarter}&level=street", STREET_LEADER)).json()
    assert [r["unit_id"] for r in own["rows"]] == ["qh.hd.cy"]  # their row, ranked among the district's
    other = await api.get(f"/v1/assessments?period={quarter}&level=street&district=qh.hx", DISTRICT_SUPERVISOR)
    assert other.status_code == 404
    city = await api.get(f"/v1/assessments?period={quarter}&level=street", "supervisor@qh")
    assert city.status_code == 422 and city.json()["errors"][0]["field"] == "district"
    assert (await api.get(f"/v1/assessments?period={quarter}&level=street&district=qh.hx",
                          "supervisor@qh")).status_code == 200
    for bad in ("2026-Q5", "2026Q1", "Q1-2026"):
        resp = await api.get(f"/v1/assessments?period={bad}&level=street", DISTRICT_SUPERVISOR)
        assert resp.status_code == 422, bad


async def test_an_ended_quarter_is_issued_once_and_kept_as_issued(api: Api) -> None:
    not_yet = await api.post("/v1/assessments/issue", DISTRICT_SUPERVISOR, json={"period": _this_quarter()})
    assert not_yet.status_code == 422
    assert (await api.post("/v1/assessments/issue", STREET_LEADER, json={"period": "2026-Q1"})).status_code == 403

    first = await api.post("/v1/assessments/issue", DISTRICT_SUPERVISOR, json={"period": "2026-Q1"})
    assert first.status_code == 200, first.text
    issued = {(i["district_id"], i["level"]): i for i in first.json()}
    assert set(issued) == {("qh.hd", lv) for lv in ("street", "department")}  # their own district only
    for who in (DISTRICT_SUPERVISOR, "supervisor@qh.hd.dept.heating"):  # not another district's
        other = await api.post("/v1/assessments/issue", who, json={"period": "2026-Q1", "district": "qh.hx"})
        assert other.status_code == 404, (who, other.text)
    hx = (await api.get("/v1/assessments?period=2026-Q1&level=street", "supervisor@qh.hx")).json()
    assert hx["provisional"] is True  # still not issued by anyone of its own
    city = (await api.post("/v1/assessments/issue", "supervisor@qh", json={"period": "2026-Q1"})).json()
    assert {(i["district_id"], i["level"]) for i in city} == {(d, lv) for d in ("qh.hd", "qh.hx")
                                                             for lv in ("street", "department")} | {
        ("qh", "city_department")}  # and the city's own departments (power, gas, water, transport)
    assert all(not i["issued_now"] for i in city if i["district_id"] == "qh.hd")
    got = (await api.get("/v1/assessments?period=2026-Q1&level=street", DISTRICT_SUPERVISOR)).json()
    assert got["provisional"] is False and got["content_hash"] == issued[("qh.hd", "street")]["content_hash"]
    assert got["issued_at"] is not None

    again = (await api.post("/v1/assessments/issue", DISTRICT_SUPERVISOR, json={"period": "2026-Q1"})).json()
    assert all(not i["issued_now"] for i in again)
    assert {(i["district_id"], i["level"]): i["content_hash"] for i in again} == \
        {k: v["content_hash"] for k, v in issued.items()}
    kept = (await api.get("/v1/assessments?period=2026-Q1&level=street", DISTRICT_SUPERVISOR)).json()
    assert kept == got
    page = (await api.get("/v1/assessments/print?period=2026-Q1&level=street", DISTRICT_SUPERVISOR)).text
    assert got["content_hash"] in page


async def test_an_issued_assessment_is_amended_in_the_open(api: Api, api_services: Services) -> None:
    """A correction is a new version beside the old: both kept with their hashes, the reason shown everywhere."""
    issued = await api.post("/v1/assessments/issue", "supervisor@qh", json={"period": "2026-Q2", "district": "qh.hd"})
    assert issued.status_code == 200, issued.text
    first = (await api.get("/v1/assessments?period=2026-Q2&level=street", DISTRICT_SUPERVISOR)).json()
    assert first["version"] == 1 and [v["version"] for v in first["history"]] == [1]
    one = first["id"]
    amend = f"/v1/assessments/{one}/amendments"
    assert (await api.post(amend, DISTRICT_SUPERVISOR, json={"reason": "late ratings"})).status_code == 403
    same = await api.post(amend, "supervisor@qh", json={"reason": "nothing changed"})
    assert same.status_code == 409 and "nothing to amend" in same.json()["detail"]
    assert (await api.post(amend, "supervisor@qh", json={"reason": ""})).status_code == 422
    assert (await api.post("/v1/assessments/999999/amendments", "supervisor@qh",
                           json={"reason": "x"})).status_code == 404

    # evidence that came in after the issue: an inquiry the street's grid answered in the quarter
    with transaction(api_services.sessions) as session:
        session.add(models.Inquiry(id=f"late-{uuid.uuid4().hex[:8]}", unit_id="qh.hd.cy.c1.g1",
                                   principal_id="grid_worker@qh.hd.cy.c1.g1", channel="visit", question="q",
                                   answer="a", at=datetime(2026, 5, 12, 3, tzinfo=UTC)))
    amended = await api.post(amend, "supervisor@qh", json={"reason": "an inquiry recorded late"})
    assert amended.status_code == 201, amended.text
    two = amended.json()
    assert two["version"] == 2 and two["amended_by"] == "supervisor@qh" and two["reason"] == "an inquiry recorded late"
    assert [(v["version"], v["content_hash"]) for v in two["history"]] == [
        (1, first["content_hash"]), (2, two["content_hash"])]
    assert two["content_hash"] != first["content_hash"]
    got = (await api.get("/v1/assessments?period=2026-Q2&level=street", DISTRICT_SUPERVISOR)).json()
    assert got == two
    row = next(r for r in got["rows"] if r["unit_id"] == "qh.hd.cy")
    before = next(r for r in first["rows"] if r["unit_id"] == "qh.hd.cy")
    assert row["stats"]["inquiries_answered"]["numerator"] == before["stats"]["inquiries_answered"]["numerator"] + 1
    again = await api.post(amend, "supervisor@qh", json={"reason": "twice"})  # version 1 is no longer in force
    assert again.status_code == 409 and f"id {two['id']}" in again.json()["detail"]

    page = (await api.get("/v1/assessments/print?period=2026-Q2&level=street", DISTRICT_SUPERVISOR)).text
    assert "第 2 版" in page and "an inquiry recorded late" in page and first["content_hash"] in page
    csv_text = (await api.get("/v1/assessments?period=2026-Q2&level=street", DISTRICT_SUPERVISOR,
                              headers={"Accept": "text/csv"})).text
    header, line = csv_text.splitlines()[:2]
    assert "version" in header.split(",") and "amended_by" in header.split(",")
    assert ",2,supervisor@qh," in line
    pdf = await api.get("/v1/assessments/print?period=2026-Q2&level=street&format=pdf", DISTRICT_SUPERVISOR)
    assert pdf.content.startswith(b"%PDF")


async def test_the_year_and_the_citys_departments(api: Api) -> None:
    year = await api.get("/v1/assessments?period=2025&level=department", DISTRICT_SUPERVISOR)
    assert year.status_code == 200 and year.json()["period"] == "2025"
    city = (await api.get("/v1/assessments?period=2025-Q4&level=city_department", "supervisor@qh")).json()
    assert city["district_id"] == "qh" and city["rows"]
    assert all(r["unit_id"].startswith("qh.dept.") for r in city["rows"])
    district = (await api.get("/v1/assessments?period=2025-Q4&level=department", DISTRICT_SUPERVISOR)).json()
    assert not {r["unit_id"] for r in district["rows"]} & {r["unit_id"] for r in city["rows"]}
    assert (await api.get("/v1/assessments?period=2025-Q4&level=city_department&district=qh.hd",
                          "supervisor@qh")).status_code == 404
    assert (await api.get("/v1/assessments?period=20255&level=street", DISTRICT_SUPERVISOR)).status_code == 422

