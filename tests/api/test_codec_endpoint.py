"""The personal codec endpoint a city supervisor puts into the Web UI (``/codec/s/<key>``): it decodes only while
its key holds — signed by this installation, not expired — and only for a person the directory still has as a
city supervisor; the key never reaches a log line."""

from __future__ import annotations

import time

from api.deps import Services
from api.middleware import loggable
from api.routes.codec import personal_key
from tests.api.client import Api

EMPTY = {"payloads": []}


async def test_a_city_supervisor_signs_in_and_decodes_through_the_personal_endpoint(api: Api,
                                                                                     api_services: Services) -> None:
    resp = await api.post("/codec/session", "supervisor@qh")
    assert resp.status_code == 200, resp.text
    endpoint = resp.json()["endpoint"]
    base = api_services.settings.api_url
    assert endpoint.startswith(f"{base}/codec/s/") and resp.json()["expires_at"]
    assert "whistle_token" in resp.headers.get("set-cookie", "")  # the cookie still comes for those who use it
    path = endpoint.removeprefix(base)
    ok = await api.http.post(f"{path}/decode", json=EMPTY, headers={"X-Namespace": "default"})
    assert ok.status_code == 200 and ok.json() == {}
    assert (await api.http.post(f"{path}/decode", json=EMPTY, headers={"X-Namespace": "other"})).status_code == 403

    key = path.removeprefix("/codec/s/")
    tampered = key[:-1] + ("A" if key[-1] != "A" else "B")
    assert (await api.http.post(f"/codec/s/{tampered}/decode", json=EMPTY)).status_code == 401
    expired = personal_key(api_services, "supervisor@qh", int(time.time()) - 1)
    assert (await api.http.post(f"/codec/s/{expired}/decode", json=EMPTY)).status_code == 401
    later = int(time.time()) + 3600
    district = personal_key(api_services, "supervisor@qh.hd", later)  # signed, but not the city's supervisor
    assert (await api.http.post(f"/codec/s/{district}/decode", json=EMPTY)).status_code == 403
    nobody = personal_key(api_services, "nobody@qh", later)
    assert (await api.http.post(f"/codec/s/{nobody}/decode", json=EMPTY)).status_code == 403
    for bad in ("x", "a.b.c", f"{key}/../decode"):
        assert (await api.http.post(f"/codec/s/{bad}/decode", json=EMPTY)).status_code in (401, 404, 422), bad

    for who in ("resident1@qh.hd.cy.c1.g1", "supervisor@qh.hd", "handler@qh.hd.dept.heating"):
        assert (await api.post("/codec/session", who)).status_code == 403, who
    assert loggable(f"/codec/s/{key}/decode") == "/codec/s/…/decode"
    assert loggable("/codec/decode") == "/codec/decode"
