"""``PUT /v1/calendar/{year}``: the city's supervisors load a year's official working-day arrangement; if its
days changed, open issues whose deadlines were provisional count them again, in the background (the answer
says ``"signalled": -1``, under way); loading the same days again signals nobody."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import ValidationError

from api.arrangements import load_year
from api.deps import CallerDep, ServicesDep
from api.problems import COMMON_RESPONSES, Problem, invalid
from domain.organisation import Role
from store.calendar import Arrangement

router = APIRouter(prefix="/v1/calendar", tags=["calendar"], responses=COMMON_RESPONSES)


@router.put("/{year}", summary="Load a year's official arrangement (holidays and adjusted working days)")
async def put_year(year: int, body: dict[str, Any], caller: CallerDep, services: ServicesDep) -> dict[str, Any]:
    if not (services.at_the_top(caller) and caller.has(Role.supervisor)):
        raise Problem("not-permitted", "the city's supervisors load the official calendar")
    try:
        arrangement = Arrangement.model_validate({**body, "year": body.get("year", year)})
    except ValidationError as exc:
        first = exc.errors()[0]
        raise invalid(".".join(str(p) for p in first["loc"]) or "body", first["msg"]) from None
    if arrangement.year != year:
        raise invalid("year", f"the body is for {arrangement.year}, the path for {year}")
    return await load_year(services.client, services.sessions, arrangement, f"API, {caller.id}", background=True)
