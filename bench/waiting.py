"""B4: many open issues waiting on their timers. Issues are started through the Temporal client (as the API
does) until N wait; the worker's memory is read at 1,000 and at N, the server's database size at N, and the
worker is restarted to time how long until it serves an action again."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any

from temporalio.client import Client

from bench.processes import Stack
from domain.messages import ActionRequest, Actor, IssueReport, Reporter, Source, issue_workflow_id
from domain.organisation import Role
from domain.state import IssueInput
from whistle.stack import stop_process
from workflows import ResidentIssue

GRID = "qh.hd.cy.c1.g1"


def _report(n: int) -> IssueReport:
    return IssueReport(issue_id=f"w{n:06d}{uuid.uuid4().hex[:6]}", source=Source.resident, title="暖气不热",
                       description="三天不热了", matter_code="heating.no_heat", grid_id=GRID, address="东苑小区3号楼",
                       reporter=Reporter(name="王女士", principal_id=f"resident1@{GRID}"))


async def _start(client: Client, queue: str, count: int, first: int, in_flight: int = 64) -> list[str]:
    ids: list[str] = []
    sem = asyncio.Semaphore(in_flight)

    async def one(n: int) -> None:
        async with sem:
            rep = _report(n)
            await client.start_workflow(ResidentIssue.run, IssueInput(report=rep), id=issue_workflow_id(rep.issue_id),
                                        task_queue=queue)
            ids.append(rep.issue_id)

    await asyncio.gather(*(one(first + k) for k in range(count)))
    return ids


async def _settled(client: Client, issue_id: str, timeout_s: float) -> None:
    handle = client.get_workflow_handle(issue_workflow_id(issue_id))
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            view = await handle.query(ResidentIssue.state)
            if view.open_tasks and all(t.due_at for t in view.open_tasks):
                return
        except Exception:  # noqa: BLE001 - not opened yet
            pass
        await asyncio.sleep(0.5)
    raise TimeoutError(f"issue {issue_id} did not settle")


async def b4(stack: Stack, client: Client, issues: int) -> dict[str, Any]:
    queue = stack.env.get("WHISTLE_TASK_QUEUE", "whistle")
    out: dict[str, Any] = {"issues": issues}
    t0 = time.monotonic()
    base = min(1000, issues // 2)  # the full form compares 1,000 with N; the smoke form half with all
    out["base"] = base
    first = await _start(client, queue, base, 0)
    await _settled(client, first[-1], 600)
    out["rss_at_1000_mb"] = stack.rss_mb("worker")
    # the rest in steps, the worker's memory after each: a curve that flattens is the allocator keeping pages,
    # one that climbs is something kept per issue
    curve = [(base, out["rss_at_1000_mb"])]
    rest: list[str] = []
    step = max(base, (issues - base) // 8)
    while len(first) + len(rest) < issues:
        batch = await _start(client, queue, min(step, issues - len(first) - len(rest)), len(first) + len(rest))
        await _settled(client, batch[-1], 1800)
        rest += batch
        curve.append((len(first) + len(rest), stack.rss_mb("worker")))
    out["rss_curve"] = curve
    out["start_s"] = time.monotonic() - t0
    out["rss_at_n_mb"] = stack.rss_mb("worker")
    out["rss_growth"] = out["rss_at_n_mb"] / out["rss_at_1000_mb"] - 1
    db = Path(stack.env["WHISTLE_DATA_DIR"]) / "temporal.db"
    out["server_db_mb"] = sum(p.stat().st_size for p in db.parent.glob("temporal.db*")) / 2**20
    # the worker restarted: how long until an action on a waiting issue is served
    stop_process(stack.procs["worker"], timeout=30)
    stack.procs["worker"] = stack.respawn("worker")
    t1 = time.monotonic()
    handle = client.get_workflow_handle_for(ResidentIssue.run, issue_workflow_id(first[0]))
    actor = Actor(principal_id=f"grid_worker@{GRID}", unit_id=GRID, roles=[Role.grid_worker])
    await asyncio.wait_for(handle.execute_update(ResidentIssue.act, ActionRequest(
        task_id=f"{first[0]}.1", action="claim", actor=actor)), 300)
    out["restart_to_first_action_s"] = time.monotonic() - t1
    return out
