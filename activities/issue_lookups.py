"""The issue workflow's activities. Synchronous methods on a class; the worker gives them threads."""

from __future__ import annotations

import structlog
from pydantic import BaseModel
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.working_days import WorkingCalendar
from domain.context import issue_context, matter_context
from domain.deadlines import DeadlineAnswer, DeadlineBatch
from domain.errors import UnknownReference, type_name
from domain.messages import IssueReport
from domain.organisation import Level, UnitRef
from domain.state import IssueContext, MatterContext
from domain.task_state import issue_of_task
from store.directory_cache import DirectoryCache

log = structlog.get_logger(__name__)


class MatterRequest(BaseModel):
    issue_id: str
    matter_code: str
    ladder: dict[Level, UnitRef]


class IssueActivities:
    def __init__(self, directory: DirectoryCache, calendar: WorkingCalendar, time_scale: float = 1.0) -> None:
        self.directory = directory
        self.calendar = calendar
        self.time_scale = time_scale

    @activity.defn(name="load_issue_context")
    def load_issue_context(self, report: IssueReport) -> IssueContext:
        with structlog.contextvars.bound_contextvars(issue_id=report.issue_id):
            try:
                loaded = self.directory.get()
                ctx = issue_context(loaded.organisation, loaded.catalogue, report, loaded.directory.rules)
            except UnknownReference as exc:
                log.warning("report_refused", reason=str(exc))
                raise ApplicationError(str(exc), type=type_name(UnknownReference), non_retryable=True) from None
            log.info("issue_context_loaded", grid=report.grid_id, matter=report.matter_code)
            return ctx

    @activity.defn(name="load_matter_context")
    def load_matter_context(self, req: MatterRequest) -> MatterContext:
        with structlog.contextvars.bound_contextvars(issue_id=req.issue_id):
            try:
                loaded = self.directory.get()
                return matter_context(loaded.organisation, loaded.catalogue, req.ladder, req.matter_code)
            except UnknownReference as exc:
                raise ApplicationError(str(exc), type=type_name(UnknownReference), non_retryable=True) from None

    @activity.defn(name="compute_deadlines")
    def compute_deadlines(self, batch: DeadlineBatch) -> DeadlineAnswer:
        issue_id = issue_of_task(batch.requests[0].key) if batch.requests else None
        with structlog.contextvars.bound_contextvars(issue_id=issue_id):
            answer = self.calendar.compute(batch, self.time_scale)
            for d in answer.deadlines:
                log.debug("deadline", task_id=d.key, due_at=d.due_at.isoformat())
            return answer
