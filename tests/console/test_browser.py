"""The console in a real browser (Debian's Chromium, headless) against the real stack (Temporal dev server, worker,
API serving the built console): one issue's whole story, told as the people in it click through it; then a district
administrator keeping the directory.

A resident reports on a phone; the grid worker finds it in the inbox, tries to resolve it on the spot (refused, in
words) and whistles; the community leader approves; the street dispatcher routes it to two departments; each checks
in; the dispatcher concludes the consultation; the units complete; the grid worker verifies and reports another issue
from the map; the resident evaluates on the phone and reads the board; a district supervisor finds the issue on the
dashboard and the map and opens its audit. The district's administrator renames a street, finds a person, reads the
catalogue, and imports a workbook — refused with its problems listed, then a good one previewed and applied.
Every page is screenshotted in Chinese and English (under
``data/screenshots/console``), checked by axe-core and from the keyboard, and no page may log a console error.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.console.browser import CHROMIUM, ROOT, SCREENSHOTS, Console, Problems, chromium, wait_until

if not CHROMIUM.exists():
    pytest.fail("Debian's Chromium is missing: `make test` installs it (apt-get install chromium)",
                pytrace=False)

from playwright.sync_api import Browser, Locator, expect

from domain.directory_check import validated
from store.directory_files import read_json, to_workbook
from tests.e2e.live_stack import live_stack

GRID = "qh.hd.cy.c1.g1"
RESIDENT = f"resident1@{GRID}"
GRID_WORKER = f"grid_worker@{GRID}"
LEADER = "leader@qh.hd.cy.c1"
DISPATCHER = "dispatcher@qh.hd.cy"
HEATING, HOUSING = "河东区供热办公室", "河东区住房和城乡建设局"
SUPERVISOR = "supervisor@qh.hd"
ADMINISTRATOR = "administrator@qh.hd"
CITY_ADMINISTRATOR = "administrator@qh"
TITLE = "3号楼暖气不热"
SHOTS = ROOT / "data" / "screenshots" / "console"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if url := os.environ.get("WHISTLE_CONSOLE_TEST_URL"):  # a stack already running (while writing the test)
        yield url
        return
    if not (ROOT / "console" / "dist" / "index.html").is_file():
        pytest.fail("the console is not built: `make console` (or cd console && npm ci && npm run build)")
    with live_stack(tmp_path_factory.mktemp("console-stack")) as stack:
        yield stack.url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def shots() -> Path:
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    return SHOTS


def test_one_issue_through_the_console(browser: Browser, base_url: str, shots: Path) -> None:
    problems = Problems()

    def person(principal_id: str, *, phone: bool = False) -> Console:
        c = Console(browser, base_url, shots, problems, phone=phone)
        c.sign_in(principal_id)
        return c

    # --- a resident reports from a phone ------------------------------------------------------------------
    sign_in = Console(browser, base_url, shots, problems)
    sign_in.goto("/sign-in")
    sign_in.check_page("01-sign-in")
    sign_in.close()

    resident = person(RESIDENT, phone=True)
    expect(resident.page).to_have_url(re.compile(r"/console/my$"))
    resident.check_page("02-resident-my-issues")
    resident.page.get_by_role("link", name="我要上报").click()
    page = resident.page
    page.get_by_role("combobox", name="事项", exact=True).click()
    page.get_by_role("option", name="暖气不热", exact=True).click()
    page.get_by_label("标题").fill(TITLE)
    page.get_by_label("详细描述").fill("东苑小区3号楼201室暖气三天不热，家中有老人。")
    page.get_by_label("地址").fill("东苑小区3号楼201")
    resident.check_page("03-resident-report")
    page.get_by_role("button", name="提交上报").click()
    created = page.get_by_test_id("report-created")
    expect(created).to_be_visible()
    issue_id = created.get_attribute("data-issue")
    assert issue_id

    # --- the grid worker finds it in the inbox, is refused a wrong action, and whistles -------------------------
    worker = person(GRID_WORKER)
    expect(worker.page).to_have_url(re.compile(r"/console/inbox$"))
    row = worker.page.get_by_test_id("inbox").locator("tr", has_text=issue_id)

    def in_inbox() -> bool:
        worker.page.get_by_role("button", name="刷新").click()
        worker.settle()
        return row.count() > 0

    wait_until(in_inbox, "the issue in the grid worker's inbox")
    expect(row.locator("[data-urgency]")).to_be_visible()
    queues = worker.page.get_by_test_id("inbox-queues")
    expect(queues.get_by_role("tab", name=re.compile(r"^待签收 [1-9]"))).to_be_visible()  # counted by the API
    queues.get_by_role("tab", name=re.compile("^待签收")).click()
    worker.settle()
    expect(row).to_be_visible()  # unclaimed, so in that queue
    worker.check_page("04-inbox")
    row.get_by_role("link", name="打开").click()
    expect(worker.page.get_by_test_id("issue-state")).to_contain_text("发现")

    with problems.expecting(f"/v1/issues/{issue_id}/actions"):
        worker.act("verify", "即查即办", lambda f: f.get_by_label("处理结果").fill("已现场处理"))
        refusal = worker.refusal()
        expect(refusal).to_contain_text("该任务不提供这个操作")
        expect(refusal).to_contain_text("cannot be resolved on the spot")
    worker.page.screenshot(path=str(shots / "05-refusal.zh-CN.png"), full_page=True)
    expect(worker.page.get_by_test_id("issue-state")).to_contain_text("发现")

    def whistle(form: Locator) -> None:
        form.get_by_text("日常哨", exact=True).click()
        form.get_by_label("备注").fill("供热问题，需供热办报到")

    worker.act("verify", "吹哨", whistle, expect_state="吹哨")

    # --- the community leader approves; the street dispatcher routes it to two departments ---------------------
    leader = person(LEADER)
    leader.open_issue(issue_id)
    leader.act("approve_whistle", "同意")
    expect(leader.page.locator("article[data-kind='approve_whistle']")).to_have_count(0)
    leader.close()

    dispatcher = person(DISPATCHER)
    dispatcher.open_issue(issue_id)
    dispatcher.check_page("06-issue-dispatch")

    def route(form: Locator) -> None:
        units = form.get_by_role("group", name="单位")
        units.locator("label", has_text=HEATING).click()
        units.locator("label", has_text=HOUSING).click()
        form.get_by_label("备注（可选）").fill("请两单位报到")

    dispatcher.act("dispatch", "派单", route, expect_state="报到")

    # --- each department checks in -------------------------------------------------------------------------------
    heating = person("handler@qh.hd.dept.heating")
    heating.open_issue(issue_id)
    heating.act("report", "报到", unit=HEATING)
    housing = person("handler@qh.hd.dept.housing")
    housing.open_issue(issue_id)
    housing.act("report", "报到", unit=HOUSING, expect_state="会商")

    # --- the dispatcher concludes the consultation; the units complete ----------------------------------------------
    dispatcher.open_issue(issue_id)

    def conclude(form: Locator) -> None:
        form.get_by_role("radiogroup", name="牵头单位").locator("label", has_text=HEATING).click()
        form.get_by_role("group", name="配合单位").locator("label", has_text=HOUSING).click()
        form.get_by_role("radiogroup", name="清单类型").get_by_text("即办清单", exact=True).click()
        form.get_by_label("会商纪要").fill("供热办牵头更换阀门，住建局配合通知居民。")

    dispatcher.act("consult", "形成会商结论", conclude, expect_state="办理")
    dispatcher.close()

    housing.open_issue(issue_id)
    housing.act("assist", "办结", lambda f: f.get_by_label("处理结果").fill("已通知居民配合入户"))
    housing.close()
    heating.open_issue(issue_id)
    heating.act("handle", "办结", lambda f: f.get_by_label("处理结果").fill("阀门已更换，暖气恢复"),
                expect_state="反馈")
    heating.check_page("07-issue-handled")
    timeline = heating.page.get_by_test_id("staff-timeline")
    expect(timeline).to_contain_text("（朝阳东苑社区第1网格）")  # who acted, by name and unit: not an id
    expect(timeline).not_to_contain_text(f"由 {GRID_WORKER}")
    heating.close()

    # --- the grid worker verifies, rates as the whistler, and reports another issue from the map -------------------
    worker.open_issue(issue_id)
    worker.act("verify_result", "验收通过", expect_state="评价")
    for unit in (HEATING, HOUSING):  # the whistler rates each unit that took part (seeds/002)
        worker.act("evaluate", "提交评价", lambda f: f.get_by_text("满意", exact=True).click(), unit=f"关于：{unit}")
        expect(worker.task("evaluate", "提交评价", f"关于：{unit}")).to_have_count(0)
    worker.menu("居事上报")
    page = worker.page
    page.get_by_role("combobox", name="事项", exact=True).click()
    page.get_by_role("combobox", name="事项", exact=True).fill("路灯")
    page.get_by_role("option", name=re.compile("路灯")).first.click()
    page.get_by_label("标题").fill("东苑小区南门路灯不亮")
    page.get_by_label("详细描述").fill("南门两盏路灯夜间不亮。")
    page.get_by_label("地址").fill("东苑小区南门")
    page.locator(f"g[data-grid='{GRID}']").click()
    expect(page.get_by_text(re.compile("已选位置"))).to_be_visible()
    page.get_by_label("反映人姓名").fill("李先生")
    worker.check_page("08-staff-report")
    page.get_by_role("button", name="提交上报").click()
    expect(page.get_by_test_id("report-created")).to_be_visible()
    # a question answered on the spot, without dispatch: recorded, and counted apart from issues
    worker.menu("回复咨询")
    page.get_by_label("咨询内容").fill("独居老人补贴怎么申请？")
    page.get_by_label("答复内容").fill("带身份证到社区服务站登记。")
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.get_by_test_id("inquiries")).to_contain_text("独居老人补贴怎么申请？")
    worker.check_page("08b-inquiries")
    worker.close()

    # --- the resident evaluates on the phone and reads the community's board ----------------------------------------
    resident.goto("/my")
    resident.page.get_by_test_id("my-issues").locator(f"a[href$='/my/{issue_id}']").click()
    form = resident.page.get_by_role("form", name="提交评价")
    expect(form).to_be_visible()
    resident.check_page("09-resident-evaluate")
    form.get_by_text("满意", exact=True).click()
    form.get_by_label("意见（可选）").fill("处理及时，谢谢！")
    form.get_by_role("button", name="确认提交评价").click()
    expect(resident.page.get_by_test_id("evaluated")).to_be_visible()
    resident.check_page("10-resident-story")
    resident.page.get_by_role("navigation", name="主菜单").get_by_text("社区公示", exact=True).click()
    expect(resident.page.get_by_test_id("board-count")).to_be_visible()
    resident.check_page("11-board")
    resident.close()

    # --- a supervisor finds it on the dashboard and the map, and opens its audit ---------------------------------
    supervisor = person(SUPERVISOR)
    expect(supervisor.page).to_have_url(re.compile(r"/console/dashboard$"))
    supervisor.check_page("12-dashboard")
    supervisor.page.get_by_role("radiogroup", name="单位类型").get_by_text("职能部门", exact=True).click()
    received = supervisor.page.locator("[data-figure='qh.hd.dept.heating:received']")
    expect(received).to_be_visible()
    received.click()
    expect(supervisor.page.get_by_test_id("drill-ids")).to_contain_text(issue_id)
    supervisor.page.screenshot(path=str(shots / "13-dashboard-drill.zh-CN.png"))
    supervisor.page.keyboard.press("Escape")

    supervisor.menu("一张图")
    supervisor.page.locator(f"g[data-grid='{GRID}']").click()
    expect(supervisor.page.get_by_test_id("grid-issues")).to_contain_text(TITLE)
    supervisor.check_page("14-map")

    supervisor.menu("考核")
    expect(supervisor.page.get_by_test_id("assessment")).to_be_visible()
    supervisor.check_page("15-assessment")

    # --- 办件查询: the supervisor finds the issue by a word, the search in the page's address --------------------
    supervisor.menu("办件查询")
    supervisor.page.get_by_label("关键词").fill("暖气")
    supervisor.page.get_by_role("button", name="查询").click()
    supervisor.settle()
    expect(supervisor.page).to_have_url(re.compile(r"/console/search\?q=%E6%9A%96%E6%B0%94"))
    results = supervisor.page.get_by_test_id("search-results")
    expect(results.locator("tr", has_text=issue_id)).to_be_visible()
    supervisor.page.get_by_label("保存当前查询为…").fill("暖气投诉")
    supervisor.page.get_by_role("button", name="保存", exact=True).click()
    expect(supervisor.page.get_by_role("group", name="我的查询：").get_by_text("暖气投诉")).to_be_visible()
    supervisor.check_page("15b-search")

    supervisor.open_issue(issue_id)
    expect(supervisor.page.get_by_test_id("issue-state")).to_contain_text("已办结")
    supervisor.check_page("16-issue-closed")
    supervisor.page.get_by_role("link", name="审计").click()
    verdict = supervisor.page.get_by_test_id("audit-verdict")

    def agrees() -> bool:
        supervisor.page.get_by_role("button", name="刷新").click()
        supervisor.settle()
        return verdict.count() > 0 and "一致" in verdict.inner_text() and "不一致" not in verdict.inner_text()

    wait_until(agrees, "the audit to agree")
    expect(supervisor.page.get_by_role("link", name="在 Temporal Web UI 中查看")).to_have_attribute(
        "href", re.compile(f"/workflows/issue-{issue_id}$"))
    supervisor.check_page("17-audit")
    supervisor.close()

    assert not problems.items, "\n".join(problems.items)
    taken = sorted(p.name for p in shots.glob("*.png"))
    assert len(taken) >= (30 if SCREENSHOTS else 2), taken  # every page in both languages, with make screenshots


# --- a district administrator keeps the directory ---------------------------------------------------------------


def exported_directory(base_url: str) -> bytes:
    """The directory in force, as the city's administrator exports it (the JSON form)."""
    def call(path: str, body: dict[str, str] | None = None, token: str | None = None) -> bytes:
        request = urllib.request.Request(f"{base_url}{path}", data=json.dumps(body).encode() if body else None,
                                         headers={"Content-Type": "application/json",
                                                  **({"Authorization": f"Bearer {token}"} if token else {})})
        with urllib.request.urlopen(request, timeout=30) as answer:
            return bytes(answer.read())

    token = json.loads(call("/console/api/token", {"principal_id": CITY_ADMINISTRATOR}))["token"]
    return call("/v1/admin/directory/export?format=json", token=token)


def workbook(exported: bytes, sheet: str, key: str, column: str, value: str) -> tuple[bytes, int]:
    """The exported directory as a clerk's workbook, with one cell changed: the row of ``key`` on ``sheet``, the
    column headed ``column``. Returns the workbook and the cell's row."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(to_workbook(validated(read_json(exported)))))
    ws = book[sheet]
    headers = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == key)
    row[headers.index(column)].value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), row[0].row


def test_a_district_administrator_keeps_the_directory(browser: Browser, base_url: str, shots: Path,
                                                       tmp_path: Path) -> None:
    problems = Problems()
    admin = Console(browser, base_url, shots, problems)
    admin.sign_in(ADMINISTRATOR)
    page = admin.page

    # --- 组织机构: the district's tree; a street renamed, with a reason ------------------------------------------
    expect(page).to_have_url(re.compile(r"/console/admin/units$"))
    tree = page.get_by_test_id("unit-tree")
    expect(tree).to_contain_text("河东区")
    expect(tree).not_to_contain_text("河西区")
    admin.check_page("18-admin-units")
    page.get_by_role("button", name="编辑 新华街道", exact=True).click()
    expect(admin.dialog("编辑单位：新华街道")).to_be_visible()
    page.wait_for_timeout(500)  # the dialog fades in
    page.screenshot(path=str(shots / "19-admin-unit-edit.zh-CN.png"))
    admin.axe("the unit form")
    page.keyboard.press("Escape")
    expect(admin.dialog("编辑单位：新华街道")).to_be_hidden()
    admin.edit_unit("新华街道", {"单位名称": "新华街道办事处"}, "街道机构改革，更名")
    expect(page.get_by_text(re.compile("已保存，生成目录版本"))).to_be_visible()
    page.get_by_label("搜索单位").fill("新华")
    expect(tree).to_contain_text("新华街道办事处")
    admin.settle()

    # a grid retired while people still work in it: refused whole, each problem listed where it is
    with problems.expecting("/v1/admin/units/"):
        dialog = admin.retire_unit("新华西苑社区第3网格", "新华西苑社区第2网格", "网格合并")
        listed = dialog.get_by_test_id("sheet-problems").locator("tbody tr")
        expect(listed.first).to_contain_text("所属单位编码")
        expect(listed.first).to_contain_text("已撤销")
    page.wait_for_timeout(300)
    page.screenshot(path=str(shots / "19-admin-unit-retire-refused.zh-CN.png"))
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="撤销 新华西苑社区第3网格", exact=True)).to_be_visible()  # still in use

    # --- 人员: a person found by name ------------------------------------------------------------------------------
    admin.menu("人员")
    rows = admin.find_people("杨平")
    expect(rows.first).to_be_visible()
    for row in rows.all():
        expect(row).to_contain_text("杨平")
    person = rows.filter(has_text="handler@qh.hd.cy.c1")
    expect(person).to_have_count(1)
    expect(person).to_contain_text("承办人")
    expect(person).to_contain_text("朝阳东苑社区")
    admin.check_page("20-admin-people")
    person.get_by_role("button", name="编辑 杨平（handler@qh.hd.cy.c1）").click()
    form = admin.dialog("编辑人员：杨平")
    expect(form.get_by_role("group", name="角色").get_by_role("checkbox", name="承办人")).to_be_checked()
    page.wait_for_timeout(500)
    page.screenshot(path=str(shots / "20-admin-person-edit.zh-CN.png"))
    admin.axe("the person form")
    page.keyboard.press("Escape")
    expect(form).to_be_hidden()

    # --- 事项目录: the catalogue the city shares ---------------------------------------------------------------------
    admin.menu("事项目录")
    matters = page.get_by_test_id("matters")
    expect(matters).to_contain_text("暖气不热")
    expect(page.get_by_role("status").filter(has_text="项事项")).to_be_visible()
    admin.check_page("21-admin-matters")
    # the catalogue is the city's: a district's administrator is refused in words
    page.get_by_label("搜索事项").fill("暖气不热")
    page.get_by_role("button", name="编辑 暖气不热").click()
    form = admin.dialog("编辑事项：暖气不热")
    form.get_by_label("报到时限（小时）").fill("3")
    form.get_by_label("修改理由").fill("供热期缩短报到时限")
    with problems.expecting("/v1/admin/matters/"):
        form.get_by_role("button", name="保存").click()
        expect(form.get_by_test_id("problem")).to_contain_text("catalogue and the rules are the city's")
    page.wait_for_timeout(300)
    page.screenshot(path=str(shots / "21-admin-matter-refused.zh-CN.png"))
    admin.axe("the matter form")
    page.keyboard.press("Escape")
    expect(form).to_be_hidden()

    # --- 目录导入与版本: a workbook with a problem is refused whole, each problem where it is ----------
    exported = exported_directory(base_url)
    bad, bad_row = workbook(exported, "人员", "handler@qh.hd.cy.c1", "所属单位编码", "qh.hd.nowhere")
    (tmp_path / "河东区目录-有误.xlsx").write_bytes(bad)
    good, _ = workbook(exported, "单位", "qh.hd.xh.c1", "单位名称", "新华东苑社区（试点）")
    (tmp_path / "河东区目录.xlsx").write_bytes(good)

    admin.menu("目录导入与版本")
    with problems.expecting("/v1/admin/directory"):
        admin.check_directory_file(tmp_path / "河东区目录-有误.xlsx")
        listed = page.get_by_test_id("sheet-problems").locator("tbody tr").filter(has_text="qh.hd.nowhere")
        expect(listed).to_have_count(1)
        cells = listed.locator("td")
        expect(cells).to_have_text(["人员", str(bad_row), "所属单位编码", re.compile("qh.hd.nowhere")])
        expect(page.get_by_test_id("problem")).to_contain_text("目录未作任何更改")
        admin.check_page("22-admin-import-problems")

    # --- then the good one: previewed (nothing changed yet), applied with a reason, listed as a version --
    admin.check_directory_file(tmp_path / "河东区目录.xlsx")
    preview = page.get_by_test_id("directory-preview")
    expect(preview.get_by_test_id("directory-counts")).to_contain_text("单位：新增 0，修改 1，撤除 0")
    expect(preview.get_by_test_id("changes")).to_contain_text("名称：新华东苑社区 → 新华东苑社区（试点）")
    admin.check_page("23-admin-import-preview")
    admin.apply_directory_file("新华东苑社区列为试点")
    versions = page.get_by_test_id("directory-versions")
    expect(versions.locator("tbody tr").first).to_contain_text("新华东苑社区列为试点")
    versions.locator("tbody tr").first.get_by_role("button", name=re.compile("与上一版本比较")).click()
    expect(page.get_by_role("dialog").get_by_test_id("changes")).to_contain_text("新华东苑社区（试点）")
    page.wait_for_timeout(500)
    page.screenshot(path=str(shots / "24-admin-version-diff.zh-CN.png"))
    page.keyboard.press("Escape")
    admin.check_page("25-admin-versions")

    admin.menu("组织机构")
    page.get_by_label("搜索单位").fill("试点")
    expect(page.get_by_test_id("unit-tree")).to_contain_text("新华东苑社区（试点）")
    admin.close()

    # --- a supervisor reads the directory, and may not change it --
    supervisor = Console(browser, base_url, shots, problems)
    supervisor.sign_in(SUPERVISOR)
    supervisor.menu("组织机构")
    expect(supervisor.page.get_by_text("只读：目录由管理员修改。")).to_be_visible()
    expect(supervisor.page.get_by_test_id("unit-tree")).to_contain_text("新华东苑社区（试点）")
    expect(supervisor.page.get_by_role("button", name=re.compile("^编辑 "))).to_have_count(0)
    supervisor.menu("目录导入与版本")
    expect(supervisor.page.get_by_label("目录文件", exact=True)).to_have_count(0)
    expect(supervisor.page.get_by_test_id("directory-versions")).to_contain_text("新华东苑社区列为试点")
    supervisor.close()
    assert not problems.items, "\n".join(problems.items)
