"""``/v1/grids.geojson``: the grids of the caller's jurisdiction with their open, overdue and closed issues,
for the map (一张图)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Response

from api.deps import CallerDep, ServicesDep, SessionDep
from api.problems import COMMON_RESPONSES, Problem
from domain.access import is_staff
from store.grids import IssueCounts, issue_counts, shapes_of

router = APIRouter(prefix="/v1", tags=["grids"], responses=COMMON_RESPONSES)

GEOJSON = "application/geo+json"
NO_ISSUES = IssueCounts(open=0, overdue=0, closed=0)


@router.get("/grids.geojson", summary="The grids of your jurisdiction, with issue counts (GeoJSON)",
            responses={200: {"content": {GEOJSON: {"schema": {"type": "object"}}}}})
def grids_geojson(caller: CallerDep, services: ServicesDep, session: SessionDep) -> Response:
    if not is_staff(caller.actor):
        raise Problem("not-permitted", "the map is for staff")
    shapes = shapes_of(session, caller.subtree)
    counts = issue_counts(session, [s.grid_id for s in shapes])
    org = services.organisation
    features: list[dict[str, Any]] = []
    for s in sorted(shapes, key=lambda s: s.grid_id):
        unit, n = org.unit(s.grid_id), counts.get(s.grid_id, NO_ISSUES)
        features.append({"type": "Feature", "id": s.grid_id, "geometry": s.geometry, "properties": {
            "grid_id": s.grid_id, "name": unit.name, "name_en": unit.name_en, "community_id": unit.parent_id,
            "area_m2": s.area_m2, "open": n.open, "overdue": n.overdue, "closed": n.closed}})
    body = {"type": "FeatureCollection", "features": features}
    return Response(json.dumps(body, ensure_ascii=False), media_type=GEOJSON)
