"""A unit's figures for a period, gathered from the modules that define them (see the package's docstring)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from store.figures.counting import Figure
from store.figures.events import event_figures
from store.figures.led import led_figures
from store.figures.onsite import rectification, verification
from store.figures.period import Period
from store.figures.ratings import rating_figures
from store.figures.scope import NoAnswerPolicy, Scope
from store.figures.task_counts import task_figures
from store.figures.volumes import volume_figures


class UnitStats(BaseModel):
    unit_id: str
    period: Period
    received: Figure = Field(description="store/figures/task_counts.py")
    summoned: Figure = Field(description="store/figures/task_counts.py")
    response_rate: Figure = Field(description="响应率: store/figures/task_counts.py")
    on_time_handling_rate: Figure = Field(description="按时办结率: store/figures/task_counts.py")
    dispatch_on_time_rate: Figure = Field(default_factory=Figure,
                                          description="按时派单率: store/figures/task_counts.py")
    resolution_rate: Figure = Field(description="解决率: store/figures/led.py")
    satisfaction_rate: Figure = Field(description="满意率 of what the unit led: store/figures/ratings.py")
    whistler_satisfaction_rate: Figure = Field(description="吹哨者评价: store/figures/ratings.py")
    territorial_satisfaction_rate: Figure = Field(default_factory=Figure,
                                                  description="辖区满意率: store/figures/ratings.py")
    onsite_rate: Figure = Field(description="即查即办率 over the territory: store/figures/onsite.py")
    mediation_rate: Figure = Field(description="调解成功率 (三级七天) over the territory: store/figures/onsite.py")
    rectification_rate: Figure = Field(default_factory=Figure,
                                       description="现场整改率 of patrol findings: store/figures/onsite.py")
    yellow: Figure = Field(description="store/figures/events.py")
    red: Figure = Field(description="store/figures/events.py")
    escalations: Figure = Field(description="store/figures/events.py")
    urges: Figure = Field(description="催办: store/figures/events.py")
    reworks: Figure = Field(description="退回重办: store/figures/events.py")
    supervisions: Figure = Field(default_factory=Figure, description="督办: store/figures/events.py")
    territory_received: Figure = Field(default_factory=Figure, description="辖区受理: store/figures/volumes.py")
    territory_closed: Figure = Field(default_factory=Figure, description="辖区办结: store/figures/volumes.py")
    territory_open: Figure = Field(default_factory=Figure, description="辖区在办: store/figures/volumes.py")
    territory_overdue: Figure = Field(default_factory=Figure, description="辖区超期: store/figures/volumes.py")
    inquiries_answered: Figure = Field(default_factory=Figure,
                                       description="回复咨询 (ids are the inquiries'): store/figures/volumes.py")
    list_shares: dict[str, Figure] = Field(description="store/figures/led.py")
    hours_held: float = Field(description="store/figures/task_counts.py")


def figures(session: Session, unit_ids: Collection[str], period: Period, scope: Scope | None = None,
            with_ids: bool = True) -> dict[str, UnitStats]:
    """Every unit's figures for ``period``, counted in the database with a few queries for all the units
    together. ``with_ids=False`` leaves every figure's issue ids empty: the same numbers, without fetching an
    issue id per row."""
    scope = scope or Scope()
    units = sorted(set(unit_ids))
    if not units:
        return {}
    now = scope.now or datetime.now(UTC)
    parts: list[dict[str, dict[str, Any]]] = [
        task_figures(session, units, period, now, with_ids),
        led_figures(session, units, period, with_ids),
        rating_figures(session, units, period, scope, with_ids),
        event_figures(session, units, period, scope, with_ids),
        volume_figures(session, units, period, scope, now, with_ids),
    ]
    onsite, mediation = verification(session, units, period, scope, with_ids)
    rectified = rectification(session, units, period, scope, with_ids)
    out = {}
    for u in units:
        values: dict[str, Any] = {"onsite_rate": onsite[u], "mediation_rate": mediation[u],
                                  "rectification_rate": rectified[u]}
        for part in parts:
            values.update(part[u])
        out[u] = UnitStats(unit_id=u, period=period, **values)
    return out


def unit_stats(session: Session, unit_id: str, period: Period, no_answer: NoAnswerPolicy = "exclude",
               scope: Scope | None = None) -> UnitStats:
    scope = scope or Scope(no_answer=no_answer)
    return figures(session, [unit_id], period, scope)[unit_id]
