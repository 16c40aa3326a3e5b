"""Rules 2 on the real workflow (time-skipping server): the paths the first review found broken."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.conftest import TIMESKIP
from tests.driver import Driver, report
from tests.scenarios import HEATING, STREET, red_then_reassign, reopen_on_site, stop_clock_over_days


async def _sleep_until(at: datetime) -> None:
    env = TIMESKIP["env"]
    now = await env.get_current_time()
    if at > now:
        await env.sleep(at - now)


async def test_a_reopened_on_the_spot_issue_runs_on_as_a_whistle(ts_worker) -> None:
    client, queue = ts_worker
    d = await Driver.start(client, queue, report("property.stairwell_light"))
    view = await reopen_on_site(d)
    assert view.step == "whistle" and view.whistle_kind == "daily"
    assert [(t.kind, t.unit_id) for t in view.open_tasks] == [("dispatch", STREET)]
    await d.act("dispatch", "route", {"unit_ids": [STREET]})
    view = await d.act("report", "check_in")
    assert [(t.kind, t.unit_id) for t in view.open_tasks] == [("handle", STREET)]


async def test_red_handling_opens_a_supervision_task_that_can_take_the_lead_away(ts_worker) -> None:
    client, queue = ts_worker
    d = await Driver.start(client, queue, report())

    async def sleep_until(at: datetime) -> None:
        await _sleep_until(at)
        await d.wait_ready()

    view = await red_then_reassign(d, sleep_until)
    assert [(t.kind, t.unit_id) for t in view.open_tasks] == [("handle", STREET)]
    assert view.lead_unit_id == STREET
    assert any(e.from_unit_id == HEATING for e in view.escalations)


async def test_a_restarted_clock_gains_the_working_time_lost(ts_worker) -> None:
    client, queue = ts_worker
    d = await Driver.start(client, queue, report())
    before = None

    async def sleep_until(at: datetime) -> None:
        nonlocal before
        before = (await d.task("handle")).due_at
        await _sleep_until(at)

    await stop_clock_over_days(d, sleep_until)
    view = await d.wait_ready()
    after = next(t for t in view.open_tasks if t.kind == "handle").due_at
    assert before is not None and after is not None
    assert timedelta(days=1) <= after - before <= timedelta(days=5)
