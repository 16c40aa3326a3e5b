"""How a figure is counted: a :class:`Figure` keeps its numbers and the issue ids behind them, and :func:`tally`
counts many figures over one query, for every unit together, in the database."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from pydantic import BaseModel, Field, computed_field
from sqlalchemy import ColumnElement, Integer, Select, and_, case, cast, distinct, func
from sqlalchemy.orm import InstrumentedAttribute, Session

from store.figures.period import Period


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


NO_RATE = Figure(denominator=None)


@dataclass
class Tally:
    """What one measure counted for one unit: how many rows (or their summed weight), and its distinct issues:
    their ids in order when asked for, else only how many."""

    rows: float = 0
    issues: int = 0
    ids: list[str] = field(default_factory=list)

    def add(self, issue_id: str, with_ids: bool) -> None:
        self.rows += 1
        self.issues += 1
        if with_ids:
            self.ids.append(issue_id)


@dataclass(frozen=True)
class Measure:
    """The rows of a query that one measure counts: those meeting ``when``, each weighing ``weight`` (1 unless
    summed, as hours held are); ``issues`` when the figure needs the number of distinct issues without their ids."""

    when: ColumnElement[bool]
    weight: ColumnElement[Any] | None = None
    issues: bool = False


Tallies = dict[str, dict[tuple[Any, ...], Tally]]  # measure → (unit, …) → tally
Column = ColumnElement[Any] | InstrumentedAttribute[Any]


def within(col: Any, period: Period) -> ColumnElement[bool]:
    return and_(col >= period.start, col < period.end)


def tally(session: Session, source: Callable[..., Select[Any]], by: Sequence[Column], issue: Column,
          measures: Mapping[str, Measure], with_ids: bool) -> Tallies:
    """Count ``measures`` over the rows of ``source`` for each value of ``by`` (the unit charged, maybe with a
    list type), in the database. With ids, one row comes back per unit and issue, and each measure's issue ids
    come out sorted and distinct; without, one row per unit."""
    sums = [func.sum(case((m.when, m.weight if m.weight is not None else 1), else_=0)) for m in measures.values()]
    out: Tallies = {name: defaultdict(Tally) for name in measures}
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


def of(tallies: Tallies, name: str, *key: Any) -> Tally:
    return tallies[name].get(key) or Tally()


def merged(a: Tally, b: Tally) -> Tally:
    """Two tallies of one measure from two queries (distinct issues are only known with ids)."""
    if not b.rows:
        return a
    if not a.rows:
        return b
    ids = sorted(set(a.ids) | set(b.ids))
    return Tally(rows=a.rows + b.rows, issues=len(ids) if ids else a.issues + b.issues, ids=ids)


def count(t: Tally) -> Figure:
    """How many rows (an issue urged twice is two urges)."""
    return Figure.model_construct(numerator=int(t.rows), denominator=None, issue_ids=t.ids, base_issue_ids=[])


def issues(t: Tally) -> Figure:
    """How many distinct issues."""
    return Figure.model_construct(numerator=t.issues, denominator=None, issue_ids=t.ids, base_issue_ids=[])


def rate(ok: Tally, base: Tally) -> Figure:
    return Figure.model_construct(numerator=int(ok.rows), denominator=int(base.rows), issue_ids=ok.ids,
                                  base_issue_ids=base.ids)


def seconds(session: Session, start: Column, end: Column) -> ColumnElement[Any]:
    """``end - start`` in seconds, to the microsecond. SQLite keeps times as text, ``YYYY-MM-DD HH:MM:SS.ffffff``
    in UTC: whole seconds from strftime, the microseconds from the text, as julianday would round them."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start)
    whole = cast(func.strftime("%s", end), Integer) - cast(func.strftime("%s", start), Integer)
    micro = cast(func.substr(end, 21, 6), Integer) - cast(func.substr(start, 21, 6), Integer)
    return whole + micro / 1e6
