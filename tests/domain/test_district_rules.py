"""A district's rules are data the issue keeps: an issue reported under other rules counts its red mark, its
returns, its evaluation window, its reminders and its mediation windows by them; an issue that recorded no rules
(reported before they were data) has the values that were constants then."""

from __future__ import annotations

from datetime import timedelta

from domain.deadlines import Duration
from domain.organisation import Level
from domain.rules import DEFAULT_RULES, MediationDays, Rules
from domain.state import IssueContext
from domain.task_state import Step
from domain.timers import Mark, marks
from tests.domain.harness import PureIssue
from tests.driver import report

HEATING, STREET = "qh.hd.dept.heating", "qh.hd.cy"
STRICT = Rules(red_after_working_days=4, max_reworks=0, evaluation_working_days=3, reminders=(0.3, 0.6),
               mediation_days=MediationDays(grid=2, community=3, street=5))


def _to_handling(p: PureIssue) -> None:
    p.act("verify", "whistle", {"kind": "daily", "note": "n"})
    p.act("approve_whistle", "approve")
    p.act("dispatch", "route", {"unit_ids": [HEATING]})
    p.act("report", "check_in", unit_id=HEATING)


def test_the_issue_counts_by_the_rules_it_was_reported_under() -> None:
    p = PureIssue(rules=STRICT)
    _to_handling(p)
    handle = p.open("handle")
    assert handle.red_after_working_days == 4
    span = handle.due_at - handle.window_start
    reminders = dict(marks(handle, p.state.context.rules))
    assert reminders[Mark.remind50] == handle.window_start + span * 0.3
    assert reminders[Mark.remind80] == handle.window_start + span * 0.6
    p.act("handle", "complete", {"result": "fixed"})
    p.act("verify_result", "return_for_rework", {"reason": "still cold"})  # no return allowed: it climbs at once
    assert p.state.escalations and p.state.escalations[-1].reason.startswith("returned for rework")


def test_the_evaluation_window_and_the_mediation_ladder_follow_the_rules() -> None:
    p = PureIssue(rules=STRICT)
    _to_handling(p)
    p.act("handle", "complete", {"result": "fixed"})
    p.act("verify_result", "accept")
    assert p.state.step is Step.evaluation
    assert {t.duration for t in p.state.open_tasks()} == {Duration(working_days=3)}
    dispute = PureIssue(report("property.service_fee"), rules=STRICT)
    verify = dispute.open("verify")
    assert verify.duration == Duration(calendar_days=2)  # the grid's window of 三级七天, by these rules
    assert dispute.state.context.rules.mediation_days.street == 5


def test_the_same_report_under_the_default_rules_counts_as_before() -> None:
    p = PureIssue()
    _to_handling(p)
    assert p.open("handle").red_after_working_days == 2
    p.act("handle", "complete", {"result": "fixed"})
    p.act("verify_result", "return_for_rework", {"reason": "still cold"})
    assert p.state.step is Step.handling and not any(e.reason.startswith("returned") for e in p.state.escalations)
    assert PureIssue(report("property.service_fee")).open("verify").duration == Duration(calendar_days=1)


def test_an_issue_that_recorded_no_rules_has_the_old_constants() -> None:
    recorded = PureIssue().state.context.model_dump(mode="json")
    del recorded["rules"]  # what an issue reported before rules were data carries in its history
    assert IssueContext.model_validate(recorded).rules == DEFAULT_RULES == Rules()
    assert DEFAULT_RULES.red_after_working_days == 2 and DEFAULT_RULES.max_reworks == 2
    assert DEFAULT_RULES.evaluation_working_days == 5 and DEFAULT_RULES.emergency_factor == 0.25
    assert sum(getattr(DEFAULT_RULES.mediation_days, lv.value) for lv in (Level.grid, Level.community,
                                                                          Level.street)) == 7
    assert timedelta(hours=DEFAULT_RULES.emergency_check_in_hours) == timedelta(minutes=30)


def test_a_hand_over_moves_the_open_task_and_the_units_that_checked_in() -> None:
    from domain.messages import Handover
    from domain.successors import hand_over

    p = PureIssue()
    _to_handling(p)
    handle = p.open("handle")
    successor = "qh.hd.dept.heat_network"
    changed = hand_over(p.state, Handover(moves={HEATING: successor}, version=7, reason="merged",
                                          parents={successor: "qh.hd"}), p.now)
    assert changed == [handle.task_id] and p.open("handle").unit_id == successor
    assert p.state.lead_unit_id == successor and HEATING not in p.state.checked_in
    assert p.state.context.parents[successor] == "qh.hd"  # its place on the ladder: who sees it, who is above
    assert p.state.events[-1].kind == "handed_over"
    assert hand_over(p.state, Handover(moves={HEATING: successor}, version=7, reason="merged"), p.now) == []
