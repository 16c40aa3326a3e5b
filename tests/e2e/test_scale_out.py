"""Past one machine: two workers and two API processes against one Temporal server and one PostgreSQL read
model, the rate limit shared in Redis. Whole issues driven through both APIs in turn: nothing lost or doubled
(each issue's audit agrees), and the per-principal limit holds across the two API processes."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from api.auth import TokenService
from audit import audit_issue
from core.settings import Settings
from store.db import make_engine, session_factory
from tests.conftest import TEST_KEYS
from tests.e2e.live_stack import ROOT, free_port
from tests.pg import PostgresServer
from whistle.stack import stop_process, wait_for_http

GRID = "qh.hd.cy.c1.g1"
WALK = [("verify", "whistle", f"grid_worker@{GRID}", {"kind": "daily", "note": "n"}),
        ("approve_whistle", "approve", "leader@qh.hd.cy.c1", {}),
        ("dispatch", "route", "dispatcher@qh.hd.cy", {"unit_ids": ["qh.hd.dept.heating"]}),
        ("report", "check_in", "handler@qh.hd.dept.heating", {}),
        ("handle", "complete", "handler@qh.hd.dept.heating", {"result": "fixed"}),
        ("verify_result", "accept", f"grid_worker@{GRID}", {})]
ISSUES = 12
LIMIT = 40


@contextmanager
def _processes(env: dict[str, str], tmp_path: Path) -> Iterator[list[str]]:
    """Seed the read model, start two workers and two API processes; yield the APIs' URLs."""
    subprocess.run([sys.executable, "-m", "whistle.cli", "seed"], cwd=ROOT, env=env, check=True, timeout=120,
                   capture_output=True)
    with ExitStack() as stack, open(tmp_path / "scale.log", "ab") as log:
        procs: list[subprocess.Popen[bytes]] = []
        stack.callback(lambda: [stop_process(p, timeout=20) for p in reversed(procs)])
        for _ in range(2):
            procs.append(subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=env, stdout=log, stderr=log))
        urls = []
        for _ in range(2):
            port = free_port()
            procs.append(subprocess.Popen([sys.executable, "-m", "whistle.cli", "api"], cwd=ROOT,
                                          env={**env, "WHISTLE_API_PORT": str(port)}, stdout=log, stderr=log))
            urls.append(f"http://127.0.0.1:{port}")
            wait_for_http(f"{urls[-1]}/healthz", procs[-1], 60)
        yield urls


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is missing: `make test` installs it (apt-get install redis-server)")
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield f"redis://127.0.0.1:{port}"
    finally:
        stop_process(proc, timeout=10)


async def test_two_workers_and_two_apis_lose_and_double_nothing(
        local_env: WorkflowEnvironment, postgres: PostgresServer, redis_url: str, tmp_path: Path) -> None:
    db = postgres.create_database(f"s_{uuid.uuid4().hex[:10]}")
    env = {**os.environ, "DATABASE_URL": db, "WHISTLE_TASK_QUEUE": f"scale-{uuid.uuid4().hex[:6]}",
           "WHISTLE_TEMPORAL_ADDRESS": local_env.client.service_client.config.target_host,
           "WHISTLE_CODEC_KEYS": TEST_KEYS, "WHISTLE_LOG_LEVEL": "WARNING",
           "WHISTLE_RATE_LIMIT": f"{LIMIT}/minute", "WHISTLE_RATE_LIMIT_STORAGE": redis_url,
           "WHISTLE_DATA_DIR": str(tmp_path)}
    with _processes(env, tmp_path) as urls:
        tokens = TokenService(Settings(data_dir=tmp_path))
        heads = {who: {"Authorization": f"Bearer {tokens.issue(who)}"} for who in
                 {w[2] for w in WALK} | {f"resident1@{GRID}", f"resident2@{GRID}", "supervisor@qh"}}
        clients = [httpx.AsyncClient(base_url=u, timeout=60) for u in urls]
        acknowledged: dict[str, int] = {}
        try:
            async def one(n: int) -> None:
                c = clients[n % 2]
                resp = await c.post("/v1/issues", headers=heads[f"resident1@{GRID}"], json={
                    "title": "暖气不热", "description": "d", "matter_code": "heating.no_heat", "grid_id": GRID,
                    "address": "东苑小区"})
                assert resp.status_code == 201, resp.text
                view = resp.json()
                issue_id, acks = view["issue_id"], 0
                for k, (kind, action, who, data) in enumerate(WALK):
                    task = next(t for t in view["open_tasks"] if t["kind"] == kind)
                    r = await clients[(n + k) % 2].post(f"/v1/issues/{issue_id}/actions", headers=heads[who],
                                                        json={"task_id": task["task_id"], "action": action,
                                                              "data": data})
                    assert r.status_code == 200, r.text
                    acks += 1
                    view = r.json()
                acknowledged[issue_id] = acks

            # the load goes through both APIs, each principal well under its limit per issue…
            for start in range(0, ISSUES, 4):
                await asyncio.gather(*(one(n) for n in range(start, min(start + 4, ISSUES))))
            # …and one principal's requests through both processes share one limit
            statuses = [(await clients[k % 2].get("/v1/units", headers=heads[f"resident2@{GRID}"])).status_code
                        for k in range(LIMIT + 6)]
        finally:
            for c in clients:
                await c.aclose()
    assert statuses.count(200) == LIMIT and statuses.count(429) == 6
    sessions = session_factory(make_engine(db))
    for issue_id, acks in acknowledged.items():
        for _ in range(100):
            report = await audit_issue(local_env.client, sessions, issue_id)
            acted = sum(1 for e in report.timeline if e.kind == "action")
            if report.agree and acted == acks:
                break
            await asyncio.sleep(0.2)
        assert report.agree, report.problems
        assert acted == acks == len(WALK)  # every acknowledged action once: none lost, none doubled
    assert len(acknowledged) == ISSUES
