"""Crashes and outages, measured, on loopback: the whole stack as separate processes (Temporal dev server on its
SQLite file, worker, API; PostgreSQL for the read model in the outage case), people walking issues through the
HTTP API, and a process killed or stopped under them.

- the worker SIGKILLed at random moments and restarted, again and again;
- the Temporal server stopped and started on the same database file, with issues waiting on timers;
- PostgreSQL stopped and started while actions go on.

Every case prints its figures (``make chaos`` runs the long form: more issues, more kills; ``make test`` the
short one) and asserts: every issue reaches its end, actions acknowledged = actions in history = timeline rows,
none lost or doubled, and the audit agrees. ``docs/RELIABILITY.md`` records a run's figures.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bench.processes import stack
from tests.chaos.walk import TO_SUMMONS, Tally, Walker, until, verify
from tests.pg import PostgresServer
from whistle.stack import stop_process

FULL = os.environ.get("WHISTLE_CHAOS") == "full"
ISSUES = int(os.environ.get("WHISTLE_CHAOS_ISSUES", 60 if FULL else 15))
KILLS = int(os.environ.get("WHISTLE_CHAOS_KILLS", 10 if FULL else 3))
SEED = int(os.environ.get("WHISTLE_CHAOS_SEED", "7"))
CASE_TIMEOUT_S = 600

def _print(case: str, figures: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        print(f"\nchaos {case}: {json.dumps(figures, ensure_ascii=False, sort_keys=True)}")


@pytest.fixture
def data_dir() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="whistle-chaos-"))
    try:
        yield root
    finally:
        log = root / "bench.log"
        if log.exists():  # what the processes logged as errors: shown by pytest when the case fails
            lines = log.read_text(errors="replace").splitlines()
            for n, line in enumerate(lines):
                if "Traceback" in line or '"level": "error"' in line or "[error" in line:
                    print("\n".join(lines[n:n + 40]))
                    break
        shutil.rmtree(root, ignore_errors=True)


def _wait_port(address: str, timeout_s: float = 60) -> None:
    host, port = address.rsplit(":", 1)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex((host, int(port))) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {address}")


async def _ready(walker: Walker) -> bool:
    try:
        return (await walker.get("/readyz")).status_code == 200
    except Exception:  # noqa: BLE001 - not ready is the answer
        return False


async def _all_agree(walker: Walker, issue_ids: list[str]) -> bool:
    """The read model holds every event of every issue, once, as the history sent it."""
    for issue_id in issue_ids:
        if not (await walker.audit(issue_id))["agree"]:
            return False
    return True


async def test_worker_killed_again_and_again(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(SEED)
    tally = Tally()
    with stack(data_dir, floor=False, WHISTLE_UPDATE_TIMEOUT_S="5") as s:
        walker = Walker(s.api_url, tally, Path(s.env["WHISTLE_DATA_DIR"]))
        try:
            walks = [asyncio.create_task(walker.report_and_walk()) for _ in range(ISSUES)]
            t0 = time.monotonic()
            last_restart = t0
            for _ in range(KILLS):
                await asyncio.sleep(rng.uniform(0.5, 3.0))
                s.procs["worker"].kill()  # SIGKILL: no shutdown, in-flight tasks simply vanish
                s.procs["worker"].wait(timeout=30)
                await asyncio.sleep(rng.uniform(0.2, 1.5))
                s.respawn("worker")
                last_restart = time.monotonic()
            done = await asyncio.wait_for(asyncio.gather(*walks), CASE_TIMEOUT_S / 2)
            drained_s = time.monotonic() - last_restart
            issue_ids = [i for i in done if i is not None]
            assert not tally.failures, tally.failures[:5]
            assert len(issue_ids) == ISSUES

            caught_up_s = await until(lambda: _all_agree(walker, issue_ids), 300)
            v = await verify(walker, issue_ids, closed=True)
        finally:
            await walker.close()
    figures = {"issues": ISSUES, "kills": KILLS, "acked": v.acked, "in_history": v.in_history,
               "in_timeline": v.in_timeline, "lost": v.lost, "doubled": v.doubled, "closed": v.closed,
               "retries": tally.retries, "statuses": {str(k): n for k, n in sorted(tally.statuses.items(), key=str)},
               "drained_after_last_restart_s": round(drained_s, 1), "read_model_caught_up_s": round(caught_up_s, 1),
               "run_s": round(time.monotonic() - t0, 1)}
    _print("worker-killed", figures, capsys)
    assert v.acked == v.in_history == v.in_timeline == ISSUES * 8
    assert v.lost == 0 and v.doubled == 0 and not v.disagreeing, v.disagreeing[:3]
    assert 500 not in tally.statuses


async def test_temporal_restarted_on_its_database(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Walkers keep walking while the server is away; issues left at a summons wait on timers that must fire
    after the restart (at this time scale a 4-hour summons is 60 s)."""
    tally = Tally()
    scale = 240
    with stack(data_dir, floor=False, WHISTLE_UPDATE_TIMEOUT_S="5", WHISTLE_TIME_SCALE=str(scale)) as s:
        walker = Walker(s.api_url, tally, Path(s.env["WHISTLE_DATA_DIR"]))
        try:
            waiting = [await walker.walk(await walker.report(), TO_SUMMONS) for _ in range(5)]
            walks = [asyncio.create_task(walker.report_and_walk()) for _ in range(ISSUES)]
            await asyncio.sleep(1.5)
            t0 = time.monotonic()
            stop_process(s.procs["server"], timeout=30)
            stopped_at = time.monotonic()
            seen_down: list[int | str] = []
            slowest_down_s = 0.0
            for path in ("/v1/issues?limit=1", f"/v1/issues/{waiting[0]}",
                         "/v1/issues?limit=1"):  # while it is down, the API answers problems, quickly
                t = time.monotonic()
                seen_down.append((await walker.get(path)).status_code)
                slowest_down_s = max(slowest_down_s, time.monotonic() - t)
            assert not await _ready(walker)
            restarted_at = datetime.now(UTC)
            s.respawn("server")
            _wait_port(s.env["WHISTLE_TEMPORAL_ADDRESS"])
            down_s = time.monotonic() - stopped_at
            recovered_s = await until(lambda: _ready(walker), 120)
            done = await asyncio.wait_for(asyncio.gather(*walks), CASE_TIMEOUT_S / 2)
            issue_ids = [i for i in done if i is not None]
            assert not tally.failures, tally.failures[:5]

            async def timers_fired() -> bool:
                """Every waiting issue's summons warned its unit's leader, after the restart."""
                for issue_id in waiting:
                    audit = await walker.audit(issue_id)
                    if not any(e["kind"] == "warning" and datetime.fromisoformat(e["at"]) > restarted_at
                               for e in audit["timeline"]):
                        return False
                return True

            timers_s = await until(timers_fired, 240)
            v = await verify(walker, issue_ids, closed=True)
            w = await verify(walker, waiting, closed=False)
        finally:
            await walker.close()
    figures = {"issues": ISSUES, "waiting_on_timers": len(waiting), "server_down_s": round(down_s, 1),
               "api_ready_again_s": round(recovered_s, 1), "timers_fired_within_s": round(timers_s, 1),
               "acked": v.acked + w.acked, "in_history": v.in_history + w.in_history,
               "in_timeline": v.in_timeline + w.in_timeline, "lost": v.lost + w.lost,
               "doubled": v.doubled + w.doubled, "statuses_while_down": sorted(set(map(str, seen_down))),
               "slowest_answer_while_down_s": round(slowest_down_s, 1),
               "slowest_answer_s": round(tally.slowest_s, 1), "retries": tally.retries,
               "run_s": round(time.monotonic() - t0, 1)}
    _print("temporal-restarted", figures, capsys)
    assert set(seen_down) <= {503, 200}, seen_down  # a list answers from the read model; the live view is 503
    assert 503 in seen_down and slowest_down_s < 15
    assert v.acked == v.in_history == v.in_timeline == ISSUES * 8
    assert w.acked == w.in_history == w.in_timeline == len(waiting) * len(TO_SUMMONS)
    assert v.lost == w.lost == 0 and v.doubled == w.doubled == 0
    assert not v.disagreeing and not w.disagreeing, (v.disagreeing + w.disagreeing)[:3]
    assert 500 not in tally.statuses


async def test_postgresql_outage(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The read model goes away: actions without a key go on (they need only Temporal), keyed ones answer 503
    until it is back (the key must be bound durably first); the read model then catches up exactly."""
    pg_root = Path(tempfile.mkdtemp(prefix="whistle-chaos-pg-"))
    pg = PostgresServer(pg_root)
    pg.init()
    pg.start()
    tally = Tally()
    try:
        url = pg.create_database("whistle")
        with stack(data_dir, floor=False, DATABASE_URL=url, WHISTLE_DB_CONNECT_TIMEOUT_S="2") as s:
            free = Walker(s.api_url, tally, Path(s.env["WHISTLE_DATA_DIR"]), keyed=False)
            keyed = Walker(s.api_url, Tally(), Path(s.env["WHISTLE_DATA_DIR"]))
            try:
                views = [await free.report() for _ in range(ISSUES)]
                extra = await keyed.report()
                pg.stop()
                stopped_at = time.monotonic()
                ready_during = await _ready(free)
                list_during = await free.get("/v1/issues?limit=1")
                keyed_during = keyed.tally
                walks = [asyncio.create_task(free.walk(view)) for view in views]
                issue_ids = await asyncio.wait_for(asyncio.gather(*walks), CASE_TIMEOUT_S / 2)
                acted_while_down = sum(len(a) for a in free.tally.acked.values())
                try:  # a keyed action while its key cannot be bound: 503; sent again, it goes through later
                    await asyncio.wait_for(keyed.walk(extra, TO_SUMMONS[:1]), 3)
                    keyed_refused = False
                except (TimeoutError, RuntimeError):
                    keyed_refused = True
                keyed.tally.acked.clear()
                pg.start()
                down_s = time.monotonic() - stopped_at
                ready_after_s = await until(lambda: _ready(free), 60)

                caught_up_s = await until(lambda: _all_agree(free, issue_ids), 180)
                v = await verify(free, issue_ids, closed=True)
                extra_id = await keyed.walk(extra)
                await until(lambda: _all_agree(keyed, [extra_id]), 60)  # the read model is a moment behind
                k = await verify(keyed, [extra_id], closed=True)
            finally:
                await free.close()
                await keyed.close()
    finally:
        with contextlib.suppress(Exception):
            pg.stop()
        shutil.rmtree(pg_root, ignore_errors=True)
    figures = {"issues": ISSUES, "db_down_s": round(down_s, 1), "actions_while_down": acted_while_down,
               "readyz_while_down": "ready" if ready_during else "not ready",
               "list_while_down": list_during.status_code, "retry_after": list_during.headers.get("retry-after"),
               "keyed_action_refused_while_down": keyed_refused, "ready_again_s": round(ready_after_s, 1),
               "read_model_caught_up_s": round(caught_up_s, 1), "acked": v.acked, "in_history": v.in_history,
               "in_timeline": v.in_timeline, "lost": v.lost, "doubled": v.doubled,
               "keyed_statuses": {str(code): n for code, n in keyed_during.statuses.items()},
               "keyed_walk_after": {"acked": k.acked, "in_history": k.in_history, "in_timeline": k.in_timeline}}
    _print("postgresql-outage", figures, capsys)
    assert not ready_during and list_during.status_code == 503 and list_during.headers.get("retry-after")
    assert acted_while_down == ISSUES * 8  # every action went on while the database was away
    assert keyed_refused and 503 in keyed_during.statuses
    assert v.acked == v.in_history == v.in_timeline == ISSUES * 8
    assert v.lost == 0 and v.doubled == 0 and not v.disagreeing, v.disagreeing[:3]
    assert k.acked == k.in_history == k.in_timeline == 8 and k.lost == k.doubled == 0
    assert 500 not in free.tally.statuses


def test_stack_helpers_are_bounded() -> None:
    """The harness's own loops give up: a port nobody listens on, a check that never holds."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(TimeoutError):
        _wait_port(f"127.0.0.1:{port}", timeout_s=0.3)

    async def never() -> bool:
        return False

    with pytest.raises(TimeoutError):
        asyncio.run(until(never, 0.3, 0.1))

