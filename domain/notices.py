"""Who must be told of a timeline event (时限网上提醒、预警): pure, so the projection can write each notice
exactly once beside the event it comes from.

An audience is a person (``principal:<id>``: a resident asked to evaluate, told the result) or the people of
a unit holding a role (``unit:<unit>:<role>``: a unit's handlers when a task opens, its leader when it is
warned, the supervisors above when a supervision is due, the leader of the level an issue climbs to).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum

from pydantic import BaseModel

from domain.organisation import Role
from domain.state import EventKind, TimelineEvent


class NoticeKind(StrEnum):
    task_opened = "task_opened"  # someone must act
    reminder = "reminder"
    warning = "warning"  # yellow or red, to the unit's leader
    supervision = "supervision"  # 督办: the supervisor above must decide, or a supervisor tells the unit concerned
    urge = "urge"  # 催办: a resident or a supervisor asks the unit holding the late task to hurry
    escalation = "escalation"  # the issue climbed to this level
    evaluation_request = "evaluation_request"  # the resident is asked to rate the result
    result = "result"  # the resident is told the answer / the close


class Notice(BaseModel):
    audience: str
    kind: NoticeKind
    text: str


def person(principal_id: str) -> str:
    return f"principal:{principal_id}"


def unit_role(unit_id: str, role: Role | str) -> str:
    return f"unit:{unit_id}:{Role(role).value}"


def audiences_of(principal_id: str, unit_id: str, roles: Sequence[Role]) -> list[str]:
    """Every audience a principal belongs to."""
    return [person(principal_id), *(unit_role(unit_id, r) for r in roles)]


def notices_for(event: TimelineEvent, task_roles: Mapping[str, Sequence[Role]],
                reporter_ids: Sequence[str]) -> list[Notice]:
    data, unit = event.data, event.unit_id
    kind = event.kind
    if kind == EventKind.task_opened and unit:
        task_kind = str(data.get("kind"))
        principal = data.get("principal_id")
        if isinstance(principal, str):
            what = NoticeKind.evaluation_request if task_kind == "evaluate" else NoticeKind.task_opened
            return [Notice(audience=person(principal), kind=what, text=f"{task_kind} {event.task_id}")]
        return [Notice(audience=unit_role(unit, r), kind=NoticeKind.task_opened, text=f"{task_kind} {event.task_id}")
                for r in task_roles.get(event.task_id or "", ())]
    if kind == EventKind.handed_over and unit:  # the successor of a retired unit takes its open task
        return [Notice(audience=unit_role(unit, r), kind=NoticeKind.task_opened,
                       text=f"{data.get('kind', '')} {event.task_id} (from {data.get('from_unit_id', '')})")
                for r in task_roles.get(event.task_id or "", ())]
    if kind == EventKind.reminder and unit:
        return [Notice(audience=unit_role(unit, r), kind=NoticeKind.reminder, text=str(data.get("message", "")))
                for r in task_roles.get(event.task_id or "", ())]
    if kind == EventKind.warning and unit:
        return [Notice(audience=unit_role(unit, Role.leader), kind=NoticeKind.warning,
                       text=f"{data.get('color', '')}: {data.get('message', '')}")]
    if kind == EventKind.supervise and unit and event.actor_id is None:
        return [Notice(audience=unit_role(unit, Role.supervisor), kind=NoticeKind.supervision,
                       text=str(data.get("note", "")))]
    # a person's urge or supervision (from rules 3; a supervision task's urge always): the unit concerned
    if kind in (EventKind.urge, EventKind.supervise) and unit and ("by_unit_id" in data or event.task_id):
        what = NoticeKind.urge if kind == EventKind.urge else NoticeKind.supervision
        # the task an event names travels in its projection batch, with its roles
        roles = [Role.leader, *task_roles.get(event.task_id or "", ())]
        return [Notice(audience=unit_role(unit, r), kind=what, text=str(data.get("note", "")))
                for r in dict.fromkeys(roles)]
    if kind == EventKind.escalated and isinstance(data.get("to_unit_id"), str):
        return [Notice(audience=unit_role(str(data["to_unit_id"]), Role.leader), kind=NoticeKind.escalation,
                       text=str(data.get("reason", "")))]
    if kind in (EventKind.feedback, EventKind.issue_closed):
        text = str(data.get("result") if kind == EventKind.feedback else data.get("outcome", ""))
        return [Notice(audience=person(r), kind=NoticeKind.result, text=text) for r in reporter_ids]
    return []
