"""Who may see an issue, who may act on it, and what each sees (DESIGN §2): the one place that decides.

The API asks it before it queries or updates a workflow; the workflow's validator asks it again before
anything enters history. Jurisdiction is the subtree of a principal's unit:

- a resident sees the issues they reported or follow, and nothing else;
- an integration (hotline, mini-program) sees the issues it filed;
- staff see an issue when its grid's ladder or any unit that ever held one of its tasks lies in the
  subtree of their unit: a grid worker their grid's issues, a street the issues of its communities,
  a department the issues it was summoned to, the city everything. Followers never widen that.

Acting is narrower than seeing: a task is acted on by a principal of its unit holding one of its roles
(the one person it names, when it names one), unless someone else of the unit has claimed it. Outside
jurisdiction an issue is answered as if it did not exist; residents see their issue without the staff's
internals (warnings, escalations, people) and without other residents.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Protocol

from pydantic import BaseModel

from domain import errors
from domain.actions import ISSUE_ACTIONS
from domain.messages import Actor
from domain.organisation import STAFF_ROLES, Role
from domain.state import IssueState, Status
from domain.task_state import STEPS_BEFORE_HANDLING_ENDS, Step
from domain.views import IssueView, TaskView, view

#: does a unit lie in the subtree of the actor's unit?
WithinJurisdiction = Callable[[str], bool]


class IssueAccess(BaseModel):
    """The facts about an issue that decide who may see it."""

    units: list[str]  # the grid's ladder and every unit that ever held a task
    reporter_ids: list[str]  # the reporter and the followers who have principal ids
    submitted_by: str | None


class Assignable(Protocol):
    """What acting needs to know of a task: a live one, or one as a view shows it."""

    @property
    def task_id(self) -> str: ...
    @property
    def unit_id(self) -> str: ...
    @property
    def roles(self) -> list[Role]: ...
    @property
    def principal_id(self) -> str | None: ...
    @property
    def claimed_by(self) -> str | None: ...


# --- seeing ------------------------------------------------------------------------------------------


def is_staff(actor: Actor) -> bool:
    return bool(set(actor.roles) & STAFF_ROLES)


def access_of(state: IssueState) -> IssueAccess:
    units = [ref.id for ref in state.context.ladder.values()]
    units += sorted({t.unit_id for t in state.tasks.values()} - set(units))
    reporters = [state.report.reporter.principal_id, *(f.reporter.principal_id for f in state.followers)]
    return IssueAccess(units=units, reporter_ids=[r for r in reporters if r is not None],
                       submitted_by=state.report.submitted_by)


class LiveIssue(BaseModel):
    """The answer of the ``live`` query: the view, and who may see it (the API keeps that to itself)."""

    view: IssueView
    access: IssueAccess


def live(state: IssueState) -> LiveIssue:
    return LiveIssue(view=view(state), access=access_of(state))


def can_see(actor: Actor, access: IssueAccess, within: WithinJurisdiction) -> bool:
    if actor.principal_id in access.reporter_ids:
        return True
    if Role.integration in actor.roles and access.submitted_by == actor.principal_id:
        return True
    return is_staff(actor) and any(within(u) for u in access.units)


def in_subtree(subtree: Collection[str]) -> WithinJurisdiction:
    """For the API, which knows the caller's subtree."""
    return subtree.__contains__


def under(actor_unit: str, parents: Mapping[str, str | None]) -> WithinJurisdiction:
    """For the workflow, which knows the parent of every unit its issue may involve."""

    def within(unit_id: str) -> bool:
        current: str | None = unit_id
        for _ in range(len(parents) + 1):
            if current is None:
                return False
            if current == actor_unit:
                return True
            current = parents.get(current)
        return False

    return within


def sees(state: IssueState, actor: Actor) -> bool:
    return can_see(actor, access_of(state), under(actor.unit_id, state.context.parents))


def is_reporter(state: IssueState, actor: Actor) -> bool:
    return actor.principal_id in access_of(state).reporter_ids


def is_filer(state: IssueState, actor: Actor) -> bool:
    return Role.integration in actor.roles and actor.principal_id == state.report.submitted_by


# --- acting ------------------------------------------------------------------------------------------


def check_may_act(task: Assignable, actor: Actor, action: str | None = None) -> None:
    """Raise :class:`~domain.errors.NotPermitted` (or ``WrongState`` for a claim that cannot change)
    unless ``actor`` may take ``action`` on ``task``; ``None``: any of the task's own actions."""
    if actor.unit_id != task.unit_id:
        raise errors.NotPermitted(
            f"task {task.task_id} is assigned to unit {task.unit_id}; {actor.principal_id} belongs to {actor.unit_id}"
        )
    if task.principal_id is not None and actor.principal_id != task.principal_id:
        raise errors.NotPermitted(f"task {task.task_id} is for {task.principal_id} alone")
    if action == "unclaim":
        if task.claimed_by is None:
            raise errors.WrongState(f"task {task.task_id} is not claimed")
        if task.claimed_by != actor.principal_id and Role.leader not in actor.roles:
            raise errors.NotPermitted(
                f"task {task.task_id} is claimed by {task.claimed_by}; only they or a leader of the unit may unclaim it"
            )
        return
    if not set(actor.roles) & set(task.roles):
        need = " or ".join(r.value for r in task.roles)
        have = ", ".join(r.value for r in actor.roles)
        raise errors.NotPermitted(f"task {task.task_id} needs the role {need}; {actor.principal_id} has {have}")
    if task.claimed_by is not None and task.claimed_by != actor.principal_id:
        raise errors.NotPermitted(f"task {task.task_id} is claimed by {task.claimed_by}")
    if action == "claim" and task.claimed_by == actor.principal_id:
        raise errors.WrongState(f"task {task.task_id} is already claimed by {actor.principal_id}")


def may_act(task: Assignable, actor: Actor, action: str | None = None) -> bool:
    try:
        check_may_act(task, actor, action)
    except errors.ActionRefused:
        return False
    return True


class IssueFacts(Protocol):
    """What deciding an issue-level action needs of an issue: an :class:`IssueView`, or :func:`facts` of a state."""

    @property
    def issue_id(self) -> str: ...
    @property
    def status(self) -> Status: ...
    @property
    def step(self) -> Step: ...
    @property
    def reporter_id(self) -> str | None: ...
    @property
    def reporter_ids(self) -> list[str]: ...
    @property
    def submitted_by(self) -> str | None: ...


@dataclass(frozen=True)
class _StateFacts:
    issue_id: str
    status: Status
    step: Step
    reporter_id: str | None
    reporter_ids: list[str]
    submitted_by: str | None


def facts(state: IssueState) -> IssueFacts:
    """The facts of a live state, without building its whole view (the validator asks this on every issue action)."""
    return _StateFacts(issue_id=state.issue_id, status=state.status, step=state.step,
                       reporter_id=state.report.reporter.principal_id, reporter_ids=access_of(state).reporter_ids,
                       submitted_by=state.report.submitted_by)


def issue_action_refusal(action: str, actor: Actor, view: IssueFacts) -> errors.ActionRefused | None:
    """Why ``actor`` may not take the issue-level ``action`` on an issue they see, or None. The validator
    raises it; the API lists the actions without one (``issue_actions``), so the console offers exactly
    these."""
    if view.status.value != "open":
        return errors.WrongState(f"issue {view.issue_id} is {view.status.value}; no more actions can be taken")
    if action == "withdraw":
        own = view.reporter_id is not None and actor.principal_id == view.reporter_id
        filer = Role.integration in actor.roles and actor.principal_id == view.submitted_by
        if not (own or filer):
            return errors.NotPermitted("only the reporter (or the system that filed the report) may withdraw it")
        if view.step not in STEPS_BEFORE_HANDLING_ENDS:
            return errors.WrongState(f"handling has ended (step {view.step.value}); the issue can no longer be "
                                     "withdrawn")
    elif action == "urge":
        if not (actor.principal_id in view.reporter_ids or Role.supervisor in actor.roles):
            return errors.NotPermitted("only the reporter or a supervisor may urge")
    elif action == "supervise":
        if Role.supervisor not in actor.roles:
            return errors.NotPermitted("supervision notices are sent by supervisors")
    elif action == "link_duplicate":
        if not is_staff(actor):
            return errors.NotPermitted("duplicates are linked by staff")
        if view.step not in STEPS_BEFORE_HANDLING_ENDS:
            return errors.WrongState("handling has ended; it is too late to link this issue as a duplicate")
    return None


def issue_actions(actor: Actor, view: IssueFacts) -> list[str]:
    """The issue-level actions ``actor`` (who sees the issue) may take now."""
    return [a for a in ISSUE_ACTIONS if issue_action_refusal(a, actor, view) is None]


# --- what each sees ----------------------------------------------------------------------------------


def visible_view(view: IssueView, viewer: Actor) -> IssueView:
    """The issue as ``viewer`` may see it: staff see it whole; a resident (or the integration that filed it)
    sees its steps, deadlines and outcome, the units that hold it and their own tasks, and nothing about
    other people or the staff's internal warnings and escalations."""
    if is_staff(viewer):
        return view
    tasks = [_public_task(t, viewer) for t in view.open_tasks
             if t.principal_id in (None, viewer.principal_id)]
    return view.model_copy(update={
        "open_tasks": tasks,
        "reporter_id": view.reporter_id if view.reporter_id == viewer.principal_id else None,
        "reporter_ids": [r for r in view.reporter_ids if r == viewer.principal_id],
        "submitted_by": view.submitted_by if view.submitted_by == viewer.principal_id else None,
        "warnings": [],
        "escalations": [],
        "ratings": [r for r in view.ratings if r.principal_id == viewer.principal_id],
        "followers": [],
    })


def _public_task(task: TaskView, viewer: Actor) -> TaskView:
    if task.principal_id == viewer.principal_id:
        return task
    return task.model_copy(update={"claimed_by": None, "data": {}})  # no person behind a unit's task
