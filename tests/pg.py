"""A throw-away PostgreSQL server for the test session: initdb in a temporary folder, a free loopback
port, stopped by its own data directory at the end (never by name)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path

from sqlalchemy import create_engine, text


def _bindir() -> Path:
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=True).stdout.strip()
        if (Path(out) / "initdb").exists():
            return Path(out)
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise FileNotFoundError("PostgreSQL server binaries not found: install the 'postgresql' package")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.sock = root / "sock"
        self.port = _free_port()
        self.bin = _bindir()
        # PostgreSQL refuses to run as root: then it runs as the 'postgres' system user
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *args: str) -> None:
        subprocess.run([*self.prefix, *args], check=True, capture_output=True, cwd=self.root)

    def init(self) -> None:
        self.sock.mkdir(parents=True, exist_ok=True)
        if self.prefix:
            shutil.chown(self.root, "postgres")
            shutil.chown(self.sock, "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-sync")

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.sock} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", opts, "-l", str(self.root / "pg.log"),
                  "-w", "-t", "60", "start")

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return self.url(name)
