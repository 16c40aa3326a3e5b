"""Issuing a quarter's assessment: for every district, its streets and its departments, kept as issued."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import structlog
from pydantic import BaseModel
from temporalio import activity

from domain.organisation import Level, UnitKind
from store import assessments
from store.db import SessionFactory, transaction
from store.directory_cache import DirectoryCache
from store.stats import NoAnswerPolicy, Period, Scope

log = structlog.get_logger(__name__)


class IssueQuarter(BaseModel):
    """``period`` (``2026-Q3``), or ``at``: the quarter before the one ``at`` falls in (a schedule's fire time)."""

    period: str | None = None
    at: datetime | None = None
    #: the districts to issue (a district's supervisor issues their own); None: every district (the Schedule)
    districts: list[str] | None = None


class Issued(BaseModel):
    period: str
    level: str
    district_id: str
    content_hash: str
    issued_now: bool


class AssessmentActivities:
    def __init__(self, sessions: SessionFactory, directory: DirectoryCache, timezone: str,
                 bands: str = assessments.DEFAULT_BANDS, no_answer: NoAnswerPolicy = "exclude") -> None:
        self.sessions = sessions
        self.directory = directory
        self.tz = ZoneInfo(timezone)
        self.bands = assessments.parse_bands(bands)
        self.no_answer = no_answer

    def period_of(self, req: IssueQuarter) -> Period:
        if req.period is not None:
            return Period.parse(quarter=req.period, tz=self.tz)
        current = Period.containing(req.at or datetime.now(UTC), self.tz)
        return Period.containing(current.start - timedelta(days=1), self.tz)

    @activity.defn(name="issue_quarterly_assessment")
    def issue_quarter(self, req: IssueQuarter) -> list[Issued]:
        period = self.period_of(req)
        now = datetime.now(UTC)
        if period.end > now:
            raise ValueError(f"{period.label} has not ended: it cannot be issued yet")
        loaded = self.directory.get()
        organisation = loaded.organisation
        scope = Scope.of(organisation, loaded.catalogue, self.no_answer, now)
        districts = sorted(u.id for u in organisation.units.values()
                           if u.level is Level.district and u.kind is UnitKind.territorial
                           and (req.districts is None or u.id in req.districts))
        out = []
        with transaction(self.sessions) as session:
            for district in districts:
                for level in assessments.AssessedLevel:
                    draft = assessments.compute(session, organisation, scope, district, level, period,
                                                self.bands)
                    kept, fresh = assessments.issue(session, draft, now)
                    out.append(Issued(period=kept.period, level=level.value, district_id=district,
                                      content_hash=kept.content_hash or "", issued_now=fresh))
        log.info("assessment_issued", period=period.label, issued=sum(i.issued_now for i in out), kept=len(out))
        return out
