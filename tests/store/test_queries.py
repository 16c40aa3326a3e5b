"""The read model's queries (``store/queries.py``): the inbox matches a task's roles whole, never a part of one."""

from __future__ import annotations

from domain.projection import projection_batch
from store.db import make_engine, session_factory, transaction
from store.migrate import upgrade
from store.projection import project
from store.queries import inbox, inbox_counts
from tests import sample_city
from tests.domain.harness import PureIssue

GRID = "qh.hd.cy.c1.g1"


def test_the_inbox_matches_a_role_whole_not_a_part_of_its_name(db_url: str) -> None:
    upgrade(db_url)
    sessions = session_factory(make_engine(db_url))
    p = PureIssue()
    with transaction(sessions) as s:
        sample_city.load_into(s)
        project(s, projection_batch(p.state, 0))
    verify = p.open("verify")
    assert verify.unit_id == GRID and [r.value for r in verify.roles] == ["grid_worker"]
    with sessions() as s:
        mine, _ = inbox(s, "someone@" + GRID, GRID, ["grid_worker"], now=p.now)
        assert [t.id for t, _ in mine] == [verify.task_id]
        for part in (["worker"], ["grid"], ["rid_work"], ["grid_worke"]):
            assert inbox(s, "someone@" + GRID, GRID, part, now=p.now)[0] == [], part
            assert inbox_counts(s, "someone@" + GRID, GRID, part, p.now)["unclaimed"] == 0, part
