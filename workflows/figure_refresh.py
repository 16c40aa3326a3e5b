"""``RefreshFigures``: recompute the figure snapshots the rankings of standard periods are served from. A Temporal
Schedule starts it every few minutes; a run still going when the next is due makes the next one skip."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.snapshotting import RefreshFigures, SnapshotActivities

SCHEDULE_ID = "whistle-figure-snapshots"
#: every five minutes
SCHEDULE_CRON = "*/5 * * * *"
#: a refresh that cannot finish in this (a database far too slow) gives way to the next
TIMEOUT = timedelta(minutes=4)


@workflow.defn(name="RefreshFigures")
class FigureRefresh:
    @workflow.run
    async def run(self, req: RefreshFigures) -> int:
        return await workflow.execute_activity_method(
            SnapshotActivities.refresh, RefreshFigures(at=req.at or workflow.now()), start_to_close_timeout=TIMEOUT,
            retry_policy=RetryPolicy(maximum_attempts=2))
