"""The room of supervision (督办, ``domain/steps/supervision.py``): urge, extend, reassign, moving up.

Each test names the defect it guards against; they run on the pure domain, with the real working calendar.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain import errors
from domain.actions import TaskKind
from domain.task_state import Step, TaskStatus
from domain.validation import validate
from tests.domain.harness import HEATING, STREET, PureIssue, turn_red


def test_a_supervision_urge_counts_against_the_late_unit_not_the_supervisor() -> None:
    p = PureIssue()
    turn_red(p)
    p.act("supervision", "urge", {"note": "today, please"})
    assert p.state.urges == 1 and not [t for t in p.state.open_tasks() if t.kind is TaskKind.supervision]
    urge = [e for e in p.state.events if e.kind == "urge"][-1]
    assert urge.unit_id == HEATING


def test_a_supervision_extension_moves_the_deadline_but_does_not_erase_the_lateness() -> None:
    p = PureIssue()
    turn_red(p)
    before = p.open("handle").due_at
    assert before is not None
    p.act("supervision", "extend", {"days": 3, "reason": "parts ordered"})
    assert p.open("handle").due_at > before
    p.act("handle", "complete", {"result": "r"})
    handle = next(t for t in p.state.tasks.values() if t.kind is TaskKind.handle)
    assert handle.late


def test_a_supervision_reassign_takes_the_lead_away_and_routes_anew() -> None:
    p = PureIssue()
    turn_red(p)
    late = p.open("handle")
    p.act("supervision", "reassign", {"unit_ids": [STREET], "reason": "the heating office is stuck"})
    old = p.state.tasks[late.task_id]
    assert old.status is TaskStatus.moved and old.late
    assert p.state.step is Step.report and p.state.lead_unit_id is None
    report_task = p.open("report")
    assert report_task.unit_id == STREET and report_task.dispatch_level == "district"
    p.act("report", "check_in")
    assert p.open("handle").unit_id == STREET


def test_a_supervision_cannot_reassign_to_a_unit_it_cannot_summon() -> None:
    p = PureIssue()
    turn_red(p)
    with pytest.raises(errors.InvalidPayload, match="cannot be summoned"):
        validate(p.state, p.request("supervision", "reassign", {"unit_ids": ["qh.hx"], "reason": "r"}))


def test_an_unanswered_supervision_moves_up_not_waits_forever() -> None:
    p = PureIssue()
    turn_red(p)
    p.advance(timedelta(days=4))
    assert p.open("supervision").unit_id == "qh"
