"""An action travels without asking the issue who may see it first: the update's validator decides, before
anything else, and someone outside the issue gets exactly the answer a missing issue gets — open or closed. An
action that names another issue (``link_duplicate``) is held to the same: a target the caller may not see is a 404
like a missing one, and a follower still does not read the original's filed report."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest

from api.auth import InvalidToken, TokenService
from core.settings import Settings
from tests.api.client import GRID, OTHER_GRID, RESIDENT, WORKER, Api, expect_problem, post_action

OUTSIDER = "grid_worker@qh.hx.js.c1.g1"  # another district's grid worker
MISSING = "0123456789abcdef"


def _shape(body: dict[str, object], issue_id: str) -> dict[str, object]:
    return {k: (v.replace(issue_id, "ID") if isinstance(v, str) else v) for k, v in body.items() if k != "instance"}


async def test_acting_on_an_issue_one_may_not_see_answers_like_a_missing_one(api: Api) -> None:
    issue = await api.report()
    issue_id = issue["issue_id"]
    task_id = issue["open_tasks"][0]["task_id"]
    body = {"task_id": task_id, "action": "whistle", "data": {"kind": "daily"}}
    hidden = await api.post(f"/v1/issues/{issue_id}/actions", OUTSIDER, json=body)
    missing = await api.post(f"/v1/issues/{MISSING}/actions", OUTSIDER, json=body)
    assert hidden.status_code == missing.status_code == 404
    assert _shape(hidden.json(), issue_id) == _shape(missing.json(), MISSING)
    assert "refusal" not in hidden.json()
    comment = await api.post(f"/v1/issues/{issue_id}/actions", OUTSIDER,
                             json={"action": "comment", "data": {"text": "hello"}})
    assert comment.status_code == 404 and "refusal" not in comment.json()
    assert (await api.get(f"/v1/issues/{issue_id}", RESIDENT)).json()["step"] == "discovery"  # nothing changed

    closed = await api.post(f"/v1/issues/{issue_id}/actions", RESIDENT,
                            json={"action": "withdraw", "data": {"reason": "fixed itself"}})
    assert closed.status_code == 200, closed.text
    after = await api.post(f"/v1/issues/{issue_id}/actions", OUTSIDER, json=body)
    assert after.status_code == 404 and _shape(after.json(), issue_id) == _shape(missing.json(), MISSING)
    own = await api.post(f"/v1/issues/{issue_id}/actions", RESIDENT,
                         json={"action": "comment", "data": {"text": "thanks"}})
    assert own.status_code == 409, own.text  # those who may see it learn it is closed


async def test_linking_a_duplicate_to_an_issue_one_may_not_see_answers_like_a_missing_one(api: Api) -> None:
    mine = await api.report()
    theirs = await api.report(who=f"resident1@{OTHER_GRID}", grid_id=OTHER_GRID)
    missing = uuid.uuid4().hex[:16]

    outside = expect_problem(await post_action(api, mine["issue_id"], WORKER,
                                               {"action": "link_duplicate", "data": {"issue_id": theirs["issue_id"]}}),
                             404)
    absent = expect_problem(await post_action(api, mine["issue_id"], WORKER,
                                              {"action": "link_duplicate", "data": {"issue_id": missing}}), 404)
    assert outside["detail"].replace(theirs["issue_id"], "ID") == absent["detail"].replace(missing, "ID")
    assert {k: v for k, v in outside.items() if k != "detail"} == {k: v for k, v in absent.items() if k != "detail"}

    # nothing changed on either side: the other district's issue got no follower, mine is still open
    assert (await api.get(f"/v1/issues/{theirs['issue_id']}", "supervisor@qh")).json()["followers"] == []
    assert (await api.get(f"/v1/issues/{mine['issue_id']}", WORKER)).json()["status"] == "open"

    # a target the grid worker may see, still open, is linked as before
    original = await api.report(who=f"resident2@{GRID}")
    linked = await post_action(api, mine["issue_id"], WORKER,
                               {"action": "link_duplicate", "data": {"issue_id": original["issue_id"]}})
    assert linked.status_code == 200, linked.text
    assert linked.json()["duplicate_of"] == original["issue_id"]
    assert (await api.get(f"/v1/issues/{original['issue_id']}", WORKER)).json()["followers"] == [mine["issue_id"]]

    # the follower follows the original's progress, but its filed report (description, address, point, photos)
    # stays its reporter's
    filed = f"/console/api/issues/{original['issue_id']}/report"
    assert (await api.get(filed, f"resident2@{GRID}")).status_code == 200
    assert (await api.get(f"/v1/issues/{original['issue_id']}", RESIDENT)).status_code == 200
    expect_problem(await api.get(filed, RESIDENT), 403)


def test_a_remembered_token_is_refused_once_it_expires() -> None:
    tokens = TokenService(Settings())
    short = tokens.issue(RESIDENT, ttl=timedelta(seconds=1))
    assert tokens.principal_id(short) == RESIDENT
    assert tokens.principal_id(short) == RESIDENT  # from memory
    time.sleep(2.1)
    with pytest.raises(InvalidToken, match="expired"):
        tokens.principal_id(short)
