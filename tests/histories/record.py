"""Record workflow histories for the replay test: ``python -m tests.histories.record``.

Run it when a workflow change is *meant* to change histories (and guard old ones with
``workflow.patched``); keep the old files so issues already running are still proven to replay.
"""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from core.binaries import temporal_test_server
from core.settings import Settings
from core.temporal import PLAIN_CONVERTER
from store.db import make_engine, session_factory, transaction
from store.migrate import upgrade
from tests import sample_city
from tests.conftest import _register_search_attributes
from tests.driver import Driver, principal, report
from tests.scenarios import (
    finish_handling,
    happy_path,
    red_then_reassign,
    reopen_on_site,
    stop_clock_over_days,
    to_handling_two_units,
    understanding_extension_review,
)
from tests.walks import Walk, longest
from worker import build_worker
from workflows import ResidentIssue

HERE = Path(__file__).parent
#: bump when the workflow's commands change on purpose; older files stay and must still replay
VERSION = "v9"  # v2: rules 2 ("rules-2"); v3: local deadline activity ("local-deadlines"); v4: "provisional-deadlines";
#                v5: the read model written by a local activity ("local-projection");
#                v6: by the regular activity again ("regular-projection");
#                v7: the report's context loaded by a local activity ("local-context");
#                v8: all of them in one marker ("baseline-7"); v9: rules 3 ("rules-3")


async def _rework_escalation(d: Driver) -> None:
    await to_handling_two_units(d)
    for n in range(3):
        await finish_handling(d)
        await d.act("verify_result", "return_for_rework", {"reason": f"still cold {n}"})


async def _comments(d: Driver) -> None:
    for n in range(20):
        await d.issue_act("comment", {"text": f"c{n}"}, principal(d.org, "supervisor@qh.hd.cy"))


SCENARIOS: dict[str, tuple[str, Callable[[Driver], Awaitable[Any]], dict[str, Any], float]] = {
    "happy_path": ("heating.no_heat", happy_path, {}, 0),
    "rework_escalation": ("heating.no_heat", _rework_escalation, {}, 0),
    "understanding_review": ("heating.no_heat", understanding_extension_review, {}, 0),
    "mediation_ladder": ("neighbour_dispute.water_leak_downstairs", lambda d: asyncio.sleep(0), {}, 8 * 86400),
    "continue_as_new": ("heating.no_heat", _comments, {"history_limit": 50}, 0),
    "reopen_on_site": ("property.stairwell_light", reopen_on_site, {}, 0),
    "supervision_reassign": ("heating.no_heat", lambda d: red_then_reassign(d, _sleeper(d)), {}, 0),
    "stop_clock": ("heating.no_heat", lambda d: stop_clock_over_days(d, _sleeper(d)), {}, 0),
}

def _walk(walk: Walk) -> Callable[[Driver], Awaitable[None]]:
    async def replay(d: Driver) -> None:
        prefix, here = walk.report.issue_id, d.handle.id.removeprefix("issue-")
        for req in walk.requests:
            task_id = req.task_id.replace(prefix, here, 1) if req.task_id else None
            await d.handle.execute_update(ResidentIssue.act, req.model_copy(update={"task_id": task_id}))
    return replay


#: the longest generated walks (tests/walks.py), as the model-based test's runs through the real workflow
for _walk_spec in longest(range(60), steps=120, count=3):
    SCENARIOS[f"walk_seed{_walk_spec.seed}"] = (_walk_spec.report.matter_code, _walk(_walk_spec), {}, 0)

ENV: dict[str, WorkflowEnvironment] = {}


def _sleeper(d: Driver) -> Callable[[datetime], Awaitable[None]]:
    async def sleep_until(at: datetime) -> None:
        env = ENV["env"]
        now = await env.get_current_time()
        if at > now:
            await env.sleep(at - now)
        await d.wait_ready()

    return sleep_until


async def main() -> None:
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=temporal_test_server(),
                                                        data_converter=PLAIN_CONVERTER)
    ENV["env"] = env
    await _register_search_attributes(env.client)
    queue = f"record-{uuid.uuid4().hex[:6]}"
    url = f"sqlite:///{tempfile.mkdtemp()}/record.db"
    upgrade(url)
    with transaction(session_factory(make_engine(url))) as session:
        sample_city.load_into(session)
    with ThreadPoolExecutor(8) as pool:
        async with build_worker(env.client, Settings(database_url=url), pool, task_queue=queue):
            for name, (matter, walk, config, sleep) in SCENARIOS.items():
                d = await Driver.start(env.client, queue, report(matter, issue_id=f"replay-{name}"), **config)
                await walk(d)
                if sleep:
                    await env.sleep(sleep)
                    await d.wait_ready()
                first_run = d.handle.result_run_id
                history = await env.client.get_workflow_handle(d.handle.id, run_id=first_run).fetch_history()
                (HERE / f"{VERSION}_{name}.json").write_text(history.to_json())
                for _ in range(100):  # let the read model catch up before stopping the issue
                    view = await d.state()
                    if view.projected_seq >= view.last_seq:
                        break
                    await asyncio.sleep(0.05)
                if (await d.handle.describe()).status == WorkflowExecutionStatus.RUNNING:
                    await d.handle.terminate("recorded")
                print("recorded", name, len(history.events), "events")
    await env.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
