"""The sample city's organisation and catalogue (the dataset ``make run`` loads), and the ladder."""

from domain.organisation import LADDER, Level, Role, UnitKind
from tests.sample_city import catalogue as sample_catalogue
from tests.sample_city import organisation as sample_organisation

#: roles each kind of unit needs at least one person for (DESIGN §2)
ROLES_BY_LEVEL: dict[Level, tuple[Role, ...]] = {
    Level.grid: (Role.grid_worker,),
    Level.community: (Role.dispatcher, Role.leader, Role.supervisor, Role.handler),
    Level.street: (Role.dispatcher, Role.leader, Role.supervisor, Role.handler),
    Level.district: (Role.dispatcher, Role.leader, Role.supervisor, Role.handler),
    Level.city: (Role.dispatcher, Role.leader, Role.supervisor, Role.handler),
}
DEPARTMENT_ROLES: tuple[Role, ...] = (Role.handler, Role.leader, Role.supervisor)


def test_ladder_order_and_above() -> None:
    assert [lv.value for lv in LADDER] == ["grid", "community", "street", "district", "city"]
    assert Level.grid.above() is Level.community
    assert Level.district.above() is Level.city
    assert Level.city.above() is None


def test_sample_organisation_shape() -> None:
    org = sample_organisation()
    territorial = [u for u in org.units.values() if u.kind is UnitKind.territorial]
    by_level = {lv: [u for u in territorial if u.level is lv] for lv in LADDER}
    assert len(by_level[Level.city]) == 1
    assert len(by_level[Level.district]) == 2
    for district in by_level[Level.district]:
        streets = [u for u in org.children(district.id) if u.kind is UnitKind.territorial]
        assert len(streets) >= 2
        for street in streets:
            communities = org.children(street.id)
            assert len(communities) == 2
            assert all(len(org.children(c.id)) == 3 for c in communities)
    assert len([u for u in org.units.values() if u.kind is UnitKind.department]) >= 8


def test_every_unit_has_a_person_for_each_role_it_needs() -> None:
    org = sample_organisation()
    for unit in org.units.values():
        needed = DEPARTMENT_ROLES if unit.kind is UnitKind.department else ROLES_BY_LEVEL[unit.level]
        for role in needed:
            assert org.with_role(unit.id, role), f"{unit.id} has no {role}"
    assert any(Role.resident in p.roles for p in org.principals.values())
    assert any(Role.integration in p.roles for p in org.principals.values())


def test_ladder_of_a_grid() -> None:
    org = sample_organisation()
    ladder = org.ladder("qh.hx.hp.c2.g3")
    assert [ladder[lv].id for lv in LADDER] == ["qh.hx.hp.c2.g3", "qh.hx.hp.c2", "qh.hx.hp", "qh.hx", "qh"]


def test_street_routes_to_itself_its_communities_and_district_departments() -> None:
    org = sample_organisation()
    routable = {u.id for u in org.routable("qh.hd.cy")}
    assert {"qh.hd.cy", "qh.hd.cy.c1", "qh.hd.cy.c2", "qh.hd.dept.heating"} <= routable
    assert "qh.hx.dept.heating" not in routable  # another district's department
    assert [u.id for u in org.suggested("qh.hd.cy", ["heating", "market_supervision"])] == [
        "qh.hd.dept.heating", "qh.hd.dept.market_supervision"]


def test_catalogue_covers_the_categories_with_complete_matters() -> None:
    cat = sample_catalogue()
    assert len(cat.matters) >= 40
    assert len(cat.categories()) == 17
    org = sample_organisation()
    functions = {u.function for u in org.units.values() if u.function}
    for m in cat.matters.values():
        assert m.name and m.name_en and m.departments
        assert set(m.departments) <= functions, m.code
    assert any(m.mediation for m in cat.matters.values())
    assert any(m.on_the_spot for m in cat.matters.values())


def test_a_retired_grid_takes_no_new_report() -> None:
    import pytest

    from domain.context import issue_context
    from domain.errors import UnknownReference
    from tests.driver import report
    from tests.sample_city import directory

    city = directory()
    grid = "qh.hd.cy.c1.g1"
    units = tuple(u.model_copy(update={"active": False, "successor_id": "qh.hd.cy.c1.g2"}) if u.id == grid else u
                  for u in city.units)
    org = city.model_copy(update={"units": units}).organisation()
    with pytest.raises(UnknownReference, match=r"retired; its successor is 'qh\.hd\.cy\.c1\.g2'"):
        issue_context(org, city.catalogue(), report(grid=grid))
    issue_context(org, city.catalogue(), report(grid="qh.hd.cy.c1.g2"))  # its successor does
