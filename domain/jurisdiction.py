"""Who may see an issue (DESIGN §2): jurisdiction is the subtree of a principal's unit.

- a resident sees the issues they reported or follow, and nothing else;
- an integration (hotline, mini-program) sees the issues it filed;
- staff see an issue when its grid's ladder or any unit that ever held one of its tasks lies in the
  subtree of their unit: a grid worker their grid's issues, a street the issues of its communities,
  a department the issues it was summoned to, the city everything.

Seeing is not acting: the workflow's validator decides who may act on a task. Outside jurisdiction
an issue is answered as if it did not exist.
"""

from __future__ import annotations

from collections.abc import Collection

from pydantic import BaseModel

from domain.organisation import STAFF_ROLES, Role
from domain.state import Actor


class IssueAccess(BaseModel):
    """The facts about an issue that decide who may see it."""

    units: list[str]  # the grid's ladder and every unit that ever held a task
    reporter_ids: list[str]  # the reporter and the followers who have principal ids
    submitted_by: str | None


def can_see(actor: Actor, access: IssueAccess, subtree: Collection[str]) -> bool:
    """``subtree``: the ids of the actor's unit and every unit below it."""
    if actor.principal_id in access.reporter_ids:
        return True
    if Role.integration in actor.roles and access.submitted_by == actor.principal_id:
        return True
    return bool(set(actor.roles) & STAFF_ROLES) and any(u in subtree for u in access.units)


def is_staff(actor: Actor) -> bool:
    return bool(set(actor.roles) & STAFF_ROLES)
