"""The read model end to end: audit agreement on every path, and PostgreSQL down mid-issue."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import delete, func, select
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from audit import audit_issue
from core.settings import Settings
from store import models
from store.db import make_engine, session_factory, transaction
from store.migrate import upgrade
from tests import sample_city
from tests.driver import RESIDENT, Driver, principal, report
from tests.pg import PostgresServer
from tests.scenarios import (
    HEATING,
    MARKET,
    STREET,
    evaluate_all,
    finish_handling,
    happy_path,
    route_and_check_in,
    to_handling_two_units,
    understanding_extension_review,
    whistle_to_dispatch,
)
from worker import build_worker


async def _rework(d: Driver) -> None:
    await to_handling_two_units(d)
    for n in range(3):
        await finish_handling(d)
        await d.act("verify_result", "return_for_rework", {"reason": f"r{n}"})
    await d.act("dispatch", "route", {"unit_ids": [HEATING]})
    await d.act("report", "check_in", {})
    await finish_handling(d)
    await d.act("verify_result", "accept")
    await evaluate_all(d)


async def _understanding(d: Driver) -> None:
    await d.issue_act("urge", {"note": "hurry"}, principal(d.org, RESIDENT))
    await understanding_extension_review(d, rerate="satisfied")


async def _decline(d: Driver) -> None:
    await whistle_to_dispatch(d)
    await d.act("dispatch", "route", {"unit_ids": [MARKET]})
    await d.act("report", "decline", {"reason": "not ours"})
    await route_and_check_in(d, [HEATING])
    await finish_handling(d)
    await d.act("verify_result", "accept")
    await evaluate_all(d)


async def _withdraw(d: Driver) -> None:
    await whistle_to_dispatch(d)
    await d.issue_act("withdraw", {"reason": "fixed"}, principal(d.org, RESIDENT))


async def _reject(d: Driver) -> None:
    await d.act("verify", "reject", {"reason": "spam"})


async def _on_site(d: Driver) -> None:
    await d.act("verify", "resolve_on_site", {"result": "done"})
    await evaluate_all(d)


PATHS: dict[str, tuple[str, Callable[[Driver], Awaitable[Any]]]] = {
    "happy": ("heating.no_heat", happy_path),
    "rework_escalation": ("heating.no_heat", _rework),
    "understanding_extension_review": ("heating.no_heat", _understanding),
    "decline_reroute": ("heating.no_heat", _decline),
    "withdraw": ("heating.no_heat", _withdraw),
    "reject": ("heating.no_heat", _reject),
    "on_site": ("sanitation.garbage_overflow", _on_site),
}


@pytest.mark.parametrize("path", list(PATHS))
async def test_audit_agrees_after_every_path(local_worker: tuple[Client, str], workflow_db_url: str, path: str) -> None:
    client, queue = local_worker
    matter, walk = PATHS[path]
    d = await Driver.start(client, queue, report(matter))
    await walk(d)
    record = await d.result()
    sessions = session_factory(make_engine(workflow_db_url))
    issue_id = record.issue_id
    with sessions() as s:
        issue = s.get(models.Issue, issue_id)
        assert issue is not None and issue.status == record.status.value and issue.last_seq == len(record.events)
        tasks = s.scalar(select(func.count()).select_from(models.Task).where(models.Task.issue_id == issue_id))
        assert tasks == len(record.tasks)
        seqs = list(s.scalars(select(models.TimelineEvent.seq).where(models.TimelineEvent.issue_id == issue_id)
                              .order_by(models.TimelineEvent.seq)))
        assert seqs == [e.seq for e in record.events]
    report_ = await audit_issue(client, sessions, issue_id)
    assert report_.agree, report_.problems
    assert report_.runs and len(report_.timeline) == len(record.events)

    # and the audit notices when the read model loses a row
    with sessions() as s, s.begin():
        s.execute(delete(models.TimelineEvent).where(models.TimelineEvent.issue_id == issue_id,
                                                     models.TimelineEvent.seq == 2))
    broken = await audit_issue(client, sessions, issue_id)
    assert not broken.agree and any("event 2" in p for p in broken.problems)


async def test_postgres_down_mid_issue_loses_nothing_and_doubles_nothing(local_env: WorkflowEnvironment,
                                                                         postgres: PostgresServer) -> None:
    url = postgres.create_database(f"down_{uuid.uuid4().hex[:8]}")
    upgrade(url)
    engine = make_engine(url)
    sessions = session_factory(engine)
    with transaction(sessions) as session:
        sample_city.load_into(session)
    queue = f"pgdown-{uuid.uuid4().hex[:6]}"
    client = local_env.client
    with ThreadPoolExecutor(8) as pool:
        async with build_worker(client, Settings(database_url=url), pool, task_queue=queue, sessions=sessions):
            d = await Driver.start(client, queue, report())
            await d.act("verify", "whistle", {"kind": "daily", "note": "n"})
            postgres.stop()
            try:
                await d.act("approve_whistle", "approve")
                await route_and_check_in(d, [HEATING, STREET])
                view = await d.state()
                assert view.step == "consultation"  # people kept acting while the database was down
                assert view.projected_seq < view.last_seq
                await asyncio.sleep(3)
            finally:
                postgres.start()
            for _ in range(150):  # the retry backoff reaches the database again within a minute
                view = await d.state()
                if view.projected_seq == view.last_seq:
                    break
                await asyncio.sleep(0.5)
            assert view.projected_seq == view.last_seq
            await d.act("consult", "conclude", {"lead_unit_id": HEATING, "co_unit_ids": [STREET],
                                                "list_type": "immediate", "minutes": "m"})
            await finish_handling(d)
            await d.act("verify_result", "accept")
            await evaluate_all(d)
            record = await d.result()
    engine.dispose()
    engine = make_engine(url)
    with session_factory(engine)() as s:
        seqs = list(s.scalars(select(models.TimelineEvent.seq).where(models.TimelineEvent.issue_id == record.issue_id)
                              .order_by(models.TimelineEvent.seq)))
        assert seqs == list(range(1, len(record.events) + 1))
        assert s.scalar(select(func.count()).select_from(models.Task)) == len(record.tasks)
        assert s.scalar(select(func.count()).select_from(models.Issue)) == 1
    engine.dispose()
