"""``/v1/issues``: report an issue, list them, see one live, act on it, audit it."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from api import intake, live
from api.deps import Caller, CallerDep, IdempotencyKey, Services, ServicesDep, SessionDep
from api.problems import COMMON_RESPONSES, Problem, invalid
from api.schemas import ActionIn, IssueCreate, IssueOut, IssuePage, IssueSummary, UtcDatetime
from audit import AuditReport, audit_issue, without_personal
from domain.access import in_subtree, is_staff
from domain.capabilities import files_for_others, filing_sources, may_file_for, reads_audit, reads_payloads
from domain.messages import IssueReport, Reporter, Source
from domain.organisation import Level, Role
from domain.state import Status
from domain.task_state import Step
from store import models
from store.grids import NotAGrid, OutsideEveryGrid, report_grid
from store.queries import BadCursor, IssueFilters, IssueSort, Scope, holders, list_issues

router = APIRouter(prefix="/v1/issues", tags=["issues"], responses=COMMON_RESPONSES)

def _report(services: Services, caller: Caller, body: IssueCreate, issue_id: str) -> IssueReport:
    org, cat = services.organisation, services.catalogue
    if body.matter_code not in cat.matters:
        raise invalid("matter_code", "unknown matter; see GET /v1/matters",
                      f"matter_code: unknown matter {body.matter_code!r}")
    if body.grid_id is None and body.location is None:
        raise invalid("grid_id", "give grid_id, or a location to find the grid", "grid_id: required without location")
    point = (body.location.lon, body.location.lat) if body.location is not None else None
    try:
        grid_id = report_grid(org, services.grids, body.grid_id, point)
    except OutsideEveryGrid as exc:
        raise invalid("location", "outside every grid of this organisation", f"location: {exc}") from None
    except NotAGrid as exc:
        raise invalid("grid_id", "not a grid; see GET /v1/units?level=grid",
                      f"grid_id: {exc.grid_id!r} is not a grid") from None
    body = body.model_copy(update={"grid_id": grid_id})
    source = body.source
    reporter = body.reporter
    if caller.has(Role.resident) and not files_for_others(caller.actor):
        if source not in (None, *filing_sources(caller.actor)):
            raise invalid("source", "must be 'resident' (or left out)", "source: a resident reports as 'resident'")
        if reporter is not None and reporter.principal_id not in (None, caller.id):
            raise Problem("not-permitted", "a resident reports for themself only")
        name = reporter.name if reporter else caller.principal.name
        rep = Reporter(name=name, phone=reporter.phone if reporter else None, principal_id=caller.id)
        return _build(issue_id, body, Source.resident, rep, submitted_by=None)
    if not files_for_others(caller.actor):
        raise Problem("not-permitted", f"{caller.id} may not report issues")
    if grid_id not in caller.subtree:
        raise Problem("not-permitted", f"grid {grid_id} is outside the jurisdiction of {caller.unit_id}")
    sources = filing_sources(caller.actor)  # the source follows the caller's role, never the body's wish
    if source is None:
        source = sources[0]
    elif source not in sources:
        allowed = " or ".join(f"'{s.value}'" for s in sources)
        raise invalid("source", f"{caller.id} files as {allowed} (or leave it out)",
                      f"source: {caller.id} files as {allowed}, not '{source.value}'")
    if reporter is None:
        raise invalid("reporter", "give at least the reporter's name",
                      "reporter: required when reporting for someone else")
    if reporter.principal_id is not None:
        who = org.principals.get(reporter.principal_id)
        if (who is None or Role.resident not in who.roles
                or not may_file_for(caller.actor, who.unit_id, in_subtree(caller.subtree))):
            # one answer for "no such resident" and "not yours": the caller learns nothing about other districts
            raise invalid("reporter.principal_id", "not a resident you may file for (staff: of your jurisdiction)",
                          f"reporter.principal_id: {reporter.principal_id!r} is not a resident you may file for")
    rep = Reporter(name=reporter.name, phone=reporter.phone, principal_id=reporter.principal_id)
    return _build(issue_id, body, source, rep, submitted_by=caller.id)


def _build(issue_id: str, body: IssueCreate, source: Source, reporter: Reporter,
           submitted_by: str | None) -> IssueReport:
    return IssueReport(issue_id=issue_id, source=source, title=body.title, description=body.description,
                       matter_code=body.matter_code, grid_id=body.grid_id or "", address=body.address,
                       location=body.location, reporter=reporter, urgent=body.urgent, photos=body.photos,
                       submitted_by=submitted_by)


@router.post("", status_code=201, response_model=IssueOut, summary="Report an issue")
async def create_issue(body: IssueCreate, caller: CallerDep, services: ServicesDep, response: Response,
                       idempotency_key: IdempotencyKey = None) -> IssueOut:
    issue_id = intake.new_issue_id(caller, idempotency_key)
    report = await run_in_threadpool(_report, services, caller, body, issue_id)  # it may load the grids' shapes
    state = await intake.start_issue(services, caller, report, body.model_dump_json(), idempotency_key)
    response.headers["Location"] = f"/v1/issues/{issue_id}"
    return live.issue_out(state.view, caller)


def _scope(caller: Caller) -> Scope:
    units = caller.subtree if is_staff(caller.actor) else ()
    return Scope(units=units, reporter_id=caller.id,
                 submitted_by=caller.id if caller.has(Role.integration) else None)


def _filters(step: Step | None = None, status: Status | None = None, level: Level | None = None,
             unit: Annotated[str | None, Query(max_length=200, description="involving this unit")] = None,
             category: Annotated[str | None, Query(max_length=50)] = None,
             matter: Annotated[str | None, Query(max_length=100)] = None,
             overdue: bool | None = None, urgent: bool | None = None,
             created_from: UtcDatetime | None = None, created_to: UtcDatetime | None = None,
             due_from: UtcDatetime | None = None, due_to: UtcDatetime | None = None,
             q: Annotated[str | None, Query(max_length=200, description="words in the title, id or matter")] = None,
             ) -> IssueFilters:
    return IssueFilters(step=step, status=status, level=level, unit=unit, category=category, matter=matter,
                        overdue=overdue, urgent=urgent, created_from=created_from, created_to=created_to,
                        due_from=due_from, due_to=due_to, text=q)


FiltersDep = Annotated[IssueFilters, Depends(_filters)]


def _summaries(session: Session, rows: Sequence[models.Issue]) -> list[IssueSummary]:
    held = holders(session, [r.id for r in rows])
    return [IssueSummary(issue_id=r.id, title=r.title, matter_code=r.matter_code, category=r.category,
                         source=r.source, urgent=r.urgent, grid_id=r.grid_id, street_id=r.street_id, step=r.step,
                         status=r.status, level=r.level, lead_unit_id=r.lead_unit_id, list_type=r.list_type,
                         whistle_kind=r.whistle_kind, outcome=r.outcome, due_at=r.due_at, overdue=r.overdue,
                         reworks=r.reworks, urges=r.urges, created_at=r.created_at, closed_at=r.closed_at,
                         holder_unit_ids=held[r.id])
            for r in rows]


@router.get("", response_model=IssuePage, summary="Issues within your jurisdiction (read model)")
def search_issues(
    caller: CallerDep, session: SessionDep, filters: FiltersDep,
    sort: IssueSort = "-created_at",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> IssuePage:
    try:
        rows, next_cursor = list_issues(session, _scope(caller), filters, sort, limit, cursor)
    except BadCursor as exc:
        raise invalid("cursor", str(exc)) from None
    return IssuePage(items=_summaries(session, rows), next_cursor=next_cursor)


#: the most issues one CSV download holds
CSV_MAX_ROWS = 20_000
CSV_COLUMNS = ["issue_id", "title", "matter_code", "category", "step", "status", "level", "holders", "lead_unit",
               "due_at", "overdue", "urgent", "reworks", "urges", "created_at", "closed_at"]


@router.get("/export.csv", summary="The issues a search finds, as CSV (names of units, times in the deployment's zone)",
            response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def export_issues(caller: CallerDep, session: SessionDep, services: ServicesDep, filters: FiltersDep,
                  sort: IssueSort = "-created_at") -> Response:
    org, tz = services.organisation, services.settings.tz

    def name(unit_id: str | None) -> str:
        return org.units[unit_id].name if unit_id in org.units else (unit_id or "")

    def local(at: datetime | None) -> str:
        return at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if at else ""

    def cell(text: str) -> str:  # a resident's words never run as a spreadsheet formula
        return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    cursor, written = None, 0
    while written < CSV_MAX_ROWS:
        rows, cursor = list_issues(session, _scope(caller), filters, sort, 200, cursor)
        for s in _summaries(session, rows):
            writer.writerow([s.issue_id, cell(s.title), s.matter_code, s.category, s.step, s.status, s.level,
                             "、".join(name(u) for u in s.holder_unit_ids), name(s.lead_unit_id), local(s.due_at),
                             "yes" if s.overdue else "no", "yes" if s.urgent else "no", s.reworks, s.urges,
                             local(s.created_at), local(s.closed_at)])
        written += len(rows)
        if cursor is None:
            break
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="issues.csv"'})


@router.get("/{issue_id}", response_model=IssueOut, summary="An issue's live state, with its open tasks")
async def get_issue(issue_id: str, caller: CallerDep, services: ServicesDep) -> IssueOut:
    state = await live.visible_issue(services, caller, issue_id)
    return live.issue_out(state.view, caller)


@router.post("/{issue_id}/actions", response_model=IssueOut, summary="Act on a task, or on the issue")
async def act(issue_id: str, body: ActionIn, caller: CallerDep, services: ServicesDep,
              idempotency_key: IdempotencyKey = None) -> IssueOut:
    return await live.act(services, caller, issue_id, body.task_id, body.action, body.data, idempotency_key)


@router.get("/{issue_id}/audit", response_model=AuditReport,
            summary="The domain timeline beside the raw Temporal history, and whether they agree")
async def audit(issue_id: str, caller: CallerDep, services: ServicesDep) -> AuditReport:
    await live.visible_issue(services, caller, issue_id)
    if not reads_audit(caller.actor):
        raise Problem("not-permitted", "the audit view is for supervisors")
    report = await audit_issue(services.client, services.sessions, issue_id)
    if reads_payloads(caller.actor, services.at_the_top(caller)):
        return report
    return await run_in_threadpool(without_personal, report)  # a long history's payloads: off the event loop

