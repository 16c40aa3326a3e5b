"""Bearer tokens naming a principal (JWT).

Embedded mode signs and checks HS256 tokens with ``WHISTLE_JWT_SECRET`` (``whistle token`` prints one);
production checks RS256/ES256 tokens of a single sign-on issuer against the public key(s) in
``WHISTLE_JWT_PUBLIC_KEY_FILE``. Either way the claim ``WHISTLE_JWT_PRINCIPAL_CLAIM`` (``sub`` by default) names
the person: a principal's sign-on subject in the directory, or their id. The principal's unit and roles come from
the directory, never from the token.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from core.settings import Settings

ASYMMETRIC = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]
_PEM_BLOCK = re.compile(r"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", re.DOTALL)


class InvalidToken(Exception):
    """Raised when a token is missing, malformed, expired, or not signed by whom we trust."""


#: how many verified tokens a process remembers (the least recently used go first)
VERIFIED_CACHE_SIZE = 10_000


class TokenService:
    def __init__(self, settings: Settings) -> None:
        problem = settings.api_secrets_problem()
        if problem:
            raise RuntimeError(problem)
        self.issuer = settings.jwt_issuer
        self.audience = settings.jwt_audience
        self.claim = settings.jwt_principal_claim
        self.max_lifetime = timedelta(hours=settings.token_max_hours)
        self.ttl = min(timedelta(hours=settings.token_ttl_hours), self.max_lifetime)
        self._secret = settings.signing_secret() if settings.jwt_public_key_file is None else ""
        self._public_keys: list[str] = []
        self._verified: OrderedDict[str, tuple[str, float]] = OrderedDict()  # token → (principal, expiry)
        self._lock = threading.Lock()
        if settings.jwt_public_key_file is not None:
            text = settings.jwt_public_key_file.read_text()
            self._public_keys = _PEM_BLOCK.findall(text)
            if not self._public_keys:
                raise RuntimeError(f"no PEM public key in {settings.jwt_public_key_file}")

    @property
    def signs_locally(self) -> bool:
        return not self._public_keys

    def issue(self, principal_id: str, ttl: timedelta | None = None, now: datetime | None = None) -> str:
        """A token for ``principal_id`` (embedded mode; with single sign-on the issuer makes them)."""
        if not self.signs_locally:
            raise RuntimeError("tokens come from the single sign-on issuer; this deployment only checks them")
        ttl = ttl or self.ttl
        if ttl > self.max_lifetime:
            raise ValueError(f"a token may live {_hours(self.max_lifetime)} at the longest (WHISTLE_TOKEN_MAX_HOURS)")
        now = now or datetime.now(UTC)
        claims = {"sub": principal_id, "iss": self.issuer, "aud": self.audience, "iat": now, "exp": now + ttl}
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def principal_id(self, token: str) -> str:
        """The principal a token names, or :class:`InvalidToken` saying why not. A token verified once is
        remembered until it expires (a bounded cache: a signature check costs more than the rest of a request)."""
        with self._lock:
            known = self._verified.get(token)
            if known is not None and known[1] > time.time():
                self._verified.move_to_end(token)
                return known[0]
        sub, exp = self._verify(token)
        with self._lock:
            self._verified[token] = (sub, exp)
            if len(self._verified) > VERIFIED_CACHE_SIZE:
                self._verified.popitem(last=False)
        return sub

    def expiry(self, token: str) -> float:
        """When a token that has verified expires (epoch seconds); now for one that does not verify."""
        with self._lock:
            known = self._verified.get(token)
        if known is not None:
            return known[1]
        try:
            return self._verify(token)[1]
        except InvalidToken:
            return time.time()

    def _verify(self, token: str) -> tuple[str, float]:
        options: Any = {"require": sorted({"sub", self.claim, "exp", "iss"})}
        try:
            if self.signs_locally:
                claims = jwt.decode(token, self._secret, algorithms=["HS256"], issuer=self.issuer,
                                    audience=self.audience, options=options)
            else:
                claims = self._decode_asymmetric(token, options)
        except jwt.ExpiredSignatureError:
            raise InvalidToken("the token has expired") from None
        except jwt.MissingRequiredClaimError as exc:  # the sign-on's configuration, not a forgery: say which
            raise InvalidToken(f"the token has no {exc.claim!r} claim (WHISTLE_JWT_PRINCIPAL_CLAIM names it)") from None
        except jwt.InvalidTokenError:
            # why (PyJWT's words: which claim, which check) helps only someone forging one
            raise InvalidToken("the token is not valid (its signature, issuer, audience or claims)") from None
        sub = claims.get(self.claim)
        if isinstance(sub, int) and not isinstance(sub, bool):
            sub = str(sub)  # an employee number
        if not isinstance(sub, str) or not sub:
            raise InvalidToken(f"the token names no principal (its {self.claim!r} claim)")
        self._check_lifetime(claims)
        return sub, float(claims["exp"])

    def _check_lifetime(self, claims: dict[str, Any]) -> None:
        """A token may live at most ``max_lifetime``: from ``iat`` to ``exp``, or from now without ``iat``
        (the decoder has already checked that both are numbers and that ``exp`` has not passed)."""
        iat = claims.get("iat")
        start = float(iat) if isinstance(iat, int | float) else time.time()
        if float(claims["exp"]) - start > self.max_lifetime.total_seconds():
            raise InvalidToken(f"the token lives longer than the {_hours(self.max_lifetime)} allowed")

    def _decode_asymmetric(self, token: str, options: Any) -> dict[str, Any]:
        last: jwt.InvalidTokenError = jwt.InvalidSignatureError("no key matched")
        for key in self._public_keys:
            try:
                claims: dict[str, Any] = jwt.decode(token, key, algorithms=ASYMMETRIC, issuer=self.issuer,
                                                    audience=self.audience, options=options)
                return claims
            except jwt.InvalidSignatureError as exc:
                last = exc
        raise last


def _hours(span: timedelta) -> str:
    return f"{span.total_seconds() / 3600:g} h"
