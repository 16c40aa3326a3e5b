"""Everyone told: the outbox the projection writes once per event, read as a list and as a live stream."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import timedelta

import httpx

from api.deps import Services
from api.feed import POLL_S
from domain.notices import NoticeKind, notices_for
from domain.state import TimelineEvent
from tests.api.client import GRID, RESIDENT, Api, walk_to_closed, walk_to_handling


async def test_a_walk_tells_each_unit_and_the_resident_once(api: Api) -> None:
    w = await walk_to_handling(api)
    await walk_to_closed(w)
    await api.settled(w.issue_id)
    heating = (await api.get("/v1/notifications", "handler@qh.hd.dept.heating")).json()
    mine = [n for n in heating["items"] if n["issue_id"] == w.issue_id]
    assert sorted(n["kind"] for n in mine) == ["task_opened", "task_opened"]  # report, then handle
    resident = [n for n in (await api.get("/v1/notifications", RESIDENT)).json()["items"]
                if n["issue_id"] == w.issue_id]
    assert sorted(n["kind"] for n in resident) == ["evaluation_request", "result", "result"]  # answer, close
    worker = [n for n in (await api.get("/v1/notifications", f"grid_worker@{GRID}")).json()["items"]
              if n["issue_id"] == w.issue_id]
    assert {n["kind"] for n in worker} == {"task_opened"}
    assert not [n for n in (await api.get("/v1/notifications", "handler@qh.hd.dept.water")).json()["items"]
                if n["issue_id"] == w.issue_id]


async def test_an_urge_and_a_supervision_reach_the_unit_holding_the_task(api: Api) -> None:
    """Through the worker's projection: the urged task travels in the batch with its roles, so the lead's leader and
    handlers hear of the resident's urge, and its leader of the supervisor's 督办 (rules 3)."""
    w = await walk_to_handling(api)
    urged = await api.post(f"/v1/issues/{w.issue_id}/actions", RESIDENT,
                           {"action": "urge", "data": {"note": "还是不热"}})
    assert urged.status_code == 200, urged.text
    told = await api.post(f"/v1/issues/{w.issue_id}/actions", "supervisor@qh.hd",
                          {"action": "supervise", "data": {"note": "周五前办结"}})
    assert told.status_code == 200, told.text
    await api.settled(w.issue_id)
    for who, kinds in (("handler@qh.hd.dept.heating", {"urge"}),
                       ("leader@qh.hd.dept.heating", {"urge", "supervision"})):
        mine = {n["kind"] for n in (await api.get("/v1/notifications", who)).json()["items"]
                if n["issue_id"] == w.issue_id}
        assert kinds <= mine, (who, mine)
    urger = [n for n in (await api.get("/v1/notifications", f"grid_worker@{GRID}")).json()["items"]
             if n["issue_id"] == w.issue_id and n["kind"] == "urge"]
    assert not urger  # the urger's own grid is not the one charged


async def test_marking_read_moves_them_behind_the_unread(api: Api) -> None:
    w = await walk_to_handling(api)
    await api.settled(w.issue_id)
    who = "dispatcher@qh.hd.cy"
    before = (await api.get("/v1/notifications", who)).json()
    assert before["unread"] >= 2
    first = before["items"][0]["id"]
    marked = (await api.post("/v1/notifications/read", who, {"ids": [first]})).json()
    assert marked == {"marked": 1}
    after = (await api.get("/v1/notifications", who)).json()
    assert (after["unread"] == before["unread"] - 1 and after["items"][-1]["id"] == first) or \
        after["items"][after["unread"]]["read"] is True
    assert (await api.post("/v1/notifications/read", who, {"ids": [first]})).json() == {"marked": 0}
    assert (await api.post("/v1/notifications/read", who, {})).json()["marked"] == after["unread"]
    assert (await api.get("/v1/notifications", who)).json()["unread"] == 0


def test_who_hears_of_what() -> None:
    def ev(kind: str, **data: object) -> TimelineEvent:
        return TimelineEvent(seq=1, at="2026-11-24T00:00:00Z", step="handling", kind=kind, unit_id="qh.hd.dept.water",
                             task_id="i.3", data=data)

    assert [(n.audience, n.kind) for n in notices_for(ev("warning", color="red", message="m"), {}, ["r@g"])] == \
        [("unit:qh.hd.dept.water:leader", NoticeKind.warning)]
    assert [n.audience for n in notices_for(ev("supervise", note="n"), {}, [])] == \
        ["unit:qh.hd.dept.water:supervisor"]
    assert [n.audience for n in notices_for(ev("escalated", to_unit_id="qh.hd", reason="r"), {}, [])] == \
        ["unit:qh.hd:leader"]
    assert notices_for(ev("comment", text="t"), {}, ["r@g"]) == []


# --- the live streams (issue 20, item 9) ------------------------------------------------------------------


async def _stream(api: Api, who: str, seconds: float) -> httpx.Response:
    """A stream read whole: it ends when its token (of ``seconds``) expires."""
    token = api.tokens.issue(who, ttl=timedelta(seconds=seconds))
    return await api.http.get("/v1/notifications/stream", headers={"Authorization": f"Bearer {token}"})


async def _until(check: Callable[[], bool]) -> None:
    for _ in range(200):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("never happened")


async def test_a_stream_ends_when_its_token_expires(api: Api) -> None:
    started = time.monotonic()
    resp = await _stream(api, RESIDENT, 2)
    assert resp.status_code == 200 and resp.text.startswith("retry:")
    assert time.monotonic() - started < 10  # not the hour a stream otherwise lasts


async def test_two_streams_per_principal_and_one_poller_for_all(api: Api, api_services: Services) -> None:
    feed = api_services.feed
    polls, started = feed.polls, time.monotonic()
    people = [RESIDENT, f"resident2@{GRID}", f"grid_worker@{GRID}", "supervisor@qh"]
    open_ = [asyncio.create_task(_stream(api, RESIDENT, 3)), asyncio.create_task(_stream(api, RESIDENT, 3))]
    open_ += [asyncio.create_task(_stream(api, p, 3)) for p in people[1:]]
    await _until(lambda: feed.held(RESIDENT) == 2 and feed.streams == 5)
    third = await api.get("/v1/notifications/stream", RESIDENT)
    assert third.status_code == 429 and "at most 2" in third.json()["detail"]
    answers = await asyncio.gather(*open_)
    assert all(a.status_code == 200 for a in answers)
    # five streams for about three seconds: the database was asked about once a second, not five times a second
    seconds = time.monotonic() - started
    assert 1 <= feed.polls - polls <= seconds / POLL_S + 2, (feed.polls - polls, seconds)
    assert feed.held(RESIDENT) == 0 and feed.streams == 0
