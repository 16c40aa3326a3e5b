"""The issue's read-model projection: every event the read model lacks goes to it, batch after batch, beside the
workflow's main loop and without its lock. If the database is down this retries with backoff while people keep
acting and timers keep firing; the read model catches up when it returns."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.read_model import ReadModelActivities
    from domain import errors
    from domain.projection import ProjectionBatch, TaskSnapshot, forget_projected, projection_batch
    from domain.rule_versions import rule_version
    from domain.state import IssueState

ACTIVITY_TIMEOUT = timedelta(seconds=30)
#: activities retry until they succeed: the issue keeps its place while a dependency is down
ACTIVITY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), backoff_coefficient=2.0,
                             maximum_interval=timedelta(minutes=1),
                             non_retryable_error_types=[errors.type_name(errors.UnknownReference)])
#: a local projection gives up after this, and the batch goes by the regular activity, which waits for the database
LOCAL_PROJECTION_TIMEOUT = timedelta(seconds=10)
LOCAL_PROJECTION_RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=200), backoff_coefficient=2.0,
                                     maximum_attempts=3)


class Projector:
    """Sends one issue's events to the read model. The workflow says when it hands over (continue-as-new: start no
    new batch) and when it closes (finish what is unsent, then end); it waits for :attr:`busy` to clear before
    handing over."""

    def __init__(self, state: IssueState, *, locally: bool) -> None:
        self.state = state
        self.locally = locally  # issues that recorded the withdrawn local projection keep replaying it
        self.busy = False
        self.handing_over = False
        self.closing = False
        self._database_away = False  # the last local projection failed: the regular activity until one succeeds
        self._sent_tasks: dict[str, TaskSnapshot] = {}  # each task as the last batch carried it (this run)

    def unprojected(self) -> bool:
        return self.state.projected_seq < self.state.next_seq - 1

    async def run(self) -> None:
        """Project until the issue is closed and everything is projected."""
        state = self.state
        while True:
            await workflow.wait_condition(lambda: (self.unprojected() and not self.handing_over) or self.closing)
            if not self.unprojected():
                return
            # regular batches carry only the tasks that changed: their activity's input is in the history, so a
            # retry or a replay sends the same; a local projection may be lost with its task, and sends all
            batch = projection_batch(state, state.projected_seq, None if self.locally else self._sent_tasks)
            batch.epoch = int(workflow.now().timestamp() * 1_000_000)
            self.busy = True
            try:
                await self._project(batch)
            finally:
                self.busy = False
            state.projected_seq = max(state.projected_seq, batch.last_seq)
            self._sent_tasks.update((t.task_id, t) for t in batch.tasks)
            if rule_version(state.rules).projects_in_batches:
                forget_projected(state)

    async def _project(self, batch: ProjectionBatch) -> None:
        """Locally when the database answers (no round trip through the server), else by the regular activity,
        which retries until it is back."""
        if self.locally and not self._database_away:
            try:
                await workflow.execute_local_activity_method(
                    ReadModelActivities.project_local, batch, schedule_to_close_timeout=LOCAL_PROJECTION_TIMEOUT,
                    retry_policy=LOCAL_PROJECTION_RETRY)
                return
            except (ActivityError, ApplicationError, TimeoutError):  # a failed local attempt surfaces as its cause
                self._database_away = True
        await workflow.execute_activity_method(
            ReadModelActivities.project, batch, start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=ACTIVITY_RETRY)
        self._database_away = False
