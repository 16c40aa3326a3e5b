"""Starting an issue: the workflow started once per id, answered when its first workflow task has opened it.

An Idempotency-Key gives the same id for the same caller and key; the request's fingerprint rides in the workflow's
memo, so the same key with another body is refused and a key already used is answered from the issue it started.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from datetime import timedelta

from temporalio.client import (
    RPCTimeoutOrCancelledError,
    WithStartWorkflowOperation,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateHandle,
    WorkflowUpdateStage,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from api.deps import Caller, Services
from api.live import described, not_live, query_live
from api.problems import Problem, temporal_unavailable
from domain.access import LiveIssue
from domain.messages import IssueReport, issue_workflow_id
from domain.state import IssueInput
from workflows import ResidentIssue

#: a just-started issue answers once its first workflow task has opened it
OPENING_WAIT_S = 15.0

FINGERPRINT_MEMO = "request_fingerprint"


def new_issue_id(caller: Caller, key: str | None) -> str:
    """A fresh id, or — for an Idempotency-Key — the same id for the same caller and key."""
    if key is None:
        return uuid.uuid4().hex[:16]
    return hashlib.sha256(f"{caller.id}\0{key}".encode()).hexdigest()[:16]


async def start_issue(services: Services, caller: Caller, report: IssueReport, body: str,
                      idempotency_key: str | None) -> LiveIssue:
    """Start the issue's workflow (once per id) and answer its live state. ``body`` is the request as sent:
    the same key with another body is refused.

    The start carries the ``opened`` update (update-with-start): one call, answered when the issue's first
    workflow task has opened it, within ``OPENING_WAIT_S``. A key already used is answered from the issue it
    started (the ``live`` query), after its body is compared, without writing to that issue again."""
    fingerprint = hashlib.sha256(f"{caller.id}\0{body}".encode()).hexdigest()
    wid = issue_workflow_id(report.issue_id)
    handle = services.client.get_workflow_handle_for(ResidentIssue.run, wid)
    if idempotency_key is not None and await _started_by(handle, report.issue_id, fingerprint):
        return await query_live(services, report.issue_id, wait_s=OPENING_WAIT_S)
    start = WithStartWorkflowOperation(
        ResidentIssue.run, IssueInput(report=report), id=wid, task_queue=services.settings.task_queue,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING, memo={FINGERPRINT_MEMO: fingerprint},
        static_summary=f"{report.matter_code}: {report.title}"[:200])
    loop = asyncio.get_running_loop()
    deadline = loop.time() + OPENING_WAIT_S
    try:
        # bounded as a whole: the call answers once the update is accepted, then its result is awaited for
        # what time is left (as actions are, by gRPC deadlines)
        update: WorkflowUpdateHandle[LiveIssue] = await services.client.start_update_with_start_workflow(
            "opened", start_workflow_operation=start, wait_for_stage=WorkflowUpdateStage.ACCEPTED,
            result_type=LiveIssue, rpc_timeout=timedelta(seconds=OPENING_WAIT_S))
        live = await update.result(rpc_timeout=timedelta(seconds=max(deadline - loop.time(), 0.001)))
        if idempotency_key is not None:  # two first sends of one key at once: the issue is the one that started
            await _started_by(handle, report.issue_id, fingerprint)
        return live
    except WorkflowAlreadyStartedError:  # the issue of this key has already closed: read it
        if idempotency_key is not None:
            await _started_by(handle, report.issue_id, fingerprint)
        return await query_live(services, report.issue_id, wait_s=OPENING_WAIT_S)
    except (RPCTimeoutOrCancelledError, WorkflowUpdateFailedError):  # not open in time, refused, or never taken
        raise await not_live(handle, report.issue_id, "it is still being opened", opening=True,
                              reported=True) from None
    except RPCError as exc:
        raise temporal_unavailable(exc) from None


async def _started_by(handle: WorkflowHandle[ResidentIssue, object], issue_id: str, fingerprint: str) -> bool:
    """Whether the issue of this key exists (refused if another body started it)."""
    desc = await described(handle, issue_id)
    if desc is None:
        return False
    if await desc.memo_value(FINGERPRINT_MEMO, default=None) != fingerprint:
        raise Problem("idempotency-key-reused",
                      "this Idempotency-Key was already used to report a different issue; use a new key")
    return True
