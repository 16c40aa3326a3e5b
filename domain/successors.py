"""A directory change reaches the open issues: a retired unit's open tasks go to its successor, a deactivated
person's claims go back to their unit (the workflow's ``hand_over`` signal)."""

from __future__ import annotations

from datetime import datetime

from domain.engine import record
from domain.messages import Handover
from domain.state import EventKind, IssueState


def hand_over(state: IssueState, handover: Handover, now: datetime) -> list[str]:
    """The directory changed: open tasks of retired units go to their successors, keeping their ids, due times
    and marks; claims of deactivated people are released. Sent again, it changes nothing. Returns the tasks
    changed."""
    changed: list[str] = []
    why = f"directory version {handover.version}: {handover.reason}"
    for task in state.open_tasks():
        successor = handover.moves.get(task.unit_id)
        if successor is not None and successor != task.unit_id:
            record(state, now, EventKind.handed_over, unit_id=successor, task_id=task.task_id,
                   from_unit_id=task.unit_id, to_unit_id=successor, kind=task.kind.value, reason=why)
            task.unit_id, task.claimed_by = successor, None
            changed.append(task.task_id)
        if task.lead_unit_id in handover.moves:
            task.lead_unit_id = handover.moves[task.lead_unit_id]
        if task.claimed_by is not None and task.claimed_by in handover.released:
            record(state, now, EventKind.claim_released, unit_id=task.unit_id, task_id=task.task_id,
                   principal_id=task.claimed_by, reason=why)
            task.claimed_by = None
            changed.append(task.task_id)
    if state.lead_unit_id in handover.moves:
        state.lead_unit_id = handover.moves[state.lead_unit_id]
    state.co_unit_ids = [handover.moves.get(u, u) for u in state.co_unit_ids]
    state.checked_in = [handover.moves.get(u, u) for u in state.checked_in]  # a later lead is the successor
    for unit_id, parent in handover.parents.items():
        state.context.parents.setdefault(unit_id, parent)
    return changed
