"""End to end on a local Temporal dev server: search attributes, a worker killed mid-issue, a fast clock.

The worker runs as a separate process (``python worker.py``), exactly as ``make run`` starts it.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from tests.conftest import TEST_KEYS
from tests.driver import Driver, principal, report, same_state
from tests.scenarios import (
    HEATING,
    STREET,
    evaluate_all,
    finish_handling,
    happy_path,
    route_and_check_in,
    whistle_to_dispatch,
)
from whistle.stack import stop_process

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def worker_process(env: WorkflowEnvironment, queue: str, db_url: str,
                   **extra_env: str) -> Iterator[subprocess.Popen[bytes]]:
    environment = {**os.environ, "WHISTLE_TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
                   "WHISTLE_TASK_QUEUE": queue, "WHISTLE_LOG_LEVEL": "WARNING", "DATABASE_URL": db_url,
                   "WHISTLE_CODEC_KEYS": TEST_KEYS, **extra_env}
    proc = subprocess.Popen([sys.executable, str(ROOT / "worker.py")], env=environment, cwd=ROOT)
    try:
        yield proc
    finally:
        stop_process(proc, timeout=20)


async def test_search_attributes_find_issues_by_step(local_worker: tuple[Client, str]) -> None:
    client, queue = local_worker
    d = await Driver.start(client, queue, report())
    await whistle_to_dispatch(d)
    await route_and_check_in(d, [HEATING])
    wid = d.handle.id
    found: list[str] = []
    for _ in range(100):  # visibility is eventually consistent
        found = [w.id async for w in client.list_workflows(f'WhistleStep="handling" AND WhistleLeadUnit="{HEATING}"')]
        if wid in found:
            break
        await asyncio.sleep(0.1)
    assert wid in found
    desc = await d.handle.describe()
    attrs = desc.typed_search_attributes
    from workflows import search_attributes as sa

    assert attrs.get(sa.LEVEL) == "street" and attrs.get(sa.CATEGORY) == "heating" and attrs.get(sa.OVERDUE) is False


async def test_a_whole_issue_on_the_dev_server(local_worker: tuple[Client, str]) -> None:
    client, queue = local_worker
    d = await Driver.start(client, queue, report())
    view = await happy_path(d)
    assert view.status == "closed"
    rec = await d.result()
    assert {s.step for s in rec.steps} >= {"discovery", "whistle", "report", "consultation", "handling",
                                          "feedback", "evaluation"}


async def test_killing_the_worker_loses_nothing(local_env: WorkflowEnvironment, workflow_db_url: str) -> None:
    client = local_env.client
    queue = f"kill-{uuid.uuid4().hex[:8]}"
    with worker_process(local_env, queue, workflow_db_url) as proc:
        d = await Driver.start(client, queue, report())
        await whistle_to_dispatch(d)
        await d.act("dispatch", "route", {"unit_ids": [HEATING, STREET]})
        await d.act("report", "check_in", {}, unit_id=HEATING)
        before = await d.state()
        proc.kill()  # SIGKILL: no goodbye
        proc.wait()
    with worker_process(local_env, queue, workflow_db_url):
        after = await d.state()
        assert same_state(after, before)
        await d.act("report", "check_in", {}, unit_id=STREET)
        await d.act("consult", "conclude", {"lead_unit_id": HEATING, "co_unit_ids": [STREET],
                                            "list_type": "immediate", "minutes": "m"})
        await finish_handling(d)
        await d.act("verify_result", "accept")
        await evaluate_all(d)
        rec = await d.result()
    assert rec.status == "closed" and len(list(rec.steps)) == 7


async def test_a_fast_clock_shows_the_verify_reminder_move_and_warning(local_env: WorkflowEnvironment,
                                                                     workflow_db_url: str) -> None:
    client = local_env.client
    queue = f"fast-{uuid.uuid4().hex[:8]}"
    scale = 86400 / 4  # a day passes in four seconds
    with worker_process(local_env, queue, workflow_db_url, WHISTLE_TIME_SCALE=str(scale)):
        d = await Driver.start(client, queue, report())
        task = await d.task("verify")
        assert task.due_at is not None
        window = (task.due_at - task.opened_at).total_seconds()
        assert 0 < window <= 4 * 4  # at most four (scaled) days, whatever the weekday
        view = await d.state()
        for _ in range(int(window * 10) + 100):
            view = await d.state()
            if view.level == "community":
                break
            await asyncio.sleep(0.1)
        assert [w.color for w in view.warnings][:2] == ["reminder", "yellow"]
        assert view.open_tasks[0].unit_id == "qh.hd.cy.c1" and view.escalations
        await d.handle.terminate("test finished")


async def test_continue_as_new_carries_the_state_whole(local_worker: tuple[Client, str]) -> None:
    client, queue = local_worker
    d = await Driver.start(client, queue, report(), history_limit=60)
    staff = principal(d.org, "supervisor@qh.hd.cy")
    for n in range(30):
        await asyncio.wait_for(d.issue_act("comment", {"text": f"comment {n}"}, staff), 20)
    view = await d.state()
    assert view.runs >= 2
    await asyncio.wait_for(happy_path(d), 60)
    rec = await asyncio.wait_for(d.result(), 30)
    assert rec.status == "closed" and rec.runs >= 2
    comments = [e for e in rec.events if e.kind == "comment"]
    assert [c.data["text"] for c in comments] == [f"comment {n}" for n in range(30)]
    desc = await d.handle.describe()
    assert desc.status == WorkflowExecutionStatus.COMPLETED
