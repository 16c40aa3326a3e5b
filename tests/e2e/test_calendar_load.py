"""Loading a year's official arrangement counts open provisional deadlines again (local dev server: the
issue is found by its WhistleProvisional search attribute, signalled, and records the new deadline)."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from temporalio.client import Client

from api.arrangements import load_year
from core.settings import Settings
from store.calendar import Arrangement
from store.db import make_engine, session_factory
from tests.driver import Driver, report
from tests.scenarios import HEATING, STREET, route_and_check_in, whistle_to_dispatch
from workflows.search_attributes import PROVISIONAL


async def test_loading_2027_moves_an_open_provisional_deadline(local_worker: tuple[Client, str],
                                                               settings: Settings) -> None:
    client, queue = local_worker
    d = await Driver.start(client, queue, report())
    await whistle_to_dispatch(d)
    await route_and_check_in(d, [HEATING, STREET])
    view = await d.act("consult", "conclude", {"lead_unit_id": HEATING, "co_unit_ids": [STREET],
                                               "list_type": "phased", "handling_days": 40, "minutes": "m"})
    view = await d.wait_ready()
    handle = next(t for t in view.open_tasks if t.kind == "handle")
    assert handle.provisional and handle.due_at is not None and handle.due_at.year == 2027
    for _ in range(100):  # visibility catches up
        query = f'{PROVISIONAL.name} = true AND WorkflowId = "{d.handle.id}"'
        found = [w.id async for w in client.list_workflows(query)]
        if found:
            break
        await asyncio.sleep(0.1)
    assert found == [d.handle.id]
    # the arrangement of 2027 as published (an example): the first week of January off
    arrangement = Arrangement(year=2027, holidays=[date(2027, 1, 1) + timedelta(days=n) for n in range(8)],
                              workdays=[date(2027, 1, 9)])
    sessions = session_factory(make_engine(settings.db_url))
    result = await load_year(client, sessions, arrangement, "test")
    assert result["changed"] and result["signalled"] >= 1
    for _ in range(100):
        after = next(t for t in (await d.state()).open_tasks if t.kind == "handle")
        if not after.provisional:
            break
        await asyncio.sleep(0.1)
    assert not after.provisional and after.due_at is not None
    assert after.due_at > handle.due_at  # four more days off in January, one Saturday worked: three days later
    again = await load_year(client, sessions, arrangement, "test")
    assert again["changed"] is False and again["signalled"] == 0  # the same days again: nobody is disturbed
