"""Activities that write the read model. Plain ``def`` methods: the worker runs them on threads.

Batches from many issues arrive at once under load; a single writer commits them together (a group commit), so
the database sees one transaction for many batches instead of many small ones contending for its write lock. A
batch whose group fails is written again alone, so one bad batch never fails the others.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future

import structlog
from temporalio import activity

from domain.projection import ProjectedEvents, ProjectionBatch
from store.db import SessionFactory, transaction
from store.projection import project

log = structlog.get_logger(__name__)

#: the most batches one transaction takes
GROUP_MAX = 64


class GroupCommit:
    """One writer thread: takes every batch waiting, writes them in one transaction, answers each caller."""

    def __init__(self, sessions: SessionFactory, group_max: int = GROUP_MAX) -> None:
        self.sessions = sessions
        self.group_max = group_max
        self._waiting: queue.SimpleQueue[tuple[ProjectionBatch, Future[int]]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def write(self, batch: ProjectionBatch) -> int:
        """Write ``batch`` (with whatever else is waiting); how many of its events were new. Raises what its
        own transaction raised."""
        self._ensure_writer()
        done: Future[int] = Future()
        self._waiting.put((batch, done))
        return done.result()

    def _ensure_writer(self) -> None:
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="read-model-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            group = [self._waiting.get()]
            while len(group) < self.group_max:
                try:
                    group.append(self._waiting.get_nowait())
                except queue.Empty:
                    break
            self._commit(group)

    def _commit(self, group: list[tuple[ProjectionBatch, Future[int]]]) -> None:
        if len(group) > 1:
            try:
                with transaction(self.sessions) as session:
                    written = [project(session, batch) for batch, _ in group]
            except Exception:  # noqa: BLE001 - each batch is written again alone, and answers its own error
                pass
            else:
                for (_, done), n in zip(group, written, strict=True):
                    done.set_result(n)
                return
        for batch, done in group:
            try:
                with transaction(self.sessions) as session:
                    n = project(session, batch)
            except Exception as exc:  # noqa: BLE001 - handed to the activity waiting for it
                done.set_exception(exc)
            else:
                done.set_result(n)


class ReadModelActivities:
    def __init__(self, sessions: SessionFactory) -> None:
        self.sessions = sessions
        self.writer = GroupCommit(sessions)

    @activity.defn(name="project_issue_local")
    def project_local(self, batch: ProjectionBatch) -> ProjectedEvents:
        """The same, run by the worker beside the workflow task that made the events (a local activity: no round
        trip through the server). It answers the events it was given, so the history's marker still shows the
        audit what was sent to the read model."""
        return ProjectedEvents(written=self.project(batch), events=batch.events)

    @activity.defn(name="project_issue")
    def project(self, batch: ProjectionBatch) -> int:
        """Written in a transaction (shared with other batches waiting); safe to retry, replay or deliver late."""
        with structlog.contextvars.bound_contextvars(issue_id=batch.issue.issue_id):
            written = self.writer.write(batch)
            log.debug("projected", last_seq=batch.last_seq, new_events=written,
                      attempt=activity.info().attempt if activity.in_activity() else None)
            return written
