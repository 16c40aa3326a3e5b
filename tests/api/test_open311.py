"""Open311 GeoReport v2 over HTTP, form-encoded as the spec says, and grids on the map."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from typing import Any

import httpx
import pytest

from api.deps import Services
from store import api_keys
from store.db import transaction
from tests import sample_city
from tests.api.client import GRID, Api, report_body

V2 = "/open311/v2"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
RING = sample_city.grid_rings()[GRID]
LON, LAT = (RING[0][0] + RING[2][0]) / 2, (RING[0][1] + RING[2][1]) / 2  # the middle of grid 1


@pytest.fixture(scope="module")
def api_key(api_services: Services) -> str:
    with transaction(api_services.sessions) as session:
        sample_city.load_into(session)
        return api_keys.create(session, "hotline@qh")


def _form(key: str, **over: str) -> dict[str, str]:
    return {"api_key": key, "service_code": "heating.no_heat", "lat": str(LAT), "long": str(LON),
            "description": "暖气不热 three days", "first_name": "Canary", "last_name": "王", "phone": "13911112222",
            "email": "w@example.org", **over}


async def _post(api: Api, data: dict[str, str], fmt: str = "json", **headers: str) -> httpx.Response:
    return await api.http.post(f"{V2}/requests.{fmt}", data=data, headers={**FORM, **headers})


def _xml_items(text: str) -> list[dict[str, Any]]:
    return [{child.tag: child.text for child in item} for item in ET.fromstring(text)]


async def test_discovery_services_and_definitions_in_json_and_xml(api: Api) -> None:
    disco = (await api.http.get(f"{V2}/discovery.json")).json()
    assert disco["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    services = (await api.http.get(f"{V2}/services.json")).json()
    assert len(services) == 46 and {"service_code", "service_name", "description", "metadata", "type",
                                     "keywords", "group"} <= set(services[0])
    xml = await api.http.get(f"{V2}/services.xml")
    assert xml.headers["content-type"].startswith("text/xml")
    as_xml = _xml_items(xml.text)
    assert [s["service_code"] for s in as_xml] == [s["service_code"] for s in services]
    assert [s["service_name"] for s in as_xml] == [s["service_name"] for s in services]
    definition = (await api.http.get(f"{V2}/services/heating.no_heat.json")).json()
    assert definition["service_code"] == "heating.no_heat"
    assert [a["code"] for a in definition["attributes"]] == ["title", "urgent", "grid_id"]
    root = ET.fromstring((await api.http.get(f"{V2}/services/heating.no_heat.xml")).text)
    assert root.tag == "service_definition" and len(root.find("attributes")) == 3  # type: ignore[arg-type]
    zh = (await api.http.get(f"{V2}/services.json", headers={"Accept-Language": "zh-CN"})).json()
    assert next(s for s in zh if s["service_code"] == "heating.no_heat")["service_name"] == "暖气不热"


async def test_a_form_post_starts_an_issue_in_the_inbox_of_the_points_grid(api: Api, api_key: str) -> None:
    resp = await _post(api, _form(api_key, **{"attribute[urgent]": "true", "media_url": "https://img.test/1.jpg"}))
    assert resp.status_code == 200, resp.text
    (created,) = resp.json()
    issue_id = created["service_request_id"]
    view = (await api.get(f"/v1/issues/{issue_id}", "supervisor@qh")).json()
    assert view["urgent"] is True and view["open_tasks"][0]["unit_id"] == GRID
    for _ in range(100):
        inbox = (await api.get("/v1/tasks", f"grid_worker@{GRID}")).json()["items"]
        if any(t["issue_id"] == issue_id for t in inbox):
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the report never reached the grid worker's inbox")
    one = (await api.http.get(f"{V2}/requests/{issue_id}.json")).json()
    assert one[0]["status"] == "open" and one[0]["service_code"] == "heating.no_heat"
    assert one[0]["address_id"] == GRID and one[0]["requested_datetime"].endswith("Z")
    text = str(one)
    assert "Canary" not in text and "13911112222" not in text  # a public view: no personal data
    as_xml = _xml_items((await api.http.get(f"{V2}/requests/{issue_id}.xml")).text)[0]
    assert as_xml["service_request_id"] == issue_id and as_xml["status"] == one[0]["status"]
    assert as_xml["status_notes"] == one[0]["status_notes"]
    listed = (await api.http.get(f"{V2}/requests.json", params={"service_request_id": f"{issue_id},nope"})).json()
    assert [r["service_request_id"] for r in listed] == [issue_id]
    closed = (await api.http.get(f"{V2}/requests.json", params={"status": "closed",
                                                                 "service_code": "heating.no_heat"})).json()
    assert issue_id not in [r["service_request_id"] for r in closed]


async def test_the_same_idempotency_key_files_one_issue(api: Api, api_key: str) -> None:
    first = await _post(api, _form(api_key), **{"Idempotency-Key": "o311-retry"})
    again = await _post(api, _form(api_key), **{"Idempotency-Key": "o311-retry"})
    assert first.json() == again.json()
    other = await _post(api, _form(api_key, description="something else"), **{"Idempotency-Key": "o311-retry"})
    assert other.status_code == 422 and other.json()[0]["code"] == 422


@pytest.mark.parametrize(("change", "status"), [
    ({"api_key": ""}, 403), ({"api_key": "kbad.secret"}, 403), ({"service_code": "no.such"}, 404),
    ({"service_code": ""}, 400), ({"lat": "0", "long": "0"}, 400), ({"lat": "", "long": ""}, 400),
    ({"lat": "north"}, 400), ({"jurisdiction_id": "elsewhere"}, 404),
])
async def test_every_error_answers_the_specs_shape(api: Api, api_key: str, change: dict[str, str],
                                                   status: int) -> None:
    resp = await _post(api, {**_form(api_key), **change})
    assert resp.status_code == status
    (error,) = resp.json()
    assert error["code"] == status and error["description"]
    xml = await _post(api, {**_form(api_key), **change}, fmt="xml")
    (as_xml,) = _xml_items(xml.text)
    assert xml.status_code == status and as_xml["code"] == str(status) and as_xml["description"]


async def test_a_revoked_key_files_nothing(api: Api, api_services: Services) -> None:
    with transaction(api_services.sessions) as session:
        key = api_keys.create(session, "miniprogram@qh")
        api_keys.revoke(session, key.split(".")[0])
    assert (await _post(api, _form(key))).status_code == 403
    with transaction(api_services.sessions) as session, pytest.raises(api_keys.ApiKeyError, match="not an integration"):
        api_keys.create(session, "supervisor@qh")


async def test_unknown_things_read_as_404s(api: Api) -> None:
    assert (await api.http.get(f"{V2}/requests/nope.json")).json()[0]["code"] == 404
    assert (await api.http.get(f"{V2}/services/no.such.json")).status_code == 404
    assert (await api.http.get(f"{V2}/services.yaml")).status_code == 404


async def test_a_v1_report_with_a_location_finds_its_grid(api: Api, api_key: str) -> None:
    body = report_body(grid_id=None, location={"lat": LAT, "lon": LON})
    resp = await api.post("/v1/issues", "resident1@qh.hd.cy.c1.g1", body)
    assert resp.status_code == 201, resp.text
    assert resp.json()["open_tasks"][0]["unit_id"] == GRID
    outside = await api.post("/v1/issues", "resident1@qh.hd.cy.c1.g1",
                             report_body(grid_id=None, location={"lat": 1.0, "lon": 1.0}))
    assert outside.status_code == 422 and outside.json()["errors"][0]["field"] == "location"


async def test_the_map_serves_the_jurisdictions_grids_with_counts(api: Api, api_key: str) -> None:
    resp = await api.get("/v1/grids.geojson", "supervisor@qh.hd")
    assert resp.headers["content-type"].startswith("application/geo+json")
    features = resp.json()["features"]
    assert len(features) == 12 and all(f["id"].startswith("qh.hd.") for f in features)
    mine = next(f for f in features if f["id"] == GRID)["properties"]
    assert mine["open"] >= 1 and {"overdue", "closed", "area_m2", "name"} <= set(mine)
    assert len((await api.get("/v1/grids.geojson", f"grid_worker@{GRID}")).json()["features"]) == 1
    assert (await api.get("/v1/grids.geojson", "resident1@qh.hd.cy.c1.g1")).status_code == 403


async def test_a_deployment_may_require_a_key_for_reading(api: Api, api_services: Services, api_key: str) -> None:
    api_services.settings.open311_key_for_reads = True
    try:
        refused = await api.http.get(f"{V2}/requests.json")
        assert refused.status_code == 403 and refused.json()[0]["code"] == 403
        assert (await api.http.get(f"{V2}/services.json", params={"api_key": api_key})).status_code == 200
    finally:
        api_services.settings.open311_key_for_reads = False
