"""The live stream of notifications (server-sent events) on a real server: a report reaches the grid worker."""

from __future__ import annotations

import asyncio
import json

import httpx

GRID = "qh.hd.cy.c1.g1"


async def test_the_stream_delivers_a_new_notification(stack) -> None:
    got: list[dict[str, object]] = []
    async with httpx.AsyncClient(base_url=stack.url, timeout=30) as http:

        async def listen() -> None:
            async with http.stream("GET", "/v1/notifications/stream", headers=stack.auth(f"grid_worker@{GRID}")) as r:
                assert r.headers["content-type"].startswith("text/event-stream")
                async for line in r.aiter_lines():
                    if line.startswith("data: "):
                        got.append(json.loads(line[6:]))
                        return

        listener = asyncio.create_task(listen())
        await asyncio.sleep(0.5)
        resp = await http.post("/v1/issues", headers=stack.auth(f"resident1@{GRID}"), json={
            "title": "楼道灯不亮", "description": "三楼", "matter_code": "property.stairwell_light",
            "grid_id": GRID, "address": "东苑小区1号楼"})
        assert resp.status_code == 201, resp.text
        await asyncio.wait_for(listener, timeout=20)
    assert got[0]["issue_id"] == resp.json()["issue_id"] and got[0]["kind"] == "task_opened"
