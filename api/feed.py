"""The live notification streams of one API process: one poller reads every new notification once a second and
hands each to the streams whose audiences it names, however many streams are open; a principal holds at most
:data:`STREAMS_PER_PRINCIPAL` of them (a third is refused until one closes)."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import structlog
from fastapi.concurrency import run_in_threadpool

from store.db import SessionFactory
from store.notifications import NotificationOut, for_audiences, newest_id, since

log = structlog.get_logger("whistle.api")

POLL_S = 1.0
STREAMS_PER_PRINCIPAL = 2
#: notifications a slow stream may fall behind by before it is ended (the browser reconnects and catches up)
BACKLOG = 1000


class TooManyStreams(Exception):
    """Raised when a principal already holds as many streams as they may."""


@dataclass(eq=False)
class _Subscriber:
    principal_id: str
    audiences: frozenset[str]
    queue: asyncio.Queue[NotificationOut | None] = field(default_factory=lambda: asyncio.Queue(BACKLOG))


class NotificationFeed:
    def __init__(self, sessions: SessionFactory, poll_s: float = POLL_S) -> None:
        self.sessions = sessions
        self.poll_s = poll_s
        self._subscribers: set[_Subscriber] = set()
        self._held: Counter[str] = Counter()
        self._poller: asyncio.Task[None] | None = None
        self._last = 0
        self._starting = asyncio.Lock()  # two streams opening at once start one poller
        self.polls = 0  # how many times the database was asked (one per poll, whatever the streams)

    @property
    def streams(self) -> int:
        return len(self._subscribers)

    def held(self, principal_id: str) -> int:
        return self._held.get(principal_id, 0)

    @contextlib.asynccontextmanager
    async def subscribe(self, principal_id: str, audiences: frozenset[str], after_id: int
                        ) -> AsyncIterator[asyncio.Queue[NotificationOut | None]]:
        """A queue of the principal's notifications after ``after_id``: first what they missed, then what comes;
        ``None`` in it means the stream fell too far behind and must end."""
        if self._held[principal_id] >= STREAMS_PER_PRINCIPAL:
            raise TooManyStreams(f"{principal_id} already has {STREAMS_PER_PRINCIPAL} live streams open")
        self._held[principal_id] += 1
        sub = _Subscriber(principal_id, audiences)
        try:
            async with self._starting:
                if self._poller is None or self._poller.done():
                    self._last = await run_in_threadpool(self._newest)
                    self._poller = asyncio.create_task(self._poll())
            upto = self._last
            self._subscribers.add(sub)  # from here the poller hands it everything after ``upto``
            missed = await run_in_threadpool(self._missed, principal_id, audiences, after_id, upto)
            arrived = []
            while not sub.queue.empty():
                arrived.append(sub.queue.get_nowait())
            for note in [*missed, *arrived][-BACKLOG:]:
                sub.queue.put_nowait(note)
            yield sub.queue
        finally:
            self._subscribers.discard(sub)
            self._held[principal_id] -= 1
            if self._held[principal_id] <= 0:
                del self._held[principal_id]
            if not self._subscribers and self._poller is not None:
                self._poller.cancel()
                self._poller = None

    def _newest(self) -> int:
        with self.sessions() as session:
            return newest_id(session)

    def _missed(self, principal_id: str, audiences: frozenset[str], after_id: int, upto: int) -> list[NotificationOut]:
        if after_id >= upto:
            return []
        with self.sessions() as session:
            rows = for_audiences(session, principal_id, sorted(audiences), after_id=after_id, limit=100)
        return sorted((n for n in rows if n.id <= upto), key=lambda n: n.id)

    def _backlog(self, after_id: int) -> list[tuple[str, NotificationOut]]:
        with self.sessions() as session:
            return since(session, after_id, limit=BACKLOG)

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.poll_s)
            try:
                self.polls += 1
                rows = await run_in_threadpool(self._backlog, self._last)
            except Exception as exc:  # noqa: BLE001 - the database is away: the next poll tries again
                log.warning("notification_poll_failed", error=type(exc).__name__)
                continue
            for audience, note in rows:
                self._last = max(self._last, note.id)
                for sub in list(self._subscribers):
                    if audience in sub.audiences:
                        try:
                            sub.queue.put_nowait(note)
                        except asyncio.QueueFull:  # too far behind: end it; it reconnects from its last id
                            self._subscribers.discard(sub)
                            with contextlib.suppress(asyncio.QueueEmpty):
                                sub.queue.get_nowait()
                            sub.queue.put_nowait(None)
