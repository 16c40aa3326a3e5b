"""Activities that write the read model. Plain ``def`` methods: the worker runs them on threads."""

from __future__ import annotations

import structlog
from temporalio import activity

from domain.projection import ProjectedEvents, ProjectionBatch
from store.db import SessionFactory, transaction
from store.projection import project

log = structlog.get_logger(__name__)


class ReadModelActivities:
    def __init__(self, sessions: SessionFactory) -> None:
        self.sessions = sessions

    @activity.defn(name="project_issue_local")
    def project_local(self, batch: ProjectionBatch) -> ProjectedEvents:
        """The same, run by the worker beside the workflow task that made the events (a local activity: no round
        trip through the server). It answers the events it was given, so the history's marker still shows the
        audit what was sent to the read model."""
        return ProjectedEvents(written=self.project(batch), events=batch.events)

    @activity.defn(name="project_issue")
    def project(self, batch: ProjectionBatch) -> int:
        """One transaction per batch; safe to retry, replay or deliver late."""
        with structlog.contextvars.bound_contextvars(issue_id=batch.issue.issue_id):
            with transaction(self.sessions) as session:
                written = project(session, batch)
            log.debug("projected", last_seq=batch.last_seq, new_events=written,
                      attempt=activity.info().attempt if activity.in_activity() else None)
            return written
