"""Open311 GeoReport v2 answers, as ``.json`` or ``.xml``: the spec's errors, its services and their attributes,
and issues as public requests.

A public request shows only what a community's public board shows: the matter's name stands for the description,
the kind of outcome for its text, the grid for the place and its centre for the point; no names, phones or exact
addresses.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi import Response
from shapely.geometry import shape

from domain.catalogue import Catalogue, Matter
from domain.organisation import Organisation
from domain.state import Resolution
from domain.task_state import Step
from store.grids import GridIndex
from store.open311 import PublicRequest

SPEC = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-24T00:00:00Z"

#: what the public reads about a closed request (status_notes): the kind of outcome, never its text
OUTCOME_NOTES: dict[str, dict[str, str]] = {
    "zh": {Resolution.resolved: "已办结", Resolution.resolved_on_site: "已即查即办",
           Resolution.mediated: "已调解", Resolution.rejected: "不予受理"},
    "en": {Resolution.resolved: "resolved", Resolution.resolved_on_site: "resolved on the spot",
           Resolution.mediated: "settled by mediation", Resolution.rejected: "not accepted"},
}

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
    """Raised by an Open311 route to answer with the spec's ``[{"code", "description"}]`` and that status."""

    def __init__(self, code: int, description: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.headers = code, description, dict(headers or {})


# --- formats ------------------------------------------------------------------------------------------


def checked_format(fmt: str) -> str:
    """``fmt`` if this endpoint speaks it; else a 404."""
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


def render(fmt: str, root: str, item: str | None, body: Any, status: int = 200) -> Response:
    """``body`` as JSON, or as XML under ``root``: a mapping's fields, or a list's entries each as an ``item``."""
    if fmt == "json":
        return Response(json.dumps(body, ensure_ascii=False).encode(), status_code=status,
                        media_type="application/json")
    top = ET.Element(root)
    if item is None:
        for k, v in body.items():
            _xml_value(top, k, v)
    else:
        for entry in body:
            _xml_value(top, item, entry)
    xml = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8")
    return Response(xml, status_code=status, media_type="text/xml; charset=utf-8")


def error(fmt: str, exc: Open311Error) -> Response:
    """The spec's error list, in the format asked for (JSON when the format itself was wrong)."""
    response = render(fmt if fmt in ("json", "xml") else "json", "errors", "error",
                      [{"code": exc.code, "description": exc.description}], exc.code)
    response.headers.update(exc.headers)
    return response


# --- services -----------------------------------------------------------------------------------------


def discovery_body(base: str) -> dict[str, Any]:
    """Where this endpoint is and what it speaks; ``base`` is its URL."""
    return {"changeset": CHANGESET, "contact": "the district's issue desk (吹哨报到)",
            "key_service": "an integration's key: `whistle api-key create PRINCIPAL`",
            "endpoints": [{"specification": SPEC, "url": base, "changeset": CHANGESET, "type": "production",
                           "formats": ["application/json", "text/xml"]}]}


def service(m: Matter, lang: str) -> dict[str, Any]:
    return {"service_code": m.code, "service_name": m.name if lang == "zh" else m.name_en,
            "description": f"{m.name} / {m.name_en}", "metadata": True, "type": "realtime",
            "keywords": ",".join([m.category, *m.departments]),
            "group": m.category_name if lang == "zh" else m.category}


def definition(m: Matter) -> dict[str, Any]:
    """The attributes a request of the service may carry besides the spec's own fields."""
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


# --- requests -----------------------------------------------------------------------------------------


def _dt(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def public_requests(found: Sequence[PublicRequest], grids: GridIndex, org: Organisation, cat: Catalogue,
                    lang: str) -> list[dict[str, Any]]:
    """Each issue as a public request, in ``lang`` (``zh`` or ``en``)."""
    centres = {g: shape(s).centroid for g, s in zip(grids.ids, grids.shapes, strict=True)}
    out = []
    for p in found:
        r = p.issue
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
            "updated_datetime": _dt(p.updated_at), "expected_datetime": _dt(p.expected_at),
            "address": (grid.name if lang == "zh" else grid.name_en) if grid else None,
            "address_id": r.grid_id, "zipcode": None,
            "lat": round(centre.y, 5) if centre else None, "long": round(centre.x, 5) if centre else None,
            "media_url": None,
        })
    return out


def created(issue_id: str) -> list[dict[str, Any]]:
    """The answer to a request posted: its id, nothing to notice, no account."""
    return [{"service_request_id": issue_id, "service_notice": "", "account_id": None}]
