"""A request's log lines carry who made it (bound per request, never lost to a worker thread)."""

from __future__ import annotations

import structlog

from tests.api.client import GRID, Api


async def test_every_line_of_a_request_names_its_principal(api: Api) -> None:
    with structlog.testing.capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        resp = await api.http.get("/v1/tasks", headers=api.auth(f"grid_worker@{GRID}"))
    assert resp.status_code == 200
    (line,) = [entry for entry in logs if entry["event"] == "request"]
    assert line["principal"] == f"grid_worker@{GRID}" and line["status"] == 200 and line["request_id"]
