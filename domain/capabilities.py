"""What each principal may do besides seeing issues and acting on their tasks (DESIGN §2): file reports, and for
whom; read the figures, the audit, the payloads; administer the directory; amend assessments; answer inquiries —
and the console's menu made of them (:func:`capabilities`)."""

from __future__ import annotations

from enum import StrEnum

from domain.access import WithinJurisdiction, is_staff
from domain.messages import Actor, Source
from domain.organisation import Level, Role, Unit, UnitKind


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
