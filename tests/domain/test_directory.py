"""The directory as data: versions compare record by record and compose, and a file is checked whole, every
problem named by its sheet, row and column in both languages.

The checks run on a small city kept the way a clerk keeps the workbook (Chinese labels, rows from 2), one cell
wrong at a time; the properties run on the sample city edited at random.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.catalogue import HandlingDays
from domain.directory import Change, Directory, RecordKind, compose, diff
from domain.directory_check import DirectoryInvalid, Problem, Rows, check, parse, validated
from domain.directory_columns import Sheet
from domain.organisation import Level, Principal, Role, Unit, UnitKind
from domain.rules import MediationDays, Rules
from tests import sample_city

SAMPLE = sample_city.directory()

# --- a small city, as a workbook's rows -----------------------------------------------------------------------

GRID = "c.d.s.m.g"
DEPARTMENT = "c.d.dept.housing"


def _square(lon: float, lat: float, side: float = 0.004) -> dict[str, Any]:
    ring = [[lon, lat], [lon + side, lat], [lon + side, lat + side], [lon, lat + side], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def _unit(id_: str, name: str, level: str, parent: str | None, kind: str = "属地", **more: Any) -> dict[str, Any]:
    return {"id": id_, "name": name, "level": level, "kind": kind, "parent_id": parent, "active": "在用", **more}


def small_city() -> dict[Sheet, Rows]:
    """A city, one district with a housing department, one street, one community, one grid; three people, one
    matter, one rule. Valid as it stands."""
    return {
        Sheet.units: list(enumerate([
            _unit("c", "城", "市", None),
            _unit("c.d", "区", "区", "c"),
            _unit("c.d.s", "街道", "街道", "c.d"),
            _unit("c.d.s.m", "社区", "社区", "c.d.s"),
            _unit(GRID, "网格", "网格", "c.d.s.m", shape=json.dumps(_square(117.2, 39.1))),
            _unit(DEPARTMENT, "住建局", "区", "c.d", kind="部门", function="housing"),
        ], start=2)),
        Sheet.principals: list(enumerate([
            {"id": "w@g", "name": "网格员甲", "unit_id": GRID, "roles": "网格员", "subject": "1001", "active": "在岗"},
            {"id": "h@housing", "name": "承办人乙", "unit_id": DEPARTMENT, "roles": "承办人", "subject": "1002"},
            {"id": "d@c.d", "name": "派单员丙", "unit_id": "c.d", "roles": "派单员、领导"},
        ], start=2)),
        Sheet.matters: list(enumerate([
            {"code": "roads.pothole", "name": "路面坑洼", "category": "roads", "category_name": "道路",
             "departments": "housing", "list_type": "即办", "report_hours": 24, "handling_immediate": 5,
             "handling_phased": 20, "handling_understanding": 5, "on_the_spot": "是", "mediation": "否"},
        ], start=2)),
        Sheet.rules: [(2, {"key": "max_reworks", "value": 2, "note": "吹哨人最多退回重办次数"})],
    }


def cells(raw: dict[Sheet, Rows], sheet: Sheet, key: str) -> dict[str, Any]:
    """The cells of the row whose id (or code, or rule key) is ``key``."""
    field = {Sheet.matters: "code", Sheet.rules: "key"}.get(sheet, "id")
    return next(row for _, row in raw[sheet] if row[field] == key)


def problems_of(raw: dict[Sheet, Rows], open_work: dict[str, int] | None = None,
                current: Directory | None = None) -> list[Problem]:
    with pytest.raises(DirectoryInvalid) as refused:
        validated(raw, open_work, current)
    return refused.value.problems


def test_the_small_city_is_valid_and_read_as_written() -> None:
    d = validated(small_city())
    assert [u.id for u in d.units] == ["c", "c.d", DEPARTMENT, "c.d.s", "c.d.s.m", GRID]
    assert d.shapes == {GRID: _square(117.2, 39.1)}
    dispatcher = next(p for p in d.principals if p.id == "d@c.d")
    assert dispatcher.roles == (Role.dispatcher, Role.leader) and dispatcher.subject is None and dispatcher.active
    matter = d.matters[0]
    assert matter.report_hours == 24.0 and matter.handling_days == HandlingDays(immediate=5, phased=20,
                                                                                understanding=5)
    assert matter.on_the_spot and not matter.mediation
    assert d.rules == Rules(max_reworks=2)


# --- one problem at a time ------------------------------------------------------------------------------------


def test_an_unknown_parent() -> None:
    raw = small_city()
    cells(raw, Sheet.units, "c.d.s.m")["parent_id"] = "c.d.x"
    [problem] = problems_of(raw)
    assert problem == Problem(sheet=Sheet.units, row=5, column="parent_id", code="unknown_parent",
                              params={"key": "c.d.x"})
    assert problem.text("zh") == "单位 第 5 行「上级单位编码」：上级单位 c.d.x 不存在"
    assert problem.text("en") == "units row 5, column 'parent id': parent unit c.d.x does not exist"


def test_two_units_naming_each_other_as_parent_are_a_cycle() -> None:
    raw = small_city()
    cells(raw, Sheet.units, GRID)["parent_id"] = DEPARTMENT
    cells(raw, Sheet.units, DEPARTMENT)["parent_id"] = GRID
    problems = problems_of(raw)
    assert problems == [
        Problem(sheet=Sheet.units, row=6, column="parent_id", code="cycle",
                params={"key": f"{GRID} → {DEPARTMENT} → {GRID}"}),
        Problem(sheet=Sheet.units, row=7, column="parent_id", code="cycle",
                params={"key": f"{DEPARTMENT} → {GRID} → {DEPARTMENT}"}),
    ]
    assert problems[0].text("zh") == f"单位 第 6 行「上级单位编码」：上下级形成环：{GRID} → {DEPARTMENT} → {GRID}"
    assert problems[0].text("en") == (f"units row 6, column 'parent id': the parents form a cycle: "
                                      f"{GRID} → {DEPARTMENT} → {GRID}")


def test_only_the_units_on_a_cycle_are_reported_not_those_below_it() -> None:
    raw = small_city()
    cells(raw, Sheet.units, "c.d.s")["parent_id"] = "c.d.s.m"
    assert [(p.row, p.code, p.params) for p in problems_of(raw)] == [
        (4, "cycle", {"key": "c.d.s → c.d.s.m → c.d.s"}),
        (5, "cycle", {"key": "c.d.s.m → c.d.s → c.d.s.m"}),
    ]


def test_a_community_under_a_district_is_on_the_wrong_level() -> None:
    raw = small_city()
    cells(raw, Sheet.units, "c.d.s.m")["parent_id"] = "c.d"
    [problem] = problems_of(raw)
    assert problem == Problem(sheet=Sheet.units, row=5, column="parent_id", code="wrong_level",
                              params={"parent": "c.d", "parent_level": "district", "level": "community"})
    assert problem.text("zh") == "单位 第 5 行「上级单位编码」：上级 c.d（区）与层级 社区 不衔接"
    assert problem.text("en") == ("units row 5, column 'parent id': parent c.d (district) does not sit right "
                                  "above level community")


def test_a_department_under_a_street_or_on_another_level_than_its_parent() -> None:
    raw = small_city()
    cells(raw, Sheet.units, DEPARTMENT).update(parent_id="c.d.s", level="街道")
    [problem] = problems_of(raw)
    assert problem == Problem(sheet=Sheet.units, row=7, column="parent_id", code="department_parent")
    assert problem.text("zh") == "单位 第 7 行「上级单位编码」：部门须挂在区或市下"
    assert problem.text("en") == "units row 7, column 'parent id': a department hangs off a district or the city"
    cells(raw, Sheet.units, DEPARTMENT).update(parent_id="c.d", level="市")
    [problem] = problems_of(raw)
    assert problem == Problem(sheet=Sheet.units, row=7, column="level", code="wrong_level",
                              params={"parent": "c.d", "parent_level": "district", "level": "city"})


def test_exactly_one_city_stands_at_the_root() -> None:
    raw = small_city()
    raw[Sheet.units].append((8, _unit("c2", "另一城", "市", None)))
    [problem] = problems_of(raw)
    assert problem == Problem(sheet=Sheet.units, column="parent_id", code="root", params={"key": "c, c2"})
    assert problem.text("en") == "units, column 'parent id': exactly one city without a parent is needed; found: c, c2"
    raw = small_city()
    cells(raw, Sheet.units, "c")["level"] = "区"
    cells(raw, Sheet.units, "c.d")["level"] = "街道"
    assert next((p.row, p.code) for p in problems_of(raw)) == (2, "root")


def test_a_duplicate_unit_id_is_reported_on_the_second_row_naming_the_first() -> None:
    raw = small_city()
    raw[Sheet.units].append((8, _unit("c.d.s", "另一街道", "街道", "c.d")))
    [problem] = problems_of(raw)
    assert problem == Problem(sheet=Sheet.units, row=8, column="id", code="duplicate",
                              params={"key": "c.d.s", "other": "4"})
    assert problem.text("zh") == "单位 第 8 行「单位编码」：编码 c.d.s 重复（另见第 4 行）"
    assert problem.text("en") == "units row 8, column 'unit id': c.d.s is used twice (also row 4)"


def test_a_department_without_a_function_leaves_its_matters_unrouted() -> None:
    raw = small_city()
    del cells(raw, Sheet.units, DEPARTMENT)["function"]
    problems = problems_of(raw)
    assert problems == [
        Problem(sheet=Sheet.units, row=7, column="function", code="no_function"),
        Problem(sheet=Sheet.matters, row=2, column="departments", code="no_department", params={"key": "housing"}),
    ]
    assert problems[0].text("zh") == "单位 第 7 行「职能」：部门须填职能"
    assert problems[0].text("en") == "units row 7, column 'function': a department needs a function"


def test_a_grid_without_a_shape() -> None:
    raw = small_city()
    cells(raw, Sheet.units, GRID)["shape"] = None
    [problem] = problems_of(raw)
    assert problem == Problem(sheet=Sheet.units, row=6, column="shape", code="no_shape")
    assert problem.text("zh") == "单位 第 6 行「网格边界」：网格须有边界"
    assert problem.text("en") == "units row 6, column 'grid shape': a grid needs a shape"


def test_a_shape_that_is_not_a_polygon() -> None:
    raw = small_city()
    cells(raw, Sheet.units, GRID)["shape"] = json.dumps({"type": "Point", "coordinates": [117.2, 39.1]})
    [problem] = problems_of(raw)
    assert problem == Problem(sheet=Sheet.units, row=6, column="shape", code="bad_shape")
    assert problem.text("en") == ("units row 6, column 'grid shape': the shape must be a GeoJSON Polygon or "
                                  "MultiPolygon")


def test_a_matter_routed_to_a_function_no_department_has() -> None:
    raw = small_city()
    cells(raw, Sheet.matters, "roads.pothole")["departments"] = "housing、space"
    [problem] = problems_of(raw)
    assert problem == Problem(sheet=Sheet.matters, row=2, column="departments", code="no_department",
                              params={"key": "space"})
    assert problem.text("zh") == "事项 第 2 行「责任部门职能」：没有承担职能 space 的在用部门"
    assert problem.text("en") == ("matters row 2, column 'responsible functions': no active department has "
                                  "function space")


def test_a_matter_routed_to_a_retired_department_is_unrouted() -> None:
    raw = small_city()
    cells(raw, Sheet.units, DEPARTMENT)["active"] = "撤销"
    cells(raw, Sheet.principals, "h@housing")["active"] = "停用"
    [problem] = problems_of(raw)
    assert problem == Problem(sheet=Sheet.matters, row=2, column="departments", code="no_department",
                              params={"key": "housing"})


def test_a_principal_without_a_role() -> None:
    raw = small_city()
    cells(raw, Sheet.principals, "d@c.d")["roles"] = "、"
    [problem] = problems_of(raw)
    assert problem == Problem(sheet=Sheet.principals, row=4, column="roles", code="no_role")
    assert problem.text("zh") == "人员 第 4 行「角色」：须至少有一个角色"
    assert problem.text("en") == "people row 4, column 'roles': needs at least one role"


def test_an_empty_roles_cell_is_a_missing_required_cell() -> None:
    raw = small_city()
    cells(raw, Sheet.principals, "d@c.d")["roles"] = None
    [problem] = problems_of(raw)
    assert problem == Problem(sheet=Sheet.principals, row=4, column="roles", code="required")
    assert problem.text("zh") == "人员 第 4 行「角色」：必填"
    assert problem.text("en") == "people row 4, column 'roles': is required"


def test_a_principal_in_an_unknown_unit() -> None:
    raw = small_city()
    cells(raw, Sheet.principals, "h@housing")["unit_id"] = "c.d.dept.nowhere"
    [problem] = problems_of(raw)
    assert problem == Problem(sheet=Sheet.principals, row=3, column="unit_id", code="unknown_unit",
                              params={"key": "c.d.dept.nowhere"})
    assert problem.text("zh") == "人员 第 3 行「所属单位编码」：单位 c.d.dept.nowhere 不存在"
    assert problem.text("en") == "people row 3, column 'unit id': unit c.d.dept.nowhere does not exist"


def test_an_active_principal_in_a_retired_unit() -> None:
    raw = small_city()
    cells(raw, Sheet.units, GRID)["active"] = "撤销"
    [problem] = problems_of(raw)
    assert problem == Problem(sheet=Sheet.principals, row=2, column="unit_id", code="retired_unit",
                              params={"key": GRID})
    assert problem.text("en") == f"people row 2, column 'unit id': unit {GRID} is retired"


def test_a_sign_on_subject_used_twice() -> None:
    raw = small_city()
    cells(raw, Sheet.principals, "d@c.d")["subject"] = "1001"
    [problem] = problems_of(raw)
    assert problem == Problem(sheet=Sheet.principals, row=4, column="subject", code="duplicate_subject",
                              params={"key": "1001"})  # whose it is stays unsaid: it may be outside the reader's
    assert problem.text("zh") == "人员 第 4 行「登录标识」：登录标识 1001 已被他人使用"
    assert problem.text("en") == ("people row 4, column 'sign-on subject': sign-on subject 1001 is already someone "
                                  "else's")


def test_a_sign_on_subject_that_is_another_person_s_id_is_refused() -> None:
    raw = small_city()
    cells(raw, Sheet.principals, "d@c.d")["subject"] = "w@g"  # signing in as w@g would find d@c.d
    [problem] = problems_of(raw)
    assert problem == Problem(sheet=Sheet.principals, row=4, column="subject", code="subject_is_an_id",
                              params={"key": "w@g"})


def _retire_grid(raw: dict[Sheet, Rows], successor: str | None = None) -> None:
    cells(raw, Sheet.units, GRID).update(active="撤销", successor_id=successor)
    cells(raw, Sheet.principals, "w@g")["active"] = "停用"


def test_a_retired_unit_holding_open_tasks_needs_a_successor() -> None:
    raw = small_city()
    _retire_grid(raw)
    assert validated(raw, open_work={GRID: 0}).units[-1].active is False  # no open work: retired as it is
    [problem] = problems_of(raw, open_work={GRID: 3})
    assert problem == Problem(sheet=Sheet.units, row=6, column="successor_id", code="retired_with_work",
                              params={"count": "3"})
    assert problem.text("zh") == "单位 第 6 行「继任单位编码」：单位有 3 件在办任务，撤销须填继任单位"
    assert problem.text("en") == ("units row 6, column 'successor id': the unit holds 3 open tasks: name a "
                                  "successor to retire it")


def test_a_retired_grid_handing_its_work_to_a_sibling_grid_is_accepted() -> None:
    raw = small_city()
    _retire_grid(raw, successor="c.d.s.m.g2")
    raw[Sheet.units].append((8, _unit("c.d.s.m.g2", "网格二", "网格", "c.d.s.m", shape=_square(117.3, 39.1))))
    d = validated(raw, open_work={GRID: 3})
    assert next(u for u in d.units if u.id == GRID).successor_id == "c.d.s.m.g2"


@pytest.mark.parametrize("successor", ["c.d.s.m", "c.d.s.m.nowhere", GRID])
def test_a_successor_must_be_another_active_unit_of_the_same_level_and_kind(successor: str) -> None:
    raw = small_city()
    _retire_grid(raw, successor=successor)
    [problem] = problems_of(raw, open_work={GRID: 3})
    assert problem == Problem(sheet=Sheet.units, row=6, column="successor_id", code="bad_successor",
                              params={"key": successor})
    assert problem.text("zh") == f"单位 第 6 行「继任单位编码」：继任单位 {successor} 须为在用的同层级同类型单位"
    assert problem.text("en") == (f"units row 6, column 'successor id': successor {successor} must be an active "
                                  "unit of the same level and kind")


def test_a_retired_unit_with_active_units_below_it() -> None:
    raw = small_city()
    cells(raw, Sheet.units, "c.d.s.m")["active"] = "撤销"
    [problem] = problems_of(raw)
    assert problem == Problem(sheet=Sheet.units, row=5, column="active", code="active_children",
                              params={"key": GRID})


def test_a_unit_or_a_person_left_out_of_the_file_is_missing() -> None:
    before = small_city()
    before[Sheet.units].append((8, _unit("c.d.s.m.g2", "网格二", "网格", "c.d.s.m", shape=_square(117.3, 39.1))))
    before[Sheet.principals].append((5, {"id": "w@g2", "name": "网格员丁", "unit_id": "c.d.s.m.g2",
                                         "roles": "网格员"}))
    current = validated(before)
    problems = problems_of(small_city(), current=current)
    assert problems == [
        Problem(sheet=Sheet.units, column="id", code="missing_unit", params={"key": "c.d.s.m.g2"}),
        Problem(sheet=Sheet.principals, column="id", code="missing_principal", params={"key": "w@g2"}),
    ]
    assert problems[0].text("zh") == "单位「单位编码」：单位 c.d.s.m.g2 不在表中：单位不删除，请将状态改为撤销"
    assert problems[0].text("en") == ("units, column 'unit id': unit c.d.s.m.g2 is missing: units are never "
                                      "deleted, set its status to retired")
    assert problems[1].text("en") == ("people, column 'person id': person w@g2 is missing: people are never "
                                      "deleted, set their status to deactivated")


def test_an_unknown_rule() -> None:
    raw = small_city()
    raw[Sheet.rules].append((3, {"key": "max_rework", "value": 3}))
    [problem] = problems_of(raw)
    assert problem == Problem(sheet=Sheet.rules, row=3, column="key", code="unknown_rule",
                              params={"key": "max_rework"})
    assert problem.text("zh") == "规则 第 3 行「规则」：没有名为 max_rework 的规则"
    assert problem.text("en") == "rules row 3, column 'rule': there is no rule named max_rework"


def test_a_rule_value_out_of_range() -> None:
    raw = small_city()
    cells(raw, Sheet.rules, "max_reworks")["value"] = 11
    [problem] = problems_of(raw)
    message = "max_reworks: Input should be less than or equal to 10"
    assert problem == Problem(sheet=Sheet.rules, row=2, column="value", code="invalid", params={"value": message})
    assert problem.text("zh") == f"规则 第 2 行「取值」：无法识别：{message}"
    assert problem.text("en") == f"rules row 2, column 'value': cannot be read: {message}"


def test_a_mediation_window_out_of_range_is_reported_on_its_own_row() -> None:
    raw = small_city()
    raw[Sheet.rules] += [(3, {"key": "mediation_days.grid", "value": 99}),
                         (4, {"key": "mediation_days.community", "value": 2}),
                         (5, {"key": "mediation_days.street", "value": 4})]
    [problem] = problems_of(raw)
    assert problem == Problem(sheet=Sheet.rules, row=3, column="value", code="invalid",
                              params={"value": "mediation_days.grid: Input should be less than or equal to 30"})


def test_reminders_are_read_from_one_cell() -> None:
    raw = small_city()
    raw[Sheet.rules].append((3, {"key": "reminders", "value": "0.4，0.9"}))
    assert validated(raw).rules.reminders == (0.4, 0.9)
    cells(raw, Sheet.rules, "reminders")["value"] = "0.4,soon"
    [problem] = problems_of(raw)
    assert problem == Problem(sheet=Sheet.rules, row=3, column="value", code="invalid",
                              params={"value": "0.4,soon"})


def test_an_unreadable_cell_leaves_its_row_out() -> None:
    raw = small_city()
    cells(raw, Sheet.units, "c.d.s")["level"] = "省"
    directory, _, problems = parse(raw)
    assert problems == [Problem(sheet=Sheet.units, row=4, column="level", code="invalid", params={"value": "省"})]
    assert "c.d.s" not in {u.id for u in directory.units}
    assert problems[0].text("zh") == "单位 第 4 行「层级」：无法识别：省"
    assert problems[0].text("en") == "units row 4, column 'level': cannot be read: 省"


def test_every_unreadable_cell_of_a_row_is_reported() -> None:
    raw = small_city()
    cells(raw, Sheet.matters, "roads.pothole").update(list_type="马上", handling_phased=2.5, report_hours="一天")
    directory, _, problems = parse(raw)
    assert [(p.row, p.column, p.code) for p in problems] == [(2, "list_type", "invalid"),
                                                             (2, "report_hours", "invalid"),
                                                             (2, "handling_phased", "invalid")]
    assert directory.matters == ()


def test_a_handling_time_beyond_its_bound_names_the_column() -> None:
    raw = small_city()
    cells(raw, Sheet.matters, "roads.pothole")["report_hours"] = 999
    [problem] = parse(raw)[2]
    assert (problem.sheet, problem.row, problem.column, problem.code) == (Sheet.matters, 2, "report_hours",
                                                                          "invalid")


def test_every_problem_is_reported_at_once() -> None:
    raw = small_city()
    cells(raw, Sheet.units, "c.d.s.m")["parent_id"] = "c.d.x"
    cells(raw, Sheet.matters, "roads.pothole")["departments"] = "space"
    cells(raw, Sheet.principals, "d@c.d")["subject"] = "1002"
    with pytest.raises(DirectoryInvalid) as refused:
        validated(raw)
    assert [(p.sheet, p.row, p.column, p.code) for p in refused.value.problems] == [
        (Sheet.units, 5, "parent_id", "unknown_parent"),
        (Sheet.principals, 4, "subject", "duplicate_subject"),
        (Sheet.matters, 2, "departments", "no_department"),
    ]
    assert str(refused.value).splitlines() == [p.text("en") for p in refused.value.problems]


def test_the_json_form_reads_codes_lists_and_flags() -> None:
    raw: dict[Sheet, Rows] = {
        Sheet.units: [(1, {"id": "c", "name": "City", "level": "city", "kind": "territorial", "active": True}),
                      (2, {"id": "c.dept.water", "name": "Water", "level": "city", "kind": "department",
                           "parent_id": "c", "function": "water", "active": False})],
        Sheet.principals: [(1, {"id": "p", "name": "P", "unit_id": "c", "roles": ["leader", "dispatcher"]}),
                           (2, {"id": "q", "name": "Q", "unit_id": "c", "roles": []})],
    }
    directory, positions, problems = parse(raw)
    assert problems == []
    assert directory.principals[0].roles == (Role.leader, Role.dispatcher)
    assert directory.units[1].active is False
    assert check(directory, positions) == [Problem(sheet=Sheet.principals, row=2, column="roles", code="no_role")]


# --- versions: diff and compose on the sample city edited at random -------------------------------------------

NAMES = st.text(st.sampled_from("东西南北中新老城乡河湖山桥ABCxyz"), min_size=1, max_size=8)
#: a record, by its place in its list (wrapped round)
WHICH = st.integers(0, 999)


def _decimal(low: float, high: float) -> st.SearchStrategy[float]:
    """A number as a clerk writes it (a workbook keeps 16 significant digits, not the 17 a float may need)."""
    return st.floats(low, high).map(lambda x: round(x, 4))


RULES = st.builds(
    Rules, red_after_working_days=st.integers(1, 30), max_reworks=st.integers(0, 10),
    evaluation_working_days=st.integers(1, 30), emergency_factor=_decimal(0.01, 1),
    emergency_check_in_hours=_decimal(0.01, 24),
    reminders=st.lists(st.floats(0.001, 0.999), min_size=2, max_size=2, unique=True).map(lambda r: tuple(sorted(r))),
    mediation_days=st.builds(MediationDays, grid=st.integers(1, 30), community=st.integers(1, 30),
                             street=st.integers(1, 30)))

#: the edits a district makes: renames, new deadlines and rules, people deactivated and hired, grids added under a
#: community; each a small tuple, so a failing example reads as the edits, not as the whole city
EDIT = st.one_of(
    st.tuples(st.just("rename"), WHICH, NAMES),
    st.tuples(st.just("deadline"), WHICH, st.builds(HandlingDays, immediate=st.integers(1, 60),
                                                    phased=st.integers(1, 120), understanding=st.integers(1, 60)),
              _decimal(0.01, 240)),
    st.tuples(st.just("deactivate"), WHICH),
    st.tuples(st.just("hire"), WHICH, NAMES, st.lists(st.sampled_from(Role), min_size=1, max_size=3, unique=True),
              st.booleans()),
    st.tuples(st.just("rules"), RULES),
    st.tuples(st.just("grid"), WHICH, NAMES, st.integers(0, 9), _decimal(100, 120), _decimal(30, 40)),
)
EDITS = st.lists(EDIT, max_size=4)


def edited(base: Directory, edits: list[tuple[Any, ...]]) -> Directory:
    """``base`` after ``edits`` (drawn from :data:`EDITS`): a valid directory that keeps all of ``base``."""
    units, shapes = list(base.units), dict(base.shapes)
    principals, matters, rules = list(base.principals), list(base.matters), base.rules
    for what, *args in edits:
        if what == "rename":
            i = args[0] % len(units)
            units[i] = units[i].model_copy(update={"name": args[1]})
        elif what == "deadline":
            i = args[0] % len(matters)
            matters[i] = matters[i].model_copy(update={"handling_days": args[1], "report_hours": args[2]})
        elif what == "deactivate":
            i = args[0] % len(principals)
            principals[i] = principals[i].model_copy(update={"active": False})
        elif what == "hire":
            active = [u for u in units if u.active]
            home, n = active[args[0] % len(active)], len(principals)
            principals.append(Principal(id=f"p{n}@{home.id}", name=args[1], unit_id=home.id, roles=tuple(args[2]),
                                        subject=f"hired-{n}" if args[3] else None))
        elif what == "rules":
            rules = args[0]
        else:
            communities = [u for u in units if u.level is Level.community]
            community = communities[args[0] % len(communities)]
            grid = Unit(id=f"{community.id}.n{len(units)}", name=args[1], name_en="", level=Level.grid,
                        kind=UnitKind.territorial, parent_id=community.id, order=args[2])
            units.append(grid)
            shapes[grid.id] = _square(args[3], args[4])
    return Directory(units=tuple(units), shapes=shapes, principals=tuple(principals), matters=tuple(matters),
                     rules=rules)


@settings(max_examples=50, deadline=None)
@given(first=EDITS, second=EDITS)
def test_an_edited_sample_city_stays_valid(first: list[tuple[Any, ...]], second: list[tuple[Any, ...]]) -> None:
    a = edited(SAMPLE, first)
    b = edited(a, second)
    assert check(a, {}, current=SAMPLE) == []
    assert check(b, {}, current=a) == []


@settings(max_examples=50, deadline=None)
@given(first=EDITS, second=EDITS)
def test_a_diff_is_empty_exactly_when_the_records_are_equal(first: list[tuple[Any, ...]],
                                                            second: list[tuple[Any, ...]]) -> None:
    a = edited(SAMPLE, first)
    b = edited(a, second)
    old, new = a.records(), b.records()
    changes = diff(a, b)
    assert (changes == []) == (old == new)
    assert diff(a, a.sorted()) == []
    assert {(c.kind, c.key) for c in changes} == {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}
    assert all(c.before == old.get((c.kind, c.key)) and c.after == new.get((c.kind, c.key)) for c in changes)
    assert all(c.after is not None for c in changes)  # edits keep every record


@settings(max_examples=50, deadline=None)
@given(first=EDITS, second=EDITS, third=EDITS)
def test_two_versions_compose_into_the_diff_from_first_to_last(
        first: list[tuple[Any, ...]], second: list[tuple[Any, ...]], third: list[tuple[Any, ...]]) -> None:
    a = edited(SAMPLE, first)
    b = edited(a, second)
    c = edited(b, third)
    assert compose([diff(a, b), diff(b, c)]) == diff(a, c)
    assert compose([diff(a, b), diff(b, a)]) == []
    assert compose([diff(a, b)]) == diff(a, b)


def test_a_record_changed_twice_composes_to_its_first_before_and_last_after() -> None:
    one = SAMPLE.model_copy(update={"rules": Rules(max_reworks=3)})
    two = SAMPLE.model_copy(update={"rules": Rules(max_reworks=4)})
    [change] = compose([diff(SAMPLE, one), diff(one, two)])
    assert change == Change(kind=RecordKind.rules, key="rules", before=SAMPLE.rules.model_dump(mode="json"),
                            after=two.rules.model_dump(mode="json"))
    assert change.what == "changed"


def test_records_carry_a_grids_shape_and_come_back_whole() -> None:
    records = SAMPLE.records()
    grid = next(u for u in SAMPLE.units if u.level is Level.grid)
    assert records[RecordKind.unit, grid.id]["shape"] == SAMPLE.shapes[grid.id]
    assert records[RecordKind.unit, "qh"]["shape"] is None
    assert Directory.from_records((kind, row) for (kind, _), row in records.items()).sorted() == SAMPLE


def test_a_shape_that_is_not_a_closed_polygon_is_refused() -> None:
    for broken in ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0]]]},
                   {"type": "Polygon", "coordinates": [[[1, 2]]]},
                   {"type": "Polygon", "coordinates": []}, {"type": "MultiPolygon", "coordinates": [[]]},
                   {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]},  # not closed
                   {"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [1, 1], [0, 0]]]}):  # beyond the globe
        raw = small_city()
        cells(raw, Sheet.units, GRID)["shape"] = broken
        assert [p.code for p in problems_of(raw)] == ["bad_shape"], broken
