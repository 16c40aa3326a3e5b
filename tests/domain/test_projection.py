"""What the read model is sent (``domain/projection.py``), and what an issue forgets once it holds it.

Each test names the defect it guards against; they run on the pure domain, with the real working calendar.
"""

from __future__ import annotations

from datetime import timedelta

from domain.apply import apply
from domain.messages import ActionRequest
from domain.projection import EVENT_BYTES_KEPT, forget_projected
from domain.validation import COMMENTS_PER_DAY, validate
from tests.domain.harness import PureIssue
from tests.driver import principal


def test_projected_events_are_forgotten_beyond_the_latest_so_an_issue_stays_bounded() -> None:
    p = PureIssue()
    staff = principal(p.org, "supervisor@qh.hd.cy")
    for day in range(10):
        for _ in range(COMMENTS_PER_DAY):
            req = ActionRequest(action="comment", actor=staff, data={"text": "长" * 4000})
            apply(p.state, validate(p.state, req, p.now), p.now)
            p.state.projected_seq = p.state.next_seq - 1  # the read model took them
            forget_projected(p.state)
        p.now += timedelta(days=1, seconds=day)
    kept = [e.seq for e in p.state.events]
    assert kept == list(range(p.state.next_seq - len(kept), p.state.next_seq)) and len(kept) < 300
    assert sum(len(e.model_dump_json().encode()) for e in p.state.events) <= EVENT_BYTES_KEPT
    assert len(p.state.model_dump_json().encode()) < 2 * EVENT_BYTES_KEPT  # 300 comments of 4,000 characters: 1.2 M


def test_events_not_yet_in_the_read_model_are_never_forgotten() -> None:
    p = PureIssue()
    staff = principal(p.org, "supervisor@qh.hd.cy")
    for _ in range(COMMENTS_PER_DAY):
        apply(p.state, validate(p.state, ActionRequest(action="comment", actor=staff, data={"text": "长" * 4000}),
                                p.now), p.now)
    forget_projected(p.state)  # the read model has none of them yet
    assert [e.seq for e in p.state.events] == list(range(1, p.state.next_seq))
