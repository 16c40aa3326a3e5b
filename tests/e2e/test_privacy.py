"""Residents' personal data never reaches Temporal's storage or any log in plaintext (DESIGN §9): canary
values written through the API are looked for, byte for byte, in every file the stack wrote."""

from __future__ import annotations

import asyncio
import base64
import sqlite3
from pathlib import Path

import httpx
from temporalio.client import Client

from core.temporal import PLAIN_CONVERTER
from tests.e2e.readable import readable

CANARIES = {
    "name": "金丝雀王五Canary",
    "phone": "13999990001",
    "address": "隐私小区9号楼Canary901",
    "description": "canary-description-楼上漏水-7f3a",
    "comment": "canary-comment-请尽快-91c2",
}


def _report() -> dict[str, object]:
    return {"title": "楼上漏水", "description": CANARIES["description"], "matter_code": "water.sewer_blocked",
            "grid_id": "qh.hd.cy.c1.g1", "address": CANARIES["address"],
            "reporter": {"name": CANARIES["name"], "phone": CANARIES["phone"]}}


def _found_in(data_dir: Path) -> list[tuple[str, str]]:
    hits = []
    for path in data_dir.rglob("*"):
        if not path.is_file() or path.name.startswith("whistle.db"):
            continue  # the read model is Whistle's own database, not Temporal's storage
        blob = path.read_bytes()
        for name, value in CANARIES.items():
            for form in (value.encode(), value.encode("unicode_escape"), base64.b64encode(value.encode())):
                if form in blob:
                    hits.append((path.name, name))
    return hits


async def test_canaries_are_nowhere_but_the_codec_endpoint_decodes_them_for_supervisors(stack) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=30) as http:
        resp = await http.post("/v1/issues", json=_report(), headers=stack.auth("hotline@qh"))
        assert resp.status_code == 201, resp.text
        issue_id = resp.json()["issue_id"]
        resp = await http.post(f"/v1/issues/{issue_id}/actions", headers=stack.auth("supervisor@qh.hd"),
                               json={"action": "comment", "data": {"text": CANARIES["comment"]}})
        assert resp.status_code == 200, resp.text
        for _ in range(100):  # let the read model catch up: every activity has seen the data
            view = (await http.get(f"/v1/issues/{issue_id}", headers=stack.auth("supervisor@qh.hd"))).json()
            if view["projected_seq"] >= view["last_seq"]:
                break
            await asyncio.sleep(0.1)

        data_dir = Path(stack.env["WHISTLE_DATA_DIR"])
        assert _found_in(data_dir) == []

        raw = await Client.connect(stack.env["WHISTLE_TEMPORAL_ADDRESS"], data_converter=PLAIN_CONVERTER)
        history = await raw.get_workflow_handle(f"issue-{issue_id}").fetch_history()
        sealed = history.events[0].workflow_execution_started_event_attributes.input.payloads[0]
        assert sealed.metadata["encoding"] == b"binary/encrypted"
        body = {"payloads": [{"metadata": {k: base64.b64encode(v).decode() for k, v in sealed.metadata.items()},
                              "data": base64.b64encode(sealed.data).decode()}]}

        ok = await http.post("/codec/decode", json=body,
                             headers={**stack.auth("supervisor@qh"), "X-Namespace": "default"})
        assert ok.status_code == 200, ok.text
        plain = base64.b64decode(ok.json()["payloads"][0]["data"]).decode()
        assert CANARIES["name"] in plain and CANARIES["address"] in plain and CANARIES["phone"] in plain
        for who in ("handler@qh.hd.dept.water", "supervisor@qh.hd"):  # the city's supervisors only
            assert (await http.post("/codec/decode", json=body, headers=stack.auth(who))).status_code == 403, who
        assert (await http.post("/codec/encode", json=body, headers=stack.auth("supervisor@qh"))).status_code in (
            404, 405)  # the Web UI only reads
        # the decode is on record: who, and which issue
        with sqlite3.connect(data_dir / "whistle.db") as db:
            reads = db.execute("SELECT principal_id, payloads, issue_ids FROM payload_reads").fetchall()
        assert ("supervisor@qh", 1, issue_id) in reads, reads
        # the audit shows the reporter's name and phone to the city's supervisors only
        city = await http.get(f"/v1/issues/{issue_id}/audit", headers=stack.auth("supervisor@qh"))
        district = await http.get(f"/v1/issues/{issue_id}/audit", headers=stack.auth("supervisor@qh.hd"))
        assert city.status_code == district.status_code == 200
        assert CANARIES["name"] in readable(city.json()) and CANARIES["phone"] in readable(city.json())
        seen = readable(district.json())
        assert CANARIES["address"] in seen and CANARIES["name"] not in seen and CANARIES["phone"] not in seen
        assert (await http.post("/codec/decode", json=body)).status_code == 401
        # the Web UI's way: a cookie, and the CORS answer for its origin
        ui = f"http://127.0.0.1:{stack.env['WHISTLE_TEMPORAL_UI_PORT']}"
        pre = await http.options("/codec/decode", headers={"Origin": ui, "Access-Control-Request-Method": "POST",
                                                           "Access-Control-Request-Headers": "content-type"})
        assert pre.headers.get("access-control-allow-origin") == ui
        assert pre.headers.get("access-control-allow-credentials") == "true"
