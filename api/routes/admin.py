"""The directory administered: its versions, and changes by an administrator (管理员) within their jurisdiction.

    GET  /v1/directory/versions           newest first: who, when, why, how much (administrators, supervisors)
    GET  /v1/directory/diff?start=&end=   what changed between two versions, within the reader's jurisdiction
    GET  /v1/admin/directory/export       the directory in force, as JSON or a workbook (city administrators)
    POST /v1/admin/directory              a whole workbook or JSON file: checked whole; ``dry_run`` shows the diff
    PUT  /v1/admin/units/{id}, /v1/admin/principals/{id}, /v1/admin/matters/{code}   one record, added or changed

Every change is checked whole, exactly as a file is (a retired unit holding open work needs a successor), and
becomes one version with who, when and why. An administrator changes units and people of their own subtree
only; the catalogue and the rules, which the whole city shares, only an administrator of the city.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from api.deps import Caller, CallerDep, Services, ServicesDep
from api.directory_schemas import (
    AppliedOut,
    DiffOut,
    PrincipalOut,
    RecordIn,
    VersionOut,
    change_out,
    refused,
)
from api.handover import hand_over
from api.problems import COMMON_RESPONSES, Problem
from domain.capabilities import Capability, capabilities
from domain.directory import Change, Directory, RecordKind, diff
from domain.directory_check import DirectoryInvalid, RawDirectory, validated
from domain.directory_check import Problem as FileProblem
from domain.directory_columns import Sheet
from store import directory as store_directory
from store.db import transaction
from store.directory_files import (
    UnreadableFile,
    read_json,
    read_workbook,
    rows,
    to_json,
    to_workbook,
)

router = APIRouter(tags=["directory"], responses=COMMON_RESPONSES)

DIRECTORY_FILE_PATH = "/v1/admin/directory"
#: what a change makes of the directory in force: the rows of the directory it should become
Build = Callable[[Directory], RawDirectory]
MAX_VERSION = 2**31 - 1  # a version number the database can hold
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- who may ------------------------------------------------------------------------------------------------


def _administrator(caller: Caller) -> None:
    if Capability.administer_directory not in capabilities(caller.actor):
        raise Problem("not-permitted", "the directory is changed by an administrator (管理员)")


def _reader(caller: Caller) -> None:
    if Capability.read_directory not in capabilities(caller.actor):
        raise Problem("not-permitted", "the directory's versions are read by administrators and supervisors")


def _units_of(change: Change) -> set[str | None]:
    """The units a change of a unit or a person depends on: for a person their unit, before and after; for a unit
    the unit itself as it was, and its parent and its successor, before and after (a unit being added is placed
    by its parent)."""
    if change.kind is RecordKind.unit:
        out = {change.before.get("id")} if change.before is not None else set()
        for row in (change.before, change.after):
            if row is not None:
                out |= {row.get(k) for k in ("parent_id", "successor_id") if row.get(k) is not None}
        return out
    return {r.get("unit_id") for r in (change.before, change.after) if r is not None}


def _visible(change: Change, caller: Caller) -> bool:
    """A unit or a person the caller's subtree touches; the catalogue and the rules, which everyone shares."""
    if change.kind in (RecordKind.matter, RecordKind.rules):
        return True
    return bool((_units_of(change) | {change.key}) & caller.subtree)


def _outside(changes: list[Change], caller: Caller, services: Services) -> list[str]:
    """The changes an administrator may not make: a unit or a person not wholly inside their subtree — the record,
    its parent and its successor, before and after (their own unit itself is the level above's to change) — and the
    catalogue and the rules unless they administer the whole city."""
    if Capability.administer_catalogue in capabilities(caller.actor, services.at_the_top(caller)):
        return []
    out = []
    for change in changes:
        if change.kind in (RecordKind.matter, RecordKind.rules):
            out.append(f"{change.kind.value} {change.key}: the catalogue and the rules are the city's")
            continue
        touched = _units_of(change)
        own = change.kind is RecordKind.unit and change.key == caller.unit_id
        if own or not touched <= caller.subtree:
            out.append(f"{change.kind.value} {change.key}: outside {caller.unit_id}")
    return out


#: problems about records the file left out: they may name units and people beyond the reader's jurisdiction
MISSING = frozenset({"missing_unit", "missing_principal"})


def _within(exc: DirectoryInvalid, current: Directory, caller: Caller, services: Services) -> DirectoryInvalid:
    """The problems an administrator below the city may read: those about records left out of their file name
    units and people of the whole city, so the ones outside their subtree are only counted."""
    if Capability.administer_catalogue in capabilities(caller.actor, services.at_the_top(caller)):
        return exc
    unit_of = {p.id: p.unit_id for p in current.principals}
    kept, hidden = [], 0
    for problem in exc.problems:
        key = problem.params.get("key", "")
        unit = unit_of.get(key) if problem.code == "missing_principal" else key
        if problem.code in MISSING and unit not in caller.subtree:
            hidden += 1
        else:
            kept.append(problem)
    if hidden:
        kept.append(FileProblem(sheet=Sheet.units, code="outside", params={"count": str(hidden)}))
    return DirectoryInvalid(kept)


# --- reading ------------------------------------------------------------------------------------------------


@router.get("/v1/directory/versions", response_model=list[VersionOut], summary="The directory's versions")
def list_versions(caller: CallerDep, services: ServicesDep, limit: Annotated[int, Query(ge=1, le=500)] = 100,
                  before: Annotated[int | None, Query(ge=1, le=MAX_VERSION)] = None) -> list[VersionOut]:
    _reader(caller)
    with services.sessions() as session:
        return [VersionOut(version=v.version, at=v.at, author=v.author, reason=v.reason, source=v.source,
                           counts=v.counts) for v in store_directory.versions(session, limit, before)]


@router.get("/v1/directory/diff", response_model=DiffOut, summary="What changed between two versions")
def version_diff(caller: CallerDep, services: ServicesDep, start: Annotated[int, Query(ge=0, le=MAX_VERSION)],
                 end: Annotated[int, Query(ge=0, le=MAX_VERSION)]) -> DiffOut:
    _reader(caller)
    lo, hi = sorted((start, end))
    with services.sessions() as session:
        newest = store_directory.version(session)
        if hi > newest:
            raise Problem("not-found", f"there is no version {hi} (the newest is {newest})")
        changes = store_directory.changes_between(session, lo, hi)
    return DiffOut(start=lo, end=hi, changes=[change_out(c) for c in changes if _visible(c, caller)])


@router.get("/v1/admin/principals", response_model=list[PrincipalOut],
            summary="The people of the reader's subtree (administrators, supervisors)")
def list_principals(caller: CallerDep, services: ServicesDep,
                    q: Annotated[str | None, Query(max_length=100, description="in the id, name or subject")] = None,
                    unit_id: Annotated[str | None, Query(max_length=200)] = None,
                    active: bool | None = None,
                    limit: Annotated[int, Query(ge=1, le=5000)] = 500) -> list[PrincipalOut]:
    _reader(caller)
    org = services.organisation
    needle = (q or "").strip().lower()
    out = []
    for p in sorted(org.principals.values(), key=lambda p: (p.unit_id, p.id)):
        if p.unit_id not in caller.subtree or (unit_id is not None and p.unit_id != unit_id):
            continue
        if active is not None and p.active is not active:
            continue
        if needle and not any(needle in (v or "").lower() for v in (p.id, p.name, p.subject)):
            continue
        out.append(PrincipalOut(id=p.id, name=p.name, unit_id=p.unit_id, unit_name=org.unit(p.unit_id).name,
                                roles=list(p.roles), subject=p.subject, active=p.active))
        if len(out) >= limit:
            break
    return out


@router.get("/v1/admin/directory/export", summary="The directory in force, as JSON or a workbook",
            responses={200: {"content": {"application/json": {}, XLSX: {}}}})
def export(caller: CallerDep, services: ServicesDep,
           format: Annotated[str, Query(pattern="^(json|xlsx)$")] = "json") -> Response:
    if Capability.administer_catalogue not in capabilities(caller.actor, services.at_the_top(caller)):
        raise Problem("not-permitted", "the whole directory is exported by an administrator of the city")
    with services.sessions() as session:
        current = store_directory.current(session)
    if format == "xlsx":
        return Response(to_workbook(current), media_type=XLSX,
                        headers={"Content-Disposition": 'attachment; filename="directory.xlsx"'})
    return Response(to_json(current), media_type="application/json")


# --- changing -----------------------------------------------------------------------------------------------


async def _commit(services: Services, caller: Caller, build: Build, *, reason: str, source: str,
                  dry_run: bool = False) -> AppliedOut:
    """Check and apply the change (in a thread), then tell the running issues it touches."""
    out = await asyncio.to_thread(_check_and_apply, services, caller, build, reason=reason, source=source,
                                  dry_run=dry_run)
    if out.version is not None:
        loaded = services.directory.get()  # refreshed by the change: the hand-over needs no read of its own
        out.signalled, out.not_told = await hand_over(services.temporal, services.sessions, reason,
                                                      (loaded.version, loaded.directory))
    return out


def _check_and_apply(services: Services, caller: Caller, build: Build, *, reason: str, source: str,
                     dry_run: bool = False) -> AppliedOut:
    """Check and apply the directory ``build(current)`` makes, as one version, in one transaction."""
    with transaction(services.sessions) as session:
        store_directory.lock(session)
        current = store_directory.current(session)
        try:
            new = validated(build(current), store_directory.open_work(session), current)
        except DirectoryInvalid as exc:
            raise refused(_within(exc, current, caller, services)) from None
        changes = diff(current, new)
        outside = _outside(changes, caller, services)
        if outside:
            raise Problem("not-permitted", "outside your jurisdiction: " + "; ".join(outside[:10]))
        if dry_run:
            return AppliedOut(version=None, dry_run=True, counts=store_directory.counts(changes),
                              changes=[change_out(c) for c in changes])
        applied = store_directory.apply(session, new, author=caller.id, reason=reason, source=source, old=current)
    services.directory.refresh()
    return AppliedOut(version=applied.version, dry_run=False, counts=store_directory.counts(applied.changes),
                      changes=[change_out(c) for c in applied.changes])


@router.post(DIRECTORY_FILE_PATH, response_model=AppliedOut, summary="Load a whole directory file",
             openapi_extra={"requestBody": {"required": True, "content": {
                 XLSX: {"schema": {"type": "string", "format": "binary"}},
                 "application/json": {"schema": {"type": "object"}}}}})
async def load_file(request: Request, caller: CallerDep, services: ServicesDep,
                    reason: Annotated[str, Query(min_length=1, max_length=500)],
                    dry_run: bool = False) -> AppliedOut:
    _administrator(caller)
    body = await request.body()
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    try:
        raw = read_json(body) if kind == "application/json" else read_workbook(body)
    except UnreadableFile as exc:
        raise Problem("directory-invalid", str(exc)) from None
    source = "workbook" if kind != "application/json" else "JSON"
    return await _commit(services, caller, lambda _current: raw, reason=reason, source=f"{source} via the API",
                         dry_run=dry_run)


def _with_row(current: Directory, sheet: Sheet, key_field: str, key: str, row: dict[str, Any]) -> RawDirectory:
    """The current directory's rows with one row of ``sheet`` changed (the fields given; or added)."""
    sheets = rows(current, labels=False)
    existing = next((r for r in sheets[sheet] if r[key_field] == key), {})
    replaced = [r for r in sheets[sheet] if r[key_field] != key] + [{**existing, **row, key_field: key}]
    sheets[sheet] = replaced
    return {s: list(enumerate(sheets[s], start=2)) for s in Sheet}


async def _put(services: Services, caller: Caller, sheet: Sheet, key_field: str, key: str,
               body: RecordIn) -> AppliedOut:
    _administrator(caller)
    return await _commit(services, caller, lambda current: _with_row(current, sheet, key_field, key, body.record),
                   reason=body.reason, source=f"{sheet.value} {key} via the API")


@router.put("/v1/admin/units/{unit_id}", response_model=AppliedOut, summary="Add or change a unit (or retire it)")
async def put_unit(unit_id: str, body: RecordIn, caller: CallerDep, services: ServicesDep) -> AppliedOut:
    return await _put(services, caller, Sheet.units, "id", unit_id, body)


@router.put("/v1/admin/principals/{principal_id}", response_model=AppliedOut,
            summary="Add or change a person (or deactivate them)")
async def put_principal(principal_id: str, body: RecordIn, caller: CallerDep, services: ServicesDep) -> AppliedOut:
    return await _put(services, caller, Sheet.principals, "id", principal_id, body)


@router.put("/v1/admin/matters/{code}", response_model=AppliedOut, summary="Add or change a matter")
async def put_matter(code: str, body: RecordIn, caller: CallerDep, services: ServicesDep) -> AppliedOut:
    return await _put(services, caller, Sheet.matters, "code", code, body)

