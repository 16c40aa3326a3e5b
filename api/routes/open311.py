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

import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from shapely.geometry import shape
from sqlalchemy import func, or_, select

from api import live
from api.deps import Caller, Services, ServicesDep, client_address
from api.problems import Problem
from api.schemas import EARLIEST, LATEST, text_problem
from domain.catalogue import Matter
from domain.messages import IssueReport, Location, Reporter, Source
from domain.organisation import Level, UnitKind
from domain.state import Resolution, Step
from store import api_keys, models
from store.grids import OutsideEveryGrid

router = APIRouter(prefix="/open311/v2", tags=["open311"])

SPEC = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-24T00:00:00Z"
MAX_REQUESTS = 1000
DEFAULT_SPAN = timedelta(days=90)

#: what the public reads about a closed request (status_notes): the kind of outcome, never its text
OUTCOME_NOTES: dict[str, dict[str, str]] = {
    "zh": {Resolution.resolved: "已办结", Resolution.resolved_on_site: "已即查即办",
           Resolution.mediated: "已调解", Resolution.rejected: "不予受理"},
    "en": {Resolution.resolved: "resolved", Resolution.resolved_on_site: "resolved on the spot",
           Resolution.mediated: "settled by mediation", Resolution.rejected: "not accepted"},
}
#: issues the public never sees: withdrawn by their reporter, or filed twice
UNPUBLISHED = (Resolution.withdrawn.value, Resolution.duplicate.value)

#: what a resident reads about each step (status_notes), by language
STEP_NOTES: dict[str, dict[Step, str]] = {
    "zh": {Step.discovery: "网格员核实中", Step.whistle: "已吹哨，等待派单", Step.report: "相关部门报到中",
           Step.consultation: "多部门会商中", Step.handling: "办理中", Step.feedback: "办理结果核验中",
           Step.evaluation: "请评价办理结果", Step.review: "复核中"},
    "en": {Step.discovery: "being verified by the grid worker", Step.whistle: "whistle blown, awaiting dispatch",
           Step.report: "units are reporting for duty", Step.consultation: "units are consulting",
           Step.handling: "being handled", Step.feedback: "the result is being verified",
           Step.evaluation: "please rate the result", Step.review: "under review"},
}


class Open311Error(Exception):
    def __init__(self, code: int, description: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.headers = code, description, dict(headers or {})


# --- rendering ---------------------------------------------------------------------------------------


def _fmt(fmt: str) -> str:
    if fmt not in ("json", "xml"):
        raise Open311Error(404, f"unknown format {fmt!r}: use .json or .xml")
    return fmt


def _xml_value(parent: ET.Element, tag: str, value: Any) -> None:
    node = ET.SubElement(parent, tag)
    if isinstance(value, Mapping):
        for k, v in value.items():
            _xml_value(node, k, v)
    elif isinstance(value, list):
        item_tag = {"attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format"}.get(
            tag, "item")
        for v in value:
            _xml_value(node, item_tag, v)
    elif value is not None:
        node.text = str(value).lower() if isinstance(value, bool) else str(value)


def _render(fmt: str, root: str, item: str | None, body: Any, status: int = 200) -> Response:
    if fmt == "json":
        return Response(_json(body), status_code=status, media_type="application/json")
    top = ET.Element(root)
    if item is None:
        for k, v in body.items():
            _xml_value(top, k, v)
    else:
        for entry in body:
            _xml_value(top, item, entry)
    xml = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8")
    return Response(xml, status_code=status, media_type="text/xml; charset=utf-8")


def _json(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode()


def _error(fmt: str, exc: Open311Error) -> Response:
    response = _render(fmt if fmt in ("json", "xml") else "json", "errors", "error",
                       [{"code": exc.code, "description": exc.description}], exc.code)
    response.headers.update(exc.headers)
    return response


def _language(request: Request) -> str:
    asked = (request.query_params.get("locale") or request.headers.get("accept-language") or "en").lower()
    return "zh" if asked.startswith("zh") else "en"


def _check_jurisdiction(services: Services, params: Mapping[str, str]) -> None:
    wanted = params.get("jurisdiction_id")
    root = next(u.id for u in services.organisation.units.values() if u.parent_id is None)
    if wanted not in (None, "", root):
        raise Open311Error(404, f"unknown jurisdiction_id {wanted!r}; this endpoint serves {root!r}")


def _integration(services: Services, key: str | None, request: Request) -> Caller:
    """The integration an ``api_key`` names. Wrong keys count against the client's address as bad tokens do:
    beyond the limit the next wrong one gets 429."""
    if not key:
        raise Open311Error(403, "an api_key is required")
    with services.sessions() as session:
        principal_id = api_keys.principal_for(session, key)
    principal = services.organisation.principals.get(principal_id or "")
    try:
        if principal is None or not principal.active:
            address = client_address(services, request)
            services.auth_failures.refuse_if_spent(address)
            services.auth_failures.count(address)
            raise Open311Error(403, "the api_key is not valid (unknown, revoked or expired)")
        services.limiter.check(principal.id)
    except Problem as exc:
        raise Open311Error(exc.status, exc.detail or "too many requests", exc.headers) from None
    return Caller(principal=principal, subtree=services.subtree(principal.unit_id))


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
        raise Open311Error(exc.status, exc.detail or "too many requests", exc.headers) from None


# --- services -----------------------------------------------------------------------------------------


def _service(m: Matter, lang: str) -> dict[str, Any]:
    return {"service_code": m.code, "service_name": m.name if lang == "zh" else m.name_en,
            "description": f"{m.name} / {m.name_en}", "metadata": True, "type": "realtime",
            "keywords": ",".join([m.category, *m.departments]),
            "group": m.category_name if lang == "zh" else m.category}


def _definition(m: Matter) -> dict[str, Any]:
    return {"service_code": m.code, "attributes": [
        {"variable": True, "code": "title", "datatype": "string", "required": False, "order": 1,
         "datatype_description": "a short title (up to 200 characters)", "description": "标题 / title"},
        {"variable": True, "code": "urgent", "datatype": "singlevaluelist", "required": False, "order": 2,
         "datatype_description": "", "description": "紧急 / urgent",
         "values": [{"key": "false", "name": "否 / no"}, {"key": "true", "name": "是 / yes"}]},
        {"variable": True, "code": "grid_id", "datatype": "string", "required": False, "order": 3,
         "datatype_description": "the grid, when the request has an address but no lat/long",
         "description": "网格 / grid"},
    ]}


@router.get("/discovery.{fmt}", summary="Open311 discovery")
def discovery(fmt: str, request: Request) -> Response:
    base = str(request.base_url).rstrip("/") + "/open311/v2/"
    body = {"changeset": CHANGESET, "contact": "the district's issue desk (吹哨报到)",
            "key_service": "an integration's key: `whistle api-key create PRINCIPAL`",
            "endpoints": [{"specification": SPEC, "url": base, "changeset": CHANGESET, "type": "production",
                           "formats": ["application/json", "text/xml"]}]}
    try:
        return _render(_fmt(fmt), "discovery", None, body)
    except Open311Error as exc:
        return _error(fmt, exc)


@router.get("/services.{fmt}", summary="The matter catalogue as Open311 services")
def services_list(fmt: str, request: Request, services: ServicesDep) -> Response:
    try:
        _reader(services, request)
        lang = _language(request)
        body = [_service(m, lang) for m in services.catalogue.matters.values()]
        return _render(_fmt(fmt), "services", "service", body)
    except Open311Error as exc:
        return _error(fmt, exc)


@router.get("/services/{service_code}.{fmt}", summary="A service's attributes")
def service_definition(service_code: str, fmt: str, request: Request, services: ServicesDep) -> Response:
    try:
        _reader(services, request)
        matter = services.catalogue.matters.get(service_code)
        if matter is None:
            raise Open311Error(404, f"unknown service_code {service_code!r}")
        return _render(_fmt(fmt), "service_definition", None, _definition(matter))
    except Open311Error as exc:
        return _error(fmt, exc)


# --- requests -----------------------------------------------------------------------------------------


def _float(params: Mapping[str, str], name: str) -> float | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        return float(raw)
    except ValueError:
        raise Open311Error(400, f"{name} must be a number") from None


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
    lat, lon = _float(params, "lat"), _float(params, "long")
    location = None
    if lat is not None and lon is not None:
        try:
            location = Location(lat=lat, lon=lon)
            grid_id = services.grids().find(lon, lat)
        except ValidationError:
            raise Open311Error(400, "lat must lie in -90..90 and long in -180..180") from None
        except OutsideEveryGrid as exc:
            raise Open311Error(400, f"{exc}: this endpoint serves only its own grids") from None
    elif params.get("address_string") and params.get("attribute[grid_id]"):
        grid_id = params["attribute[grid_id]"]
        unit = services.organisation.units.get(grid_id)
        if unit is None or unit.level is not Level.grid or unit.kind is not UnitKind.territorial:
            raise Open311Error(400, f"attribute[grid_id] {grid_id!r} is not a grid")
    else:
        raise Open311Error(400, "give lat and long (or address_string with attribute[grid_id]) to place the request")
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
        fmt = _fmt(fmt)
        if "api_key" in request.query_params:
            raise Open311Error(400, "send the api_key in the form body: a URL is written to logs and proxies")
        raw = (await request.body()).decode("utf-8", errors="strict")
        params = {**dict(request.query_params), **dict(parse_qsl(raw, keep_blank_values=True))}
        _check_jurisdiction(services, params)
        caller = _integration(services, params.get("api_key"), request)
        key = request.headers.get("idempotency-key")
        issue_id = live.new_issue_id(caller, key)
        report = await run_in_threadpool(_report, services, caller, params, issue_id)  # may load the grids' shapes
        body = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "api_key")
        try:
            await live.start_issue(services, caller, report, body, key)
        except Problem as exc:
            raise Open311Error(exc.status if exc.status < 500 else 503, exc.detail or exc.title) from None
        return _render(fmt, "service_requests", "request",
                       [{"service_request_id": issue_id, "service_notice": "", "account_id": None}])
    except UnicodeDecodeError:
        return _error(fmt, Open311Error(400, "the body must be UTF-8, form-encoded"))
    except Open311Error as exc:
        return _error(fmt, exc)


def _dt(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


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


def _public(services: Services, rows: Sequence[models.Issue], lang: str) -> list[dict[str, Any]]:
    grids = services.grids()
    centres = {g: shape(s).centroid for g, s in zip(grids.ids, grids.shapes, strict=True)}
    ids = [r.id for r in rows]
    with services.sessions() as session:
        updated = dict(session.execute(select(models.TimelineEvent.issue_id, func.max(models.TimelineEvent.at))
                                       .where(models.TimelineEvent.issue_id.in_(ids))
                                       .group_by(models.TimelineEvent.issue_id)).all())
        handling = dict(session.execute(select(models.Task.issue_id, func.max(models.Task.due_at))
                                        .where(models.Task.issue_id.in_(ids), models.Task.kind == "handle")
                                        .group_by(models.Task.issue_id)).all())
    out = []
    org, cat = services.organisation, services.catalogue
    for r in rows:
        matter = cat.matters.get(r.matter_code)
        lead = org.units.get(r.lead_unit_id or "")
        centre = centres.get(r.grid_id)
        grid = org.units.get(r.grid_id)
        closed = r.status != "open"
        name = (matter.name if lang == "zh" else matter.name_en) if matter else r.matter_code
        out.append({
            "service_request_id": r.id, "status": "closed" if closed else "open",
            "status_notes": (OUTCOME_NOTES[lang].get(r.resolution or "", "") if closed
                             else STEP_NOTES[lang].get(Step(r.step), r.step)),
            "service_name": name, "service_code": r.matter_code, "description": name,
            "agency_responsible": (lead.name if lang == "zh" else lead.name_en) if lead else None,
            "service_notice": "", "requested_datetime": _dt(r.created_at),
            "updated_datetime": _dt(updated.get(r.id) or r.created_at), "expected_datetime": _dt(handling.get(r.id)),
            "address": (grid.name if lang == "zh" else grid.name_en) if grid else None,
            "address_id": r.grid_id, "zipcode": None,
            "lat": round(centre.y, 5) if centre else None, "long": round(centre.x, 5) if centre else None,
            "media_url": None,
        })
    return out


def _published() -> Any:
    return or_(models.Issue.resolution.is_(None), models.Issue.resolution.not_in(UNPUBLISHED))


@router.get("/requests.{fmt}", summary="Issues, as public requests")
def list_requests(fmt: str, request: Request, services: ServicesDep) -> Response:
    try:
        fmt = _fmt(fmt)
        params = request.query_params
        _reader(services, request)
        query = select(models.Issue).where(_published())
        ids = [i.strip() for i in (params.get("service_request_id") or "").split(",") if i.strip()]
        if ids:  # overrides every other filter, as the spec says
            query = query.where(models.Issue.id.in_(ids[:MAX_REQUESTS]))
        else:
            codes = [c.strip() for c in (params.get("service_code") or "").split(",") if c.strip()]
            if codes:
                query = query.where(models.Issue.matter_code.in_(codes))
            end = _when(params, "end_date") or datetime.now(UTC)
            start = _when(params, "start_date") or end - DEFAULT_SPAN
            if end - start > DEFAULT_SPAN:
                raise Open311Error(400, "start_date and end_date may span at most 90 days")
            query = query.where(models.Issue.created_at >= start, models.Issue.created_at <= end)
            statuses = {s.strip() for s in (params.get("status") or "").split(",") if s.strip()}
            if statuses - {"open", "closed"}:
                raise Open311Error(400, "status is open, closed, or both (comma-separated)")
            if statuses == {"open"}:
                query = query.where(models.Issue.status == "open")
            elif statuses == {"closed"}:
                query = query.where(models.Issue.status != "open")
        with services.sessions() as session:
            rows = session.scalars(query.order_by(models.Issue.created_at.desc()).limit(MAX_REQUESTS)).all()
        return _render(fmt, "service_requests", "request", _public(services, rows, _language(request)))
    except Open311Error as exc:
        return _error(fmt, exc)


@router.get("/requests/{service_request_id}.{fmt}", summary="One issue, as a public request")
def get_request(service_request_id: str, fmt: str, request: Request, services: ServicesDep) -> Response:
    try:
        fmt = _fmt(fmt)
        _reader(services, request)
        with services.sessions() as session:
            row = session.get(models.Issue, service_request_id)
        if row is None or row.resolution in UNPUBLISHED:
            raise Open311Error(404, f"no request {service_request_id!r}")
        return _render(fmt, "service_requests", "request", _public(services, [row], _language(request)))
    except Open311Error as exc:
        return _error(fmt, exc)
