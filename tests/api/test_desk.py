"""The desk's daily work over HTTP: the inbox's queues and their counts, finding issues (holders, CSV, searches
saved by name), people shown by name and unit, and the report's time."""

from __future__ import annotations

import csv
import io

from tests.api.client import RESIDENT, Api, Walk

GRID_WORKER = "grid_worker@qh.hd.cy.c1.g1"
OTHER_WORKER = "grid_worker2@qh.hd.cy.c1.g1"


async def _queues(api: Api, who: str) -> dict[str, int]:
    resp = await api.get("/v1/tasks/queues", who)
    assert resp.status_code == 200, resp.text
    counts: dict[str, int] = resp.json()
    return counts


async def test_the_inbox_queues_count_what_each_lists(api: Api) -> None:
    before = await _queues(api, GRID_WORKER)
    issue = await api.report()
    await api.settled(issue["issue_id"])
    after = await _queues(api, GRID_WORKER)
    assert after["unclaimed"] == before["unclaimed"] + 1 and after["all"] == before["all"] + 1
    w = Walk(api, issue["issue_id"], issue)
    await w.act("verify", "claim", who=GRID_WORKER)
    await api.settled(issue["issue_id"])
    claimed = await _queues(api, GRID_WORKER)
    assert claimed["claimed"] == before["claimed"] + 1 and claimed["unclaimed"] == before["unclaimed"]
    assert (await _queues(api, OTHER_WORKER))["unclaimed"] == before["unclaimed"]  # claimed: not theirs to take
    for queue, count in claimed.items():
        if queue == "all":
            continue
        listed = (await api.get(f"/v1/tasks?queue={queue}&limit=200", GRID_WORKER)).json()["items"]
        assert len(listed) == count, queue
    mine = (await api.get("/v1/tasks?queue=claimed", GRID_WORKER)).json()["items"]
    assert w.task("verify")["task_id"] in {t["task_id"] for t in mine}
    assert (await api.get("/v1/tasks?queue=nonsense", GRID_WORKER)).status_code == 422


async def test_finding_issues_holders_csv_and_saved_searches(api: Api) -> None:
    issue = await api.report(title="楼道灯不亮 办件查询")
    await api.settled(issue["issue_id"])
    page = (await api.get("/v1/issues?q=办件查询", "supervisor@qh.hd")).json()["items"]
    found = next(i for i in page if i["issue_id"] == issue["issue_id"])
    assert found["holder_unit_ids"] == ["qh.hd.cy.c1.g1"]
    resp = await api.get("/v1/issues/export.csv?q=办件查询", "supervisor@qh.hd")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(resp.text.lstrip("\ufeff"))))
    row = next(r for r in rows if r["issue_id"] == issue["issue_id"])
    assert row["holders"] == "朝阳东苑社区第1网格" and row["step"] == "discovery"
    outside = await api.get("/v1/issues/export.csv?q=办件查询", "supervisor@qh.hx")
    assert issue["issue_id"] not in outside.text  # another district's supervisor: not theirs

    who = "dispatcher@qh.hd.cy"
    saved = await api.post("/v1/saved-filters", who, {"name": "超时在办", "query": "step=handling&overdue=true"})
    assert saved.status_code == 201, saved.text
    again = await api.post("/v1/saved-filters", who, {"name": "超时在办", "query": "overdue=true"})
    assert again.status_code == 409
    bad = await api.post("/v1/saved-filters", who, {"name": "x", "query": "drop=table"})
    assert bad.status_code == 422 and "drop" in bad.text
    listed = (await api.get("/v1/saved-filters", who)).json()
    assert [f["name"] for f in listed] == ["超时在办"] and listed[0]["query"] == "step=handling&overdue=true"
    assert (await api.get("/v1/saved-filters", "supervisor@qh")).json() == []  # one's own only
    fid = listed[0]["id"]
    assert (await api.http.delete(f"/v1/saved-filters/{fid}", headers=api.auth("supervisor@qh"))).status_code == 404
    assert (await api.http.delete(f"/v1/saved-filters/{fid}", headers=api.auth(who))).status_code == 204
    assert (await api.get("/v1/saved-filters", who)).json() == []


async def test_people_are_shown_by_name_and_unit_and_the_report_has_its_time(api: Api) -> None:
    issue = await api.report()
    w = Walk(api, issue["issue_id"], issue)
    await w.act("verify", "whistle", {"kind": "daily", "note": "供热"}, who=GRID_WORKER)
    await api.settled(w.issue_id)
    events = (await api.get(f"/console/api/issues/{w.issue_id}/events", "supervisor@qh")).json()
    by_worker = [e for e in events if e["actor_id"] == GRID_WORKER]
    assert by_worker and all(e["actor_name"] and e["actor_unit_name"] == "朝阳东苑社区第1网格" for e in by_worker)
    people = (await api.get(f"/v1/people?ids={GRID_WORKER},{RESIDENT},nobody", "supervisor@qh")).json()
    assert [p["id"] for p in people] == [GRID_WORKER]  # a resident's name is not handed out; unknown ids skipped
    assert (await api.get(f"/v1/people?ids={GRID_WORKER}", RESIDENT)).status_code == 403
    report = (await api.get(f"/console/api/issues/{w.issue_id}/report", "supervisor@qh")).json()
    assert report["reported_at"] is not None


async def test_every_action_s_form_is_published_from_its_payload_model(api: Api) -> None:
    from domain.actions import CLAIM_ACTIONS, ISSUE_ACTIONS, TASK_ACTIONS

    forms = (await api.get("/v1/actions", GRID_WORKER)).json()["forms"]
    expected = {f"{k.value}.{a}" for k, acts in TASK_ACTIONS.items() for a in acts if a not in CLAIM_ACTIONS}
    assert set(forms) == expected | {f"issue.{a}" for a in ISSUE_ACTIONS}
    whistle = forms["verify.whistle"]
    assert whistle["required"] == ["kind", "note"] and whistle["additionalProperties"] is False
    assert whistle["properties"]["kind"]["enum"] == ["daily", "hard_case", "emergency"]  # enums inlined
    assert forms["dispatch.route"]["properties"]["unit_ids"]["x-options"] == "units"
    assert "$defs" not in str(forms) and "$ref" not in str(forms)
