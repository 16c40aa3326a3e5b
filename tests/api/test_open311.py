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
from tests.api.client import GRID, RESIDENT, Api, report_body

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


async def _projected(api: Api, issue_id: str, status: str) -> None:
    for _ in range(200):
        view = (await api.get(f"/v1/issues/{issue_id}", "supervisor@qh")).json()
        if view["status"] == status and view["projected_seq"] >= view["last_seq"]:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{issue_id} never reached {status} in the read model")


async def test_public_reads_show_what_the_board_shows_and_no_more(api: Api) -> None:
    """No text a person wrote (title, withdraw reason, reject reason), no withdrawn or duplicate issues."""
    open_one = await api.report(title="CANARY-TITLE 3-201 王先生")
    withdrawn = await api.report(title="CANARY-WITHDRAWN")
    rejected = await api.report(title="CANARY-REJECTED")
    assert (await api.post(f"/v1/issues/{withdrawn['issue_id']}/actions", RESIDENT,
                           {"action": "withdraw", "data": {"reason": "CANARY-REASON my neighbour fixed it"}})
            ).status_code == 200
    verify = rejected["open_tasks"][0]["task_id"]
    assert (await api.post(f"/v1/issues/{rejected['issue_id']}/actions", f"grid_worker@{GRID}",
                           {"task_id": verify, "action": "reject", "data": {"reason": "CANARY-REJECT-TEXT"}})
            ).status_code == 200
    await _projected(api, withdrawn["issue_id"], "withdrawn")
    await _projected(api, rejected["issue_id"], "rejected")
    await _projected(api, open_one["issue_id"], "open")
    ids = ",".join(i["issue_id"] for i in (open_one, withdrawn, rejected))
    for fmt in ("json", "xml"):
        listed = await api.http.get(f"{V2}/requests.{fmt}", params={"service_request_id": ids})
        assert listed.status_code == 200 and "CANARY" not in listed.text, listed.text
        whole = await api.http.get(f"{V2}/requests.{fmt}")
        assert "CANARY" not in whole.text and withdrawn["issue_id"] not in whole.text
    shown = {r["service_request_id"]: r for r in (await api.http.get(
        f"{V2}/requests.json", params={"service_request_id": ids})).json()}
    assert set(shown) == {open_one["issue_id"], rejected["issue_id"]}
    assert shown[open_one["issue_id"]]["description"] == "No heating"  # the matter's name, not the title
    assert shown[rejected["issue_id"]]["status"] == "closed"
    assert shown[rejected["issue_id"]]["status_notes"] == "not accepted"
    assert (await api.http.get(f"{V2}/requests/{withdrawn['issue_id']}.json")).status_code == 404


async def test_public_reads_are_rate_limited_per_client(api_services: Services) -> None:
    from api.app import build_services, create_app

    services = build_services(api_services.settings.model_copy(update={"rate_limit": "3/minute"}),
                              api_services.client, api_services.sessions)
    app = create_app(services=services)
    for address, expected in (("198.51.100.1", [200, 200, 200, 429]), ("198.51.100.2", [200])):
        transport = httpx.ASGITransport(app=app, client=(address, 4000))
        async with httpx.AsyncClient(transport=transport, base_url="http://whistle.test") as http:
            codes = [(await http.get(f"{V2}/requests.json")).status_code for _ in expected]
            assert codes == expected, address
            if expected[-1] == 429:
                refused = await http.get(f"{V2}/services.xml")
                assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1


async def test_control_characters_and_links_that_are_not_https_are_refused(api: Api, api_key: str) -> None:
    for over in ({"description": "bell\x07"}, {"attribute[title]": "nul\x00"}, {"address_string": "esc\x1b"},
                 {"media_url": "javascript:alert(1)"}, {"media_url": "http://img.example/1.jpg"}):
        resp = await _post(api, _form(api_key, **over))
        assert resp.status_code == 400 and resp.json()[0]["code"] == 400, (over, resp.text)


async def test_keys_go_in_the_body_wrong_ones_are_throttled_and_keys_expire(api_services: Services,
                                                                            api_key: str) -> None:
    from datetime import UTC, datetime, timedelta

    from api.app import build_services, create_app
    from store import models

    services = build_services(api_services.settings.model_copy(update={"auth_failure_limit": "3/minute"}),
                              api_services.client, api_services.sessions)
    transport = httpx.ASGITransport(app=create_app(services=services), client=("198.51.100.30", 4000))
    async with httpx.AsyncClient(transport=transport, base_url="http://whistle.test") as http:
        in_url = await http.post(f"{V2}/requests.json", params={"api_key": api_key}, data=_form(""), headers=FORM)
        assert in_url.status_code == 400 and "form body" in in_url.json()[0]["description"]
        codes = [(await http.post(f"{V2}/requests.json", data=_form(f"k0.guess{n}"), headers=FORM)).status_code
                 for n in range(4)]
        assert codes == [403, 403, 403, 429]
    with transaction(api_services.sessions) as session:
        key = api_keys.create(session, "hotline@qh", timedelta(days=1))
        assert api_keys.principal_for(session, key) == "hotline@qh"
        assert api_keys.principal_for(session, key, now=datetime.now(UTC) + timedelta(days=2)) is None
        old = api_keys.create(session, "hotline@qh")
        row = session.get(models.ApiKey, old.split(".")[0])
        assert row is not None
        row.expires_at = None  # made before keys expired: a year after it was made
        row.created_at = datetime.now(UTC) - timedelta(days=366)
        session.flush()
        assert api_keys.principal_for(session, old) is None
        with pytest.raises(api_keys.ApiKeyError):
            api_keys.create(session, "hotline@qh", timedelta(days=5000))
