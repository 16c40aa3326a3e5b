"""The directory administered over HTTP while issues run: a department opened, work routed to it, the department
retired with a successor (its open task moves, on the timeline, and the successor is told), a claimer
deactivated (the claim goes back to the unit), a matter's deadline changed (new issues take it, running ones
keep theirs), and the administrator's jurisdiction. Real Temporal dev server, real worker."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

from tests.api.client import Api, Walk

DISTRICT_ADMIN = "administrator@qh.hd"
CITY_ADMIN = "administrator@qh"
OLD, NEW = "qh.hd.dept.boilers", "qh.hd.dept.heat_network"
OLD_HANDLER, NEW_HANDLER = f"handler@{OLD}", f"handler@{NEW}"


async def _put(api: Api, who: str, path: str, record: dict[str, Any], reason: str = "test") -> Any:
    headers = api.auth(who)
    return await api.http.put(path, headers=headers, json={"record": record, "reason": reason})


def _department(unit_id: str, name: str, function: str) -> dict[str, Any]:
    return {"name": name, "level": "district", "kind": "department", "parent_id": "qh.hd", "function": function}


def _person(unit_id: str, name: str) -> dict[str, Any]:
    return {"name": name, "unit_id": unit_id, "roles": ["handler", "leader"]}


async def _handle_task(api: Api, issue_id: str, wanted: Callable[[dict[str, Any]], bool], what: str) -> dict[str, Any]:
    """The issue's handle task once it is as ``wanted`` (the hand-over is a signal: a moment after the change)."""
    for _ in range(100):
        view = await api.settled(issue_id)
        task: dict[str, Any] = next(t for t in view["open_tasks"] if t["kind"] == "handle")
        if wanted(task):
            return task
        await asyncio.sleep(0.1)
    raise AssertionError(f"{what} did not happen in time")


async def test_retiring_a_unit_hands_its_open_work_to_the_successor(api: Api) -> None:
    for unit_id, name, function in ((OLD, "锅炉房", "boilers"), (NEW, "热网公司", "heat_network")):
        resp = await _put(api, DISTRICT_ADMIN, f"/v1/admin/units/{unit_id}", _department(unit_id, name, function))
        assert resp.status_code == 200, resp.text
        assert resp.json()["version"] is not None
    for pid, unit_id in ((OLD_HANDLER, OLD), (NEW_HANDLER, NEW)):
        resp = await _put(api, DISTRICT_ADMIN, f"/v1/admin/principals/{pid}", _person(unit_id, "新同事"))
        assert resp.status_code == 200, resp.text

    issue = await api.report()
    w = Walk(api, issue["issue_id"], issue)
    await w.act("verify", "whistle", {"kind": "daily", "note": "the boiler room"})
    await w.act("approve_whistle", "approve")
    await w.act("dispatch", "route", {"unit_ids": [OLD]})
    await w.act("report", "check_in", unit_id=OLD, who=OLD_HANDLER)
    await w.act("handle", "claim", who=OLD_HANDLER)
    handle = w.task("handle")
    assert handle["unit_id"] == OLD and handle["claimed_by"] == OLD_HANDLER
    await api.settled(w.issue_id)

    # retired while it holds open work, with nobody named to take it: refused, every problem listed, nothing changed
    before = (await api.get("/v1/directory/versions", DISTRICT_ADMIN)).json()[0]["version"]
    refused = await _put(api, DISTRICT_ADMIN, f"/v1/admin/units/{OLD}", {"active": False}, "merged")
    assert refused.status_code == 422, refused.text
    problems = refused.json()["problems"]
    assert any(p["sheet"] == "单位" and p["column"] == "继任单位编码" and "在办任务" in p["message"]
               and "successor" in p["message_en"] for p in problems), problems
    assert (await api.get("/v1/directory/versions", DISTRICT_ADMIN)).json()[0]["version"] == before

    # its people first move to the successor (a retired unit keeps no active people), then it is retired
    moved = await _put(api, DISTRICT_ADMIN, f"/v1/admin/principals/{OLD_HANDLER}", {"unit_id": NEW})
    assert moved.status_code == 200, moved.text
    retired = await _put(api, DISTRICT_ADMIN, f"/v1/admin/units/{OLD}", {"active": False, "successor_id": NEW},
                         "merged into the heat network")
    assert retired.status_code == 200, retired.text
    assert retired.json()["signalled"] >= 1

    task = await _handle_task(api, w.issue_id, lambda t: t["unit_id"] == NEW, "the hand-over")
    assert task["task_id"] == handle["task_id"] and task["due_at"] == handle["due_at"]  # the same task, same due
    assert task["claimed_by"] is None
    inbox = (await api.get("/v1/tasks", NEW_HANDLER)).json()["items"]
    assert any(t["task_id"] == task["task_id"] for t in inbox)
    notices = (await api.get("/v1/notifications", NEW_HANDLER)).json()
    items = notices["items"] if isinstance(notices, dict) else notices
    assert any(task["task_id"] in n["text"] for n in items), items

    # a claimer deactivated: the claim goes back to the unit, and their token opens nothing
    w.view = await api.settled(w.issue_id)
    await w.act("handle", "claim", who=NEW_HANDLER)
    off = await _put(api, DISTRICT_ADMIN, f"/v1/admin/principals/{NEW_HANDLER}", {"active": False}, "left")
    assert off.status_code == 200, off.text

    await _handle_task(api, w.issue_id, lambda t: t["claimed_by"] is None, "the claim's release")
    audit = (await api.get(f"/v1/issues/{w.issue_id}/audit", "supervisor@qh")).json()
    assert audit["agree"] is True, audit["problems"]  # the read model and Temporal's history tell the same story
    kinds = [e["kind"] for e in audit["timeline"]]
    assert "handed_over" in kinds and "claim_released" in kinds, kinds
    gone = await api.get("/v1/tasks", NEW_HANDLER)
    assert gone.status_code == 403 and "administrator" in gone.json()["detail"]

    # the versions and their diff say who, why and what
    versions = (await api.get("/v1/directory/versions", DISTRICT_ADMIN)).json()
    assert versions[0]["author"] == DISTRICT_ADMIN and versions[0]["reason"] == "left"
    diff = (await api.get(f"/v1/directory/diff?start={versions[2]['version'] - 1}&end={versions[0]['version']}",
                          DISTRICT_ADMIN)).json()
    keys = {(c["kind"], c["key"]) for c in diff["changes"]}
    assert ("unit", OLD) in keys and ("principal", NEW_HANDLER) in keys


async def test_an_administrator_changes_only_their_own_subtree(api: Api) -> None:
    other = await _put(api, DISTRICT_ADMIN, "/v1/admin/units/qh.hx.dept.new", {
        "name": "别区部门", "level": "district", "kind": "department", "parent_id": "qh.hx", "function": "x"})
    assert other.status_code == 403, other.text
    matter = await _put(api, DISTRICT_ADMIN, "/v1/admin/matters/heating.no_heat", {"report_hours": 8})
    assert matter.status_code == 403 and "city" in matter.json()["detail"]
    assert (await api.get("/v1/directory/versions", "resident1@qh.hd.cy.c1.g1")).status_code == 403
    assert (await _put(api, "supervisor@qh", "/v1/admin/units/qh.hd", {"name": "x"})).status_code == 403


async def test_a_changed_matter_applies_to_new_issues_and_running_ones_keep_theirs(api: Api) -> None:
    code = "roads.streetlight"
    running = await api.report(matter_code=code)
    w = Walk(api, running["issue_id"], running)
    await w.act("verify", "whistle", {"kind": "daily", "note": "lights"})
    await w.act("approve_whistle", "approve")
    changed = await _put(api, CITY_ADMIN, f"/v1/admin/matters/{code}", {"report_hours": 2}, "faster check-in")
    assert changed.status_code == 200, changed.text
    try:
        fresh = await api.report(matter_code=code)
        f = Walk(api, fresh["issue_id"], fresh)
        await f.act("verify", "whistle", {"kind": "daily", "note": "lights"})
        await f.act("approve_whistle", "approve")
        street = "qh.hd.cy"
        await w.act("dispatch", "route", {"unit_ids": [street]})
        await f.act("dispatch", "route", {"unit_ids": [street]})
        old_task, new_task = w.task("report"), f.task("report")
        def span(t: dict[str, Any]) -> float:
            return (datetime.fromisoformat(t["due_at"]) - datetime.fromisoformat(t["opened_at"])).total_seconds()

        assert abs(span(new_task) - 2 * 3600) < 5, new_task
        assert abs(span(old_task) - 24 * 3600) < 5, old_task  # the matter's check-in as it was reported: 24 h
    finally:
        back = await _put(api, CITY_ADMIN, f"/v1/admin/matters/{code}", {"report_hours": 24}, "restored")
        assert back.status_code == 200, back.text


async def test_a_district_administrator_cannot_reach_into_another_district(api: Api) -> None:
    unit = "qh.hd.dept.recycling"
    made = await _put(api, DISTRICT_ADMIN, f"/v1/admin/units/{unit}", _department(unit, "再生资源站", "recycling"))
    assert made.status_code == 200, made.text
    moved = await _put(api, DISTRICT_ADMIN, f"/v1/admin/units/{unit}", {"parent_id": "qh.hx"}, "moved")
    assert moved.status_code == 403 and "outside" in moved.json()["detail"]  # not under another district
    pushed = await _put(api, DISTRICT_ADMIN, f"/v1/admin/units/{unit}",
                        {"active": False, "successor_id": "qh.hx.dept.heating"}, "merged")
    assert pushed.status_code == 403  # nor its work handed to another district's unit
    people = await _put(api, DISTRICT_ADMIN, "/v1/admin/principals/handler@qh.hd.dept.heating", {"unit_id": "qh.hx"})
    assert people.status_code == 403
    units = {u["id"]: u for u in (await api.get("/v1/units", DISTRICT_ADMIN)).json()}
    assert units[unit]["parent_id"] == "qh.hd" and units[unit]["active"] is True  # nothing changed


async def test_a_claimer_moved_to_another_unit_gives_the_claim_back(api: Api) -> None:
    unit, person = "qh.hd.dept.lifts", "handler@qh.hd.dept.lifts"
    assert (await _put(api, DISTRICT_ADMIN, f"/v1/admin/units/{unit}", _department(unit, "电梯站", "lifts"))
            ).status_code == 200
    assert (await _put(api, DISTRICT_ADMIN, f"/v1/admin/principals/{person}", _person(unit, "李工"))).status_code == 200
    issue = await api.report()
    w = Walk(api, issue["issue_id"], issue)
    await w.act("verify", "whistle", {"kind": "daily", "note": "lifts"})
    await w.act("approve_whistle", "approve")
    await w.act("dispatch", "route", {"unit_ids": [unit]})
    await w.act("report", "check_in", unit_id=unit, who=person)
    await w.act("handle", "claim", who=person)
    await api.settled(w.issue_id)
    moved = await _put(api, DISTRICT_ADMIN, f"/v1/admin/principals/{person}", {"unit_id": "qh.hd.cy"}, "moved")
    assert moved.status_code == 200 and moved.json()["signalled"] == 1, moved.text

    await _handle_task(api, w.issue_id, lambda t: t["claimed_by"] is None and t["unit_id"] == unit,
                       "the moved claimer's release")
