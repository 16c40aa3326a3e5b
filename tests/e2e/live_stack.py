"""The whole embedded stack as ``make run`` starts it — Temporal dev server, worker, API — in a
temporary data directory on free loopback ports, for tests that speak HTTP only."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from api.auth import TokenService
from core.settings import Settings
from whistle.stack import stop_process, wait_for_http

ROOT = Path(__file__).resolve().parents[2]
READY_S = 120


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveStack:
    url: str
    env: dict[str, str]
    tokens: TokenService

    def auth(self, principal_id: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens.issue(principal_id)}"}


#: a port picked free may be taken by another process before the stack binds it: try again with new ones
START_ATTEMPTS = 3


@contextmanager
def live_stack(data_dir: Path, **extra_env: str) -> Iterator[LiveStack]:
    log = open(data_dir / "stack.log", "ab")  # noqa: SIM115 - closed below
    try:
        for attempt in range(1, START_ATTEMPTS + 1):
            api_port = free_port()
            env = {**os.environ, "WHISTLE_DATA_DIR": str(data_dir),
                   "WHISTLE_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
                   "WHISTLE_TEMPORAL_UI_PORT": str(free_port()), "WHISTLE_API_PORT": str(api_port),
                   "WHISTLE_LOG_LEVEL": "WARNING", "WHISTLE_RATE_LIMIT": "100000/minute", **extra_env}
            env.pop("DATABASE_URL", None)
            proc = subprocess.Popen([sys.executable, "-m", "whistle.cli", "run"], cwd=ROOT, env=env, stdout=log,
                                    stderr=log)
            url = f"http://127.0.0.1:{api_port}"
            try:
                wait_for_http(f"{url}/readyz", proc, READY_S)  # readiness: Temporal and the database answer too
            except RuntimeError:
                stop_process(proc, timeout=45)
                log.flush()
                logs = [data_dir / "stack.log", data_dir / "temporal.log"]  # the API's port, or Temporal's
                taken = any(p.exists() and b"address already in use" in p.read_bytes() for p in logs)
                if not taken or attempt == START_ATTEMPTS:
                    raise
                continue
            try:
                yield LiveStack(url=url, env=env, tokens=TokenService(Settings(data_dir=data_dir)))
            finally:
                stop_process(proc, timeout=45)
            return
    finally:
        log.close()
