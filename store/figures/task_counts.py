"""Figures counted over the tasks a unit U was given, each charged to U.

- received (受理的召集) — issues for which U was summoned: a ``report`` task opened in the period, each issue once;
- summoned — the summonses themselves (an issue re-routed to U twice is two);
- response rate (响应率) — U's report tasks opened in the period and checked in on time / those answered or timed
  out; a decline, or a summons cancelled, is counted against nobody;
- on-time handling rate (按时办结率) — U's ``handle`` tasks completed on time / completed in the period, plus every
  handle task of U never completed (still open, moved up, or its lead taken away) whose deadline fell in the
  period and has passed: those count late;
- dispatch on-time rate (按时派单率, a hub's work) — U's ``dispatch`` tasks closed in the period, not cancelled:
  routed or escalated before the deadline / all of them (one moved up because nobody routed it is late);
- hours held — the time U's tasks closed in the period were open.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from domain.actions import TaskKind
from domain.task_state import TaskStatus
from store import models
from store.figures.counting import Figure, Measure, count, issues, of, rate, seconds, tally, within
from store.figures.period import Period

CHECK_IN, DECLINE, COMPLETE = "check_in", "decline", "complete"  # the task's outcome: the action that closed it


def task_figures(session: Session, units: Sequence[str], period: Period, now: datetime, with_ids: bool
                 ) -> dict[str, dict[str, Figure | float]]:
    T = models.Task
    summoned = and_(T.kind == TaskKind.report, within(T.opened_at, period))
    answered = and_(summoned, T.status.in_((TaskStatus.done, TaskStatus.timed_out)),
                    or_(T.outcome.is_(None), T.outcome != DECLINE))
    handle = and_(T.kind == TaskKind.handle, T.status != TaskStatus.cancelled)
    completed_here = and_(handle, T.status == TaskStatus.done, T.outcome == COMPLETE, within(T.closed_at, period))
    overdue = and_(handle, or_(T.status != TaskStatus.done, T.outcome.is_(None), T.outcome != COMPLETE),
                   within(T.due_at, period), T.due_at <= now)
    dispatched = and_(T.kind == TaskKind.dispatch, T.status != TaskStatus.cancelled, T.status != TaskStatus.open,
                      within(T.closed_at, period))
    t = tally(session, lambda *c: select(*c).where(
        T.unit_id.in_(units), or_(summoned, completed_here, overdue, within(T.closed_at, period))), [T.unit_id],
        T.issue_id, {
            "summoned": Measure(summoned, issues=True),
            "answered": Measure(answered),
            "checked_in": Measure(and_(answered, T.outcome == CHECK_IN, T.late.is_(False))),
            "handled": Measure(or_(completed_here, overdue)),
            "on_time": Measure(and_(completed_here, T.late.is_(False))),
            "dispatched": Measure(dispatched),
            "dispatched_on_time": Measure(and_(dispatched, T.status == TaskStatus.done, T.late.is_(False))),
            "held": Measure(within(T.closed_at, period), weight=seconds(session, T.opened_at, T.closed_at)),
        }, with_ids)
    return {u: {
        "received": issues(of(t, "summoned", u)),
        "summoned": count(of(t, "summoned", u)),
        "response_rate": rate(of(t, "checked_in", u), of(t, "answered", u)),
        "on_time_handling_rate": rate(of(t, "on_time", u), of(t, "handled", u)),
        "dispatch_on_time_rate": rate(of(t, "dispatched_on_time", u), of(t, "dispatched", u)),
        "hours_held": round(float(of(t, "held", u).rows) / 3600, 3),
    } for u in units}
