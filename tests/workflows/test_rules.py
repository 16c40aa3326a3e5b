"""Rules 2 on the real workflow (time-skipping server): the paths the first review found broken."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from activities.working_days import WorkingCalendar
from domain.deadlines import working_seconds_between
from domain.validation import COMMENTS_PER_DAY
from store import models
from store.db import make_engine, session_factory
from tests.conftest import TIMESKIP
from tests.driver import Driver, principal, report
from tests.scenarios import HEATING, STREET, red_then_reassign, reopen_on_site, stop_clock_over_days

SHANGHAI = ZoneInfo("Asia/Shanghai")  # where working days are counted


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

    stopped_at = None

    async def sleep_until(at: datetime) -> None:
        nonlocal before, stopped_at
        before = (await d.task("handle")).due_at
        stopped_at = await TIMESKIP["env"].get_current_time()
        await _sleep_until(at)

    await stop_clock_over_days(d, sleep_until)
    view = await d.wait_ready()
    started_at = await TIMESKIP["env"].get_current_time()
    after = next(t for t in view.open_tasks if t.kind == "handle").due_at
    assert before is not None and after is not None and stopped_at is not None
    # the deadline moves by the working time the clock stood still (counted by the same calendar: the three days
    # stopped may begin on a day off), and a weekend or a holiday week between can put it up to two weeks later
    lost = timedelta(seconds=working_seconds_between(stopped_at.astimezone(SHANGHAI), started_at.astimezone(SHANGHAI),
                                                   WorkingCalendar().is_workday))
    assert lost - timedelta(minutes=1) <= after - before <= lost + timedelta(days=14)


async def test_hundreds_of_long_comments_keep_the_issue_working_and_all_reach_the_read_model(
        ts_worker, settings) -> None:
    client, queue = ts_worker
    d = await Driver.start(client, queue, report(), history_limit=400)
    staff = principal(d.org, "supervisor@qh.hd.cy")
    for day in range(6):  # 180 comments of 4,000 characters: over 2 MB if the issue carried them all
        for n in range(COMMENTS_PER_DAY):
            await d.issue_act("comment", {"text": f"{day}.{n} " + "长" * 3990}, staff)
        await _sleep_until((await TIMESKIP["env"].get_current_time()) + timedelta(days=1, minutes=1))
    view = await d.state()
    for _ in range(200):  # the read model catches up
        if view.projected_seq >= view.last_seq:
            break
        await asyncio.sleep(0.05)
        view = await d.state()
    engine = make_engine(settings.db_url)
    with session_factory(engine)() as session:
        texts = session.scalars(select(models.TimelineEvent.data).where(
            models.TimelineEvent.issue_id == d.handle.id.removeprefix("issue-"),
            models.TimelineEvent.kind == "comment")).all()
    engine.dispose()
    assert len(texts) == 6 * COMMENTS_PER_DAY and view.runs > 1  # continued as new, nothing lost
    latest = await client.get_workflow_handle(d.handle.id).fetch_history()
    carried = latest.events[0].workflow_execution_started_event_attributes.input.payloads[0].data
    assert len(carried) < 1_000_000  # what continue-as-new carries stays far below Temporal's 2 MB
    done = await d.issue_act("withdraw", {"reason": "fixed by now"}, principal(d.org, "resident1@qh.hd.cy.c1.g1"))
    assert done.status == "withdrawn"
