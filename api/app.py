"""Building the HTTP API: one Temporal client and one database engine per process, shared by requests.
``whistle api`` serves it (``whistle run`` starts that, on 127.0.0.1:8000 by default)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from temporalio.client import Client

from api import docs, problems
from api.auth import TokenService
from api.deps import RateLimiter, Services
from api.feed import NotificationFeed
from api.middleware import BodyLimit, RequestContext, SecureHeaders
from api.routes import (
    actions,
    admin,
    assessments,
    calendar,
    codec,
    console,
    console_files,
    directory,
    grids,
    health,
    inquiries,
    issues,
    notifications,
    open311,
    public,
    saved_filters,
    stats,
    tasks,
    webhooks,
)
from core.settings import Settings, get_settings
from core.temporal import connect, data_converter
from store.db import SessionFactory, make_engine, session_factory
from store.directory_cache import DirectoryCache

log = structlog.get_logger("whistle.api")

DESCRIPTION = """
Whistle (吹哨报到) — residents' issues in urban grid governance, each one a durable Temporal workflow.

Send `Authorization: Bearer <token>` (`whistle token <principal_id>` prints one in the embedded mode).
Errors are RFC 9457 problem details (`application/problem+json`). Objects outside your jurisdiction
answer 404; inside it but not yours to act on, 403; a wrong state, 409; bad input, 422.
"""


def build_services(settings: Settings, client: Client | None,
                   sessions: SessionFactory | None = None, directory: DirectoryCache | None = None) -> Services:
    """The services of one process; ``client`` may be None until Temporal is reachable. The directory is read
    from the read model (and again when a new version is loaded) unless one is given."""
    if sessions is None:
        sessions = session_factory(make_engine(settings.db_url, connect_timeout_s=settings.db_connect_timeout_s))
    return Services(settings=settings, temporal=client, sessions=sessions,
                    directory=directory or DirectoryCache(sessions, settings.directory_refresh_s, blocking=False),
                    tokens=TokenService(settings),
                    limiter=RateLimiter(settings.rate_limit, settings.counters),
                    auth_failures=RateLimiter(settings.auth_failure_limit, settings.counters,
                                              scope="auth-failure"),
                    feed=NotificationFeed(sessions))


#: reconnecting to Temporal: the first retry after this, doubling up to the cap
RECONNECT_FIRST_S = 0.5
RECONNECT_CAP_S = 5.0


async def connect_in_background(settings: Settings, services: Services) -> None:
    """Connect to Temporal, retrying until it answers; meanwhile what needs it answers 503."""
    delay = RECONNECT_FIRST_S
    while services.temporal is None:
        try:
            services.temporal = await connect(settings)
            log.info("temporal_connected", address=settings.temporal_address)
        except Exception as exc:  # noqa: BLE001 - unreachable, refused, not yet serving: all mean "try again"
            log.warning("temporal_unreachable", address=settings.temporal_address, error=type(exc).__name__,
                        retry_in_s=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_CAP_S)


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """The app. Given ``services`` (tests), it uses them; otherwise it builds them at start-up and connects to
    Temporal in the background (it starts, and ``/readyz`` says not ready, while Temporal is down)."""
    settings = settings or (services.settings if services else get_settings())
    problem = settings.api_secrets_problem() or settings.rate_limit_problem() or settings.temporal_security_problem()
    if problem:  # refuse a placeholder secret, or Temporal without mTLS in production, before anything starts
        raise RuntimeError(problem)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if services is not None:
            app.state.services = services
            yield
            return
        data_converter(settings)  # a missing or bad payload key is a configuration error: fail now, not later
        app.state.services = built = build_services(settings, None)
        connecting = asyncio.create_task(connect_in_background(settings, built))
        try:
            yield
        finally:
            connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await connecting

    app = FastAPI(title="Whistle API", version="1", description=DESCRIPTION, lifespan=lifespan, docs_url=None,
                  redoc_url=None)
    if services is not None:
        app.state.services = services
    problems.install(app)
    for module in (issues, public, tasks, actions, notifications, webhooks, stats, assessments, directory, admin,
                   saved_filters, inquiries, grids, calendar, health, codec, open311, console):
        app.include_router(module.router)
    docs.mount(app)  # Swagger UI from the installed package, not a CDN
    console_files.mount(app)  # the built web console under /console, after every route
    app.add_middleware(CORSMiddleware, allow_origins=settings.codec_origins, allow_credentials=True,
                       allow_methods=["POST", "OPTIONS"],
                       allow_headers=["Authorization", "Content-Type", "X-Namespace"])
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes,
                       larger={admin.DIRECTORY_FILE_PATH: settings.max_directory_bytes})
    app.add_middleware(SecureHeaders, hosts=settings.host_names)
    app.add_middleware(RequestContext)
    return app

