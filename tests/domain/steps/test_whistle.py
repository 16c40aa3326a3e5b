"""The whistle's room (``domain/steps/whistle.py``): approval and dispatch.

Each test names the defect it guards against; they run on the pure domain, with the real working calendar.
"""

from __future__ import annotations

from datetime import timedelta

from tests.domain.harness import STREET, PureIssue


def test_a_late_approval_dispatches_at_the_street_not_a_level_higher() -> None:
    p = PureIssue()
    p.act("verify", "whistle", {"kind": "daily", "note": "n"})
    assert p.open("approve_whistle").unit_id == "qh.hd.cy.c1"
    p.advance(timedelta(days=1, hours=1))
    assert p.open("approve_whistle").unit_id == STREET  # moved up when the community was late
    p.act("approve_whistle", "approve")
    assert p.open("dispatch").unit_id == STREET
