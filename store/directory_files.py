"""The directory's two file forms: a workbook as a district clerk keeps it (.xlsx, sheets 单位 / 人员 / 事项 / 规则
with Chinese headers, and an instruction sheet 说明) and the same data as JSON. Reading either gives the rows that
:mod:`domain.directory_check` parses and checks; writing either and reading it back gives the same directory.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from domain.directory import Directory
from domain.directory_check import Problem, RawDirectory, Rows
from domain.directory_columns import (
    COLUMNS,
    KIND_LABELS,
    LEVEL_LABELS,
    LIST_LABELS,
    ROLE_LABELS,
    RULE_NOTES,
    SHEET_EN,
    Sheet,
)
from domain.rules import Rules

JSON_FORMAT = "whistle-directory/1"
INSTRUCTIONS = "说明"
JSON_KEYS: dict[Sheet, str] = {Sheet.units: "units", Sheet.principals: "principals", Sheet.matters: "matters"}


class UnreadableFile(ValueError):
    """Raised when a file is not a directory workbook or JSON document at all (the problems say why)."""

    def __init__(self, problems: list[Problem], message: str) -> None:
        super().__init__(message)
        self.problems = problems


# --- reading ------------------------------------------------------------------------------------------------


def read(path: Path) -> RawDirectory:
    """The rows of a workbook (.xlsx) or a JSON file, by its suffix."""
    data = path.read_bytes()
    return read_json(data) if path.suffix.lower() == ".json" else read_workbook(data)


def read_workbook(data: bytes) -> RawDirectory:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a file that is not a workbook
        raise UnreadableFile([], f"not an .xlsx workbook: {type(exc).__name__}") from None
    raw: dict[Sheet, Rows] = {}
    missing = [sheet for sheet in Sheet if sheet.value not in book.sheetnames]
    if missing:
        names = "、".join(s.value for s in missing)
        raise UnreadableFile([], f"the workbook has no sheet {names} (sheets: {', '.join(book.sheetnames)})")
    for sheet in Sheet:
        rows = book[sheet.value].iter_rows(values_only=True)
        header = next(rows, None) or ()
        fields = _header_fields(sheet, header)
        raw[sheet] = [(n, {fields[i]: cell for i, cell in enumerate(row) if i in fields})
                      for n, row in enumerate(rows, start=2) if any(c not in (None, "") for c in row)]
    book.close()
    return raw


def _header_fields(sheet: Sheet, header: tuple[Any, ...]) -> dict[int, str]:
    """Column position → field, by the header's Chinese (or English) name."""
    names = {c.zh: c.field for c in COLUMNS[sheet]} | {c.en: c.field for c in COLUMNS[sheet]} \
        | {c.field: c.field for c in COLUMNS[sheet]}
    out = {i: names[str(h).strip()] for i, h in enumerate(header) if h is not None and str(h).strip() in names}
    absent = [c.zh for c in COLUMNS[sheet] if c.required and c.field not in out.values()]
    if absent:
        raise UnreadableFile([], f"sheet {sheet.value} has no column {'、'.join(absent)}")
    return out


def read_json(data: bytes) -> RawDirectory:
    try:
        doc = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnreadableFile([], f"not JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != JSON_FORMAT:
        raise UnreadableFile([], f"not a directory document (its \"format\" must be {JSON_FORMAT!r})")
    raw: dict[Sheet, Rows] = {}
    for sheet, key in JSON_KEYS.items():
        rows = doc.get(key, [])
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise UnreadableFile([], f"{key!r} must be a list of objects")
        raw[sheet] = list(enumerate(rows, start=1))
    rules = doc.get("rules", {})
    if not isinstance(rules, dict):
        raise UnreadableFile([], "'rules' must be an object")
    flat: list[tuple[str, Any]] = []
    for key, value in rules.items():
        if key == "mediation_days" and isinstance(value, dict):
            flat += [(f"mediation_days.{level}", days) for level, days in value.items()]
        else:
            flat.append((key, value))
    raw[Sheet.rules] = [(n, {"key": k, "value": v}) for n, (k, v) in enumerate(flat, start=1)]
    return raw


# --- writing ------------------------------------------------------------------------------------------------


def rows(directory: Directory, labels: bool) -> dict[Sheet, list[dict[str, Any]]]:
    """The directory as the rows of each sheet; ``labels``: Chinese words as the workbook shows them."""
    d = directory.sorted()

    def word(mapping: dict[Any, str], code: Any) -> str:
        return mapping[code] if labels else str(code.value)

    def yes(flag: bool, pair: tuple[str, str]) -> Any:
        return (pair[0] if flag else pair[1]) if labels else flag

    def many(items: list[str]) -> Any:
        return "、".join(items) if labels else items

    out: dict[Sheet, list[dict[str, Any]]] = {sheet: [] for sheet in Sheet}
    for u in d.units:
        shape = d.shapes.get(u.id)
        out[Sheet.units].append({
            "id": u.id, "name": u.name, "name_en": u.name_en, "level": word(LEVEL_LABELS, u.level),
            "kind": word(KIND_LABELS, u.kind), "parent_id": u.parent_id, "function": u.function, "order": u.order,
            "shape": (json.dumps(shape, ensure_ascii=False, separators=(",", ":")) if labels else shape)
            if shape is not None else None,
            "active": yes(u.active, ("在用", "撤销")), "successor_id": u.successor_id})
    for p in d.principals:
        out[Sheet.principals].append({
            "id": p.id, "name": p.name, "unit_id": p.unit_id,
            "roles": many([word(ROLE_LABELS, r) for r in p.roles]), "subject": p.subject,
            "active": yes(p.active, ("在岗", "停用"))})
    for m in d.matters:
        out[Sheet.matters].append({
            "code": m.code, "name": m.name, "name_en": m.name_en, "category": m.category,
            "category_name": m.category_name, "departments": many(list(m.departments)),
            "list_type": word(LIST_LABELS, m.list_type), "report_hours": m.report_hours,
            "handling_immediate": m.handling_days.immediate, "handling_phased": m.handling_days.phased,
            "handling_understanding": m.handling_days.understanding,
            "on_the_spot": yes(m.on_the_spot, ("是", "否")), "mediation": yes(m.mediation, ("是", "否"))})
    for key, value in _rule_items(d.rules):
        out[Sheet.rules].append({"key": key, "value": ",".join(str(v) for v in value)
                                 if isinstance(value, tuple) else value, "note": RULE_NOTES.get(key, "")})
    return out


def _rule_items(rules: Rules) -> list[tuple[str, Any]]:
    items: list[tuple[str, Any]] = []
    for key, value in rules.model_dump().items():
        if isinstance(value, dict):
            items += [(f"{key}.{k}", v) for k, v in value.items()]
        else:
            items.append((key, tuple(value) if isinstance(value, list | tuple) else value))
    return items


def to_json(directory: Directory) -> bytes:
    sheets = rows(directory, labels=False)
    doc: dict[str, Any] = {"format": JSON_FORMAT}
    for sheet, key in JSON_KEYS.items():
        doc[key] = [{k: v for k, v in row.items() if v is not None} for row in sheets[sheet]]
    doc["rules"] = directory.rules.model_dump(mode="json")
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode()


def to_workbook(directory: Directory) -> bytes:
    book = Workbook()
    _instructions(book.active)
    sheets = rows(directory, labels=True)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="FFE8F0FE")
    for sheet in Sheet:
        ws = book.create_sheet(sheet.value)
        columns = COLUMNS[sheet]
        ws.append([c.zh for c in columns])
        for i, col in enumerate(columns, start=1):
            cell = ws.cell(row=1, column=i)
            cell.font, cell.fill = bold, fill
            ws.column_dimensions[get_column_letter(i)].width = 14 if col.field != "shape" else 40
        for row in sheets[sheet]:
            ws.append([row.get(c.field) for c in columns])
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _instructions(ws: Any) -> None:
    ws.title = INSTRUCTIONS
    ws.append(["吹哨报到 · 组织机构、人员、事项目录与规则导入模板"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(["整个工作簿即全区目录：导入时先整体校验，任何一处有误则不作任何更改，并按工作表、行、列列出全部问题。"])
    ws.append(["单位与人员不删除行：撤销单位请将状态改为「撤销」并填写继任单位；人员离岗请将状态改为「停用」。"])
    ws.append(["每次导入生成一个目录版本（何人、何时、为何、改前改后），可在系统中查看与比较。"])
    ws.append([])
    ws.append(["工作表", "列", "必填", "说明"])
    for cell in ws[6]:
        cell.font = Font(bold=True)
    for sheet in Sheet:
        for col in COLUMNS[sheet]:
            ws.append([f"{sheet.value}（{SHEET_EN[sheet]}）", col.zh, "是" if col.required else "",
                       col.note or col.en])
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 22
    ws.column_dimensions["D"].width = 80
    for row in ws.iter_rows(min_row=7):
        row[3].alignment = Alignment(wrap_text=True)
