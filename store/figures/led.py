"""Figures over the issues a unit U led (牵头), each charged to U.

- resolution rate (解决率) — issues U led closed as resolved (on site, mediated, or handled) / issues U led closed
  in the period; duplicates, rejections and withdrawals are not assessed;
- list shares — issues U led whose handling started in the period, by list type (即办 / 阶段性 / 谅解).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.orm import Session

from domain.actions import TaskKind
from domain.state import Resolution, Status
from store import models
from store.figures.counting import Figure, Measure, of, rate, tally, within
from store.figures.period import Period

RESOLVED = (Resolution.resolved, Resolution.resolved_on_site, Resolution.mediated)
NOT_ASSESSED = (Resolution.duplicate, Resolution.rejected, Resolution.withdrawn)


def assessed(period: Period) -> ColumnElement[bool]:
    """Issues closed in the period whose resolution is assessed."""
    I = models.Issue
    return and_(I.status == Status.closed, within(I.closed_at, period),
                or_(I.resolution.is_(None), I.resolution.not_in(NOT_ASSESSED)))


def led_figures(session: Session, units: Sequence[str], period: Period, with_ids: bool
                ) -> dict[str, dict[str, Figure | dict[str, Figure]]]:
    I, T = models.Issue, models.Task
    closed = assessed(period)
    led = tally(session, lambda *c: select(*c).where(I.lead_unit_id.in_(units), closed), [I.lead_unit_id], I.id, {
        "closed": Measure(true()), "resolved": Measure(I.outcome.in_(RESOLVED))}, with_ids)
    shares = tally(session, lambda *c: select(*c).join(I, I.id == T.issue_id).where(
        T.unit_id.in_(units), T.kind == TaskKind.handle, I.lead_unit_id == T.unit_id, within(T.opened_at, period),
        I.list_type.is_not(None), I.list_type != ""), [T.unit_id, I.list_type], T.issue_id,
        {"led": Measure(true(), issues=True)}, with_ids)["led"]
    out: dict[str, dict[str, Figure | dict[str, Figure]]] = {}
    for u in units:
        own = {k[1]: t for k, t in shares.items() if k[0] == u}
        total = sum(t.issues for t in own.values())
        out[u] = {
            "resolution_rate": rate(of(led, "resolved", u), of(led, "closed", u)),
            "list_shares": {k: Figure.model_construct(numerator=t.issues, denominator=total, issue_ids=t.ids,
                                                      base_issue_ids=[]) for k, t in sorted(own.items())},
        }
    return out
