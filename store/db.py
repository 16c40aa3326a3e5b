"""Engines and sessions. SQLite (embedded default) and PostgreSQL (production) behave the same here."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

SessionFactory = sessionmaker[Session]


#: opening a PostgreSQL connection may take this long (libpq's connect_timeout; it counts whole seconds, ≥ 2)
CONNECT_TIMEOUT_S = 5.0


def make_engine(url: str, *, connect_timeout_s: float = CONNECT_TIMEOUT_S) -> Engine:
    """An engine for ``url``. PostgreSQL connections give up after ``connect_timeout_s``, so an unreachable
    server costs a request a few seconds, never the whole API."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(conn, _record):  # type: ignore[no-untyped-def]  # a DB-API connection: no types
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            # with WAL, NORMAL syncs at checkpoints, not at every commit: a crash of the process loses nothing;
            # a power cut may lose the last commits, which the read model gets again from Temporal's histories
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    connect_args: dict[str, object] = {}
    if url.startswith("postgresql"):
        # JIT compilation cost the figures' grouped queries 0.1-0.7 s each at a million issues (bench B3), more
        # than it saved; the read model's queries are short or index-bound
        connect_args = {"connect_timeout": max(2, math.ceil(connect_timeout_s)), "options": "-c jit=off"}
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, pool_timeout=10,
                         connect_args=connect_args)


def session_factory(engine: Engine) -> SessionFactory:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: SessionFactory) -> Iterator[Session]:
    with factory() as session, session.begin():
        yield session


def ping(factory: SessionFactory) -> None:
    """One round trip to the database; raises whatever the driver raises when it does not answer."""
    with factory() as session:
        session.execute(text("SELECT 1"))
