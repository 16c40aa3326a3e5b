"""Feedback's room (``domain/steps/feedback.py``): returns for rework and their limit.

Each test names the defect it guards against; they run on the pure domain, with the real working calendar.
"""

from __future__ import annotations

from domain.organisation import Level
from domain.task_state import Step
from tests.domain.harness import HEATING, PureIssue, handle_and_return, walk_to_handling


def test_the_rework_limit_counts_per_round_not_over_the_whole_issue() -> None:
    p = PureIssue()
    walk_to_handling(p)
    for _ in range(3):
        handle_and_return(p)
    assert p.open("dispatch").unit_id == "qh.hd"  # the third return sent it one level up
    p.act("dispatch", "route", {"unit_ids": [HEATING]})
    p.act("report", "check_in")
    handle_and_return(p)
    assert p.state.step is Step.handling and p.open("handle").unit_id == HEATING  # not to the city
    assert [e.to_level for e in p.state.escalations] == [Level.district]
    returns = [e for e in p.state.events if e.kind == "returned_for_rework"]
    assert len(returns) == 4 and p.state.reworks == 4  # the statistics count every return
