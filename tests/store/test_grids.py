"""Grids with shapes: every point finds its grid, the sample tiles its communities, and a district's file
that overlaps, leaves a gap or misses a grid is refused by name."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import mapping, shape

from domain.organisation import Level, UnitKind
from store.db import make_engine, session_factory, transaction
from store.directory import replace_district
from store.grids import (
    GridFileError,
    GridIndex,
    OutsideEveryGrid,
    area_m2,
    check_collection,
    district_grids,
    load_index,
)
from store.migrate import upgrade
from tests import sample_city

ORG = sample_city.organisation()
RINGS = sample_city.grid_rings()
INDEX = GridIndex({g: shape({"type": "Polygon", "coordinates": [r]}) for g, r in RINGS.items()})


def _district_file(district: str = "qh.hd") -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"grid_id": g}, "geometry": {"type": "Polygon", "coordinates": [RINGS[g]]}}
        for g in sorted(district_grids(ORG, district))]}


def test_every_sample_grid_has_a_shape_of_at_most_a_fifth_of_a_square_kilometre() -> None:
    grids = {u.id for u in ORG.units.values() if u.level is Level.grid and u.kind is UnitKind.territorial}
    assert set(RINGS) == grids
    for ring in RINGS.values():
        assert 0.1e6 < area_m2(shape({"type": "Polygon", "coordinates": [ring]})) <= 0.2e6


def test_every_grids_interior_point_finds_it() -> None:
    for grid_id, polygon in zip(INDEX.ids, INDEX.shapes, strict=True):
        point = polygon.representative_point()
        assert INDEX.find(point.x, point.y) == grid_id


def test_a_point_on_a_shared_edge_goes_to_the_first_grid_by_id_and_outside_is_refused() -> None:
    a, b = "qh.hd.cy.c1.g1", "qh.hd.cy.c1.g2"
    edge = INDEX.shapes[INDEX.ids.index(a)].intersection(INDEX.shapes[INDEX.ids.index(b)])
    middle = edge.interpolate(0.5, normalized=True)
    assert INDEX.find(middle.x, middle.y) == a
    with pytest.raises(OutsideEveryGrid, match="lies in no grid"):
        INDEX.find(0.0, 0.0)


def test_the_sample_districts_tile_without_overlap_or_gap() -> None:
    for district in ("qh.hd", "qh.hx"):
        name, shapes = check_collection(_district_file(district), ORG)
        assert name == district and len(shapes) == 12


def test_an_overlap_is_refused_naming_both_grids() -> None:
    bad = _district_file()
    g1 = next(f for f in bad["features"] if f["properties"]["grid_id"] == "qh.hd.cy.c1.g1")
    g1["geometry"] = mapping(shape(g1["geometry"]).buffer(0.0005, join_style="mitre"))
    with pytest.raises(GridFileError) as err:
        check_collection(bad, ORG)
    assert any("qh.hd.cy.c1.g1 and qh.hd.cy.c1.g2 overlap" in p for p in err.value.problems)


def test_a_gap_a_missing_grid_and_two_districts_are_refused() -> None:
    gap = _district_file()
    inner = next(f for f in gap["features"] if f["properties"]["grid_id"] == "qh.hd.cy.c1.g2")
    inner["geometry"] = mapping(shape(inner["geometry"]).buffer(-0.0001, join_style="mitre"))
    with pytest.raises(GridFileError, match=r"a gap of \d+ m between grids qh\.hd\.cy\.c1\.g1 and qh\.hd\.cy\.c1\.g2"):
        check_collection(gap, ORG)
    missing = _district_file()
    missing["features"] = missing["features"][1:]
    with pytest.raises(GridFileError, match=r"missing from the file: qh\.hd\.cy\.c1\.g1"):
        check_collection(missing, ORG)
    both = _district_file()
    both["features"] += _district_file("qh.hx")["features"][:1]
    with pytest.raises(GridFileError, match="one district"):
        check_collection(both, ORG)
    with pytest.raises(GridFileError, match="not a grid"):
        check_collection({"type": "FeatureCollection", "features": [{"properties": {"grid_id": "qh.hd"}}]}, ORG)


def test_loading_a_district_replaces_its_shapes_and_the_index_follows(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'grids.db'}"
    upgrade(url)
    sessions = session_factory(make_engine(url))
    with transaction(sessions) as s:
        sample_city.load_into(s)
    with sessions() as s:
        assert len(load_index(s)) == 24
    moved = copy.deepcopy(_district_file())
    for feature in moved["features"]:  # the whole district shifted one kilometre north
        feature["geometry"]["coordinates"] = [[(x, y + 0.009) for x, y in feature["geometry"]["coordinates"][0]]]
    with transaction(sessions) as s:
        assert replace_district(s, moved, author="tests", source="moved.geojson") == ("qh.hd", 12)
    with sessions() as s:
        index = load_index(s)
    lon, lat = RINGS["qh.hd.cy.c1.g1"][0]
    assert index.find(lon + 0.001, lat + 0.009 + 0.001) == "qh.hd.cy.c1.g1"
