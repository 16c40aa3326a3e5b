"""Figure snapshots: every unit's figures of one level and kind for a standard period — this month and the last,
this quarter and the last, this year — recomputed every few minutes by a Temporal Schedule with the same code the
live figures use, so a ranking served from one equals the live ranking of the moment it was computed
(:func:`ranked`). A ranking of a custom range is always computed live."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.organisation import Level, Organisation, UnitKind
from store import models
from store.figures.period import Period
from store.figures.ranking import RankRow, ScoreRule, rank
from store.figures.scope import Scope
from store.figures.unit import UnitStats, figures

#: a snapshot older than this is not served: the live figures are computed instead (the Schedule is away)
MAX_AGE = timedelta(minutes=15)


def standard_periods(now: datetime, tz: tzinfo) -> list[Period]:
    """This month and the last, this quarter and the last, this year: what supervisors rank by."""
    this_month, this_quarter = _month_of(now, tz), Period.containing(now, tz)
    last_month = _month_of(this_month.start - timedelta(days=1), tz)
    last_quarter = Period.containing(this_quarter.start - timedelta(days=1), tz)
    return [this_month, last_month, this_quarter, last_quarter, Period.year(now.astimezone(tz).year, tz)]


def _month_of(when: datetime, tz: tzinfo) -> Period:
    local = when.astimezone(tz)
    return Period.month(local.year, local.month, tz)



def groups(organisation: Organisation) -> dict[tuple[Level, UnitKind], list[str]]:
    """The units of each level and kind (retired ones too, as a jurisdiction holds them): what a ranking compares."""
    out: dict[tuple[Level, UnitKind], list[str]] = {}
    for unit in organisation.units.values():
        out.setdefault((unit.level, unit.kind), []).append(unit.id)
    return {key: sorted(ids) for key, ids in out.items()}


def refresh(session: Session, organisation: Organisation, scope: Scope, periods: list[Period], now: datetime,
            directory_version: int) -> int:
    """Compute every group's figures for each period as of ``now`` and keep them; returns how many were kept."""
    scope = replace(scope, now=now)
    kept, by_group = 0, groups(organisation)
    for period in periods:
        for (level, kind), units in by_group.items():
            stats = figures(session, units, period, scope, with_ids=False)
            body = json.dumps([s.model_dump(mode="json") for s in stats.values()], ensure_ascii=False)
            _keep(session, period.label, level, kind, now, directory_version, body)
            kept += 1
    return kept


def _keep(session: Session, period: str, level: Level, kind: UnitKind, now: datetime, version: int,
          body: str) -> None:
    S = models.FigureSnapshot
    row = session.scalar(select(S).where(S.period == period, S.level == level.value, S.kind == kind.value))
    if row is None:
        session.add(S(period=period, level=level.value, kind=kind.value, computed_at=now, directory_version=version,
                      stats=body))
    elif row.computed_at <= now:  # a slower refresh that started earlier never overwrites a later one
        row.computed_at, row.directory_version, row.stats = now, version, body


@dataclass(frozen=True)
class Snapshot:
    computed_at: datetime
    stats: list[UnitStats]


#: parsed snapshots by (row, computed time): a district's 727 grids are 2 MB of JSON, a quarter of a second to parse,
#: so a ranking parses a snapshot once per refresh, not once per request
_PARSED: dict[tuple[int, datetime], list[UnitStats]] = {}
_PARSED_MAX = 64


def current(session: Session, period: Period, level: Level, kind: UnitKind, directory_version: int,
            now: datetime) -> Snapshot | None:
    """The period's snapshot of the group, if it was computed under this directory within :data:`MAX_AGE`."""
    S = models.FigureSnapshot
    row = session.execute(select(S.id, S.computed_at, S.directory_version).where(
        S.period == period.label, S.level == level.value, S.kind == kind.value)).first()
    if row is None or row.directory_version != directory_version or now - row.computed_at > MAX_AGE:
        return None
    key = (row.id, row.computed_at)
    stats = _PARSED.get(key)
    if stats is None:
        body = session.scalar(select(S.stats).where(S.id == row.id, S.computed_at == row.computed_at))
        if body is None:  # refreshed in between: the next request reads the new one
            return None
        stats = [UnitStats.model_validate(s) for s in json.loads(body)]
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.pop(next(iter(_PARSED)))
        _PARSED[key] = stats
    return Snapshot(row.computed_at, stats)


def ranked(snapshot: Snapshot, unit_ids: list[str], rule: ScoreRule) -> list[RankRow]:
    """The ranking of ``unit_ids`` from the snapshot's figures (units it lacks are left out)."""
    wanted = set(unit_ids)
    return rank([s for s in snapshot.stats if s.unit_id in wanted], rule)
