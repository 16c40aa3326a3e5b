"""``/console/api``: the few things only the web console needs, beside the ``/v1`` API it otherwise uses.

- ``GET /console/api/config`` — the mode, the deployment's time zone and the Temporal Web UI, before sign-in;
- ``GET /console/api/principals`` and ``POST /console/api/token`` — the embedded mode's sign-in: the sample
  principals, and a token for the one chosen (signed like ``whistle token``), answered only to a browser on the
  API's own machine (peer and Host loopback, nothing forwarded). Elsewhere, and outside the embedded mode, tokens
  come from the single sign-on: both answer 403;
- ``GET /console/api/me`` — who the token names: unit, roles, the community above (for the board);
- ``GET /console/api/issues/{id}/report`` — the report as filed (description, address, point, photos), read
  from the start input of the issue's current run: the live view leaves it out. Staff who may see the issue
  and the one who filed it (not the residents who followed it with "me too"); never the reporter's name or phone;
- ``GET /console/api/issues/{id}/events`` — the staff timeline from the read model: who did what, when.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field
from temporalio.service import RPCError

from api import live
from api.deps import CallerDep, ServicesDep, client_address
from api.network import from_this_machine
from api.problems import COMMON_RESPONSES, Problem, invalid, temporal_unavailable
from api.schemas import MAX_ID
from audit import TimelineEntry, read_timeline
from domain.access import is_staff
from domain.capabilities import Capability, capabilities
from domain.messages import Location, Source
from domain.organisation import Level, Organisation, Principal, Role
from domain.state import IssueInput

router = APIRouter(prefix="/console/api", tags=["console"], responses=COMMON_RESPONSES)


class ConsoleConfig(BaseModel):
    mode: str = Field(description="embedded: sign in by picking a sample principal; production: single sign-on")
    timezone: str = Field(description="the zone dates are shown in")
    temporal_ui_url: str | None = Field(description="the Temporal Web UI's namespace page, when known")


class SamplePrincipal(BaseModel):
    id: str
    name: str
    unit_id: str
    unit_name: str
    unit_name_en: str
    level: Level
    roles: list[Role]


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    principal_id: str = Field(min_length=1, max_length=200, examples=["grid_worker@qh.hd.cy.c1.g1"])


class TokenOut(BaseModel):
    token: str
    principal_id: str
    expires_in_s: int


class Me(SamplePrincipal):
    community_id: str | None = Field(description="the community the unit lies in (or is), for the public board")
    capabilities: list[Capability] = Field(description="what the principal may open: the console's menu and pages")


class ReportOut(BaseModel):
    issue_id: str
    title: str
    description: str
    matter_code: str
    grid_id: str
    address: str
    location: Location | None
    urgent: bool
    photos: list[str]
    source: Source
    reported_at: datetime | None


@router.get("/config", response_model=ConsoleConfig, summary="How the console signs in, and the time zone")
def config(services: ServicesDep) -> ConsoleConfig:
    s = services.settings
    ui = (f"http://127.0.0.1:{s.temporal_ui_port}/namespaces/{s.temporal_namespace}/workflows"
          if s.mode == "embedded" else None)
    return ConsoleConfig(mode=s.mode, timezone=s.timezone, temporal_ui_url=ui)


def _embedded_only(services: ServicesDep, request: Request) -> None:
    """The sample sign-in hands out any principal's token, so it answers only in the embedded mode and only to a
    request made on this machine itself (never one forwarded by a proxy, whatever address it arrives from)."""
    services.limiter.check(f"ip:{client_address(services, request)}")
    if services.settings.mode != "embedded" or not services.tokens.signs_locally:
        raise Problem("not-permitted", "tokens come from the single sign-on outside the embedded mode")
    if not from_this_machine(request):
        raise Problem("not-permitted", "the sample sign-in answers only on the machine the API runs on (a browser "
                      "at 127.0.0.1, not through a proxy); elsewhere tokens come from the single sign-on")


@router.get("/principals", response_model=list[SamplePrincipal],
            summary="Embedded mode: the sample principals to sign in as")
def principals(services: ServicesDep, request: Request) -> list[SamplePrincipal]:
    _embedded_only(services, request)
    org = services.organisation
    return [_described(org, p) for p in sorted(org.principals.values(), key=lambda p: p.id) if p.active]


def _described(org: Organisation, principal: Principal) -> SamplePrincipal:
    unit = org.unit(principal.unit_id)
    return SamplePrincipal(id=principal.id, name=principal.name, unit_id=unit.id, unit_name=unit.name,
                           unit_name_en=unit.name_en, level=unit.level, roles=list(principal.roles))


@router.post("/token", response_model=TokenOut, summary="Embedded mode: a token for a sample principal")
def token(body: TokenRequest, services: ServicesDep, request: Request) -> TokenOut:
    _embedded_only(services, request)
    principal = services.organisation.principals.get(body.principal_id)
    if principal is None or not principal.active:
        raise invalid("principal_id", "not an active principal of the organisation")
    tokens = services.tokens
    return TokenOut(token=tokens.issue(body.principal_id), principal_id=body.principal_id,
                    expires_in_s=int(tokens.ttl.total_seconds()))


@router.get("/me", response_model=Me, summary="Who your token names")
def me(caller: CallerDep, services: ServicesDep) -> Me:
    org = services.organisation
    community = next((u for u in org.ancestors(caller.unit_id) if u.level is Level.community), None)
    return Me(**_described(org, caller.principal).model_dump(), community_id=community.id if community else None,
              capabilities=capabilities(caller.actor, services.at_the_top(caller), org.unit(caller.unit_id)))


@router.get("/issues/{issue_id}/report", response_model=ReportOut,
            summary="The report as filed: description, address, point, photos (staff who see it, the reporter)")
async def report(issue_id: str, caller: CallerDep, services: ServicesDep) -> ReportOut:
    seen = await live.visible_issue(services, caller, issue_id)
    staff = is_staff(caller.actor)
    if not staff and caller.id not in seen.access.reporter_ids:
        raise Problem("not-permitted", "the report is for the staff handling it and its reporter")
    handle = live.handle_of(services, issue_id)
    try:
        async for event in handle.fetch_history_events(page_size=1, rpc_timeout=live.RPC_TIMEOUT):
            payloads = event.workflow_execution_started_event_attributes.input.payloads
            (start,) = await services.client.data_converter.decode(list(payloads), [IssueInput])
            break
        else:
            raise Problem("not-found", f"no issue {issue_id!r}")
    except RPCError as exc:
        raise temporal_unavailable(exc) from None
    r = start.report
    if not staff and r.reporter.principal_id != caller.id:  # a follower ("me too") reads their own report only
        raise Problem("not-permitted", "the report is for the staff handling it and its reporter")
    # a report that named no time of its own was made when its issue started
    reported_at = r.reported_at or event.event_time.ToDatetime(tzinfo=UTC)
    return ReportOut(issue_id=r.issue_id, title=r.title, description=r.description, matter_code=r.matter_code,
                     grid_id=r.grid_id, address=r.address, location=r.location, urgent=r.urgent, photos=r.photos,
                     source=r.source, reported_at=reported_at)


class StaffEntry(TimelineEntry):
    """A timeline event as the staff read it: who by name and unit, not by id."""

    actor_name: str | None = None
    actor_unit_id: str | None = None
    actor_unit_name: str | None = None
    unit_name: str | None = None


@router.get("/issues/{issue_id}/events", response_model=list[StaffEntry],
            summary="Staff: the issue's timeline from the read model (who did what, when, by name and unit)")
async def events(issue_id: str, caller: CallerDep, services: ServicesDep,
                 after: Annotated[int, Query(ge=0, le=MAX_ID, description="only events after this sequence number")]
                 = 0,
                 ) -> list[StaffEntry]:
    await live.visible_issue(services, caller, issue_id)
    if not is_staff(caller.actor):
        raise Problem("not-permitted", "the staff timeline is for staff; residents follow /v1/issues/{id}/timeline")
    org = services.organisation
    out = []
    for entry in await run_in_threadpool(read_timeline, services.sessions, issue_id, after):
        person = org.principals.get(entry.actor_id) if entry.actor_id else None
        home = org.units.get(person.unit_id) if person else None
        unit = org.units.get(entry.unit_id) if entry.unit_id else None
        out.append(StaffEntry(**entry.model_dump(), actor_name=person.name if person else None,
                              actor_unit_id=home.id if home else None, actor_unit_name=home.name if home else None,
                              unit_name=unit.name if unit else None))
    return out
