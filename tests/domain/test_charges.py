"""Every count charged to the unit that earned it (issue "figures a district can sign"): an urge or a supervision
of the whole issue goes to — and tells — the unit holding the late task, and the escalation after the last allowed
return for rework to the lead whose work was returned. Each test failed before rules 3; an issue started under rules
2 keeps what it recorded."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.apply import apply
from domain.messages import ActionRequest, Actor
from domain.notices import NoticeKind, notices_for
from domain.state import EventKind, TimelineEvent
from domain.validation import validate
from tests.domain.harness import HEATING, STREET, PureIssue, handle_and_return, walk_to_handling
from tests.driver import RESIDENT, principal

SUPERVISOR = "supervisor@qh.hd"


def _issue_act(p: PureIssue, action: str, who: str, data: dict[str, Any]) -> TimelineEvent:
    actor: Actor = principal(p.org, who)
    apply(p.state, validate(p.state, ActionRequest(action=action, actor=actor, data=data), p.now), p.now)
    return p.state.events[-1]


def test_a_residents_urge_is_charged_to_the_late_lead_and_tells_it() -> None:
    p = PureIssue()
    walk_to_handling(p)
    handle = p.open("handle")
    assert handle.due_at is not None
    p.advance(handle.due_at - p.now + timedelta(hours=1))
    urge = _issue_act(p, "urge", RESIDENT, {"note": "still cold"})
    assert (urge.kind, urge.unit_id, urge.task_id) == (EventKind.urge, HEATING, handle.task_id)
    assert urge.data["by_unit_id"] == principal(p.org, RESIDENT).unit_id  # who urged, kept beside
    told = notices_for(urge, {handle.task_id: handle.roles}, [RESIDENT])
    assert {(n.audience, n.kind) for n in told} == {(f"unit:{HEATING}:leader", NoticeKind.urge),
                                                    (f"unit:{HEATING}:handler", NoticeKind.urge)}


def test_an_urge_before_handling_goes_to_the_unit_the_issue_waits_on() -> None:
    p = PureIssue()
    p.act("verify", "whistle", {"kind": "daily", "note": "n"})
    p.act("approve_whistle", "approve")
    urge = _issue_act(p, "urge", SUPERVISOR, {"note": "route it"})
    assert urge.unit_id == STREET and urge.task_id == p.open("dispatch").task_id  # the street's dispatcher
    dispatch = p.open("dispatch")
    told = notices_for(urge, {dispatch.task_id: dispatch.roles}, [])
    assert {n.audience for n in told} == {f"unit:{STREET}:leader", f"unit:{STREET}:dispatcher"}


def test_a_supervisors_supervision_reaches_the_unit_concerned() -> None:
    p = PureIssue()
    walk_to_handling(p)
    notice = _issue_act(p, "supervise", SUPERVISOR, {"note": "督办: report by Friday"})
    assert notice.unit_id == HEATING and notice.data["by_unit_id"] == "qh.hd"
    told = notices_for(notice, {t.task_id: t.roles for t in p.state.open_tasks()}, [])
    assert told and all(n.kind is NoticeKind.supervision for n in told)
    assert f"unit:{HEATING}:leader" in {n.audience for n in told}


def test_the_escalation_after_the_last_return_is_charged_to_the_lead() -> None:
    p = PureIssue()
    walk_to_handling(p)
    for _ in range(3):
        handle_and_return(p)
    escalated = [e for e in p.state.events if e.kind == EventKind.escalated]
    assert len(escalated) == 1 and escalated[0].unit_id == HEATING  # not the whistler's grid
    assert p.state.escalations[-1].from_unit_id == HEATING


def test_an_issue_under_rules_2_keeps_what_it_recorded() -> None:
    p = PureIssue()
    p.state.rules = 2
    walk_to_handling(p)
    urge = _issue_act(p, "urge", RESIDENT, {"note": "still cold"})
    assert urge.unit_id == principal(p.org, RESIDENT).unit_id and "by_unit_id" not in urge.data
    assert notices_for(urge, {}, []) == []
    for _ in range(3):
        handle_and_return(p)
    assert [e.unit_id for e in p.state.events if e.kind == EventKind.escalated] == ["qh.hd.cy.c1.g1"]


def test_the_whistler_rates_each_unit_that_took_part_and_not_one_that_declined() -> None:
    p = PureIssue()
    p.act("verify", "whistle", {"kind": "daily", "note": "n"})
    p.act("approve_whistle", "approve")
    p.act("dispatch", "route", {"unit_ids": [HEATING, STREET]})
    p.act("report", "check_in", unit_id=HEATING)
    p.act("report", "decline", {"reason": "not ours"}, unit_id=STREET)
    p.act("handle", "complete", {"result": "fixed"})
    p.act("verify_result", "accept")
    asked = [t for t in p.state.open_tasks() if t.kind == "evaluate" and t.rater == "whistler"]
    assert [t.for_unit_id for t in asked] == [HEATING]
    p.act_on(asked[0].task_id, "rate", {"rating": "basically_satisfied"})
    whistler = [r for r in p.state.ratings if r.as_role == "whistler"]
    assert [(r.for_unit_id, r.rating) for r in whistler] == [(HEATING, "basically_satisfied")]
