"""``/v1/assessments``: the quarterly (季度考核参考意见) and annual (年度考核) assessment of a district's streets or
departments, and of a city's own departments.

- ``GET /v1/assessments?period=2026-Q4&level=street`` — JSON, or CSV with ``Accept: text/csv``: the version in
  force with the history of its versions, else the figures so far marked ``provisional``; ``period=2026`` for
  the year;
- ``GET /v1/assessments/print?…&format=html|pdf`` — the printable page;
- ``POST /v1/assessments/issue`` — issue a period whose evidence is in, now (district and city supervisors); the
  Schedule does it after every quarter by itself, once the evaluation windows have closed;
- ``POST /v1/assessments/{id}/amendments`` — a city supervisor issues the next version, with a reason: the
  figures as they stand now, beside the versions before it, none of which changes.

Supervisors and leaders read it; the district is the caller's own (a city's supervisors name one). Below the
district, a caller sees the rows of the units in their jurisdiction, ranked among all of the district's.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field
from temporalio.client import WorkflowFailureError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.service import RPCError

from activities.assessment_issuing import Issued, IssueQuarter
from api.assessment_tables import to_csv, to_html, to_pdf
from api.deps import Caller, CallerDep, Services, ServicesDep
from api.problems import COMMON_RESPONSES, Problem, invalid, temporal_unavailable
from api.routes.stats import CSV
from api.schemas import Text
from domain.capabilities import amends_assessments, reads_statistics
from domain.organisation import Level, Role, UnitKind
from store import assessments
from store.assessments import AssessedLevel, Assessment
from store.db import transaction
from store.figures import Period
from workflows import QuarterlyAssessment

router = APIRouter(prefix="/v1/assessments", tags=["assessments"], responses=COMMON_RESPONSES)

PeriodQ = Annotated[str, Query(max_length=7, description="the quarter, YYYY-Qn, or the year, YYYY",
                               examples=["2026-Q4", "2026"])]
LevelQ = Annotated[AssessedLevel, Query(description="street: the district's streets; department: its departments; "
                                                    "city_department: the city's own (name the city as district)")]
DistrictQ = Annotated[str | None, Query(max_length=200, description="default: the caller's district")]
RESPONSES: dict[int | str, dict[str, Any]] = {200: {"content": {CSV: {"schema": {"type": "string"}}},
                                                    "description": "the assessment, or CSV"}}


def _district(services: Services, caller: Caller, district: str | None,
              level: AssessedLevel = AssessedLevel.street) -> str:
    org = services.organisation
    if level is AssessedLevel.city_department:
        city = next(u for u in org.ancestors(caller.unit_id) if u.level is Level.city)
        if district not in (None, city.id):
            raise Problem("not-found", f"no city {district!r} in your jurisdiction")
        return city.id
    if district is None:
        chain = org.ancestors(caller.unit_id)
        found = next((u.id for u in chain if u.level is Level.district and u.kind is UnitKind.territorial), None)
        if found is None:
            raise invalid("district", "name the district (your unit is above the districts)")
        return found
    unit = org.units.get(district)
    visible = district in caller.subtree or (unit is not None and org.in_subtree(caller.unit_id, district))
    if unit is None or unit.level is not Level.district or not visible:
        raise Problem("not-found", f"no district {district!r} in your jurisdiction")
    return district


def _quarter(services: Services, period: str) -> Period:
    try:
        return Period.assessed(period, tz=services.settings.tz)
    except ValueError as exc:
        raise invalid("period", str(exc), str(exc)) from None


def _read(services: Services, caller: Caller, period: str, level: AssessedLevel, district: str | None) -> Assessment:
    if not reads_statistics(caller.actor):
        raise Problem("not-permitted", "assessments are for supervisors and leaders")
    district_id = _district(services, caller, district, level)
    quarter = _quarter(services, period)
    bands = assessments.parse_bands(services.settings.assessment_bands)

    def load() -> Assessment:
        with services.sessions() as session:
            kept = assessments.stored(session, district_id, level, quarter.label)
            if kept is not None:
                return kept
            return assessments.compute(session, services.organisation, services.figures_scope(), district_id, level,
                                       quarter, bands)

    return _visible(caller, load())


def _visible(caller: Caller, result: Assessment) -> Assessment:
    """Below the district (or the city), the rows of the caller's own units."""
    if result.district_id in caller.subtree:
        return result
    return result.model_copy(update={"rows": [r for r in result.rows if r.unit_id in caller.subtree]})


@router.get("", response_model=Assessment, responses=RESPONSES,
            summary="A quarter's assessment of a district's streets or departments (provisional until issued)")
async def read(request: Request, caller: CallerDep, services: ServicesDep, period: PeriodQ, level: LevelQ,
               district: DistrictQ = None) -> Assessment | Response:
    result = await run_in_threadpool(_read, services, caller, period, level, district)
    if CSV in request.headers.get("accept", ""):
        return Response(to_csv(result), media_type=CSV)
    return result


@router.get("/print", summary="The printable assessment: an HTML page, or a PDF",
            responses={200: {"content": {"text/html": {}, "application/pdf": {}}, "description": "the page"}})
async def printable(caller: CallerDep, services: ServicesDep, period: PeriodQ, level: LevelQ,
                    district: DistrictQ = None, format: Literal["html", "pdf"] = "html") -> Response:
    result = await run_in_threadpool(_read, services, caller, period, level, district)
    name = services.organisation.unit(result.district_id).name
    if format == "pdf":
        pdf = await run_in_threadpool(to_pdf, result, name)
        filename = f"assessment-{result.period}-{result.level}.pdf"
        return Response(pdf, media_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{filename}"'})
    return Response(to_html(result, name), media_type="text/html; charset=utf-8")


class IssueRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: str = Field(max_length=7, examples=["2026-Q3"], description="a quarter that has ended")
    district: str | None = Field(default=None, max_length=200,
                                 description="a district's supervisors issue their own district (the default); the "
                                             "city's may name one, or leave it out for every district")


@router.post("/issue", response_model=list[Issued],
             summary="Issue a quarter's assessment now (district and city supervisors); issuing again changes nothing")
async def issue_now(body: IssueRequest, caller: CallerDep, services: ServicesDep) -> list[Issued]:
    unit = services.organisation.unit(caller.unit_id)
    if Role.supervisor not in caller.roles or unit.level.rank < Level.district.rank:
        raise Problem("not-permitted", "the district's and the city's supervisors issue assessments")
    quarter = _quarter(services, body.period)
    now = datetime.now(UTC)
    if quarter.end > now:
        raise invalid("period", f"{quarter.label} has not ended yet")
    due = await run_in_threadpool(
        assessments.due_at, quarter, services.directory.get().directory.rules.assessment_after_working_days,
        services.calendar.is_workday)
    if due > now:
        raise invalid("period", f"the evaluation windows of {quarter.label} close before "
                                f"{due.astimezone(services.settings.tz):%Y-%m-%d %H:%M}: it is issued then")
    whole_city = body.district is None and services.at_the_top(caller)
    districts = None if whole_city else [_district(services, caller, body.district)]
    run_id = f"assessment-{quarter.label}" + ("" if districts is None else f"-{districts[0]}")
    try:
        return await services.client.execute_workflow(
            QuarterlyAssessment.run, IssueQuarter(period=quarter.label, districts=districts), id=run_id,
            task_queue=services.settings.task_queue, id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING)
    except WorkflowFailureError as exc:
        raise temporal_unavailable(exc.cause or exc, "issuing the assessment") from None
    except RPCError as exc:
        raise temporal_unavailable(exc) from None


class AmendmentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Text = Field(min_length=1, max_length=1000)


@router.post("/{assessment_id}/amendments", response_model=Assessment, status_code=201,
             summary="Amend an issued assessment (city supervisors): a new version beside the old, with the reason")
async def amend(assessment_id: Annotated[int, Path(ge=1, le=2**31 - 1)], body: AmendmentRequest, caller: CallerDep,
                services: ServicesDep) -> Assessment:
    if not amends_assessments(caller.actor, services.at_the_top(caller)):
        raise Problem("not-permitted", "the city's supervisors amend assessments")
    bands = assessments.parse_bands(services.settings.assessment_bands)

    def run() -> Assessment:
        with transaction(services.sessions) as session:  # commits the amendment, or nothing
            current = assessments.stored_by_id(session, assessment_id)
            if current is None or current.district_id not in caller.subtree:
                raise Problem("not-found", f"no issued assessment {assessment_id}")
            fresh = assessments.compute(session, services.organisation, services.figures_scope(),
                                        current.district_id, current.level,
                                        _quarter(services, current.period), bands)
            try:
                kept = assessments.amend(session, assessment_id, current, fresh, caller.principal.id, body.reason,
                                         datetime.now(UTC))
            except (assessments.NotCurrent, assessments.Unchanged) as exc:
                raise Problem("wrong-state", str(exc)) from None
            return kept

    return await run_in_threadpool(run)
