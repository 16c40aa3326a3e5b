"""An Open311 client library from PyPI (``georeport``), unmodified, reads Whistle on the real stack."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import httpx
from georeport import GeoReport

from tests import sample_city
from tests.e2e.live_stack import ROOT

GRID = "qh.hx.js.c2.g3"


def _api_key(stack) -> str:  # type: ignore[no-untyped-def]
    out = subprocess.run([sys.executable, "-m", "whistle.cli", "api-key", "create", "miniprogram@qh"], cwd=ROOT,
                         env=stack.env, capture_output=True, text=True, timeout=60, check=True)
    return out.stdout.strip().splitlines()[-1]


async def test_a_georeport_client_reads_services_definitions_and_requests(stack) -> None:
    key = await asyncio.to_thread(_api_key, stack)
    ring = sample_city.grid_rings()[GRID]
    lon, lat = (ring[0][0] + ring[2][0]) / 2, (ring[0][1] + ring[2][1]) / 2
    async with httpx.AsyncClient(base_url=stack.url, timeout=30) as http:
        resp = await http.post("/open311/v2/requests.json", data={
            "api_key": key, "service_code": "roads.pothole", "lat": lat, "long": lon, "description": "路面坑洼"})
        assert resp.status_code == 200, resp.text
        issue_id = resp.json()[0]["service_request_id"]
        for _ in range(100):  # the read model catches up
            if (await http.get(f"/open311/v2/requests/{issue_id}.json")).status_code == 200:
                break
            await asyncio.sleep(0.1)

    for fmt in ("json", "xml"):
        client = GeoReport(f"{stack.url}/open311/v2", jurisdiction="qh", output_format=fmt)
        services = await asyncio.to_thread(client.get_service_list)
        assert any(s["service_code"] == "roads.pothole" for s in services)
        definition = await asyncio.to_thread(client.get_service_definition, "roads.pothole")
        assert definition["service_code"] == "roads.pothole"
        one = await asyncio.to_thread(client.get_service_request, issue_id)
        assert one["service_request_id"] == issue_id and one["status"] == "open" and one["address_id"] == GRID
        many = await asyncio.to_thread(client.get_service_requests, service_code="roads.pothole")
        many = many if isinstance(many, list) else [many]
        assert issue_id in [r["service_request_id"] for r in many]
