"""Grids on the map (一张图): their shapes in the read model with their issues counted, a point's grid, the grid
a report is placed in, and replacing a district's grids from a GeoJSON file.

A point finds its grid through a spatial index (shapely's STRtree). A point on the shared edge of two grids
belongs to the one listed first by id; a point outside every grid is refused (:class:`OutsideEveryGrid`).
A district's grids are replaced whole, and only by a file that names every grid of the district once, with
no two overlapping and no gap between them (:class:`GridFileError` lists what is wrong, by grid id and place).
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shapely import STRtree
from shapely.geometry import Point, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union
from shapely.validation import explain_validity
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from domain.organisation import Level, Organisation, UnitKind
from store import models

METRES_PER_DEGREE = 111_320.0  # along a meridian

#: overlaps and gaps smaller than this (square metres) are drawing noise, not errors
TOLERANCE_M2 = 1.0
#: two grids nearer than this without touching leave a gap between them (metres)
GAP_M = 50.0


class OutsideEveryGrid(LookupError):
    """Raised when a point lies in no grid of the organisation."""


class GridFileError(ValueError):
    """Raised when a GeoJSON file cannot replace a district's grids; ``problems`` says why, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def area_m2(geometry: BaseGeometry) -> float:
    """An approximate area in square metres (equirectangular at the shape's latitude: fine at grid size)."""
    lat = geometry.centroid.y
    return float(geometry.area) * METRES_PER_DEGREE ** 2 * math.cos(math.radians(lat))


class GridIndex:
    """Grids' polygons with a spatial index: which grid holds a point."""

    def __init__(self, shapes: Mapping[str, BaseGeometry]) -> None:
        self.ids = sorted(shapes)
        self.shapes = [shapes[g] for g in self.ids]
        self._tree = STRtree(self.shapes)

    def find(self, lon: float, lat: float) -> str:
        point = Point(lon, lat)
        hits = sorted(int(i) for i in self._tree.query(point, predicate="intersects"))
        if not hits:
            raise OutsideEveryGrid(f"({lat:.6f}, {lon:.6f}) lies in no grid of this organisation")
        return self.ids[hits[0]]

    def __len__(self) -> int:
        return len(self.ids)


def load_index(session: Session) -> GridIndex:
    """The shapes of the grids in use (a retired grid takes no new reports)."""
    rows = session.scalars(select(models.GridShape).join(models.Unit, models.Unit.id == models.GridShape.grid_id)
                           .where(models.Unit.active))
    return GridIndex({row.grid_id: shape(row.geometry) for row in rows})


class CachedIndex:
    """The index, rebuilt from the read model at most every ``refresh_s`` (a ``whistle grids load`` shows up)."""

    def __init__(self, load: Callable[[], GridIndex], refresh_s: float = 60.0) -> None:
        self._load, self._refresh = load, refresh_s
        self._index: GridIndex | None = None
        self._at = float("-inf")
        self._lock = threading.Lock()

    def get(self) -> GridIndex:
        with self._lock:
            if self._index is None or time.monotonic() - self._at >= self._refresh:
                self._index, self._at = self._load(), time.monotonic()
            return self._index


@dataclass(frozen=True)
class IssueCounts:
    """A grid's issues on the map: open (of them, overdue) and closed."""

    open: int
    overdue: int
    closed: int


def shapes_of(session: Session, grid_ids: Collection[str]) -> Sequence[models.GridShape]:
    """The shapes stored for these grids (a grid without one is left out)."""
    return session.scalars(select(models.GridShape).where(models.GridShape.grid_id.in_(grid_ids))).all()


def issue_counts(session: Session, grid_ids: Collection[str]) -> dict[str, IssueCounts]:
    """Each grid's issues counted, for the grids that have any."""
    I = models.Issue
    rows = session.execute(
        select(I.grid_id,
               func.sum(case((I.status == "open", 1), else_=0)).label("open"),
               func.sum(case(((I.status == "open") & I.overdue, 1), else_=0)).label("overdue"),
               func.sum(case((I.status != "open", 1), else_=0)).label("closed"))
        .where(I.grid_id.in_(grid_ids)).group_by(I.grid_id))
    return {r.grid_id: IssueCounts(open=int(r.open), overdue=int(r.overdue), closed=int(r.closed)) for r in rows}


# --- placing a report ----------------------------------------------------------------------------------


class NotAGrid(LookupError):
    """Raised when a report is placed in a unit that is not a grid of the organisation (or in no unit at all)."""

    def __init__(self, grid_id: str | None) -> None:
        super().__init__(f"{grid_id!r} is not a grid")
        self.grid_id = grid_id


def is_grid(org: Organisation, unit_id: str) -> bool:
    """Is ``unit_id`` a grid of the organisation's territory?"""
    unit = org.units.get(unit_id)
    return unit is not None and unit.level is Level.grid and unit.kind is UnitKind.territorial


def report_grid(org: Organisation, index: Callable[[], GridIndex], grid_id: str | None,
                point: tuple[float, float] | None) -> str:
    """The grid a report is placed in: the one it names, else the one holding its ``point`` (longitude,
    latitude; ``index`` is asked only then). :class:`OutsideEveryGrid` for a point in no grid, :class:`NotAGrid`
    when the grid is not one of the organisation's (or neither is given)."""
    if grid_id is None and point is not None:
        grid_id = index().find(*point)
    if grid_id is None or not is_grid(org, grid_id):
        raise NotAGrid(grid_id)
    return grid_id


# --- writing shapes ------------------------------------------------------------------------------------


def district_grids(org: Organisation, district_id: str) -> set[str]:
    return {u.id for u in org.subtree(district_id) if is_grid(org, u.id)}


def check_collection(collection: Any, org: Organisation) -> tuple[str, dict[str, BaseGeometry]]:
    """The district a GeoJSON FeatureCollection replaces and its grids' shapes, or :class:`GridFileError`."""
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection" \
            or not isinstance(collection.get("features"), list):
        raise GridFileError(["not a GeoJSON FeatureCollection"])
    problems: list[str] = []
    shapes: dict[str, BaseGeometry] = {}
    for n, feature in enumerate(collection["features"], start=1):
        grid_id = (feature.get("properties") or {}).get("grid_id") if isinstance(feature, dict) else None
        if not isinstance(grid_id, str) or not is_grid(org, grid_id):
            problems.append(f"feature {n}: properties.grid_id {grid_id!r} is not a grid of this organisation")
            continue
        if grid_id in shapes:
            problems.append(f"grid {grid_id} appears twice")
            continue
        try:
            geometry = shape(feature["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            problems.append(f"grid {grid_id}: the geometry is not GeoJSON ({exc})")
            continue
        if geometry.geom_type not in ("Polygon", "MultiPolygon") or not geometry.is_valid:
            problems.append(f"grid {grid_id}: not a valid polygon ({explain_validity(geometry)})")
            continue
        shapes[grid_id] = geometry
    if problems:
        raise GridFileError(problems)
    districts = {_district_of(org, g) for g in shapes}
    if len(districts) != 1:
        raise GridFileError([f"the file must hold the grids of one district; it has {sorted(districts)}"])
    (district,) = districts
    missing = sorted(district_grids(org, district) - set(shapes))
    if missing:
        problems.append(f"grids of {district} missing from the file: {', '.join(missing)}")
    problems += _overlaps(shapes) + _gaps(shapes)
    if problems:
        raise GridFileError(problems)
    return district, shapes


def _district_of(org: Organisation, grid_id: str) -> str:
    return next(u.id for u in org.ancestors(grid_id) if u.level is Level.district)


def _overlaps(shapes: Mapping[str, BaseGeometry]) -> list[str]:
    ids = sorted(shapes)
    tree = STRtree([shapes[g] for g in ids])
    out = []
    for i, a in enumerate(ids):
        for j in sorted(int(k) for k in tree.query(shapes[a], predicate="intersects")):
            if j <= i:
                continue
            overlap = shapes[a].intersection(shapes[ids[j]])
            if area_m2(overlap) > TOLERANCE_M2:
                where = overlap.representative_point()
                out.append(f"grids {a} and {ids[j]} overlap by {area_m2(overlap):.0f} m² "
                           f"near ({where.y:.6f}, {where.x:.6f})")
    return out


def _gaps(shapes: Mapping[str, BaseGeometry]) -> list[str]:
    """Holes inside the district's grids, and neighbours that come near without touching."""
    out = []
    ids = sorted(shapes)
    tree = STRtree([shapes[g] for g in ids])
    near = GAP_M / METRES_PER_DEGREE
    for i, a in enumerate(ids):
        for j in sorted(int(k) for k in tree.query(shapes[a], predicate="dwithin", distance=near)):
            gap = shapes[a].distance(shapes[ids[j]]) * METRES_PER_DEGREE
            if j > i and gap > 0.01:
                out.append(f"a gap of {gap:.0f} m between grids {a} and {ids[j]}")
    union = unary_union(list(shapes.values()))
    for part in getattr(union, "geoms", [union]):
        for ring in getattr(part, "interiors", []):
            hole = shape({"type": "Polygon", "coordinates": [list(ring.coords)]})
            if area_m2(hole) > TOLERANCE_M2:
                where = hole.representative_point()
                out.append(f"a gap of {area_m2(hole):.0f} m² inside the grids near ({where.y:.6f}, {where.x:.6f})")
    return out


def as_geojson(geometry: BaseGeometry) -> dict[str, Any]:
    """A shape as the directory keeps it: plain GeoJSON, lists all the way down."""
    plain: dict[str, Any] = json.loads(json.dumps(mapping(geometry)))
    return plain
