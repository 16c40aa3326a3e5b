"""Reporting (staff file only for residents of their jurisdiction, and the source follows the caller's role),
idempotency (an action's key is bound to its body), the validator's refusals as problem details, lists and
exports."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime

from api.deps import Services
from domain.messages import issue_workflow_id
from tests.api.client import (
    GRID,
    HEATING,
    OTHER_GRID,
    RESIDENT,
    WORKER,
    Api,
    error_fields,
    expect_problem,
    post_action,
    report_body,
    walk_to_closed,
    walk_to_handling,
)

PROBLEM = "application/problem+json"


async def test_report_answers_201_with_location_and_live_state(api: Api) -> None:
    resp = await api.post("/v1/issues", RESIDENT, report_body(urgent=True))
    assert resp.status_code == 201
    issue = resp.json()
    assert resp.headers["location"] == f"/v1/issues/{issue['issue_id']}"
    assert issue["step"] == "discovery" and issue["status"] == "open" and issue["urgent"] is True
    verify = issue["open_tasks"][0]
    assert verify["kind"] == "verify" and verify["unit_id"] == GRID and verify["yours"] is False
    assert "whistle" in verify["allowed_actions"]


async def test_bad_reports_are_refused_with_field_errors_and_start_nothing(api: Api, api_services: Services) -> None:
    before = await api_services.client.count_workflows(f'TaskQueue="{api_services.settings.task_queue}"')
    cases = [
        (report_body(matter_code="no.such"), 422, "matter_code"),
        (report_body(grid_id="qh.hd.cy.c1"), 422, "grid_id"),  # a community, not a grid
        (report_body(title=""), 422, "body.title"),
        ({**report_body(), "colour": "red"}, 422, "body.colour"),
        (report_body(location={"lat": 91, "lon": 0}), 422, "body.location.lat"),
        (report_body(source="hotline"), 422, "source"),  # a resident reports as a resident
    ]
    for body, status, field in cases:
        resp = await api.post("/v1/issues", RESIDENT, body)
        assert resp.status_code == status, (body, resp.text)
        assert resp.headers["content-type"] == PROBLEM
        problem = resp.json()
        assert problem["type"].startswith("/problems/") and problem["title"] and problem["status"] == status
        assert field in [e["field"] for e in problem["errors"]], problem
    not_json = await api.post("/v1/issues", RESIDENT, None, content=b"{not json",
                              headers={"content-type": "application/json"})
    assert not_json.status_code == 422 and not_json.headers["content-type"] == PROBLEM
    outside = await api.post("/v1/issues", "grid_worker@qh.hd.cy.c2.g1", report_body(reporter={"name": "李"}))
    assert outside.status_code == 403
    no_reporter = await api.post("/v1/issues", "hotline@qh", report_body())
    assert no_reporter.status_code == 422
    after = await api_services.client.count_workflows(f'TaskQueue="{api_services.settings.task_queue}"')
    assert after.count == before.count


async def _source_of(api: Api, issue_id: str) -> str:
    await api.settled(issue_id)
    page = (await api.get("/v1/issues", "supervisor@qh", params={"q": issue_id})).json()
    (row,) = page["items"]
    return str(row["source"])


async def test_staff_cannot_file_for_residents_beyond_their_jurisdiction_nor_choose_the_source(api: Api) -> None:
    far = f"resident1@{OTHER_GRID}"
    refused = expect_problem(await api.post("/v1/issues", WORKER,
                                            report_body(reporter={"name": "李", "principal_id": far})), 422)
    assert "reporter.principal_id" in error_fields(refused)

    for who, source in ((WORKER, "resident"), (WORKER, "hotline"), ("supervisor@qh.hd", "resident"),
                        ("supervisor@qh.hd", "grid_worker"), ("hotline@qh", "resident"),
                        ("hotline@qh", "inspection")):
        wrong = expect_problem(await api.post("/v1/issues", who, report_body(reporter={"name": "李"}, source=source)),
                               422)
        assert error_fields(wrong) == ["source"], (who, source, wrong)

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


async def test_same_key_and_body_three_times_concurrently_make_one_issue(api: Api, api_services: Services) -> None:
    key = f"k-{uuid.uuid4().hex}"
    body = report_body(title="路灯不亮 idempotent")

    async def send() -> tuple[int, str]:
        resp = await api.post("/v1/issues", "hotline@qh", {**body, "reporter": {"name": "张"}},
                              headers={"Idempotency-Key": key})
        return resp.status_code, resp.json()["issue_id"]

    answers = await asyncio.gather(send(), send(), send())
    assert [s for s, _ in answers] == [201, 201, 201]
    ids = {i for _, i in answers}
    assert len(ids) == 1
    issue_id = ids.pop()
    runs = [w async for w in api_services.client.list_workflows(f'WorkflowId="{issue_workflow_id(issue_id)}"')]
    assert len(runs) == 1

    other_body = await api.post("/v1/issues", "hotline@qh", {**body, "title": "another", "reporter": {"name": "张"}},
                                headers={"Idempotency-Key": key})
    assert other_body.status_code == 422
    assert other_body.json()["type"] == "/problems/idempotency-key-reused"
    other_caller = await api.post("/v1/issues", "miniprogram@qh", {**body, "reporter": {"name": "张"}},
                                  headers={"Idempotency-Key": key})
    assert other_caller.status_code == 201 and other_caller.json()["issue_id"] != issue_id


async def test_same_key_after_the_issue_closed_returns_it(api: Api) -> None:
    key = f"k-{uuid.uuid4().hex}"
    first = await api.post("/v1/issues", RESIDENT, report_body(), headers={"Idempotency-Key": key})
    issue_id = first.json()["issue_id"]
    verify = first.json()["open_tasks"][0]["task_id"]
    done = await api.post(f"/v1/issues/{issue_id}/actions", f"grid_worker@{GRID}",
                          {"task_id": verify, "action": "reject", "data": {"reason": "not a public matter"}})
    assert done.json()["status"] == "rejected"
    for _ in range(100):  # until the run has completed
        again = await api.post("/v1/issues", RESIDENT, report_body(), headers={"Idempotency-Key": key})
        assert again.status_code == 201 and again.json()["issue_id"] == issue_id
        if again.json()["status"] == "rejected":
            break
    else:
        raise AssertionError("the repeated report never showed the rejected issue")
    closed = await api.post(f"/v1/issues/{issue_id}/actions", RESIDENT, {"action": "comment", "data": {"text": "?"}})
    assert closed.status_code == 409


async def test_action_idempotency_key_applies_once(api: Api) -> None:
    w = await walk_to_handling(api)
    handle = w.task("handle")["task_id"]
    body = {"task_id": handle, "action": "note", "data": {"text": "called the resident"}}
    key = {"Idempotency-Key": uuid.uuid4().hex}
    answers = await asyncio.gather(*(api.post(f"/v1/issues/{w.issue_id}/actions", "handler@qh.hd.dept.heating", body,
                                              headers=key) for _ in range(3)))
    assert [a.status_code for a in answers] == [200, 200, 200]
    await api.settled(w.issue_id)
    audit = await api.get(f"/v1/issues/{w.issue_id}/audit", "supervisor@qh")
    notes = [e for e in audit.json()["timeline"] if e["task_id"] == handle and e["data"].get("action") == "note"]
    assert len(notes) == 1, notes


async def test_an_action_key_reused_with_another_body_is_refused_not_replayed(api: Api) -> None:
    issue = await api.report()
    issue_id = issue["issue_id"]
    key = f"comment-{uuid.uuid4().hex}"
    body = {"action": "comment", "data": {"text": "called the heating office"}}
    first = await post_action(api, issue_id, WORKER, body, key)
    again = await post_action(api, issue_id, WORKER, body, key)
    assert first.status_code == again.status_code == 200, (first.text, again.text)
    assert first.json() == again.json()

    other = expect_problem(await post_action(api, issue_id, WORKER,
                                             {"action": "comment", "data": {"text": "something else"}}, key), 422)
    assert other["type"] == "/problems/idempotency-key-reused"
    task = next(t for t in issue["open_tasks"] if t["kind"] == "verify")
    other_action = {"task_id": task["task_id"], "action": "whistle", "data": {"kind": "daily", "note": "x"}}
    expect_problem(await post_action(api, issue_id, WORKER, other_action, key), 422)

    live = (await api.get(f"/v1/issues/{issue_id}", WORKER)).json()
    assert live["last_seq"] == first.json()["last_seq"] and live["step"] == "discovery"
    await api.settled(issue_id)
    audit = (await api.get(f"/v1/issues/{issue_id}/audit", "supervisor@qh")).json()
    comments = [e for e in audit["timeline"] if "called the heating office" in json.dumps(e["data"])]
    assert len(comments) == 1 and not any("something else" in json.dumps(e["data"]) for e in audit["timeline"])
    # the same key on another issue, or by another person, is another request
    assert (await post_action(api, issue_id, f"grid_worker2@{GRID}", {"action": "comment", "data": {"text": "x"}},
                              key)).status_code == 200


async def test_each_validator_refusal_has_its_status_and_a_readable_problem(api: Api) -> None:
    w = await walk_to_handling(api)
    handle = w.task("handle")["task_id"]
    heating = "handler@qh.hd.dept.heating"
    url = f"/v1/issues/{w.issue_id}/actions"
    cases = [
        ({"task_id": f"{w.issue_id}.99", "action": "note", "data": {"text": "x"}}, heating, 404, "TaskNotFound"),
        ({"task_id": handle, "action": "note", "data": {"text": "x"}}, "handler@qh.hd.cy", 403, "NotPermitted"),
        ({"task_id": handle, "action": "start_clock"}, heating, 409, "WrongState"),
        ({"task_id": f"{w.issue_id}.1", "action": "whistle", "data": {"kind": "daily", "note": "x"}},
         f"grid_worker@{GRID}",
         409, "TaskClosed"),
        ({"task_id": handle, "action": "fly"}, heating, 422, "ActionNotAllowed"),
        ({"task_id": handle, "action": "request_extension", "data": {"days": 99, "reason": "x"}}, heating, 422,
         "InvalidPayload"),
        ({"action": "supervise", "data": {"note": "hurry"}}, RESIDENT, 403, "NotPermitted"),
    ]
    before = (await api.get(f"/v1/issues/{w.issue_id}", "supervisor@qh")).json()
    for body, who, status, refusal in cases:
        resp = await api.post(url, who, body)
        assert resp.status_code == status, (body, resp.text)
        problem = resp.json()
        assert resp.headers["content-type"] == PROBLEM
        assert problem["refusal"] == refusal and problem["status"] == status
        assert len(problem["detail"]) > 10 and problem["title"]
    after = (await api.get(f"/v1/issues/{w.issue_id}", "supervisor@qh")).json()
    assert after["last_seq"] == before["last_seq"] and after["open_tasks"] == before["open_tasks"]
    bad_body = await api.post(url, heating, {"task_id": handle})
    assert bad_body.status_code == 422 and bad_body.json()["errors"][0]["field"] == "body.action"


async def test_list_filters_sort_and_cursor_pages(api: Api) -> None:
    marker = uuid.uuid4().hex[:8]
    ids = [(await api.report(title=f"井盖缺失 {marker} {n}", matter_code="roads.manhole_cover"))["issue_id"]
           for n in range(5)]
    for i in ids:
        await api.settled(i)
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params = {"q": marker, "limit": 2, "sort": "created_at", **({"cursor": cursor} if cursor else {})}
        page = (await api.get("/v1/issues", "supervisor@qh.hd.cy", params=params)).json()
        seen += [i["issue_id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids
    newest = (await api.get("/v1/issues", "supervisor@qh.hd.cy", params={"q": marker, "limit": 1})).json()
    assert newest["items"][0]["issue_id"] == ids[-1]
    filtered = (await api.get("/v1/issues", "supervisor@qh.hd.cy",
                              params={"q": marker, "step": "discovery", "matter": "roads.manhole_cover",
                                      "created_from": "2000-01-01T00:00:00Z"})).json()
    assert len(filtered["items"]) == 5
    none = (await api.get("/v1/issues", "supervisor@qh.hd.cy", params={"q": marker, "step": "handling"})).json()
    assert none["items"] == []
    bad = await api.get("/v1/issues", "supervisor@qh.hd.cy", params={"cursor": "garbage"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"
    naive = await api.get("/v1/issues", "supervisor@qh.hd.cy", params={"created_from": "2026-01-01T00:00:00"})
    assert naive.status_code == 422


async def test_inbox_filters_and_claims(api: Api) -> None:
    w = await walk_to_handling(api)
    await api.settled(w.issue_id)
    handle = w.task("handle")["task_id"]
    inbox = (await api.get("/v1/tasks", "handler@qh.hd.dept.heating", params={"kind": "handle", "limit": 200})).json()
    assert handle in {t["task_id"] for t in inbox["items"]}
    assert all(t["kind"] == "handle" for t in inbox["items"])
    overdue = (await api.get("/v1/tasks", "handler@qh.hd.dept.heating", params={"overdue": "true"})).json()
    assert handle not in {t["task_id"] for t in overdue["items"]}
    early = (await api.get("/v1/tasks", "handler@qh.hd.dept.heating",
                           params={"due_before": datetime(2000, 1, 1, tzinfo=UTC).isoformat()})).json()
    assert early["items"] == []
    # the heating office has one handler in the sample; its leader cannot claim a handler's task
    refused = await api.post(f"/v1/tasks/{handle}/claim", "leader@qh.hd.dept.heating")
    assert refused.status_code == 403


async def test_stats_as_json_and_csv(api: Api) -> None:
    w = await walk_to_handling(api)
    await walk_to_closed(w)
    await api.settled(w.issue_id)
    now = datetime.now(UTC)
    month = f"{now:%Y-%m}"
    stats = await api.get("/v1/stats", "supervisor@qh.hd", params={"unit": HEATING, "month": month})
    assert stats.status_code == 200
    body = stats.json()
    assert w.issue_id in body["received"]["issue_ids"] and body["resolution_rate"]["rate"] is not None
    csv = await api.get("/v1/stats/ranking", "supervisor@qh.hd",
                        params={"level": "district", "kind": "department", "month": month},
                        headers={"Accept": "text/csv"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.strip().splitlines()
    assert lines[0].startswith("rank,unit_id,period") and any(HEATING in line for line in lines[1:])
    # the ranking's figures come without their issues (the unit's own figures above carry them): same numbers
    ranked = await api.get("/v1/stats/ranking", "supervisor@qh.hd",
                           params={"level": "district", "kind": "department", "month": month})
    heating = next(r["stats"] for r in ranked.json() if r["unit_id"] == HEATING)
    assert heating["received"]["issue_ids"] == [] and heating["resolution_rate"]["base_issue_ids"] == []
    for name in ("received", "response_rate", "resolution_rate", "satisfaction_rate"):
        assert (heating[name]["numerator"], heating[name]["denominator"]) == (
            body[name]["numerator"], body[name]["denominator"]), name
    bad = await api.get("/v1/stats", "supervisor@qh.hd", params={"unit": HEATING, "month": "2026-13"})
    assert bad.status_code == 422


async def test_health_and_readiness(api: Api) -> None:
    assert (await api.http.get("/healthz")).json() == {"status": "ok", "checks": {}}
    ready = await api.http.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"temporal": "ok", "database": "ok"}


async def test_openapi_documents_the_contract(api: Api) -> None:
    spec = (await api.http.get("/openapi.json")).json()
    for path in ("/v1/issues", "/v1/issues/{issue_id}", "/v1/issues/{issue_id}/actions", "/v1/tasks",
                 "/v1/tasks/{task_id}/claim", "/v1/tasks/{task_id}/unclaim", "/v1/issues/{issue_id}/audit",
                 "/v1/stats", "/v1/stats/ranking", "/v1/units", "/v1/matters", "/healthz", "/readyz"):
        assert path in spec["paths"], path

