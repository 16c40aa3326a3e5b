"""B1 throughput and B2 latency: the floor (a bare issue-shaped workflow driven through the Temporal client)
against a whole issue through Whistle's HTTP API, in the same session, in alternating blocks."""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from temporalio.client import Client

from api.auth import TokenService
from bench.floor import TASK_QUEUE, UPDATES, FloorIssue
from bench.processes import Stack
from core.settings import Settings

GRID = "qh.hd.cy.c1.g1"
RESIDENT = f"resident1@{GRID}"
WORKER = f"grid_worker@{GRID}"
HEATING = "qh.hd.dept.heating"
#: one whole issue: (task kind, action, who, data)
WALK: list[tuple[str, str, str, dict[str, Any]]] = [
    ("verify", "whistle", WORKER, {"kind": "daily", "note": "供热办"}),
    ("approve_whistle", "approve", "leader@qh.hd.cy.c1", {}),
    ("dispatch", "route", "dispatcher@qh.hd.cy", {"unit_ids": [HEATING]}),
    ("report", "check_in", f"handler@{HEATING}", {}),
    ("handle", "complete", f"handler@{HEATING}", {"result": "阀门已更换"}),
    ("verify_result", "accept", WORKER, {}),
    ("evaluate", "rate", RESIDENT, {"rating": "satisfied"}),
    ("evaluate", "rate", WORKER, {"rating": "satisfied"}),
]
ACTIONS_PER_ISSUE = len(WALK)


@dataclass
class Samples:
    issues: int = 0
    actions: int = 0
    report_ms: list[float] = field(default_factory=list)
    action_ms: list[float] = field(default_factory=list)
    errors: int = 0


class Whistle:
    def __init__(self, stack: Stack) -> None:
        self.http = httpx.AsyncClient(base_url=stack.api_url, timeout=60,
                                      limits=httpx.Limits(max_connections=200, max_keepalive_connections=200))
        tokens = TokenService(Settings(data_dir=Path(stack.env["WHISTLE_DATA_DIR"])))  # the stack's own secret
        self.auth = {p: {"Authorization": f"Bearer {tokens.issue(p)}"} for p in {w[2] for w in WALK} | {RESIDENT}}

    async def issue(self, s: Samples) -> None:
        t0 = time.perf_counter()
        resp = await self.http.post("/v1/issues", headers=self.auth[RESIDENT], json={
            "title": "暖气不热", "description": "三天不热了", "matter_code": "heating.no_heat", "grid_id": GRID,
            "address": "东苑小区3号楼201"})
        s.report_ms.append((time.perf_counter() - t0) * 1000)
        if resp.status_code != 201:
            s.errors += 1
            return
        view = resp.json()
        issue_id = view["issue_id"]
        for kind, action, who, data in WALK:
            task = next((t for t in view["open_tasks"] if t["kind"] == kind
                         and (kind != "evaluate" or (t["principal_id"] == who) == (who == RESIDENT))), None)
            if task is None:
                s.errors += 1
                return
            t0 = time.perf_counter()
            resp = await self.http.post(f"/v1/issues/{issue_id}/actions", headers=self.auth[who],
                                        json={"task_id": task["task_id"], "action": action, "data": data})
            s.action_ms.append((time.perf_counter() - t0) * 1000)
            if resp.status_code != 200:
                s.errors += 1
                return
            s.actions += 1
            view = resp.json()
        s.issues += 1

    async def close(self) -> None:
        await self.http.aclose()


class Floor:
    def __init__(self, client: Client) -> None:
        self.client = client

    async def issue(self, s: Samples) -> None:
        t0 = time.perf_counter()
        handle = await self.client.start_workflow(FloorIssue.run, id=f"floor-{uuid.uuid4().hex}", task_queue=TASK_QUEUE)
        s.report_ms.append((time.perf_counter() - t0) * 1000)
        for n in range(UPDATES):
            t0 = time.perf_counter()
            await handle.execute_update(FloorIssue.act, n)
            s.action_ms.append((time.perf_counter() - t0) * 1000)
            s.actions += 1
        s.issues += 1


async def saturate(one: Callable[[Samples], Coroutine[Any, Any, None]], in_flight: int, seconds: float) -> Samples:
    """Keep ``in_flight`` issues going for ``seconds``; count what finished within the block."""
    s = Samples()
    deadline = time.monotonic() + seconds

    async def lane() -> None:
        while time.monotonic() < deadline:
            try:
                await one(s)
            except Exception:  # noqa: BLE001 - counted, and the lane goes on
                s.errors += 1

    lanes = [asyncio.create_task(lane()) for _ in range(in_flight)]
    await asyncio.wait(lanes, timeout=seconds + 120)
    for t in lanes:
        t.cancel()
    return s


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def b1(stack: Stack, *, in_flight: int, block_s: float, blocks: int, warmup_s: float) -> dict[str, Any]:
    client = await Client.connect(stack.env["WHISTLE_TEMPORAL_ADDRESS"])
    floor, whistle = Floor(client), Whistle(stack)
    try:
        await saturate(floor.issue, in_flight, warmup_s)
        await saturate(whistle.issue, in_flight, warmup_s)
        rows: dict[str, list[dict[str, float]]] = {"floor": [], "whistle": []}
        for _ in range(blocks):
            for name, runner in (("floor", floor), ("whistle", whistle)):
                cpu0, t0 = stack.cpu_seconds(), time.monotonic()
                s = await saturate(runner.issue, in_flight, block_s)
                elapsed, cpu1 = time.monotonic() - t0, stack.cpu_seconds()
                per_issue = {p: (cpu1[p] - cpu0[p]) / max(s.issues, 1) for p in cpu1}
                rows[name].append({"issues_s": s.issues / elapsed, "actions_s": s.actions / elapsed,
                                   "errors": s.errors, **{f"cpu_{p}": v for p, v in per_issue.items()}})
    finally:
        await whistle.close()
    out: dict[str, Any] = {}
    for name, blocks_ in rows.items():
        out[name] = {k: statistics.median(b[k] for b in blocks_) for k in blocks_[0]}
        out[name]["issues_s_range"] = (min(b["issues_s"] for b in blocks_), max(b["issues_s"] for b in blocks_))
    out["ratio"] = out["whistle"]["issues_s"] / out["floor"]["issues_s"]
    out["server_cpu_ratio"] = out["whistle"]["cpu_server"] / out["floor"]["cpu_server"]
    return out


async def open_loop(one: Callable[[Samples], Coroutine[Any, Any, None]], rate: float, seconds: float) -> Samples:
    s = Samples()
    tasks = []
    start = time.monotonic()
    n = 0
    while time.monotonic() - start < seconds:
        tasks.append(asyncio.create_task(one(s)))
        n += 1
        await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
    await asyncio.wait(tasks, timeout=seconds + 120)
    return s


async def b2(stack: Stack, *, floor_rate: float, seconds: float) -> dict[str, Any]:
    client = await Client.connect(stack.env["WHISTLE_TEMPORAL_ADDRESS"])
    floor, whistle = Floor(client), Whistle(stack)
    rate = max(0.2, 0.2 * floor_rate)
    try:
        f = await open_loop(floor.issue, rate, seconds)
        w = await open_loop(whistle.issue, rate, seconds)
    finally:
        await whistle.close()
    return {"rate_issues_s": rate,
            "floor_update_ms": {q: pct(f.action_ms, v) for q, v in (("p50", .5), ("p95", .95), ("p99", .99))},
            "report_ms": {q: pct(w.report_ms, v) for q, v in (("p50", .5), ("p95", .95), ("p99", .99))},
            "action_ms": {q: pct(w.action_ms, v) for q, v in (("p50", .5), ("p95", .95), ("p99", .99))},
            "errors": f.errors + w.errors}
