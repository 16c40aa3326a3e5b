"""What a request handler may ask for: the shared services, a database session, the caller."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any

import structlog
from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection
from temporalio.client import Client

from activities.working_days import WorkingCalendar, working_calendar
from api import network
from api.auth import InvalidToken, TokenService
from api.feed import NotificationFeed
from api.problems import Problem, unavailable
from core.settings import Settings
from domain.catalogue import Catalogue
from domain.messages import Actor
from domain.organisation import Organisation, Principal, Role
from store.db import SessionFactory
from store.directory_cache import DirectoryCache, DirectoryEmpty, Loaded
from store.figures import Scope
from store.grids import CachedIndex, GridIndex, load_index


class RateLimiter:
    """Limits per key (``240/minute``, or several: ``10/second;1000/hour``): per principal for requests, per
    client address for bad tokens."""

    def __init__(self, spec: str, storage_uri: str, scope: str = "principal") -> None:
        self.items: list[RateLimitItem] = parse_many(spec)
        self.scope = scope
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))

    def check(self, key: str) -> None:
        """Count one request of ``key``; 429 beyond the limit."""
        for item in self.items:
            if not self._limiter.hit(item, self.scope, key):
                self._refuse(item, key)

    def refuse_if_spent(self, key: str) -> None:
        """429 if ``key`` has used up its limit, without counting anything."""
        for item in self.items:
            if not self._limiter.test(item, self.scope, key):
                self._refuse(item, key)

    def count(self, key: str) -> None:
        for item in self.items:
            self._limiter.hit(item, self.scope, key)

    def _refuse(self, item: RateLimitItem, key: str) -> None:
        reset = self._limiter.get_window_stats(item, self.scope, key).reset_time
        wait = max(1, int(reset - time.time()) + 1)
        what = "bad tokens" if self.scope == "auth-failure" else "requests"
        raise Problem("rate-limited", f"{key} may send {item} {what}; try again in {wait}s",
                      headers={"Retry-After": str(wait)})


@dataclass
class Services:
    """Created once per process at start-up and shared by every request. The Temporal client may come
    later than the rest (the API starts while Temporal is down, and connects in the background)."""

    settings: Settings
    sessions: SessionFactory
    directory: DirectoryCache
    tokens: TokenService
    limiter: RateLimiter
    auth_failures: RateLimiter
    feed: NotificationFeed
    temporal: Client | None = None
    _subtrees: dict[str, frozenset[str]] = field(default_factory=dict)
    _grids: CachedIndex | None = None
    _figures_scope: Scope | None = None
    _version: int | None = None
    #: the last readiness check: when it started, and its answer (shared by the callers of that second)
    readiness: tuple[float, asyncio.Future[Any]] | None = None

    @functools.cached_property
    def calendar(self) -> WorkingCalendar:
        """The working calendar, as the worker reads it (for when an assessment's evidence is in)."""
        return working_calendar(self.settings, self.sessions)

    @functools.cached_property
    def proxies(self) -> tuple[network.Network, ...]:
        """The trusted proxies' networks, parsed once (every bad token and rate-limited read asks)."""
        return self.settings.proxies

    def _loaded(self) -> Loaded:
        """The directory in force; what was built from an older version is dropped when a new one appears."""
        try:
            loaded = self.directory.get()
        except DirectoryEmpty as exc:
            raise unavailable(str(exc)) from None
        if loaded.version != self._version:
            self._subtrees, self._figures_scope, self._version = {}, None, loaded.version
        return loaded

    @property
    def organisation(self) -> Organisation:
        return self._loaded().organisation

    def directory_version(self) -> int:
        return self._loaded().version

    @property
    def catalogue(self) -> Catalogue:
        return self._loaded().catalogue

    @property
    def client(self) -> Client:
        """The Temporal client; a 503 problem while it is not connected."""
        if self.temporal is None:
            raise unavailable("Temporal is not connected yet; try again shortly")
        return self.temporal

    def at_the_top(self, caller: Caller) -> bool:
        """Does the caller belong to the root of the organisation (the city)?"""
        return self.organisation.unit(caller.unit_id).parent_id is None

    def grids(self) -> GridIndex:
        """The grids' shapes with their spatial index, reloaded from the read model every minute."""
        if self._grids is None:
            def load() -> GridIndex:
                with self.sessions() as session:
                    return load_index(session)
            self._grids = CachedIndex(load)
        return self._grids.get()

    def figures_scope(self) -> Scope:
        """Each unit's territory and the mediation matters, for the figures: built once per directory version."""
        loaded = self._loaded()
        if self._figures_scope is None:
            self._figures_scope = Scope.of(loaded.organisation, loaded.catalogue, self.settings.no_answer_policy)
        return self._figures_scope

    def subtree(self, unit_id: str) -> frozenset[str]:
        org = self._loaded().organisation
        cached = self._subtrees.get(unit_id)
        if cached is None:
            cached = self._subtrees[unit_id] = frozenset(u.id for u in org.subtree(unit_id))
        return cached


@dataclass(frozen=True)
class Caller:
    """The principal a request's token names, with their jurisdiction."""

    principal: Principal
    subtree: frozenset[str]

    @property
    def id(self) -> str:
        return self.principal.id

    @property
    def unit_id(self) -> str:
        return self.principal.unit_id

    @property
    def roles(self) -> tuple[Role, ...]:
        return self.principal.roles

    def has(self, *roles: Role) -> bool:
        return any(r in self.principal.roles for r in roles)

    @property
    def actor(self) -> Actor:
        return Actor(principal_id=self.principal.id, unit_id=self.principal.unit_id, roles=list(self.principal.roles))


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]

_bearer = HTTPBearer(auto_error=False, description="A token from `whistle token <principal_id>` or your sign-on")


def get_session(services: ServicesDep) -> Iterator[Session]:
    with services.sessions() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


CHALLENGE = {"WWW-Authenticate": 'Bearer realm="whistle"'}


async def get_caller(request: Request, services: ServicesDep,
                     credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Caller:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Problem("unauthenticated", "send Authorization: Bearer <token>", headers=CHALLENGE)
    return caller_for_token(services, credentials.credentials, request)


def client_address(services: Services, request: HTTPConnection) -> str:
    """The client's address, read through the deployment's trusted proxies."""
    return network.client_address(request, services.proxies)


def caller_for_token(services: Services, token: str, request: HTTPConnection) -> Caller:
    """The caller a token names, counted against their rate limit; a 401 problem for a bad token.

    A token that verifies is never refused for where it comes from, except one signed with the embedded
    placeholder secret (anyone can read it), which counts only on this machine itself. Bad tokens count
    against the client's address: beyond ``auth_failure_limit`` the next bad one gets 429, so guessing slows
    down while everyone behind the same address who holds a good token goes on."""
    if services.settings.placeholder_secret and not network.from_this_machine(request):
        raise Problem("unauthenticated", "this API signs tokens with the embedded placeholder secret, which anyone "
                      "can read, so it accepts them only from this machine itself: the operator sets "
                      "WHISTLE_JWT_SECRET or single sign-on (docs/DEPLOYMENT.md)", headers=CHALLENGE)
    try:
        subject = services.tokens.principal_id(token)
    except InvalidToken as exc:
        address = client_address(services, request)
        services.auth_failures.refuse_if_spent(address)
        services.auth_failures.count(address)
        raise Problem("unauthenticated", str(exc), headers=CHALLENGE) from None
    principal = services.organisation.signed_in(subject, ours=services.tokens.signs_locally)
    if principal is None:
        raise Problem("not-in-directory", f"{subject!r} is not in this district's directory: ask your district's "
                      "administrator (管理员) to add you")
    if not principal.active:
        raise Problem("not-in-directory", f"{principal.id} is deactivated (停用): ask your district's administrator "
                      "(管理员) to activate you again")
    return counted_caller(services, principal)


def counted_caller(services: Services, principal: Principal) -> Caller:
    """``principal`` as the caller of this request, counted against their rate limit and named in its logs."""
    services.limiter.check(principal.id)
    structlog.contextvars.bind_contextvars(principal=principal.id)
    return Caller(principal=principal, subtree=services.subtree(principal.unit_id))


CallerDep = Annotated[Caller, Depends(get_caller)]

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200,
                                              description="repeat a request safely: the same key and body "
                                                          "give the same result")]
