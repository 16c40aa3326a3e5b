"""A whole issue over the API in-process: report, walk to closed, list, inbox."""

from __future__ import annotations

from tests.api.client import Api, walk_to_closed, walk_to_handling


async def test_an_issue_walks_to_closed_over_http(api: Api) -> None:
    w = await walk_to_handling(api)
    assert w.view["step"] == "handling"
    view = await walk_to_closed(w)
    assert view["status"] == "closed"
    assert view["open_tasks"] == []
