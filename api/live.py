"""One issue, live: the workflow's ``live`` query and ``act`` update, as the caller may see and use them.

Temporal's answers become problem details here: an issue that does not exist, or that the caller may
not see, is 404; a refusal of the validator keeps its status (403, 404, 409, 422); an issue that has
closed no longer takes updates (409).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import uuid
from datetime import timedelta

from temporalio.client import (
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api.deps import Caller, Services
from api.problems import Problem, refusal
from api.schemas import IssueOut, TaskOut
from domain.access import LiveIssue, can_see, in_subtree, may_act, visible_view
from domain.messages import ISSUE_ID_PATTERN, ActionRequest, IssueReport, issue_workflow_id
from domain.state import IssueInput
from domain.views import IssueView
from workflows import ResidentIssue

RPC_TIMEOUT = timedelta(seconds=10)
UPDATE_TIMEOUT = timedelta(seconds=60)
#: a just-started issue answers once its context is loaded (one activity)
OPENING_WAIT_S = 15.0
_ID = re.compile(ISSUE_ID_PATTERN)


def handle_of(services: Services, issue_id: str) -> WorkflowHandle[ResidentIssue, object]:
    if not _ID.match(issue_id):
        raise Problem("not-found", f"no issue {issue_id!r}")
    return services.client.get_workflow_handle_for(ResidentIssue.run, issue_workflow_id(issue_id))


def _unavailable(exc: RPCError, issue_id: str) -> Problem:
    if exc.status == RPCStatusCode.NOT_FOUND:
        return Problem("not-found", f"no issue {issue_id!r}")
    if exc.status == RPCStatusCode.DEADLINE_EXCEEDED:
        return Problem("timeout", f"issue {issue_id} did not answer; is a worker running?")
    return Problem("unavailable", f"Temporal: {exc.message}")


async def query_live(services: Services, issue_id: str, *, wait_s: float = 2.0) -> LiveIssue:
    """The issue's live state; waits up to ``wait_s`` for an issue that is still being opened."""
    handle = handle_of(services, issue_id)
    deadline = asyncio.get_running_loop().time() + wait_s
    while True:
        try:
            return await handle.query(ResidentIssue.live, rpc_timeout=RPC_TIMEOUT)
        except WorkflowQueryFailedError as exc:
            if "being opened" not in str(exc) or asyncio.get_running_loop().time() > deadline:
                raise await _not_live(handle, issue_id, str(exc)) from None
        except RPCError as exc:
            raise _unavailable(exc, issue_id) from None
        await asyncio.sleep(0.05)


async def _not_live(handle: WorkflowHandle[ResidentIssue, object], issue_id: str, why: str) -> Problem:
    try:
        desc = await handle.describe(rpc_timeout=RPC_TIMEOUT)
    except RPCError as exc:
        return _unavailable(exc, issue_id)
    if desc.status == WorkflowExecutionStatus.FAILED:
        return Problem("invalid-input", f"issue {issue_id} was refused when it opened; see its history")
    return Problem("wrong-state", f"issue {issue_id} is not ready: {why}")


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
    return IssueOut(**seen.model_dump(exclude={"open_tasks"}), open_tasks=tasks)


def update_id(caller: Caller, issue_id: str, key: str) -> str:
    """The update id for an Idempotency-Key: the same caller, issue and key always give the same id."""
    digest = hashlib.sha256(f"{caller.id}\0{issue_id}\0{key}".encode()).hexdigest()[:32]
    return f"act-{digest}"


async def act(services: Services, caller: Caller, issue_id: str, task_id: str | None, action: str,
              data: dict[str, object], idempotency_key: str | None = None) -> IssueOut:
    await visible_issue(services, caller, issue_id)
    handle = handle_of(services, issue_id)
    req = ActionRequest(task_id=task_id, action=action, actor=caller.actor, data=data)
    key = update_id(caller, issue_id, idempotency_key) if idempotency_key else None
    try:
        view = await handle.execute_update(ResidentIssue.act, req, id=key, rpc_timeout=UPDATE_TIMEOUT)
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        if isinstance(cause, ApplicationError) and cause.type:
            raise refusal(cause.type, cause.message) from None
        raise Problem("internal", f"the action failed: {cause}") from None
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND and "completed" in exc.message:
            raise Problem("wrong-state", f"issue {issue_id} is closed; no more actions can be taken") from None
        raise _unavailable(exc, issue_id) from None
    return issue_out(view, caller)


# --- starting an issue ------------------------------------------------------------------------------

FINGERPRINT_MEMO = "request_fingerprint"


def new_issue_id(caller: Caller, key: str | None) -> str:
    """A fresh id, or — for an Idempotency-Key — the same id for the same caller and key."""
    if key is None:
        return uuid.uuid4().hex[:16]
    return hashlib.sha256(f"{caller.id}\0{key}".encode()).hexdigest()[:16]


async def start_issue(services: Services, caller: Caller, report: IssueReport, body: str,
                      idempotency_key: str | None) -> LiveIssue:
    """Start the issue's workflow (once per id) and answer its live state. ``body`` is the request as sent:
    the same key with another body is refused."""
    fingerprint = hashlib.sha256(f"{caller.id}\0{body}".encode()).hexdigest()
    wid = issue_workflow_id(report.issue_id)
    try:
        handle = await services.client.start_workflow(
            ResidentIssue.run, IssueInput(report=report), id=wid, task_queue=services.settings.task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            memo={FINGERPRINT_MEMO: fingerprint}, static_summary=f"{report.matter_code}: {report.title}"[:200],
            rpc_timeout=RPC_TIMEOUT)
    except WorkflowAlreadyStartedError:  # the issue of this key has already closed
        handle = services.client.get_workflow_handle_for(ResidentIssue.run, wid)
    except RPCError as exc:
        raise Problem("unavailable", f"Temporal: {exc.message}") from None
    if idempotency_key is not None:
        desc = await handle.describe(rpc_timeout=RPC_TIMEOUT)
        if await desc.memo_value(FINGERPRINT_MEMO, default=None) != fingerprint:
            raise Problem("idempotency-key-reused",
                          "this Idempotency-Key was already used to report a different issue; use a new key")
    return await query_live(services, report.issue_id, wait_s=OPENING_WAIT_S)
