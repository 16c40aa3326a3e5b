"""The Whistle worker: runs ``ResidentIssue`` workflows and their activities on the task queue.

    python worker.py          # or: whistle worker
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from concurrent.futures import ThreadPoolExecutor

import structlog
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
)
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError
from temporalio.worker import Worker

from activities import IssueActivities, ReadModelActivities
from activities.assessment_issuing import AssessmentActivities, IssueQuarter
from activities.delivery import WebhookActivities
from activities.snapshotting import RefreshFigures, SnapshotActivities
from activities.working_days import working_calendar
from core.logging import configure_logging
from core.settings import Settings, get_settings
from core.temporal import connect
from store import webhooks
from store.db import SessionFactory, make_engine, session_factory, transaction
from store.directory_cache import DirectoryCache
from workflows import (
    DeliveryInput,
    QuarterlyAssessment,
    ResidentIssue,
    WebhookDelivery,
    delivery_workflow_id,
    figure_refresh,
)
from workflows.assessment import SCHEDULE_CRON, SCHEDULE_ID
from workflows.figure_refresh import FigureRefresh
from workflows.webhook import webhook_queue

log = structlog.get_logger("whistle.worker")


def build_activities(settings: Settings, sessions: SessionFactory, directory: DirectoryCache) -> IssueActivities:
    return IssueActivities(directory, working_calendar(settings, sessions), settings.time_scale)


def build_worker(client: Client, settings: Settings, executor: ThreadPoolExecutor,
                 task_queue: str | None = None, sessions: SessionFactory | None = None,
                 directory: DirectoryCache | None = None) -> Worker:
    """The worker; the directory is read from the read model (again when a new version is loaded) unless given."""
    sessions = sessions or session_factory(make_engine(settings.db_url))
    directory = directory or DirectoryCache(sessions, settings.directory_refresh_s)
    acts = build_activities(settings, sessions, directory)
    read_model = ReadModelActivities(sessions)
    hooks = WebhookActivities(sessions, settings.webhook_timeout_s, settings.webhook_networks)
    assess = AssessmentActivities(sessions, directory, settings.timezone,
                                  settings.assessment_bands, settings.no_answer_policy, acts.calendar)
    snap = SnapshotActivities(sessions, directory, settings.timezone, settings.no_answer_policy)
    return Worker(
        client,
        task_queue=task_queue or settings.task_queue,
        # deliveries started before they had a queue of their own still finish here
        workflows=[ResidentIssue, WebhookDelivery, QuarterlyAssessment, FigureRefresh],
        activities=[acts.load_issue_context, acts.load_matter_context, acts.compute_deadlines, read_model.project,
                    read_model.project_local,
                    hooks.deliver, hooks.dead_letter, assess.plan, assess.issue_quarter, snap.refresh],
        activity_executor=executor,
        max_concurrent_activities=getattr(executor, "_max_workers", settings.activity_threads),
    )


def build_webhook_worker(client: Client, settings: Settings, task_queue: str | None = None,
                         sessions: SessionFactory | None = None) -> Worker:
    """The deliveries' worker, on their own queue: ``webhook_threads`` deliveries at once (async, so they hold
    no thread of the desk's)."""
    sessions = sessions or session_factory(make_engine(settings.db_url))
    hooks = WebhookActivities(sessions, settings.webhook_timeout_s, settings.webhook_networks)
    return Worker(client, task_queue=webhook_queue(task_queue or settings.task_queue), workflows=[WebhookDelivery],
                  activities=[hooks.deliver, hooks.dead_letter], max_concurrent_activities=settings.webhook_threads)


async def pump_webhooks(client: Client, settings: Settings, sessions: SessionFactory, stop: asyncio.Event,
                        task_queue: str | None = None, every_s: float = 1.0) -> None:
    """Start a delivery workflow for every pending webhook delivery not yet started. Its id is the delivery's
    (and run's), so two workers pumping, or a pump restarted between start and mark, start it once."""
    def batch() -> list[tuple[str, int]]:
        with sessions() as session:
            return webhooks.unstarted(session)

    def started(delivery_id: str, run: int) -> None:
        with transaction(sessions) as session:
            webhooks.mark_started(session, delivery_id, run)

    while not stop.is_set():
        try:
            for delivery_id, run in await asyncio.to_thread(batch):
                inp = DeliveryInput(delivery_id=delivery_id, attempts=settings.webhook_attempts,
                                    first_retry_s=settings.webhook_first_retry_s,
                                    max_retry_s=settings.webhook_max_retry_s)
                with contextlib.suppress(WorkflowAlreadyStartedError):
                    await client.start_workflow(WebhookDelivery.run, inp, id=delivery_workflow_id(delivery_id, run),
                                                task_queue=webhook_queue(task_queue or settings.task_queue))
                await asyncio.to_thread(started, delivery_id, run)
        except Exception as exc:  # noqa: BLE001 - the database or Temporal is away: the next round retries
            log.warning("webhook_pump_failed", error=str(exc))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every_s)


async def _ensure_schedule(client: Client, schedule_id: str, action: ScheduleActionStartWorkflow, cron: str,
                           settings: Settings, policy: SchedulePolicy | None = None) -> None:
    """Create the Schedule once; one that exists is kept as it is."""
    spec = ScheduleSpec(cron_expressions=[cron], time_zone_name=settings.timezone)
    with contextlib.suppress(ScheduleAlreadyRunningError):
        await client.create_schedule(schedule_id, Schedule(action=action, spec=spec, policy=policy or SchedulePolicy()))


async def ensure_assessment_schedule(client: Client, settings: Settings, task_queue: str | None = None,
                                     schedule_id: str = SCHEDULE_ID) -> None:
    """The Schedule that issues each quarter's assessment after the quarter ends."""
    action = ScheduleActionStartWorkflow(QuarterlyAssessment.run, IssueQuarter(), id=f"{schedule_id}-run",
                                         task_queue=task_queue or settings.task_queue)
    await _ensure_schedule(client, schedule_id, action, SCHEDULE_CRON, settings)


async def ensure_snapshot_schedule(client: Client, settings: Settings, task_queue: str | None = None,
                                   schedule_id: str = figure_refresh.SCHEDULE_ID) -> None:
    """The Schedule that keeps the figure snapshots of the standard periods fresh; a run still going skips the next."""
    action = ScheduleActionStartWorkflow(FigureRefresh.run, RefreshFigures(), id=f"{schedule_id}-run",
                                         task_queue=task_queue or settings.task_queue)
    await _ensure_schedule(client, schedule_id, action, figure_refresh.SCHEDULE_CRON, settings,
                           SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP))


async def run_worker(settings: Settings) -> None:
    """Run until SIGINT or SIGTERM, then shut down: in-flight workflow tasks are simply retried elsewhere."""
    client = await connect(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    sessions = session_factory(make_engine(settings.db_url))
    with ThreadPoolExecutor(max_workers=settings.activity_threads) as executor:
        async with build_worker(client, settings, executor, sessions=sessions), \
                build_webhook_worker(client, settings, sessions=sessions):
            try:
                await ensure_assessment_schedule(client, settings)
                await ensure_snapshot_schedule(client, settings)
            except RPCError as exc:  # the worker still serves issues; the next start tries again
                log.warning("schedule_not_created", error=exc.message)
            log.info("worker_started", task_queue=settings.task_queue, temporal=settings.temporal_address,
                     time_scale=settings.time_scale)
            pump = asyncio.create_task(pump_webhooks(client, settings, sessions, stop))
            await stop.wait()
            await pump
    log.info("worker_stopped")


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)
    asyncio.run(run_worker(settings))


if __name__ == "__main__":
    main()
