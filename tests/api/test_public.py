"""The resident's story of an issue (查单) and a community's board (公示) carry no staff names, no other
residents and no personal data — checked field by field against the organisation, not by eye."""

from __future__ import annotations

import json
from typing import Any

from api.deps import Services
from store.db import transaction
from tests import sample_city
from tests.api.client import GRID, RESIDENT, Api, walk_to_closed, walk_to_handling

ORG = sample_city.organisation()
PERSONAL = ["东苑小区3号楼201", "13800000000", "王女士"]  # the report's exact address, the reporter's phone and name
STORY_KEYS = {"at", "step", "what", "text_zh", "text_en", "unit_id", "unit_name", "due_at", "met_deadline", "answer"}


def _no_people(doc: Any) -> None:
    text = json.dumps(doc, ensure_ascii=False)
    assert "@" not in text  # no principal id of anyone
    for person in ORG.principals.values():
        assert person.name not in text, person.id
    for value in PERSONAL:
        assert value not in text


async def _closed_issue(api: Api) -> str:
    w = await walk_to_handling(api, reporter={"name": "王女士", "phone": "13800000000"})
    await walk_to_closed(w)
    await api.settled(w.issue_id)
    return w.issue_id


async def test_the_residents_story_tells_steps_units_deadlines_and_the_answer(api: Api) -> None:
    issue_id = await _closed_issue(api)
    resp = await api.get(f"/v1/issues/{issue_id}/timeline", RESIDENT)
    assert resp.status_code == 200, resp.text
    story = resp.json()
    _no_people(story)
    assert story["status"] == "closed"
    for entry in story["entries"]:
        assert set(entry) <= STORY_KEYS
    whats = [e["what"] for e in story["entries"]]
    assert whats[0] == "reported" and "held_by" in whats and "feedback" in whats and whats[-1] == "issue_closed"
    assert "your_evaluation" in whats
    answer = next(e for e in story["entries"] if e["what"] == "feedback")["answer"]
    assert answer == "valve replaced"
    held = [e for e in story["entries"] if e["what"] == "held_by"]
    assert {e["unit_id"] for e in held} >= {GRID, "qh.hd.dept.heating"} and all(e["due_at"] for e in held)
    other = await api.get(f"/v1/issues/{issue_id}/timeline", "resident2@qh.hd.cy.c1.g1")
    assert other.status_code == 404  # not theirs: as if it did not exist


async def test_the_board_lists_what_the_community_handled_anonymised(api: Api, api_services: Services) -> None:
    with transaction(api_services.sessions) as session:
        sample_city.load_into(session)
    issue_id = await _closed_issue(api)
    resp = await api.get("/v1/public/communities/qh.hd.cy.c1/board", "resident2@qh.hd.cy.c1.g2")
    assert resp.status_code == 200, resp.text
    board = resp.json()
    _no_people(board)
    item = next(i for i in board["items"] if i["issue_id"] == issue_id)
    assert item["grid_name"] == ORG.unit(GRID).name and item["resolution"] == "resolved"
    assert item["days_taken"] >= 0 and item["lead_unit_name"] == ORG.unit("qh.hd.dept.heating").name
    assert (await api.get("/v1/public/communities/qh.hd.cy.c1/board", "resident1@qh.hd.xh.c1.g1")).status_code == 404
    assert (await api.http.get("/v1/public/communities/qh.hd.cy.c1/board")).status_code == 401
    api_services.settings.public_board_open = True
    try:
        assert (await api.http.get("/v1/public/communities/qh.hd.cy.c1/board")).status_code == 200
    finally:
        api_services.settings.public_board_open = False
    assert (await api.get("/v1/public/communities/qh.hd.cy.c1/board?month=2026-13", RESIDENT)).status_code == 422


async def test_only_the_citys_supervisors_load_the_calendar(api: Api) -> None:
    body = {"holidays": ["2028-01-01"], "workdays": []}
    ok = await api.http.put("/v1/calendar/2028", json=body, headers=api.auth("supervisor@qh"))
    assert ok.status_code == 200 and ok.json()["year"] == 2028
    assert ok.json()["signalled"] in (-1, 0)  # a recount under way in the background, or the days were known
    same = await api.http.put("/v1/calendar/2028", json=body, headers=api.auth("supervisor@qh"))
    assert same.json() == {"year": 2028, "changed": False, "signalled": 0}
    refused = await api.http.put("/v1/calendar/2028", json=body, headers=api.auth("supervisor@qh.hd"))
    assert refused.status_code == 403
    bad = await api.http.put("/v1/calendar/2028", json={"holidays": ["2029-01-01"]}, headers=api.auth("supervisor@qh"))
    assert bad.status_code == 422
