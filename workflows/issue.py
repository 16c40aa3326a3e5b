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
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.workflow import HandlerUnfinishedPolicy

with workflow.unsafe.imports_passed_through():
    import structlog

    from activities.issue_lookups import IssueActivities, MatterRequest
    from domain import access, errors, timers, views
    from domain.apply import apply
    from domain.deadlines import DeadlineBatch
    from domain.decision import Decision
    from domain.messages import ActionRequest, FollowerLink, Handover, IssueConfig, issue_workflow_id
    from domain.rule_versions import rule_version
    from domain.state import IssueInput, IssueState, MatterContext, Status
    from domain.steps.discovery import open_issue
    from domain.steps.evaluation import follower_link, link_follower
    from domain.successors import hand_over
    from domain.timers import pending_deadlines, recount_provisional, set_deadlines
    from domain.validation import check_visible, validate
    from domain.views import IssueRecord, IssueView
    from workflows import patches
    from workflows import search_attributes as sa
    from workflows.patches import Feature
    from workflows.projector import ACTIVITY_RETRY, ACTIVITY_TIMEOUT, Projector

log = structlog.get_logger("whistle.workflow")

ArgT = TypeVar("ArgT")
RetT = TypeVar("RetT")


def _refusal(exc: errors.ActionRefused) -> ApplicationError:
    return ApplicationError(exc.message, type=errors.type_name(type(exc)), non_retryable=True)


@workflow.defn(name="ResidentIssue")
class ResidentIssue:
    @workflow.init
    def __init__(self, inp: IssueInput) -> None:
        self._state: IssueState | None = inp.state
        self._lock = asyncio.Lock()
        self._changed = False  # someone acted or a signal came: the loop looks at the next mark again
        self._published: dict[str, Any] = {}  # the search attributes as last upserted
        self._features: frozenset[Feature] = frozenset()  # the patches this run recorded
        self._projector: Projector | None = None

    # --- the loop ---------------------------------------------------------------------------------

    @workflow.run
    async def run(self, inp: IssueInput) -> IssueRecord:
        self._features = patches.features()
        rules_version = patches.rules_version(self._features)
        if self._state is None:
            await self._open(inp, rules_version)
        else:
            self._state.rules = max(self._state.rules, rules_version)
            self._publish()
        state = self._opened()
        projector = None
        if Feature.projects in self._features:
            projector = self._projector = Projector(state, locally=Feature.projects_locally in self._features)
        projecting = asyncio.create_task(projector.run()) if projector is not None else None
        while state.status is Status.open:
            if self._should_continue_as_new():
                await self._hand_over_to_next_run(state, projector)
                break  # the last handler closed the issue meanwhile: no hand-over, finish here
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
        if projector is not None and projecting is not None:
            projector.closing = True
            await projecting
        self._log("issue_closed", status=state.status.value, outcome=state.outcome)
        return views.issue_record(state)

    async def _open(self, inp: IssueInput, rules_version: int) -> None:
        try:
            context = await self._lookup(IssueActivities.load_issue_context, inp.report, patches.LOCAL_CONTEXT)
        except ActivityError as exc:
            cause = exc.cause
            message = cause.message if isinstance(cause, ApplicationError) else str(exc)
            raise _refusal(errors.InvalidPayload(f"report refused: {message}")) from None
        async with self._lock:
            self._state = open_issue(inp.report, context, inp.config, workflow.now(), rules_version)
            self._log("issue_opened", matter=inp.report.matter_code, grid=inp.report.grid_id)
            await self._settle()

    async def _hand_over_to_next_run(self, state: IssueState, projector: Projector | None) -> None:
        """Continue as new once the handlers and the batch in flight are done (returns if the issue closed)."""
        if projector is not None:
            projector.handing_over = True
        await workflow.wait_condition(
            lambda: workflow.all_handlers_finished() and not (projector is not None and projector.busy))
        if state.status is Status.open:
            state.runs += 1
            self._log("continue_as_new", runs=state.runs)
            workflow.continue_as_new(IssueInput(report=state.report, config=state.config, state=state))
        if projector is not None:
            projector.handing_over = False

    def _should_continue_as_new(self) -> bool:
        info = workflow.info()
        limit = self._state.config.history_limit if self._state else IssueConfig().history_limit
        return info.is_continue_as_new_suggested() or info.get_current_history_length() >= limit

    async def _lookup(self, method: Callable[[IssueActivities, ArgT], RetT], arg: ArgT, local_since: str) -> RetT:
        """A read-only activity of the issue: local for issues that recorded ``local_since`` (or the baseline),
        by the regular activity for those that recorded it so."""
        if patches.runs_locally(self._features, local_since):
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
            answer = await self._lookup(IssueActivities.compute_deadlines, batch, patches.LOCAL_DEADLINES)
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
        if Feature.publishes_provisional in self._features:
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
            raise _refusal(errors.IssueOpening("the issue is still being opened; try again in a moment"))
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
            raise _refusal(errors.InvalidPayload(f"issue_id: issue {target} is not an open issue")) from None

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
            if rule_version(state.rules).asks_late_followers:
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
        return views.view(self._opened())

    @workflow.query
    def live(self) -> access.LiveIssue:
        """The live state and the facts that decide who may see it (for the API). It fails while the issue is being
        opened: a query's failure carries only a message, so the API tells that case by the workflow's status."""
        return access.live(self._opened())
