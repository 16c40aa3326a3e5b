"""Page helpers for the browser test: Debian's Chromium driven by Playwright, one helper per console page, elements
found by role and label as a person finds them. No browser is downloaded: Playwright launches ``/usr/bin/chromium``.

Every page checks itself as it is left: no console error was logged, axe-core finds no serious or critical
violation (every form control labelled among them), and the page's controls are reachable by keyboard.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
AXE = ROOT / "console" / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
LANGUAGES = ("zh-CN", "en")
#: screenshots of every page in both languages (``WHISTLE_SCREENSHOTS=1``; ``make screenshots``): for people
#: reviewing the console, not for the checks, so ``make test`` leaves them out
SCREENSHOTS = os.environ.get("WHISTLE_SCREENSHOTS", "") not in ("", "0")
TIMEOUT_MS = 20_000


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright (its own browser download does not work here)."""
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@dataclass
class Problems:
    """What went wrong in the browser: console errors, uncaught exceptions, a page's accessibility findings."""

    items: list[str] = field(default_factory=list)
    #: "Failed to load resource" errors for these URL parts are expected (a refusal the story provokes)
    expected: list[str] = field(default_factory=list)

    def console(self, msg: ConsoleMessage) -> None:
        if msg.type != "error":
            return
        url = (msg.location or {}).get("url", "")
        if "Failed to load resource" in msg.text and any(part in url for part in self.expected):
            return
        self.items.append(f"console error: {msg.text} ({url})")

    def page_error(self, exc: Exception) -> None:
        self.items.append(f"uncaught: {exc}")

    @contextmanager
    def expecting(self, url_part: str) -> Iterator[None]:
        self.expected.append(url_part)
        try:
            yield
        finally:
            self.expected.remove(url_part)


class Console:
    """One person at the console: a browser context of their own (their token lives in its session storage)."""

    def __init__(self, browser: Browser, base_url: str, shots: Path, problems: Problems, *,
                 phone: bool = False) -> None:
        self.base = f"{base_url}/console"
        self.shots = shots
        self.problems = problems
        self.context = browser.new_context(viewport=PHONE if phone else DESKTOP, locale="zh-CN",
                                           timezone_id="Asia/Shanghai", is_mobile=phone, has_touch=phone,
                                           device_scale_factor=1)
        self.context.set_default_timeout(TIMEOUT_MS)
        # axe-core, before each page's own scripts: injected by the browser, so the console's Content-Security-
        # Policy (which refuses inline scripts, as a page's own would be) stays in force for everything else
        self.context.add_init_script(path=str(AXE))
        self.page: Page = self.context.new_page()
        self.page.on("console", problems.console)
        self.page.on("pageerror", problems.page_error)

    def close(self) -> None:
        self.context.close()

    # --- going places ----------------------------------------------------------------------------------------

    def goto(self, path: str) -> None:
        self.page.goto(f"{self.base}{path}")
        self.settle()

    def settle(self) -> None:
        """Loaded, and nothing drawing a skeleton or a spinner. (Never "network idle": the notification stream
        stays open while anyone is signed in.)"""
        self.page.wait_for_load_state("load")
        expect(self.page.locator(".el-skeleton, .el-loading-mask")).to_have_count(0)
        expect(self.page.locator(".el-message")).to_have_count(0, timeout=10_000)  # a toast fading in or out
        self.page.wait_for_timeout(300)

    def sign_in(self, principal_id: str) -> None:
        """Embedded sign-in: search for the principal, click their button."""
        self.goto("/sign-in")
        self.page.get_by_label("搜索账号").fill(principal_id)
        self.page.get_by_role("button", name=principal_id, exact=True).click()
        self.page.wait_for_url(re.compile(r"/console/(?!sign-in)"))
        self.settle()

    def menu(self, name: str) -> None:
        self.page.get_by_role("navigation", name="主菜单").get_by_text(name, exact=True).click()
        self.settle()

    # --- checking a page ---------------------------------------------------------------------------------

    def language(self, lang: str) -> None:
        self.page.get_by_role("radiogroup", name=re.compile("语言|Language")).get_by_text(
            "English" if lang == "en" else "中文", exact=True).click()
        expect(self.page.locator("html")).to_have_attribute("lang", lang)

    def check_page(self, name: str) -> None:
        """Screenshots in both languages, axe-core and the keyboard on each; back to Chinese."""
        self.settle()
        for lang in LANGUAGES:
            self.language(lang)
            self.transitions_done()
            if SCREENSHOTS:
                self.page.wait_for_timeout(300)  # charts redraw their labels
                self.page.screenshot(path=str(self.shots / f"{name}.{lang}.png"), full_page=True)
            self.axe(f"{name} ({lang})")
        self.language("zh-CN")
        self.keyboard(name)
        assert not self.problems.items, "\n".join(self.problems.items)

    def transitions_done(self) -> None:
        """The pointer off every control, and no element mid-transition (a tag fading in, a button easing back
        from its hover colour has not its final colours yet: axe would judge those)."""
        self.page.mouse.move(0, 0)
        self.page.wait_for_function(
            """() => !document.querySelector('[class*="-enter-active"], [class*="-leave-active"]')
                 && document.getAnimations().every(a => a.playState !== 'running'
                      || a.effect?.getComputedTiming().iterations === Infinity)""")

    def axe(self, where: str) -> None:
        assert self.page.evaluate("() => typeof window.axe !== 'undefined'"), "axe-core was not injected"
        result: dict[str, Any] = self.page.evaluate(
            """async () => {
                 const r = await axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'best-practice'],
                   rules: { region: { enabled: false } } })
                 return r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
                   nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')) }))
               }""")
        serious = [v for v in result if v["impact"] in ("serious", "critical")]
        assert not serious, f"axe on {where}:\n" + json.dumps(serious, ensure_ascii=False, indent=1)

    def keyboard(self, where: str) -> None:
        """Every visible control takes the focus from the keyboard (none is taken out of the tab order), and Tab
        moves through them."""
        unreachable: list[str] = self.page.evaluate(
            """() => [...document.querySelectorAll('a[href], button, input, select, textarea, [role=button]')]
                 .filter(el => el.offsetParent !== null && !el.disabled && el.type !== 'hidden')
                 .filter(el => el.tabIndex < 0
                   && !el.closest('.el-radio-group, .el-checkbox-group, .el-select, .el-switch, .el-input-number'))
                 .map(el => el.outerHTML.slice(0, 120))""")
        assert not unreachable, f"not reachable by keyboard on {where}: {unreachable}"
        self.page.locator("body").focus()
        seen: set[int] = set()
        for _ in range(12):
            self.page.keyboard.press("Tab")
            seen.add(self.page.evaluate("() => [...document.querySelectorAll('*')].indexOf(document.activeElement)"))
        assert len(seen) >= 3, f"Tab does not move through {where}: {seen}"

    # --- the issue page -------------------------------------------------------------------------------------

    def open_issue(self, issue_id: str) -> None:
        self.goto(f"/issues/{issue_id}")
        expect(self.page.get_by_test_id("issue-state")).to_be_visible()

    def task(self, kind: str, action: str, unit: str | None = None) -> Locator:
        """The open task of this kind (at this unit) that offers the reader this action."""
        tasks = self.page.locator(f"article[data-kind='{kind}']")
        if unit:
            tasks = tasks.filter(has_text=unit)
        return tasks.filter(has=self.page.get_by_role("button", name=action, exact=True)).first

    def act(self, kind: str, action: str, fill: Callable[[Locator], None] | None = None, *, unit: str | None = None,
            expect_state: str | None = None) -> None:
        """Open the action's form on the task, fill it, confirm; the new state shows without a reload."""
        task = self.task(kind, action, unit)
        task.get_by_role("button", name=action, exact=True).click()
        form = task.get_by_role("form", name=action, exact=True)
        if fill:
            fill(form)
        form.get_by_role("button", name=f"确认{action}").click()
        if expect_state:
            expect(self.page.get_by_test_id("issue-state")).to_contain_text(expect_state)

    def refusal(self) -> Locator:
        return self.page.get_by_test_id("problem")

    # --- the directory's pages (组织机构, 人员, 事项目录, 目录导入与版本) ---------------------------------------

    def dialog(self, title: str) -> Locator:
        return self.page.get_by_role("dialog", name=title)

    def edit_unit(self, name: str, fill: dict[str, str], reason: str) -> None:
        """On 组织机构: find the unit, open its form, change the fields (by label), give the reason, save."""
        self.page.get_by_label("搜索单位").fill(name)
        self.page.get_by_role("button", name=f"编辑 {name}", exact=True).click()
        dialog = self.dialog(f"编辑单位：{name}")
        for label, value in fill.items():
            dialog.get_by_label(label, exact=True).fill(value)
        dialog.get_by_label("修改理由").fill(reason)
        dialog.get_by_role("button", name="保存").click()
        expect(dialog).to_be_hidden()

    def retire_unit(self, name: str, successor: str, reason: str) -> Locator:
        """On 组织机构: retire the unit naming its successor (picked from those of its level and kind), with a reason;
        the dialog, open still if the change was refused."""
        self.page.get_by_label("搜索单位").fill(name)
        self.page.get_by_role("button", name=f"撤销 {name}", exact=True).click()
        dialog = self.dialog(f"撤销单位：{name}")
        dialog.get_by_role("combobox", name="继任单位").click()
        self.page.get_by_role("option", name=re.compile(successor)).click()
        dialog.get_by_label("修改理由").fill(reason)
        dialog.get_by_role("button", name="撤销", exact=True).click()
        return dialog

    def find_people(self, words: str) -> Locator:
        """On 人员: search, and the table's rows."""
        self.page.get_by_label("搜索人员").fill(words)
        self.page.get_by_role("button", name="查询").click()
        self.settle()
        return self.page.get_by_test_id("people").locator("tbody tr")

    def check_directory_file(self, path: Path) -> None:
        """On 目录导入与版本: choose a whole directory file and have it checked (nothing changes yet)."""
        self.page.get_by_label("目录文件", exact=True).set_input_files(str(path))
        self.page.get_by_role("button", name="检查").click()
        self.settle()

    def apply_directory_file(self, reason: str) -> None:
        preview = self.page.get_by_test_id("directory-preview")
        preview.get_by_label("修改理由").fill(reason)
        preview.get_by_role("button", name="应用改动").click()
        expect(preview).to_be_hidden()
        self.settle()


def wait_until(check: Callable[[], bool], what: str, timeout_s: float = 30, every_s: float = 0.5) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(every_s)
    raise AssertionError(f"timed out waiting for {what}")
