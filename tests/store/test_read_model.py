"""Migrations, seeding and projection on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, inspect, select

from domain.projection import ProjectionBatch, projection_batch
from domain.state import IssueState, Status
from store import models
from store.db import make_engine, session_factory, transaction
from store.migrate import downgrade, upgrade
from store.projection import project
from tests import sample_city
from tests.domain.harness import PureIssue
from tests.driver import report
from tests.scenarios import HEATING, STREET
from tests.walks import MATTERS, random_step

TABLES = {"units", "principals", "matters", "issues", "tasks", "timeline_events", "ratings", "calendar_overrides"}


def _tables(url: str) -> set[str]:
    engine = make_engine(url)  # a fresh engine each time: no connection remembers the old schema
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrations_upgrade_downgrade_upgrade(db_url: str) -> None:
    upgrade(db_url)
    assert _tables(db_url) >= TABLES
    downgrade(db_url)
    assert not TABLES & _tables(db_url)
    upgrade(db_url)
    engine = make_engine(db_url)
    names = {ix["name"] for ix in inspect(engine).get_indexes("tasks")}
    engine.dispose()
    assert {"ix_tasks_inbox", "ix_tasks_stats"} <= names


def test_loading_the_sample_city_twice_changes_nothing_the_second_time(db_url: str) -> None:
    upgrade(db_url)
    sessions = session_factory(make_engine(db_url))
    with transaction(sessions) as s:
        first = sample_city.load_into(s)
    with transaction(sessions) as s:
        second = sample_city.load_into(s)
    assert first.version == 1 and second.version is None and not second.changes
    city = sample_city.directory()
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(models.Unit)) == len(city.units) == 67
        assert s.scalar(select(func.count()).select_from(models.Matter)) == len(city.matters)
        assert s.scalar(select(func.count()).select_from(models.Principal)) == len(city.principals)


def _walk_with_batches() -> tuple[PureIssue, list[ProjectionBatch]]:
    """A whole issue on the pure domain, cutting a projection batch after every transition."""
    p = PureIssue()
    batches: list[ProjectionBatch] = []
    sent = 0

    def cut() -> None:
        nonlocal sent
        batches.append(projection_batch(p.state, sent))
        sent = p.state.next_seq - 1

    cut()
    for step in [
        lambda: p.act("verify", "whistle", {"kind": "daily", "note": "n"}),
        lambda: p.act("approve_whistle", "approve"),
        lambda: p.act("dispatch", "route", {"unit_ids": [HEATING, STREET]}),
        lambda: p.act("report", "check_in", unit_id=HEATING),
        lambda: p.act("report", "check_in", unit_id=STREET),
        lambda: p.act("consult", "conclude", {"lead_unit_id": HEATING, "co_unit_ids": [STREET],
                                              "list_type": "phased", "minutes": "m"}),
        lambda: p.act("assist", "complete", {"result": "r"}),
        lambda: p.act("handle", "complete", {"result": "r"}),
        lambda: p.act("verify_result", "accept"),
        lambda: p.advance(timedelta(days=10)),  # nobody rates: "no answer" thrice, and the issue closes
    ]:
        step()
        cut()
    # the resident's silence, and the whistler's about each of the two units that took part
    assert p.state.status.value == "closed" and len(p.state.ratings) == 3
    assert sorted(r.for_unit_id or "" for r in p.state.ratings) == sorted(["", HEATING, STREET])
    return p, batches


def _snapshot(sessions) -> dict[str, object]:  # type: ignore[no-untyped-def]
    with sessions() as s:
        issue = s.scalars(select(models.Issue)).one()
        return {
            "issue": {c.key: getattr(issue, c.key) for c in inspect(models.Issue).columns},
            "tasks": sorted((t.id, t.status, t.outcome, t.due_at, t.closed_at,
                             t.late) for t in s.scalars(select(models.Task))),
            "events": [(e.seq, e.kind, e.task_id, e.data) for e in
                       s.scalars(select(models.TimelineEvent).order_by(models.TimelineEvent.seq))],
            "ratings": [(r.ordinal, r.rating) for r in s.scalars(select(models.Rating))],
        }


def test_projection_is_idempotent_and_survives_out_of_order_delivery(db_url: str) -> None:
    upgrade(db_url)
    p, batches = _walk_with_batches()
    in_order = session_factory(make_engine(db_url))
    for b in batches:
        with transaction(in_order) as s:
            project(s, b)
    expected = _snapshot(in_order)
    assert [e[0] for e in expected["events"]] == list(range(1, p.state.next_seq))  # type: ignore[index]
    assert expected["issue"]["status"] == "closed" and expected["issue"]["last_seq"] == p.state.next_seq - 1  # type: ignore[index]
    assert expected["ratings"] == [(1, None), (2, None), (3, None)]

    # again, every batch delivered twice, in a shuffled order, some a third time at the very end
    for b in batches:
        with transaction(in_order) as s:
            project(s, b)
    rng = random.Random(7)
    shuffled = batches * 2
    rng.shuffle(shuffled)
    for b in shuffled + batches[:3]:
        with transaction(in_order) as s:
            project(s, b)
    assert _snapshot(in_order) == expected


def test_a_stale_batch_never_overwrites_a_newer_snapshot(db_url: str) -> None:
    upgrade(db_url)
    _, batches = _walk_with_batches()
    sessions = session_factory(make_engine(db_url))
    with transaction(sessions) as s:
        project(s, batches[-1])
        project(s, batches[0])  # the oldest, late
    with sessions() as s:
        issue = s.scalars(select(models.Issue)).one()
        assert issue.status == "closed" and issue.last_seq == batches[-1].last_seq
        events = s.scalar(select(func.count()).select_from(models.TimelineEvent))
        assert events == len(batches[-1].events) + len(batches[0].events)


def test_calendar_overrides_come_from_the_database(db_url: str) -> None:
    from datetime import date

    from activities.working_days import WorkingCalendar
    from store.seed import load_calendar_overrides

    upgrade(db_url)
    sessions = session_factory(make_engine(db_url))

    def loader() -> dict[date, bool]:
        with sessions() as s:
            return load_calendar_overrides(s)

    cal = WorkingCalendar(loader=loader, refresh_seconds=0)
    assert cal.is_workday(date(2026, 11, 23))
    with transaction(sessions) as s:
        s.add(models.CalendarOverride(day=date(2026, 11, 23), is_workday=False, note="local holiday"))
    assert not cal.is_workday(date(2026, 11, 23))  # refreshed from the table
    assert WorkingCalendar({date(2026, 11, 23): True}, loader=loader, refresh_seconds=0).is_workday(date(2026, 11, 23))


def test_a_group_commit_writes_what_one_at_a_time_would_and_isolates_a_bad_batch(db_url: str) -> None:
    """Many callers at once through the single writer: the read model ends as batch-by-batch projection leaves
    it, and a batch that cannot be written fails alone while the rest of its group goes in."""
    from concurrent.futures import ThreadPoolExecutor

    from activities.read_model import GroupCommit

    upgrade(db_url)
    _, batches = _walk_with_batches()
    one_at_a_time = session_factory(make_engine(db_url))
    for b in batches:
        with transaction(one_at_a_time) as s:
            project(s, b)
    expected = _snapshot(one_at_a_time)
    _empty(one_at_a_time)

    bad = batches[1].model_copy(deep=True)
    bad.issue.issue_id = "x" * 300  # longer than the column: PostgreSQL refuses it (SQLite does not check)
    writer = GroupCommit(one_at_a_time, group_max=8)
    work = batches * 3 + [bad]
    random.Random(3).shuffle(work)
    with ThreadPoolExecutor(16) as pool:
        futures = [pool.submit(writer.write, b) for b in work]
    outcomes = [f.exception() for f in futures]
    assert _snapshot_of_issue(one_at_a_time, batches[0].issue.issue_id) == expected
    assert all(o is None for o, b in zip(outcomes, work, strict=True) if b is not bad)
    if db_url.startswith("postgresql"):
        assert outcomes[work.index(bad)] is not None


PROJECTED = (models.Notification, models.Rating, models.TimelineEvent, models.Task)


def _empty(sessions) -> None:  # type: ignore[no-untyped-def]
    """Start the read model again from nothing (the tables the projection writes)."""
    with sessions() as s, s.begin():
        for table in (*PROJECTED, models.Issue):
            s.execute(table.__table__.delete())


def _snapshot_of_issue(sessions, issue_id: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    with sessions() as s, s.begin():
        for table in PROJECTED:
            s.execute(table.__table__.delete().where(table.issue_id != issue_id))
        s.execute(models.Issue.__table__.delete().where(models.Issue.id != issue_id))
    return _snapshot(sessions)


@pytest.mark.parametrize("k", [3, -1])
def test_a_lost_executions_rows_are_replaced_by_the_kept_ones(db_url: str, k: int) -> None:
    """A local projection wrote the events of a workflow task whose worker then died; the task ran again later
    with another clock (and here made one event fewer). The kept execution's rows replace the lost one's, the
    lost one's extra event goes, and the lost batch arriving late afterwards changes nothing."""
    upgrade(db_url)
    _, batches = _walk_with_batches()
    kept = [b.model_copy(update={"epoch": 100 + n}) for n, b in enumerate(batches)]
    reference = session_factory(make_engine(db_url))
    for b in kept:
        with transaction(reference) as s:
            project(s, b)
    expected = _snapshot(reference)
    _empty(reference)

    k = k % len(kept)
    lost = kept[k].model_copy(deep=True, update={"epoch": kept[k].epoch - 1})
    for e in lost.events:
        e.at = e.at + timedelta(seconds=10)
    phantom = lost.events[-1].model_copy(update={"seq": lost.last_seq + 1})
    lost.events.append(phantom)
    lost.last_seq += 1
    for b in [*kept[:k], lost, *kept[k:], lost]:
        with transaction(reference) as s:
            project(s, b)
    assert _snapshot(reference) == expected


def _random_walk(seed_: int) -> list[IssueState]:
    """A generated issue on the pure domain — valid actions and the clock moving past deadlines, at random —
    with a copy of its state after every transition."""
    rng = random.Random(seed_)
    p = PureIssue(report(rng.choice(MATTERS), issue_id=f"partial{seed_}"))
    states = [p.state.model_copy(deep=True)]
    for _ in range(400):
        if p.state.status is not Status.open or len(states) > 60:
            break
        if rng.random() < 0.25:
            p.advance(timedelta(hours=rng.choice([2, 20, 50, 200])))
        elif random_step(rng, p) is None:
            continue
        states.append(p.state.model_copy(deep=True))
    return states


def _whole(sessions) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Everything the projection wrote, but the versions that say which batch wrote a row."""
    with sessions() as s:
        def rows(model, *order):  # type: ignore[no-untyped-def]
            cols = [c for c in model.__table__.columns
                    if c.name not in {"version_seq", "epoch"} and not (model is models.Notification and c.name == "id")]
            return [tuple(r) for r in s.execute(select(*cols).order_by(*order))]
        return {"issues": rows(models.Issue, models.Issue.id), "tasks": rows(models.Task, models.Task.id),
                "events": rows(models.TimelineEvent, models.TimelineEvent.seq),
                "ratings": rows(models.Rating, models.Rating.ordinal),
                "notices": rows(models.Notification, models.Notification.seq, models.Notification.audience)}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed_=st.integers(0, 100_000))
def test_batches_carrying_only_changed_tasks_build_the_same_read_model(db_url: str, seed_: int) -> None:
    """Regular batches carry only the tasks that changed since the last one (or that an event names); the read
    model they build is the one full batches build, row for row, over generated issues."""
    upgrade(db_url)
    sessions = session_factory(make_engine(db_url))
    states = _random_walk(seed_)
    built = []
    for partial in (False, True):
        _empty(sessions)
        after, sent, carried = 0, {}, 0
        for state in states:
            batch = projection_batch(state, after, sent if partial else None)
            with transaction(sessions) as s:
                project(s, batch)
            after = batch.last_seq
            sent.update((t.task_id, t) for t in batch.tasks)
            carried += len(batch.tasks)
        built.append((_whole(sessions), carried))
    (full, carried_full), (partial_model, carried_partial) = built
    assert partial_model == full
    assert full["events"] and full["tasks"]
    assert carried_partial <= carried_full


def test_a_batch_carries_the_tasks_that_changed_and_those_its_events_name() -> None:
    p = PureIssue()
    first = projection_batch(p.state, 0, {})
    sent = {t.task_id: t for t in first.tasks}
    assert projection_batch(p.state, first.last_seq, sent).tasks == []  # nothing happened since
    p.act("verify", "whistle", {"kind": "daily", "note": "n"})
    batch = projection_batch(p.state, first.last_seq, sent)
    changed = {t.task_id for t in projection_batch(p.state, 0).tasks if sent.get(t.task_id) != t}
    named = {e.task_id for e in batch.events if e.task_id}
    assert {t.task_id for t in batch.tasks} == changed | named
    sent.update((t.task_id, t) for t in batch.tasks)
    verify = next(t.task_id for t in batch.tasks if t.kind == "verify")
    p.act("approve_whistle", "approve")
    then = projection_batch(p.state, batch.last_seq, sent)
    assert verify not in {t.task_id for t in then.tasks}  # closed before, and no event of this batch names it
    assert {t.kind for t in then.tasks} == {"approve_whistle", "dispatch"}
