"""The assessment (季度考核参考意见, and 年度考核 for a year): per district and period, its streets or its departments
— and per city, the city's own departments — with every figure, the rank within the level, a grade from the bands,
and the issue ids behind every figure.

Issued once per quarter, once its evidence is in: at 01:00 on the day after the last evaluation window of the
quarter's issues can close (:func:`due_at`; ``workflows.assessment``). Kept as issued: the body is stored as the
exact text whose SHA-256 is its ``content_hash``, and issuing the same period again changes nothing. A correction
is an amendment (:func:`amend`): a new version beside the ones before it, with who made it and why; no version is
ever rewritten. Before it is issued — the quarter in progress, or a past one not yet issued — the same shape is
computed on demand and marked ``provisional``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, time, timedelta
from enum import StrEnum

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain.deadlines import IsWorkday, add_working_days
from domain.organisation import Level, Organisation, UnitKind
from store import models
from store.figures import HUB, SUMMONED, Period, Scope, ScoreRule, UnitStats, figures, rank


class AssessedLevel(StrEnum):
    street = "street"  # the district's streets (镇街)
    department = "department"  # the departments of the district and of its streets (部门)
    city_department = "city_department"  # the city's own departments (市级部门: power, gas, water, transport)


#: a street is scored as the hub of its territory, a department as a summoned unit
SCORE_RULES: dict[AssessedLevel, ScoreRule] = {AssessedLevel.street: HUB, AssessedLevel.department: SUMMONED,
                                               AssessedLevel.city_department: SUMMONED}
#: the levels assessed in a district, and in a city
DISTRICT_LEVELS = (AssessedLevel.street, AssessedLevel.department)
CITY_LEVELS = (AssessedLevel.city_department,)


class Grade(StrEnum):
    excellent = "excellent"
    good = "good"
    fair = "fair"
    poor = "poor"


GRADE_LABELS = {Grade.excellent: "优秀", Grade.good: "良好", Grade.fair: "一般", Grade.poor: "较差"}


class Band(BaseModel):
    grade: Grade
    label: str
    min_score: float = Field(ge=0, le=100)


def parse_bands(text: str) -> list[Band]:
    """``excellent:90,good:80,fair:60,poor:0`` → bands, best first; a score takes the first band it reaches."""
    bands = []
    for part in text.split(","):
        name, _, floor = part.strip().partition(":")
        grade = Grade(name.strip())
        bands.append(Band(grade=grade, label=GRADE_LABELS[grade], min_score=float(floor)))
    bands.sort(key=lambda b: -b.min_score)
    if not bands or bands[-1].min_score != 0:
        raise ValueError("the lowest band must start at 0")
    return bands


DEFAULT_BANDS = "excellent:90,good:80,fair:60,poor:0"


class AssessmentRow(BaseModel):
    rank: int
    unit_id: str
    unit_name: str
    score: float | None
    complete: bool
    missing: list[str]
    grade: Grade | None = Field(description="none while a rate of the score is missing")
    grade_label: str | None
    stats: UnitStats


class Version(BaseModel):
    """One issued version of an assessment."""

    id: int
    version: int
    issued_at: datetime
    content_hash: str
    amended_by: str | None = Field(description="who amended it (none for the version first issued)")
    reason: str | None = Field(description="why it was amended")


class Assessment(BaseModel):
    period: str = Field(description="a quarter (2026-Q3) or a year (2026)")
    level: AssessedLevel
    district_id: str = Field(description="the district assessed (for city_department, the city)")
    provisional: bool = Field(description="the figures so far: not issued yet")
    issued_at: datetime | None
    content_hash: str | None = Field(description="SHA-256 of the stored body, once issued")
    score_rates: list[str]
    required_rates: list[str] = Field(default_factory=list, description="the rates a complete row has")
    bands: list[Band]
    rows: list[AssessmentRow]
    id: int | None = Field(default=None, description="this version's id, once issued (to amend it)")
    version: int = Field(default=1, description="1 as first issued; each amendment adds one")
    amended_by: str | None = None
    reason: str | None = Field(default=None, description="why this version amends the one before")
    history: list[Version] = Field(default_factory=list, description="every version issued, oldest first")


#: what a version's hash does not cover: how it was issued, not what it says
NOT_HASHED = {"provisional", "issued_at", "content_hash", "id", "version", "amended_by", "reason", "history"}


def assessed_units(organisation: Organisation, district_id: str, level: AssessedLevel) -> list[str]:
    units = organisation.subtree(district_id)
    if level is AssessedLevel.street:
        return sorted(u.id for u in units if u.kind is UnitKind.territorial and u.level is Level.street)
    if level is AssessedLevel.city_department:
        return sorted(u.id for u in units if u.kind is UnitKind.department and u.level is Level.city)
    return sorted(u.id for u in units if u.kind is UnitKind.department)


def assessed(organisation: Organisation, districts: list[str] | None = None) -> list[tuple[str, AssessedLevel]]:
    """(the territorial unit, the level) of every assessment issued for a period: each district's streets and
    departments, and each city's own departments; ``districts`` limits it to those (a city among them)."""
    out: list[tuple[str, AssessedLevel]] = []
    for u in sorted(organisation.units.values(), key=lambda u: u.id):
        if u.kind is not UnitKind.territorial or (districts is not None and u.id not in districts):
            continue
        levels = DISTRICT_LEVELS if u.level is Level.district else CITY_LEVELS if u.level is Level.city else ()
        out.extend((u.id, level) for level in levels)
    return out


def due_at(period: Period, after_working_days: int, is_workday: IsWorkday) -> datetime:
    """When a period's evidence is in: 01:00 on the day after the last evaluation window of its issues can close,
    ``after_working_days`` working days after its last day (a result fed back at 23:59 on the last day)."""
    last = period.end - timedelta(microseconds=1)
    closes = add_working_days(last, after_working_days, is_workday)
    return datetime.combine(closes.date() + timedelta(days=1), time(1), tzinfo=period.end.tzinfo)


def compute(session: Session, organisation: Organisation, scope: Scope, district_id: str, level: AssessedLevel,
            period: Period, bands: list[Band]) -> Assessment:
    stats = figures(session, assessed_units(organisation, district_id, level), period, scope)
    rule = SCORE_RULES[level]
    rows = []
    for r in rank(stats.values(), rule):
        band = next(b for b in bands if r.score is not None and r.score >= b.min_score) if r.complete else None
        rows.append(AssessmentRow(rank=r.rank, unit_id=r.unit_id, unit_name=organisation.unit(r.unit_id).name,
                                  score=r.score, complete=r.complete, missing=r.missing,
                                  grade=band.grade if band else None, grade_label=band.label if band else None,
                                  stats=r.stats))
    return Assessment(period=period.label, level=level, district_id=district_id, provisional=True, issued_at=None,
                      content_hash=None, score_rates=rule.rates, required_rates=list(rule.required), bands=bands,
                      rows=rows)


def _body(assessment: Assessment) -> str:
    data = assessment.model_dump(mode="json", exclude=NOT_HASHED)
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class Unchanged(ValueError):
    """An amendment that would say what the version in force says."""


class NotCurrent(ValueError):
    """An amendment of a version that is no longer the one in force."""


def issue(session: Session, assessment: Assessment, now: datetime) -> tuple[Assessment, bool]:
    """Keep ``assessment`` as issued, unless its quarter was issued already: then the stored one, unchanged.
    Returns it and whether it was issued now. The caller commits."""
    if (kept := stored(session, assessment.district_id, assessment.level, assessment.period)) is not None:
        return kept, False
    try:
        with session.begin_nested():
            _keep(session, assessment, now, version=1)
    except IntegrityError:  # issued meanwhile by another worker: theirs stands
        kept = stored(session, assessment.district_id, assessment.level, assessment.period)
        if kept is None:
            raise
        return kept, False
    kept = stored(session, assessment.district_id, assessment.level, assessment.period)
    assert kept is not None
    return kept, True


def _keep(session: Session, assessment: Assessment, now: datetime, version: int, by: str | None = None,
          reason: str | None = None) -> None:
    body = _body(assessment)
    session.add(models.AssessmentRecord(period=assessment.period, level=assessment.level.value,
                                        district_id=assessment.district_id, version=version, issued_at=now,
                                        content_hash=hashlib.sha256(body.encode()).hexdigest(), body=body,
                                        amended_by=by, reason=reason))
    session.flush()


def amend(session: Session, version_id: int, current: Assessment, fresh: Assessment, by: str, reason: str,
          now: datetime) -> Assessment:
    """Issue ``fresh`` (the figures computed again) as the next version of ``current`` (as :func:`stored_by_id`
    read it), if ``version_id`` is the version in force. Raises :class:`NotCurrent` when a later version is in force,
    :class:`Unchanged` when ``fresh`` says what it says. The caller commits."""
    if current.id != version_id:
        asked = next((v.version for v in current.history if v.id == version_id), "?")
        raise NotCurrent(f"version {asked} is not in force: amend version {current.version} (id {current.id})")
    if _body(fresh) == _body(current):
        raise Unchanged(f"the figures are those of version {current.version}: there is nothing to amend")
    try:
        with session.begin_nested():
            _keep(session, fresh, now, current.version + 1, by, reason)
    except IntegrityError:  # amended meanwhile by someone else: theirs is in force now
        raise NotCurrent(f"version {current.version + 1} was issued meanwhile: read it, and amend it if need be") \
            from None
    kept = stored(session, current.district_id, current.level, current.period)
    assert kept is not None
    return kept


def stored_by_id(session: Session, version_id: int) -> Assessment | None:
    """The assessment one of whose versions is ``version_id``, as it stands now (its latest version)."""
    rec = session.get(models.AssessmentRecord, version_id)
    return None if rec is None else stored(session, rec.district_id, AssessedLevel(rec.level), rec.period)


def stored(session: Session, district_id: str, level: AssessedLevel, period: str) -> Assessment | None:
    """The version in force (the latest), with every version's history; None if the period was never issued."""
    A = models.AssessmentRecord
    recs = list(session.scalars(select(A).where(A.district_id == district_id, A.level == level.value,
                                                A.period == period).order_by(A.version)))
    if not recs:
        return None
    for rec in recs:
        if hashlib.sha256(rec.body.encode()).hexdigest() != rec.content_hash:
            raise ValueError(f"the stored assessment {period} {level} {district_id} version {rec.version} does not "
                             "match its hash")
    rec = recs[-1]
    history = [Version(id=r.id, version=r.version, issued_at=r.issued_at, content_hash=r.content_hash,
                       amended_by=r.amended_by, reason=r.reason) for r in recs]
    return Assessment.model_validate({**json.loads(rec.body), "provisional": False, "issued_at": rec.issued_at,
                                      "content_hash": rec.content_hash, "id": rec.id, "version": rec.version,
                                      "amended_by": rec.amended_by, "reason": rec.reason, "history": history})


def issued_periods(session: Session) -> list[tuple[str, str, str, str]]:
    """(period, level, district, hash) of every first issue, oldest first."""
    A = models.AssessmentRecord
    return [(r.period, r.level, r.district_id, r.content_hash)
            for r in session.scalars(select(A).where(A.version == 1).order_by(A.issued_at, A.period, A.level,
                                                                                A.district_id))]
