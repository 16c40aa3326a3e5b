"""A district that is not the sample city, the seeds' size (10 streets, 150 communities, 727 grids, 2,000 people,
208 matters in 17 categories), loads from its workbook into SQLite as one version, every record where it belongs,
and its export loads back as no change. (How long it takes is bench B6's business, not this test's.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from shapely.geometry import shape
from shapely.ops import unary_union
from sqlalchemy import ColumnElement, func, select

from domain.directory import Directory
from domain.directory_check import check, validated
from domain.organisation import Level, Role, UnitKind
from store import models
from store.db import SessionFactory, make_engine, session_factory, transaction
from store.directory import current, load, versions
from store.directory_files import read_json, read_workbook, to_json, to_workbook
from store.migrate import upgrade
from tests.districts import generate_district, small_district, summary

SEEDS = {"street": 10, "community": 150, "grid": 727, "principals": 2000, "matters": 208, "categories": 17}


@pytest.fixture(scope="module")
def district() -> Directory:
    return generate_district()


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[SessionFactory]:
    url = f"sqlite:///{tmp_path / 'district.db'}"
    upgrade(url)
    engine = make_engine(url)
    yield session_factory(engine)
    engine.dispose()


def test_the_generated_districts_are_whole_and_checked_clean(district: Directory) -> None:
    assert {k: summary(district)[k] for k in SEEDS} == SEEDS
    assert summary(small_district())["grid"] == 8 and len(small_district().matters) == 20
    for d in (district, small_district()):
        assert check(d, {}) == []
        assert validated(read_json(to_json(d))) == d
        assert not any(u.id.startswith("qh") for u in d.units)
        org = d.organisation()
        functions = {u.function for u in d.units if u.kind is UnitKind.department}
        assert all(set(m.departments) <= functions for m in d.matters)
        assert any(m.on_the_spot for m in d.matters) and any(m.mediation for m in d.matters)
        for unit in d.units:  # every unit is staffed for the roles its work asks
            roles = {r for p in d.principals if p.unit_id == unit.id for r in p.roles}
            wanted = ({Role.grid_worker} if unit.level is Level.grid and unit.kind is UnitKind.territorial
                      else {Role.handler, Role.leader, Role.supervisor} if unit.kind is UnitKind.department
                      else {Role.dispatcher, Role.leader, Role.supervisor, Role.handler})
            assert wanted <= roles, unit.id
        communities = {u.id for u in d.units if u.level is Level.community}
        assert communities <= {org.unit(p.unit_id).parent_id for p in d.principals if Role.resident in p.roles}
        staff = [p.subject for p in d.principals if Role.resident not in p.roles and Role.integration not in p.roles]
        assert all(staff) and len(set(staff)) == len(staff)
    squares = [shape(s) for s in district.shapes.values()]
    assert len(squares) == 727 and all(s.is_valid for s in squares)
    assert unary_union(squares).area == pytest.approx(sum(s.area for s in squares))  # no two overlap
    assert generate_district(seed=2) != district and generate_district() == district


def test_a_seeds_size_district_loads_from_its_workbook_and_its_export_changes_nothing(
        district: Directory, sessions: SessionFactory) -> None:
    with transaction(sessions) as session:
        applied = load(session, read_workbook(to_workbook(district)), author="clerk", reason="going live",
                       source="workbook")
    assert applied.version == 1

    with sessions() as session:
        def count(*where: ColumnElement[bool]) -> int:
            return int(session.scalar(select(func.count()).select_from(models.Unit).where(*where)) or 0)

        territorial = models.Unit.kind == UnitKind.territorial.value
        assert count(territorial, models.Unit.level == Level.grid.value) == 727
        assert count(territorial, models.Unit.level == Level.community.value) == 150
        assert count(territorial, models.Unit.level == Level.street.value) == 10
        assert count(models.Unit.kind == UnitKind.department.value) == 18
        assert session.scalar(select(func.count()).select_from(models.GridShape)) == 727
        assert session.scalar(select(func.count()).select_from(models.Principal)) == 2000
        assert session.scalar(select(func.count()).select_from(models.Matter)) == 208
        assert session.scalar(select(func.count(models.Matter.category.distinct()))) == 17
        assert session.scalar(select(func.count()).select_from(models.DirectoryChange)) == len(applied.changes)
        loaded = current(session)
    assert loaded == district

    exported = to_workbook(loaded)  # what `whistle directory export --format xlsx` writes
    with transaction(sessions) as session:
        again = load(session, read_workbook(exported), author="clerk", reason="no change", source="workbook")
        assert again.version is None and again.changes == []
        assert [v.version for v in versions(session)] == [1]
