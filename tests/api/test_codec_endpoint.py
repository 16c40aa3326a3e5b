"""The personal codec endpoint a city supervisor puts into the Web UI (``/codec/s/<key>``): it decodes only while
its key holds — signed by this installation, not expired — and only for a person the directory still has as a
city supervisor; the key never reaches a log line."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from api.deps import Services
from api.problems import loggable
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
    assert resp.headers["cache-control"] == "no-store"
    path = endpoint.removeprefix(base)
    ok = await api.http.post(f"{path}/decode", json=EMPTY, headers={"X-Namespace": "default"})
    assert ok.status_code == 200 and ok.json() == {}
    assert (await api.http.post(f"{path}/decode", json=EMPTY, headers={"X-Namespace": "other"})).status_code == 403

    key = path.removeprefix("/codec/s/")
    tampered = key[:-10] + ("A" if key[-10] != "A" else "B") + key[-9:]  # a signature's bit changed
    refused = await api.http.post(f"/codec/s/{tampered}/decode", json=EMPTY)
    assert refused.status_code == 401 and tampered not in refused.text  # the problem names the endpoint, not the key
    # the same signature spelt otherwise (the spare bits of its last character) is not the key
    spare = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")}
    alphabet = list(spare)
    respelt = key[:-1] + alphabet[spare[key[-1]] ^ 1]
    assert (await api.http.post(f"/codec/s/{respelt}/decode", json=EMPTY)).status_code == 401
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
    assert loggable(f"/codec/s/{key}/decode") == "/codec/s/…/decode" == loggable(f"//codec/s/{key}/decode")[1:]
    # a token about to expire gives an endpoint that expires with it
    short = api_services.tokens.issue("supervisor@qh", ttl=timedelta(minutes=5))
    brief = await api.http.post("/codec/session", headers={"Authorization": f"Bearer {short}"})
    assert datetime.fromisoformat(brief.json()["expires_at"]) <= datetime.now(UTC) + timedelta(minutes=5, seconds=5)
    assert loggable("/codec/decode") == "/codec/decode"
