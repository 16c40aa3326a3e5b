"""The audit of one issue: the read model's timeline beside the raw Temporal history of every run,
and whether they agree (DESIGN §6).

They agree when
1. the timeline is gap-free: sequence numbers 1…N, each once;
2. every event the workflow sent to the read model — decoded from the ``project_issue`` activity
   inputs recorded in the history, and from the results of the local ``project_issue_local`` markers
   (which echo what they wrote), over all runs — is in the timeline once, identical, in order, and the
   timeline holds nothing else;
3. every ``act`` update the history shows as completed successfully appears in the timeline as one
   action by the same actor on the same task, in the same order (signals may add more).
"""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

from google.protobuf.json_format import MessageToDict
from pydantic import BaseModel
from sqlalchemy import select
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHistory

from core.payload_codec import decode_tree
from core.temporal import PLAIN_CONVERTER
from domain.actions import ISSUE_ACTIONS
from domain.messages import ActionRequest, issue_workflow_id
from domain.projection import ProjectedEvents, ProjectionBatch
from store import models
from store.db import SessionFactory

#: the marker the SDK records for a local activity's outcome
LOCAL_ACTIVITY_MARKER = "core_local_activity"


class TimelineEntry(BaseModel):
    seq: int
    at: str
    step: str
    kind: str
    actor_id: str | None
    unit_id: str | None
    task_id: str | None
    data: dict[str, Any]


class RunHistory(BaseModel):
    run_id: str
    events: list[dict[str, Any]]


class AuditReport(BaseModel):
    issue_id: str
    agree: bool
    problems: list[str]
    timeline: list[TimelineEntry]
    runs: list[RunHistory]

    def summary(self) -> str:
        head = (f"issue {self.issue_id}: {len(self.timeline)} timeline events, {len(self.runs)} run(s), "
                f"{sum(len(r.events) for r in self.runs)} history events — "
                + ("history and read model AGREE" if self.agree else "they DISAGREE"))
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])


#: what stands for a reporter's name or phone in an audit read by someone who may not see them
WITHHELD = "(withheld)"


def without_personal(report: AuditReport) -> AuditReport:
    """The audit with every reporter's name and phone withheld from the raw histories (the start input, the
    "me too" signals): the timeline already leaves them out."""

    def scrub(node: Any) -> Any:
        if isinstance(node, dict) and isinstance(node.get("data"), str) and isinstance(node.get("metadata"), dict):
            return {**node, "data": _scrubbed_payload(node["data"], scrub)}  # a payload: JSON in base64
        if isinstance(node, dict):
            out = {k: scrub(v) for k, v in node.items()}
            reporter = out.get("reporter")
            if isinstance(reporter, dict):
                out["reporter"] = {k: (WITHHELD if k in ("name", "phone") and v else v) for k, v in reporter.items()}
            return out
        if isinstance(node, list):
            return [scrub(v) for v in node]
        return node

    runs = [RunHistory(run_id=r.run_id, events=[scrub(e) for e in r.events]) for r in report.runs]
    return report.model_copy(update={"runs": runs})


def _scrubbed_payload(data: str, scrub: Any) -> str:
    try:
        value = json.loads(base64.b64decode(data, validate=True))
    except ValueError:
        return data  # not JSON (or still sealed): nothing readable to withhold
    return base64.b64encode(json.dumps(scrub(value), ensure_ascii=False).encode()).decode()


def _decode(payloads: Any, kind: type[Any]) -> Any:
    return PLAIN_CONVERTER.payload_converter.from_payloads(list(payloads), [kind])[0]


async def _histories(client: Client, issue_id: str) -> list[tuple[str, WorkflowHistory]]:
    """Every run of the issue's workflow, oldest first (continue-as-new makes several)."""
    wid = issue_workflow_id(issue_id)
    runs = [w async for w in client.list_workflows(f'WorkflowId="{wid}"')]
    runs.sort(key=lambda w: w.start_time)
    if not runs:
        desc = await client.get_workflow_handle(wid).describe()
        runs = [desc]
    return [(r.run_id, await client.get_workflow_handle(wid, run_id=r.run_id).fetch_history()) for r in runs]


def read_timeline(sessions: SessionFactory, issue_id: str, after: int = 0) -> list[TimelineEntry]:
    """The issue's timeline in the read model, in order; only the events after sequence number ``after``."""
    E = models.TimelineEvent
    with sessions() as session:
        rows = session.scalars(select(E).where(E.issue_id == issue_id, E.seq > after).order_by(E.seq))
        return [TimelineEntry(seq=r.seq, at=r.at.isoformat(), step=r.step, kind=r.kind, actor_id=r.actor_id,
                              unit_id=r.unit_id, task_id=r.task_id, data=r.data) for r in rows]


def check(timeline: list[TimelineEntry], histories: list[WorkflowHistory]) -> list[str]:
    problems: list[str] = []
    seqs = [e.seq for e in timeline]
    if seqs != list(range(1, len(seqs) + 1)):
        problems.append(f"timeline sequence is not 1..{len(seqs)} without gaps or repeats")

    projected: dict[int, Any] = {}
    updates: dict[str, ActionRequest] = {}
    succeeded: list[ActionRequest] = []
    for history in histories:
        for ev in history.events:
            if ev.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                attrs = ev.activity_task_scheduled_event_attributes
                if attrs.activity_type.name == "project_issue":
                    batch: ProjectionBatch = _decode(attrs.input.payloads, ProjectionBatch)
                    for e in batch.events:
                        projected.setdefault(e.seq, e)
            elif ev.event_type == EventType.EVENT_TYPE_MARKER_RECORDED:
                for e in _locally_projected(ev.marker_recorded_event_attributes):
                    projected.setdefault(e.seq, e)
            elif ev.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
                accepted = ev.workflow_execution_update_accepted_event_attributes.accepted_request
                if accepted.input.name == "act":
                    updates[accepted.meta.update_id] = _decode(accepted.input.args.payloads, ActionRequest)
            elif ev.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
                attrs2 = ev.workflow_execution_update_completed_event_attributes
                if attrs2.outcome.HasField("success") and attrs2.meta.update_id in updates:
                    succeeded.append(updates[attrs2.meta.update_id])

    by_seq = {e.seq: e for e in timeline}
    for seq in sorted(projected):
        sent, row = projected[seq], by_seq.get(seq)
        if row is None:
            problems.append(f"event {seq} ({sent.kind}) is in the history but not in the timeline")
        elif (row.kind, row.step, row.actor_id, row.unit_id, row.task_id, row.data) != (
                sent.kind, sent.step.value, sent.actor_id, sent.unit_id, sent.task_id,
                sent.model_dump(mode="json")["data"]):
            problems.append(f"event {seq} differs between the history and the timeline")
    for seq in sorted(set(by_seq) - set(projected)):
        problems.append(f"timeline event {seq} ({by_seq[seq].kind}) has no source in the history")

    acted = [(e.task_id, e.data.get("action"), e.actor_id) if e.kind == "action" else (None, e.kind, e.actor_id)
             for e in timeline if e.kind == "action" or (e.kind in ISSUE_ACTIONS and e.actor_id is not None)]
    position = 0
    for req in succeeded:
        want = (req.task_id, req.action, req.actor.principal_id)
        while position < len(acted) and acted[position] != want:
            position += 1
        if position == len(acted):
            problems.append(f"update {req.action} on {req.task_id or 'the issue'} by {req.actor.principal_id} "
                            "succeeded in the history but is missing from the timeline (or out of order)")
            break
        position += 1
    return problems


def _locally_projected(marker: Any) -> list[Any]:
    """The events a local ``project_issue_local`` sent, from its marker: the result echoes them."""
    if marker.marker_name != LOCAL_ACTIVITY_MARKER or "data" not in marker.details or "result" not in marker.details:
        return []
    meta = json.loads(marker.details["data"].payloads[0].data)
    if meta.get("activity_type") != "project_issue_local" or not marker.details["result"].payloads:
        return []
    echo: ProjectedEvents = _decode(marker.details["result"].payloads, ProjectedEvents)
    return list(echo.events)


async def audit_issue(client: Client, sessions: SessionFactory, issue_id: str) -> AuditReport:
    histories = await _histories(client, issue_id)
    codec = client.data_converter.payload_codec
    if codec is not None:  # the audit is for supervisors who may see the issue: its history, decrypted
        for _, history in histories:
            for event in history.events:
                await decode_tree(event, codec)
    timeline = await asyncio.to_thread(read_timeline, sessions, issue_id)  # a blocking query: off the event loop
    problems = check(timeline, [h for _, h in histories])
    runs = [RunHistory(run_id=run_id, events=[MessageToDict(e) for e in h.events]) for run_id, h in histories]
    return AuditReport(issue_id=issue_id, agree=not problems, problems=problems, timeline=timeline, runs=runs)
