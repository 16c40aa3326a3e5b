"""Refreshing the figure snapshots the rankings of standard periods are served from (``store.figures.snapshots``)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import structlog
from pydantic import BaseModel
from temporalio import activity

from store.db import SessionFactory, transaction
from store.directory_cache import DirectoryCache
from store.figures import NoAnswerPolicy, Scope, snapshots

log = structlog.get_logger(__name__)


class RefreshFigures(BaseModel):
    """``at``: the time the figures are computed as of (the workflow's clock); None: the activity's."""

    at: datetime | None = None


class SnapshotActivities:
    def __init__(self, sessions: SessionFactory, directory: DirectoryCache, timezone: str,
                 no_answer: NoAnswerPolicy = "exclude") -> None:
        self.sessions = sessions
        self.directory = directory
        self.tz = ZoneInfo(timezone)
        self.no_answer = no_answer

    @activity.defn(name="refresh_figure_snapshots")
    def refresh(self, req: RefreshFigures) -> int:
        """Every group's figures for every standard period, as of now; how many snapshots were kept."""
        now = req.at or datetime.now(UTC)
        loaded = self.directory.get()
        scope = Scope.of(loaded.organisation, loaded.catalogue, self.no_answer)
        periods = snapshots.standard_periods(now, self.tz)
        with transaction(self.sessions) as session:
            kept = snapshots.refresh(session, loaded.organisation, scope, periods, now, loaded.version)
        log.info("figure_snapshots_refreshed", kept=kept, periods=[p.label for p in periods])
        return kept
