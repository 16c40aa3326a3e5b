"""Who sees what of an issue (``domain/access.py``).

Each test names the defect it guards against; they run on the pure domain, with the real working calendar.
"""

from __future__ import annotations

from domain.access import visible_view
from domain.messages import FollowerLink, Reporter
from domain.steps.evaluation import link_follower
from domain.views import view
from tests.domain.harness import PureIssue, turn_red
from tests.driver import principal


def test_a_resident_sees_no_staff_internals_and_no_other_resident() -> None:
    p = PureIssue()
    turn_red(p)  # warnings and an escalation
    link_follower(p.state, FollowerLink(duplicate_issue_id="dup1", reporter=Reporter(
        name="李四", principal_id="resident2@qh.hd.cy.c1.g1"), reporter_unit_id="qh.hd.cy.c1.g1",
        linked_by="grid_worker@qh.hd.cy.c1.g1"), p.now)
    p.act("supervision", "urge", {"note": "n"})
    p.act("handle", "complete", {"result": "r"})
    p.act("verify_result", "accept")
    theirs = [t for t in p.state.open_tasks() if t.principal_id == "resident2@qh.hd.cy.c1.g1"]
    p.act_on(theirs[0].task_id, "rate", {"rating": "unsatisfied", "comment": "secret complaint"})
    full = view(p.state)
    assert full.warnings and full.escalations and full.followers
    me = principal(p.org, "resident1@qh.hd.cy.c1.g1")
    seen = visible_view(full, me)
    text = seen.model_dump_json()
    assert "resident2" not in text and "secret complaint" not in text and "李四" not in text
    assert seen.warnings == [] and seen.escalations == [] and seen.followers == []
    assert "grid_worker@" not in text and "supervisor@" not in text
    mine = [t for t in seen.open_tasks if t.principal_id is not None]
    assert [t.principal_id for t in mine] == [me.principal_id]
    # staff still see everything
    assert visible_view(full, principal(p.org, "supervisor@qh.hd")) == full
