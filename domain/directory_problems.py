"""What can be wrong with a directory file, said where it is: a :class:`Problem` names its sheet, row and column,
in Chinese and in English; :class:`DirectoryInvalid` carries all of them at once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from domain.directory import RecordKind
from domain.directory_columns import LEVEL_LABELS, SHEET_EN, Sheet, column

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
