"""Telling running issues that the directory changed under them (shared by the admin API and
``whistle directory load``).

It works from the state, not from the change: every open task the read model shows at a retired unit, or
claimed by a deactivated person, has its issue signalled with the hand-over, which the issue applies once
(sent again, it changes nothing). So it can simply be run again after Temporal was away.
"""

from __future__ import annotations

import asyncio

import structlog
from temporalio.client import Client
from temporalio.service import RPCError

from domain.directory import Directory
from domain.messages import Handover, issue_workflow_id
from store import directory as store_directory
from store import queries
from store.db import SessionFactory
from workflows import ResidentIssue

log = structlog.get_logger(__name__)

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


def pending(sessions: SessionFactory, known: tuple[int, Directory] | None = None) -> tuple[Handover, list[str]]:
    """The hand-over the directory in force asks for, and the issues whose open tasks it touches: tasks at a
    retired unit, and claims held by someone deactivated or moved to another unit (who can no longer act on them,
    and whom nobody else may relieve). ``known``: the version and directory in force, when the caller has them."""
    with sessions() as session:
        number, directory = known or (store_directory.version(session), store_directory.current(session))
        moves = successors(directory)
        unit_of = {p.id: p.unit_id for p in directory.principals if p.active}
        stranded = {(issue_id, who) for issue_id, unit_id, who in queries.open_claims(session)
                    if unit_of.get(who) != unit_id}
        at_retired = queries.issues_with_open_tasks_at(session, moves, MAX_ISSUES)
    released = sorted({who for _, who in stranded})
    issues = sorted(at_retired | {issue_id for issue_id, _ in stranded})[:MAX_ISSUES]
    by_id = {u.id: u for u in directory.units}
    parents = {succ: by_id[succ].parent_id for succ in set(moves.values()) if succ in by_id}
    return Handover(moves=moves, released=released, version=number, reason="the directory changed",
                    parents=parents), issues


async def hand_over(client: Client | None, sessions: SessionFactory, reason: str,
                    known: tuple[int, Directory] | None = None) -> tuple[int, int]:
    """Signal every issue with open work at a retired unit or claimed by a deactivated person: how many were told,
    and how many could not be (Temporal away, or an issue that ended meanwhile); those are told when this runs
    again (``whistle directory handover``). The directory's change stands either way."""
    handover, issues = await asyncio.to_thread(pending, sessions, known)
    if client is None:
        return 0, len(issues)
    handover = handover.model_copy(update={"reason": reason})
    told = 0
    for issue_id in issues:
        try:
            await client.get_workflow_handle(issue_workflow_id(issue_id)).signal(ResidentIssue.hand_over, handover)
            told += 1
        except RPCError as exc:
            log.warning("hand_over_not_told", issue_id=issue_id, error=exc.message)
    return told, len(issues) - told
