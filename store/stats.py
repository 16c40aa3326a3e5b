"""The assessment figures (考核指标) per unit and period, as the seeds define them.

Every figure keeps the issue ids it was computed from, so a supervisor can drill down from a number to the
issues behind it. Months and quarters are cut in the deployment's time zone (``WHISTLE_TIMEZONE``): the
1st of a month at 00:00 Beijing time belongs to that month, not the one before. "In the period" is
[start, end). The README's "Figures" section is the reference for each definition; in short, for a unit U:

- received — issues for which U was summoned (a ``report`` task opened in the period), each issue once;
  summoned — the summonses themselves (an issue re-routed to U twice is two);
- response rate — U's report tasks checked in on time / answered or timed out (a decline or a cancelled
  summons is counted against nobody), for tasks opened in the period;
- on-time handling rate — U's ``handle`` tasks completed on time / completed in the period, plus every
  handle task of U that was never completed (still open, moved up, or its lead taken away) whose deadline
  fell in the period and has passed: those count late;
- resolution rate — issues U led closed as resolved / issues U led closed in the period (duplicates,
  rejections and withdrawals are not assessed);
- satisfaction rate — residents' and followers' ratings in the period of issues U led: satisfied or basically
  satisfied / rated; a silent window counts as the ``no_answer_policy`` says;
- whistler's satisfaction rate — the whistler's evaluation of the reporting units (seeds/002: "征求吹哨者对
  报到者的办理评价并登记备案"), counted for every unit summoned to the issue;
- yellow and red warnings, escalations, urges and returns for rework — events in the period, charged to the
  unit that held the task at the time; a dispatcher's own escalation of a matter beyond its level is not a
  failure and is not counted;
- on-site rate (即查即办率) and mediation success rate (三级七天) — for a grid, a community or a street over its
  territory (itself and the units below it): of the issues whose verification in the territory ended in the
  period (dispute matters for mediation, all others for on-site), the share settled there and then; a
  verification moved up out of the territory is a failure, a rejection (not a real problem) is not counted;
- list shares — issues U led whose handling started in the period, by list type;
- hours held — time U's tasks closed in the period were open.

The ranking score is the mean of the five rates every unit has (response, on-time handling, resolution,
satisfaction and the whistler's satisfaction), ×100. A unit missing one of them is shown with what it
misses and ranked after every unit that has them all.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, computed_field
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from domain.catalogue import Catalogue
from domain.organisation import Organisation, UnitKind
from store import models

NoAnswerPolicy = Literal["exclude", "satisfied", "unsatisfied"]
RESOLVED_OUTCOMES = ("resolved", "resolved_on_site", "mediated")
NOT_ASSESSED = ("duplicate", "rejected", "withdrawn")
SATISFIED = ("satisfied", "basically_satisfied")
DEFAULT_TZ = ZoneInfo("Asia/Shanghai")

#: the rates in the ranking score, equally weighted
SCORE_RATES = ("response_rate", "on_time_handling_rate", "resolution_rate", "satisfaction_rate",
               "whistler_satisfaction_rate")


class Period(BaseModel):
    start: datetime
    end: datetime
    label: str

    @classmethod
    def month(cls, year: int, month: int, tz: tzinfo = DEFAULT_TZ) -> Period:
        end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
        return cls(start=datetime(year, month, 1, tzinfo=tz), end=end, label=f"{year}-{month:02d}")

    @classmethod
    def quarter(cls, year: int, q: int, tz: tzinfo = DEFAULT_TZ) -> Period:
        if q not in (1, 2, 3, 4):
            raise ValueError("quarter must be 1-4")
        first = 3 * (q - 1) + 1
        end = datetime(year + (q == 4), (first + 2) % 12 + 1, 1, tzinfo=tz)
        return cls(start=datetime(year, first, 1, tzinfo=tz), end=end, label=f"{year}-Q{q}")

    @classmethod
    def custom(cls, start: datetime, end: datetime) -> Period:
        if end <= start:
            raise ValueError("a period ends after it starts")
        return cls(start=start, end=end, label=f"{start:%Y-%m-%d}..{end:%Y-%m-%d}")

    @classmethod
    def containing(cls, when: datetime, tz: tzinfo = DEFAULT_TZ) -> Period:
        """The quarter ``when`` falls in, in ``tz``."""
        local = when.astimezone(tz)
        return cls.quarter(local.year, (local.month - 1) // 3 + 1, tz)

    @classmethod
    def parse(cls, month: str | None = None, quarter: str | None = None, start: datetime | None = None,
              end: datetime | None = None, now: datetime | None = None, tz: tzinfo = DEFAULT_TZ) -> Period:
        """One of ``month`` (``2026-11``), ``quarter`` (``2026-Q4``) or ``start``/``end``; this month if none.
        Raises ValueError with a sentence for a person."""
        given = [x for x in (month, quarter, start or end) if x is not None]
        if len(given) > 1:
            raise ValueError("give one of month, quarter, or from/to")
        if quarter is not None:
            year, sep, q = quarter.upper().partition("-Q")
            if not (sep and year.isdigit() and q.isdigit() and len(year) == 4 and int(year) >= 1):
                raise ValueError(f"quarter {quarter!r} is not like 2026-Q4")
            return cls.quarter(int(year), int(q), tz)
        if month is not None:
            year, sep, mm = month.partition("-")
            if not (sep and year.isdigit() and mm.isdigit() and len(year) == 4 and 1 <= int(mm) <= 12
                    and int(year) >= 1):
                raise ValueError(f"month {month!r} is not like 2026-11")
            return cls.month(int(year), int(mm), tz)
        if start is not None or end is not None:
            if start is None or end is None:
                raise ValueError("a custom period needs both from and to")
            if start.tzinfo is None or end.tzinfo is None:
                raise ValueError("from and to need a time zone (…Z or +08:00)")
            return cls.custom(start, end)
        local = (now or datetime.now(UTC)).astimezone(tz)
        return cls.month(local.year, local.month, tz)

    def holds(self, when: datetime | None) -> bool:
        return when is not None and self.start <= when < self.end


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
    summoned: Figure
    response_rate: Figure
    on_time_handling_rate: Figure
    resolution_rate: Figure
    satisfaction_rate: Figure
    whistler_satisfaction_rate: Figure
    onsite_rate: Figure = Field(description="即查即办率: over the unit's territory; no denominator for departments")
    mediation_rate: Figure = Field(description="调解成功率 (三级七天): over the unit's territory")
    yellow: Figure
    red: Figure
    escalations: Figure
    urges: Figure
    reworks: Figure
    list_shares: dict[str, Figure]
    hours_held: float


@dataclass(frozen=True)
class Scope:
    """What the figures need besides the read model: each unit's territory (itself and the territorial units
    below it; empty for a department), the matters that follow the mediation ladder, how a silent evaluation
    counts, and the present (for deadlines that have passed)."""

    territories: Mapping[str, frozenset[str]] = field(default_factory=dict)
    mediation_matters: frozenset[str] = frozenset()
    no_answer: NoAnswerPolicy = "exclude"
    now: datetime | None = None

    @classmethod
    def of(cls, organisation: Organisation, catalogue: Catalogue, no_answer: NoAnswerPolicy = "exclude",
           now: datetime | None = None) -> Scope:
        territories = {}
        for unit in organisation.units.values():
            if unit.kind is UnitKind.territorial:
                territories[unit.id] = frozenset(u.id for u in organisation.subtree(unit.id)
                                                 if u.kind is UnitKind.territorial)
        mediation = frozenset(m.code for m in catalogue.matters.values() if m.mediation)
        return cls(territories=territories, mediation_matters=mediation, no_answer=no_answer, now=now)


def _rate(pairs: Iterable[tuple[str, bool]]) -> Figure:
    pairs = list(pairs)
    return Figure(numerator=sum(ok for _, ok in pairs), denominator=len(pairs),
                  issue_ids=sorted({i for i, ok in pairs if ok}), base_issue_ids=sorted({i for i, _ in pairs}))


def _count(ids: Iterable[str]) -> Figure:
    ids = list(ids)
    return Figure(numerator=len(ids), issue_ids=sorted(set(ids)))


def _distinct(ids: Iterable[str]) -> Figure:
    unique = sorted(set(ids))
    return Figure(numerator=len(unique), issue_ids=unique)


def figures(session: Session, unit_ids: Collection[str], period: Period, scope: Scope | None = None
            ) -> dict[str, UnitStats]:
    """Every unit's figures for ``period``, with one query per kind of record for all the units together."""
    scope = scope or Scope()
    units = sorted(set(unit_ids))
    if not units:
        return {}
    now = scope.now or datetime.now(UTC)
    T, I, E, R = models.Task, models.Issue, models.TimelineEvent, models.Rating
    start, end = period.start, period.end
    per: dict[str, dict[str, list[Any]]] = {u: defaultdict(list) for u in units}  # unit → figure → rows

    # summonses: received, summoned, the response rate
    for rep in session.execute(select(T.issue_id, T.unit_id, T.status, T.outcome, T.late).where(
            T.unit_id.in_(units), T.kind == "report", T.opened_at >= start, T.opened_at < end)):
        u = per[rep.unit_id]
        u["summoned"].append(rep.issue_id)
        if rep.status in ("done", "timed_out") and rep.outcome != "decline":
            u["response"].append((rep.issue_id, rep.outcome == "check_in" and not rep.late))

    # handling on time; a handle task never completed counts late once its deadline has passed
    for hdl in session.execute(select(T.issue_id, T.unit_id, T.status, T.outcome, T.late, T.closed_at, T.due_at).where(
            T.unit_id.in_(units), T.kind == "handle", T.status != "cancelled",
            or_(and_(T.closed_at >= start, T.closed_at < end), and_(T.due_at >= start, T.due_at < end)))):
        if hdl.status == "done" and hdl.outcome == "complete":
            if period.holds(hdl.closed_at):
                per[hdl.unit_id]["on_time"].append((hdl.issue_id, not hdl.late))
        elif hdl.due_at is not None and period.holds(hdl.due_at) and hdl.due_at <= now:
            per[hdl.unit_id]["on_time"].append((hdl.issue_id, False))

    # what the units led: resolution, list shares; residents' ratings of it
    for led in session.execute(select(I.id, I.lead_unit_id, I.outcome, I.resolution).where(
            I.lead_unit_id.in_(units), I.status == "closed", I.closed_at >= start, I.closed_at < end)):
        if led.resolution not in NOT_ASSESSED:
            per[led.lead_unit_id]["resolution"].append((led.id, led.outcome in RESOLVED_OUTCOMES))

    def judged(rating: str | None) -> bool | None:
        if rating is None:
            return None if scope.no_answer == "exclude" else scope.no_answer == "satisfied"
        return rating in SATISFIED

    for rt in session.execute(select(R.issue_id, R.rating, I.lead_unit_id).join(I, I.id == R.issue_id).where(
            I.lead_unit_id.in_(units), R.as_role.in_(("resident", "follower")), R.at >= start, R.at < end)):
        if (ok := judged(rt.rating)) is not None:
            per[rt.lead_unit_id]["satisfaction"].append((rt.issue_id, ok))
    whistler = session.execute(select(R.issue_id, R.ordinal, R.rating, T.unit_id).distinct().join(
        T, and_(T.issue_id == R.issue_id, T.kind == "report")).where(
            T.unit_id.in_(units), R.as_role == "whistler", R.at >= start, R.at < end))
    for wh in whistler:
        if (ok := judged(wh.rating)) is not None:
            per[wh.unit_id]["whistler"].append((wh.issue_id, ok))

    # events charged to the unit that held the task at the time (urges and returns recorded before rules 2
    # name no unit: they go to the lead)
    voluntary = {(t.issue_id, t.id) for t in session.execute(select(T.issue_id, T.id).where(
        T.unit_id.in_(units), T.kind == "dispatch", T.outcome == "escalate"))}
    in_period = and_(E.at >= start, E.at < end)
    for ev in session.execute(select(E.issue_id, E.kind, E.unit_id, E.task_id, E.data).where(
            E.unit_id.in_(units), E.kind.in_(("warning", "escalated", "urge", "returned_for_rework")), in_period)):
        u = per[ev.unit_id]
        if ev.kind == "warning" and ev.data.get("color") in ("yellow", "red"):
            u[ev.data["color"]].append(ev.issue_id)
        elif ev.kind == "escalated" and (ev.issue_id, ev.task_id) not in voluntary:
            u["escalations"].append(ev.issue_id)
        elif ev.kind in ("urge", "returned_for_rework"):
            u[ev.kind].append(ev.issue_id)
    for ev0 in session.execute(select(E.issue_id, E.kind, I.lead_unit_id).join(I, I.id == E.issue_id).where(
            E.unit_id.is_(None), I.lead_unit_id.in_(units), E.kind.in_(("urge", "returned_for_rework")), in_period)):
        per[ev0.lead_unit_id][ev0.kind].append(ev0.issue_id)

    shares: dict[str, dict[str, list[str]]] = {u: defaultdict(list) for u in units}
    seen: dict[str, set[str]] = {u: set() for u in units}
    for sh in session.execute(select(T.issue_id, T.unit_id, I.list_type).join(I, I.id == T.issue_id).where(
            T.unit_id.in_(units), T.kind == "handle", I.lead_unit_id == T.unit_id, T.opened_at >= start,
            T.opened_at < end)):
        if sh.issue_id not in seen[sh.unit_id] and sh.list_type:
            seen[sh.unit_id].add(sh.issue_id)
            shares[sh.unit_id][sh.list_type].append(sh.issue_id)

    held: dict[str, float] = defaultdict(float)
    for hd in session.execute(select(T.unit_id, T.opened_at, T.closed_at).where(
            T.unit_id.in_(units), T.closed_at >= start, T.closed_at < end)):
        held[hd.unit_id] += (hd.closed_at - hd.opened_at).total_seconds()

    onsite, mediation = _verification(session, units, period, scope)

    out = {}
    for unit in units:
        u = per[unit]
        total = len(seen[unit])
        out[unit] = UnitStats(
            unit_id=unit, period=period, received=_distinct(u["summoned"]), summoned=_count(u["summoned"]),
            response_rate=_rate(u["response"]), on_time_handling_rate=_rate(u["on_time"]),
            resolution_rate=_rate(u["resolution"]), satisfaction_rate=_rate(u["satisfaction"]),
            whistler_satisfaction_rate=_rate(u["whistler"]), onsite_rate=onsite[unit],
            mediation_rate=mediation[unit], yellow=_count(u["yellow"]), red=_count(u["red"]),
            escalations=_count(u["escalations"]), urges=_count(u["urge"]), reworks=_count(u["returned_for_rework"]),
            list_shares={k: Figure(numerator=len(v), denominator=total, issue_ids=sorted(v))
                         for k, v in shares[unit].items()},
            hours_held=round(held[unit] / 3600, 3))
    return out


def _verification(session: Session, units: list[str], period: Period, scope: Scope
                  ) -> tuple[dict[str, Figure], dict[str, Figure]]:
    """The on-site and the mediation rates over each unit's territory (see the module's docstring)."""
    T, I = models.Task, models.Issue
    empty = Figure(denominator=None)
    territories = {u: scope.territories.get(u, frozenset()) for u in units}
    everywhere = sorted(set().union(*territories.values()))
    if not everywhere:
        return dict.fromkeys(units, empty), dict.fromkeys(units, empty)
    by_issue: dict[str, list[tuple[str, str, str | None, datetime | None]]] = defaultdict(list)
    matter: dict[str, str] = {}
    ended_here = select(T.issue_id).where(T.kind == "verify", T.unit_id.in_(everywhere), T.closed_at >= period.start,
                                          T.closed_at < period.end)
    for r in session.execute(select(T.issue_id, T.unit_id, T.status, T.outcome, T.closed_at, I.matter_code).join(
            I, I.id == T.issue_id).where(T.kind == "verify", T.issue_id.in_(ended_here))):
        by_issue[r.issue_id].append((r.unit_id, r.status, r.outcome, r.closed_at))
        matter[r.issue_id] = r.matter_code
    onsite: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    mediated: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    for issue_id, tasks in by_issue.items():
        bucket = mediated if matter[issue_id] in scope.mediation_matters else onsite
        for unit, territory in territories.items():
            here = [t for t in tasks if t[0] in territory and t[1] != "cancelled"]
            if not here or any(t[1] == "open" for t in here):
                continue
            last = max(here, key=lambda t: (t[3] or datetime.min.replace(tzinfo=UTC), t[1] != "moved"))
            if last[2] == "reject" or not period.holds(last[3]):
                continue
            bucket[unit].append((issue_id, last[1] == "done" and last[2] == "resolve_on_site"))
    return ({u: _rate(onsite[u]) if territories[u] else empty for u in units},
            {u: _rate(mediated[u]) if territories[u] else empty for u in units})


def unit_stats(session: Session, unit_id: str, period: Period, no_answer: NoAnswerPolicy = "exclude",
               scope: Scope | None = None) -> UnitStats:
    scope = scope or Scope(no_answer=no_answer)
    return figures(session, [unit_id], period, scope)[unit_id]


class RankRow(BaseModel):
    rank: int
    unit_id: str
    score: float | None = Field(description="the mean of the score's rates ×100, over those the unit has")
    complete: bool = Field(description="the unit has every rate of the score; incomplete units rank after")
    missing: list[str] = Field(description="the score's rates the unit has no value for")
    stats: UnitStats


def score_of(stats: UnitStats) -> tuple[float | None, list[str]]:
    rates = {name: getattr(stats, name).rate for name in SCORE_RATES}
    present = [r for r in rates.values() if r is not None]
    missing = [name for name, r in rates.items() if r is None]
    return (round(100 * sum(present) / len(present), 2) if present else None), missing


def rank(stats: Iterable[UnitStats]) -> list[RankRow]:
    """Complete units by score, best first; then the incomplete ones by what they have; ties by unit id."""
    scored = []
    for s in stats:
        score, missing = score_of(s)
        scored.append((bool(missing), score is None, -(score or 0.0), s.unit_id, score, missing, s))
    scored.sort(key=lambda x: x[:4])
    return [RankRow(rank=n, unit_id=x[3], score=x[4], complete=not x[5], missing=x[5], stats=x[6])
            for n, x in enumerate(scored, start=1)]


def ranking(session: Session, unit_ids: list[str], period: Period, no_answer: NoAnswerPolicy = "exclude",
            scope: Scope | None = None) -> list[RankRow]:
    scope = scope or Scope(no_answer=no_answer)
    return rank(figures(session, unit_ids, period, scope).values())


RATE_COLUMNS = ["response_rate", "on_time_handling_rate", "resolution_rate", "satisfaction_rate",
                "whistler_satisfaction_rate", "onsite_rate", "mediation_rate"]
COUNT_COLUMNS = ["received", "summoned", "yellow", "red", "escalations", "urges", "reworks"]
CSV_COLUMNS = ["rank", "unit_id", "period", "score", "complete", *COUNT_COLUMNS, *RATE_COLUMNS, "hours_held"]


def fmt_rate(x: float | None) -> str:
    return "" if x is None else f"{x:.4f}"


def to_csv(rows: list[RankRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        s = r.stats
        writer.writerow([r.rank, r.unit_id, s.period.label, "" if r.score is None else f"{r.score:.2f}",
                         "yes" if r.complete else "no",
                         *(getattr(s, c).numerator for c in COUNT_COLUMNS),
                         *(fmt_rate(getattr(s, c).rate) for c in RATE_COLUMNS), s.hours_held])
    return out.getvalue()
