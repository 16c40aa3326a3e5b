"""Tokens (refused when forged, expired or living too long), the placeholder secret, the rate limit and the body
cap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from api.app import create_app
from api.auth import InvalidToken, TokenService
from api.deps import Services
from core.settings import PLACEHOLDER_SECRET, Settings
from tests.api.client import RESIDENT, TEST_SECRET, Api, expect_problem, report_body

PROBLEM = "application/problem+json"


async def _status(api: Api, token: str) -> httpx.Response:
    return await api.http.get("/v1/matters", headers={"Authorization": f"Bearer {token}"})


async def test_tokens_that_are_refused(api: Api, api_services: Services) -> None:
    tokens = api_services.tokens
    expired = tokens.issue(RESIDENT, now=datetime.now(UTC) - timedelta(days=400), ttl=timedelta(hours=1))
    foreign = TokenService(Settings(jwt_secret="another-secret-of-32-characters-at-least")).issue(RESIDENT)
    nobody = tokens.issue("nobody@nowhere")
    unsigned = jwt.encode({"sub": RESIDENT, "iss": "whistle", "aud": "whistle-api",
                           "exp": datetime.now(UTC) + timedelta(hours=1)}, key=None, algorithm="none")
    for token, why in ((expired, "expired"), (foreign, "not valid"), (unsigned, "not valid"), ("garbage", "not valid")):
        resp = await _status(api, token)
        assert resp.status_code == 401, why
        assert resp.headers["content-type"] == PROBLEM and why in resp.json()["detail"]
    stranger = await _status(api, nobody)  # signed, but nobody the directory knows: who to ask, not "log in again"
    assert stranger.status_code == 403 and stranger.json()["type"].endswith("/not-in-directory")
    assert "administrator" in stranger.json()["detail"]
    basic = await api.http.get("/v1/matters", headers={"Authorization": "Basic dXNlcjpwdw=="})
    assert basic.status_code == 401
    assert (await _status(api, tokens.issue(RESIDENT))).status_code == 200


async def test_a_token_that_lives_too_long_is_refused(api: Api) -> None:
    now = datetime.now(UTC)

    def signed(**claims: Any) -> dict[str, str]:
        token = jwt.encode({"sub": RESIDENT, "iss": "whistle", "aud": "whistle-api", **claims}, TEST_SECRET,
                           algorithm="HS256")
        return {"Authorization": f"Bearer {token}"}

    long_lived = [signed(iat=now, exp=now + timedelta(hours=13)),
                  signed(exp=now + timedelta(days=30)),  # no iat: judged from now
                  signed(iat=now - timedelta(days=1), exp=now + timedelta(hours=1)),
                  signed(iat=now)]  # no exp
    for headers in long_lived:
        expect_problem(await api.http.get("/v1/matters", headers=headers), 401)
    for headers in (signed(iat=now - timedelta(hours=1), exp=now + timedelta(hours=11)),
                    signed(exp=now + timedelta(hours=2)), api.auth(RESIDENT)):
        assert (await api.http.get("/v1/matters", headers=headers)).status_code == 200
    with pytest.raises(ValueError, match="longest"):
        api.tokens.issue(RESIDENT, ttl=timedelta(hours=13))


def test_single_sign_on_tokens_are_checked_against_the_issuers_public_key(tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    (tmp_path / "issuer.pem").write_bytes(pem)
    service = TokenService(Settings(mode="production", jwt_public_key_file=tmp_path / "issuer.pem",
                                    jwt_issuer="https-sso", jwt_audience="whistle-api"))
    claims = {"sub": RESIDENT, "iss": "https-sso", "aud": "whistle-api", "exp": datetime.now(UTC) + timedelta(hours=1)}
    assert service.principal_id(jwt.encode(claims, key, algorithm="RS256")) == RESIDENT
    with pytest.raises(InvalidToken):
        service.principal_id(jwt.encode(claims, other, algorithm="RS256"))
    with pytest.raises(InvalidToken):
        service.principal_id(jwt.encode({**claims, "iss": "someone-else"}, key, algorithm="RS256"))
    with pytest.raises(InvalidToken):  # an HS256 token "signed" with the public key must not pass
        service.principal_id(jwt.encode(claims, "x" * 40, algorithm="HS256"))
    with pytest.raises(RuntimeError):
        service.issue(RESIDENT)


def test_the_placeholder_secret_is_refused_outside_embedded_mode() -> None:
    with pytest.raises(RuntimeError, match="placeholder"):
        create_app(Settings(mode="production"))
    with pytest.raises(RuntimeError, match="32 characters"):
        create_app(Settings(mode="production", jwt_secret="short"))
    with pytest.raises(RuntimeError, match="RATE_LIMIT_STORAGE"):  # N processes would allow N times the limit
        create_app(Settings(mode="production", jwt_secret="s" * 40, temporal_insecure_ok=True))
    assert create_app(Settings(mode="production", jwt_secret="s" * 40, temporal_insecure_ok=True,
                               rate_limit_storage="memory://")) is not None
    assert Settings().jwt_secret.get_secret_value() == PLACEHOLDER_SECRET and create_app(Settings()) is not None
    assert PLACEHOLDER_SECRET not in repr(Settings()) and PLACEHOLDER_SECRET not in str(Settings().model_dump())
    with_password = Settings(database_url="postgresql+psycopg2://whistle:hunter2-secret@db/whistle")
    assert "hunter2-secret" not in repr(with_password) and "hunter2-secret" in with_password.db_url


async def test_rate_limit_answers_429_per_principal(api_services: Services) -> None:
    from api.app import build_services

    settings = api_services.settings.model_copy(update={"rate_limit": "3/minute"})
    services = build_services(settings, api_services.client, api_services.sessions)
    app = create_app(services=services)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://whistle.test") as http:
        api = Api(http, services.tokens)
        codes = [(await api.get("/v1/matters", RESIDENT)).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = await api.get("/v1/matters", RESIDENT)
        assert limited.headers["content-type"] == PROBLEM and int(limited.headers["retry-after"]) >= 1
        assert (await api.get("/v1/matters", f"grid_worker@{RESIDENT.split('@')[1]}")).status_code == 200


async def test_bodies_over_the_cap_are_refused_before_anything_happens(api_services: Services) -> None:
    from api.app import build_services

    settings = api_services.settings.model_copy(update={"max_body_bytes": 2048})
    services = build_services(settings, api_services.client, api_services.sessions)
    app = create_app(services=services)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://whistle.test") as http:
        api = Api(http, services.tokens)
        big = report_body(description="很" * 2000)
        resp = await api.post("/v1/issues", RESIDENT, big)
        assert resp.status_code == 413 and resp.headers["content-type"] == PROBLEM

        async def chunks():  # type: ignore[no-untyped-def]
            for _ in range(10):
                yield b"x" * 1024

        streamed = await http.post("/v1/issues", content=chunks(), headers={**api.auth(RESIDENT),
                                                                           "content-type": "application/json"})
        assert streamed.status_code == 413
        small = await api.post("/v1/issues", RESIDENT, report_body())
        assert small.status_code == 201


async def test_production_talks_to_temporal_over_mtls_or_not_at_all(tmp_path: Path) -> None:
    """The workflow trusts the actor in each action, so production refuses a plaintext, unauthenticated Temporal
    connection unless told the network isolates it; with a client certificate it connects over mTLS."""
    from core.temporal import TemporalSecurityError, connect, tls_config

    plain = Settings(mode="production", jwt_secret="s" * 40, rate_limit_storage="memory://")
    with pytest.raises(RuntimeError, match="mTLS"):
        create_app(plain)
    with pytest.raises(TemporalSecurityError, match="INSECURE_OK"):
        await connect(plain)
    half = Settings(temporal_tls_cert_file=tmp_path / "client.pem")
    assert half.temporal_security_problem() is not None and "both" in str(half.temporal_security_problem())

    for name in ("client.pem", "client.key", "ca.pem"):
        (tmp_path / name).write_bytes(f"-----{name}-----".encode())
    tls = tls_config(Settings(mode="production", temporal_tls_cert_file=tmp_path / "client.pem",
                              temporal_tls_key_file=tmp_path / "client.key", temporal_tls_ca_file=tmp_path / "ca.pem",
                              temporal_tls_server_name="temporal.internal"))
    assert not isinstance(tls, bool)
    assert (tls.client_cert, tls.client_private_key, tls.server_root_ca_cert, tls.domain) == (
        b"-----client.pem-----", b"-----client.key-----", b"-----ca.pem-----", "temporal.internal")
    assert tls_config(Settings()) is False  # the embedded dev server: plain, on loopback


async def test_single_sign_on_finds_the_person_by_the_configured_claim(tmp_path: Path, api_services: Services) -> None:
    """A district's sign-on names people by an employee number: the directory's 登录标识 finds them; a number the
    directory does not know, or a deactivated person, gets a 403 that says whom to ask."""
    from api.app import build_services
    from store.directory_cache import DirectoryCache
    from tests import sample_city

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    (tmp_path / "issuer.pem").write_bytes(pem)
    city = sample_city.directory()
    people = tuple(p.model_copy(update={"subject": "E1001"}) if p.id == RESIDENT else
                   p.model_copy(update={"subject": "E1002", "active": False}) if p.id == "handler@qh.hd.cy" else p
                   for p in city.principals)
    settings = Settings(mode="production", jwt_public_key_file=tmp_path / "issuer.pem", jwt_issuer="https-sso",
                        jwt_principal_claim="employee_no", temporal_insecure_ok=True, allowed_hosts="sso.test",
                        rate_limit_storage="memory://",
                        database_url=api_services.settings.database_url)
    services = build_services(settings, None, api_services.sessions,
                              directory=DirectoryCache.fixed(city.model_copy(update={"principals": people})))
    app = create_app(services=services)

    def token(number: str | int, **extra: str) -> dict[str, str]:
        claims = {"sub": "opaque-sso-id", "employee_no": number, "iss": "https-sso", "aud": "whistle-api",
                  "exp": datetime.now(UTC) + timedelta(hours=1), **extra}
        return {"Authorization": f"Bearer {jwt.encode(claims, key, algorithm='RS256')}"}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sso.test") as http:
        me = await http.get("/console/api/me", headers=token("E1001"))
        assert me.status_code == 200 and me.json()["id"] == RESIDENT
        # a person with a subject of their own signs in by it only: not by their id, nor someone else's
        for number, why in (("E9999", "not in this district's directory"), ("E1002", "deactivated"),
                            (RESIDENT, "not in this district's directory")):
            refused = await http.get("/v1/matters", headers=token(number))
            assert refused.status_code == 403 and why in refused.json()["detail"], refused.text
            assert "administrator" in refused.json()["detail"]
        claims = {"sub": RESIDENT, "iss": "https-sso", "aud": "whistle-api",
                  "exp": datetime.now(UTC) + timedelta(hours=1)}  # signed, but without the configured claim
        no_claim = await http.get("/v1/matters", headers={
            "Authorization": f"Bearer {jwt.encode(claims, key, algorithm='RS256')}"})
        assert no_claim.status_code == 401 and "employee_no" in no_claim.json()["detail"]
