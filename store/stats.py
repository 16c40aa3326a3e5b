"""The three rates (响应率·解决率·满意率) and the other assessment figures, per unit and period.

Every figure keeps the issue ids it was computed from, so a supervisor can drill down from a number
to the issues behind it. Definitions (the unit is the one assessed; "in the period" is [start, end)):

- received — issues for which the unit was summoned (a ``report`` task opened in the period);
- response rate — report tasks checked in on time / report tasks answered or timed out (declines and
  cancellations are counted against nobody), for tasks opened in the period;
- on-time handling rate — ``handle`` tasks completed on time / completed, completed in the period;
- resolution rate — issues it led closed as resolved / issues it led closed in the period (duplicates,
  rejections and withdrawals are not in it);
- satisfaction rate — satisfied + basically satisfied / rated, over residents' and followers' ratings
  in the period of issues it led; a silent window counts as the ``no_answer_policy`` says;
- yellow / red warnings, escalations from it, urges, returns for rework — events in the period;
- list shares — issues it led whose handling started in the period, by list type;
- hours held — time its tasks closed in the period were open.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field, computed_field
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from store import models

NoAnswerPolicy = Literal["exclude", "satisfied", "unsatisfied"]
RESOLVED_OUTCOMES = ("resolved", "resolved_on_site", "mediated")
NOT_ASSESSED = ("duplicate", "rejected", "withdrawn")


class Period(BaseModel):
    start: datetime
    end: datetime
    label: str

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=UTC)
        return cls(start=datetime(year, month, 1, tzinfo=UTC), end=end, label=f"{year}-{month:02d}")

    @classmethod
    def quarter(cls, year: int, q: int) -> Period:
        if q not in (1, 2, 3, 4):
            raise ValueError("quarter must be 1-4")
        first = 3 * (q - 1) + 1
        end = datetime(year + (q == 4), (first + 2) % 12 + 1, 1, tzinfo=UTC)
        return cls(start=datetime(year, first, 1, tzinfo=UTC), end=end, label=f"{year}-Q{q}")

    @classmethod
    def custom(cls, start: datetime, end: datetime) -> Period:
        if end <= start:
            raise ValueError("a period ends after it starts")
        return cls(start=start, end=end, label=f"{start:%Y-%m-%d}..{end:%Y-%m-%d}")

    @classmethod
    def parse(cls, month: str | None = None, quarter: str | None = None, start: datetime | None = None,
              end: datetime | None = None, now: datetime | None = None) -> Period:
        """One of ``month`` (``2026-11``), ``quarter`` (``2026-Q4``) or ``start``/``end``; this month if none.
        Raises ValueError with a sentence for a person."""
        given = [x for x in (month, quarter, start or end) if x is not None]
        if len(given) > 1:
            raise ValueError("give one of month, quarter, or from/to")
        if quarter is not None:
            year, sep, q = quarter.upper().partition("-Q")
            if not (sep and year.isdigit() and q.isdigit() and len(year) == 4):
                raise ValueError(f"quarter {quarter!r} is not like 2026-Q4")
            return cls.quarter(int(year), int(q))
        if month is not None:
            year, sep, mm = month.partition("-")
            if not (sep and year.isdigit() and mm.isdigit() and len(year) == 4 and 1 <= int(mm) <= 12):
                raise ValueError(f"month {month!r} is not like 2026-11")
            return cls.month(int(year), int(mm))
        if start is not None or end is not None:
            if start is None or end is None:
                raise ValueError("a custom period needs both from and to")
            if start.tzinfo is None or end.tzinfo is None:
                raise ValueError("from and to need a time zone (…Z or +08:00)")
            return cls.custom(start, end)
        now = now or datetime.now(UTC)
        return cls.month(now.year, now.month)


class Figure(BaseModel):
    """A count, or a rate = numerator / denominator; ``issue_ids`` are the numerator's issues
    (for a count, the counted ones) and ``base_issue_ids`` the denominator's."""

    numerator: int = 0
    denominator: int | None = None
    issue_ids: list[str] = Field(default_factory=list)
    base_issue_ids: list[str] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented use on a property
    @property
    def rate(self) -> float | None:
        if self.denominator is None or self.denominator == 0:
            return None
        return self.numerator / self.denominator


class UnitStats(BaseModel):
    unit_id: str
    period: Period
    received: Figure
    response_rate: Figure
    on_time_handling_rate: Figure
    resolution_rate: Figure
    satisfaction_rate: Figure
    yellow: Figure
    red: Figure
    escalations: Figure
    urges: Figure
    reworks: Figure
    list_shares: dict[str, Figure]
    hours_held: float


def _rate(pairs: list[tuple[str, bool]]) -> Figure:
    return Figure(numerator=sum(ok for _, ok in pairs), denominator=len(pairs),
                  issue_ids=sorted({i for i, ok in pairs if ok}), base_issue_ids=sorted({i for i, _ in pairs}))


def _count(ids: list[str]) -> Figure:
    return Figure(numerator=len(ids), issue_ids=sorted(set(ids)))


def unit_stats(session: Session, unit_id: str, period: Period, no_answer: NoAnswerPolicy = "exclude") -> UnitStats:
    T, I, E, R = models.Task, models.Issue, models.TimelineEvent, models.Rating
    start, end = period.start, period.end

    reports = session.execute(select(T.issue_id, T.status, T.outcome, T.late).where(
        T.unit_id == unit_id, T.kind == "report", T.opened_at >= start, T.opened_at < end)).all()
    received = _count([r.issue_id for r in reports])
    answered = [(r.issue_id, r.outcome == "check_in" and not r.late) for r in reports
                if r.status in ("done", "timed_out") and r.outcome != "decline"]

    handled = session.execute(select(T.issue_id, T.late).where(
        T.unit_id == unit_id, T.kind == "handle", T.outcome == "complete",
        T.closed_at >= start, T.closed_at < end)).all()

    led_closed = session.execute(select(I.id, I.outcome, I.resolution).where(
        I.lead_unit_id == unit_id, I.status == "closed", I.closed_at >= start, I.closed_at < end)).all()
    resolution = [(r.id, r.outcome in RESOLVED_OUTCOMES) for r in led_closed if r.resolution not in NOT_ASSESSED]

    ratings = session.execute(select(R.issue_id, R.rating).join(I, I.id == R.issue_id).where(
        I.lead_unit_id == unit_id, R.as_role.in_(("resident", "follower")), R.at >= start, R.at < end)).all()
    satisfaction: list[tuple[str, bool]] = []
    for r in ratings:
        if r.rating is None:
            if no_answer != "exclude":
                satisfaction.append((r.issue_id, no_answer == "satisfied"))
        else:
            satisfaction.append((r.issue_id, r.rating in ("satisfied", "basically_satisfied")))

    in_period = and_(E.at >= start, E.at < end)
    warnings = session.execute(select(E.issue_id, E.data).where(E.unit_id == unit_id, E.kind == "warning",
                                                                in_period)).all()
    escalations = session.scalars(select(E.issue_id).where(E.unit_id == unit_id, E.kind == "escalated",
                                                           in_period)).all()
    led_events = session.execute(select(E.issue_id, E.kind).join(I, I.id == E.issue_id).where(
        I.lead_unit_id == unit_id, E.kind.in_(("urge", "returned_for_rework")), in_period)).all()

    shares: dict[str, list[str]] = defaultdict(list)
    started = session.execute(select(T.issue_id, I.list_type).join(I, I.id == T.issue_id).where(
        T.unit_id == unit_id, T.kind == "handle", I.lead_unit_id == unit_id, T.opened_at >= start,
        T.opened_at < end)).all()
    seen: set[str] = set()
    for issue_id, list_type in started:
        if issue_id not in seen and list_type:
            seen.add(issue_id)
            shares[list_type].append(issue_id)
    total = len(seen)

    held = session.execute(select(T.opened_at, T.closed_at).where(
        T.unit_id == unit_id, T.closed_at >= start, T.closed_at < end)).all()

    return UnitStats(
        unit_id=unit_id, period=period, received=received, response_rate=_rate(answered),
        on_time_handling_rate=_rate([(h.issue_id, not h.late) for h in handled]),
        resolution_rate=_rate(resolution), satisfaction_rate=_rate(satisfaction),
        yellow=_count([w.issue_id for w in warnings if w.data.get("color") == "yellow"]),
        red=_count([w.issue_id for w in warnings if w.data.get("color") == "red"]),
        escalations=_count(list(escalations)),
        urges=_count([e.issue_id for e in led_events if e.kind == "urge"]),
        reworks=_count([e.issue_id for e in led_events if e.kind == "returned_for_rework"]),
        list_shares={k: Figure(numerator=len(v), denominator=total, issue_ids=sorted(v)) for k, v in shares.items()},
        hours_held=round(sum((h.closed_at - h.opened_at).total_seconds() for h in held) / 3600, 3),
    )


class RankRow(BaseModel):
    rank: int
    unit_id: str
    score: float | None  # the mean of the three rates that have a value
    stats: UnitStats


def ranking(session: Session, unit_ids: list[str], period: Period,
            no_answer: NoAnswerPolicy = "exclude") -> list[RankRow]:
    """Units ranked by the mean of response, resolution and satisfaction rates (units with none last)."""
    scored = []
    for unit_id in unit_ids:
        s = unit_stats(session, unit_id, period, no_answer)
        rates = [r for r in (s.response_rate.rate, s.resolution_rate.rate, s.satisfaction_rate.rate) if r is not None]
        scored.append((sum(rates) / len(rates) if rates else None, unit_id, s))
    scored.sort(key=lambda x: (x[0] is None, -(x[0] or 0.0), x[1]))
    return [RankRow(rank=n, unit_id=u, score=sc, stats=s) for n, (sc, u, s) in enumerate(scored, start=1)]


CSV_COLUMNS = ["rank", "unit_id", "period", "score", "received", "response_rate", "on_time_handling_rate",
               "resolution_rate", "satisfaction_rate", "yellow", "red", "escalations", "urges", "reworks",
               "hours_held"]


def to_csv(rows: list[RankRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)

    def fmt(x: float | None) -> str:
        return "" if x is None else f"{x:.4f}"

    for r in rows:
        s = r.stats
        writer.writerow([r.rank, r.unit_id, s.period.label, fmt(r.score), s.received.numerator,
                         fmt(s.response_rate.rate), fmt(s.on_time_handling_rate.rate), fmt(s.resolution_rate.rate),
                         fmt(s.satisfaction_rate.rate), s.yellow.numerator, s.red.numerator, s.escalations.numerator,
                         s.urges.numerator, s.reworks.numerator, s.hours_held])
    return out.getvalue()
