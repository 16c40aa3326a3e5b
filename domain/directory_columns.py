"""The directory's sheets and columns as a district clerk keeps them (单位 / 人员 / 事项 / 规则), and the words a
cell may hold: Chinese labels as the workbook shows them, or the codes the JSON form uses."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.catalogue import ListType
from domain.organisation import Level, Role, UnitKind


class Sheet(StrEnum):
    units = "单位"
    principals = "人员"
    matters = "事项"
    rules = "规则"


SHEET_EN: dict[Sheet, str] = {Sheet.units: "units", Sheet.principals: "people", Sheet.matters: "matters",
                              Sheet.rules: "rules"}


@dataclass(frozen=True)
class Column:
    field: str  # the model's field (and the JSON key)
    zh: str  # the workbook's header
    en: str
    required: bool = False
    note: str = ""  # what the instruction sheet says of it


COLUMNS: dict[Sheet, tuple[Column, ...]] = {
    Sheet.units: (
        Column("id", "单位编码", "unit id", True, "唯一，不可更改；网格、社区、街道、区、市及部门各一行"),
        Column("name", "单位名称", "name", True),
        Column("name_en", "英文名称", "English name"),
        Column("level", "层级", "level", True, "网格 / 社区 / 街道 / 区 / 市（部门填其上级的层级）"),
        Column("kind", "类型", "kind", True, "属地 / 部门"),
        Column("parent_id", "上级单位编码", "parent id", False, "市级单位留空，其余必填"),
        Column("function", "职能", "function", False, "部门必填：事项按职能派给部门，如 housing、water"),
        Column("order", "排序", "order", False, "同级单位中的顺序，整数"),
        Column("shape", "网格边界", "grid shape", False, "网格必填：GeoJSON 多边形（经纬度）"),
        Column("active", "状态", "status", False, "在用 / 撤销（撤销的单位保留，不删除行）"),
        Column("successor_id", "继任单位编码", "successor id", False, "撤销时接手其在办任务的单位"),
    ),
    Sheet.principals: (
        Column("id", "人员编码", "person id", True, "唯一，不可更改"),
        Column("name", "姓名", "name", True),
        Column("unit_id", "所属单位编码", "unit id", True),
        Column("roles", "角色", "roles", True,
               "用顿号分隔：居民、网格员、承办人、派单员、领导、督查员、接口、管理员"),
        Column("subject", "登录标识", "sign-on subject", False, "统一身份认证中代表此人的值（如工号）"),
        Column("active", "状态", "status", False, "在岗 / 停用"),
    ),
    Sheet.matters: (
        Column("code", "事项编码", "matter code", True, "唯一，如 heating.no_heat"),
        Column("name", "事项名称", "name", True),
        Column("name_en", "英文名称", "English name"),
        Column("category", "类别编码", "category code", True),
        Column("category_name", "类别名称", "category name", True),
        Column("departments", "责任部门职能", "responsible functions", True,
               "用顿号分隔的部门职能，按先后派单，须有部门承担"),
        Column("list_type", "默认清单", "default list", True, "即办 / 阶段性 / 谅解"),
        Column("report_hours", "报到时限（小时）", "check-in hours", True),
        Column("handling_immediate", "即办时限（工作日）", "immediate-list working days", True),
        Column("handling_phased", "阶段性时限（工作日）", "phased-list working days", True),
        Column("handling_understanding", "谅解时限（工作日）", "understanding-list working days", True),
        Column("on_the_spot", "即查即办", "resolved on the spot", False, "是 / 否"),
        Column("mediation", "三级七天调解", "mediation ladder", False, "是 / 否"),
    ),
    Sheet.rules: (
        Column("key", "规则", "rule", True),
        Column("value", "取值", "value", True),
        Column("note", "说明", "note"),
    ),
}


def column(sheet: Sheet, field: str) -> Column:
    return next(c for c in COLUMNS[sheet] if c.field == field)


#: each rule's row: key, its Chinese name, what it means
RULE_NOTES: dict[str, str] = {
    "red_after_working_days": "办理超时后几个工作日亮红牌并督办上一级",
    "max_reworks": "吹哨人最多退回重办次数，再退回即上报",
    "evaluation_working_days": "居民与吹哨人评价期限（工作日）",
    "emergency_factor": "应急哨时后续各环节时限乘以此系数",
    "emergency_check_in_hours": "应急哨报到时限（小时）",
    "reminders": "办理时限提醒点（时限的比例，逗号分隔，如 0.5,0.8）",
    "mediation_days.grid": "三级七天：网格调解天数",
    "mediation_days.community": "三级七天：社区调解天数",
    "mediation_days.street": "三级七天：街道调解天数",
}

LEVEL_LABELS: dict[Level, str] = {Level.grid: "网格", Level.community: "社区", Level.street: "街道",
                                  Level.district: "区", Level.city: "市"}
KIND_LABELS: dict[UnitKind, str] = {UnitKind.territorial: "属地", UnitKind.department: "部门"}
ROLE_LABELS: dict[Role, str] = {
    Role.resident: "居民", Role.grid_worker: "网格员", Role.handler: "承办人", Role.dispatcher: "派单员",
    Role.leader: "领导", Role.supervisor: "督查员", Role.integration: "接口", Role.administrator: "管理员",
}
LIST_LABELS: dict[ListType, str] = {ListType.immediate: "即办", ListType.phased: "阶段性",
                                    ListType.understanding: "谅解"}
