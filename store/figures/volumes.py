"""The volumes of a territory (辖区受理、办结), per territorial unit and period, counting the issues whose grid lies
in the unit's territory, whoever leads them:

- received (受理) — issues reported in the period;
- closed (办结) — issues closed in the period (a duplicate is closed with its original, and not counted twice);
- still open (在办) — issues reported before the period's end and not closed by then;
- overdue (超期) — of those still open, the ones whose deadline had passed by the period's end (or by now);
- inquiries answered (回复咨询, seeds/002: 15,101 beside 27,543 matters) — questions the territory's grid, community or
  street staff answered without dispatch, recorded as inquiries (``/v1/inquiries``), apart from issues.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, or_, select, true
from sqlalchemy.orm import Session

from domain.state import Resolution, Status
from store import models
from store.figures.counting import Figure, Measure, Tallies, count, of, tally, within
from store.figures.period import Period
from store.figures.scope import Scope
from store.figures.territory import fold, grids_of, has_territory

VOLUMES = ("territory_received", "territory_closed", "territory_open", "territory_overdue", "inquiries_answered")


def volume_figures(session: Session, units: Sequence[str], period: Period, scope: Scope, now: datetime,
                   with_ids: bool) -> dict[str, dict[str, Figure]]:
    I, Q = models.Issue, models.Inquiry
    grids = grids_of(units, scope)
    empty = {u: {name: Figure() for name in VOLUMES} for u in units}
    if not grids:
        return empty
    received = within(I.created_at, period)
    closed = and_(I.status == Status.closed, within(I.closed_at, period),
                  or_(I.resolution.is_(None), I.resolution != Resolution.duplicate))
    open_at_end = and_(I.created_at < period.end, or_(I.closed_at.is_(None), I.closed_at >= period.end))
    by = min(period.end, now)
    issues = fold(tally(session, lambda *c: select(*c).where(
        I.grid_id.in_(grids), or_(received, closed, open_at_end)), [I.grid_id], I.id, {
            "received": Measure(received), "closed": Measure(closed), "open": Measure(open_at_end),
            "overdue": Measure(and_(open_at_end, I.due_at.is_not(None), I.due_at < by))}, with_ids), units, scope)
    asked: Tallies = fold(tally(session, lambda *c: select(*c).where(Q.unit_id.in_(grids), within(Q.at, period)),
                                [Q.unit_id], Q.id, {"answered": Measure(true())}, with_ids), units, scope)
    return {u: {
        "territory_received": count(of(issues, "received", u)),
        "territory_closed": count(of(issues, "closed", u)),
        "territory_open": count(of(issues, "open", u)),
        "territory_overdue": count(of(issues, "overdue", u)),
        "inquiries_answered": count(of(asked, "answered", u)),
    } if has_territory(u, scope) else empty[u] for u in units}
