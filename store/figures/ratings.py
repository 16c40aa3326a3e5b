"""Figures over the ratings (评价) of issues.

- satisfaction rate (满意率) — residents' and followers' ratings in the period of issues U led: satisfied or
  basically satisfied / rated; a silent window counts as the ``no_answer_policy`` says;
- whistler's satisfaction rate (吹哨者评价) — the whistler's ratings in the period (seeds/002: "征求吹哨者对报到者的
  办理评价"): from rules 3 the whistler rates each unit that took part, and each rating counts for its unit; a
  rating of the whole issue (before rules 3) counts for each unit that checked in to it (a unit that declined, or
  never answered, is not the whistler's to rate);
- territorial satisfaction rate (辖区满意率, seeds/003: 98 % over 650 requests) — residents' and followers' ratings
  in the period of the issues in U's territory, whoever led them; for a grid, a community, a street or above.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.orm import Session

from domain.actions import TaskKind
from domain.task_state import Rater, TaskStatus
from store import models
from store.figures.counting import NO_RATE, Figure, Measure, Tallies, merged, of, rate, tally, within
from store.figures.period import Period
from store.figures.scope import Scope
from store.figures.task_counts import CHECK_IN
from store.figures.territory import fold, grids_of, has_territory

SATISFIED = ("satisfied", "basically_satisfied")
RESIDENTS = (Rater.resident, Rater.follower)


def _judged(scope: Scope) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """(the ratings counted, those counted satisfied) under the no-answer policy."""
    R = models.Rating
    judged = R.rating.is_not(None) if scope.no_answer == "exclude" else true()
    silent = true() if scope.no_answer == "satisfied" else false()
    return judged, or_(R.rating.in_(SATISFIED), and_(R.rating.is_(None), silent))


def rating_figures(session: Session, units: Sequence[str], period: Period, scope: Scope, with_ids: bool
                   ) -> dict[str, dict[str, Figure]]:
    R, I, T = models.Rating, models.Issue, models.Task
    judged, satisfied = _judged(scope)
    measures = {"rated": Measure(true()), "satisfied": Measure(satisfied)}
    rated = tally(session, lambda *c: select(*c).join(I, I.id == R.issue_id).where(
        I.lead_unit_id.in_(units), R.as_role.in_(RESIDENTS), within(R.at, period), judged),
        [I.lead_unit_id], R.issue_id, measures, with_ids)
    whistler_rated = select(R.issue_id).where(R.as_role == Rater.whistler, R.for_unit_id.is_(None),
                                              within(R.at, period))
    took_part = select(T.issue_id, T.unit_id).distinct().where(
        T.unit_id.in_(units), T.kind == TaskKind.report, T.status == TaskStatus.done, T.outcome == CHECK_IN,
        T.issue_id.in_(whistler_rated)).subquery()
    of_issue = tally(session, lambda *c: select(*c).join(took_part, took_part.c.issue_id == R.issue_id).where(
        R.as_role == Rater.whistler, R.for_unit_id.is_(None), within(R.at, period), judged),
        [took_part.c.unit_id], R.issue_id, measures, with_ids)
    of_unit = tally(session, lambda *c: select(*c).where(
        R.as_role == Rater.whistler, R.for_unit_id.in_(units), within(R.at, period), judged),
        [R.for_unit_id], R.issue_id, measures, with_ids)
    territorial: Tallies = {"rated": {}, "satisfied": {}}
    grids = grids_of(units, scope)
    if grids:
        territorial = fold(tally(session, lambda *c: select(*c).join(I, I.id == R.issue_id).where(
            I.grid_id.in_(grids), R.as_role.in_(RESIDENTS), within(R.at, period), judged),
            [I.grid_id], R.issue_id, measures, with_ids), units, scope)
    return {u: {
        "satisfaction_rate": rate(of(rated, "satisfied", u), of(rated, "rated", u)),
        "whistler_satisfaction_rate": rate(merged(of(of_issue, "satisfied", u), of(of_unit, "satisfied", u)),
                                           merged(of(of_issue, "rated", u), of(of_unit, "rated", u))),
        "territorial_satisfaction_rate": (rate(of(territorial, "satisfied", u), of(territorial, "rated", u))
                                          if has_territory(u, scope) else NO_RATE),
    } for u in units}
