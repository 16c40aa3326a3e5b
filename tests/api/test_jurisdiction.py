"""Every endpoint × role × an object inside / outside the caller's jurisdiction: the exact status,
never an unexpected 2xx (DESIGN §2).

One issue in grid qh.hd.cy.c1.g1, filed by the hotline for resident1, walked to handling with the
heating office leading and the street assisting. The cast below covers every role, each once with the
issue in their jurisdiction and once without.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.api.client import GRID, RESIDENT, STREET, Api, Walk, walk_to_handling


@dataclass(frozen=True)
class Who:
    principal: str
    sees: bool  # the issue is in their jurisdiction
    comments: bool = False  # may comment on the issue (the validator's access rule)


CAST = [
    Who(RESIDENT, sees=True, comments=True),  # the reporter
    Who(f"resident2@{GRID}", sees=False),
    Who(f"grid_worker@{GRID}", sees=True, comments=True),
    Who("grid_worker@qh.hd.cy.c2.g1", sees=False),
    Who("leader@qh.hd.cy.c1", sees=True, comments=True),
    Who("leader@qh.hd.cy.c2", sees=False),
    Who("dispatcher@qh.hd.cy", sees=True, comments=True),
    Who("dispatcher@qh.hd.xh", sees=False),
    Who("handler@qh.hd.dept.heating", sees=True, comments=True),
    Who("handler@qh.hd.dept.water", sees=False),
    Who("supervisor@qh.hd", sees=True, comments=True),
    Who("supervisor@qh.hx", sees=False),
    Who("supervisor@qh", sees=True, comments=True),
    Who("hotline@qh", sees=True, comments=True),  # filed it
    Who("miniprogram@qh", sees=False),
]


@pytest.fixture
async def walked(api: Api) -> Walk:
    w = await walk_to_handling(api, reporter={"name": "王女士", "principal_id": RESIDENT}, source="hotline",
                               who="hotline@qh")
    await api.settled(w.issue_id)
    return w


def _check(results: list[tuple[str, str, int, int]]) -> None:
    wrong = [f"{endpoint} as {who}: expected {want}, got {got}" for endpoint, who, want, got in results if want != got]
    assert not wrong, "\n".join(wrong)


async def test_reading_an_issue(api: Api, walked: Walk) -> None:
    results = []
    for who in CAST:
        resp = await api.get(f"/v1/issues/{walked.issue_id}", who.principal)
        results.append(("GET issue", who.principal, 200 if who.sees else 404, resp.status_code))
        if resp.status_code == 404:
            assert resp.headers["content-type"] == "application/problem+json"
            assert walked.issue_id in resp.json()["detail"]  # the same answer as for an id that never existed
        if resp.status_code == 200:
            yours = {t["task_id"] for t in resp.json()["open_tasks"] if t["yours"]}
            handle = walked.task("handle")["task_id"]
            assert (handle in yours) == (who.principal == "handler@qh.hd.dept.heating")
    _check(results)
    missing = await api.get("/v1/issues/neverexisted", "supervisor@qh")
    assert missing.status_code == 404


async def test_audit_is_for_supervisors_in_jurisdiction(api: Api, walked: Walk) -> None:
    results = []
    for who in CAST:
        resp = await api.get(f"/v1/issues/{walked.issue_id}/audit", who.principal)
        want = 404 if not who.sees else (200 if who.principal.startswith("supervisor@") else 403)
        results.append(("GET audit", who.principal, want, resp.status_code))
        if resp.status_code == 200:
            body = resp.json()
            assert body["agree"] is True, body["problems"]
            assert body["runs"] and body["runs"][0]["events"], "the raw history is in the answer"
    _check(results)


async def test_acting_on_a_task_and_on_the_issue(api: Api, walked: Walk) -> None:
    handle = walked.task("handle")["task_id"]
    results = []
    for who in CAST:
        resp = await api.post(f"/v1/issues/{walked.issue_id}/actions", who.principal,
                              {"task_id": handle, "action": "note", "data": {"text": "progress"}})
        want = 404 if not who.sees else (200 if who.principal == "handler@qh.hd.dept.heating" else 403)
        results.append(("act on task", who.principal, want, resp.status_code))
        if want == 403:
            assert resp.json()["refusal"] == "NotPermitted"
        resp = await api.post(f"/v1/issues/{walked.issue_id}/actions", who.principal,
                              {"action": "comment", "data": {"text": "any news?"}})
        results.append(("comment", who.principal, 200 if who.comments else 404, resp.status_code))
    _check(results)


async def test_claiming_a_task(api: Api, walked: Walk) -> None:
    handle = walked.task("handle")["task_id"]
    results = []
    for who in CAST:
        if who.principal == "handler@qh.hd.dept.heating":
            continue
        resp = await api.post(f"/v1/tasks/{handle}/claim", who.principal)
        results.append(("claim", who.principal, 403 if who.sees else 404, resp.status_code))
        resp = await api.post(f"/v1/tasks/{handle}/unclaim", who.principal)
        results.append(("unclaim", who.principal, 403 if who.sees else 404, resp.status_code))
    _check(results)
    claimed = await api.post(f"/v1/tasks/{handle}/claim", "handler@qh.hd.dept.heating")
    assert claimed.status_code == 200
    task = next(t for t in claimed.json()["open_tasks"] if t["task_id"] == handle)
    assert task["claimed_by"] == "handler@qh.hd.dept.heating"
    again = await api.post(f"/v1/tasks/{handle}/claim", "handler@qh.hd.dept.heating")
    assert again.status_code == 409 and again.json()["refusal"] == "WrongState"
    assert (await api.post(f"/v1/tasks/{handle}/unclaim", "handler@qh.hd.dept.heating")).status_code == 200
    assert (await api.post(f"/v1/tasks/{walked.issue_id}.999/claim", "handler@qh.hd.dept.heating")).status_code == 404
    assert (await api.post("/v1/tasks/no-dot/claim", "handler@qh.hd.dept.heating")).status_code == 404


async def test_lists_and_inboxes_hold_only_what_is_yours(api: Api, walked: Walk) -> None:
    handle = walked.task("handle")["task_id"]
    assist = walked.task("assist")["task_id"]
    inbox_of = {"handler@qh.hd.dept.heating": handle, "handler@qh.hd.cy": assist}
    results = []
    for who in [*CAST, Who("handler@qh.hd.cy", sees=True)]:
        listed = await api.get("/v1/issues", who.principal, params={"limit": 200})
        assert listed.status_code == 200
        ids = {i["issue_id"] for i in listed.json()["items"]}
        results.append(("list", who.principal, int(who.sees), int(walked.issue_id in ids)))
        inbox = await api.get("/v1/tasks", who.principal, params={"limit": 200})
        assert inbox.status_code == 200
        tasks = {t["task_id"] for t in inbox.json()["items"] if t["issue_id"] == walked.issue_id}
        want = {inbox_of[who.principal]} if who.principal in inbox_of else set()
        results.append(("inbox", who.principal, len(want), len(tasks)))
        assert tasks == want, (who.principal, tasks)
    _check(results)


async def test_statistics_and_ranking(api: Api, walked: Walk) -> None:
    results = []
    for who in CAST:
        resp = await api.get("/v1/stats", who.principal, params={"unit": STREET})
        reader = who.principal.split("@")[0] in ("supervisor", "leader")
        street_in_jurisdiction = who.principal in ("supervisor@qh.hd", "supervisor@qh")
        want = 403 if not reader else (200 if street_in_jurisdiction else 404)
        results.append(("stats", who.principal, want, resp.status_code))
        rank = await api.get("/v1/stats/ranking", who.principal, params={"level": "street"})
        results.append(("ranking", who.principal, 200 if reader else 403, rank.status_code))
        if rank.status_code == 200:
            units = {r["unit_id"] for r in rank.json()}
            assert (STREET in units) == street_in_jurisdiction, who.principal
    _check(results)


async def test_organisation_and_catalogue_are_for_everyone_signed_in(api: Api) -> None:
    for who in CAST:
        for path in ("/v1/units", "/v1/matters"):
            assert (await api.get(path, who.principal)).status_code == 200
    for path in ("/v1/units", "/v1/matters", "/v1/issues", "/v1/tasks", "/v1/stats/ranking?level=street"):
        resp = await api.http.get(path)
        assert resp.status_code == 401
        assert resp.headers["www-authenticate"].startswith("Bearer")
    grids = await api.get("/v1/units", RESIDENT, params={"level": "grid", "parent_id": "qh.hd.cy.c1"})
    assert [u["id"] for u in grids.json()] == ["qh.hd.cy.c1.g1", "qh.hd.cy.c1.g2", "qh.hd.cy.c1.g3"]
    heating = await api.get("/v1/matters", RESIDENT, params={"category": "heating"})
    assert {m["code"] for m in heating.json()} >= {"heating.no_heat"}
