"""Handling's room (``domain/steps/handling.py``): handling again, the stopped clock, lateness and red.

Each test names the defect it guards against; they run on the pure domain, with the real working calendar.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from domain.actions import TaskKind, WhistleKind
from domain.organisation import Level
from domain.state import Status
from domain.task_state import Step
from tests.domain.harness import SH, STREET, PureIssue, turn_red, walk_to_handling
from tests.driver import report as filed_report


@pytest.mark.parametrize("matter", ["property.stairwell_light", "property.service_fee"])
def test_a_reopened_issue_nobody_led_is_whistled_to_the_street_not_left_without_a_lead(matter: str) -> None:
    p = PureIssue(filed_report(matter))
    p.act("verify", "resolve_on_site", {"result": "fixed / mediated"})
    p.act("evaluate", "rate", {"rating": "unsatisfied"})
    assert p.state.step is Step.review
    p.act("review", "reopen", {"handling_days": 3, "reason": "not fixed at all"})
    assert p.state.step is Step.whistle and p.state.status is Status.open
    assert p.state.whistle is not None and p.state.whistle.level is Level.grid
    assert p.state.whistle.kind is WhistleKind.daily and p.state.whistle.by.startswith("supervisor@")
    assert [(t.kind, t.unit_id) for t in p.state.open_tasks()] == [(TaskKind.dispatch, STREET)]
    assert "reopened" in [e.kind for e in p.state.events] and "whistle" in [e.kind for e in p.state.events]
    # and it runs to the end as a whistled issue, the reviewer's handling days kept
    p.act("dispatch", "route", {"unit_ids": [STREET]})
    p.act("report", "check_in")
    assert p.open("handle").duration.working_days == 3
    p.act("handle", "complete", {"result": "done properly"})
    p.act("verify_result", "accept")
    for task in list(p.state.open_tasks()):
        p.act_on(task.task_id, "rate", {"rating": "satisfied"})
    assert p.state.status is Status.closed and p.state.resolution == "resolved"


def test_a_clock_stopped_over_a_weekend_adds_the_working_time_lost_not_the_weekend() -> None:
    p = PureIssue(now=datetime(2026, 11, 23, 9, tzinfo=SH))  # Monday
    walk_to_handling(p, days=5)
    handle = p.open("handle")
    assert handle.due_at == datetime(2026, 11, 30, 9, tzinfo=SH)
    p.advance(datetime(2026, 11, 27, 17, tzinfo=SH) - p.now)  # Friday 17:00
    p.act("handle", "stop_clock", {"reason": "waiting for the resident to open the flat"})
    p.advance(datetime(2026, 11, 30, 9, tzinfo=SH) - p.now)  # Monday 09:00
    p.act("handle", "start_clock")
    handle = p.open("handle")
    # 7 hours of Friday and 9 of Monday were lost: Monday 09:00 + 16 working hours
    assert handle.due_at == datetime(2026, 12, 1, 1, tzinfo=SH)
    assert handle.red_at == datetime(2026, 12, 3, 1, tzinfo=SH)
    assert handle.stopped_seconds == timedelta(days=2, hours=16).total_seconds()
    reset = [e for e in p.state.events if e.kind == "deadline_set" and e.task_id == handle.task_id]
    assert reset[-1].data["working_seconds_lost"] == 16 * 3600


def test_red_opens_a_supervision_task_not_only_a_warning() -> None:
    p = PureIssue()
    turn_red(p)
    task = p.open("supervision")
    assert task.unit_id == "qh.hd" and task.roles == ["supervisor"]
    assert task.for_task_id == p.open("handle").task_id


def test_the_city_leading_late_is_supervised_by_its_own_supervisor_not_escalated_city_to_city() -> None:
    """Found by the model-based test: red on the city's own handling recorded an escalation city → city."""
    p = PureIssue()
    p.act("verify", "whistle", {"kind": "daily", "note": "n"})
    p.act("approve_whistle", "approve")
    p.act("dispatch", "escalate", {"reason": "beyond the street"})
    p.act("dispatch", "escalate", {"reason": "beyond the district"})
    p.act("dispatch", "route", {"unit_ids": ["qh"]})
    p.act("report", "check_in")
    handle = p.open("handle")
    assert handle.unit_id == "qh" and handle.red_at is not None
    p.advance(handle.red_at - p.now + timedelta(minutes=1))
    assert p.open("supervision").unit_id == "qh"
    assert all(e.to_level is None or e.from_level is None or e.to_level.rank == e.from_level.rank + 1
               for e in p.state.escalations)
