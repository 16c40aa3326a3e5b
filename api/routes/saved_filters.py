"""``/v1/saved-filters``: a person's searches of the issues, saved by name (办件查询). A filter is the query string
of ``GET /v1/issues`` (the console's URL carries the same, so a search is shared by sending its link); it is
checked against the search's own parameters when saved, so a saved filter always runs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from api.deps import CallerDep, SessionDep
from api.problems import COMMON_RESPONSES, Problem, invalid
from store import models

router = APIRouter(prefix="/v1/saved-filters", tags=["issues"], responses=COMMON_RESPONSES)

#: the parameters of ``GET /v1/issues`` a saved filter may hold
SEARCH_PARAMETERS = frozenset({"step", "status", "level", "unit", "category", "matter", "overdue", "urgent",
                               "created_from", "created_to", "due_from", "due_to", "q", "sort"})
MAX_PER_PERSON = 50


class SavedFilterIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    query: str = Field(max_length=2000, description="the search's query string: step=handling&overdue=true")


class SavedFilterOut(SavedFilterIn):
    id: str
    created_at: datetime


def _out(row: models.SavedFilter) -> SavedFilterOut:
    return SavedFilterOut(id=row.id, name=row.name, query=row.query, created_at=row.created_at)


@router.get("", response_model=list[SavedFilterOut], summary="Your saved searches")
def list_filters(caller: CallerDep, session: SessionDep) -> list[SavedFilterOut]:
    rows = session.scalars(select(models.SavedFilter).where(models.SavedFilter.principal_id == caller.id)
                           .order_by(models.SavedFilter.name))
    return [_out(r) for r in rows]


@router.post("", response_model=SavedFilterOut, status_code=201, summary="Save a search by name")
def save_filter(body: SavedFilterIn, caller: CallerDep, session: SessionDep) -> SavedFilterOut:
    try:
        pairs = parse_qsl(body.query.lstrip("?"), keep_blank_values=False, strict_parsing=bool(body.query))
    except ValueError:
        raise invalid("query", "not a query string (step=handling&overdue=true)") from None
    unknown = sorted({k for k, _ in pairs} - SEARCH_PARAMETERS)
    if unknown:
        raise invalid("query", f"not a parameter of the issue search: {', '.join(unknown)}")
    count = session.scalar(select(func.count()).select_from(models.SavedFilter)
                           .where(models.SavedFilter.principal_id == caller.id)) or 0
    if count >= MAX_PER_PERSON:
        raise Problem("wrong-state", f"you have {MAX_PER_PERSON} saved searches; delete one first")
    row = models.SavedFilter(id=uuid.uuid4().hex, principal_id=caller.id, name=body.name.strip(),
                             query=body.query.lstrip("?"), created_at=datetime.now(UTC))
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Problem("wrong-state", f"you already have a search named {body.name!r}") from None
    return _out(row)


@router.delete("/{filter_id}", status_code=204, response_class=Response, summary="Delete one of your saved searches")
def delete_filter(filter_id: Annotated[str, Path(max_length=32)], caller: CallerDep, session: SessionDep) -> Response:
    row = session.get(models.SavedFilter, filter_id)
    if row is None or row.principal_id != caller.id:
        raise Problem("not-found", f"no saved search {filter_id!r}")
    session.delete(row)
    session.commit()
    return Response(status_code=204)
