"""``/v1/grids.geojson``: the grids of the caller's jurisdiction with their open, overdue and closed issues,
for the map (一张图)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Response
from sqlalchemy import case, func, select

from api.deps import CallerDep, ServicesDep, SessionDep
from api.problems import COMMON_RESPONSES, Problem
from domain.access import is_staff
from store import models

router = APIRouter(prefix="/v1", tags=["grids"], responses=COMMON_RESPONSES)

GEOJSON = "application/geo+json"


@router.get("/grids.geojson", summary="The grids of your jurisdiction, with issue counts (GeoJSON)",
            responses={200: {"content": {GEOJSON: {"schema": {"type": "object"}}}}})
def grids_geojson(caller: CallerDep, services: ServicesDep, session: SessionDep) -> Response:
    if not is_staff(caller.actor):
        raise Problem("not-permitted", "the map is for staff")
    shapes = session.scalars(select(models.GridShape).where(models.GridShape.grid_id.in_(caller.subtree))).all()
    I = models.Issue
    counts = {row.grid_id: row for row in session.execute(
        select(I.grid_id,
               func.sum(case((I.status == "open", 1), else_=0)).label("open"),
               func.sum(case(((I.status == "open") & I.overdue, 1), else_=0)).label("overdue"),
               func.sum(case((I.status != "open", 1), else_=0)).label("closed"))
        .where(I.grid_id.in_([s.grid_id for s in shapes])).group_by(I.grid_id))}
    org = services.organisation
    features: list[dict[str, Any]] = []
    for s in sorted(shapes, key=lambda s: s.grid_id):
        unit, row = org.unit(s.grid_id), counts.get(s.grid_id)
        features.append({"type": "Feature", "id": s.grid_id, "geometry": s.geometry, "properties": {
            "grid_id": s.grid_id, "name": unit.name, "name_en": unit.name_en, "community_id": unit.parent_id,
            "area_m2": s.area_m2, "open": int(row.open) if row else 0, "overdue": int(row.overdue) if row else 0,
            "closed": int(row.closed) if row else 0}})
    body = {"type": "FeatureCollection", "features": features}
    return Response(json.dumps(body, ensure_ascii=False), media_type=GEOJSON)
