"""Loading a year's official arrangement and telling the open issues whose deadlines it makes final.

Shared by ``PUT /v1/calendar/{year}`` and ``whistle calendar load``: the arrangement is stored, then every
running issue whose search attribute says it has a provisional deadline is signalled to count it again
(each records the new deadline on its timeline). The worker's calendar reads the table again whenever a
deadline reaches a year it does not know, so the recount sees the year just loaded.
"""

from __future__ import annotations

import asyncio

from temporalio.client import Client

from store.calendar import Arrangement, store_arrangement
from store.db import SessionFactory, transaction
from workflows import ResidentIssue
from workflows.search_attributes import PROVISIONAL

RECOUNT_SIGNAL = ResidentIssue.recount_deadlines
MAX_SIGNALS = 100_000


async def load_year(client: Client, sessions: SessionFactory, arrangement: Arrangement,
                    source: str) -> dict[str, int | bool]:
    def store() -> bool:
        with transaction(sessions) as session:
            return store_arrangement(session, arrangement, source)

    changed = await asyncio.to_thread(store)
    signalled = 0
    query = f'{PROVISIONAL.name} = true AND ExecutionStatus = "Running"'
    async for execution in client.list_workflows(query, limit=MAX_SIGNALS):
        await client.get_workflow_handle(execution.id).signal(RECOUNT_SIGNAL)
        signalled += 1
    return {"year": arrangement.year, "changed": changed, "signalled": signalled}
