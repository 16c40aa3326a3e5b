"""Inquiries answered without dispatch (回复咨询): recorded by a grid's, a community's or a street's staff, read by
those above them, counted in the territory's volumes — and nobody else's to record or to read."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from tests.api.client import Api

GRID = "qh.hd.cy.c1.g1"
WORKER = f"grid_worker@{GRID}"
QUESTION = {"question": "独居老人补贴怎么申请？", "answer": "带身份证到社区服务站登记。", "channel": "visit"}


async def test_a_grid_records_an_inquiry_and_its_territory_counts_it(api: Api) -> None:
    month = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    before = (await api.get(f"/v1/stats?unit=qh.hd.cy&month={month}", "leader@qh.hd.cy")).json()
    resp = await api.post("/v1/inquiries", WORKER, json={**QUESTION, "matter_code": "heating.fee"})
    assert resp.status_code == 201, resp.text
    made = resp.json()
    assert made["unit_id"] == GRID and made["principal_id"] == WORKER and made["channel"] == "visit"

    listed = (await api.get("/v1/inquiries?unit=qh.hd.cy.c1", "leader@qh.hd.cy.c1")).json()
    assert made["id"] in [i["id"] for i in listed]
    assert (await api.get("/v1/inquiries?unit=qh.hd.cy.c1", "leader@qh.hx")).status_code == 404
    assert made["id"] not in [i["id"] for i in (await api.get("/v1/inquiries", "supervisor@qh.hx")).json()]

    after = (await api.get(f"/v1/stats?unit=qh.hd.cy&month={month}", "leader@qh.hd.cy")).json()
    assert after["inquiries_answered"]["numerator"] == before["inquiries_answered"]["numerator"] + 1
    assert made["id"] in after["inquiries_answered"]["issue_ids"]


async def test_who_may_record_an_inquiry_and_what(api: Api) -> None:
    assert (await api.post("/v1/inquiries", "handler@qh.hd.dept.heating", json=QUESTION)).status_code == 403
    assert (await api.post("/v1/inquiries", f"resident1@{GRID}", json=QUESTION)).status_code == 403
    assert (await api.post("/v1/inquiries", "supervisor@qh.hd", json=QUESTION)).status_code == 403
    for bad in ({**QUESTION, "matter_code": "no.such"}, {**QUESTION, "question": ""},
                {**QUESTION, "answer": "a\x00b"}, {**QUESTION, "channel": "pigeon"}, {**QUESTION, "extra": 1}):
        resp = await api.post("/v1/inquiries", WORKER, json=bad)
        assert resp.status_code == 422, bad
    assert (await api.get("/v1/inquiries?month=2026-13", WORKER)).status_code == 422
    assert (await api.get("/v1/inquiries", f"resident1@{GRID}")).status_code == 403
