"""The quarterly Schedule on a real Temporal dev server: backfilled over a year, it issues each quarter's
assessment once (the quarter before each fire time), and after the fourth the year's; backfilled again, nothing
changes. On the time-skipping server, a run waits on a durable timer until the quarter's evaluation windows have
closed, and issues then."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, ScheduleBackfill, ScheduleOverlapPolicy
from temporalio.testing import WorkflowEnvironment

from activities.assessment_issuing import IssueQuarter
from activities.working_days import WorkingCalendar
from core.settings import Settings
from store import assessments
from store.db import make_engine, session_factory
from store.figures import Period
from worker import ensure_assessment_schedule
from workflows import QuarterlyAssessment

BEIJING = ZoneInfo("Asia/Shanghai")


async def _runs(client: Client, schedule_id: str, expected: int) -> None:
    """Wait until the schedule has started ``expected`` runs and every one of them has finished."""
    handle = client.get_schedule_handle(schedule_id)
    for _ in range(300):
        desc = await handle.describe()
        if desc.info.num_actions >= expected and not desc.info.running_actions:
            for action in desc.info.recent_actions:
                await client.get_workflow_handle(action.action.workflow_id).result()
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"{schedule_id}: {desc.info.num_actions} runs of {expected}")


async def test_the_schedule_issues_each_quarter_once(local_worker: tuple[Client, str], settings: Settings) -> None:
    client, queue = local_worker
    schedule_id = f"assessment-test-{uuid.uuid4().hex[:8]}"
    await ensure_assessment_schedule(client, settings, task_queue=queue, schedule_id=schedule_id)
    await ensure_assessment_schedule(client, settings, task_queue=queue, schedule_id=schedule_id)  # kept, not doubled
    handle = client.get_schedule_handle(schedule_id)
    await handle.pause(note="the test backfills instead of waiting for quarters")
    year = ScheduleBackfill(start_at=datetime(2025, 1, 1, tzinfo=BEIJING),
                            end_at=datetime(2025, 12, 31, 23, 59, tzinfo=BEIJING),
                            overlap=ScheduleOverlapPolicy.ALLOW_ALL)
    sessions = session_factory(make_engine(settings.db_url))
    try:
        await handle.backfill(year)
        await _runs(client, schedule_id, 4)
        with sessions() as session:
            first = [x for x in assessments.issued_periods(session) if x[0] in ("2024-Q4", "2025-Q1", "2025-Q2",
                                                                               "2025-Q3")]
        assert sorted({p for p, *_ in first}) == ["2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3"]
        # each quarter once: per district (2) and level (2), and the city's own departments
        assert len(first) == 4 * (2 * 2 + 1)
        with sessions() as session:
            annual = [x for x in assessments.issued_periods(session) if x[0] == "2024"]
        assert len(annual) == 2 * 2 + 1  # fired on 1 January 2025: 2024-Q4, then the year 2024

        await handle.backfill(year)  # issuing again changes nothing
        await _runs(client, schedule_id, 8)
        with sessions() as session:
            again = [x for x in assessments.issued_periods(session) if x[0] in ("2024-Q4", "2025-Q1", "2025-Q2",
                                                                               "2025-Q3")]
            kept = assessments.stored(session, "qh.hd", assessments.AssessedLevel.street, "2025-Q2")
        assert again == first
        assert kept is not None and not kept.provisional and kept.period == "2025-Q2"
        assert kept.issued_at is not None and kept.issued_at - datetime.now(BEIJING) < timedelta(minutes=5)
    finally:
        await handle.delete()


async def test_a_run_waits_until_the_evaluation_windows_have_closed(ts_worker: tuple[Client, str],
                                                                   timeskip_env: WorkflowEnvironment,
                                                                   settings: Settings) -> None:
    """Fired at 01:00 on 1 January 2027 for 2026-Q4, the run sleeps until 01:00 on the day after the fifth working
    day of 2027 (9 January by the official calendar: New Year's Day is a holiday), asks again, and issues the
    quarter and the year 2026 then — at 01:00 on that day or, if the evidence moved later meanwhile, on a later one
    (the time-skipping server's clock is shared by the session's tests, so "then" is read from the run)."""
    client, queue = ts_worker
    fired = datetime(2027, 1, 1, 1, tzinfo=BEIJING)
    sessions = session_factory(make_engine(settings.db_url))
    earliest = assessments.due_at(Period.quarter(2026, 4), 5, WorkingCalendar().is_workday)
    assert earliest == datetime(2027, 1, 9, 1, tzinfo=BEIJING)
    with timeskip_env.auto_time_skipping_disabled():
        handle = await client.start_workflow(QuarterlyAssessment.run, IssueQuarter(at=fired),
                                             id=f"assessment-wait-{uuid.uuid4().hex[:8]}", task_queue=queue)
        for _ in range(100):  # the plan is made and the timer set; nothing issued meanwhile
            timers = [e async for e in handle.fetch_history_events()
                      if e.event_type == EventType.EVENT_TYPE_TIMER_STARTED]
            if timers:
                break
            await asyncio.sleep(0.1)
        assert timers, "the run did not wait"
        with sessions() as session:
            assert assessments.stored(session, "qh.hd", assessments.AssessedLevel.street, "2026-Q4") is None
    issued = await handle.result()  # the server skips the time to the timer
    assert {(i.period, i.level, i.district_id) for i in issued} >= {
        ("2026-Q4", "street", "qh.hd"), ("2026-Q4", "city_department", "qh"), ("2026", "department", "qh.hx")}
    with sessions() as session:
        kept = assessments.stored(session, "qh.hd", assessments.AssessedLevel.street, "2026-Q4")
        year = assessments.stored(session, "qh.hd", assessments.AssessedLevel.street, "2026")
    assert kept is not None and year is not None and kept.issued_at is not None and year.issued_at is not None
    for issued_at in (kept.issued_at, year.issued_at):
        local = issued_at.astimezone(BEIJING)
        assert local >= earliest and (local.hour, local.minute) == (1, 0), local  # at 01:00, once the evidence is in
    assert abs(kept.issued_at - year.issued_at) < timedelta(minutes=1)  # the same night
