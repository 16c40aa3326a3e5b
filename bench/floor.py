"""The floor: a bare workflow shaped like one issue — started, then 7 updates, each running one activity —
with no HTTP and no database. ``python -m bench.floor`` runs its worker."""

from __future__ import annotations

import asyncio
import os
import signal
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import Worker

UPDATES = 7
TASK_QUEUE = "bench-floor"


@activity.defn
async def step(n: int) -> int:
    return n + 1


@workflow.defn
class FloorIssue:
    def __init__(self) -> None:
        self.done = 0

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self.done >= UPDATES and workflow.all_handlers_finished())
        return self.done

    @workflow.update
    async def act(self, n: int) -> int:
        out = await workflow.execute_activity(step, n, start_to_close_timeout=timedelta(seconds=30))
        self.done += 1
        return out


async def main() -> None:
    client = await Client.connect(os.environ["WHISTLE_TEMPORAL_ADDRESS"])
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with Worker(client, task_queue=TASK_QUEUE, workflows=[FloorIssue], activities=[step]):
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
