"""The sample organisation that ships with Whistle: 清河市 (Qinghe City) with two districts.

Ids are paths on the ladder (``qh.hd.cy.c1.g2`` is grid 2 of community 1 of 朝阳街道 in 河东区), so
an id says where a unit sits. Departments are ``<owner>.dept.<function>``; principals are
``<role>@<unit>`` (residents ``resident<n>@<grid>``).
"""

from __future__ import annotations

from domain.organisation import Level, Organisation, Principal, Role, Unit, UnitKind

CITY = ("qh", "清河市", "Qinghe City")

DISTRICTS: dict[str, tuple[str, str, dict[str, tuple[str, str]]]] = {
    "hd": ("河东区", "Hedong District", {
        "cy": ("朝阳街道", "Chaoyang Street"),
        "xh": ("新华街道", "Xinhua Street"),
    }),
    "hx": ("河西区", "Hexi District", {
        "js": ("建设街道", "Jianshe Street"),
        "hp": ("和平街道", "Heping Street"),
    }),
}

COMMUNITY_NAMES = (("东苑社区", "Dongyuan Community"), ("西苑社区", "Xiyuan Community"))

#: function code → (zh, en) of the departments every district has
DISTRICT_DEPARTMENTS: dict[str, tuple[str, str]] = {
    "housing": ("住房和城乡建设局", "Housing and Urban-Rural Development Bureau"),
    "urban_management": ("城市管理局", "Urban Management Bureau"),
    "public_security": ("公安分局", "Public Security Sub-bureau"),
    "water": ("水务局", "Water Affairs Bureau"),
    "heating": ("供热办公室", "Heating Office"),
    "market_supervision": ("市场监督管理局", "Market Supervision Bureau"),
    "environment": ("生态环境分局", "Ecology and Environment Sub-bureau"),
    "transport": ("交通运输局", "Transport Bureau"),
    "civil_affairs": ("民政局", "Civil Affairs Bureau"),
    "emergency": ("应急管理局", "Emergency Management Bureau"),
    "natural_resources": ("自然资源和规划分局", "Natural Resources and Planning Sub-bureau"),
    "landscaping": ("园林绿化局", "Landscaping Bureau"),
}

#: departments of the city itself
CITY_DEPARTMENTS: dict[str, tuple[str, str]] = {
    "power_grid": ("供电公司", "Power Supply Company"),
    "gas": ("燃气集团", "Gas Group"),
    "water": ("市水务集团", "City Water Group"),
    "transport": ("市交通运输局", "City Transport Bureau"),
}

#: roles each kind of unit needs at least one person for (DESIGN §2)
ROLES_BY_LEVEL: dict[Level, tuple[Role, ...]] = {
    Level.grid: (Role.grid_worker,),
    Level.community: (Role.dispatcher, Role.leader, Role.supervisor, Role.handler),
    Level.street: (Role.dispatcher, Role.leader, Role.supervisor, Role.handler),
    Level.district: (Role.dispatcher, Role.leader, Role.supervisor, Role.handler),
    Level.city: (Role.dispatcher, Role.leader, Role.supervisor, Role.handler),
}
DEPARTMENT_ROLES: tuple[Role, ...] = (Role.handler, Role.leader, Role.supervisor)

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ("伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "华",
         "平",
         "刚")


def _person_name(n: int) -> str:
    return SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7 + 3) % len(GIVEN)]


def sample_units() -> list[Unit]:
    city_id, city_zh, city_en = CITY
    units = [Unit(id=city_id, name=city_zh, name_en=city_en, level=Level.city, kind=UnitKind.territorial,
                  parent_id=None)]
    for fn, (zh, en) in CITY_DEPARTMENTS.items():
        units.append(Unit(id=f"{city_id}.dept.{fn}", name=zh, name_en=en, level=Level.city,
                          kind=UnitKind.department, parent_id=city_id, function=fn))
    for d_code, (d_zh, d_en, streets) in DISTRICTS.items():
        d_id = f"{city_id}.{d_code}"
        units.append(Unit(id=d_id, name=d_zh, name_en=d_en, level=Level.district, kind=UnitKind.territorial,
                          parent_id=city_id))
        for fn, (zh, en) in DISTRICT_DEPARTMENTS.items():
            units.append(Unit(id=f"{d_id}.dept.{fn}", name=d_zh + zh, name_en=f"{d_en} {en}",
                              level=Level.district, kind=UnitKind.department, parent_id=d_id, function=fn))
        for s_code, (s_zh, s_en) in streets.items():
            s_id = f"{d_id}.{s_code}"
            units.append(Unit(id=s_id, name=s_zh, name_en=s_en, level=Level.street,
                              kind=UnitKind.territorial, parent_id=d_id))
            for c_no, (c_zh, c_en) in enumerate(COMMUNITY_NAMES, start=1):
                c_id = f"{s_id}.c{c_no}"
                units.append(Unit(id=c_id, name=s_zh[:2] + c_zh, name_en=f"{s_en.split()[0]} {c_en}",
                                  level=Level.community, kind=UnitKind.territorial, parent_id=s_id))
                for g_no in range(1, 4):
                    units.append(Unit(id=f"{c_id}.g{g_no}", name=f"{s_zh[:2]}{c_zh}第{g_no}网格",
                                      name_en=f"{s_en.split()[0]} {c_en} Grid {g_no}", level=Level.grid,
                                      kind=UnitKind.territorial, parent_id=c_id))
    return units


def sample_principals(units: list[Unit]) -> list[Principal]:
    principals: list[Principal] = []
    n = 0
    for unit in units:
        roles = DEPARTMENT_ROLES if unit.kind is UnitKind.department else ROLES_BY_LEVEL[unit.level]
        for role in roles:
            principals.append(Principal(id=f"{role.value}@{unit.id}", name=_person_name(n), unit_id=unit.id,
                                        roles=(role,)))
            n += 1
        if unit.level is Level.grid and unit.kind is UnitKind.territorial:
            # a second grid worker so that claiming a task means something, and two residents
            principals.append(Principal(id=f"grid_worker2@{unit.id}", name=_person_name(n), unit_id=unit.id,
                                        roles=(Role.grid_worker,)))
            n += 1
            for r in (1, 2):
                principals.append(Principal(id=f"resident{r}@{unit.id}", name=_person_name(n),
                                            unit_id=unit.id, roles=(Role.resident,)))
                n += 1
        if unit.kind is UnitKind.territorial and unit.level in (Level.street, Level.district):
            # a second handler, and a director who both leads and supervises
            principals.append(Principal(id=f"handler2@{unit.id}", name=_person_name(n), unit_id=unit.id,
                                        roles=(Role.handler,)))
            n += 1
    city_id = CITY[0]
    principals.append(Principal(id=f"hotline@{city_id}", name="12345市民服务热线", unit_id=city_id,
                                roles=(Role.integration,)))
    principals.append(Principal(id=f"miniprogram@{city_id}", name="随手拍小程序", unit_id=city_id,
                                roles=(Role.integration,)))
    return principals


def sample_organisation() -> Organisation:
    units = sample_units()
    return Organisation(units, sample_principals(units))
