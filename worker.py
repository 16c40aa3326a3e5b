"""The Whistle worker: runs ``ResidentIssue`` workflows and their activities on the task queue.

    python worker.py          # or: whistle worker
"""

from __future__ import annotations

import asyncio
import signal
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import structlog
from temporalio.client import Client
from temporalio.worker import Worker

from activities import IssueActivities, ReadModelActivities, WorkingCalendar, parse_overrides
from core import directory
from core.logging import configure_logging
from core.settings import Settings, get_settings
from core.temporal import connect
from store.db import SessionFactory, make_engine, session_factory
from store.seed import load_calendar_overrides
from workflows import ResidentIssue

log = structlog.get_logger("whistle.worker")


def build_activities(settings: Settings, sessions: SessionFactory) -> IssueActivities:
    def overrides_from_db() -> dict[date, bool]:
        with sessions() as session:
            return load_calendar_overrides(session)

    calendar = WorkingCalendar(parse_overrides(settings.calendar_overrides), settings.timezone,
                               loader=overrides_from_db)
    return IssueActivities(directory.organisation(), directory.catalogue(), calendar, settings.time_scale)


def build_worker(client: Client, settings: Settings, executor: ThreadPoolExecutor,
                 task_queue: str | None = None, sessions: SessionFactory | None = None) -> Worker:
    sessions = sessions or session_factory(make_engine(settings.db_url))
    acts = build_activities(settings, sessions)
    read_model = ReadModelActivities(sessions)
    return Worker(
        client,
        task_queue=task_queue or settings.task_queue,
        workflows=[ResidentIssue],
        activities=[acts.load_issue_context, acts.load_matter_context, acts.compute_deadlines, read_model.project],
        activity_executor=executor,
        max_concurrent_activities=getattr(executor, "_max_workers", settings.activity_threads),
    )


async def run_worker(settings: Settings) -> None:
    """Run until SIGINT or SIGTERM, then shut down: in-flight workflow tasks are simply retried elsewhere."""
    client = await connect(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    with ThreadPoolExecutor(max_workers=settings.activity_threads) as executor:
        async with build_worker(client, settings, executor):
            log.info("worker_started", task_queue=settings.task_queue, temporal=settings.temporal_address,
                     time_scale=settings.time_scale)
            await stop.wait()
    log.info("worker_stopped")


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)
    asyncio.run(run_worker(settings))


if __name__ == "__main__":
    main()
