"""The quarterly assessment (季度考核参考意见): per district, per quarter, its streets or its departments with every
figure, the rank within the level, a grade from the bands, and the issue ids behind every figure.

Issued once per quarter after it ends (``workflows.assessment``), and kept as issued: the body is stored as the
exact text whose SHA-256 is its ``content_hash``, and issuing the same quarter again changes nothing. Before it
is issued — the quarter in progress, or a past one not yet issued — the same shape is computed on demand and
marked ``provisional``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain.organisation import Level, Organisation, UnitKind
from store import models
from store.stats import SCORE_RATES, Period, Scope, UnitStats, figures, rank


class AssessedLevel(StrEnum):
    street = "street"  # the district's streets (镇街)
    department = "department"  # the departments of the district and of its streets (部门)


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


class Assessment(BaseModel):
    period: str
    level: AssessedLevel
    district_id: str
    provisional: bool = Field(description="the figures so far: not issued yet")
    issued_at: datetime | None
    content_hash: str | None = Field(description="SHA-256 of the stored body, once issued")
    score_rates: list[str]
    bands: list[Band]
    rows: list[AssessmentRow]


def assessed_units(organisation: Organisation, district_id: str, level: AssessedLevel) -> list[str]:
    units = organisation.subtree(district_id)
    if level is AssessedLevel.street:
        return sorted(u.id for u in units if u.kind is UnitKind.territorial and u.level is Level.street)
    return sorted(u.id for u in units if u.kind is UnitKind.department)


def compute(session: Session, organisation: Organisation, scope: Scope, district_id: str, level: AssessedLevel,
            period: Period, bands: list[Band]) -> Assessment:
    stats = figures(session, assessed_units(organisation, district_id, level), period, scope)
    rows = []
    for r in rank(stats.values()):
        band = next(b for b in bands if r.score is not None and r.score >= b.min_score) if r.complete else None
        rows.append(AssessmentRow(rank=r.rank, unit_id=r.unit_id, unit_name=organisation.unit(r.unit_id).name,
                                  score=r.score, complete=r.complete, missing=r.missing,
                                  grade=band.grade if band else None, grade_label=band.label if band else None,
                                  stats=r.stats))
    return Assessment(period=period.label, level=level, district_id=district_id, provisional=True, issued_at=None,
                      content_hash=None, score_rates=list(SCORE_RATES), bands=bands, rows=rows)


def _body(assessment: Assessment) -> str:
    data = assessment.model_dump(mode="json", exclude={"provisional", "issued_at", "content_hash"})
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def issue(session: Session, assessment: Assessment, now: datetime) -> tuple[Assessment, bool]:
    """Keep ``assessment`` as issued, unless its quarter was issued already: then the stored one, unchanged.
    Returns it and whether it was issued now. The caller commits."""
    if (kept := stored(session, assessment.district_id, assessment.level, assessment.period)) is not None:
        return kept, False
    body = _body(assessment)
    digest = hashlib.sha256(body.encode()).hexdigest()
    try:
        with session.begin_nested():
            session.add(models.AssessmentRecord(period=assessment.period, level=assessment.level.value,
                                                district_id=assessment.district_id, issued_at=now,
                                                content_hash=digest, body=body))
    except IntegrityError:  # issued meanwhile by another worker: theirs stands
        kept = stored(session, assessment.district_id, assessment.level, assessment.period)
        if kept is None:
            raise
        return kept, False
    return assessment.model_copy(update={"provisional": False, "issued_at": now, "content_hash": digest}), True


def stored(session: Session, district_id: str, level: AssessedLevel, period: str) -> Assessment | None:
    A = models.AssessmentRecord
    rec = session.scalars(select(A).where(A.district_id == district_id, A.level == level.value,
                                          A.period == period)).one_or_none()
    if rec is None:
        return None
    if hashlib.sha256(rec.body.encode()).hexdigest() != rec.content_hash:
        raise ValueError(f"the stored assessment {period} {level} {district_id} does not match its hash")
    return Assessment.model_validate({**json.loads(rec.body), "provisional": False, "issued_at": rec.issued_at,
                                      "content_hash": rec.content_hash})


def issued_periods(session: Session) -> list[tuple[str, str, str, str]]:
    """(period, level, district, hash) of everything issued, oldest first."""
    A = models.AssessmentRecord
    return [(r.period, r.level, r.district_id, r.content_hash)
            for r in session.scalars(select(A).order_by(A.issued_at, A.period, A.level, A.district_id))]
