"""The domain without Temporal: validate → apply → deadlines → timers, with a clock the test moves."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from activities.working_days import WorkingCalendar
from domain.apply import apply
from domain.context import issue_context
from domain.deadlines import DeadlineBatch
from domain.messages import ActionRequest, Actor, IssueConfig, IssueReport
from domain.rules import DEFAULT_RULES, Rules
from domain.state import IssueState
from domain.steps.discovery import open_issue
from domain.task_state import Task
from domain.timers import fire_due, next_wakeup, pending_deadlines, set_deadlines
from domain.validation import validate
from tests import sample_city
from tests.driver import actor_for, report

MONDAY_9AM = datetime(2026, 11, 23, 9, tzinfo=ZoneInfo("Asia/Shanghai"))


class PureIssue:
    def __init__(self, rep: IssueReport | None = None, now: datetime = MONDAY_9AM,
                 rules: Rules = DEFAULT_RULES) -> None:
        self.org, self.cat = sample_city.organisation(), sample_city.catalogue()
        self.calendar = WorkingCalendar()
        self.now = now
        rep = rep or report()
        self.state: IssueState = open_issue(rep, issue_context(self.org, self.cat, rep, rules), IssueConfig(), now)
        self.settle()

    def settle(self) -> None:
        requests = pending_deadlines(self.state)
        if requests:
            answer = self.calendar.compute(DeadlineBatch(requests=requests))
            set_deadlines(self.state, answer.deadlines, answer.notes, self.now)

    def open(self, kind: str, unit_id: str | None = None) -> Task:
        found = [t for t in self.state.open_tasks() if t.kind == kind and unit_id in (None, t.unit_id)]
        assert len(found) == 1, [(t.kind, t.unit_id) for t in self.state.open_tasks()]
        return found[0]

    def request(self, kind: str, action: str, data: dict[str, Any] | None = None, *, unit_id: str | None = None,
                actor: Actor | None = None) -> ActionRequest:
        task = self.open(kind, unit_id)
        who = actor or actor_for(self.org, task.unit_id, task.roles, task.principal_id)
        return ActionRequest(task_id=task.task_id, action=action, actor=who, data=data or {})

    def act(self, kind: str, action: str, data: dict[str, Any] | None = None, **kw: Any) -> IssueState:
        decision = validate(self.state, self.request(kind, action, data, **kw), self.now)
        apply(self.state, decision, self.now)
        self.settle()
        return self.state

    def act_on(self, task_id: str, action: str, data: dict[str, Any] | None = None, *,
               actor: Actor | None = None) -> IssueState:
        """Act on one task by id, as the sample principal it names (when two open tasks share a kind and unit)."""
        task = self.state.tasks[task_id]
        who = actor or actor_for(self.org, task.unit_id, task.roles, task.principal_id)
        req = ActionRequest(task_id=task_id, action=action, actor=who, data=data or {})
        apply(self.state, validate(self.state, req), self.now)
        self.settle()
        return self.state

    def advance(self, delta: timedelta) -> int:
        """Move the clock, firing marks in order as the workflow's loop would."""
        end, fired = self.now + delta, 0
        for _ in range(1000):
            wake = next_wakeup(self.state)
            if wake is None or wake > end:
                break
            self.now = max(self.now, wake)
            fired += fire_due(self.state, self.now)
            self.settle()
        self.now = end
        return fired


SH = ZoneInfo("Asia/Shanghai")
HEATING = "qh.hd.dept.heating"
STREET = "qh.hd.cy"


def walk_to_handling(p: PureIssue, *, days: int | None = None) -> None:
    """Whistle, approve, route to the heating office (with the street, to consult, when ``days`` are set), check in."""
    p.act("verify", "whistle", {"kind": "daily", "note": "n"})
    p.act("approve_whistle", "approve")
    units = [HEATING, STREET] if days else [HEATING]
    p.act("dispatch", "route", {"unit_ids": units})
    for unit in units:
        p.act("report", "check_in", unit_id=unit)
    if len(units) > 1:
        p.act("consult", "conclude", {"lead_unit_id": HEATING, "co_unit_ids": [],
                                      "list_type": "immediate", "minutes": "m",
                                      **({"handling_days": days} if days else {})})


def turn_red(p: PureIssue) -> None:
    """Walk to handling and let the clock run until the handling task turns red (and no further)."""
    walk_to_handling(p)
    handle = p.open("handle")
    assert handle.red_at is not None
    p.advance(handle.red_at - p.now + timedelta(minutes=1))
    assert "red" in p.state.tasks[handle.task_id].marks_fired


def handle_and_return(p: PureIssue) -> None:
    """The lead completes; the whistler returns the result for rework."""
    p.act("handle", "complete", {"result": "r"})
    p.act("verify_result", "return_for_rework", {"reason": "not done"})
