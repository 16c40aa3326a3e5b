"""Loading a year's official arrangement and telling the open issues whose deadlines it makes final.

Shared by ``PUT /v1/calendar/{year}`` and ``whistle calendar load``: the arrangement is stored, then — only if
its days changed — every running issue whose search attribute says it has a provisional deadline is signalled
to count it again (each records the new deadline on its timeline), at most :data:`AT_ONCE` signals in flight
and :data:`MAX_SIGNALS` in all. The API does the signalling in the background and answers at once; the command
line waits for it. The worker's calendar reads the table again whenever a deadline reaches a year it does not
know, so the recount sees the year just loaded.
"""

from __future__ import annotations

import asyncio

import structlog
from temporalio.client import Client
from temporalio.service import RPCError

from store.calendar import Arrangement, store_arrangement
from store.db import SessionFactory, transaction
from workflows import ResidentIssue
from workflows.search_attributes import PROVISIONAL

log = structlog.get_logger("whistle.calendar")

RECOUNT_SIGNAL = ResidentIssue.recount_deadlines
MAX_SIGNALS = 100_000
AT_ONCE = 16

#: the background recounts under way (kept so that they are not collected before they finish)
_RECOUNTS: set[asyncio.Task[int]] = set()


async def signal_provisional(client: Client) -> int:
    """Tell every running issue with a provisional deadline to count it again; returns how many were told."""
    query = f'{PROVISIONAL.name} = true AND ExecutionStatus = "Running"'
    gate = asyncio.Semaphore(AT_ONCE)
    told = 0

    async def tell(workflow_id: str) -> None:
        nonlocal told
        try:
            await client.get_workflow_handle(workflow_id).signal(RECOUNT_SIGNAL)
            told += 1
        except RPCError as exc:  # closed since it was listed: nothing left to recount
            log.info("calendar_recount_skipped", workflow_id=workflow_id, error=exc.message)
        finally:
            gate.release()

    pending: set[asyncio.Task[None]] = set()
    async for execution in client.list_workflows(query, limit=MAX_SIGNALS):
        await gate.acquire()  # never more than AT_ONCE signals in flight (nor listed ahead of them)
        task = asyncio.create_task(tell(execution.id))
        pending.add(task)
        task.add_done_callback(pending.discard)
    if pending:
        await asyncio.gather(*pending)
    return told


async def load_year(client: Client, sessions: SessionFactory, arrangement: Arrangement, source: str,
                    *, background: bool = False) -> dict[str, int | bool]:
    """Store the year; if its days changed, recount the provisional deadlines (now, or in the background)."""
    def store() -> bool:
        with transaction(sessions) as session:
            return store_arrangement(session, arrangement, source)

    changed = await asyncio.to_thread(store)
    if not changed:
        return {"year": arrangement.year, "changed": False, "signalled": 0}
    if background:
        task = asyncio.create_task(signal_provisional(client))
        _RECOUNTS.add(task)
        task.add_done_callback(_finished)
        return {"year": arrangement.year, "changed": True, "signalled": -1}  # under way
    return {"year": arrangement.year, "changed": True, "signalled": await signal_provisional(client)}


def _finished(task: asyncio.Task[int]) -> None:
    _RECOUNTS.discard(task)
    if task.cancelled():
        return
    if task.exception() is not None:
        log.warning("calendar_recount_failed", error=type(task.exception()).__name__)
    else:
        log.info("calendar_recount_done", signalled=task.result())
