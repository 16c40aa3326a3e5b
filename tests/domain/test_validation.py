"""Deciding whether an action may be taken (``domain/validation.py``): the daily caps.

Each test names the defect it guards against; they run on the pure domain, with the real working calendar.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain import errors
from domain.apply import apply
from domain.messages import ActionRequest, Actor
from domain.validation import COMMENTS_PER_DAY, validate
from tests.domain.harness import PureIssue
from tests.driver import principal


def test_comments_and_urges_are_capped_per_day_so_an_issue_stays_bounded() -> None:
    p = PureIssue()
    staff = principal(p.org, "supervisor@qh.hd.cy")
    resident = principal(p.org, "resident1@qh.hd.cy.c1.g1")

    def issue_act(action: str, data: dict[str, str], who: Actor) -> None:
        req = ActionRequest(action=action, actor=who, data=data)
        apply(p.state, validate(p.state, req, p.now), p.now)

    for n in range(COMMENTS_PER_DAY):
        issue_act("comment", {"text": f"c{n}"}, staff)
    with pytest.raises(errors.TooOften):
        validate(p.state, ActionRequest(action="comment", actor=staff, data={"text": "one more"}), p.now)
    issue_act("urge", {"note": "please"}, resident)
    with pytest.raises(errors.TooOften, match="today already"):
        validate(p.state, ActionRequest(action="urge", actor=resident, data={"note": "again"}), p.now)
    p.now += timedelta(days=1, seconds=1)
    issue_act("comment", {"text": "next day"}, staff)
    issue_act("urge", {"note": "next day"}, resident)
    assert len(p.state.recent_actions) == 2  # the day before is forgotten
