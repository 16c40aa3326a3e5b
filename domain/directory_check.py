"""Reading a directory from its rows and checking it whole, before anything changes.

:func:`parse` turns the rows of the four sheets (a workbook's cells, or the JSON form's objects: both arrive as
``{field: value}`` with the row's number) into a :class:`~domain.directory.Directory`; :func:`check` finds what is
wrong with it as a whole. Every :class:`Problem` names its sheet, row and column, in Chinese and in English, and
all of them are reported at once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from domain.catalogue import ListType, Matter
from domain.directory import Directory, RecordKind
from domain.directory_columns import (
    COLUMNS,
    KIND_LABELS,
    LEVEL_LABELS,
    LIST_LABELS,
    ROLE_LABELS,
    SHEET_EN,
    Sheet,
    column,
)
from domain.organisation import Level, Principal, Role, Unit, UnitKind
from domain.rules import Rules

#: a sheet's rows: (row number, {field: cell})
Rows = list[tuple[int, dict[str, Any]]]
RawDirectory = Mapping[Sheet, Rows]
#: where each record came from: (kind, key) → (sheet, row)
Positions = dict[tuple[RecordKind, str], tuple[Sheet, int]]

MESSAGES: dict[str, tuple[str, str]] = {
    "required": ("必填", "is required"),
    "invalid": ("无法识别：{value}", "cannot be read: {value}"),
    "duplicate": ("编码 {key} 重复（另见第 {other} 行）", "{key} is used twice (also row {other})"),
    "unknown_parent": ("上级单位 {key} 不存在", "parent unit {key} does not exist"),
    "cycle": ("上下级形成环：{key}", "the parents form a cycle: {key}"),
    "wrong_level": ("上级 {parent}（{parent_level}）与层级 {level} 不衔接",
                    "parent {parent} ({parent_level}) does not sit right above level {level}"),
    "root": ("只能有一个无上级的市级单位，现有：{key}", "exactly one city without a parent is needed; found: {key}"),
    "department_parent": ("部门须挂在区或市下", "a department hangs off a district or the city"),
    "no_function": ("部门须填职能", "a department needs a function"),
    "no_shape": ("网格须有边界", "a grid needs a shape"),
    "bad_shape": ("边界须为 GeoJSON 多边形", "the shape must be a GeoJSON Polygon or MultiPolygon"),
    "unknown_unit": ("单位 {key} 不存在", "unit {key} does not exist"),
    "retired_unit": ("单位 {key} 已撤销", "unit {key} is retired"),
    "retired_with_work": ("单位有 {count} 件在办任务，撤销须填继任单位",
                          "the unit holds {count} open tasks: name a successor to retire it"),
    "bad_successor": ("继任单位 {key} 须为在用的同层级同类型单位",
                      "successor {key} must be an active unit of the same level and kind"),
    "active_children": ("仍有在用的下级单位：{key}", "it still has active units below it: {key}"),
    "no_role": ("须至少有一个角色", "needs at least one role"),
    "duplicate_subject": ("登录标识 {key} 已被他人使用", "sign-on subject {key} is already someone else's"),
    "subject_is_an_id": ("登录标识 {key} 是另一人员的编码", "sign-on subject {key} is another person's id"),
    "outside": ("另有 {count} 处问题涉及您辖区以外的单位或人员", "{count} more problem(s) concern units or people "
                                                          "outside your jurisdiction"),
    "no_department": ("没有承担职能 {key} 的在用部门", "no active department has function {key}"),
    "handling_days": ("须为 1 至 {max} 的整数", "must be a whole number from 1 to {max}"),
    "unknown_rule": ("没有名为 {key} 的规则", "there is no rule named {key}"),
    "missing_unit": ("单位 {key} 不在表中：单位不删除，请将状态改为撤销",
                     "unit {key} is missing: units are never deleted, set its status to retired"),
    "missing_principal": ("人员 {key} 不在表中：人员不删除，请将状态改为停用",
                          "person {key} is missing: people are never deleted, set their status to deactivated"),
}


class Problem(BaseModel):
    """One thing wrong, where it is."""

    model_config = ConfigDict(frozen=True)

    sheet: Sheet
    row: int | None = None
    column: str | None = None  # the field; shown as its header
    code: str
    params: dict[str, str] = {}

    def text(self, lang: str = "zh") -> str:
        zh, en = MESSAGES[self.code]
        col = column(self.sheet, self.column) if self.column else None
        if lang == "en":
            where = SHEET_EN[self.sheet] + (f" row {self.row}" if self.row else "")
            where += f", column '{col.en}'" if col else ""
            return f"{where}: {en.format(**self.params)}"
        where = self.sheet.value + (f" 第 {self.row} 行" if self.row else "")
        where += f"「{col.zh}」" if col else ""
        levels = {level.value: label for level, label in LEVEL_LABELS.items()}
        shown = {k: levels.get(v, v) if k in ("level", "parent_level") else v for k, v in self.params.items()}
        return f"{where}：{zh.format(**shown)}"


class DirectoryInvalid(ValueError):
    """Raised when a directory cannot be loaded; ``problems`` lists everything wrong with it."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(p.text("en") for p in problems))
        self.problems = problems


# --- cells --------------------------------------------------------------------------------------------------

_SPLIT = re.compile(r"[、,，;；\s]+")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _label(labels: Mapping[Any, str]) -> Callable[[Any], Any]:
    def read(value: Any) -> Any:
        text = _text(value)
        for code, label in labels.items():
            if text in (label, code.value):
                return code
        raise ValueError(text)
    return read


def _bool(yes: str, no: str) -> Callable[[Any], bool]:
    def read(value: Any) -> bool:
        if isinstance(value, bool):
            return value
        text = (_text(value) or "").lower()
        if text in (yes, "是", "true", "yes", "1", "active"):
            return True
        if text in (no, "否", "false", "no", "0", "retired", "inactive"):
            return False
        raise ValueError(text)
    return read


def _list(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part for part in _SPLIT.split(_text(value) or "") if part]


def _roles(value: Any) -> list[Role]:
    read = _label(ROLE_LABELS)
    return [read(part) for part in _list(value)]


def _shape(value: Any) -> dict[str, Any]:
    shape = json.loads(value) if isinstance(value, str) else value
    if not isinstance(shape, dict):
        raise ValueError("not a GeoJSON object")
    return shape


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(value)
    return float(value)


def _whole(value: Any) -> int:
    number = _number(value)
    if not number.is_integer():
        raise ValueError(value)
    return int(number)


READERS: dict[Sheet, dict[str, Callable[[Any], Any]]] = {
    Sheet.units: {"level": _label(LEVEL_LABELS), "kind": _label(KIND_LABELS), "order": _whole, "shape": _shape,
                  "active": _bool("在用", "撤销")},
    Sheet.principals: {"roles": _roles, "active": _bool("在岗", "停用")},
    Sheet.matters: {"departments": _list, "list_type": _label(LIST_LABELS), "report_hours": _number,
                    "handling_immediate": _whole, "handling_phased": _whole, "handling_understanding": _whole,
                    "on_the_spot": _bool("是", "否"), "mediation": _bool("是", "否")},
}


def _cells(sheet: Sheet, row: int, raw: dict[str, Any], problems: list[Problem]) -> dict[str, Any] | None:
    """A row's cells read into their types; None (with its problems recorded) when a cell cannot be read."""
    out: dict[str, Any] = {}
    ok = True
    for col in COLUMNS[sheet]:
        value = raw.get(col.field)
        if _text(value) is None and not isinstance(value, list | dict | bool):
            if col.required:
                problems.append(Problem(sheet=sheet, row=row, column=col.field, code="required"))
                ok = False
            continue
        read: Callable[[Any], Any] = READERS.get(sheet, {}).get(col.field, _text)
        try:
            out[col.field] = read(value)
        except (ValueError, TypeError):
            shown = str(value)[:60]
            problems.append(Problem(sheet=sheet, row=row, column=col.field, code="invalid", params={"value": shown}))
            ok = False
    return out if ok else None


def _model_problems(sheet: Sheet, row: int, exc: ValidationError, fields: Mapping[str, str]) -> list[Problem]:
    out = []
    for error in exc.errors():
        field = fields.get(str(error["loc"][0]), str(error["loc"][0])) if error["loc"] else None
        known = field if field in {c.field for c in COLUMNS[sheet]} else None
        out.append(Problem(sheet=sheet, row=row, column=known, code="invalid",
                           params={"value": str(error["msg"])[:80]}))
    return out


# --- parsing ------------------------------------------------------------------------------------------------

def parse(raw: RawDirectory) -> tuple[Directory, Positions, list[Problem]]:
    """The directory the rows describe, where each record came from, and the rows that could not be read."""
    problems: list[Problem] = []
    positions: Positions = {}
    units: list[Unit] = []
    shapes: dict[str, dict[str, Any]] = {}
    principals: list[Principal] = []
    matters: list[Matter] = []

    for row, cells in raw.get(Sheet.units, []):
        fields = _cells(Sheet.units, row, cells, problems)
        if fields is None:
            continue
        shape = fields.pop("shape", None)
        fields.setdefault("name_en", "")
        fields.setdefault("parent_id", None)
        try:
            unit = Unit.model_validate(fields)
        except ValidationError as exc:
            problems.extend(_model_problems(Sheet.units, row, exc, {}))
            continue
        if _duplicate(positions, RecordKind.unit, unit.id, Sheet.units, row, problems, "id"):
            continue
        units.append(unit)
        if shape is not None:
            shapes[unit.id] = shape

    for row, cells in raw.get(Sheet.principals, []):
        fields = _cells(Sheet.principals, row, cells, problems)
        if fields is None:
            continue
        fields["roles"] = tuple(fields.get("roles", ()))
        try:
            principal = Principal.model_validate(fields)
        except ValidationError as exc:
            problems.extend(_model_problems(Sheet.principals, row, exc, {}))
            continue
        if _duplicate(positions, RecordKind.principal, principal.id, Sheet.principals, row, problems, "id"):
            continue
        principals.append(principal)

    for row, cells in raw.get(Sheet.matters, []):
        fields = _cells(Sheet.matters, row, cells, problems)
        if fields is None:
            continue
        fields["handling_days"] = {lt.value: fields.pop(f"handling_{lt.value}") for lt in ListType}
        fields["departments"] = tuple(fields["departments"])
        fields.setdefault("name_en", "")
        fields.setdefault("on_the_spot", False)
        fields.setdefault("mediation", False)
        try:
            matter = Matter.model_validate(fields)
        except ValidationError as exc:
            problems.extend(_model_problems(Sheet.matters, row, exc, {"handling_days": "handling_immediate"}))
            continue
        if _duplicate(positions, RecordKind.matter, matter.code, Sheet.matters, row, problems, "code"):
            continue
        matters.append(matter)

    rules = _rules(raw.get(Sheet.rules, []), problems, positions)
    directory = Directory(units=tuple(units), shapes=shapes, principals=tuple(principals), matters=tuple(matters),
                          rules=rules)
    return directory, positions, problems


def _duplicate(positions: Positions, kind: RecordKind, key: str, sheet: Sheet, row: int,
               problems: list[Problem], field: str) -> bool:
    if (kind, key) in positions:
        problems.append(Problem(sheet=sheet, row=row, column=field, code="duplicate",
                                params={"key": key, "other": str(positions[kind, key][1])}))
        return True
    positions[kind, key] = (sheet, row)
    return False


def _rules(rows: Rows, problems: list[Problem], positions: Positions) -> Rules:
    values: dict[str, Any] = {}
    where: dict[str, int] = {}
    known = set(Rules.model_fields) | {f"mediation_days.{lv}" for lv in ("grid", "community", "street")}
    for row, cells in rows:
        key = _text(cells.get("key"))
        if key is None:
            continue
        if key not in known or key == "mediation_days":
            problems.append(Problem(sheet=Sheet.rules, row=row, column="key", code="unknown_rule", params={"key": key}))
            continue
        value = cells.get("value")
        if key == "reminders" and not isinstance(value, list | tuple):
            try:
                value = [float(v) for v in _list(value)]
            except ValueError:
                problems.append(Problem(sheet=Sheet.rules, row=row, column="value", code="invalid",
                                        params={"value": str(value)}))
                continue
        if "." in key:
            values.setdefault("mediation_days", {})[key.split(".", 1)[1]] = value
        else:
            values[key] = value
        where[key] = row
    if rows:
        positions[RecordKind.rules, "rules"] = (Sheet.rules, rows[0][0])
    try:
        return Rules.model_validate(values)
    except ValidationError as exc:
        for error in exc.errors():
            loc = [str(part) for part in error["loc"]]
            key = ".".join(loc[:2]) if loc[:1] == ["mediation_days"] else loc[0] if loc else ""
            problems.append(Problem(sheet=Sheet.rules, row=where.get(key), column="value", code="invalid",
                                    params={"value": f"{key}: {error['msg']}"[:100]}))
        return Rules()


# --- the whole ----------------------------------------------------------------------------------------------

def check(directory: Directory, positions: Positions, open_work: Mapping[str, int] | None = None,
          current: Directory | None = None) -> list[Problem]:
    """What is wrong with the directory as a whole: the tree, the roles, the routing, retirements.

    ``open_work`` counts the open tasks each unit holds now; ``current`` is the directory in force, whose units
    and people may be retired or deactivated but not left out."""
    problems: list[Problem] = []
    units = {u.id: u for u in directory.units}

    def at(kind: RecordKind, record: str, col: str | None, code: str, **params: str) -> None:
        sheet, row = positions.get((kind, record), (_SHEETS[kind], 0))
        problems.append(Problem(sheet=sheet, row=row or None, column=col, code=code, params=params))

    roots = [u for u in directory.units if u.parent_id is None]
    if len(roots) != 1 or roots[0].level is not Level.city or roots[0].kind is not UnitKind.territorial:
        where = roots[0].id if len(roots) == 1 else ""
        at(RecordKind.unit, where, "parent_id", "root", key=", ".join(u.id for u in roots) or "—")
    for unit in directory.units:
        _check_unit(unit, units, directory, open_work or {}, at)
    subjects: dict[str, str] = {}
    ids = {p.id for p in directory.principals}
    for p in directory.principals:
        home = units.get(p.unit_id)
        if home is None:
            at(RecordKind.principal, p.id, "unit_id", "unknown_unit", key=p.unit_id)
        elif p.active and not home.active:
            at(RecordKind.principal, p.id, "unit_id", "retired_unit", key=p.unit_id)
        if not p.roles:
            at(RecordKind.principal, p.id, "roles", "no_role")
        if p.subject is not None:
            if p.subject in subjects:
                at(RecordKind.principal, p.id, "subject", "duplicate_subject", key=p.subject)
            elif p.subject != p.id and p.subject in ids:  # it would sign in as that other person
                at(RecordKind.principal, p.id, "subject", "subject_is_an_id", key=p.subject)
            subjects.setdefault(p.subject, p.id)
    functions = {u.function for u in directory.units if u.kind is UnitKind.department and u.active}
    for m in directory.matters:
        for function in m.departments:
            if function not in functions:
                at(RecordKind.matter, m.code, "departments", "no_department", key=function)
    if current is not None:
        for unit in current.units:
            if unit.id not in units:
                at(RecordKind.unit, unit.id, "id", "missing_unit", key=unit.id)
        kept = {p.id for p in directory.principals}
        for p in current.principals:
            if p.id not in kept:
                at(RecordKind.principal, p.id, "id", "missing_principal", key=p.id)
    return problems


_SHEETS = {RecordKind.unit: Sheet.units, RecordKind.principal: Sheet.principals, RecordKind.matter: Sheet.matters,
           RecordKind.rules: Sheet.rules}


def _check_unit(unit: Unit, units: Mapping[str, Unit], directory: Directory, open_work: Mapping[str, int],
                at: Callable[..., None]) -> None:
    key = unit.id
    parent = units.get(unit.parent_id) if unit.parent_id else None
    if unit.parent_id is not None and parent is None:
        at(RecordKind.unit, key, "parent_id", "unknown_parent", key=unit.parent_id)
    elif parent is not None:
        if _in_cycle(unit, units):
            at(RecordKind.unit, key, "parent_id", "cycle", key=" → ".join(_cycle(unit, units)))
        elif unit.kind is UnitKind.department:
            if parent.kind is not UnitKind.territorial or parent.level not in (Level.district, Level.city):
                at(RecordKind.unit, key, "parent_id", "department_parent")
            elif parent.level is not unit.level:
                at(RecordKind.unit, key, "level", "wrong_level", parent=parent.id, parent_level=parent.level.value,
                   level=unit.level.value)
        elif parent.kind is not UnitKind.territorial or parent.level is not unit.level.above():
            at(RecordKind.unit, key, "parent_id", "wrong_level", parent=parent.id, parent_level=parent.level.value,
               level=unit.level.value)
    if unit.kind is UnitKind.department and not unit.function:
        at(RecordKind.unit, key, "function", "no_function")
    is_grid = unit.kind is UnitKind.territorial and unit.level is Level.grid
    shape = directory.shapes.get(unit.id)
    if is_grid and unit.active and shape is None:
        at(RecordKind.unit, key, "shape", "no_shape")
    if shape is not None and not _polygonal(shape):
        at(RecordKind.unit, key, "shape", "bad_shape")
    if not unit.active:
        if unit.successor_id is None and open_work.get(unit.id, 0) > 0:
            at(RecordKind.unit, key, "successor_id", "retired_with_work", count=str(open_work[unit.id]))
        children = [u.id for u in units.values() if u.parent_id == unit.id and u.active]
        if children:
            at(RecordKind.unit, key, "active", "active_children", key=", ".join(sorted(children)[:5]))
    if unit.successor_id is not None:
        successor = units.get(unit.successor_id)
        if (successor is None or not successor.active or successor.level is not unit.level
                or successor.kind is not unit.kind or successor.id == unit.id):
            at(RecordKind.unit, key, "successor_id", "bad_successor", key=unit.successor_id)


def _ring(ring: Any) -> bool:
    """A closed ring of at least four [longitude, latitude] positions within range."""
    if not isinstance(ring, list) or len(ring) < 4 or ring[0] != ring[-1]:
        return False
    for position in ring:
        if not (isinstance(position, list | tuple) and len(position) >= 2
                and all(isinstance(v, int | float) and not isinstance(v, bool) for v in position[:2])):
            return False
        if not (-180 <= position[0] <= 180 and -90 <= position[1] <= 90):
            return False
    return True


def _polygonal(shape: Mapping[str, Any]) -> bool:
    """A GeoJSON Polygon or MultiPolygon whose every ring is closed, of four positions or more, within range."""
    coordinates = shape.get("coordinates")
    if shape.get("type") == "Polygon":
        polygons = [coordinates]
    elif shape.get("type") == "MultiPolygon" and isinstance(coordinates, list):
        polygons = coordinates
    else:
        return False
    return bool(polygons) and all(isinstance(p, list) and p and all(_ring(r) for r in p) for p in polygons)


def _cycle(unit: Unit, units: Mapping[str, Unit]) -> list[str]:
    chain = [unit.id]
    while len(chain) <= len(units) and units[chain[-1]].parent_id != unit.id:
        chain.append(str(units[chain[-1]].parent_id))
    return [*chain, unit.id]


def _in_cycle(unit: Unit, units: Mapping[str, Unit]) -> bool:
    """Is the unit itself on a cycle of parents? (Units below a cycle are not: only the cycle is reported.)"""
    seen = {unit.id}
    current = unit
    for _ in range(len(units) + 1):
        parent = current.parent_id
        if parent is None or parent not in units:
            return False
        if parent == unit.id:
            return True
        if parent in seen:
            return False
        seen.add(parent)
        current = units[parent]
    return False


def validated(raw: RawDirectory, open_work: Mapping[str, int] | None = None,
              current: Directory | None = None) -> Directory:
    """The directory the rows describe, or :class:`DirectoryInvalid` with every problem."""
    directory, positions, problems = parse(raw)
    problems += check(directory, positions, open_work, current)
    problems.sort(key=lambda p: (list(Sheet).index(p.sheet), p.row or 0))
    if problems:
        raise DirectoryInvalid(problems)
    return directory.sorted()

