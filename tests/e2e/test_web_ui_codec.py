"""The Temporal Web UI as it ships, read by a city supervisor in Debian's Chromium against the real stack: they
sign in for the codec (``/codec/session``), put the personal endpoint it gives into the Web UI's codec settings,
open an issue, and read its report in plain text — no "could not connect" banner. A resident who tries the same
is refused an endpoint and reads nothing. ``temporal workflow show`` decodes through the same endpoint."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from core.binaries import temporal_cli
from tests.console.browser import CHROMIUM, chromium
from tests.e2e.readable import readable

if not CHROMIUM.exists():
    pytest.fail("Debian's Chromium is missing: `make test` installs it (apt-get install chromium)", pytrace=False)

from playwright.sync_api import Browser, Page, expect

SUPERVISOR, RESIDENT = "supervisor@qh", "resident1@qh.hd.cy.c1.g1"
COULD_NOT_CONNECT = "Codec Server could not connect"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def issue(stack: Any) -> tuple[str, str]:
    """An issue whose report carries a word found nowhere else, and that word."""
    marker = f"webui{uuid.uuid4().hex[:10]}"
    body = {"title": f"楼道灯不亮 {marker}", "description": f"the stairwell light is out ({marker})",
            "matter_code": "property.stairwell_light", "grid_id": "qh.hd.cy.c1.g1", "address": "东苑小区3号楼",
            "reporter": {"name": "李四", "phone": "13800000001"}}
    resp = httpx.post(f"{stack.url}/v1/issues", json=body, headers=stack.auth("hotline@qh"), timeout=30)
    assert resp.status_code == 201, resp.text
    return resp.json()["issue_id"], marker


def _sign_in(page: Page, stack: Any, who: str) -> str:
    """The sign-in page, as a person uses it: paste the token, sign in, read the endpoint (empty if refused)."""
    page.goto(f"{stack.url}/codec/session")
    page.fill("#t", stack.tokens.issue(who))
    page.click("#go")
    expect(page.locator("#out")).not_to_be_empty()
    return page.input_value("#endpoint")


def _use_endpoint(page: Page, ui: str, endpoint: str) -> None:
    """The Web UI's codec settings: "use my browser setting", the endpoint pasted, applied."""
    page.goto(f"{ui}/namespaces/default/workflows")
    page.locator('[data-testid^="data-encoder-status"]').first.click()
    page.locator("#use-local-endpoint-radio").check(force=True)
    page.fill("#data-encoder-endpoint-input", endpoint)
    page.get_by_role("button", name="Apply").click()


def _workflow_page(page: Page, ui: str, issue_id: str, tab: str | None = None) -> None:
    """The issue's workflow as the Web UI opens it (its run's default tab), or one ``tab`` of it."""
    page.goto(f"{ui}/namespaces/default/workflows/issue-{issue_id}")
    page.wait_for_url(f"**/issue-{issue_id}/*/*", timeout=30_000)
    if tab is not None:
        page.goto(f"{page.url.rsplit('/', 1)[0]}/{tab}")
    page.wait_for_load_state("load")


def test_a_city_supervisor_reads_an_issue_in_the_web_ui(stack: Any, browser: Browser,
                                                        issue: tuple[str, str]) -> None:
    issue_id, marker = issue
    ui = f"http://127.0.0.1:{stack.env['WHISTLE_TEMPORAL_UI_PORT']}"
    context = browser.new_context()
    page = context.new_page()
    decodes: list[int] = []
    page.on("response", lambda r: decodes.append(r.status) if r.url.endswith("/decode?preserveStorageRefs=true")
            else None)
    endpoint = _sign_in(page, stack, SUPERVISOR)
    assert endpoint.startswith(f"{stack.url}/codec/s/"), endpoint
    _use_endpoint(page, ui, endpoint)
    for tab in (None, "history"):  # the page the Web UI opens, and the Event History
        _workflow_page(page, ui, issue_id, tab)
        expect(page.get_by_text(marker).first).to_be_attached(timeout=30_000)  # the report, decrypted
        assert COULD_NOT_CONNECT not in page.content()
    assert decodes and set(decodes) == {200}, decodes
    context.close()


def test_a_resident_gets_no_endpoint_and_reads_nothing(stack: Any, browser: Browser, issue: tuple[str, str]) -> None:
    issue_id, marker = issue
    ui = f"http://127.0.0.1:{stack.env['WHISTLE_TEMPORAL_UI_PORT']}"
    context = browser.new_context()
    page = context.new_page()
    decodes: list[int] = []
    page.on("response", lambda r: decodes.append(r.status) if r.url.endswith("/decode?preserveStorageRefs=true")
            else None)
    assert _sign_in(page, stack, RESIDENT) == ""
    expect(page.locator("#out")).to_have_text("Refused: 403")
    _use_endpoint(page, ui, f"{stack.url}/codec")  # the API's own endpoint, without a supervisor's credentials
    for tab in (None, "history"):
        _workflow_page(page, ui, issue_id, tab)
        expect(page.get_by_text(COULD_NOT_CONNECT).first).to_be_attached(timeout=30_000)  # the UI asked, in vain
        assert marker not in page.content()
    assert decodes and set(decodes) == {401}, decodes
    context.close()


def test_temporal_workflow_show_decodes_through_the_endpoint(stack: Any, issue: tuple[str, str]) -> None:
    issue_id, marker = issue
    session = httpx.post(f"{stack.url}/codec/session", headers=stack.auth(SUPERVISOR), timeout=30)
    assert session.status_code == 200, session.text
    base = [temporal_cli(), "workflow", "show", "-w", f"issue-{issue_id}", "--address",
            stack.env["WHISTLE_TEMPORAL_ADDRESS"], "--namespace", "default", "-o", "json"]
    for codec in (["--codec-endpoint", session.json()["endpoint"]],
                  ["--codec-endpoint", f"{stack.url}/codec", "--codec-auth",
                   f"Bearer {stack.tokens.issue(SUPERVISOR)}"]):
        out = subprocess.run([*base, *codec], capture_output=True, text=True, timeout=60, check=True).stdout
        assert marker in readable(json.loads(out)), codec[:2]
    plain = subprocess.run(base, capture_output=True, text=True, timeout=60, check=True).stdout
    assert marker not in readable(json.loads(plain))

