"""Figure snapshots (``store/figures/snapshots.py``): a ranking served from a snapshot equals the live ranking of the
moment it was computed, for every standard period and every group of units, on both databases; a snapshot of
another directory version, or too old, is not served; a slower refresh never overwrites a later one."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

import pytest

from domain.organisation import Level, UnitKind
from store.db import make_engine, session_factory, transaction
from store.figures import HUB, SUMMONED, Scope, ranking, snapshots
from tests import sample_city
from tests.store.test_stats import BEIJING, NOW, Gen, generate, load

VERSION = 7


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def snapshot_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('snap') / 'read.db'}"
    else:
        url = request.getfixturevalue("postgres").create_database(f"t_{uuid.uuid4().hex[:12]}")
    g: Gen = generate(seed=5)
    load(url, g)
    return url


def test_a_ranking_from_the_snapshot_equals_the_live_one_of_that_moment(snapshot_db: str) -> None:
    sessions = session_factory(make_engine(snapshot_db))
    org = sample_city.organisation()
    scope = Scope.of(org, sample_city.directory().catalogue())
    periods = snapshots.standard_periods(NOW, BEIJING)
    assert [p.label for p in periods] == ["2026-11", "2026-10", "2026-Q4", "2026-Q3", "2026"]
    with transaction(sessions) as s:
        kept = snapshots.refresh(s, org, scope, periods, NOW, VERSION)
    groups = snapshots.groups(org)
    assert kept == len(periods) * len(groups) and (Level.street, UnitKind.territorial) in groups
    compared = 0
    with sessions() as s:
        for period in periods:
            for (level, kind), units in groups.items():
                snap = snapshots.current(s, period, level, kind, VERSION, NOW + timedelta(minutes=1))
                assert snap is not None and snap.computed_at == NOW
                rule = HUB if kind is UnitKind.territorial else SUMMONED
                for chosen in (units, units[::2]):  # a jurisdiction ranks its own units among themselves
                    live = ranking(s, chosen, period, scope=replace(scope, now=NOW), with_ids=False, rule=rule)
                    assert snapshots.ranked(snap, chosen, rule) == live
                    compared += len(live)
    assert compared > 100


def test_a_snapshot_is_served_only_under_its_directory_and_while_fresh(snapshot_db: str) -> None:
    sessions = session_factory(make_engine(snapshot_db))
    org = sample_city.organisation()
    scope = Scope.of(org, sample_city.directory().catalogue())
    quarter = snapshots.standard_periods(NOW, BEIJING)[2]
    with transaction(sessions) as s:
        snapshots.refresh(s, org, scope, [quarter], NOW, VERSION)
    street = (Level.street, UnitKind.territorial)
    with sessions() as s:
        assert snapshots.current(s, quarter, *street, VERSION, NOW + snapshots.MAX_AGE) is not None
        assert snapshots.current(s, quarter, *street, VERSION, NOW + snapshots.MAX_AGE + timedelta(seconds=1)) is None
        assert snapshots.current(s, quarter, *street, VERSION + 1, NOW) is None
    with transaction(sessions) as s:  # a refresh that started earlier and ends later keeps the later one
        snapshots.refresh(s, org, scope, [quarter], NOW - timedelta(minutes=5), VERSION)
    with sessions() as s:
        snap = snapshots.current(s, quarter, *street, VERSION, NOW)
        assert snap is not None and snap.computed_at == NOW
