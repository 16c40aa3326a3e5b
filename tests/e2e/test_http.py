"""On the real stack (``whistle run``): a whole issue through all seven steps over HTTP only, the
command line through the API. (Schemathesis against the OpenAPI schema: tests/e2e/test_fuzz_api.py.)"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import httpx

from tests.e2e.live_stack import ROOT, LiveStack

GRID = "qh.hd.cy.c1.g1"
RESIDENT = f"resident1@{GRID}"


def _act(stack: LiveStack, http: httpx.Client, view: dict[str, Any], kind: str, action: str,
         who: str, data: dict[str, Any] | None = None, unit_id: str | None = None) -> dict[str, Any]:
    task = next(t for t in view["open_tasks"] if t["kind"] == kind and (unit_id is None or t["unit_id"] == unit_id))
    resp = http.post(f"/v1/issues/{view['issue_id']}/actions", headers=stack.auth(who),
                     json={"task_id": task["task_id"], "action": action, "data": data or {}})
    assert resp.status_code == 200, resp.text
    out: dict[str, Any] = resp.json()
    return out


def test_seven_steps_over_http_only(stack: LiveStack) -> None:
    with httpx.Client(base_url=stack.url, timeout=60) as http:
        resp = http.post("/v1/issues", headers={**stack.auth(RESIDENT), "Idempotency-Key": "e2e-seven-steps"},
                         json={"title": "暖气不热", "description": "三天不热", "matter_code": "heating.no_heat",
                               "grid_id": GRID, "address": "东苑小区3号楼201"})
        assert resp.status_code == 201
        v = resp.json()
        steps = [v["step"]]
        v = _act(stack, http, v, "verify", "whistle", f"grid_worker@{GRID}", {"kind": "daily", "note": "供热办"})
        v = _act(stack, http, v, "approve_whistle", "approve", "leader@qh.hd.cy.c1")
        steps.append(v["step"])
        v = _act(stack, http, v, "dispatch", "route", "dispatcher@qh.hd.cy",
                 {"unit_ids": ["qh.hd.dept.heating", "qh.hd.cy"]})
        steps.append(v["step"])
        v = _act(stack, http, v, "report", "check_in", "handler@qh.hd.dept.heating", unit_id="qh.hd.dept.heating")
        v = _act(stack, http, v, "report", "check_in", "handler@qh.hd.cy", unit_id="qh.hd.cy")
        steps.append(v["step"])
        v = _act(stack, http, v, "consult", "conclude", "dispatcher@qh.hd.cy",
                 {"lead_unit_id": "qh.hd.dept.heating", "co_unit_ids": ["qh.hd.cy"], "list_type": "immediate",
                  "minutes": "供热办牵头"})
        steps.append(v["step"])
        v = _act(stack, http, v, "assist", "complete", "handler@qh.hd.cy", {"result": "已告知居民"})
        v = _act(stack, http, v, "handle", "complete", "handler@qh.hd.dept.heating", {"result": "阀门已更换"})
        steps.append(v["step"])
        v = _act(stack, http, v, "verify_result", "accept", f"grid_worker@{GRID}")
        steps.append(v["step"])
        v = _act(stack, http, v, "evaluate", "rate", RESIDENT, {"rating": "satisfied"})
        for _ in range(2):  # the whistler rates each of the two units that took part
            v = _act(stack, http, v, "evaluate", "rate", f"grid_worker@{GRID}", {"rating": "satisfied"})
        assert v["status"] == "closed"
        assert steps == ["discovery", "whistle", "report", "consultation", "handling", "feedback", "evaluation"]
        for _ in range(100):
            audit = http.get(f"/v1/issues/{v['issue_id']}/audit", headers=stack.auth("supervisor@qh.hd"))
            if audit.status_code == 200 and audit.json()["agree"]:
                break
        assert audit.json()["agree"], audit.json()["problems"]
        listed = http.get("/v1/issues", headers=stack.auth(RESIDENT), params={"status": "closed"}).json()
        assert v["issue_id"] in [i["issue_id"] for i in listed["items"]]


def test_the_command_line_goes_through_the_api(stack: LiveStack) -> None:
    def whistle(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "whistle.cli", *args], cwd=ROOT, env=stack.env,
                              capture_output=True, text=True, timeout=60, check=False)

    rep = whistle("report", "--matter", "roads.pothole", "--grid", GRID, "--title", "路面坑洼",
                  "--reporter-name", "李先生")
    assert rep.returncode == 0, rep.stderr
    issue_id = rep.stdout.strip()
    shown = whistle("issue", issue_id)
    assert shown.returncode == 0 and f'"issue_id": "{issue_id}"' in shown.stdout
    for _ in range(50):  # the inbox reads the read model, a moment behind the workflow
        inbox = whistle("tasks", "--as", f"grid_worker@{GRID}")
        assert inbox.returncode == 0, inbox.stderr
        if f"{issue_id}.1" in inbox.stdout:
            break
    assert f"{issue_id}.1" in inbox.stdout, inbox.stdout
    refused = whistle("act", issue_id, f"{issue_id}.1", "whistle", "--as", "handler@qh.hd.cy", "--data",
                      '{"kind":"daily","note":"x"}')
    assert refused.returncode == 1 and "403" in refused.stderr
    done = whistle("act", issue_id, f"{issue_id}.1", "whistle", "--as", f"grid_worker@{GRID}", "--data",
                   '{"kind":"daily","note":"路政"}')
    assert done.returncode == 0 and "step whistle" in done.stdout
    token = whistle("token", RESIDENT)
    assert token.returncode == 0 and token.stdout.count(".") == 2
