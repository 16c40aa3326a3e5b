"""The quarterly Schedule on a real Temporal dev server: backfilled over a year, it issues each quarter's
assessment once (the quarter before each fire time); backfilled again, nothing changes."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from temporalio.client import Client, ScheduleBackfill, ScheduleOverlapPolicy

from core.settings import Settings
from store import assessments
from store.db import make_engine, session_factory
from worker import ensure_assessment_schedule

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
        assert len(first) == 4 * 2 * 2  # each quarter once, per district (2) and level (2)

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
