"""The figure snapshots' Schedule on a real Temporal dev server with a real worker: created once (again, kept),
every five minutes, a run still going makes the next skip; a run keeps every group's figures for the standard
periods under the directory in force, as of the run's clock."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from temporalio.client import Client, ScheduleActionStartWorkflow, ScheduleOverlapPolicy, ScheduleRange

from core.settings import Settings
from store import directory as store_directory
from store import models
from store.db import make_engine, session_factory
from worker import ensure_snapshot_schedule


async def test_the_schedule_keeps_every_standard_period_fresh(local_worker: tuple[Client, str],
                                                              settings: Settings) -> None:
    client, queue = local_worker
    schedule_id = f"snapshots-test-{uuid.uuid4().hex[:8]}"
    await ensure_snapshot_schedule(client, settings, task_queue=queue, schedule_id=schedule_id)
    await ensure_snapshot_schedule(client, settings, task_queue=queue, schedule_id=schedule_id)  # kept, not doubled
    handle = client.get_schedule_handle(schedule_id)
    sessions = session_factory(make_engine(settings.db_url))
    try:
        desc = await handle.describe()
        action = desc.schedule.action
        assert isinstance(action, ScheduleActionStartWorkflow) and action.workflow == "RefreshFigures"
        assert [list(c.minute) for c in desc.schedule.spec.calendars] == [[ScheduleRange(0, 59, 5)]]  # */5 * * * *
        assert desc.schedule.policy.overlap is ScheduleOverlapPolicy.SKIP
        before = datetime.now(UTC)
        await handle.trigger()
        for _ in range(300):
            desc = await handle.describe()
            if desc.info.num_actions >= 1 and not desc.info.running_actions:
                break
            await asyncio.sleep(0.2)
        kept = await client.get_workflow_handle(desc.info.recent_actions[-1].action.workflow_id).result()
        S = models.FigureSnapshot
        with sessions() as session:
            version = store_directory.version(session)
            rows = session.execute(select(S.period, S.computed_at, S.directory_version)).all()
            groups = session.scalar(select(func.count(func.distinct(S.level + S.kind))))
        assert kept == len(rows) == 5 * groups and groups >= 4
        assert {v for *_, v in rows} == {version}
        assert all(before - timedelta(seconds=1) <= at <= datetime.now(UTC) for _, at, _ in rows)
        assert f"{datetime.now(settings.tz):%Y}" in {p for p, *_ in rows}  # the year so far
    finally:
        await handle.delete()
