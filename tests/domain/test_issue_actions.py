"""The issue-level actions the API offers a reader (``issue_actions``, which the console shows) are exactly those the
workflow's validator accepts from them, at every point of generated walks, for every kind of reader: the
reporter, a follower-less stranger resident, the filing hotline, staff of the grid, the street's and the city's
supervisors. (The console's own copy of this rule once dropped "the reporter may urge".)"""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain import errors
from domain.access import issue_actions, sees
from domain.actions import ISSUE_ACTIONS
from domain.messages import ActionRequest, Actor
from domain.validation import validate
from domain.views import view
from tests import sample_city
from tests.domain.harness import PureIssue
from tests.driver import report
from tests.walks import random_step

ORG = sample_city.organisation()
GRID = "qh.hd.cy.c1.g1"
READERS = ["resident1@qh.hd.cy.c1.g1", "resident2@qh.hd.cy.c1.g1", "hotline@qh", f"grid_worker@{GRID}",
           "dispatcher@qh.hd.cy", "supervisor@qh.hd.cy", "supervisor@qh", "handler@qh.hd.dept.heating"]
PAYLOAD = {"comment": {"text": "t"}, "urge": {"note": "n"}, "supervise": {"note": "n"}, "withdraw": {"reason": "r"},
           "link_duplicate": {"issue_id": "another-issue"}}


def _actor(principal_id: str) -> Actor:
    p = ORG.principals[principal_id]
    return Actor(principal_id=p.id, unit_id=p.unit_id, roles=list(p.roles))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), steps=st.integers(0, 40), filed=st.booleans())
def test_offered_issue_actions_are_exactly_the_accepted_ones(seed: int, steps: int, filed: bool) -> None:
    rng = random.Random(seed)
    rep = report(submitted_by="hotline@qh", source="hotline") if filed else report()
    p = PureIssue(rep)
    for _ in range(steps):
        if p.state.status.value != "open":
            break
        random_step(rng, p)
    for reader in READERS:
        actor = _actor(reader)
        if not sees(p.state, actor):
            continue
        offered = set(issue_actions(actor, view(p.state)))
        for action in ISSUE_ACTIONS:
            req = ActionRequest(task_id=None, action=action, actor=actor, data=PAYLOAD[action])
            try:
                validate(p.state, req)
                accepted = True
            except errors.ActionRefused:
                accepted = False
            assert (action in offered) == accepted, (reader, action, p.state.step, p.state.status)
