"""What residents follow and what a community discloses: ``/v1/issues/{id}/timeline`` (查单) and
``/v1/public/communities/{id}/board`` (公示)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials

from api import live
from api.deps import CallerDep, ServicesDep, _bearer, caller_for_token, client_address
from api.problems import COMMON_RESPONSES, Problem, invalid
from domain.organisation import Level, UnitKind
from store.figures import Period
from store.public import Board, ResidentTimeline, community_board, resident_timeline

router = APIRouter(prefix="/v1", tags=["public"], responses=COMMON_RESPONSES)


@router.get("/issues/{issue_id}/timeline", response_model=ResidentTimeline,
            summary="The story of an issue as its reporter follows it (查单): steps, units, deadlines, answers")
async def timeline(issue_id: str, caller: CallerDep, services: ServicesDep) -> ResidentTimeline:
    await live.visible_issue(services, caller, issue_id)

    def read() -> ResidentTimeline | None:
        with services.sessions() as session:
            return resident_timeline(session, services.organisation, issue_id, caller.id)

    story = await run_in_threadpool(read)
    if story is None:
        raise Problem("not-found", f"issue {issue_id} is not in the read model yet; try again in a moment")
    return story


def _month(month: str | None, tz: ZoneInfo) -> tuple[datetime, datetime]:
    try:
        period = Period.parse(month=month, tz=tz) if month else Period.parse(tz=tz)
    except ValueError as exc:
        raise invalid("month", "YYYY-MM", f"month: {exc}") from None
    return period.start.astimezone(UTC), period.end.astimezone(UTC)


@router.get("/public/communities/{community_id}/board", response_model=Board,
            summary="What a community handled in a month (公示), anonymised")
async def board(community_id: str, request: Request, services: ServicesDep,
                month: Annotated[str | None, Query(max_length=7, description="YYYY-MM, in the deployment's zone")]
                = None) -> Board:
    org = services.organisation
    unit = org.units.get(community_id)
    if unit is None or unit.level is not Level.community or unit.kind is not UnitKind.territorial:
        raise Problem("not-found", f"no community {community_id!r}")
    credentials: HTTPAuthorizationCredentials | None = await _bearer(request)
    if credentials is not None:
        caller = caller_for_token(services, credentials.credentials, request)
        inside = org.in_subtree(caller.unit_id, community_id) or community_id in caller.subtree
        if not (inside or services.settings.public_board_open):
            raise Problem("not-found", f"no community {community_id!r}")
    elif services.settings.public_board_open:
        services.limiter.check(f"ip:{client_address(services, request)}")
    else:
        raise Problem("unauthenticated", "the board is for the community's residents: send a bearer token",
                      headers={"WWW-Authenticate": 'Bearer realm="whistle"'})
    start, end = _month(month, ZoneInfo(services.settings.timezone))
    names = {code: m.name for code, m in services.catalogue.matters.items()}

    def read() -> Board:
        with services.sessions() as session:
            return community_board(session, org, names, community_id, start, end)

    return await run_in_threadpool(read)
