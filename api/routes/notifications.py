"""``/v1/notifications``: what the caller must act on or should know — theirs, and their unit's for their roles —
unread first; marking read; and a live stream of them (server-sent events) for the console."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from api.deps import Caller, CallerDep, Services, ServicesDep
from api.feed import STREAMS_PER_PRINCIPAL, TooManyStreams
from api.problems import COMMON_RESPONSES, Problem
from api.schemas import MAX_ID
from domain.notices import audiences_of
from store.db import transaction
from store.notifications import NotificationOut, for_audiences, latest_id, mark_read

router = APIRouter(prefix="/v1/notifications", tags=["notifications"], responses=COMMON_RESPONSES)

HEARTBEAT_S = 15.0
STREAM_MAX_S = 3600.0  # a stream ends after an hour; the browser's EventSource reconnects with Last-Event-ID


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    unread: int


class MarkRead(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] | None = Field(
        default=None, max_length=1000, description="leave out to mark all read")


def _token(request: Request) -> str:
    return request.headers.get("authorization", "").partition(" ")[2]


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


async def _events(services: Services, caller: Caller, after_id: int, request: Request,
                  expires_at: float) -> AsyncIterator[str]:
    """The stream: what the process's one poller hands it, heartbeats, and an end when the token expires (or
    after an hour): the browser reconnects with ``Last-Event-ID`` and a fresh token."""
    loop = asyncio.get_running_loop()
    ends = min(loop.time() + STREAM_MAX_S, loop.time() + max(0.0, expires_at - time.time()))
    try:
        async with services.feed.subscribe(caller.id, frozenset(_audiences(caller)), after_id) as queue:
            yield "retry: 3000\n\n"
            while loop.time() < ends:
                if await request.is_disconnected():
                    return
                try:
                    note = await asyncio.wait_for(queue.get(), timeout=min(HEARTBEAT_S, max(0.01, ends - loop.time())))
                except TimeoutError:
                    yield ": heartbeat\n\n"
                    continue
                if note is None:  # fell too far behind: end; the browser reconnects from its last id
                    return
                yield f"id: {note.id}\nevent: notification\ndata: {json.dumps(note.model_dump(mode='json'))}\n\n"
    except TooManyStreams:  # counted again between the check and the start (two opened at once): come back later
        yield "retry: 30000\n\n"


@router.get("/stream", summary="Your notifications as they come (text/event-stream)",
            responses={200: {"content": {"text/event-stream": {}}}})
async def stream(request: Request, caller: CallerDep, services: ServicesDep,
                 last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=20)] = None,
                 after: Annotated[int | None, Query(ge=0, le=MAX_ID, description="the last id seen (default: now)")]
                 = None,
                 ) -> StreamingResponse:
    if after is None and last_event_id and last_event_id.isdigit() and int(last_event_id) <= MAX_ID:
        after = int(last_event_id)
    if services.feed.held(caller.id) >= STREAMS_PER_PRINCIPAL:
        raise Problem("rate-limited", f"at most {STREAMS_PER_PRINCIPAL} live streams at a time: close another tab's",
                      headers={"Retry-After": "5"})
    if after is None:
        def newest() -> int:
            with services.sessions() as session:
                return latest_id(session, _audiences(caller))
        after = await run_in_threadpool(newest)
    expires_at = services.tokens.expiry(_token(request))
    return StreamingResponse(_events(services, caller, after, request, expires_at), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
