"""The longest generated walks, replayed through the real workflow (time-skipping server): every request the
pure domain accepted is accepted, and the issue ends where the pure domain's did."""

from __future__ import annotations

import pytest

from tests.driver import STARTED, Driver
from tests.walks import Walk, longest
from workflows import ResidentIssue

WALKS = longest(range(60), steps=120, count=2)


@pytest.mark.parametrize("walk", WALKS, ids=[f"seed{w.seed}-{len(w.requests)}-actions" for w in WALKS])
async def test_a_generated_walk_ends_where_the_pure_domain_did(ts_worker, walk: Walk) -> None:
    client, queue = ts_worker
    d = await Driver.start(client, queue, walk.report.model_copy(update={"issue_id": f"{walk.report.issue_id}x"}))
    STARTED.append((client, d.handle.id))
    prefix = walk.report.issue_id
    for req in walk.requests:
        task_id = req.task_id.replace(prefix, f"{prefix}x", 1) if req.task_id else None
        await d.handle.execute_update(ResidentIssue.act, req.model_copy(update={"task_id": task_id}))
    final = walk.final
    assert final is not None
    if final.status.value != "open":
        record = await d.result()
        assert (record.status, record.resolution, record.reworks) == (final.status, final.resolution, final.reworks)
        assert [(t.kind, t.unit_id, t.status) for t in record.tasks] == \
            [(t.kind, t.unit_id, t.status) for t in final.tasks.values()]
    else:
        view = await d.state()
        assert (view.step, view.lead_unit_id, view.reworks) == (final.step, final.lead_unit_id, final.reworks)
