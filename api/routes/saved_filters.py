"""``/v1/saved-filters``: a person's searches of the issues, saved by name (办件查询). A filter is the query string
of ``GET /v1/issues`` (the console's URL carries the same, so a search is shared by sending its link); it is
checked against the search's own parameters when saved, so a saved filter always runs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field

from api.deps import CallerDep, SessionDep
from api.problems import COMMON_RESPONSES, Problem, invalid
from store import models, saved_filters

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
    return [_out(r) for r in saved_filters.of(session, caller.id)]


@router.post("", response_model=SavedFilterOut, status_code=201, summary="Save a search by name")
def save_filter(body: SavedFilterIn, caller: CallerDep, session: SessionDep) -> SavedFilterOut:
    try:
        pairs = parse_qsl(body.query.lstrip("?"), keep_blank_values=False, strict_parsing=bool(body.query))
    except ValueError:
        raise invalid("query", "not a query string (step=handling&overdue=true)") from None
    unknown = sorted({k for k, _ in pairs} - SEARCH_PARAMETERS)
    if unknown:
        raise invalid("query", f"not a parameter of the issue search: {', '.join(unknown)}")
    if saved_filters.count(session, caller.id) >= MAX_PER_PERSON:
        raise Problem("wrong-state", f"you have {MAX_PER_PERSON} saved searches; delete one first")
    try:
        row = saved_filters.save(session, caller.id, body.name.strip(), body.query.lstrip("?"))
    except saved_filters.NameTaken:
        raise Problem("wrong-state", f"you already have a search named {body.name!r}") from None
    return _out(row)


@router.delete("/{filter_id}", status_code=204, response_class=Response, summary="Delete one of your saved searches")
def delete_filter(filter_id: Annotated[str, Path(max_length=32)], caller: CallerDep, session: SessionDep) -> Response:
    if not saved_filters.delete(session, caller.id, filter_id):
        raise Problem("not-found", f"no saved search {filter_id!r}")
    return Response(status_code=204)
