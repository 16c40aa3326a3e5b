"""One issue, live: the workflow's ``live`` query and ``act`` update, as the caller may see and use them.

Temporal's answers become problem details here: an issue that does not exist, or that the caller may
not see, is 404; a refusal of the validator keeps its status (403, 404, 409, 422); an issue that has
closed no longer takes updates (409).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from datetime import timedelta

import structlog
from fastapi.concurrency import run_in_threadpool
from temporalio.client import (
    RPCTimeoutOrCancelledError,
    WorkflowExecutionDescription,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateStage,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.deps import Caller, Services
from api.problems import Problem, for_resident, refusal, temporal_unavailable, unavailable
from api.schemas import IssueOut, TaskOut
from domain import errors
from domain.access import LiveIssue, can_see, in_subtree, is_staff, issue_actions, may_act, visible_view
from domain.messages import ISSUE_ID_PATTERN, ActionRequest, issue_workflow_id
from domain.views import IssueView
from store import action_keys
from workflows import ResidentIssue

log = structlog.get_logger("whistle.api")

RPC_TIMEOUT = timedelta(seconds=10)
#: an action on an issue still being opened is sent again for this long
OPENING_RETRY_S = 2.0
_ID = re.compile(ISSUE_ID_PATTERN)


def handle_of(services: Services, issue_id: str) -> WorkflowHandle[ResidentIssue, object]:
    if not _ID.match(issue_id):
        raise Problem("not-found", f"no issue {issue_id!r}")
    return services.client.get_workflow_handle_for(ResidentIssue.run, issue_workflow_id(issue_id))


def unavailable_issue(exc: RPCError, issue_id: str) -> Problem:
    if exc.status == RPCStatusCode.NOT_FOUND:
        return Problem("not-found", f"no issue {issue_id!r}")
    if exc.status == RPCStatusCode.DEADLINE_EXCEEDED:
        return Problem("timeout", f"issue {issue_id} did not answer; is a worker running?")
    return temporal_unavailable(exc)


async def query_live(services: Services, issue_id: str, *, wait_s: float = 2.0) -> LiveIssue:
    """The issue's live state; waits up to ``wait_s`` for an issue that is still being opened."""
    handle = handle_of(services, issue_id)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    while True:
        try:
            return await handle.query(ResidentIssue.live, rpc_timeout=RPC_TIMEOUT)
        except WorkflowQueryFailedError as exc:
            # a query's failure carries no type: the issue is asked again until it is open, then its workflow's
            # status says why it did not answer (refused when it opened, accepted but not yet open, or other)
            if loop.time() > deadline:
                raise await not_live(handle, issue_id, exc.message, opening=True) from None
        except RPCError as exc:
            raise unavailable_issue(exc, issue_id) from None
        await asyncio.sleep(0.05)


async def not_live(handle: WorkflowHandle[ResidentIssue, object], issue_id: str, why: str, *,
                   opening: bool = False, reported: bool = False) -> Problem:
    """Why an issue did not answer (``opening``: it had not been opened yet). For a report (``reported``), an issue
    Temporal does not know was never accepted: 503, send it again — not a 404 that a client would not retry."""
    try:
        desc = await handle.describe(rpc_timeout=RPC_TIMEOUT)
    except RPCError as exc:
        if reported and exc.status == RPCStatusCode.NOT_FOUND:
            return unavailable("Temporal did not take the report; send it again")
        return unavailable_issue(exc, issue_id)
    if desc.status == WorkflowExecutionStatus.FAILED:
        return Problem("invalid-input", f"issue {issue_id} was refused when it opened; see its history")
    if desc.status == WorkflowExecutionStatus.RUNNING and opening:
        # accepted and durable, but no worker has opened it yet (one is restarting, or all are busy)
        return Problem("timeout", f"issue {issue_id} is accepted but not open yet: no worker has answered; send the "
                       "request again (with the same Idempotency-Key) to get it once it is")
    return Problem("wrong-state", f"issue {issue_id} is not ready: {why}")


async def described(handle: WorkflowHandle[ResidentIssue, object],
                    issue_id: str) -> WorkflowExecutionDescription | None:
    """The issue's workflow as Temporal describes it, or None when Temporal does not know it."""
    try:
        return await handle.describe(rpc_timeout=RPC_TIMEOUT)
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return None
        raise unavailable_issue(exc, issue_id) from None


async def _running(handle: WorkflowHandle[ResidentIssue, object], issue_id: str) -> bool | None:
    """Whether the issue's workflow runs (True), has closed (False), or does not exist (None)."""
    desc = await described(handle, issue_id)
    return None if desc is None else desc.status == WorkflowExecutionStatus.RUNNING


async def visible_issue(services: Services, caller: Caller, issue_id: str, *, wait_s: float = 2.0) -> LiveIssue:
    live = await query_live(services, issue_id, wait_s=wait_s)
    if not can_see(caller.actor, live.access, in_subtree(caller.subtree)):
        raise Problem("not-found", f"no issue {issue_id!r}")
    return live


def issue_out(view: IssueView, caller: Caller) -> IssueOut:
    """The issue as the caller may see it, each open task saying whether it is theirs to act on."""
    actor = caller.actor
    seen = visible_view(view, actor)
    tasks = [TaskOut(**t.model_dump(), yours=may_act(t, actor)) for t in seen.open_tasks]
    return IssueOut(**seen.model_dump(exclude={"open_tasks"}), open_tasks=tasks,
                    issue_actions=issue_actions(actor, view))


def action_fingerprint(task_id: str | None, action: str, data: dict[str, object]) -> str:
    """What an action's Idempotency-Key is bound to: its task, action and data (canonical JSON, hashed)."""
    canonical = json.dumps({"task_id": task_id, "action": action, "data": data}, sort_keys=True,
                           separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def update_id(caller: Caller, issue_id: str, key: str, fingerprint: str) -> str:
    """The update id for an Idempotency-Key: the same caller, issue, key and body always give the same id, and
    another body another id (so Temporal never answers one action with another's result)."""
    digest = hashlib.sha256(f"{caller.id}\0{issue_id}\0{key}\0{fingerprint}".encode()).hexdigest()[:32]
    return f"act-{digest}"


async def act(services: Services, caller: Caller, issue_id: str, task_id: str | None, action: str,
              data: dict[str, object], idempotency_key: str | None = None) -> IssueOut:
    """Send the action as the workflow's ``act`` update. With an ``Idempotency-Key``, the key is first bound
    to the body in the read model (another body: 422); a key whose update already answered in this run gets
    Temporal's answer again, and one answered in an earlier run (the issue continued as new since) is not
    sent again: the answer is the issue's state now."""
    if action == "link_duplicate":  # it names another issue, which the caller must see too
        await visible_issue(services, caller, issue_id)
        await _visible_target(services, caller, issue_id, data.get("issue_id"))
    handle = handle_of(services, issue_id)
    req = ActionRequest(task_id=task_id, action=action, actor=caller.actor, data=data)
    if idempotency_key is None:
        view, _ = await _update(services, caller, handle, issue_id, req, None)
        return issue_out(view, caller)
    fingerprint = action_fingerprint(task_id, action, data)
    await visible_issue(services, caller, issue_id)  # no key is bound to an issue the caller may not see
    try:
        record = await run_in_threadpool(action_keys.claim, services.sessions, caller.id, issue_id, idempotency_key,
                                         fingerprint)
    except action_keys.KeyReused:
        raise Problem("idempotency-key-reused", "this Idempotency-Key was already used with another action on this "
                      "issue; use a new key") from None
    if record.run_id is not None and record.run_id != await _current_run(handle, issue_id):
        return issue_out((await query_live(services, issue_id)).view, caller)
    view, run_id = await _update(services, caller, handle, issue_id, req,
                                 update_id(caller, issue_id, idempotency_key, fingerprint))
    if record.run_id is None:
        await run_in_threadpool(action_keys.answered, services.sessions, caller.id, issue_id, idempotency_key, run_id)
    return issue_out(view, caller)


async def _visible_target(services: Services, caller: Caller, issue_id: str, target: object) -> None:
    """``link_duplicate`` names another issue: the caller must see it, or it is a 404 exactly like a missing
    one (a malformed id is left to the validator's 422)."""
    if isinstance(target, str) and target != issue_id and _ID.match(target):
        await visible_issue(services, caller, target)


async def _current_run(handle: WorkflowHandle[ResidentIssue, object], issue_id: str) -> str:
    try:
        return (await handle.describe(rpc_timeout=RPC_TIMEOUT)).run_id
    except RPCError as exc:
        raise unavailable_issue(exc, issue_id) from None


async def _update(services: Services, caller: Caller, handle: WorkflowHandle[ResidentIssue, object], issue_id: str,
                  req: ActionRequest, uid: str | None) -> tuple[IssueView, str | None]:
    """The ``act`` update's answer and the run that gave it; at most ``update_timeout_s`` (then 504).

    Who may see the issue travels with the update: its validator refuses an actor who may not, first, and that
    answers exactly like an issue that does not exist. A just-started issue still being opened is asked again
    for up to ``OPENING_RETRY_S``."""
    timeout_s = services.settings.update_timeout_s
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    opening_until = loop.time() + OPENING_RETRY_S
    while True:
        # bounded by gRPC deadlines, not by cancelling the call: a cancelled call can leave the channel broken
        try:
            update = await handle.start_update(ResidentIssue.act, req, id=uid,
                                               wait_for_stage=WorkflowUpdateStage.COMPLETED,
                                               rpc_timeout=timedelta(seconds=max(deadline - loop.time(), 0.001)))
            left = max(deadline - loop.time(), 0.001)  # a known outcome needs no call; otherwise what time is left
            view = await update.result(rpc_timeout=timedelta(seconds=left))
        except WorkflowUpdateFailedError as exc:
            cause = exc.cause
            cls = errors.by_name(cause.type) if isinstance(cause, ApplicationError) else None
            if cls is None or not isinstance(cause, ApplicationError):  # (the second test narrows the type)
                log.error("action_failed", issue_id=issue_id, cause=str(cause))
                raise Problem("internal", "the action failed on our side; it is logged under the request id") from None
            if issubclass(cls, errors.IssueNotVisible):
                raise Problem("not-found", f"no issue {issue_id!r}") from None
            if issubclass(cls, errors.IssueOpening) and loop.time() < opening_until:
                await asyncio.sleep(0.05)
                continue
            message = cause.message if is_staff(caller.actor) else for_resident(cause.message, caller.id)
            raise refusal(cls, message) from None
        except RPCTimeoutOrCancelledError:
            raise Problem("timeout", f"issue {issue_id} did not answer within {timeout_s:g} s; the action may still "
                          "take effect: send it again with the same Idempotency-Key to learn its outcome") from None
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND:
                raise unavailable_issue(exc, issue_id) from None
            running = await _running(handle, issue_id)
            if running is None:
                raise Problem("not-found", f"no issue {issue_id!r}") from None
            if running and loop.time() < deadline:  # a run closing as the update came (continue-as-new, the end)
                await asyncio.sleep(0.05)
                continue
            if running:
                raise Problem("timeout", f"issue {issue_id} did not take the action within {timeout_s:g} s; send it "
                              "again with the same Idempotency-Key to learn its outcome") from None
            await visible_issue(services, caller, issue_id)  # a closed issue is a 404 to those who may not see it
            raise Problem("wrong-state", f"issue {issue_id} is closed; no more actions can be taken") from None
        return view, update.workflow_run_id
