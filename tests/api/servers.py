"""Real sockets for the API's tests: the app behind a real uvicorn on a free loopback port, and a loopback server
that accepts connections and never says a word (a database host, or a webhook receiver, that is up but does not
answer)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import AsyncIterator

import uvicorn
from fastapi import FastAPI


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    """The app behind a real uvicorn on a free loopback port (lifespan included); yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical", lifespan="on"))

    async def run() -> None:
        with contextlib.suppress(SystemExit):  # uvicorn exits when the app's start-up fails
            await server.serve()

    task = asyncio.create_task(run())
    try:
        for _ in range(400):
            if server.started or task.done():
                break
            await asyncio.sleep(0.025)
        assert server.started, "the API did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(task, timeout=15)


class Silent:
    """A loopback TCP server that accepts connections and never says a word; each is closed after
    ``hold_s`` — a database host that is up but does not answer."""

    def __init__(self, hold_s: float) -> None:
        self.hold_s = hold_s
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port: int = self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        held: list[tuple[float, socket.socket]] = []
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError, OSError):
                conn, _ = self.sock.accept()
                held.append((time.monotonic() + self.hold_s, conn))
                self.accepted += 1
            now = time.monotonic()
            for item in [h for h in held if h[0] <= now]:
                item[1].close()
                held.remove(item)
        for _, conn in held:
            conn.close()

    def __enter__(self) -> Silent:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()
