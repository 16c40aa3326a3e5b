"""The embedded stack, one command: Temporal dev server (SQLite file), the worker, the HTTP API.

Started by ``whistle run`` / ``make run``; Ctrl-C stops every process it started, newest first, by the
handles it holds — never by name.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

import httpx
import structlog

from core.binaries import temporal_cli
from core.settings import PROJECT_ROOT, Settings
from core.temporal import connect
from workflows.search_attributes import cli_flags

log = structlog.get_logger("whistle.stack")

READY_TIMEOUT_S = 60


def temporal_command(settings: Settings) -> list[str]:
    host, _, port = settings.temporal_address.rpartition(":")
    return [
        temporal_cli(), "server", "start-dev",
        "--db-filename", str(settings.data_dir / "temporal.db"),
        "--ip", host or "127.0.0.1", "--port", port,
        "--ui-port", str(settings.temporal_ui_port),
        # no cluster-level codec endpoint: the Web UI sends it no credentials, so every decode would be refused;
        # a city supervisor sets their personal endpoint (/codec/session) as the browser's own instead
        "--namespace", settings.temporal_namespace,
        "--log-level", "warn",
        *cli_flags(),
    ]


async def _wait_for_temporal(settings: Settings, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the Temporal dev server exited with code {proc.returncode}")
        try:
            client = await connect(settings)
            await client.count_workflows()
            return
        except Exception:  # noqa: BLE001 - not up yet
            await asyncio.sleep(0.5)
    raise TimeoutError(f"Temporal did not answer on {settings.temporal_address} within {READY_TIMEOUT_S}s")


def wait_for_http(url: str, proc: subprocess.Popen[bytes], timeout_s: float = READY_TIMEOUT_S) -> None:
    """Until ``url`` answers 200, while ``proc`` (which serves it) is alive; bounded by ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the process serving {url} exited with code {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout_s:.0f}s")


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 15) -> int:
    """Ask a child we started to stop (SIGINT), kill it if it will not; returns its exit code."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


class Stack:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.procs: list[tuple[str, subprocess.Popen[bytes]]] = []

    def _spawn(self, name: str, cmd: list[str], log_file: Path | None = None) -> subprocess.Popen[bytes]:
        out = open(log_file, "ab") if log_file else None  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, stdout=out, stderr=out)
        self.procs.append((name, proc))
        log.info("started", process=name, pid=proc.pid)
        return proc

    def start(self) -> None:
        s = self.settings
        s.data_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "whistle.cli", "seed"], cwd=PROJECT_ROOT, check=True)
        log.info("read_model_ready", database=s.db_url.split("@")[-1])
        temporal = self._spawn("temporal", temporal_command(s), s.data_dir / "temporal.log")
        asyncio.run(_wait_for_temporal(s, temporal))
        log.info("temporal_ready", address=s.temporal_address,
                 web_ui=f"http://127.0.0.1:{s.temporal_ui_port}", db=str(s.data_dir / "temporal.db"))
        self._spawn("worker", [sys.executable, str(PROJECT_ROOT / "worker.py")])
        api = self._spawn("api", [sys.executable, "-m", "whistle.cli", "api"])
        wait_for_http(f"{s.api_url}/healthz", api)
        log.info("api_ready", url=s.api_url, docs=f"{s.api_url}/docs")

    def stop(self) -> None:
        for name, proc in reversed(self.procs):
            log.info("stopped", process=name, pid=proc.pid, code=stop_process(proc))
        self.procs.clear()

    def wait(self) -> int:
        """Block until one process dies (then stop the rest) or we are told to stop."""
        stopping = False

        def _on_signal(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, _on_signal)
        signal.signal(signal.SIGTERM, _on_signal)
        while not stopping:
            for name, proc in self.procs:
                if proc.poll() is not None:
                    log.error("process_exited", process=name, code=proc.returncode)
                    return 1
            time.sleep(0.5)
        return 0


def run_stack(settings: Settings) -> int:
    stack = Stack(settings)
    try:
        stack.start()
        print(f"Whistle is up. API {settings.api_url} (docs {settings.api_url}/docs), "
              f"Temporal {settings.temporal_address}, Web UI http://127.0.0.1:{settings.temporal_ui_port}"
              " — Ctrl-C stops everything.", flush=True)
        return stack.wait()
    finally:
        stack.stop()
