"""Figures over the timeline's events, each charged to the unit that held the matter at the time.

- yellow and red warnings (黄牌、红牌预警) — warnings in the period, charged to the unit whose task was late;
- escalations (上提) — escalations in the period charged to the unit they were raised against: the unit whose task
  timed out, or, after the last allowed return for rework, the lead whose work was returned; a dispatcher's own
  escalation of a matter beyond its level is not a failure and is not counted;
- urges (催办) — a resident's or a supervisor's urge, and a supervisor's urge on a supervision task, charged to the
  unit holding the late task, else the lead, else the unit the issue waits on (:func:`domain.engine.concerned_task`);
- returns for rework (退回重办) — charged to the lead whose result was returned;
- supervisions (督办) — a supervisor's supervision notice, charged to the unit concerned, and the automatic one when
  a handling task goes red, charged to the late unit.

Events recorded before rules 3 charged an issue-level urge or supervision to the urger's own unit, and those before
rules 2 named no unit for urges and returns: both are charged to the issue's lead.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from domain.actions import TaskKind
from domain.state import Color, EventKind
from store import models
from store.figures.counting import Figure, Measure, count, merged, of, tally, within
from store.figures.period import Period
from store.figures.scope import Scope

ESCALATE = "escalate"  # a dispatch task's outcome when the dispatcher escalated it


def event_figures(session: Session, units: Sequence[str], period: Period, scope: Scope, with_ids: bool
                  ) -> dict[str, dict[str, Figure]]:
    E, T, I = models.TimelineEvent, models.Task, models.Issue
    color = E.data["color"].as_string()
    by_unit = E.data["by_unit_id"].as_string()
    voluntary = exists().where(T.id == E.task_id, T.issue_id == E.issue_id, T.unit_id.in_(units),
                               T.kind == TaskKind.dispatch, T.outcome == ESCALATE)
    # not a person's urge or supervision of the whole issue recorded before rules 3 (the data read only for those:
    # the conditions are evaluated in this order)
    charged = or_(E.task_id.is_not(None), E.actor_id.is_(None), by_unit.is_not(None))
    urge, supervise = E.kind == EventKind.urge, E.kind == EventKind.supervise
    named = tally(session, lambda *c: select(*c).where(
        E.unit_id.in_(units), within(E.at, period),
        E.kind.in_((EventKind.warning, EventKind.escalated, EventKind.urge, EventKind.returned_for_rework,
                    EventKind.supervise))), [E.unit_id], E.issue_id, {
            "yellow": Measure(and_(E.kind == EventKind.warning, color == Color.yellow)),
            "red": Measure(and_(E.kind == EventKind.warning, color == Color.red)),
            "escalations": Measure(and_(E.kind == EventKind.escalated, ~voluntary)),
            "urges": Measure(and_(urge, charged)),
            "reworks": Measure(E.kind == EventKind.returned_for_rework),
            "supervisions": Measure(and_(supervise, E.actor_id.is_not(None), charged)),
        }, with_ids)
    unnamed = tally(session, lambda *c: select(*c).join(I, I.id == E.issue_id).where(
        I.lead_unit_id.in_(units), within(E.at, period), E.unit_id.is_(None),
        E.kind.in_((EventKind.urge, EventKind.returned_for_rework))), [I.lead_unit_id], E.issue_id, {
            "urges": Measure(urge), "reworks": Measure(E.kind == EventKind.returned_for_rework)}, with_ids)
    # the condition of the index ix_events_issue_level, then what it leaves to read
    earlier = tally(session, lambda *c: select(*c).join(I, I.id == E.issue_id).where(
        E.kind.in_((EventKind.urge, EventKind.supervise)), E.task_id.is_(None), E.actor_id.is_not(None),
        within(E.at, period), I.lead_unit_id.in_(units), E.unit_id.is_not(None), by_unit.is_(None)),
        [I.lead_unit_id], E.issue_id, {"urges": Measure(urge), "supervisions": Measure(supervise)}, with_ids)
    # the supervision a red warning opens is sent to the supervisor above the late unit: found there, by index
    red = tally(session, lambda *c: select(*c).join(T, and_(T.id == E.task_id, T.issue_id == E.issue_id)).where(
        E.unit_id.in_(scope.supervisors_of(units)), supervise, E.actor_id.is_(None), within(E.at, period),
        T.unit_id.in_(units)), [T.unit_id], E.issue_id, {"supervisions": Measure(supervise)}, with_ids)
    return {u: {
        "yellow": count(of(named, "yellow", u)),
        "red": count(of(named, "red", u)),
        "escalations": count(of(named, "escalations", u)),
        "urges": count(merged(merged(of(named, "urges", u), of(unnamed, "urges", u)), of(earlier, "urges", u))),
        "reworks": count(merged(of(named, "reworks", u), of(unnamed, "reworks", u))),
        "supervisions": count(merged(merged(of(named, "supervisions", u), of(earlier, "supervisions", u)),
                                     of(red, "supervisions", u))),
    } for u in units}
