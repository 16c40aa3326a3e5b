"""Where a request comes from (issue 20, items 1 and 3): the sample sign-in and the placeholder secret only on the
API's own machine (the API does not even start beyond loopback with the placeholder); the client's address read
through the trusted proxies; bad tokens throttled per client address, and a token that verifies never refused
because someone else at the same address, or behind the same proxy, guessed."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.requests import Request

from api import network
from api.app import build_services, create_app
from api.deps import Services
from api.routes.health import READY_FOR_S
from core.settings import Settings
from store.directory_cache import DirectoryCache
from tests import sample_city
from tests.api.client import RESIDENT, TEST_SECRET, Api, api_client, expect_problem

SUPERVISOR = "supervisor@qh"
PROXY = "10.0.0.2"


def _request(peer: str | None, host: str = "127.0.0.1:8000", **headers: str) -> Request:
    raw = [(b"host", host.encode())] + [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": raw,
                    "client": (peer, 5000) if peer else None})


def test_from_this_machine_means_loopback_peer_loopback_host_and_nothing_forwarded() -> None:
    for peer, host in (("127.0.0.1", "127.0.0.1:8000"), ("::1", "[::1]:8000"), ("127.0.0.5", "localhost")):
        assert network.from_this_machine(_request(peer, host)), (peer, host)
    assert not network.from_this_machine(_request("10.1.2.3"))  # another machine
    assert not network.from_this_machine(_request(None))
    assert not network.from_this_machine(_request("127.0.0.1", "whistle.example.org"))  # DNS rebinding, a proxy
    assert not network.from_this_machine(_request("127.0.0.1", "127.0.0.1.evil.example"))
    # a same-host proxy that adds no header still passes the browser's origin on
    assert not network.from_this_machine(_request("127.0.0.1", origin="https://whistle.example"))
    assert network.from_this_machine(_request("127.0.0.1", origin="http://127.0.0.1:8000"))
    for header in network.FORWARDING:  # a reverse proxy on the same host forwards the world from 127.0.0.1
        assert not network.from_this_machine(_request("127.0.0.1", **{header.replace("-", "_"): "203.0.113.9"}))


def test_the_client_address_is_read_through_trusted_proxies_only() -> None:
    proxies = Settings(trusted_proxies=f"{PROXY}, 10.9.0.0/16").proxies
    assert network.client_address(_request("203.0.113.9", x_forwarded_for="1.2.3.4"), proxies) == "203.0.113.9"
    assert network.client_address(_request(PROXY, x_forwarded_for="203.0.113.9"), proxies) == "203.0.113.9"
    # the client may invent hops on the left; the last one our proxies did not add is the client
    chain = "6.6.6.6, 203.0.113.9, 10.9.4.4"
    assert network.client_address(_request(PROXY, x_forwarded_for=chain), proxies) == "203.0.113.9"
    assert network.client_address(_request(PROXY), proxies) == PROXY  # no header: the proxy itself
    assert network.client_address(_request(PROXY, x_forwarded_for="not-an-ip"), proxies) == PROXY
    # a dual-stack socket shows the proxy as ::ffff:10.0.0.2: still the proxy
    assert network.client_address(_request(f"::ffff:{PROXY}", x_forwarded_for="203.0.113.9"), proxies) == "203.0.113.9"
    # an IPv6 client picks any address in its /64: counted as the /64
    assert network.client_address(_request("2001:db8:1:2::5"), ()) == network.client_address(
        _request("2001:db8:1:2:ffff::9"), ()) == "2001:db8:1:2::/64"
    with pytest.raises(ValueError, match="not an address"):
        Settings(trusted_proxies="10.0.0.0/33")


@given(st.lists(st.ip_addresses(v=4).map(str), min_size=1, max_size=5), st.ip_addresses(v=4).map(str))
def test_a_client_behind_a_trusted_proxy_cannot_pass_for_another(invented: list[str], real: str) -> None:
    """Whatever a client writes in X-Forwarded-For, the address the proxy appended is the one used."""
    proxies = Settings(trusted_proxies=PROXY).proxies
    if real == PROXY:
        return
    header = ", ".join([*invented, real])
    assert network.client_address(_request(PROXY, x_forwarded_for=header), proxies) == real


def test_placeholder_secret_and_a_proxy_refuse_to_start() -> None:
    with pytest.raises(RuntimeError, match="proxy"):
        create_app(Settings(trusted_proxies=PROXY))  # on 127.0.0.1, but behind a proxy: the world reaches it
    assert create_app(Settings(trusted_proxies=PROXY, jwt_secret=TEST_SECRET)) is not None


def test_the_placeholder_secret_cannot_listen_beyond_loopback_even_embedded(capsys: pytest.CaptureFixture[str]) -> None:
    for host in ("0.0.0.0", "192.168.1.20", "::", "whistle.example.org"):
        with pytest.raises(RuntimeError, match="placeholder"):
            create_app(Settings(api_host=host))
    for host in ("127.0.0.1", "127.8.0.1", "::1", "localhost"):
        assert create_app(Settings(api_host=host)) is not None
    assert create_app(Settings(api_host="0.0.0.0", jwt_secret="s" * 40)) is not None

    from whistle.serve import serve_api

    assert serve_api(Settings(api_host="0.0.0.0")) == 2
    assert "WHISTLE_JWT_SECRET" in capsys.readouterr().err


@contextlib.asynccontextmanager
async def _http(services: Services, peer: str, base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(services=services), client=(peer, 40000))
    async with httpx.AsyncClient(transport=transport, base_url=base_url, timeout=30) as http:
        yield http


def _embedded(tmp_path: Path, **settings: object) -> Services:
    settings = {"allowed_hosts": "*", **settings}
    return build_services(Settings(database_url=f"sqlite:///{tmp_path / 'r.db'}", rate_limit="1000/minute",
                                   **settings),  # type: ignore[arg-type]
                          None, directory=DirectoryCache.fixed(sample_city.directory()))


async def test_the_sample_sign_in_answers_only_on_the_apis_own_machine(tmp_path: Path) -> None:
    services = _embedded(tmp_path)
    ask = {"principal_id": SUPERVISOR}
    async with _http(services, "127.0.0.1", "http://127.0.0.1:8000") as local:
        assert (await local.post("/console/api/token", json=ask)).status_code == 200
        forwarded = await local.post("/console/api/token", json=ask, headers={"X-Forwarded-For": "203.0.113.9"})
        assert forwarded.status_code == 403 and "machine" in forwarded.json()["detail"]
        assert (await local.get("/console/api/principals", headers={"Forwarded": "for=203.0.113.9"})).status_code == 403
        rebound = await local.post("/console/api/token", json=ask, headers={"Host": "attacker.example"})
        assert rebound.status_code == 403
    async with _http(services, "192.168.1.20", "http://192.168.1.5:8000") as neighbour:
        assert (await neighbour.post("/console/api/token", json=ask)).status_code == 403
        assert (await neighbour.get("/console/api/principals")).status_code == 403


async def test_placeholder_tokens_count_only_on_the_apis_own_machine(tmp_path: Path) -> None:
    placeholder = _embedded(tmp_path)
    token = {"Authorization": f"Bearer {placeholder.tokens.issue(SUPERVISOR)}"}
    async with _http(placeholder, "127.0.0.1", "http://127.0.0.1:8000") as local:
        assert (await local.get("/console/api/me", headers=token)).status_code == 200
        proxied = await local.get("/console/api/me", headers={**token, "X-Forwarded-For": "203.0.113.9"})
        assert proxied.status_code == 401 and "WHISTLE_JWT_SECRET" in proxied.json()["detail"]
    real = _embedded(tmp_path, jwt_secret=TEST_SECRET, api_host="0.0.0.0")
    token = {"Authorization": f"Bearer {real.tokens.issue(SUPERVISOR)}"}
    async with _http(real, "192.168.1.20", "http://whistle.example") as remote:
        assert (await remote.get("/console/api/me", headers=token)).status_code == 200


async def test_guessing_behind_a_proxy_locks_out_the_guesser_not_the_desk(api_services: Services) -> None:
    settings = api_services.settings.model_copy(update={"auth_failure_limit": "3/minute", "trusted_proxies": PROXY})
    services = build_services(settings, api_services.client, api_services.sessions)
    async with _http(services, PROXY, "http://whistle.test") as http:
        api = Api(http, services.tokens)
        guesser, colleague = {"X-Forwarded-For": "203.0.113.9"}, {"X-Forwarded-For": "203.0.113.10"}
        bad = {"Authorization": "Bearer guess"}
        for _ in range(3):
            assert (await http.get("/v1/matters", headers={**bad, **guesser})).status_code == 401
        throttled = await http.get("/v1/matters", headers={**bad, **guesser})
        assert throttled.status_code == 429 and 1 <= int(throttled.headers["retry-after"]) <= 61
        # everyone else behind the same proxy, and the guesser's own good token, go on
        assert (await http.get("/v1/matters", headers={**bad, **colleague})).status_code == 401
        assert (await api.get("/v1/matters", RESIDENT, headers=colleague)).status_code == 200
        assert (await api.get("/v1/matters", RESIDENT, headers=guesser)).status_code == 200
    # without the proxy trusted, the header is the client's to invent: counted by the peer
    spoofing = build_services(api_services.settings.model_copy(update={"auth_failure_limit": "2/minute"}),
                              api_services.client, api_services.sessions)
    async with _http(spoofing, "198.51.100.7", "http://whistle.test") as http:
        for n in range(3):
            resp = await http.get("/v1/matters", headers={**bad, "X-Forwarded-For": f"1.1.1.{n}"})
        assert resp.status_code == 429


async def test_a_token_guesser_is_throttled_by_address_but_a_valid_token_never_is(api_services: Services) -> None:
    settings = api_services.settings.model_copy(update={"auth_failure_limit": "3/minute"})
    services = build_services(settings, api_services.client, api_services.sessions)
    async with api_client(services, "10.0.0.7") as guesser, api_client(services, "10.0.0.8") as neighbour:
        for _ in range(3):
            expect_problem(await guesser.http.get("/v1/matters", headers={"Authorization": "Bearer guess"}), 401)
        throttled = expect_problem(await guesser.http.get("/v1/matters", headers={"Authorization": "Bearer guess"}),
                                   429)
        assert 1 <= int((await guesser.http.get("/v1/matters", headers={"Authorization": "Bearer g"})
                         ).headers["retry-after"]) <= 60, throttled
        # a token that verifies is never refused (behind a proxy the guesser may share an address with the desk)
        assert (await guesser.get("/v1/matters", RESIDENT)).status_code == 200
        assert (await neighbour.get("/v1/matters", RESIDENT)).status_code == 200
        assert (await neighbour.http.get("/v1/matters")).status_code == 401  # no token: not a guess


async def test_every_answer_carries_the_security_headers_and_only_our_host_names_are_answered(
        tmp_path: Path) -> None:
    services = _embedded(tmp_path, allowed_hosts="")  # the default: on loopback, loopback names only
    async with _http(services, "127.0.0.1", "http://127.0.0.1:8000") as http:
        for path in ("/console/api/config", "/open311/v2/discovery.json", "/v1/matters", "/console/", "/nothing"):
            resp = await http.get(path)
            assert resp.headers["x-content-type-options"] == "nosniff", path
            policy = resp.headers["content-security-policy"]
            assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy, path
        page = await http.get("/codec/session")
        assert "'unsafe-inline'" not in page.headers["content-security-policy"].split("script-src")[1].split(";")[0]
        assert page.headers["x-content-type-options"] == "nosniff"
        # a page on another name, rebound to 127.0.0.1, reaches the API with its own Host: refused
        for host in ("attacker.example", "attacker.example:8000", "127.0.0.1.nip.example"):
            rebound = await http.get("/console/api/config", headers={"Host": host})
            assert rebound.status_code == 400 and "Host" in rebound.json()["detail"], host
        for host in ("localhost:8000", "127.0.0.1", "[::1]:8000"):
            assert (await http.get("/console/api/config", headers={"Host": host})).status_code == 200, host
        # a balancer's health check names the target by its address: answered
        assert (await http.get("/healthz", headers={"Host": "10.0.3.7:8000"})).status_code == 200
    named = _embedded(tmp_path, allowed_hosts="whistle.example", jwt_secret=TEST_SECRET, api_host="0.0.0.0")
    async with _http(named, "192.168.1.20", "http://whistle.example") as http:
        assert (await http.get("/console/api/config")).status_code == 200
        assert (await http.get("/console/api/config", headers={"Host": "other.example"})).status_code == 400


async def test_a_flood_of_readiness_probes_checks_once_a_second(api_services: Services) -> None:
    opened = 0
    real = api_services.sessions

    def counting():  # type: ignore[no-untyped-def]
        nonlocal opened
        opened += 1
        return real()

    services = build_services(api_services.settings, api_services.client, counting,  # type: ignore[arg-type]
                              directory=api_services.directory)
    async with _http(services, "203.0.113.20", "http://whistle.test") as http:
        answers = await asyncio.gather(*(http.get("/readyz") for _ in range(50)))
        assert {a.status_code for a in answers} == {200}
        assert opened == 1, opened  # fifty probes, one look at the database
        await asyncio.sleep(READY_FOR_S + 0.1)
        assert (await http.get("/readyz")).status_code == 200 and opened == 2


def test_rate_limits_are_shared_or_declared_per_process_outside_the_embedded_mode() -> None:
    production = {"mode": "production", "jwt_secret": TEST_SECRET, "temporal_insecure_ok": True}
    with pytest.raises(RuntimeError, match="RATE_LIMIT_STORAGE"):
        create_app(Settings(**production))  # type: ignore[arg-type]
    assert create_app(Settings(**production, rate_limit_storage="memory://")) is not None  # type: ignore[arg-type]
    assert Settings().counters == "memory://"  # the embedded mode: one process on one machine


def test_any_origin_is_refused_for_the_codec() -> None:
    with pytest.raises(ValueError, match="origin"):
        Settings(codec_cors_origins="https://temporal.example, *")
    assert Settings(codec_cors_origins="https://temporal.example").codec_origins == ["https://temporal.example"]


async def test_the_api_docs_load_nothing_from_elsewhere(tmp_path: Path) -> None:
    async with _http(_embedded(tmp_path), "127.0.0.1", "http://127.0.0.1:8000") as http:
        page = await http.get("/docs")
        assert page.status_code == 200 and "swagger-ui-bundle.js" in page.text
        assert not re.search(r"""(src|href|url)\s*[=:(]\s*["']?(https?:)?//""", page.text), page.text
        for asset in ("/docs/static/swagger-ui-bundle.js", "/docs/static/swagger-ui.css"):
            assert (await http.get(asset)).status_code == 200, asset
        assert (await http.get("/redoc")).status_code == 404


def test_the_placeholder_signs_nothing_each_installation_has_its_own_secret(tmp_path: Path) -> None:
    """Left at the placeholder, the signing key is a random secret of the installation (data_dir/token.secret,
    owner-only): a token signed with the placeholder everyone can read verifies nowhere."""
    import jwt

    from api.auth import InvalidToken, TokenService
    from core.settings import PLACEHOLDER_SECRET, TOKEN_SECRET_FILE

    here, there = TokenService(Settings(data_dir=tmp_path / "a")), TokenService(Settings(data_dir=tmp_path / "b"))
    assert (tmp_path / "a" / TOKEN_SECRET_FILE).stat().st_mode & 0o777 == 0o600
    assert TokenService(Settings(data_dir=tmp_path / "a")).principal_id(here.issue(SUPERVISOR)) == SUPERVISOR
    with pytest.raises(InvalidToken):
        there.principal_id(here.issue(SUPERVISOR))  # another installation's token
    forged = jwt.encode({"sub": SUPERVISOR, "iss": "whistle", "aud": "whistle-api", "exp": 2_000_000_000,
                         "iat": 1_999_990_000}, PLACEHOLDER_SECRET, algorithm="HS256")
    with pytest.raises(InvalidToken):
        here.principal_id(forged)
