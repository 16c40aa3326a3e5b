"""The directory as each process keeps it: read from the read model again when a new version appears
(:class:`DirectoryCache`), with the lookups built from it (:class:`Loaded`)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import structlog
from sqlalchemy.exc import SQLAlchemyError

from domain.catalogue import Catalogue
from domain.directory import Directory
from domain.organisation import Organisation
from store.db import SessionFactory
from store.directory import current, version

log = structlog.get_logger(__name__)


# --- the copy each process keeps ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Loaded:
    """The directory at one version, with the lookups built from it."""

    version: int
    directory: Directory
    organisation: Organisation
    catalogue: Catalogue

    @classmethod
    def of(cls, number: int, directory: Directory) -> Loaded:
        return cls(number, directory, directory.organisation(), directory.catalogue())


class DirectoryCache:
    """The directory as a process uses it: read again when a new version appears, which it asks the database
    at most every ``refresh_s`` (so a change reaches every API process and worker within that time).

    ``blocking=False`` (the API): a stale copy is served while a thread reads the new one, so a request on the
    event loop never waits for the database; only the very first read waits. Either way, while the database
    cannot be read, the copy read last is kept."""

    def __init__(self, sessions: SessionFactory | None, refresh_s: float = 5.0, fixed: Loaded | None = None,
                 blocking: bool = True) -> None:
        self._sessions = sessions
        self._refresh = refresh_s if sessions is not None else float("inf")
        self._loaded: Loaded | None = fixed
        self._checked = float("-inf")
        self._blocking = blocking
        self._reading = False
        self._lock = threading.Lock()

    @classmethod
    def fixed(cls, directory: Directory) -> DirectoryCache:
        """A cache that never reads the database (a test's, or a benchmark's, directory)."""
        return cls(None, fixed=Loaded.of(0, directory))

    def get(self) -> Loaded:
        with self._lock:
            loaded = self._loaded
            if loaded is not None and time.monotonic() - self._checked < self._refresh:
                return loaded
            if loaded is not None and not self._blocking:
                if not self._reading:
                    self._reading = True
                    threading.Thread(target=self._read_and_keep, name="directory-refresh", daemon=True).start()
                return loaded
        return self._read_and_keep(raise_errors=loaded is None)

    def refresh(self) -> Loaded:
        """Read now (after this process changed the directory)."""
        return self._read_and_keep(raise_errors=True)

    def _read_and_keep(self, raise_errors: bool = False) -> Loaded:
        try:
            fresh = self._read()
        except SQLAlchemyError as exc:
            with self._lock:
                self._checked = time.monotonic()
                if self._loaded is None or raise_errors:
                    raise
                log.warning("directory_not_refreshed", error=type(exc).__name__, version=self._loaded.version)
                return self._loaded
        finally:
            self._reading = False  # whatever happened, the next stale read may try again
        with self._lock:
            if self._loaded is None or fresh.version >= self._loaded.version:  # never back to an older version
                self._loaded = fresh
            self._checked = time.monotonic()
            return self._loaded

    def _read(self) -> Loaded:
        current_copy = self._loaded
        if self._sessions is None:
            if current_copy is None:
                raise DirectoryEmpty()
            return current_copy
        with self._sessions() as session:
            number = version(session)
            if current_copy is not None and current_copy.version == number:
                return current_copy
            if number == 0:
                raise DirectoryEmpty()
            return Loaded.of(number, current(session))


class DirectoryEmpty(LookupError):
    """Raised when no directory was ever loaded into this database (``whistle directory load``)."""

    def __init__(self) -> None:
        super().__init__("no directory has been loaded: run `whistle directory load FILE` (make run loads the "
                         "sample city)")
