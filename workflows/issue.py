"""``ResidentIssue``: one durable workflow per resident issue (DESIGN §4).

The step table lives in the pure ``domain`` package; this workflow is the loop around it: it sleeps
until the next mark of an open task (reminder, warning, escalation) or until someone acts, asks the
calendar activity for new deadlines, keeps the search attributes current, and continues as new before
the history grows long. People act through the ``act`` update (validated before anything enters
history) or its signal twin ``act_signal``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeUpdate
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.workflow import HandlerUnfinishedPolicy

with workflow.unsafe.imports_passed_through():
    import structlog

    from activities.issue import IssueActivities, MatterRequest
    from activities.read_model import ReadModelActivities
    from domain import access, errors, timers, views
    from domain.apply import apply
    from domain.deadlines import DeadlineBatch
    from domain.decision import Decision
    from domain.messages import ActionRequest, FollowerLink, Handover, IssueConfig, issue_workflow_id
    from domain.projection import ProjectionBatch, TaskSnapshot, forget_projected, projection_batch
    from domain.state import IssueInput, IssueState, MatterContext, Status
    from domain.steps.discovery import open_issue
    from domain.steps.evaluation import follower_link, link_follower
    from domain.successors import hand_over
    from domain.timers import pending_deadlines, recount_provisional, set_deadlines
    from domain.validation import check_visible, validate
    from domain.views import IssueRecord, IssueView
    from workflows import search_attributes as sa

log = structlog.get_logger("whistle.workflow")

ArgT = TypeVar("ArgT")
RetT = TypeVar("RetT")

ACTIVITY_TIMEOUT = timedelta(seconds=30)
#: activities retry until they succeed: the issue keeps its place while a dependency is down
ACTIVITY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), backoff_coefficient=2.0,
                             maximum_interval=timedelta(minutes=1), non_retryable_error_types=["UnknownReference"])


#: issues started before the read model existed replay without projecting
PROJECTION_PATCH = "read-model-projection"
#: issues started before rules 2 (see ``domain.state.CURRENT_RULES``) keep the rules they started with
#: until they continue as new
RULES_PATCH = "rules-2"
#: urges, supervisions and the escalation after the last rework charged to the unit concerned (rules 3)
RULES3_PATCH = "rules-3"
#: deadlines come from a local activity (no task round trip through the server); older issues keep the
#: regular activity they recorded
LOCAL_DEADLINES_PATCH = "local-deadlines"
#: issues say in a search attribute when a deadline is provisional, so loading a year's arrangement finds them
PROVISIONAL_PATCH = "provisional-deadlines"
#: the read model is written by a local activity beside the workflow task that made the events (falling back to
#: the regular activity while the database is away); older issues keep the regular activity they recorded
LOCAL_PROJECTION_PATCH = "local-projection"
#: ...withdrawn: issues started since project by the regular activity again (the chaos suite saw a local
#: projection's marker fail to decode on replay after the Temporal server restarted; see docs/BENCHMARKS.md).
#: Issues that recorded "local-projection" keep replaying it
REGULAR_PROJECTION_PATCH = "regular-projection"

#: the report's context (ladder, matter) is loaded by a local activity in the issue's first workflow task, so that
#: the issue is open when that task completes; older issues loaded it by the regular activity
LOCAL_CONTEXT_PATCH = "local-context"
#: every change above, in one marker: an issue started since records this patch alone (each patch costs a marker
#: and a search-attribute upsert per issue, a visibility write on the server); older histories lack it and go
#: through the patches one by one as they recorded them
BASELINE_PATCH = "baseline-7"
#: a local projection gives up after this, and the batch goes by the regular activity, which waits for the database
LOCAL_PROJECTION_TIMEOUT = timedelta(seconds=10)
LOCAL_PROJECTION_RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=200), backoff_coefficient=2.0,
                                     maximum_attempts=3)


def _refusal(exc: errors.ActionRefused) -> ApplicationError:
    return ApplicationError(exc.message, type=type(exc).__name__, non_retryable=True)


@workflow.defn(name="ResidentIssue")
class ResidentIssue:
    @workflow.init
    def __init__(self, inp: IssueInput) -> None:
        self._state: IssueState | None = inp.state
        self._lock = asyncio.Lock()
        self._changed = False
        self._published: dict[str, Any] = {}
        self._projecting = False
        self._projection_busy = False
        self._closing = False
        self._handing_over = False  # continuing as new: start no new projection batch
        self._publishes_provisional = False
        self._projects_locally = False
        self._baseline = False  # started with every patch up to BASELINE_PATCH in one
        self._database_away = False  # the last local projection failed: use the regular activity until one succeeds
        self._sent_tasks: dict[str, TaskSnapshot] = {}  # each task as the last batch carried it (this run)

    # --- the loop ---------------------------------------------------------------------------------

    @workflow.run
    async def run(self, inp: IssueInput) -> IssueRecord:
        self._baseline = workflow.patched(BASELINE_PATCH)
        if self._baseline:
            self._projecting, rules_version, self._publishes_provisional = True, 2, True
        else:
            self._projecting = workflow.patched(PROJECTION_PATCH)
            rules_version = 2 if workflow.patched(RULES_PATCH) else 1
            self._publishes_provisional = workflow.patched(PROVISIONAL_PATCH)
            self._projects_locally = (self._projecting and not workflow.patched(REGULAR_PROJECTION_PATCH)
                                      and workflow.patched(LOCAL_PROJECTION_PATCH))
        if workflow.patched(RULES3_PATCH):
            rules_version = 3
        if self._state is None:
            try:
                context = await self._lookup(IssueActivities.load_issue_context, inp.report, LOCAL_CONTEXT_PATCH)
            except ActivityError as exc:
                cause = exc.cause
                message = cause.message if isinstance(cause, ApplicationError) else str(exc)
                raise ApplicationError(f"report refused: {message}", type="InvalidPayload",
                                       non_retryable=True) from None
            async with self._lock:
                self._state = open_issue(inp.report, context, inp.config, workflow.now(), rules_version)
                self._log("issue_opened", matter=inp.report.matter_code, grid=inp.report.grid_id)
                await self._settle()
        else:
            self._state.rules = max(self._state.rules, rules_version)
            self._publish()
        state = self._state
        projector = asyncio.create_task(self._projection_loop()) if self._projecting else None
        while state.status is Status.open:
            if self._should_continue_as_new():
                self._handing_over = True
                await workflow.wait_condition(lambda: workflow.all_handlers_finished() and not self._projection_busy)
                if state.status is Status.open:
                    state.runs += 1
                    self._log("continue_as_new", runs=state.runs)
                    workflow.continue_as_new(IssueInput(report=state.report, config=state.config, state=state))
                # the last handler closed the issue meanwhile: no hand-over, finish here
                self._handing_over = False
                break
            wake_at = timers.next_wakeup(state)
            self._changed = False
            delay = None if wake_at is None else (wake_at - workflow.now()).total_seconds()
            if delay is None or delay > 0:
                with contextlib.suppress(TimeoutError):
                    await workflow.wait_condition(lambda: self._changed, timeout=delay)
            async with self._lock:
                if timers.fire_due(state, workflow.now()):
                    await self._settle()
        await workflow.wait_condition(workflow.all_handlers_finished)
        self._closing = True
        if projector is not None:
            await projector
        self._log("issue_closed", status=state.status.value, outcome=state.outcome)
        return views.issue_record(state)

    def _should_continue_as_new(self) -> bool:
        info = workflow.info()
        limit = self._state.config.history_limit if self._state else IssueConfig().history_limit
        return info.is_continue_as_new_suggested() or info.get_current_history_length() >= limit

    def _unprojected(self) -> bool:
        state = self._state
        return self._projecting and state is not None and state.projected_seq < state.next_seq - 1

    async def _projection_loop(self) -> None:
        """Send the read model every event it lacks, batch after batch, beside the main loop and
        without the lock: if the database is down this retries with backoff while people keep acting
        and timers keep firing; the read model catches up when it returns. Ends once the issue is
        closed and everything is projected."""
        state = self._state
        if state is None:
            return
        while True:
            await workflow.wait_condition(
                lambda: (self._unprojected() and not self._handing_over) or self._closing)
            if not self._unprojected():
                return
            # regular batches carry only the tasks that changed: their activity's input is in the history, so a
            # retry or a replay sends the same; a local projection may be lost with its task, and sends all
            batch = projection_batch(state, state.projected_seq, None if self._projects_locally else self._sent_tasks)
            batch.epoch = int(workflow.now().timestamp() * 1_000_000)
            self._projection_busy = True
            try:
                await self._project(batch)
            finally:
                self._projection_busy = False
            state.projected_seq = max(state.projected_seq, batch.last_seq)
            self._sent_tasks.update((t.task_id, t) for t in batch.tasks)
            if state.rules >= 2:
                forget_projected(state)

    async def _project(self, batch: ProjectionBatch) -> None:
        """Locally when the database answers (no round trip through the server), else by the regular activity,
        which retries until it is back."""
        if self._projects_locally and not self._database_away:
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

    async def _lookup(self, method: Callable[[IssueActivities, ArgT], RetT], arg: ArgT, local_since: str) -> RetT:
        """A read-only activity of the issue: local for issues that recorded ``local_since`` (or the baseline),
        by the regular activity for those that recorded it so."""
        if self._baseline or workflow.patched(local_since):
            return await workflow.execute_local_activity_method(
                method, arg, start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=ACTIVITY_RETRY)
        return await workflow.execute_activity_method(
            method, arg, start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=ACTIVITY_RETRY)

    async def _settle(self) -> None:
        """After a transition: fetch deadlines for new tasks, publish search attributes, wake the loop."""
        state = self._state
        if state is None:
            return
        requests = pending_deadlines(state)
        if requests:
            batch = DeadlineBatch(requests=requests)
            answer = await self._lookup(IssueActivities.compute_deadlines, batch, LOCAL_DEADLINES_PATCH)
            set_deadlines(state, answer.deadlines, answer.notes, workflow.now())
        self._publish()
        self._changed = True

    def _publish(self) -> None:
        state = self._state
        if state is None:
            return
        values: dict[str, Any] = {
            sa.STEP.name: state.step.value, sa.STATUS.name: state.status.value, sa.LEVEL.name: state.level.value,
            sa.CATEGORY.name: state.matter.category, sa.LEAD_UNIT.name: state.lead_unit_id,
            sa.OVERDUE.name: timers.is_overdue(state),
        }
        keys = sa.ISSUE_KEYS
        if self._publishes_provisional:
            keys = (*keys, sa.PROVISIONAL)
            values[sa.PROVISIONAL.name] = any(t.provisional for t in state.open_tasks())
        updates: list[SearchAttributeUpdate[Any]] = []
        for key in keys:
            value = values[key.name]
            if key.name in self._published and self._published[key.name] == value:
                continue
            updates.append(key.value_unset() if value is None else key.value_set(value))
            self._published[key.name] = value
        if updates:
            workflow.upsert_search_attributes(updates)

    def _log(self, event: str, **kw: Any) -> None:
        if not workflow.unsafe.is_replaying():
            issue_id = self._state.issue_id if self._state else None
            log.info(event, issue_id=issue_id, run_id=workflow.info().run_id, **kw)

    # --- acting -----------------------------------------------------------------------------------

    def _opened(self) -> IssueState:
        if self._state is None:
            raise ApplicationError("the issue is still being opened; try again in a moment",
                                   type="WrongState", non_retryable=True)
        return self._state

    def _decide(self, req: ActionRequest) -> Decision:
        state = self._opened()
        try:
            return validate(state, req, workflow.now())
        except errors.ActionRefused as exc:
            raise _refusal(exc) from None

    async def _perform(self, req: ActionRequest) -> IssueView:
        async with self._lock:
            decision = self._decide(req)  # again: the state may have moved since the validator ran
            state = self._opened()
            matter: MatterContext | None = None
            if decision.needs_matter is not None:
                matter = await workflow.execute_activity_method(
                    IssueActivities.load_matter_context,
                    MatterRequest(issue_id=state.issue_id, matter_code=decision.needs_matter,
                                  ladder=state.context.ladder),
                    start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=ACTIVITY_RETRY)
            if decision.tells_original is not None:
                await self._tell_original(state, decision.tells_original, decision.actor.principal_id)
            try:
                apply(state, decision, workflow.now(), matter)
            except errors.ActionRefused as exc:
                raise _refusal(exc) from None
            self._log("action", task_id=decision.task_id, action=decision.action,
                      principal=decision.actor.principal_id)
            await self._settle()
            return views.view(state)

    async def _tell_original(self, state: IssueState, target: str, by: str) -> None:
        link = follower_link(state, by)
        try:
            await workflow.get_external_workflow_handle(issue_workflow_id(target)).signal(
                ResidentIssue.link_follower, link)
        except Exception:  # noqa: BLE001 - any failure means the original cannot take followers
            raise ApplicationError(f"issue_id: issue {target} is not an open issue", type="InvalidPayload",
                                   non_retryable=True) from None

    @workflow.update
    async def act(self, req: ActionRequest) -> IssueView:
        """Take an action on a task or on the issue; returns the new state."""
        return await self._perform(req)

    @act.validator
    def _validate_act(self, req: ActionRequest) -> None:
        """Refuse before anything is written. Visibility first: the API sends actions without asking the issue
        who may see it (validators do not run on replay, so the order here changes no history)."""
        try:
            check_visible(self._opened(), req)
        except errors.ActionRefused as exc:
            raise _refusal(exc) from None
        self._decide(req)

    @workflow.signal
    async def act_signal(self, req: ActionRequest) -> None:
        """The ``act`` update for tools that can only signal. A refused signal is logged and changes nothing."""
        await workflow.wait_condition(lambda: self._state is not None)
        try:
            await self._perform(req)
        except (ApplicationError, ActivityError) as exc:
            self._log("signal_refused", action=req.action, task_id=req.task_id, reason=exc.message)

    @workflow.signal
    async def recount_deadlines(self) -> None:
        """A year's official arrangement was loaded: count the provisional deadlines again."""
        await workflow.wait_condition(lambda: self._state is not None)
        async with self._lock:
            state = self._opened()
            if recount_provisional(state):
                self._log("deadlines_recounted")
                await self._settle()

    @workflow.signal
    async def hand_over(self, handover: Handover) -> None:
        """The directory changed: a retired unit's open tasks go to its successor, a deactivated person's claims
        back to their unit (each on the timeline). Sent again, it changes nothing."""
        await workflow.wait_condition(lambda: self._state is not None)
        async with self._lock:
            state = self._opened()
            if state.status is Status.open and hand_over(state, handover, workflow.now()):
                self._log("handed_over", version=handover.version)
                await self._settle()

    @workflow.signal
    async def link_follower(self, link: FollowerLink) -> None:
        """Another report was linked to this issue as a duplicate: its reporter follows this one."""
        await workflow.wait_condition(lambda: self._state is not None)
        async with self._lock:
            state = self._opened()
            link_follower(state, link, workflow.now())
            if state.rules >= 2:
                await self._settle()  # a follower linked during evaluation is asked too: a deadline
            self._changed = True

    @workflow.update(unfinished_policy=HandlerUnfinishedPolicy.ABANDON)  # a refused report ends the run unopened
    async def opened(self) -> access.LiveIssue:
        """The live state once the issue is open: sent with the start (update-with-start), so that the reporter
        is answered when the first workflow task completes, without asking again and again."""
        await workflow.wait_condition(lambda: self._state is not None and not self._lock.locked())  # settled
        return access.live(self._opened())

    @workflow.query
    def state(self) -> IssueView:
        """The issue's live state: step, status, level, open tasks with their allowed actions, …"""
        if self._state is None:
            raise ApplicationError("the issue is still being opened", type="WrongState")
        return views.view(self._state)

    @workflow.query
    def live(self) -> access.LiveIssue:
        """The live state and the facts that decide who may see it (for the API)."""
        if self._state is None:
            raise ApplicationError("the issue is still being opened", type="WrongState")
        return access.live(self._state)
