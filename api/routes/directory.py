"""``/v1/units`` and ``/v1/matters``: the organisation and the catalogue, for forms and pickers.

Both are public to every signed-in principal: a resident needs grid ids and matter codes to report.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.deps import CallerDep, ServicesDep
from api.problems import COMMON_RESPONSES, Problem
from api.schemas import MatterOut, UnitOut
from domain.access import is_staff
from domain.capabilities import Capability, capabilities
from domain.organisation import Level, Role, UnitKind

router = APIRouter(prefix="/v1", tags=["organisation"], responses=COMMON_RESPONSES)


@router.get("/units", response_model=list[UnitOut], summary="The units of the organisation")
def units(caller: CallerDep, services: ServicesDep, level: Level | None = None, kind: UnitKind | None = None,
          parent_id: Annotated[str | None, Query(max_length=200)] = None) -> list[UnitOut]:
    return [UnitOut(id=u.id, name=u.name, name_en=u.name_en, level=u.level.value, kind=u.kind.value,
                    parent_id=u.parent_id, function=u.function, order=u.order, active=u.active,
                    successor_id=u.successor_id)
            for u in services.organisation.units.values()
            if (level is None or u.level is level) and (kind is None or u.kind is kind)
            and (parent_id is None or u.parent_id == parent_id)]


@router.get("/matters", response_model=list[MatterOut], summary="The matter catalogue")
def matters(caller: CallerDep, services: ServicesDep,
            category: Annotated[str | None, Query(max_length=50)] = None) -> list[MatterOut]:
    return [MatterOut(code=m.code, name=m.name, name_en=m.name_en, category=m.category,
                      category_name=m.category_name, departments=list(m.departments), list_type=m.list_type.value,
                      report_hours=m.report_hours, handling_days=m.handling_days.model_dump(),
                      on_the_spot=m.on_the_spot, mediation=m.mediation)
            for m in services.catalogue.matters.values() if category is None or m.category == category]


class PersonOut(BaseModel):
    id: str
    name: str
    unit_id: str
    unit_name: str
    active: bool


@router.get("/people", response_model=list[PersonOut],
            summary="Staff: the names and units of the people behind ids (staff and integrations, not residents)")
def people(caller: CallerDep, services: ServicesDep,
           ids: Annotated[str, Query(max_length=20_000, description="comma-separated principal ids (at most 200)")],
           ) -> list[PersonOut]:
    if not is_staff(caller.actor) and Capability.read_directory not in capabilities(caller.actor):
        raise Problem("not-permitted", "names of the staff are for the staff")
    org = services.organisation
    wanted = [i for i in dict.fromkeys(x.strip() for x in ids.split(",")) if i][:200]
    out = []
    for pid in wanted:
        p = org.principals.get(pid)
        if p is None or Role.resident in p.roles:  # a resident's name is personal data: the report shows it
            continue
        unit = org.unit(p.unit_id)
        out.append(PersonOut(id=p.id, name=p.name, unit_id=unit.id, unit_name=unit.name, active=p.active))
    return out
