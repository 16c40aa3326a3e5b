"""Shapes for the sample organisation's grids: 400 m squares (0.16 km², within seeds/004's 0.2 km² for a
小分格) that tile each community, the communities of a street side by side around a sample city centre.

Pure geometry in longitude/latitude (WGS 84): each grid is a closed ring of five corners.
"""

from __future__ import annotations

import math

from domain.organisation import Level, Organisation, UnitKind

CENTRE = (117.20, 39.13)  # longitude, latitude of the sample city's centre
GRID_METRES = 400.0
METRES_PER_DEGREE = 111_320.0

Ring = list[tuple[float, float]]


def _square(west_m: float, south_m: float, side_m: float) -> Ring:
    lon0, lat0 = CENTRE
    per_lon = METRES_PER_DEGREE * math.cos(math.radians(lat0))

    def at(x: float, y: float) -> tuple[float, float]:
        return round(lon0 + x / per_lon, 7), round(lat0 + y / METRES_PER_DEGREE, 7)

    return [at(west_m, south_m), at(west_m + side_m, south_m), at(west_m + side_m, south_m + side_m),
            at(west_m, south_m + side_m), at(west_m, south_m)]


def sample_grid_rings(org: Organisation) -> dict[str, Ring]:
    """Every sample grid's ring. A district's streets are rows, their communities columns, a community's
    grids side by side; the districts lie next to each other, so no two grids overlap and no gap opens."""
    rings: dict[str, Ring] = {}
    city = next(u for u in org.units.values() if u.level is Level.city and u.parent_id is None)
    districts = sorted((u for u in org.children(city.id) if u.kind is UnitKind.territorial), key=lambda u: u.id)
    column = 0
    for district in districts:
        streets = sorted((u for u in org.children(district.id) if u.kind is UnitKind.territorial), key=lambda u: u.id)
        widest = 0
        for row, street in enumerate(streets):
            communities = sorted(org.children(street.id), key=lambda u: u.id)
            x = column
            for community in communities:
                for grid in sorted(org.children(community.id), key=lambda u: u.id):
                    rings[grid.id] = _square(x * GRID_METRES, row * GRID_METRES, GRID_METRES)
                    x += 1
            widest = max(widest, x - column)
        column += widest
    return rings
