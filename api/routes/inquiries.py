"""``/v1/inquiries``: questions a grid, a community or a street answered without dispatch (回复咨询).

Seeds/002 counts them beside the matters handled (27,543 matters, 15,101 inquiries answered): a resident asks
whether a subsidy applies, where to register a tenancy, when the water comes back; the grid's staff answer on the
spot, and nothing is whistled. They are recorded here, apart from issues, and counted in the territory's volumes
(``inquiries_answered``, ``store/figures/volumes.py``).

- ``POST /v1/inquiries`` — the staff of a grid, a community or a street record one, answered by their unit;
- ``GET /v1/inquiries?unit=&month=`` — staff read those of the units in their jurisdiction, newest first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CallerDep, ServicesDep, SessionDep
from api.problems import COMMON_RESPONSES, Problem, invalid
from api.schemas import Text
from domain.access import is_staff
from domain.capabilities import answers_inquiries
from store import inquiries, models
from store.figures import Period

router = APIRouter(prefix="/v1/inquiries", tags=["inquiries"], responses=COMMON_RESPONSES)

Channel = Literal["visit", "phone", "online", "walk_in"]


class InquiryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: Text = Field(min_length=1, max_length=2000)
    answer: Text = Field(min_length=1, max_length=4000)
    channel: Channel = Field(description="how the question came: a visit on patrol, the phone, online, at the desk")
    matter_code: str | None = Field(default=None, max_length=100, description="the catalogue's matter, if any")


class InquiryOut(InquiryIn):
    id: str
    unit_id: str
    principal_id: str
    at: datetime


def _out(row: models.Inquiry) -> InquiryOut:
    return InquiryOut(id=row.id, unit_id=row.unit_id, principal_id=row.principal_id, at=row.at,
                      question=row.question, answer=row.answer, channel=row.channel,
                      matter_code=row.matter_code)


@router.post("", response_model=InquiryOut, status_code=201,
             summary="Record a question your grid, community or street answered without dispatch")
def record(body: InquiryIn, caller: CallerDep, services: ServicesDep, session: SessionDep) -> InquiryOut:
    unit = services.organisation.unit(caller.unit_id)
    if not answers_inquiries(caller.actor, unit):
        raise Problem("not-permitted", "inquiries are recorded by the staff of a grid, a community or a street")
    if body.matter_code is not None and body.matter_code not in services.catalogue.matters:
        raise invalid("matter_code", f"no matter {body.matter_code!r} in the catalogue")
    return _out(inquiries.record(session, unit_id=unit.id, principal_id=caller.id, channel=body.channel,
                                 question=body.question, answer=body.answer, matter_code=body.matter_code))


@router.get("", response_model=list[InquiryOut], summary="Inquiries answered in your jurisdiction, newest first")
def list_inquiries(caller: CallerDep, services: ServicesDep, session: SessionDep,
                   unit: Annotated[str | None, Query(max_length=200, description="a unit and those below it")] = None,
                   month: Annotated[str | None, Query(max_length=7, examples=["2026-11"])] = None,
                   limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[InquiryOut]:
    if not is_staff(caller.actor):
        raise Problem("not-permitted", "inquiries are for staff")
    root = unit or caller.unit_id
    if root not in caller.subtree:
        raise Problem("not-found", f"no unit {root!r} in your jurisdiction")
    units = sorted(services.subtree(root) & caller.subtree)
    start = end = None
    if month is not None:
        try:
            period = Period.parse(month=month, tz=services.settings.tz)
        except ValueError as exc:
            raise invalid("month", str(exc)) from None
        start, end = period.start, period.end
    return [_out(r) for r in inquiries.answered_by(session, units, limit, start, end)]
