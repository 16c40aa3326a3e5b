"""Telling running issues that the directory changed under them (shared by the admin API and
``whistle directory load``).

It works from the state, not from the change: every open task the read model shows at a retired unit, or
claimed by a deactivated person, has its issue signalled with the hand-over, which the issue applies once
(sent again, it changes nothing). So it can simply be run again after Temporal was away.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import or_, select
from temporalio.client import Client

from domain.directory import Directory
from domain.messages import Handover, issue_workflow_id
from store import directory as store_directory
from store import models
from store.db import SessionFactory
from workflows import ResidentIssue

#: a bound on one hand-over's signals
MAX_ISSUES = 100_000


def successors(directory: Directory) -> dict[str, str]:
    """Each retired unit with a successor → the active unit its work goes to (a chain of retirements followed)."""
    units = {u.id: u for u in directory.units}
    out: dict[str, str] = {}
    for unit in directory.units:
        if unit.active or unit.successor_id is None:
            continue
        target = unit.successor_id
        for _ in range(len(units)):
            nxt = units.get(target)
            if nxt is None or nxt.active or nxt.successor_id is None:
                break
            target = nxt.successor_id
        out[unit.id] = target
    return out


def pending(sessions: SessionFactory) -> tuple[Handover, list[str]]:
    """The hand-over the directory in force asks for, and the issues whose open tasks it touches."""
    with sessions() as session:
        directory = store_directory.current(session)
        number = store_directory.version(session)
        moves = successors(directory)
        released = sorted(p.id for p in directory.principals if not p.active)
        issues = list(session.scalars(
            select(models.Task.issue_id).where(models.Task.status == "open")
            .where(or_(models.Task.unit_id.in_(moves), models.Task.claimed_by.in_(released)))
            .distinct().order_by(models.Task.issue_id).limit(MAX_ISSUES)))
    return Handover(moves=moves, released=released, version=number, reason="the directory changed"), issues


async def hand_over(client: Client, sessions: SessionFactory, reason: str) -> int:
    """Signal every issue with open work at a retired unit or claimed by a deactivated person; how many."""
    handover, issues = await asyncio.to_thread(pending, sessions)
    handover = handover.model_copy(update={"reason": reason})
    for issue_id in issues:
        await client.get_workflow_handle(issue_workflow_id(issue_id)).signal(ResidentIssue.hand_over, handover)
    return len(issues)
