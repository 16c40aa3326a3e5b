"""Open311 GeoReport v2 under ``/open311/v2``: civic-issue apps report issues and follow them, unmodified.

Services are the matter catalogue; requests are issues. Every resource answers as ``.json`` or ``.xml``.
Reading needs no key (as the spec and its clients expect), is rate-limited per client address, and shows only
what a community's public board shows: no text a person wrote (the matter's name stands for the description,
the kind of outcome for its text), no names, phones or exact addresses (the grid stands for the place, its
centre for the point), and no withdrawn or duplicate issues. A deployment may require a key for reading
(``WHISTLE_OPEN311_KEY_FOR_READS``). Posting always needs an
integration's ``api_key``; the issue is filed by that integration for the resident named in the request,
with the same idempotency (``Idempotency-Key``), rate limit and encryption as ``/v1``. Errors are the spec's
``[{"code", "description"}]`` with 400, 403, 404 (and 429, 503).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError

from api import intake
from api.deps import Caller, Services, ServicesDep, client_address
from api.integration_keys import caller_for_key
from api.open311_render import (
    Open311Error,
    checked_format,
    created,
    definition,
    discovery_body,
    error,
    public_requests,
    render,
    service,
)
from api.problems import Problem
from api.schemas import EARLIEST, LATEST, text_problem
from domain.messages import IssueReport, Location, Reporter, Source
from store.grids import NotAGrid, OutsideEveryGrid, report_grid
from store.open311 import PublicRequest, RequestQuery, find_request, find_requests

router = APIRouter(prefix="/open311/v2", tags=["open311"])

DEFAULT_SPAN = timedelta(days=90)


def _language(request: Request) -> str:
    asked = (request.query_params.get("locale") or request.headers.get("accept-language") or "en").lower()
    return "zh" if asked.startswith("zh") else "en"


def _check_jurisdiction(services: Services, params: Mapping[str, str]) -> None:
    wanted = params.get("jurisdiction_id")
    root = next(u.id for u in services.organisation.units.values() if u.parent_id is None)
    if wanted not in (None, "", root):
        raise Open311Error(404, f"unknown jurisdiction_id {wanted!r}; this endpoint serves {root!r}")


def _spec_error(exc: Problem) -> Open311Error:
    return Open311Error(exc.status, exc.detail or "too many requests", exc.headers)


def _integration(services: Services, key: str | None, request: Request) -> Caller:
    try:
        return caller_for_key(services, key, request)
    except Problem as exc:
        raise _spec_error(exc) from None


def _reader(services: Services, request: Request) -> None:
    """Anyone may read (rate-limited per client address), unless the deployment requires a key."""
    params = request.query_params
    _check_jurisdiction(services, params)
    if services.settings.open311_key_for_reads or params.get("api_key"):
        _integration(services, params.get("api_key"), request)
        return
    try:
        services.limiter.check(f"ip:{client_address(services, request)}")
    except Problem as exc:
        raise _spec_error(exc) from None


# --- services -----------------------------------------------------------------------------------------


@router.get("/discovery.{fmt}", summary="Open311 discovery")
def discovery(fmt: str, request: Request) -> Response:
    body = discovery_body(str(request.base_url).rstrip("/") + "/open311/v2/")
    try:
        return render(checked_format(fmt), "discovery", None, body)
    except Open311Error as exc:
        return error(fmt, exc)


@router.get("/services.{fmt}", summary="The matter catalogue as Open311 services")
def services_list(fmt: str, request: Request, services: ServicesDep) -> Response:
    try:
        _reader(services, request)
        lang = _language(request)
        body = [service(m, lang) for m in services.catalogue.matters.values()]
        return render(checked_format(fmt), "services", "service", body)
    except Open311Error as exc:
        return error(fmt, exc)


@router.get("/services/{service_code}.{fmt}", summary="A service's attributes")
def service_definition(service_code: str, fmt: str, request: Request, services: ServicesDep) -> Response:
    try:
        _reader(services, request)
        matter = services.catalogue.matters.get(service_code)
        if matter is None:
            raise Open311Error(404, f"unknown service_code {service_code!r}")
        return render(checked_format(fmt), "service_definition", None, definition(matter))
    except Open311Error as exc:
        return error(fmt, exc)


# --- requests -----------------------------------------------------------------------------------------


def _float(params: Mapping[str, str], name: str) -> float | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        return float(raw)
    except ValueError:
        raise Open311Error(400, f"{name} must be a number") from None


def _place(services: Services, params: Mapping[str, str]) -> tuple[str, Location | None]:
    """The grid a request is placed in, and its point if it has one: lat and long, else the grid it names."""
    lat, lon = _float(params, "lat"), _float(params, "long")
    location = None
    if lat is not None and lon is not None:
        try:
            location = Location(lat=lat, lon=lon)
        except ValidationError:
            raise Open311Error(400, "lat must lie in -90..90 and long in -180..180") from None
        named, point = None, (lon, lat)
    elif params.get("address_string") and params.get("attribute[grid_id]"):
        named, point = params["attribute[grid_id]"], None
    else:
        raise Open311Error(400, "give lat and long (or address_string with attribute[grid_id]) to place the request")
    try:
        return report_grid(services.organisation, services.grids, named, point), location
    except OutsideEveryGrid as exc:
        raise Open311Error(400, f"{exc}: this endpoint serves only its own grids") from None
    except NotAGrid as exc:
        raise Open311Error(400, f"attribute[grid_id] {exc.grid_id!r} is not a grid") from None


def _report(services: Services, caller: Caller, params: Mapping[str, str], issue_id: str) -> IssueReport:
    for name, value in params.items():
        problem = text_problem(name) or text_problem(value)
        if problem:
            raise Open311Error(400, f"{name}: {problem}")
    media = params.get("media_url") or ""
    if media and not media.lower().startswith("https://"):
        raise Open311Error(400, "media_url must be an https URL")
    code = params.get("service_code")
    matter = services.catalogue.matters.get(code or "")
    if matter is None:
        raise Open311Error(400 if not code else 404, f"service_code {code!r} is not a service of this endpoint")
    grid_id, location = _place(services, params)
    if grid_id not in caller.subtree:
        raise Open311Error(403, f"the grid {grid_id} is outside this integration's jurisdiction")
    description = (params.get("description") or "").strip() or matter.name
    name = " ".join(p for p in (params.get("first_name", "").strip(), params.get("last_name", "").strip()) if p)
    title = (params.get("attribute[title]") or description).strip()[:200]
    address = (params.get("address_string") or "").strip() or services.organisation.unit(grid_id).name
    try:
        return IssueReport(
            issue_id=issue_id, source=Source.open311, title=title, description=description[:8000],
            matter_code=matter.code, grid_id=grid_id, address=address[:500], location=location,
            reporter=Reporter(name=name[:100] or "匿名市民", phone=(params.get("phone") or None)),
            urgent=params.get("attribute[urgent]", "").lower() in ("true", "1", "yes"),
            photos=[params["media_url"]] if params.get("media_url") else [], submitted_by=caller.id)
    except ValidationError as exc:
        where = ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors())
        raise Open311Error(400, f"the request does not fit: {where}") from None


@router.post("/requests.{fmt}", summary="Report an issue (form-encoded, with an api_key)")
async def create_request(fmt: str, request: Request, services: ServicesDep) -> Response:
    try:
        fmt = checked_format(fmt)
        if "api_key" in request.query_params:
            raise Open311Error(400, "send the api_key in the form body: a URL is written to logs and proxies")
        raw = (await request.body()).decode("utf-8", errors="strict")
        params = {**dict(request.query_params), **dict(parse_qsl(raw, keep_blank_values=True))}
        _check_jurisdiction(services, params)
        caller = _integration(services, params.get("api_key"), request)
        key = request.headers.get("idempotency-key")
        issue_id = intake.new_issue_id(caller, key)
        report = await run_in_threadpool(_report, services, caller, params, issue_id)  # may load the grids' shapes
        body = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "api_key")
        try:
            await intake.start_issue(services, caller, report, body, key)
        except Problem as exc:
            raise Open311Error(exc.status if exc.status < 500 else 503, exc.detail or exc.title) from None
        return render(fmt, "service_requests", "request", created(issue_id))
    except UnicodeDecodeError:
        return error(fmt, Open311Error(400, "the body must be UTF-8, form-encoded"))
    except Open311Error as exc:
        return error(fmt, exc)


def _when(params: Mapping[str, str], name: str) -> datetime | None:
    raw = params.get(name)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, f"{name} must be a w3c datetime, e.g. 2026-11-01T00:00:00Z") from None
    if value.tzinfo is None:
        raise Open311Error(400, f"{name} needs a time zone (Z or +08:00)")
    if not EARLIEST + DEFAULT_SPAN <= value <= LATEST:  # a span is subtracted from it: keep within the calendar
        raise Open311Error(400, f"{name} must lie between {(EARLIEST + DEFAULT_SPAN):%Y-%m-%d} and {LATEST:%Y-%m-%d}")
    return value


def _listed(params: Mapping[str, str], name: str) -> list[str]:
    return [v.strip() for v in (params.get(name) or "").split(",") if v.strip()]


def _query(params: Mapping[str, str]) -> RequestQuery:
    """The requests a reader asks for: by id (which overrides every other filter, as the spec says), else by
    service code, a window of at most 90 days (the last 90 days unless told), and status."""
    ids = _listed(params, "service_request_id")
    if ids:
        return RequestQuery(ids=ids)
    end = _when(params, "end_date") or datetime.now(UTC)
    start = _when(params, "start_date") or end - DEFAULT_SPAN
    if end - start > DEFAULT_SPAN:
        raise Open311Error(400, "start_date and end_date may span at most 90 days")
    statuses = set(_listed(params, "status"))
    if statuses - {"open", "closed"}:
        raise Open311Error(400, "status is open, closed, or both (comma-separated)")
    status: Literal["open", "closed"] | None = (
        "open" if statuses == {"open"} else "closed" if statuses == {"closed"} else None)
    return RequestQuery(codes=_listed(params, "service_code"), start=start, end=end, status=status)


def _public(services: Services, request: Request, found: list[PublicRequest]) -> list[dict[str, Any]]:
    return public_requests(found, services.grids(), services.organisation, services.catalogue, _language(request))


@router.get("/requests.{fmt}", summary="Issues, as public requests")
def list_requests(fmt: str, request: Request, services: ServicesDep) -> Response:
    try:
        fmt = checked_format(fmt)
        _reader(services, request)
        query = _query(request.query_params)
        with services.sessions() as session:
            found = find_requests(session, query)
        return render(fmt, "service_requests", "request", _public(services, request, found))
    except Open311Error as exc:
        return error(fmt, exc)


@router.get("/requests/{service_request_id}.{fmt}", summary="One issue, as a public request")
def get_request(service_request_id: str, fmt: str, request: Request, services: ServicesDep) -> Response:
    try:
        fmt = checked_format(fmt)
        _reader(services, request)
        with services.sessions() as session:
            found = find_request(session, service_request_id)
        if found is None:
            raise Open311Error(404, f"no request {service_request_id!r}")
        return render(fmt, "service_requests", "request", _public(services, request, [found]))
    except Open311Error as exc:
        return error(fmt, exc)
