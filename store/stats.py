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
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from operator import itemgetter
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, computed_field
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    cast,
    distinct,
    exists,
    false,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

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
            if not (sep and year.isdigit() and q.isdigit() and len(year) == 4 and q in ("1", "2", "3", "4")):
                raise ValueError(f"quarter {quarter!r} is not like 2026-Q4")
            return cls.quarter(_year(year), int(q), tz)
        if month is not None:
            year, sep, mm = month.partition("-")
            if not (sep and year.isdigit() and mm.isdigit() and len(year) == 4 and 1 <= int(mm) <= 12):
                raise ValueError(f"month {month!r} is not like 2026-11")
            return cls.month(_year(year), int(mm), tz)
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


#: the years a month or quarter may be asked of (beyond them, a period's ends would leave the calendar in some zone)
YEARS = range(1970, 9999)


def _year(text: str) -> int:
    year = int(text)
    if year not in YEARS:
        raise ValueError(f"the year must lie between {YEARS.start} and {YEARS.stop - 1}")
    return year


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


@dataclass
class _Tally:
    """What one measure counted for one unit: how many rows (or their summed weight), and its distinct issues:
    their ids in order when asked for, else only how many."""

    rows: float = 0
    issues: int = 0
    ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Measure:
    """The rows of a query that one measure counts: those meeting ``when``, each weighing ``weight`` (1 unless
    summed, as hours held are); ``issues`` when the figure needs the number of distinct issues without their ids."""

    when: ColumnElement[bool]
    weight: ColumnElement[Any] | None = None
    issues: bool = False


Tallies = dict[str, dict[tuple[Any, ...], _Tally]]  # measure → (unit, …) → tally
Column = ColumnElement[Any] | InstrumentedAttribute[Any]


def _tally(session: Session, source: Callable[..., Select[Any]], by: Sequence[Column], issue: Column,
           measures: Mapping[str, _Measure], with_ids: bool) -> Tallies:
    """Count ``measures`` over the rows of ``source`` for each value of ``by`` (the unit charged, maybe with a
    list type), in the database. With ids, one row comes back per unit and issue, and each measure's issue ids
    come out sorted and distinct; without, one row per unit."""
    sums = [func.sum(case((m.when, m.weight if m.weight is not None else 1), else_=0)) for m in measures.values()]
    out: Tallies = {name: defaultdict(_Tally) for name in measures}
    k = len(by)
    if with_ids:
        rows = session.connection().execute(source(*by, issue, *sums).group_by(*by, issue)).all()
        for row in sorted(rows, key=itemgetter(k)):
            key, issue_id = tuple(row[:k]), row[k]
            for name, n in zip(measures, row[k + 1:], strict=True):
                if n:
                    t = out[name][key]
                    t.rows += n
                    t.ids.append(issue_id)
        for per in out.values():
            for t in per.values():
                t.issues = len(t.ids)
        return out
    distinct_issues = [func.count(distinct(case((m.when, issue)))) for m in measures.values() if m.issues]
    for row in session.connection().execute(source(*by, *sums, *distinct_issues).group_by(*by)):
        key, counts = tuple(row[:k]), iter(row[k + len(measures):])
        for name, n in zip(measures, row[k:k + len(measures)], strict=True):
            t = out[name][key]
            t.rows = n or 0
            t.issues = next(counts) if measures[name].issues else 0
    return out


def _merged(a: _Tally, b: _Tally) -> _Tally:
    """Two tallies of one measure from two queries (distinct issues are only known with ids)."""
    if not b.rows:
        return a
    if not a.rows:
        return b
    ids = sorted(set(a.ids) | set(b.ids))
    return _Tally(rows=a.rows + b.rows, issues=len(ids) if ids else a.issues + b.issues, ids=ids)


def _count(t: _Tally) -> Figure:
    return Figure.model_construct(numerator=int(t.rows), denominator=None, issue_ids=t.ids, base_issue_ids=[])


def _distinct(t: _Tally) -> Figure:
    return Figure.model_construct(numerator=t.issues, denominator=None, issue_ids=t.ids, base_issue_ids=[])


def _rate(ok: _Tally, base: _Tally) -> Figure:
    return Figure.model_construct(numerator=int(ok.rows), denominator=int(base.rows), issue_ids=ok.ids,
                                  base_issue_ids=base.ids)


def _seconds(session: Session, start: Column, end: Column) -> ColumnElement[Any]:
    """``end - start`` in seconds, to the microsecond. SQLite keeps times as text, ``YYYY-MM-DD HH:MM:SS.ffffff``
    in UTC: whole seconds from strftime, the microseconds from the text, as julianday would round them."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start)
    whole = cast(func.strftime("%s", end), Integer) - cast(func.strftime("%s", start), Integer)
    micro = cast(func.substr(end, 21, 6), Integer) - cast(func.substr(start, 21, 6), Integer)
    return whole + micro / 1e6


def figures(session: Session, unit_ids: Collection[str], period: Period, scope: Scope | None = None,
            with_ids: bool = True) -> dict[str, UnitStats]:
    """Every unit's figures for ``period``, counted in the database with one query per kind of record for all the
    units together. ``with_ids=False`` leaves every figure's issue ids empty: the same numbers, without
    fetching an issue id per row."""
    scope = scope or Scope()
    units = sorted(set(unit_ids))
    if not units:
        return {}
    now = scope.now or datetime.now(UTC)
    T, I, E, R = models.Task, models.Issue, models.TimelineEvent, models.Rating

    def within(col: Any) -> ColumnElement[bool]:
        return and_(col >= period.start, col < period.end)

    # summonses: received, summoned, the response rate; handling on time (a handle task never completed counts
    # late once its deadline has passed); hours held
    summoned = and_(T.kind == "report", within(T.opened_at))
    answered = and_(summoned, T.status.in_(("done", "timed_out")), or_(T.outcome.is_(None), T.outcome != "decline"))
    handle = and_(T.kind == "handle", T.status != "cancelled")
    completed = and_(T.status == "done", T.outcome == "complete")
    completed_here = and_(handle, completed, within(T.closed_at))
    overdue = and_(handle, or_(T.status != "done", T.outcome.is_(None), T.outcome != "complete"),
                   within(T.due_at), T.due_at <= now)
    tasks = _tally(session, lambda *c: select(*c).where(
        T.unit_id.in_(units), or_(summoned, completed_here, overdue, within(T.closed_at))), [T.unit_id], T.issue_id, {
        "summoned": _Measure(summoned, issues=True),
        "answered": _Measure(answered),
        "checked_in": _Measure(and_(answered, T.outcome == "check_in", T.late.is_(False))),
        "handled": _Measure(or_(completed_here, overdue)),
        "on_time": _Measure(and_(completed_here, T.late.is_(False))),
        "held": _Measure(within(T.closed_at), weight=_seconds(session, T.opened_at, T.closed_at)),
    }, with_ids)

    # what the units led: resolution (duplicates, rejections and withdrawals are not assessed), list shares
    assessed = and_(I.status == "closed", within(I.closed_at), or_(I.resolution.is_(None),
                                                                   I.resolution.not_in(NOT_ASSESSED)))
    led = _tally(session, lambda *c: select(*c).where(I.lead_unit_id.in_(units), assessed), [I.lead_unit_id], I.id, {
        "closed": _Measure(assessed), "resolved": _Measure(I.outcome.in_(RESOLVED_OUTCOMES))}, with_ids)
    shares = _tally(session, lambda *c: select(*c).join(I, I.id == T.issue_id).where(
        T.unit_id.in_(units), T.kind == "handle", I.lead_unit_id == T.unit_id, within(T.opened_at),
        I.list_type.is_not(None), I.list_type != ""), [T.unit_id, I.list_type], T.issue_id,
        {"led": _Measure(true(), issues=True)}, with_ids)["led"]

    # residents' and followers' ratings of what the units led; the whistler's, of every unit summoned; a silent
    # window counts as the no-answer policy says
    judged = R.rating.is_not(None) if scope.no_answer == "exclude" else true()
    silent = true() if scope.no_answer == "satisfied" else false()
    satisfied = or_(R.rating.in_(SATISFIED), and_(R.rating.is_(None), silent))
    rated = _tally(session, lambda *c: select(*c).join(I, I.id == R.issue_id).where(
        I.lead_unit_id.in_(units), R.as_role.in_(("resident", "follower")), within(R.at), judged),
        [I.lead_unit_id], R.issue_id, {"rated": _Measure(true()), "satisfied": _Measure(satisfied)}, with_ids)
    whistler_rated = select(R.issue_id).where(R.as_role == "whistler", within(R.at))
    reporters = select(T.issue_id, T.unit_id).distinct().where(
        T.unit_id.in_(units), T.kind == "report", T.issue_id.in_(whistler_rated)).subquery()
    whistled = _tally(session, lambda *c: select(*c).join(reporters, reporters.c.issue_id == R.issue_id).where(
        R.as_role == "whistler", within(R.at), judged),
        [reporters.c.unit_id], R.issue_id, {"rated": _Measure(true()), "satisfied": _Measure(satisfied)}, with_ids)

    # events charged to the unit that held the task at the time; a dispatcher's own escalation is not counted;
    # urges and returns recorded before rules 2 name no unit: they go to the lead
    voluntary = exists().where(T.id == E.task_id, T.issue_id == E.issue_id, T.unit_id.in_(units),
                               T.kind == "dispatch", T.outcome == "escalate")
    color = E.data["color"].as_string()
    events = _tally(session, lambda *c: select(*c).where(
        E.unit_id.in_(units), E.kind.in_(("warning", "escalated", "urge", "returned_for_rework")), within(E.at)),
        [E.unit_id], E.issue_id, {
            "yellow": _Measure(and_(E.kind == "warning", color == "yellow")),
            "red": _Measure(and_(E.kind == "warning", color == "red")),
            "escalations": _Measure(and_(E.kind == "escalated", ~voluntary)),
            "urges": _Measure(E.kind == "urge"),
            "reworks": _Measure(E.kind == "returned_for_rework"),
        }, with_ids)
    unnamed = _tally(session, lambda *c: select(*c).join(I, I.id == E.issue_id).where(
        E.unit_id.is_(None), I.lead_unit_id.in_(units), E.kind.in_(("urge", "returned_for_rework")), within(E.at)),
        [I.lead_unit_id], E.issue_id, {"urges": _Measure(E.kind == "urge"),
                                       "reworks": _Measure(E.kind == "returned_for_rework")}, with_ids)

    onsite, mediation = _verification(session, units, period, scope, with_ids)

    out = {}
    for unit in units:
        key = (unit,)

        def of(tallies: Tallies, name: str, key: tuple[Any, ...] = key) -> _Tally:
            return tallies[name].get(key) or _Tally()

        own = {k[1]: t for k, t in shares.items() if k[0] == unit}
        total = sum(t.issues for t in own.values())
        out[unit] = UnitStats(
            unit_id=unit, period=period, received=_distinct(of(tasks, "summoned")),
            summoned=_count(of(tasks, "summoned")),
            response_rate=_rate(of(tasks, "checked_in"), of(tasks, "answered")),
            on_time_handling_rate=_rate(of(tasks, "on_time"), of(tasks, "handled")),
            resolution_rate=_rate(of(led, "resolved"), of(led, "closed")),
            satisfaction_rate=_rate(of(rated, "satisfied"), of(rated, "rated")),
            whistler_satisfaction_rate=_rate(of(whistled, "satisfied"), of(whistled, "rated")),
            onsite_rate=onsite[unit], mediation_rate=mediation[unit],
            yellow=_count(of(events, "yellow")), red=_count(of(events, "red")),
            escalations=_count(of(events, "escalations")),
            urges=_count(_merged(of(events, "urges"), of(unnamed, "urges"))),
            reworks=_count(_merged(of(events, "reworks"), of(unnamed, "reworks"))),
            list_shares={k: Figure.model_construct(numerator=t.issues, denominator=total, issue_ids=t.ids,
                                                   base_issue_ids=[]) for k, t in sorted(own.items())},
            hours_held=round(float(of(tasks, "held").rows) / 3600, 3))
    return out


def _verification(session: Session, units: list[str], period: Period, scope: Scope, with_ids: bool
                  ) -> tuple[dict[str, Figure], dict[str, Figure]]:
    """The on-site and the mediation rates over each unit's territory (see the module's docstring).

    An issue with one verify task that was not cancelled (the most of them) counts for every unit whose territory
    holds that task; without ids those are counted in the database, by the verifying unit and the matter. An issue
    with several (moved up, say) is walked here: each unit's last verification in its territory."""
    T, I = models.Task, models.Issue
    empty = Figure(denominator=None)
    holders: dict[str, list[str]] = defaultdict(list)  # a territorial unit → the units whose territory holds it
    for unit in units:
        for member in scope.territories.get(unit, frozenset()):
            holders[member].append(unit)
    if not holders:
        return dict.fromkeys(units, empty), dict.fromkeys(units, empty)
    tallies: dict[bool, dict[str, tuple[_Tally, _Tally]]] = {  # mediation? → unit → (settled, verified)
        m: {u: (_Tally(), _Tally()) for u in units} for m in (False, True)}
    def ended_here(t: type[models.Task]) -> ColumnElement[bool]:
        return and_(t.kind == "verify", t.unit_id.in_(sorted(holders)), t.closed_at >= period.start,
                    t.closed_at < period.end)

    def another(t: type[models.Task]) -> ColumnElement[bool]:
        """another verify task of ``t``'s issue, not cancelled"""
        other = aliased(models.Task)
        return exists().where(other.issue_id == t.issue_id, other.kind == "verify", other.id != t.id,
                              other.status != "cancelled")

    W = aliased(models.Task)  # the issues walked: their tasks are read below
    walked = select(W.issue_id).where(ended_here(W))
    if not with_ids:
        single = and_(ended_here(T), T.status != "cancelled", ~another(T))
        for r in session.connection().execute(
                select(T.unit_id, I.matter_code, func.count(),
                       func.sum(case((and_(T.status == "done", T.outcome == "resolve_on_site"), 1), else_=0))
                       ).join(I, I.id == T.issue_id).where(single, or_(T.outcome.is_(None), T.outcome != "reject"))
                .group_by(T.unit_id, I.matter_code)):
            for unit in holders[r[0]]:
                settled, verified = tallies[r[1] in scope.mediation_matters][unit]
                verified.rows += r[2]
                settled.rows += r[3] or 0
        walked = walked.where(W.status != "cancelled", another(W))
    by_issue: dict[str, list[tuple[str, str, str | None, datetime | None]]] = defaultdict(list)
    matter: dict[str, str] = {}
    for r in session.connection().execute(select(T.issue_id, T.unit_id, T.status, T.outcome, T.closed_at,
                                                 I.matter_code).join(
            I, I.id == T.issue_id).where(T.kind == "verify", T.issue_id.in_(walked))):
        by_issue[r.issue_id].append((r.unit_id, r.status, r.outcome, r.closed_at))
        matter[r.issue_id] = r.matter_code
    never = datetime.min.replace(tzinfo=UTC)
    start, end = period.start, period.end
    for issue_id in sorted(by_issue) if with_ids else by_issue:
        # each unit's last verification in its territory (the latest to close; of two at once, not the one moved
        # up), unless one there is still open
        last: dict[str, tuple[str, str, str | None, datetime | None]] = {}
        still_open: set[str] = set()
        for t in by_issue[issue_id]:
            if t[1] == "cancelled":
                continue
            for unit in holders.get(t[0], ()):
                if t[1] == "open":
                    still_open.add(unit)
                elif unit not in last or (t[3] or never, t[1] != "moved") > (last[unit][3] or never,
                                                                              last[unit][1] != "moved"):
                    last[unit] = t
        per = tallies[matter[issue_id] in scope.mediation_matters]
        for unit, (_, status, outcome, closed_at) in last.items():
            if unit in still_open or outcome == "reject" or closed_at is None or not start <= closed_at < end:
                continue
            settled, verified = per[unit]
            for tally, counts in ((verified, True), (settled, status == "done" and outcome == "resolve_on_site")):
                if counts:
                    tally.rows += 1
                    if with_ids:
                        tally.ids.append(issue_id)

    def rates(mediation: bool) -> dict[str, Figure]:
        return {u: _rate(*tallies[mediation][u]) if scope.territories.get(u) else empty for u in units}

    return rates(False), rates(True)


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
            scope: Scope | None = None, with_ids: bool = True) -> list[RankRow]:
    scope = scope or Scope(no_answer=no_answer)
    return rank(figures(session, unit_ids, period, scope, with_ids).values())


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
