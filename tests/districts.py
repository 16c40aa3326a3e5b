"""A district that is not the sample city, generated whole at any size: 海燕区 (``hy``) of 东山市 (``ds``), with
other ids, names, people, matters, rules and map than 清河市, so that nothing can lean on the sample's shape.

The city is the root, with three departments of its own (gas, power, telecoms); one district hangs below it
with fifteen departments, each with its own function; streets, communities and grids are spread evenly (the
first ones get one more when the counts do not divide). Every grid is a square on one lattice laid out as a
snake, row by row, so that no two grids overlap, grids next in order share an edge, and a community's and a
street's grids hold together.

People: every city, district, street and community has a dispatcher, a leader, a supervisor and a handler;
every department a handler, a leader and a supervisor; every grid a grid worker; the district an administrator,
the city an integration (the hotline's client). Staff carry an employee number as their sign-on subject
(``E000123``). The rest, up to ``principals``, are residents, dealt over the grids so that every community's
first grid gets one before any grid gets a second. When the staff alone reach ``principals`` the total is
larger: the staff are all there, and each community still gets one resident (so an issue can be reported in
any community). The defaults come to exactly 2,000 (1,431 staff, 569 residents); :func:`small_district` to
100 (96 staff, 4 residents) although it asks for 80.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from domain.catalogue import HandlingDays, ListType, Matter
from domain.directory import Directory, Geometry
from domain.organisation import Level, Principal, Role, Unit, UnitKind
from domain.rules import MediationDays, Rules

CITY = ("ds", "东山市", "Dongshan City")
DISTRICT = ("hy", "海燕区", "Haiyan District")

#: (function, name, English name)
CITY_DEPARTMENTS: tuple[tuple[str, str, str], ...] = (
    ("gas", "东山燃气集团", "Dongshan Gas Group"),
    ("power_grid", "国网东山供电公司", "Dongshan Power Supply Company"),
    ("telecom", "东山市通信管理局", "Dongshan Telecommunications Administration"),
)
DISTRICT_DEPARTMENTS: tuple[tuple[str, str, str], ...] = (
    ("urban_management", "海燕区城市管理局", "Urban Management Bureau"),
    ("housing", "海燕区住房和城乡建设局", "Housing and Construction Bureau"),
    ("water", "海燕区水利局", "Water Resources Bureau"),
    ("environment", "东山市生态环境局海燕分局", "Ecology and Environment Branch"),
    ("transport", "海燕区交通运输局", "Transport Bureau"),
    ("landscaping", "海燕区园林中心", "Parks and Gardens Centre"),
    ("market_supervision", "海燕区市场监督管理局", "Market Supervision Bureau"),
    ("public_security", "东山市公安局海燕分局", "Public Security Branch"),
    ("civil_affairs", "海燕区民政局", "Civil Affairs Bureau"),
    ("emergency", "海燕区应急管理局", "Emergency Management Bureau"),
    ("health", "海燕区卫生健康局", "Health Bureau"),
    ("education", "海燕区教育局", "Education Bureau"),
    ("human_resources", "海燕区人力资源和社会保障局", "Human Resources and Social Security Bureau"),
    ("culture_tourism", "海燕区文化和旅游局", "Culture and Tourism Bureau"),
    ("sanitation", "海燕区环境卫生服务中心", "Sanitation Service Centre"),
)

STAFF_TERRITORIAL = (Role.dispatcher, Role.leader, Role.supervisor, Role.handler)
STAFF_DEPARTMENT = (Role.handler, Role.leader, Role.supervisor)


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    name_en: str
    functions: tuple[str, ...]  # the first answers every matter; the others join some of them
    things: tuple[tuple[str, str], ...]  # (name, English)
    faults: tuple[tuple[str, str], ...]
    mediation: bool = False  # its matters follow the mediation ladder (三级七天)


#: the first five are the small district's: a territorial one, a dispute, a city department's, two more
CATEGORIES: tuple[Category, ...] = (
    Category("appearance", "市容环境", "City appearance", ("urban_management", "sanitation"),
             (("店外", "shopfront"), ("人行道", "pavement"), ("广场", "square"), ("背街小巷", "back lane")),
             (("占道经营", "street trading"), ("乱堆乱放", "clutter"), ("乱贴乱画", "graffiti"),
              ("垃圾堆积", "rubbish piling up"))),
    Category("neighbours", "邻里纠纷", "Neighbour disputes", ("civil_affairs", "public_security"),
             (("楼上楼下", "upstairs and downstairs"), ("左邻右舍", "next-door neighbours"),
              ("同楼住户", "same building"), ("相邻商户", "neighbouring shops")),
             (("噪音纠纷", "noise dispute"), ("漏水纠纷", "leak dispute"), ("宠物纠纷", "pet dispute"),
              ("占用公共空间纠纷", "shared space dispute")), mediation=True),
    Category("gas", "燃气", "Gas", ("gas", "emergency"),
             (("燃气管道", "gas pipe"), ("燃气表", "gas meter"), ("液化气瓶", "LPG bottle"), ("燃气灶具", "gas hob")),
             (("泄漏", "leak"), ("老化", "aging"), ("安全隐患", "hazard"), ("故障", "fault"))),
    Category("roads", "道路设施", "Road furniture", ("transport", "urban_management"),
             (("井盖", "manhole cover"), ("护栏", "guardrail"), ("交通标志", "traffic sign"), ("路缘石", "kerb")),
             (("破损", "broken"), ("缺失", "missing"), ("松动", "loose"), ("歪斜", "tilted"))),
    Category("water", "供水", "Water supply", ("water",),
             (("小区供水管", "estate water main"), ("市政供水管", "city water main"), ("入户水管", "house pipe"),
              ("二次供水设施", "booster station")),
             (("漏水", "leak"), ("爆裂", "burst"), ("水压不足", "low pressure"), ("停水", "cut off"))),
    Category("greening", "园林绿化", "Parks and trees", ("landscaping",),
             (("行道树", "street tree"), ("公园树木", "park tree"), ("小区树木", "estate tree"),
              ("绿化带灌木", "hedge")),
             (("倒伏", "fallen"), ("枯死", "dead"), ("病虫害", "pests"), ("影响采光", "blocking light"))),
    Category("housing", "房屋安全", "Building safety", ("housing",),
             (("外墙", "outer wall"), ("屋面", "roof"), ("阳台", "balcony"), ("楼梯间", "stairwell")),
             (("渗漏", "leaking"), ("开裂", "cracked"), ("瓷砖脱落", "tiles falling"),
              ("违章搭建", "illegal building"))),
    Category("property", "物业管理", "Property management", ("housing", "civil_affairs"),
             (("物业费", "service charge"), ("停车费", "parking fee"), ("维修基金", "repair fund"),
              ("公共收益", "shared income")),
             (("收费争议", "charge dispute"), ("使用不透明", "unclear use"), ("催缴纠纷", "collection dispute"),
              ("分配争议", "allocation dispute")), mediation=True),
    Category("environment", "生态环境", "Environment", ("environment",),
             (("餐饮店", "restaurant"), ("建筑工地", "building site"), ("工厂", "factory"),
              ("汽修店", "car repair shop")),
             (("油烟", "fumes"), ("噪声", "noise"), ("异味", "smell"), ("粉尘", "dust"))),
    Category("market", "市场监管", "Markets", ("market_supervision",),
             (("超市", "supermarket"), ("菜市场", "food market"), ("餐馆", "restaurant"), ("药店", "pharmacy")),
             (("食品过期", "expired goods"), ("无证经营", "unlicensed"), ("价格欺诈", "price cheating"),
              ("缺斤短两", "short weight"))),
    Category("safety", "消防安全", "Fire safety", ("public_security", "emergency"),
             (("住宅楼", "block of flats"), ("商铺", "shop"), ("出租屋", "rented room"),
              ("地下车库", "underground car park")),
             (("消防通道堵塞", "fire lane blocked"), ("电动车违规充电", "e-bike charged indoors"),
              ("消防设施损坏", "fire equipment broken"), ("安全隐患", "hazard"))),
    Category("power", "供电", "Electricity", ("power_grid",),
             (("居民楼", "block of flats"), ("小区", "estate"), ("沿街商铺", "street shops"),
              ("路灯线路", "street light line")),
             (("停电", "outage"), ("电压不稳", "unstable voltage"), ("线路老化", "old wiring"),
              ("私拉乱接", "illegal wiring"))),
    Category("telecom", "通信", "Telecoms", ("telecom",),
             (("小区", "estate"), ("居民楼", "block of flats"), ("街道", "street"), ("商业楼宇", "office block")),
             (("通信线缆垂落", "sagging cable"), ("宽带中断", "broadband down"), ("信号弱", "weak signal"),
              ("废弃线缆", "abandoned cable"))),
    Category("welfare", "社会救助", "Social assistance", ("civil_affairs",),
             (("低保", "minimum income"), ("特困供养", "extreme hardship support"), ("临时救助", "emergency aid"),
              ("养老服务补贴", "elderly care allowance")),
             (("申请", "application"), ("审核争议", "decision dispute"), ("资格复核", "review"),
              ("发放延误", "late payment"))),
    Category("health", "卫生健康", "Health", ("health",),
             (("社区卫生服务站", "community clinic"), ("个体诊所", "private clinic"),
              ("医疗美容机构", "cosmetic clinic"), ("药房", "dispensary")),
             (("服务投诉", "service complaint"), ("无证执业", "unlicensed practice"), ("卫生条件差", "unhygienic"),
              ("收费不规范", "irregular fees"))),
    Category("schools", "教育", "Schools", ("education", "transport"),
             (("幼儿园", "kindergarten"), ("小学", "primary school"), ("初中", "middle school"),
              ("校外培训机构", "tutoring centre")),
             (("门口拥堵", "congested gate"), ("违规收费", "irregular fees"), ("入学咨询", "enrolment enquiry"),
              ("安全隐患", "hazard"))),
    Category("labour", "劳动保障", "Labour", ("human_resources",),
             (("建筑工人", "building worker"), ("餐饮从业人员", "restaurant worker"), ("快递骑手", "courier"),
              ("家政人员", "domestic worker")),
             (("工资拖欠", "unpaid wages"), ("社保未缴", "social insurance unpaid"),
              ("劳动合同纠纷", "contract dispute"), ("工伤认定", "work injury claim")), mediation=True),
)

STREETS: tuple[tuple[str, str], ...] = (
    ("望海", "Wanghai"), ("滨江", "Binjiang"), ("金沙", "Jinsha"), ("渔港", "Yugang"), ("灯塔", "Dengta"),
    ("青屿", "Qingyu"), ("潮音", "Chaoyin"), ("白鹭", "Bailu"), ("榕城", "Rongcheng"), ("南湾", "Nanwan"),
    ("石塘", "Shitang"), ("云帆", "Yunfan"),
)
COMMUNITY_WORDS: tuple[tuple[str, str], ...] = (
    ("海棠", "Haitang"), ("碧波", "Bibo"), ("翠竹", "Cuizhu"), ("银杏", "Yinxing"), ("锦绣", "Jinxiu"),
    ("朝晖", "Zhaohui"), ("紫荆", "Zijing"), ("安澜", "Anlan"), ("福源", "Fuyuan"), ("春晓", "Chunxiao"),
    ("星河", "Xinghe"), ("明珠", "Mingzhu"), ("晨光", "Chenguang"), ("兰亭", "Lanting"), ("鹭岛", "Ludao"),
)
COMMUNITY_ENDS: tuple[tuple[str, str], ...] = (
    ("东", "East"), ("西", "West"), ("南", "South"), ("北", "North"), ("新村", "New Village"), ("花园", "Garden"),
    ("湾", "Bay"), ("家园", "Homes"), ("苑", "Court"), ("里", "Lane"),
)
SURNAMES = "陈林黄郑吴李王张刘蔡杨许洪谢曾周苏庄叶江施方何罗柯卢游邱赖康"
GIVEN = "海燕帆航涛波洋晨曦思远佳怡子涵雨桐俊杰志强丽娟秀英建华嘉欣宇轩梓萱浩然明辉金玉春梅"

#: the south-west corner of the lattice (lon, lat) and a grid's side in degrees of latitude (≈ 470 m)
ORIGIN = (119.5200, 25.9400)
SIDE = 0.0042

#: the district's rules: not the defaults, so that a test sees them come from the data
RULES = Rules(red_after_working_days=3, evaluation_working_days=7,
              mediation_days=MediationDays(grid=2, community=2, street=3))


def _spread(total: int, over: int) -> list[int]:
    """``total`` things over ``over`` holders as evenly as can be, the first ones one more."""
    return [total // over + (1 if k < total % over else 0) for k in range(over)]


def _square(cell: int, columns: int) -> Geometry:
    """The square of the lattice's ``cell``-th place along the snake: counter-clockwise, closed, each corner
    computed from whole indices so that neighbours share their edge exactly."""
    row, col = divmod(cell, columns)
    if row % 2:
        col = columns - 1 - col
    lon0, lat0 = ORIGIN
    width = SIDE / math.cos(math.radians(lat0))  # square on the ground, not in degrees

    def x(c: int) -> float:
        return round(lon0 + c * width, 7)

    def y(r: int) -> float:
        return round(lat0 + r * SIDE, 7)

    ring = [[x(col), y(row)], [x(col + 1), y(row)], [x(col + 1), y(row + 1)], [x(col), y(row + 1)],
            [x(col), y(row)]]
    return {"type": "Polygon", "coordinates": [ring]}


def _community_names(count: int, rng: random.Random) -> Iterator[tuple[str, str]]:
    pairs = [(a + b, f"{a_en} {b_en}") for a, a_en in COMMUNITY_WORDS for b, b_en in COMMUNITY_ENDS]
    rng.shuffle(pairs)
    for k in range(count):
        name, name_en = pairs[k % len(pairs)]
        lap = k // len(pairs)
        yield (name, name_en) if lap == 0 else (f"{name}{lap + 1}", f"{name_en} {lap + 1}")


def _street_name(k: int) -> tuple[str, str]:
    if k < len(STREETS):
        return STREETS[k]
    return f"海燕第{k + 1}", f"Haiyan No. {k + 1}"


def _units(streets: int, communities: int, grids: int, rng: random.Random) -> tuple[list[Unit], dict[str, Geometry]]:
    city_id, city_name, city_en = CITY
    district_id, district_name, district_en = DISTRICT
    units = [Unit(id=city_id, name=city_name, name_en=city_en, level=Level.city, kind=UnitKind.territorial,
                  parent_id=None)]
    units += [Unit(id=f"{city_id}-{function}", name=name, name_en=en, level=Level.city, kind=UnitKind.department,
                   parent_id=city_id, function=function, order=k)
              for k, (function, name, en) in enumerate(CITY_DEPARTMENTS)]
    units.append(Unit(id=district_id, name=district_name, name_en=district_en, level=Level.district,
                      kind=UnitKind.territorial, parent_id=city_id))
    units += [Unit(id=f"{district_id}-{function}", name=name, name_en=f"Haiyan {en}", level=Level.district,
                   kind=UnitKind.department, parent_id=district_id, function=function, order=k)
              for k, (function, name, en) in enumerate(DISTRICT_DEPARTMENTS)]
    shapes: dict[str, Geometry] = {}
    columns = math.ceil(math.sqrt(grids))
    per_street = _spread(communities, streets)
    per_community = iter(_spread(grids, communities))
    names = _community_names(communities, rng)
    cell = 0
    for s, n_communities in enumerate(per_street):
        street_id = f"{district_id}{s + 1:02d}"
        street_name, street_en = _street_name(s)
        units.append(Unit(id=street_id, name=f"{street_name}街道", name_en=f"{street_en} Subdistrict",
                          level=Level.street, kind=UnitKind.territorial, parent_id=district_id, order=s))
        for c in range(n_communities):
            community_id = f"{street_id}-{c + 1:02d}"
            name, name_en = next(names)
            units.append(Unit(id=community_id, name=f"{name}社区", name_en=f"{name_en} Community",
                              level=Level.community, kind=UnitKind.territorial, parent_id=street_id, order=c))
            for g in range(next(per_community)):
                grid_id = f"{community_id}-{g + 1:02d}"
                units.append(Unit(id=grid_id, name=f"{name}社区第{g + 1}网格", name_en=f"{name_en} Grid {g + 1}",
                                  level=Level.grid, kind=UnitKind.territorial, parent_id=community_id, order=g))
                shapes[grid_id] = _square(cell, columns)
                cell += 1
    return units, shapes


def _people_names(rng: random.Random) -> Iterator[str]:
    while True:
        yield rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _principals(units: Sequence[Unit], principals: int, rng: random.Random) -> list[Principal]:
    names = _people_names(rng)
    out: list[Principal] = []

    def staff(unit: Unit, role: Role) -> None:
        number = len(out) + 1
        out.append(Principal(id=f"hy-e{number:05d}", name=next(names), unit_id=unit.id, roles=(role,),
                             subject=f"E{number:06d}"))

    for unit in units:
        if unit.kind is UnitKind.department:
            for role in STAFF_DEPARTMENT:
                staff(unit, role)
        elif unit.level is Level.grid:
            staff(unit, Role.grid_worker)
        else:
            for role in STAFF_TERRITORIAL:
                staff(unit, role)
            if unit.level is Level.district:
                staff(unit, Role.administrator)
    city = units[0]
    out.append(Principal(id="hy-hotline", name="东山12345热线", unit_id=city.id, roles=(Role.integration,)))

    grids: dict[str, list[Unit]] = {}
    for unit in units:
        if unit.level is Level.grid and unit.kind is UnitKind.territorial:
            grids.setdefault(str(unit.parent_id), []).append(unit)
    # every community's first grid, then every community's second grid, …: residents reach every community first
    dealt = [column[k] for k in range(max(map(len, grids.values()))) for column in grids.values() if k < len(column)]
    residents = max(principals - len(out), len(grids))
    out += [Principal(id=f"hy-r{k + 1:05d}", name=next(names), unit_id=dealt[k % len(dealt)].id,
                      roles=(Role.resident,)) for k in range(residents)]
    return out


def _matters(matters: int, categories: int, rng: random.Random) -> list[Matter]:
    out: list[Matter] = []
    for k, count in enumerate(_spread(matters, categories)):
        category = CATEGORIES[k % len(CATEGORIES)]
        lap = k // len(CATEGORIES)
        code = category.code if lap == 0 else f"{category.code}{lap + 1}"
        name = category.name if lap == 0 else f"{category.name}（{lap + 1}）"
        size = len(category.things) * len(category.faults)
        for m in range(count):
            # each thing with a different fault in turn: (0, 0), (1, 1), …, then (0, 1), (1, 2), …
            turn, t = divmod(m % size, len(category.things))
            thing, thing_en = category.things[t]
            fault, fault_en = category.faults[(turn + t) % len(category.faults)]
            round_ = m // size
            slug = f"{thing_en}_{fault_en}".replace(" ", "_").replace("-", "_").lower()
            functions = category.functions[:1]
            if len(category.functions) > 1 and m % 3 == 1:
                functions = (category.functions[0], rng.choice(category.functions[1:]))
            list_type = rng.choices(list(ListType), weights=(5, 3, 1))[0]
            out.append(Matter(
                code=f"{code}.{slug}" + (f"_{round_ + 1}" if round_ else ""),
                name=f"{thing}{fault}" + (f"（{round_ + 1}）" if round_ else ""),
                name_en=f"{thing_en[:1].upper()}{thing_en[1:]}: {fault_en}" + (f" ({round_ + 1})" if round_ else ""),
                category=code, category_name=name, departments=functions, list_type=list_type,
                report_hours=rng.choice((2.0, 4.0, 12.0, 24.0, 48.0)),
                handling_days=HandlingDays(immediate=rng.randint(1, 10), phased=rng.randint(10, 60),
                                           understanding=rng.randint(1, 15)),
                on_the_spot=not category.mediation and m % 4 == 0, mediation=category.mediation))
    return out


def generate_district(streets: int = 10, communities: int = 150, grids: int = 727, principals: int = 2000,
                      matters: int = 208, categories: int = 17, seed: int = 1) -> Directory:
    """东山市 with its one district 海燕区, at the size asked (the defaults: a district's seeds size). The same
    arguments give the same directory. ``principals`` is a floor when the staff alone exceed it (module
    docstring); categories past the seventeen written here repeat them under numbered codes."""
    if not 1 <= streets <= communities <= grids or principals < 0 or not 1 <= categories <= matters:
        raise ValueError("need 1 ≤ streets ≤ communities ≤ grids and 1 ≤ categories ≤ matters")
    rng = random.Random(seed)
    units, shapes = _units(streets, communities, grids, rng)
    return Directory(units=tuple(units), shapes=shapes, principals=tuple(_principals(units, principals, rng)),
                     matters=tuple(_matters(matters, categories, rng)), rules=RULES).sorted()


@lru_cache(maxsize=1)
def small_district() -> Directory:
    """Two streets, four communities, eight grids, twenty matters in five categories: 96 staff and a resident
    per community (100 people, not the 80 asked: the staff come first)."""
    return generate_district(streets=2, communities=4, grids=8, principals=80, matters=20, categories=5)


def summary(directory: Directory) -> dict[str, Any]:
    """How many of each: what a test or a benchmark reports of a generated district."""
    territorial = [u for u in directory.units if u.kind is UnitKind.territorial]
    return {
        **{level.value: sum(1 for u in territorial if u.level is level) for level in Level},
        "departments": sum(1 for u in directory.units if u.kind is UnitKind.department),
        "principals": len(directory.principals),
        "matters": len(directory.matters),
        "categories": len({m.category for m in directory.matters}),
    }
