"""``/v1/units`` and ``/v1/matters``: the organisation and the catalogue, for forms and pickers.

Both are public to every signed-in principal: a resident needs grid ids and matter codes to report.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CallerDep, ServicesDep
from api.problems import COMMON_RESPONSES
from api.schemas import MatterOut, UnitOut
from domain.organisation import Level, UnitKind

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
