"""``/healthz``: the process is up. ``/readyz``: Temporal and the database answer — checked at most once a second
however many ask (callers within the second share the answer), so a flood of probes costs the database and
Temporal nothing more."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest

from api.deps import Services, ServicesDep
from api.schemas import Health
from store.db import ping

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:  # on the event loop: it answers even when every worker thread waits on a database
    return Health(status="ok")


async def _temporal(services: Services) -> str:
    if services.temporal is None:
        return "not connected (retrying)"
    try:
        await asyncio.wait_for(services.temporal.workflow_service.get_system_info(
            GetSystemInfoRequest(), timeout=timedelta(seconds=2)), timeout=3)
        return "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        return f"unreachable: {type(exc).__name__}"


def _database(services: Services) -> str:
    try:
        ping(services.sessions)
        return "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        return f"unreachable: {type(exc).__name__}"


#: how long one check's answer serves every caller
READY_FOR_S = 1.0


async def _check(services: Services) -> Health:
    temporal, database = await asyncio.gather(_temporal(services), run_in_threadpool(_database, services))
    return Health(status="ok" if temporal == database == "ok" else "unavailable",
                  checks={"temporal": temporal, "database": database})


@router.get("/readyz", response_model=Health, responses={503: {"model": Health, "description": "not ready"}})
async def readyz(services: ServicesDep) -> Health | JSONResponse:
    now = time.monotonic()
    last = services.readiness
    if last is None or now - last[0] > READY_FOR_S or (last[1].done() and last[1].cancelled()):
        last = services.readiness = (now, asyncio.ensure_future(_check(services)))
    health: Health = await asyncio.shield(last[1])
    if health.status != "ok":
        return JSONResponse(health.model_dump(), status_code=503)
    return health
