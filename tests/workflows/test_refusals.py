"""Every refusal of the ``act`` validator: a readable reason, the right type, and nothing changed."""

from __future__ import annotations

from typing import Any

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError

from domain.messages import Actor
from domain.organisation import Role
from tests.driver import RESIDENT, Driver, principal, report, same_state
from tests.scenarios import HEATING, STREET, route_and_check_in, to_handling_two_units, whistle_to_dispatch

GRID_WORKER = "grid_worker@qh.hd.cy.c1.g1"


async def refused(d: Driver, task_id: str | None, action: str, data: dict[str, Any], actor: Actor) -> ApplicationError:
    before = await d.state()
    with pytest.raises(WorkflowUpdateFailedError) as info:
        await d.raw_act(task_id, action, data, actor)
    cause = info.value.cause
    assert isinstance(cause, ApplicationError)
    after = await d.state()
    # the read model may catch up meanwhile; everything else must be exactly as it was
    assert same_state(after, before), "a refused action changed the state"
    return cause


@pytest.fixture
async def fresh(ts_worker) -> Driver:
    client, queue = ts_worker
    return await Driver.start(client, queue, report())


async def test_unknown_task(fresh: Driver) -> None:
    err = await refused(fresh, "nope.99", "whistle", {"kind": "daily", "note": "n"}, principal(fresh.org, GRID_WORKER))
    assert err.type == "TaskNotFound" and "has no task 'nope.99'" in err.message


async def test_closed_task(fresh: Driver) -> None:
    task = await fresh.task("verify")
    await fresh.act("verify", "whistle", {"kind": "daily", "note": "n"})
    err = await refused(fresh, task.task_id, "reject", {"reason": "r"}, principal(fresh.org, GRID_WORKER))
    assert err.type == "TaskClosed" and "already closed" in err.message


async def test_action_not_of_this_task_kind(fresh: Driver) -> None:
    task = await fresh.task("verify")
    err = await refused(fresh, task.task_id, "check_in", {}, principal(fresh.org, GRID_WORKER))
    assert err.type == "ActionNotAllowed"
    assert "'check_in' is not an action of a verify task; allowed: resolve_on_site, whistle, reject" in err.message


async def test_actor_from_another_unit(fresh: Driver) -> None:
    task = await fresh.task("verify")
    above = principal(fresh.org, "dispatcher@qh.hd.cy")  # sees the issue (the grid is in the street), not its unit
    err = await refused(fresh, task.task_id, "reject", {"reason": "r"}, above)
    assert err.type == "NotPermitted" and "is assigned to unit qh.hd.cy.c1.g1" in err.message


async def test_an_actor_who_may_not_see_the_issue_learns_nothing_else(fresh: Driver) -> None:
    """The validator asks visibility first: the next grid's worker is told neither the task's unit nor its state."""
    task = await fresh.task("verify")
    neighbour = principal(fresh.org, "grid_worker@qh.hd.cy.c1.g2")
    for task_id in (task.task_id, "no-such-task"):
        err = await refused(fresh, task_id, "reject", {"reason": "r"}, neighbour)
        assert err.type == "IssueNotVisible" and "qh.hd.cy.c1.g1" not in err.message


async def test_actor_without_the_role(fresh: Driver) -> None:
    task = await fresh.task("verify")
    err = await refused(fresh, task.task_id, "reject", {"reason": "r"}, principal(fresh.org, RESIDENT))
    assert err.type == "NotPermitted" and "needs the role grid_worker" in err.message


@pytest.mark.parametrize(("data", "fragment"), [
    ({}, "reason: Field required"),
    ({"reason": ""}, "reason: String should have at least 1 character"),
    ({"reason": "r", "extra": 1}, "extra: Extra inputs are not permitted"),
    ({"reason": ["not", "text"]}, "reason: Input should be a valid string"),
])
async def test_payload_that_does_not_fit(fresh: Driver, data: dict[str, Any], fragment: str) -> None:
    task = await fresh.task("verify")
    err = await refused(fresh, task.task_id, "reject", data, principal(fresh.org, GRID_WORKER))
    assert err.type == "InvalidPayload" and fragment in err.message and "the data for 'reject'" in err.message


async def test_whistle_kind_must_be_known(fresh: Driver) -> None:
    task = await fresh.task("verify")
    err = await refused(fresh, task.task_id, "whistle", {"kind": "loud", "note": "n"}, principal(fresh.org,
                                                                                                 GRID_WORKER))
    assert err.type == "InvalidPayload" and "kind:" in err.message


async def test_unknown_matter_when_reclassifying(fresh: Driver) -> None:
    task = await fresh.task("verify")
    err = await refused(fresh, task.task_id, "whistle", {"kind": "daily", "note": "n", "matter_code": "x.y"},
                        principal(fresh.org, GRID_WORKER))
    assert err.type == "InvalidPayload" and "unknown matter 'x.y'" in err.message


async def test_reclassifying_reloads_the_matter(fresh: Driver) -> None:
    view = await fresh.act("verify", "whistle", {"kind": "daily", "note": "n", "matter_code": "water.outage"})
    assert view.matter_code == "water.outage" and view.category == "water"


async def test_resolve_on_site_not_allowed_for_this_matter(fresh: Driver) -> None:
    task = await fresh.task("verify")
    err = await refused(fresh, task.task_id, "resolve_on_site", {"result": "done"}, principal(fresh.org, GRID_WORKER))
    assert err.type == "ActionNotAllowed" and "cannot be resolved on the spot" in err.message


async def test_claimed_by_someone_else(fresh: Driver) -> None:
    await fresh.act("verify", "claim", actor=principal(fresh.org, GRID_WORKER))
    task = await fresh.task("verify")
    other = principal(fresh.org, "grid_worker2@qh.hd.cy.c1.g1")
    err = await refused(fresh, task.task_id, "reject", {"reason": "r"}, other)
    assert err.type == "NotPermitted" and f"claimed by {GRID_WORKER}" in err.message
    err = await refused(fresh, task.task_id, "unclaim", {}, other)
    assert err.type == "NotPermitted"


async def test_route_to_a_unit_the_level_cannot_summon(fresh: Driver) -> None:
    await whistle_to_dispatch(fresh)
    task = await fresh.task("dispatch")
    err = await refused(fresh, task.task_id, "route", {"unit_ids": ["qh.hx.dept.heating"]},
                        principal(fresh.org, "dispatcher@qh.hd.cy"))
    assert err.type == "InvalidPayload" and "cannot be summoned from the street level" in err.message
    err = await refused(fresh, task.task_id, "route", {"unit_ids": [HEATING, HEATING]},
                        principal(fresh.org, "dispatcher@qh.hd.cy"))
    assert "must not repeat" in err.message


async def test_conclude_with_a_lead_that_did_not_check_in(fresh: Driver) -> None:
    await whistle_to_dispatch(fresh)
    await route_and_check_in(fresh, [HEATING, STREET])
    task = await fresh.task("consult")
    err = await refused(fresh, task.task_id, "conclude", {"lead_unit_id": "qh.hd.dept.water", "list_type": "immediate",
                                                         "minutes": "m"}, principal(fresh.org, "dispatcher@qh.hd.cy"))
    assert err.type == "InvalidPayload" and "did not check in" in err.message


async def test_lead_completes_only_after_the_co_units(fresh: Driver) -> None:
    await to_handling_two_units(fresh)
    task = await fresh.task("handle")
    err = await refused(fresh, task.task_id, "complete", {"result": "done"}, principal(fresh.org, f"handler@{HEATING}"))
    assert err.type == "WrongState" and "co-units complete first" in err.message


async def test_unknown_issue_action_and_outsiders(fresh: Driver) -> None:
    err = await refused(fresh, None, "teleport", {}, principal(fresh.org, RESIDENT))
    assert err.type == "ActionNotAllowed" and "issue-level actions: withdraw" in err.message
    err = await refused(fresh, None, "comment", {"text": "hi"}, principal(fresh.org, "resident1@qh.hx.hp.c1.g1"))
    assert err.type == "IssueNotVisible" and "no issue" in err.message
    err = await refused(fresh, None, "withdraw", {"reason": "r"}, principal(fresh.org, "supervisor@qh.hd.cy"))
    assert err.type == "NotPermitted" and "only the reporter" in err.message
    err = await refused(fresh, None, "supervise", {"note": "n"}, principal(fresh.org, RESIDENT))
    assert err.type == "NotPermitted"


async def test_nothing_is_accepted_on_a_closed_issue(fresh: Driver) -> None:
    await fresh.act("verify", "reject", {"reason": "spam"})
    await fresh.result()
    with pytest.raises((WorkflowUpdateFailedError, RPCError)):
        await fresh.raw_act(None, "comment", {"text": "late"}, principal(fresh.org, RESIDENT))


async def test_issue_actions_are_recorded_and_counted(fresh: Driver) -> None:
    await fresh.issue_act("urge", {"note": "please hurry"}, principal(fresh.org, RESIDENT))
    view = await fresh.issue_act("supervise", {"note": "look into it"}, principal(fresh.org, "supervisor@qh.hd"))
    assert view.urges == 1
    view = await fresh.issue_act("comment", {"text": "photo added"}, Actor(principal_id=RESIDENT,
                                 unit_id="qh.hd.cy.c1.g1", roles=[Role.resident]))
    assert view.last_seq > 3
