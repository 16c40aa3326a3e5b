"""Evaluation's room (``domain/steps/evaluation.py``): who is asked to rate.

Each test names the defect it guards against; they run on the pure domain, with the real working calendar.
"""

from __future__ import annotations

from domain.actions import Rating, TaskKind
from domain.messages import FollowerLink, Reporter
from domain.state import Status
from domain.steps.evaluation import link_follower
from domain.task_state import Step
from tests.domain.harness import PureIssue, walk_to_handling


def test_a_follower_linked_during_evaluation_is_asked_to_rate_too() -> None:
    p = PureIssue()
    walk_to_handling(p)
    p.act("handle", "complete", {"result": "r"})
    p.act("verify_result", "accept")
    assert p.state.step is Step.evaluation
    link_follower(p.state, FollowerLink(duplicate_issue_id="dup1", reporter=Reporter(
        name="李四", principal_id="resident2@qh.hd.cy.c1.g1"), reporter_unit_id="qh.hd.cy.c1.g1",
        linked_by="grid_worker@qh.hd.cy.c1.g1"), p.now)
    p.settle()
    mine = [t for t in p.state.open_tasks() if t.principal_id == "resident2@qh.hd.cy.c1.g1"]
    assert len(mine) == 1 and mine[0].kind is TaskKind.evaluate and mine[0].due_at is not None
    # the issue waits for the follower's answer too
    for t in [t for t in p.state.open_tasks() if t.principal_id != "resident2@qh.hd.cy.c1.g1"]:
        p.act_on(t.task_id, "rate", {"rating": Rating.satisfied.value})
    assert p.state.status is Status.open
    p.act_on(mine[0].task_id, "rate", {"rating": Rating.satisfied.value})
    assert p.state.status is Status.closed
