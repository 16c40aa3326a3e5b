"""The processes a benchmark measures, started on free loopback ports in a temporary directory and stopped by
the handles it holds: the Temporal dev server, Whistle's worker and API, and the floor's worker."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from core.settings import PROJECT_ROOT, Settings
from whistle.stack import stop_process, temporal_command, wait_for_http


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Stack:
    env: dict[str, str]
    api_url: str
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    commands: dict[str, list[str]] = field(default_factory=dict)
    log: Any = None

    def spawn(self, name: str, cmd: list[str]) -> subprocess.Popen[bytes]:
        self.commands[name] = cmd
        self.procs[name] = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=self.env, stdout=self.log, stderr=self.log)
        return self.procs[name]

    def respawn(self, name: str) -> subprocess.Popen[bytes]:
        return self.spawn(name, self.commands[name])

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds (user + system) each process has used so far, children included."""
        out = {}
        for name, proc in self.procs.items():
            try:
                p = psutil.Process(proc.pid)
                total = sum(c.cpu_times().user + c.cpu_times().system for c in [p, *p.children(recursive=True)])
            except psutil.Error:
                total = float("nan")
            out[name] = total
        return out

    def rss_mb(self, name: str) -> float:
        return float(psutil.Process(self.procs[name].pid).memory_info().rss) / 2**20


@contextmanager
def stack(data_dir: Path, *, floor: bool = True, **extra_env: str) -> Iterator[Stack]:
    api_port = free_port()
    env = {**os.environ, "WHISTLE_DATA_DIR": str(data_dir), "WHISTLE_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
           "WHISTLE_TEMPORAL_UI_PORT": str(free_port()), "WHISTLE_API_PORT": str(api_port),
           "WHISTLE_LOG_LEVEL": "WARNING", "WHISTLE_RATE_LIMIT": "1000000/minute", **extra_env}
    env.pop("DATABASE_URL", None) if "DATABASE_URL" not in extra_env else None
    settings = Settings(data_dir=data_dir, temporal_address=env["WHISTLE_TEMPORAL_ADDRESS"],
                        temporal_ui_port=int(env["WHISTLE_TEMPORAL_UI_PORT"]), api_port=api_port)
    log = open(data_dir / "bench.log", "ab")  # noqa: SIM115 - closed below
    s = Stack(env=env, api_url=f"http://127.0.0.1:{api_port}", log=log)
    py = sys.executable
    spawn = s.spawn

    try:
        subprocess.run([py, "-m", "whistle.cli", "seed"], cwd=PROJECT_ROOT, env=env, stdout=log, stderr=log,
                       check=True, timeout=120)
        spawn("server", temporal_command(settings))
        _wait_for_server(s, env["WHISTLE_TEMPORAL_ADDRESS"])
        spawn("worker", [py, "worker.py"])
        spawn("api", [py, "-m", "whistle.cli", "api"])
        if floor:
            spawn("floor", [py, "-m", "bench.floor"])
        wait_for_http(f"{s.api_url}/readyz", s.procs["api"], 120)
        yield s
    finally:
        for name in reversed(list(s.procs)):
            stop_process(s.procs[name], timeout=30)
        log.close()


def _wait_for_server(s: Stack, address: str) -> None:
    host, port = address.rsplit(":", 1)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex((host, int(port))) == 0:
                time.sleep(1.0)  # the frontend listens a moment before it serves
                return
        if s.procs["server"].poll() is not None:
            raise RuntimeError("the Temporal dev server exited")
        time.sleep(0.2)
    raise TimeoutError(f"Temporal did not listen on {address}")


def ready(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
