"""``/v1/notifications``: what the caller must act on or should know — theirs, and their unit's for their roles —
unread first; marking read; and a live stream of them (server-sent events) for the console."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from api.deps import Caller, CallerDep, Services, ServicesDep
from api.problems import COMMON_RESPONSES
from domain.notices import audiences_of
from store.db import transaction
from store.notifications import NotificationOut, for_audiences, latest_id, mark_read

router = APIRouter(prefix="/v1/notifications", tags=["notifications"], responses=COMMON_RESPONSES)

POLL_S = 1.0
HEARTBEAT_S = 15.0
STREAM_MAX_S = 3600.0  # a stream ends after an hour; the browser's EventSource reconnects with Last-Event-ID


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    unread: int


class MarkRead(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] | None = Field(
        default=None, max_length=1000, description="leave out to mark all read")


def _audiences(caller: Caller) -> list[str]:
    return audiences_of(caller.id, caller.unit_id, caller.principal.roles)


@router.get("", response_model=NotificationPage, summary="Your notifications, unread first")
def list_notifications(caller: CallerDep, services: ServicesDep, unread_only: bool = False,
                       limit: Annotated[int, Query(ge=1, le=200)] = 50) -> NotificationPage:
    with services.sessions() as session:
        items = for_audiences(session, caller.id, _audiences(caller), unread_only=unread_only, limit=limit)
        unread = len(for_audiences(session, caller.id, _audiences(caller), unread_only=True, limit=1000))
    return NotificationPage(items=items, unread=unread)


@router.post("/read", summary="Mark notifications read (all, without ids)")
def read(body: MarkRead, caller: CallerDep, services: ServicesDep) -> dict[str, int]:
    with transaction(services.sessions) as session:
        return {"marked": mark_read(session, caller.id, _audiences(caller), body.ids)}


async def _events(services: Services, caller: Caller, after_id: int, request: Request) -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    started = last_beat = loop.time()
    yield "retry: 3000\n\n"
    while loop.time() - started < STREAM_MAX_S:
        if await request.is_disconnected():
            return

        def fresh(after: int = after_id) -> list[NotificationOut]:
            with services.sessions() as session:
                return for_audiences(session, caller.id, _audiences(caller), after_id=after, limit=100)

        for n in sorted(await run_in_threadpool(fresh), key=lambda n: n.id):
            after_id = n.id
            yield f"id: {n.id}\nevent: notification\ndata: {json.dumps(n.model_dump(mode='json'))}\n\n"
        if loop.time() - last_beat >= HEARTBEAT_S:
            last_beat = loop.time()
            yield ": heartbeat\n\n"
        await asyncio.sleep(POLL_S)


@router.get("/stream", summary="Your notifications as they come (text/event-stream)",
            responses={200: {"content": {"text/event-stream": {}}}})
async def stream(request: Request, caller: CallerDep, services: ServicesDep,
                 last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=20)] = None,
                 after: Annotated[int | None, Query(ge=0, description="the last id seen (default: now)")] = None,
                 ) -> StreamingResponse:
    if after is None and last_event_id and last_event_id.isdigit():
        after = int(last_event_id)
    if after is None:
        def newest() -> int:
            with services.sessions() as session:
                return latest_id(session, _audiences(caller))
        after = await run_in_threadpool(newest)
    return StreamingResponse(_events(services, caller, after, request), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
