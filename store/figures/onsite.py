"""Figures of settling a matter where it was found, over a territorial unit's territory (itself and the units
below it); a department has none.

- on-site rate (即查即办率) and mediation success rate (三级七天调解成功率, seeds/002: 2,817 of 2,844) — of the issues
  whose verification in the territory ended in the period (dispute matters for mediation, all others for
  on-site), the share settled there and then; a verification moved up out of the territory is a failure, a
  rejection (not a real problem) is not counted;
- on-the-spot rectification rate (现场整改率, seeds/004: 95,198 of 95,714 patrol findings, 99.46 %) — of what the
  grid staff found on patrol in the period in the territory (the grid worker's own reports) of matters that may be
  settled on the spot, the share settled on the spot, without a whistle; a rejection, a withdrawal or a duplicate
  is not counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from domain.actions import TaskKind
from domain.messages import Source
from domain.state import Resolution
from domain.task_state import TaskStatus
from store import models
from store.figures.counting import NO_RATE, Figure, Measure, Tally, of, rate, tally, within
from store.figures.led import NOT_ASSESSED
from store.figures.period import Period
from store.figures.scope import Scope
from store.figures.territory import fold, grids_of, has_territory

RESOLVE_ON_SITE, REJECT = "resolve_on_site", "reject"  # a verify task's outcome: the action that closed it
ON_THE_SPOT = (Resolution.resolved_on_site, Resolution.mediated)


def rectification(session: Session, units: Sequence[str], period: Period, scope: Scope, with_ids: bool
                  ) -> dict[str, Figure]:
    I = models.Issue
    grids = grids_of(units, scope)
    if not grids or not scope.on_the_spot_matters:
        return dict.fromkeys(units, NO_RATE)
    found = fold(tally(session, lambda *c: select(*c).where(
        I.grid_id.in_(grids), I.source == Source.grid_worker, I.matter_code.in_(sorted(scope.on_the_spot_matters)),
        within(I.created_at, period), or_(I.resolution.is_(None), I.resolution.not_in(NOT_ASSESSED))),
        [I.grid_id], I.id, {"found": Measure(true()), "rectified": Measure(I.resolution.in_(ON_THE_SPOT))},
        with_ids), units, scope)
    return {u: rate(of(found, "rectified", u), of(found, "found", u)) if has_territory(u, scope) else NO_RATE
            for u in units}


#: mediation? → unit → (settled, verified): the verifications counted in each unit's territory
Tallies = dict[bool, dict[str, tuple[Tally, Tally]]]
#: a verify task as the walk reads it: its unit, status, outcome and when it closed
Verify = tuple[str, str, str | None, datetime | None]


def verification(session: Session, units: list[str], period: Period, scope: Scope, with_ids: bool
                 ) -> tuple[dict[str, Figure], dict[str, Figure]]:
    """The on-site and the mediation rates over each unit's territory.

    An issue with one verify task that was not cancelled (the most of them) counts for every unit whose territory
    holds that task; without ids those are counted in the database, by the verifying unit and the matter. An issue
    with several (moved up, say) is walked here: each unit's last verification in its territory."""
    holders = scope.holders(units)
    if not holders:
        return dict.fromkeys(units, NO_RATE), dict.fromkeys(units, NO_RATE)
    tallies: Tallies = {m: {u: (Tally(), Tally()) for u in units} for m in (False, True)}
    W = aliased(models.Task)  # the issues walked: their tasks are read below
    walked = select(W.issue_id).where(_ended_here(W, holders, period))
    if not with_ids:
        _count_single(session, holders, period, scope, tallies)
        walked = walked.where(W.status != TaskStatus.cancelled, _another(W))
    by_issue, matter = _verify_tasks(session, walked)
    for issue_id in sorted(by_issue) if with_ids else by_issue:
        per = tallies[matter[issue_id] in scope.mediation_matters]
        for unit, (_, status, outcome, closed_at) in _last_verifications(by_issue[issue_id], holders).items():
            if outcome == REJECT or not period.holds(closed_at):
                continue
            settled, verified = per[unit]
            verified.add(issue_id, with_ids)
            if status == TaskStatus.done and outcome == RESOLVE_ON_SITE:
                settled.add(issue_id, with_ids)

    def rates(mediation: bool) -> dict[str, Figure]:
        return {u: rate(*tallies[mediation][u]) if has_territory(u, scope) else NO_RATE for u in units}

    return rates(False), rates(True)


def _ended_here(t: type[models.Task], holders: Mapping[str, list[str]], period: Period) -> ColumnElement[bool]:
    """``t`` is a verify task of a unit in the territories that closed in the period"""
    return and_(t.kind == TaskKind.verify, t.unit_id.in_(sorted(holders)), within(t.closed_at, period))


def _another(t: type[models.Task]) -> ColumnElement[bool]:
    """another verify task of ``t``'s issue, not cancelled"""
    other = aliased(models.Task)
    return exists().where(other.issue_id == t.issue_id, other.kind == TaskKind.verify, other.id != t.id,
                          other.status != TaskStatus.cancelled)


def _count_single(session: Session, holders: Mapping[str, list[str]], period: Period, scope: Scope,
                  tallies: Tallies) -> None:
    """Count in the database the issues with a single verify task not cancelled, by verifying unit and matter."""
    T, I = models.Task, models.Issue
    single = and_(_ended_here(T, holders, period), T.status != TaskStatus.cancelled, ~_another(T))
    settled_here = and_(T.status == TaskStatus.done, T.outcome == RESOLVE_ON_SITE)
    for r in session.connection().execute(
            select(T.unit_id, I.matter_code, func.count(), func.sum(case((settled_here, 1), else_=0))
                   ).join(I, I.id == T.issue_id).where(single, or_(T.outcome.is_(None), T.outcome != REJECT))
            .group_by(T.unit_id, I.matter_code)):
        for unit in holders[r[0]]:
            settled, verified = tallies[r[1] in scope.mediation_matters][unit]
            verified.rows += r[2]
            settled.rows += r[3] or 0


def _verify_tasks(session: Session, walked: Select[str]
                  ) -> tuple[dict[str, list[Verify]], dict[str, str]]:
    """The verify tasks of the issues walked, by issue, and each issue's matter."""
    T, I = models.Task, models.Issue
    by_issue: dict[str, list[Verify]] = defaultdict(list)
    matter: dict[str, str] = {}
    for r in session.connection().execute(select(T.issue_id, T.unit_id, T.status, T.outcome, T.closed_at,
                                                 I.matter_code).join(
            I, I.id == T.issue_id).where(T.kind == TaskKind.verify, T.issue_id.in_(walked))):
        by_issue[r.issue_id].append((r.unit_id, r.status, r.outcome, r.closed_at))
        matter[r.issue_id] = r.matter_code
    return by_issue, matter


def _last_verifications(tasks: list[Verify], holders: Mapping[str, list[str]]) -> dict[str, Verify]:
    """Each unit's last verification in its territory (the latest to close; of two at once, not the one moved up),
    unless one there is still open."""
    never = datetime.min.replace(tzinfo=UTC)
    last: dict[str, Verify] = {}
    still_open: set[str] = set()
    for t in tasks:
        if t[1] == TaskStatus.cancelled:
            continue
        for unit in holders.get(t[0], ()):
            if t[1] == TaskStatus.open:
                still_open.add(unit)
            elif unit not in last or (t[3] or never, t[1] != TaskStatus.moved) > (
                    last[unit][3] or never, last[unit][1] != TaskStatus.moved):
                last[unit] = t
    return {unit: t for unit, t in last.items() if unit not in still_open}
