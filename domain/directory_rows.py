"""Reading a directory from its rows: :func:`parse` turns the rows of the four sheets (a workbook's cells, or the
JSON form's objects: both arrive as ``{field: value}`` with the row's number) into a
:class:`~domain.directory.Directory`, recording where each record came from and every row it could not read."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import ValidationError

from domain.catalogue import ListType, Matter
from domain.directory import Directory, RecordKind
from domain.directory_columns import COLUMNS, KIND_LABELS, LEVEL_LABELS, LIST_LABELS, ROLE_LABELS, Sheet
from domain.directory_problems import Positions, Problem, RawDirectory, Rows
from domain.organisation import Principal, Role, Unit
from domain.rules import Rules

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

def _unit_fields(fields: dict[str, Any]) -> Any:
    """A unit row's fields as the model takes them; its shape, which the directory keeps beside the unit."""
    fields.setdefault("name_en", "")
    fields.setdefault("parent_id", None)
    return fields.pop("shape", None)


def _principal_fields(fields: dict[str, Any]) -> None:
    fields["roles"] = tuple(fields.get("roles", ()))


def _matter_fields(fields: dict[str, Any]) -> None:
    fields["handling_days"] = {lt.value: fields.pop(f"handling_{lt.value}") for lt in ListType}
    fields["departments"] = tuple(fields["departments"])
    fields.setdefault("name_en", "")
    fields.setdefault("on_the_spot", False)
    fields.setdefault("mediation", False)


M = TypeVar("M", Unit, Principal, Matter)


def _records(raw: RawDirectory, sheet: Sheet, kind: RecordKind, model: type[M], key: str,
             prepare: Callable[[dict[str, Any]], Any], problems: list[Problem], positions: Positions,
             aliases: Mapping[str, str] | None = None) -> list[tuple[M, Any]]:
    """One sheet's records, each with what ``prepare`` set aside of its row; a row that cannot be read, or that
    repeats a key, is a problem instead."""
    out: list[tuple[M, Any]] = []
    for row, cells in raw.get(sheet, []):
        fields = _cells(sheet, row, cells, problems)
        if fields is None:
            continue
        extra = prepare(fields)
        try:
            record = model.model_validate(fields)
        except ValidationError as exc:
            problems.extend(_model_problems(sheet, row, exc, aliases or {}))
            continue
        if not _duplicate(positions, kind, getattr(record, key), sheet, row, problems, key):
            out.append((record, extra))
    return out


def parse(raw: RawDirectory) -> tuple[Directory, Positions, list[Problem]]:
    """The directory the rows describe, where each record came from, and the rows that could not be read."""
    problems: list[Problem] = []
    positions: Positions = {}
    units = _records(raw, Sheet.units, RecordKind.unit, Unit, "id", _unit_fields, problems, positions)
    principals = _records(raw, Sheet.principals, RecordKind.principal, Principal, "id", _principal_fields, problems,
                          positions)
    matters = _records(raw, Sheet.matters, RecordKind.matter, Matter, "code", _matter_fields, problems, positions,
                       {"handling_days": "handling_immediate"})
    rules = _rules(raw.get(Sheet.rules, []), problems, positions)
    shapes = {unit.id: shape for unit, shape in units if shape is not None}
    directory = Directory(units=tuple(u for u, _ in units), shapes=shapes, principals=tuple(p for p, _ in principals),
                          matters=tuple(m for m, _ in matters), rules=rules)
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
