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
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel

from domain import errors
from domain.actions import ISSUE_ACTIONS
from domain.messages import Actor, Source
from domain.organisation import STAFF_ROLES, Level, Role, Unit, UnitKind
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


# --- what each may do besides ------------------------------------------------------------------------


def files_for_others(actor: Actor) -> bool:
    """Staff and integrations report issues for residents (within their jurisdiction); residents for themselves."""
    return is_staff(actor) or Role.integration in actor.roles


def may_file_for(actor: Actor, resident_unit_id: str, within: WithinJurisdiction) -> bool:
    """Whether ``actor`` may name a resident of ``resident_unit_id`` as a report's reporter: an integration
    (a hotline, the mini-program) any resident; staff only residents whose unit lies in their jurisdiction."""
    if Role.integration in actor.roles:
        return True
    return is_staff(actor) and within(resident_unit_id)


def filing_sources(actor: Actor) -> tuple[Source, ...]:
    """The sources a report ``actor`` files may carry, the default first: an integration's are the hotline's
    (or Open311's), a grid worker's the patrol's, other staff's an inspection's, a resident's their own."""
    if Role.integration in actor.roles:
        return (Source.hotline, Source.open311)
    if Role.grid_worker in actor.roles:
        return (Source.grid_worker,)
    if is_staff(actor):
        return (Source.inspection,)
    return (Source.resident,)


def reads_statistics(actor: Actor) -> bool:
    return bool({Role.supervisor, Role.leader} & set(actor.roles))


def reads_audit(actor: Actor) -> bool:
    return Role.supervisor in actor.roles


def reads_payloads(actor: Actor, at_the_top: bool) -> bool:
    """Decrypting Temporal's payloads (the codec endpoint), and the reporter's name and phone in an audit, show
    residents' personal data: the city's supervisors only (``at_the_top``: the actor's unit is the root)."""
    return Role.supervisor in actor.roles and at_the_top


class Capability(StrEnum):
    """What a principal may open, as the console's menu and pages ask the API (``/console/api/me``)."""

    inbox = "inbox"  # staff: their unit's tasks, the search of issues, the map
    issue_pages = "issue_pages"  # an issue's staff page: staff, and the integration that filed it
    file_reports = "file_reports"  # report an issue (for themselves, or for a resident)
    own_issues = "own_issues"  # a resident's: my issues, the community's board
    statistics = "statistics"  # the figures, the dashboard and the quarterly assessment
    audit = "audit"  # an issue's history beside the read model
    read_directory = "read_directory"  # the directory's units, people, matters and versions
    administer_directory = "administer_directory"  # change the units and people of their subtree (管理员)
    administer_catalogue = "administer_catalogue"  # change the matters and the rules, export the whole (the city's)
    amend_assessments = "amend_assessments"  # issue a corrected version of an assessment (the city's supervisors)
    answer_inquiries = "answer_inquiries"  # record a question answered without dispatch (a grid's to a street's)


#: the territorial levels whose staff answer residents' questions themselves (回复咨询)
ANSWERING_LEVELS = (Level.grid, Level.community, Level.street)


def answers_inquiries(actor: Actor, unit: Unit) -> bool:
    """The staff of a grid, a community or a street record the questions they answered without dispatch."""
    return is_staff(actor) and unit.kind is UnitKind.territorial and unit.level in ANSWERING_LEVELS


def amends_assessments(actor: Actor, at_the_top: bool) -> bool:
    """An issued assessment is corrected only by the city's supervisors, in the open (a new version, a reason)."""
    return Role.supervisor in actor.roles and at_the_top


def capabilities(actor: Actor, at_the_top: bool = False, unit: Unit | None = None) -> list[Capability]:
    """What ``actor`` may open; ``at_the_top``: their unit is the root of the organisation (the city); ``unit``:
    their unit, for what depends on its level."""
    roles = set(actor.roles)
    out = []
    if is_staff(actor):
        out.append(Capability.inbox)
    if is_staff(actor) or Role.integration in roles:
        out.append(Capability.issue_pages)
    if is_staff(actor) or roles & {Role.resident, Role.integration}:
        out.append(Capability.file_reports)
    if Role.resident in roles:
        out.append(Capability.own_issues)
    if reads_statistics(actor):
        out.append(Capability.statistics)
    if reads_audit(actor):
        out.append(Capability.audit)
    if roles & {Role.administrator, Role.supervisor}:
        out.append(Capability.read_directory)
    if Role.administrator in roles:
        out.append(Capability.administer_directory)
        if at_the_top:
            out.append(Capability.administer_catalogue)
    if amends_assessments(actor, at_the_top):
        out.append(Capability.amend_assessments)
    if unit is not None and answers_inquiries(actor, unit):
        out.append(Capability.answer_inquiries)
    return out


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
