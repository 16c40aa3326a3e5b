"""Subscribing over HTTP (issue 20, items 5, 6 and 12): only https to public addresses, or the private networks the
deployment names; errors as a class; at most so many per integration; a secret that rotates with a grace period."""

from __future__ import annotations

import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from standardwebhooks import Webhook

from activities.delivery import WebhookActivities
from api.app import build_services, create_app
from api.deps import Services
from core import egress
from store import models, webhooks
from store.db import transaction
from tests.api.client import Api

HOTLINE = "hotline@qh"
INSIDE = ["http://127.0.0.1:8000/hook", "https://127.0.0.1/hook", "https://localhost/hook", "https://[::1]/",
          "https://10.1.2.3/hook", "https://192.168.0.9/", "https://169.254.169.254/latest/meta-data",
          "https://[::ffff:127.0.0.1]/", "https://0.0.0.0/", "https://metadata.internal/", "http://example.org/hook",
          "ftp://example.org/", "https://user:pw@example.org/"]


async def _subscribe(api: Api, url: str, who: str = HOTLINE) -> Any:
    return await api.post("/v1/webhooks", who, {"url": url, "kinds": ["result"]})


async def test_only_https_to_public_addresses_is_accepted(api: Api) -> None:
    for url in INSIDE:
        resp = await _subscribe(api, url)
        assert resp.status_code == 422, (url, resp.text)
        assert resp.json()["errors"][0]["field"] in ("url", "body.url")
    long = await _subscribe(api, "https://example.org/" + "a" * 2040)  # 2,060 characters: over the column's 2,000
    assert long.status_code == 422, long.text
    grows = await _subscribe(api, "https://example.org/" + "界" * 300)  # 320 sent, 2,720 once percent-encoded
    assert grows.status_code == 422, grows.text
    ok = await _subscribe(api, "https://93.184.216.34/hooks")
    assert ok.status_code == 201 and ok.json()["secret"].startswith("whsec_")
    assert (await api.delete(f"/v1/webhooks/{ok.json()['id']}", HOTLINE)).status_code == 204


async def test_delivery_checks_the_address_as_it_is_resolved(monkeypatch: pytest.MonkeyPatch) -> None:
    """A public-looking name that resolves inside is refused at delivery, and the subscriber learns only the class."""
    real = socket.getaddrinfo

    def dns(host: str, port: Any, *args: Any, **kw: Any) -> Any:
        inside = {"rebinding.example": "127.0.0.1", "metadata.example": "169.254.169.254",
                  "split.example": "10.0.0.8"}
        if host in inside:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (inside[host], port))]
        if host == "mixed.example":  # one public address and one private: refused whole
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("203.0.113.5", port)),
                    (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.9", port))]
        return real(host, port, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", dns)
    for host in ("rebinding.example", "metadata.example", "split.example", "mixed.example"):
        with pytest.raises(egress.Refused) as refused:
            egress.resolve(f"https://{host}/hook", ())
        assert refused.value.kind == "address-not-allowed"
    named = egress.networks("10.0.0.0/24")
    assert str(egress.resolve("http://split.example:8080/h?x=1", named).address) == "10.0.0.8"
    assert egress.resolve("http://split.example:8080/h?x=1", named).pinned_url == "http://10.0.0.8:8080/h?x=1"
    hooks = WebhookActivities(sessions=None, timeout_s=2)  # type: ignore[arg-type]
    assert await hooks.post("https://rebinding.example/hook", b"{}", {}) == "address-not-allowed"
    # a port nobody listens on, inside a named network: the class, not the socket's own words
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    loop = WebhookActivities(sessions=None, timeout_s=2, private=egress.networks("127.0.0.1"))  # type: ignore[arg-type]
    assert await loop.post(f"http://127.0.0.1:{port}/hook", b"{}", {}) == "connection-failed"
    for v6 in ("64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::1", "::ffff:127.0.0.1", "::a9fe:a9fe"):  # v4 inside v6
        with pytest.raises(egress.Refused):
            egress.resolve(f"https://[{v6}]/hook", ())


async def test_a_receiver_that_drips_its_answer_is_cut_off_at_the_budget() -> None:
    """Headers a byte at a time, each within any per-read timeout: the attempt's whole budget still ends it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    stop = threading.Event()

    def drip() -> None:
        conn, _ = server.accept()
        with conn:
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 1000:
                if stop.wait(0.2):
                    return
                conn.sendall(bytes([byte]))

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()
    hooks = WebhookActivities(sessions=None, timeout_s=1.5, private=egress.networks("127.0.0.1"))  # type: ignore[arg-type]
    started = time.monotonic()
    try:
        assert await hooks.post(f"http://127.0.0.1:{port}/hook", b"{}", {}) == "timeout"
        assert time.monotonic() - started < 5
    finally:
        stop.set()
        thread.join(timeout=5)
        server.close()


async def test_an_integration_holds_at_most_so_many_subscriptions(api_services: Services) -> None:
    import httpx

    services = build_services(api_services.settings.model_copy(update={"webhook_max_subscriptions": 2}),
                              api_services.client, api_services.sessions)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(services=services)),
                                 base_url="http://whistle.test") as http:
        api = Api(http, services.tokens)
        who = "miniprogram@qh"
        made = [await _subscribe(api, f"https://93.184.216.{n + 1}/h", who) for n in range(2)]
        assert [m.status_code for m in made] == [201, 201]
        over = await _subscribe(api, "https://93.184.216.9/h", who)
        assert over.status_code == 409 and "end one" in over.json()["detail"]
        assert (await api.delete(f"/v1/webhooks/{made[0].json()['id']}", who)).status_code == 204
        assert (await _subscribe(api, "https://93.184.216.9/h", who)).status_code == 201


def test_a_rotated_secret_signs_beside_the_old_one_for_a_day(api_services: Services) -> None:
    with transaction(api_services.sessions) as session:
        sub = webhooks.subscribe(session, "miniprogram@qh", "https://93.184.216.50/h", ["*"], at_most=100)
        rotated = webhooks.rotate(session, "miniprogram@qh", sub.id)
        with pytest.raises(webhooks.WebhookError):
            webhooks.rotate(session, HOTLINE, sub.id)  # not theirs
    assert rotated.secret and sub.secret and rotated.secret != sub.secret and rotated.secret.startswith("whsec_")
    body = b'{"kind": "result"}'
    now = datetime.now(UTC)
    with api_services.sessions() as session:
        row = session.get(models.WebhookSubscription, sub.id)
        assert row is not None

        def headers(at: datetime) -> dict[str, str]:
            stamp = int(at.timestamp())
            return {"webhook-id": "d1", "webhook-timestamp": str(stamp),
                    "webhook-signature": webhooks.signature(row, "d1", stamp, body, at)}

        during, after = headers(now), headers(now + webhooks.ROTATION_GRACE + timedelta(minutes=1))
    for secret in (rotated.secret, sub.secret):  # during the grace period a receiver with either verifies
        Webhook(secret).verify(body, during)
    assert len(during["webhook-signature"].split(" ")) == 2 and len(after["webhook-signature"].split(" ")) == 1
    # after it, the new secret alone signs (checked here without the receiver's clock: the body's signature)
    assert after["webhook-signature"] == webhooks.sign(rotated.secret, "d1", int(after["webhook-timestamp"]), body)
    assert after["webhook-signature"] != webhooks.sign(sub.secret, "d1", int(after["webhook-timestamp"]), body)
