"""One settings object, read from the environment (``WHISTLE_*``; ``DATABASE_URL``)."""

from __future__ import annotations

import ipaddress
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.egress import Network, networks
from core.files import write_once

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: the embedded mode's signing secret as configured; anyone can read it here, so it stands for "a random secret
#: of this installation" (:meth:`Settings.signing_secret`) and is refused in production
PLACEHOLDER_SECRET = "whistle-embedded-only-not-a-secret"
TOKEN_SECRET_FILE = "token.secret"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WHISTLE_", extra="ignore")

    mode: Literal["embedded", "production"] = "embedded"
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    temporal_ui_port: int = 8233
    task_queue: str = "whistle"
    #: mTLS to the Temporal frontend (production): Whistle's client certificate and key, the CA that signed the
    #: frontend's certificate, and the name on it. The workflow trusts the actor an update names, so only
    #: Whistle's API and workers may reach the frontend (docs/RELIABILITY.md)
    temporal_tls_cert_file: Path | None = None
    temporal_tls_key_file: Path | None = None
    temporal_tls_ca_file: Path | None = None
    temporal_tls_server_name: str | None = None
    #: a bearer token for a frontend with an authorizer and claim mapper (sent as the API key)
    temporal_api_key: SecretStr | None = None
    #: production refuses to connect to Temporal without mTLS unless this says the network already isolates it
    temporal_insecure_ok: bool = False
    #: every timer is divided by this, so a demo can watch a working day pass in seconds
    time_scale: float = Field(default=1.0, gt=0, le=1_000_000)
    timezone: str = "Asia/Shanghai"
    #: per-deployment calendar corrections: ``2027-01-01=holiday,2027-02-07=workday``
    calendar_overrides: str = ""
    data_dir: Path = PROJECT_ROOT / "data"
    log_format: Literal["console", "json"] = "console"
    log_level: str = "INFO"
    activity_threads: int = Field(default=16, ge=1, le=256)
    #: the read model; SQLite under data/ unless set (``postgresql+psycopg2://user:pw@host/db``)
    database_url: SecretStr | None = Field(default=None, validation_alias=AliasChoices("DATABASE_URL",
                                                                                 "WHISTLE_DATABASE_URL"))
    #: how a rating window that passed in silence counts in the satisfaction rate
    no_answer_policy: Literal["exclude", "satisfied", "unsatisfied"] = "exclude"
    #: the quarterly assessment's grades: the lowest score of each band, best first (优秀, 良好, 一般, 较差)
    assessment_bands: str = "excellent:90,good:80,fair:60,poor:0"

    # --- the HTTP API -------------------------------------------------------------------------
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    #: where the command line finds the API (default: http://api_host:api_port)
    api_base_url: str | None = None
    #: the reverse proxies and load balancers in front of the API (addresses or networks, comma-separated):
    #: a request from one of them is from the client its ``X-Forwarded-For`` names; from anyone else, the
    #: header is ignored. Set, it says the API is proxied, so the embedded placeholder secret is refused
    trusted_proxies: str = ""
    #: the Host names the API answers to (comma-separated; ``*`` for any). Unset: on loopback, only loopback names
    #: (a web page cannot rebind its own name to a local ``make run``); beyond it, the host of ``api_base_url``
    allowed_hosts: str = ""
    #: HS256 secret that signs tokens in the embedded mode (``whistle token``)
    jwt_secret: SecretStr = SecretStr(PLACEHOLDER_SECRET)  # a SecretStr: never printed, logged or repr'd
    jwt_issuer: str = "whistle"
    jwt_audience: str = "whistle-api"
    #: production single sign-on: a PEM file of the issuer's public key(s); tokens are then RS256/ES256
    jwt_public_key_file: Path | None = None
    #: the claim that names the person: its value is a principal's sign-on subject (登录标识) in the directory, or
    #: their id (``sub``, ``preferred_username``, an employee-number claim)
    jwt_principal_claim: str = "sub"
    #: the lifetime of the tokens ``whistle token`` signs (at most ``token_max_hours``)
    token_ttl_hours: float = Field(default=12, gt=0)
    #: no token is accepted whose lifetime (exp − iat, or exp − now without iat) is longer
    token_max_hours: float = Field(default=12, gt=0)
    #: bad tokens per client address, in the ``limits`` notation; beyond it every token from there gets 429
    auth_failure_limit: str = "30/minute"
    #: per principal, in the ``limits`` notation: ``120/minute``, ``10/second;1000/hour``
    rate_limit: str = "240/minute"
    #: where the counters live: ``redis://host:6379``, shared by every API process; ``memory://`` counts per
    #: process (N processes allow N times the limit). Unset: memory in the embedded mode; outside it the API
    #: refuses to start until it is set (``memory://`` there says one process serves)
    rate_limit_storage: str | None = None
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    #: how often a process asks whether a new directory version was loaded (seconds)
    directory_refresh_s: float = Field(default=5.0, ge=0, le=3600)
    #: a directory workbook or JSON file sent to ``POST /v1/admin/directory`` (a district's grids' shapes included)
    max_directory_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)
    #: how long an action may wait for its issue's answer before the API gives up with 504
    update_timeout_s: float = Field(default=30, gt=0, le=600)
    #: how long opening a connection to the read model's PostgreSQL may take
    db_connect_timeout_s: float = Field(default=5, ge=1, le=120)

    # --- payload encryption (DESIGN §9) ------------------------------------------------------------
    #: ``id=base64key,…``, the last one encrypts; or a file of such lines. Embedded: a key file under data_dir
    codec_keys: SecretStr | None = None
    codec_key_file: Path | None = None
    #: the origins allowed to call the codec endpoint from a browser; default: the embedded Web UI's
    codec_cors_origins: str | None = None

    # --- Open311 ---------------------------------------------------------------------------------------
    #: reading requests and services needs an api_key too (posting always does)
    open311_key_for_reads: bool = False
    #: a community's board (公示) may be read by anyone, rate-limited per client address (else its residents)
    public_board_open: bool = False

    # --- webhooks ----------------------------------------------------------------------------------------
    webhook_attempts: int = Field(default=8, ge=1, le=50)  # then the delivery is dead-lettered
    webhook_first_retry_s: float = Field(default=2.0, gt=0)
    webhook_max_retry_s: float = Field(default=300.0, gt=0)
    #: one attempt's whole budget: connecting, sending, and reading the answer (at most 64 KiB of it is read)
    webhook_timeout_s: float = Field(default=10.0, gt=0, le=25)  # within the activity's 30 s start-to-close
    #: deliveries run on their own task queue (``<task_queue>-webhooks``), this many at once, apart from the
    #: desk's work: a receiver that never answers holds these slots and nothing else
    webhook_threads: int = Field(default=4, ge=1, le=64)
    #: active subscriptions one integration may hold
    webhook_max_subscriptions: int = Field(default=10, ge=1, le=1000)
    #: private networks an on-premises receiver may sit in (http allowed there): ``10.20.0.0/16,192.168.7.4``.
    #: Elsewhere only https to public addresses; loopback and link-local only if named here
    webhook_private_networks: str = ""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name such as Asia/Shanghai)") from None
        return value

    @property
    def tz(self) -> ZoneInfo:
        """The zone months and quarters are cut in, and dates are shown in."""
        return ZoneInfo(self.timezone)

    @property
    def api_on_loopback(self) -> bool:
        """Whether the API listens on this machine only (127.x, ::1, localhost)."""
        host = self.api_host.strip().strip("[]").lower()
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:  # a host name: it may resolve to anything
            return False

    def api_secrets_problem(self) -> str | None:
        """Why the API must not start with these settings, or None."""
        secret = self.jwt_secret.get_secret_value()
        if self.mode != "embedded" and self.jwt_public_key_file is None and secret == PLACEHOLDER_SECRET:
            return ("WHISTLE_JWT_SECRET is the embedded placeholder; outside the embedded mode set a real secret "
                    "or WHISTLE_JWT_PUBLIC_KEY_FILE")
        if self.proxies and self.jwt_public_key_file is None and secret == PLACEHOLDER_SECRET:
            return ("WHISTLE_JWT_SECRET is the embedded placeholder, which anyone can read, and the API is behind a "
                    "proxy (WHISTLE_TRUSTED_PROXIES): set a real secret (at least 32 characters) or "
                    "WHISTLE_JWT_PUBLIC_KEY_FILE")
        if not self.api_on_loopback and self.jwt_public_key_file is None and secret == PLACEHOLDER_SECRET:
            return (f"WHISTLE_JWT_SECRET is the embedded placeholder, which anyone can read, and the API would listen "
                    f"on {self.api_host}, beyond loopback: set a real secret (at least 32 characters) or "
                    "WHISTLE_JWT_PUBLIC_KEY_FILE, or listen on 127.0.0.1")
        if self.mode != "embedded" and self.jwt_public_key_file is None and len(secret) < 32:
            return "WHISTLE_JWT_SECRET must be at least 32 characters outside the embedded mode"
        return None

    def rate_limit_problem(self) -> str | None:
        """Why the API must not start counting its limits this way, or None."""
        if self.mode != "embedded" and self.rate_limit_storage is None:
            return ("set WHISTLE_RATE_LIMIT_STORAGE: redis://host:6379 shared by every API process (memory:// counts "
                    "per process, so N processes would allow N times every limit; set it to say one process serves)")
        return None

    def temporal_security_problem(self) -> str | None:
        """Why a production process must not connect to Temporal with these settings, or None."""
        cert, key = self.temporal_tls_cert_file, self.temporal_tls_key_file
        if (cert is None) != (key is None):
            return "set both WHISTLE_TEMPORAL_TLS_CERT_FILE and WHISTLE_TEMPORAL_TLS_KEY_FILE, or neither"
        if self.mode != "embedded" and cert is None and not self.temporal_insecure_ok:
            return ("outside the embedded mode Whistle talks to Temporal over mTLS (WHISTLE_TEMPORAL_TLS_CERT_FILE, "
                    "…_KEY_FILE, …_CA_FILE): the workflow trusts the actor each action names, so the frontend must "
                    "be reachable by Whistle alone. If a private network already ensures that, set "
                    "WHISTLE_TEMPORAL_INSECURE_OK=true")
        return None

    @property
    def proxies(self) -> tuple[Network, ...]:
        """The trusted proxies' networks (a bare address is a network of one)."""
        return networks(self.trusted_proxies)

    @property
    def counters(self) -> str:
        """Where the rate limits count (see ``rate_limit_storage``)."""
        return self.rate_limit_storage or "memory://"

    @field_validator("codec_cors_origins")
    @classmethod
    def _named_origins(cls, value: str | None) -> str | None:
        if value and any(o.strip() == "*" for o in value.split(",")):
            raise ValueError("name the Temporal Web UI's origin (https://temporal.example): * would let any web page "
                             "a supervisor visits decrypt payloads with their cookie")
        return value

    @property
    def host_names(self) -> frozenset[str] | None:
        """The Host names answered to, or None for any."""
        named = {h.strip().lower().strip("[]") for h in self.allowed_hosts.split(",") if h.strip()}
        if "*" in named:
            return None
        if not named and not self.api_on_loopback and not self.api_base_url:
            return None  # bound beyond loopback with nothing named: the deployment checklist asks for it
        named |= {"localhost", "127.0.0.1", "::1"} if self.api_on_loopback else set()
        if self.api_base_url:
            named.add((urlsplit(self.api_base_url).hostname or "").lower())
        named.add(self.api_host.strip("[]").lower())
        return frozenset(named - {""})

    @property
    def webhook_networks(self) -> tuple[Network, ...]:
        return networks(self.webhook_private_networks)

    @field_validator("trusted_proxies", "webhook_private_networks")
    @classmethod
    def _networks(cls, value: str) -> str:
        networks(value)
        return value

    def signing_secret(self) -> str:
        """The key tokens are signed with. Left at the placeholder, it is a random secret of this installation,
        made on first use in ``data_dir/token.secret`` (readable by its owner only) and shared by the API and
        ``whistle token`` on this machine: the placeholder itself, which anyone can read, signs nothing."""
        secret = self.jwt_secret.get_secret_value()
        if secret != PLACEHOLDER_SECRET:
            return secret
        path = self.data_dir / TOKEN_SECRET_FILE
        write_once(path, secrets.token_urlsafe(32))
        return path.read_text().strip()

    @property
    def placeholder_secret(self) -> bool:
        """Tokens are signed with the placeholder anyone can read (the embedded mode's default)."""
        return self.jwt_public_key_file is None and self.jwt_secret.get_secret_value() == PLACEHOLDER_SECRET

    @property
    def codec_origins(self) -> list[str]:
        if self.codec_cors_origins:
            return [o.strip() for o in self.codec_cors_origins.split(",") if o.strip()]
        return [f"http://127.0.0.1:{self.temporal_ui_port}", f"http://localhost:{self.temporal_ui_port}"]

    @property
    def api_url(self) -> str:
        return self.api_base_url or f"http://{self.api_host}:{self.api_port}"

    @property
    def db_url(self) -> str:
        if self.database_url is not None:  # a SecretStr: its password is never printed, logged or repr'd
            return self.database_url.get_secret_value()
        return f"sqlite:///{self.data_dir / 'whistle.db'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
