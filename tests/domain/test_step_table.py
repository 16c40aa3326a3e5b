"""The step table, the action vocabulary and the roles, on the pure domain."""

from __future__ import annotations

import copy
from datetime import datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from activities.working_days import WorkingCalendar
from domain import errors
from domain.actions import ISSUE_ACTIONS, TASK_ACTIONS, TaskKind, actions_for
from domain.deadlines import add_working_days
from domain.organisation import Role
from domain.task_state import Step
from domain.timers import fire_due
from domain.validation import validate
from tests.domain.harness import PureIssue
from tests.driver import principal, report

#: DESIGN §4 "Action vocabulary", verbatim
VOCABULARY = {
    "verify": {"resolve_on_site", "whistle", "reject"},
    "approve_whistle": {"approve", "send_back"},
    "dispatch": {"route", "escalate"},
    "report": {"check_in", "decline"},
    "consult": {"conclude"},
    "approve_understanding": {"approve", "deny"},
    "handle": {"note", "request_extension", "stop_clock", "start_clock", "complete"},
    "assist": {"note", "complete"},
    "approve_extension": {"approve", "deny"},
    "verify_result": {"accept", "return_for_rework"},
    "evaluate": {"rate"},
    "review": {"reopen", "close"},
    "supervision": {"urge", "extend", "reassign"},
}


def test_vocabulary_matches_the_design() -> None:
    assert {k.value: set(v) for k, v in TASK_ACTIONS.items()} == VOCABULARY
    assert set(ISSUE_ACTIONS) == {"withdraw", "comment", "urge", "supervise", "link_duplicate"}
    for kind in TaskKind:
        assert actions_for(kind)[-2:] == ["claim", "unclaim"]


def test_roles_per_task_kind_along_the_happy_path() -> None:
    p = PureIssue()
    seen: dict[str, set[Role]] = {}

    def note() -> None:
        for t in p.state.open_tasks():
            seen.setdefault(t.kind.value, set()).update(t.roles)

    note()
    p.act("verify", "whistle", {"kind": "daily", "note": "n"})
    note()
    p.act("approve_whistle", "approve")
    note()
    p.act("dispatch", "route", {"unit_ids": ["qh.hd.dept.heating", "qh.hd.cy"]})
    note()
    p.act("report", "check_in", unit_id="qh.hd.dept.heating")
    p.act("report", "check_in", unit_id="qh.hd.cy")
    note()
    p.act("consult", "conclude", {"lead_unit_id": "qh.hd.dept.heating", "co_unit_ids": ["qh.hd.cy"],
                                  "list_type": "immediate", "minutes": "m"})
    note()
    p.act("handle", "request_extension", {"days": 1, "reason": "r"})
    note()
    p.act("approve_extension", "approve")
    p.act("assist", "complete", {"result": "r"})
    p.act("handle", "complete", {"result": "r"})
    note()
    p.act("verify_result", "accept")
    note()
    assert seen == {
        "verify": {Role.grid_worker}, "approve_whistle": {Role.leader}, "dispatch": {Role.dispatcher},
        "report": {Role.handler}, "consult": {Role.dispatcher}, "handle": {Role.handler},
        "assist": {Role.handler}, "approve_extension": {Role.leader}, "verify_result": {Role.grid_worker},
        "evaluate": {Role.resident, Role.grid_worker},
    }
    assert p.state.step is Step.evaluation


def test_every_role_but_the_right_one_is_refused_on_verify() -> None:
    p = PureIssue()
    for role in Role:
        actor = principal(p.org, "grid_worker@qh.hd.cy.c1.g1").model_copy(update={"roles": [role]})
        req = p.request("verify", "reject", {"reason": "r"}, actor=actor)
        if role is Role.grid_worker:
            validate(p.state, req)
        else:
            with pytest.raises(errors.NotPermitted):
                validate(p.state, req)


def test_a_grid_worker_whistle_skips_approval() -> None:
    p = PureIssue(report(source="grid_worker", principal=None))
    p.act("verify", "whistle", {"kind": "daily", "note": "found on patrol"})
    assert [(t.kind, t.unit_id) for t in p.state.open_tasks()] == [(TaskKind.dispatch, "qh.hd.cy")]


def test_send_back_returns_to_discovery() -> None:
    p = PureIssue()
    p.act("verify", "whistle", {"kind": "daily", "note": "n"})
    p.act("approve_whistle", "send_back", {"reason": "the grid can fix this"})
    assert p.state.step is Step.discovery and p.open("verify").unit_id == "qh.hd.cy.c1.g1"


def test_escalate_by_hand_and_not_past_the_city() -> None:
    p = PureIssue()
    p.act("verify", "whistle", {"kind": "emergency", "note": "n"})
    p.act("dispatch", "escalate", {"reason": "beyond the street"})
    p.act("dispatch", "escalate", {"reason": "beyond the district"})
    assert p.open("dispatch").unit_id == "qh" and p.state.level.value == "city"
    with pytest.raises(errors.WrongState, match="top of the ladder"):
        validate(p.state, p.request("dispatch", "escalate", {"reason": "r"}))


def test_firing_is_idempotent() -> None:
    p = PureIssue()
    p.advance(timedelta(days=1, hours=1))
    snapshot = copy.deepcopy(p.state)
    assert fire_due(p.state, p.now) == 0
    assert p.state == snapshot


def test_a_holiday_pushes_the_verify_deadline() -> None:
    from zoneinfo import ZoneInfo

    sh = ZoneInfo("Asia/Shanghai")
    p = PureIssue(now=datetime(2026, 9, 30, 10, tzinfo=sh))
    assert p.open("verify").due_at == datetime(2026, 10, 8, 10, tzinfo=sh)


@settings(max_examples=200, deadline=None)
@given(start=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 12, 1)),
       days=st.integers(min_value=0, max_value=40))
def test_add_working_days_lands_on_a_working_day_after_exactly_n(start: datetime, days: int) -> None:
    cal = WorkingCalendar()
    due = add_working_days(start, days, cal.is_workday)
    assert cal.is_workday(due.date())
    assert due >= start
    counted = sum(1 for n in range(1, (due.date() - start.date()).days + 1)
                  if cal.is_workday(start.date() + timedelta(days=n)))
    if cal.is_workday(start.date()):
        assert counted == days and due.time() == start.time()
    else:  # counted from the start of the next working day, which itself is the first one counted
        assert counted == days + 1 and due.time() == time(0)
