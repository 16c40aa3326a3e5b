"""Building an issue's context from the organisation and the catalogue.

The workflow cannot read the organisation (it may change while an issue runs), so an activity calls
:func:`issue_context` once at the start and the issue keeps the answer.
"""

from __future__ import annotations

from domain.catalogue import Catalogue
from domain.errors import UnknownReference
from domain.messages import IssueReport
from domain.organisation import Level, Organisation, UnitRef
from domain.rules import DEFAULT_RULES, Rules
from domain.state import IssueContext, MatterContext

DISPATCH_LEVELS = (Level.street, Level.district, Level.city)


def matter_context(org: Organisation, catalogue: Catalogue, ladder: dict[Level, UnitRef], code: str) -> MatterContext:
    try:
        matter = catalogue.matter(code)
    except KeyError:
        raise UnknownReference(f"unknown matter {code!r}") from None
    routable = {level: [org.ref(u.id) for u in org.routable(ladder[level].id)] for level in DISPATCH_LEVELS}
    suggested = {level: [u.id for u in org.suggested(ladder[level].id,
                                                     matter.departments)] for level in DISPATCH_LEVELS}
    return MatterContext(matter=matter, routable=routable, suggested=suggested)


def issue_context(org: Organisation, catalogue: Catalogue, report: IssueReport,
                  rules: Rules = DEFAULT_RULES) -> IssueContext:
    try:
        ladder_units = org.ladder(report.grid_id)
    except (KeyError, ValueError) as exc:
        raise UnknownReference(f"grid_id: {exc.args[0]}") from None
    retired = ladder_units[Level.grid]
    if not retired.active:
        raise UnknownReference(f"grid_id: {retired.id!r} is retired"
                               + (f"; its successor is {retired.successor_id!r}" if retired.successor_id else ""))
    ladder = {level: org.ref(u.id) for level, u in ladder_units.items()}
    matter = matter_context(org, catalogue, ladder, report.matter_code)
    involved = {u.id for refs in matter.routable.values() for u in refs} | {u.id for u in ladder.values()}
    parents = {uid: org.unit(uid).parent_id for uid in sorted(involved)}

    def unit_of(principal_id: str | None, field: str) -> str | None:
        if principal_id is None:
            return None
        principal = org.principals.get(principal_id)
        if principal is None:
            raise UnknownReference(f"{field}: unknown principal {principal_id!r}")
        return principal.unit_id

    return IssueContext(
        ladder=ladder, matter=matter, matter_codes=sorted(catalogue.matters), parents=parents,
        reporter_unit_id=unit_of(report.reporter.principal_id, "reporter.principal_id"),
        submitter_unit_id=unit_of(report.submitted_by, "submitted_by"), rules=rules,
    )
