"""Issuing a period's assessment: for every district, its streets and its departments, and for every city its own
departments, kept as issued — once the evidence is in (:func:`store.assessments.due_at`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import structlog
from pydantic import BaseModel
from temporalio import activity

from activities.working_days import WorkingCalendar
from store import assessments
from store.db import SessionFactory, transaction
from store.directory_cache import DirectoryCache
from store.figures import NoAnswerPolicy, Period, Scope

log = structlog.get_logger(__name__)


class IssueQuarter(BaseModel):
    """``period`` (a quarter, ``2026-Q3``, or a year, ``2026``), or ``at``: the quarter before the one ``at`` falls
    in (a schedule's fire time)."""

    period: str | None = None
    at: datetime | None = None
    #: the districts to issue (a district's supervisor issues their own); None: every district (the Schedule)
    districts: list[str] | None = None
    #: the time it is issued at (the workflow's, once it has waited for the evidence); None: the activity's clock
    now: datetime | None = None


class IssuePlan(BaseModel):
    """What a run issues, and from when: the quarter, and after the fourth quarter the year as well (年度考核)."""

    periods: list[str]
    due: datetime


class Issued(BaseModel):
    period: str
    level: str
    district_id: str
    content_hash: str
    issued_now: bool


class AssessmentActivities:
    def __init__(self, sessions: SessionFactory, directory: DirectoryCache, timezone: str,
                 bands: str = assessments.DEFAULT_BANDS, no_answer: NoAnswerPolicy = "exclude",
                 calendar: WorkingCalendar | None = None) -> None:
        self.sessions = sessions
        self.directory = directory
        self.tz = ZoneInfo(timezone)
        self.bands = assessments.parse_bands(bands)
        self.no_answer = no_answer
        self.calendar = calendar or WorkingCalendar(timezone=timezone)

    def period_of(self, req: IssueQuarter) -> Period:
        if req.period is not None:
            return Period.assessed(req.period, self.tz)
        current = Period.containing(req.at or datetime.now(UTC), self.tz)
        return Period.containing(current.start - timedelta(days=1), self.tz)

    def due(self, period: Period) -> datetime:
        rules = self.directory.get().directory.rules
        return assessments.due_at(period, rules.assessment_after_working_days, self.calendar.is_workday)

    @activity.defn(name="plan_assessment")
    def plan(self, req: IssueQuarter) -> IssuePlan:
        period = self.period_of(req)
        periods = [period.label]
        if req.period is None and period.label.endswith("-Q4"):
            periods.append(period.label[:4])
        return IssuePlan(periods=periods, due=self.due(period))

    @activity.defn(name="issue_quarterly_assessment")
    def issue_quarter(self, req: IssueQuarter) -> list[Issued]:
        period = self.period_of(req)
        now = req.now or datetime.now(UTC)
        if period.end > now:
            raise ValueError(f"{period.label} has not ended: it cannot be issued yet")
        loaded = self.directory.get()
        organisation = loaded.organisation
        scope = Scope.of(organisation, loaded.catalogue, self.no_answer, now)
        out = []
        with transaction(self.sessions) as session:
            for unit, level in assessments.assessed(organisation, req.districts):
                draft = assessments.compute(session, organisation, scope, unit, level, period, self.bands)
                kept, fresh = assessments.issue(session, draft, now)
                out.append(Issued(period=kept.period, level=level.value, district_id=unit,
                                  content_hash=kept.content_hash or "", issued_now=fresh))
        log.info("assessment_issued", period=period.label, issued=sum(i.issued_now for i in out), kept=len(out))
        return out
