"""The default matter catalogue (事项清单): 17 categories, 45 matters.

Each row: code, zh, en, departments (function codes), default list, report deadline in hours,
handling working days (immediate, phased, understanding), on-the-spot, mediation ladder.
"""

from __future__ import annotations

from domain.catalogue import Catalogue, HandlingDays, ListType, Matter

CATEGORIES: dict[str, tuple[str, str]] = {
    "property": ("物业管理", "Property management"),
    "heating": ("供暖", "Heating"),
    "parking": ("停车管理", "Parking"),
    "sanitation": ("环境卫生", "Sanitation"),
    "roads": ("道路设施", "Roads"),
    "safety_hazard": ("安全隐患", "Safety hazards"),
    "neighbour_dispute": ("邻里纠纷", "Neighbour disputes"),
    "water": ("供水排水", "Water supply and drainage"),
    "power_gas": ("供电供气", "Power and gas"),
    "greening": ("园林绿化", "Greening"),
    "noise": ("噪声扰民", "Noise"),
    "illegal_construction": ("违法建设", "Illegal construction"),
    "market": ("市场监管", "Markets and food safety"),
    "traffic": ("交通秩序", "Traffic order"),
    "public_facilities": ("公共设施", "Public facilities"),
    "social_assistance": ("民生保障", "Social assistance"),
    "pets": ("宠物管理", "Pets and animals"),
}

I, P, U = ListType.immediate, ListType.phased, ListType.understanding

_ROWS: list[tuple[str, str, str, tuple[str, ...], ListType, float, tuple[int, int, int], bool, bool]] = [
    ("property.elevator_fault", "电梯故障", "Lift out of order", ("market_supervision", "housing"), I, 4, (2, 10, 5), False, False),
    ("property.leaking_roof", "楼顶漏水", "Leaking roof", ("housing",), P, 24, (5, 20, 5), False, False),
    ("property.service_fee", "物业费纠纷", "Property fee dispute", ("housing",), I, 24, (5, 15, 5), False, True),
    ("property.stairwell_light", "楼道灯不亮", "Stairwell light out", ("housing",), I, 24, (3, 10, 5), True, False),
    ("heating.no_heat", "暖气不热", "No heating", ("heating",), I, 4, (2, 10, 5), False, False),
    ("heating.pipe_leak", "暖气管道漏水", "Heating pipe leak", ("heating",), I, 2, (1, 5, 3), False, False),
    ("heating.fee", "供暖费争议", "Heating fee dispute", ("heating", "market_supervision"), I, 24, (5, 15, 5), False, False),
    ("parking.illegal_parking", "违章停车", "Illegal parking", ("public_security",), I, 4, (1, 5, 3), True, False),
    ("parking.space_dispute", "车位纠纷", "Parking space dispute", ("housing",), I, 24, (5, 15, 5), False, True),
    ("parking.abandoned_vehicle", "僵尸车", "Abandoned vehicle", ("public_security", "urban_management"), P, 24, (5, 20, 5), False, False),
    ("sanitation.garbage_overflow", "垃圾满溢", "Overflowing bins", ("urban_management",), I, 12, (1, 5, 3), True, False),
    ("sanitation.illegal_dumping", "乱倒垃圾", "Illegal dumping", ("urban_management", "environment"), I, 12, (2, 10, 5), True, False),
    ("sanitation.public_toilet", "公厕脏乱", "Dirty public toilet", ("urban_management",), I, 12, (2, 10, 5), False, False),
    ("roads.pothole", "道路坑洼", "Pothole", ("transport", "urban_management"), P, 24, (5, 30, 5), False, False),
    ("roads.manhole_cover", "井盖缺失", "Missing manhole cover", ("urban_management", "water"), I, 2, (1, 5, 3), False, False),
    ("roads.streetlight", "路灯不亮", "Streetlight out", ("urban_management",), I, 24, (3, 10, 5), False, False),
    ("safety_hazard.fire_exit_blocked", "消防通道堵塞", "Blocked fire exit", ("emergency", "public_security"), I, 2, (1, 5, 3), True, False),
    ("safety_hazard.gas_smell", "燃气泄漏", "Gas smell", ("emergency", "gas"), I, 1, (1, 3, 2), False, False),
    ("safety_hazard.ebike_charging", "电动车楼道充电", "E-bike charging in stairwell", ("emergency",), I, 4, (1, 5, 3), True, False),
    ("safety_hazard.dangerous_building", "危房隐患", "Dangerous building", ("housing", "emergency"), P, 4, (3, 30, 10), False, False),
    ("neighbour_dispute.water_leak_downstairs", "楼上漏水纠纷", "Leak into the flat below", ("housing",), I, 24, (5, 15, 5), False, True),
    ("neighbour_dispute.boundary", "宅基地界址纠纷", "Boundary dispute", ("natural_resources",), P, 24, (7, 30, 10), False, True),
    ("neighbour_dispute.shared_space", "公共空间占用纠纷", "Shared space taken over", ("urban_management",), I, 24, (5, 15, 5), False, True),
    ("water.outage", "停水", "No water", ("water",), I, 2, (1, 5, 3), False, False),
    ("water.sewer_blocked", "下水道堵塞", "Blocked sewer", ("water", "housing"), I, 4, (2, 10, 5), False, False),
    ("water.waterlogging", "道路积水", "Waterlogged road", ("water", "urban_management"), I, 4, (2, 10, 5), False, False),
    ("power_gas.power_outage", "停电", "Power cut", ("power_grid",), I, 2, (1, 5, 3), False, False),
    ("power_gas.gas_supply", "燃气供应问题", "Gas supply problem", ("gas",), I, 4, (2, 10, 5), False, False),
    ("greening.tree_trimming", "树木修剪", "Tree needs trimming", ("landscaping",), I, 24, (5, 20, 5), True, False),
    ("greening.green_space_damaged", "绿地毁坏", "Green space damaged", ("landscaping", "urban_management"), P, 24, (5, 20, 5), False, False),
    ("noise.construction_night", "夜间施工噪声", "Construction noise at night", ("environment", "urban_management"), I, 4, (1, 5, 3), False, False),
    ("noise.neighbour_noise", "邻里噪声", "Noisy neighbours", ("public_security",), I, 12, (3, 10, 5), False, True),
    ("noise.square_dance", "广场舞扰民", "Square-dance noise", ("public_security", "urban_management"), I, 12, (3, 10, 5), True, True),
    ("illegal_construction.rooftop", "楼顶违建", "Rooftop extension", ("urban_management", "natural_resources"), P, 24, (10, 60, 10), False, False),
    ("illegal_construction.ground_floor", "一楼私搭乱建", "Ground-floor structure", ("urban_management",), P, 24, (10, 60, 10), False, False),
    ("market.food_safety", "食品安全", "Food safety", ("market_supervision",), I, 4, (3, 10, 5), False, False),
    ("market.price_gouging", "价格欺诈", "Price gouging", ("market_supervision",), I, 24, (5, 15, 5), False, False),
    ("market.unlicensed_vendor", "占道经营", "Street vending", ("urban_management", "market_supervision"), I, 12, (2, 10, 5), True, False),
    ("traffic.signal_fault", "信号灯故障", "Traffic signal fault", ("public_security", "transport"), I, 2, (1, 5, 3), False, False),
    ("traffic.bus_stop", "公交站设置", "Bus stop placement", ("transport",), U, 48, (10, 60, 15), False, False),
    ("public_facilities.fitness_equipment", "健身器材损坏", "Broken fitness equipment", ("civil_affairs", "landscaping"), I, 24, (5, 20, 5), False, False),
    ("public_facilities.barrier_free", "无障碍设施缺失", "Missing accessibility ramp", ("housing", "civil_affairs"), P, 48, (10, 60, 15), False, False),
    ("social_assistance.subsistence_allowance", "低保申请", "Subsistence allowance", ("civil_affairs",), I, 24, (5, 20, 10), False, False),
    ("social_assistance.elderly_care", "独居老人照护", "Care for an elderly person living alone", ("civil_affairs",), I, 4, (2, 10, 5), True, False),
    ("pets.stray_dogs", "流浪犬", "Stray dogs", ("public_security", "urban_management"), I, 12, (3, 10, 5), False, False),
    ("pets.dog_fouling", "犬只粪便", "Dog fouling", ("urban_management",), I, 24, (3, 10, 5), True, True),
]


def sample_matters() -> list[Matter]:
    out = []
    for code, zh, en, depts, list_type, report_hours, (imm, ph, und), spot, mediation in _ROWS:
        category = code.split(".", 1)[0]
        cat_zh, _cat_en = CATEGORIES[category]
        out.append(Matter(code=code, name=zh, name_en=en, category=category, category_name=cat_zh,
                          departments=depts, list_type=list_type, report_hours=report_hours,
                          handling_days=HandlingDays(immediate=imm, phased=ph, understanding=und),
                          on_the_spot=spot, mediation=mediation))
    return out


def sample_catalogue() -> Catalogue:
    return Catalogue(sample_matters())
