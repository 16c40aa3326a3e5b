"""Driving an issue in tests: act as the sample principal a task names, and look at the state."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from temporalio.client import Client, WorkflowHandle, WorkflowQueryFailedError
from temporalio.service import RPCError

from domain.messages import ActionRequest, Actor, IssueReport, issue_workflow_id
from domain.organisation import Organisation, Role
from domain.state import IssueInput
from domain.views import IssueRecord, IssueView, TaskView
from tests import sample_city
from workflows import ResidentIssue

GRID = "qh.hd.cy.c1.g1"

#: issues started by the current test; the worker fixture terminates those still running afterwards, so
#: that no orphaned timer blocks the time-skipping server for the next test
STARTED: list[tuple[Client, str]] = []
RESIDENT = f"resident1@{GRID}"


def report(matter: str = "heating.no_heat", *, issue_id: str | None = None, urgent: bool = False,
           source: str = "resident", grid: str = GRID, principal: str | None = RESIDENT, **extra: Any) -> IssueReport:
    return IssueReport(
        issue_id=issue_id or f"t{uuid.uuid4().hex[:12]}", source=source, title="暖气不热 radiator cold",
        description="The radiators in flat 3-201 have been cold for three days.", matter_code=matter,
        grid_id=grid, address="东苑小区3号楼201", reporter={"name": "张三", "phone": "13800000000",
                                                              "principal_id": principal},
        urgent=urgent, **extra)


def actor_for(org: Organisation, unit_id: str, roles: list[Role], principal_id: str | None = None) -> Actor:
    if principal_id is not None:
        p = org.principals[principal_id]
        return Actor(principal_id=p.id, unit_id=p.unit_id, roles=list(p.roles))
    for p in org.principals.values():
        if p.unit_id == unit_id and set(p.roles) & set(roles):
            return Actor(principal_id=p.id, unit_id=p.unit_id, roles=list(p.roles))
    raise LookupError(f"no sample principal in {unit_id} with {roles}")


def principal(org: Organisation, principal_id: str) -> Actor:
    p = org.principals[principal_id]
    return Actor(principal_id=p.id, unit_id=p.unit_id, roles=list(p.roles))


def same_state(a: IssueView, b: IssueView) -> bool:
    """Equal in everything but the read model's progress, which moves on by itself."""
    return a.model_copy(update={"projected_seq": 0}) == b.model_copy(update={"projected_seq": 0})


@dataclass
class Driver:
    client: Client
    handle: WorkflowHandle[Any, Any]
    org: Organisation = field(default_factory=sample_city.organisation)

    @classmethod
    async def start(cls, client: Client, task_queue: str, rep: IssueReport, **config: Any) -> Driver:
        handle = await client.start_workflow(
            ResidentIssue.run, IssueInput(report=rep, config=config or {}),
            id=issue_workflow_id(rep.issue_id), task_queue=task_queue)
        STARTED.append((client, handle.id))
        driver = cls(client, handle)
        await driver.wait_ready()
        return driver

    async def wait_ready(self) -> IssueView:
        for _ in range(200):
            with contextlib.suppress(WorkflowQueryFailedError):  # the context may not be loaded yet
                view = await self.state()
                if all(t.due_at is not None for t in view.open_tasks):
                    return view
            await asyncio.sleep(0.05)
        raise TimeoutError("issue did not become ready")

    async def result(self) -> IssueRecord:
        """The closed issue's record, from the latest run (after any continue-as-new)."""
        return await self.client.get_workflow_handle(self.handle.id, result_type=IssueRecord).result()

    async def state(self) -> IssueView:
        # the time-skipping server may leave a query unanswered when it lands on a run in the very
        # moment that run continues as new; asking again reaches the new run
        for _ in range(5):
            with contextlib.suppress(RPCError):
                return await self.handle.query(ResidentIssue.state, rpc_timeout=timedelta(seconds=3))
        return await self.handle.query(ResidentIssue.state)

    async def task(self, kind: str, unit_id: str | None = None, task_id: str | None = None) -> TaskView:
        view = await self.state()
        found = [t for t in view.open_tasks if t.kind == kind and (unit_id is None or t.unit_id == unit_id)
                 and (task_id is None or t.task_id == task_id)]
        assert len(found) == 1, f"expected one open {kind} task, found {[(t.kind, t.unit_id) for t in view.open_tasks]}"
        return found[0]

    async def act(self, kind: str, action: str, data: dict[str, Any] | None = None, *, unit_id: str | None = None,
                  actor: Actor | None = None, task_id: str | None = None) -> IssueView:
        task = await self.task(kind, unit_id, task_id)
        who = actor or actor_for(self.org, task.unit_id, task.roles, task.principal_id)
        return await self.handle.execute_update(
            ResidentIssue.act, ActionRequest(task_id=task.task_id, action=action, actor=who, data=data or {}))

    async def issue_act(self, action: str, data: dict[str, Any], actor: Actor) -> IssueView:
        return await self.handle.execute_update(
            ResidentIssue.act, ActionRequest(task_id=None, action=action, actor=actor, data=data))

    async def raw_act(self, task_id: str | None, action: str, data: dict[str, Any], actor: Actor) -> IssueView:
        return await self.handle.execute_update(
            ResidentIssue.act, ActionRequest(task_id=task_id, action=action, actor=actor, data=data))
