"""The console in a real browser (Debian's Chromium, headless) against the real stack (Temporal dev server, worker,
API serving the built console): one issue's whole story, told as the people in it click through it.

A resident reports on a phone; the grid worker finds it in the inbox, tries to resolve it on the spot (refused, in
words) and whistles; the community leader approves; the street dispatcher routes it to two departments; each checks
in; the dispatcher concludes the consultation; the units complete; the grid worker verifies and reports another issue
from the map; the resident evaluates on the phone and reads the board; a district supervisor finds the issue on the
dashboard and the map and opens its audit. Every page is screenshotted in Chinese and English (under
``data/screenshots/console``), checked by axe-core and from the keyboard, and no page may log a console error.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.console.browser import CHROMIUM, CHROMIUM_ARGS, ROOT, Console, Problems, wait_until

if not CHROMIUM.exists():
    pytest.fail("Debian's Chromium is missing: `make test` installs it (apt-get install chromium)",
                pytrace=False)

from playwright.sync_api import Browser, Locator, expect, sync_playwright

from tests.e2e.live_stack import live_stack

GRID = "qh.hd.cy.c1.g1"
RESIDENT = f"resident1@{GRID}"
GRID_WORKER = f"grid_worker@{GRID}"
LEADER = "leader@qh.hd.cy.c1"
DISPATCHER = "dispatcher@qh.hd.cy"
HEATING, HOUSING = "河东区供热办公室", "河东区住房和城乡建设局"
SUPERVISOR = "supervisor@qh.hd"
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
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


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
    heating.close()

    # --- the grid worker verifies, rates as the whistler, and reports another issue from the map -------------------
    worker.open_issue(issue_id)
    worker.act("verify_result", "验收通过", expect_state="评价")
    worker.act("evaluate", "提交评价", lambda f: f.get_by_text("满意", exact=True).click())
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
    assert len(taken) >= 30, taken
