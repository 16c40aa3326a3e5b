"""The directory in the database: the one place the API, the worker and the command line read the organisation,
the catalogue and the rules from, and the only way they change (a new version, its records before and after).

Units and people are never deleted: a unit is retired (撤销, naming a successor when it holds open work) and a
person deactivated (停用). Grids' shapes live in ``grid_shapes`` beside the units, versioned with them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog
from shapely.geometry import shape
from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.orm import Session

from domain.catalogue import HandlingDays, ListType, Matter
from domain.directory import Change, Directory, RecordKind, compose, diff
from domain.directory_check import RawDirectory, validated
from domain.organisation import Level, Principal, Role, Unit, UnitKind
from domain.rules import Rules
from store import models
from store.grids import area_m2, as_geojson, check_collection

log = structlog.get_logger(__name__)

# --- reading ------------------------------------------------------------------------------------------------


def current(session: Session) -> Directory:
    """The directory in force."""
    units = tuple(Unit(id=r.id, name=r.name, name_en=r.name_en, level=Level(r.level), kind=UnitKind(r.kind),
                       parent_id=r.parent_id, function=r.function, order=r.order_no, active=r.active,
                       successor_id=r.successor_id)
                  for r in session.scalars(select(models.Unit)))
    principals = tuple(Principal(id=r.id, name=r.name, unit_id=r.unit_id,
                                 roles=tuple(Role(x) for x in r.roles.split(",") if x), subject=r.subject,
                                 active=r.active)
                       for r in session.scalars(select(models.Principal)))
    matters = tuple(Matter(code=r.code, name=r.name, name_en=r.name_en, category=r.category,
                           category_name=r.category_name, departments=tuple(d for d in r.departments.split(",") if d),
                           list_type=ListType(r.list_type), report_hours=r.report_hours,
                           handling_days=HandlingDays(immediate=r.handling_immediate, phased=r.handling_phased,
                                                      understanding=r.handling_understanding),
                           on_the_spot=r.on_the_spot, mediation=r.mediation)
                    for r in session.scalars(select(models.Matter)))
    shapes = {r.grid_id: r.geometry for r in session.scalars(select(models.GridShape))}
    row = session.get(models.DirectoryRules, 1)
    rules = Rules.model_validate(row.rules) if row is not None else Rules()
    return Directory(units=units, shapes=shapes, principals=principals, matters=matters, rules=rules).sorted()


def version(session: Session) -> int:
    """The version in force; 0 before anything was loaded."""
    return int(session.scalar(select(func.coalesce(func.max(models.DirectoryVersion.version), 0))) or 0)


def open_work(session: Session) -> dict[str, int]:
    """How much open work each unit holds, as the read model knows: its open tasks, and the open issues whose
    ladder it is on (a grid, community or street whose issue may yet come back to it)."""
    out: dict[str, int] = {}
    rows = session.execute(select(models.Task.unit_id, func.count()).where(models.Task.status == "open")
                           .group_by(models.Task.unit_id))
    for unit_id, n in rows:
        out[unit_id] = out.get(unit_id, 0) + int(n)
    I = models.Issue
    for column in (I.grid_id, I.community_id, I.street_id):
        for unit_id, n in session.execute(select(column, func.count()).where(I.status == "open").group_by(column)):
            out[unit_id] = out.get(unit_id, 0) + int(n)
    return out


# --- writing ------------------------------------------------------------------------------------------------


def _unit_row(unit: Unit) -> dict[str, Any]:
    return dict(id=unit.id, name=unit.name, name_en=unit.name_en, level=unit.level.value, kind=unit.kind.value,
                parent_id=unit.parent_id, function=unit.function, order_no=unit.order, active=unit.active,
                successor_id=unit.successor_id)


def _principal_row(p: Principal) -> dict[str, Any]:
    return dict(id=p.id, name=p.name, unit_id=p.unit_id, roles=",".join(r.value for r in p.roles),
                subject=p.subject, active=p.active)


def _matter_row(m: Matter) -> dict[str, Any]:
    return dict(code=m.code, name=m.name, name_en=m.name_en, category=m.category, category_name=m.category_name,
                departments=",".join(m.departments), list_type=m.list_type.value, report_hours=m.report_hours,
                handling_immediate=m.handling_days.immediate, handling_phased=m.handling_days.phased,
                handling_understanding=m.handling_days.understanding, on_the_spot=m.on_the_spot,
                mediation=m.mediation)


def _table(model: type[models.Base]) -> Table:
    """A model's table, for Core statements."""
    return models.Base.metadata.tables[model.__tablename__]


@dataclass(frozen=True)
class Applied:
    """What a load or an edit did: the new version (None when nothing changed) and its changes."""

    version: int | None
    changes: list[Change]


def counts(changes: Iterable[Change]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for change in changes:
        kind = out.setdefault(change.kind.value, {"added": 0, "changed": 0, "removed": 0})
        kind[change.what] += 1
    return out


#: the key of the transaction lock PostgreSQL takes while the directory is read, checked and changed
LOCK_KEY = 0x57484953  # "WHIS"


def lock(session: Session) -> None:
    """Changes of the directory one at a time: each reads, checks and writes under PostgreSQL's transaction lock
    (SQLite lets one writer at a time anyway; a change that lost the race fails on its version number)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(LOCK_KEY)))


def apply(session: Session, new: Directory, *, author: str, reason: str, source: str,
          now: datetime | None = None, old: Directory | None = None) -> Applied:
    """Make ``new`` the directory in force, in the session's transaction, as one new version. The caller has
    checked it (:func:`domain.directory_check.check`) under :func:`lock`, against ``old``, the directory in force
    as it read it then (read here when not given); nothing is written when ``new`` equals it."""
    if old is None:
        lock(session)
        old = current(session)
    changes = diff(old, new)
    if not changes:
        return Applied(None, [])
    new = new.sorted()
    by_kind: dict[RecordKind, set[str]] = {}
    for change in changes:
        by_kind.setdefault(change.kind, set()).add(change.key)
    had = {(kind, key) for kind, key in old.records()}

    def split(kind: RecordKind, rows: list[tuple[str, dict[str, Any]]]) -> tuple[list[dict[str, Any]],
                                                                                 list[dict[str, Any]]]:
        touched = [(key, row) for key, row in rows if key in by_kind.get(kind, ())]
        return ([row for key, row in touched if (kind, key) not in had],
                [row for key, row in touched if (kind, key) in had])

    # parents first (the directory is sorted so); a foreign key is checked at the statement's end
    _write(session, models.Unit, "id", *split(RecordKind.unit, [(u.id, _unit_row(u)) for u in new.units]))
    added, changed = split(RecordKind.principal, [(p.id, _principal_row(p)) for p in new.principals])
    if changed:  # a subject handed from one person to another: free it before anyone takes it
        session.execute(update(models.Principal).where(models.Principal.id.in_([r["id"] for r in changed]))
                        .values(subject=None))
    _write(session, models.Principal, "id", added, changed)
    removed = [c.key for c in changes if c.kind is RecordKind.matter and c.after is None]
    if removed:
        session.execute(delete(models.Matter).where(models.Matter.code.in_(removed)))
    _write(session, models.Matter, "code", *split(RecordKind.matter, [(m.code, _matter_row(m)) for m in new.matters]))
    _write_shapes(session, old, new, by_kind.get(RecordKind.unit, set()), now)
    if RecordKind.rules in by_kind:
        session.merge(models.DirectoryRules(id=1, rules=new.rules.model_dump(mode="json")))

    number = version(session) + 1
    session.add(models.DirectoryVersion(version=number, at=now or datetime.now(UTC), author=author,
                                        reason=reason, source=source, counts=counts(changes)))
    session.flush()
    session.execute(insert(models.DirectoryChange), [
        dict(version=number, seq=seq, kind=c.kind.value, key=c.key, before=c.before, after=c.after)
        for seq, c in enumerate(changes, start=1)])
    session.flush()
    return Applied(number, changes)


def _write(session: Session, model: type[models.Base], key: str, added: list[dict[str, Any]],
           changed: list[dict[str, Any]]) -> None:
    """New rows in one Core ``INSERT`` (every row carries every column: the ORM's bulk insert starts a new batch
    whenever a row leaves one out, which a directory of 2,000 people did a thousand times); changed rows by key."""
    if added:
        session.execute(insert(_table(model)), added)
    column = getattr(model, key)
    for row in changed:
        session.execute(update(model).where(column == row[key]).values(**row))


def _write_shapes(session: Session, old: Directory, new: Directory, units: set[str], now: datetime | None) -> None:
    at = now or datetime.now(UTC)
    gone = [g for g in units if g in old.shapes and g not in new.shapes]
    if gone:
        session.execute(delete(models.GridShape).where(models.GridShape.grid_id.in_(gone)))
    added: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for grid_id in sorted(units):
        geometry = new.shapes.get(grid_id)
        if geometry is None or old.shapes.get(grid_id) == geometry:
            continue
        row = dict(grid_id=grid_id, geometry=geometry, area_m2=round(area_m2(shape(geometry)), 1), updated_at=at)
        (changed if grid_id in old.shapes else added).append(row)
    if added:
        session.execute(insert(_table(models.GridShape)), added)
    for row in changed:
        session.execute(update(models.GridShape).where(models.GridShape.grid_id == row["grid_id"]).values(**row))


# --- versions -----------------------------------------------------------------------------------------------


def versions(session: Session, limit: int = 100, before: int | None = None) -> list[models.DirectoryVersion]:
    """The newest versions first."""
    query = select(models.DirectoryVersion).order_by(models.DirectoryVersion.version.desc()).limit(limit)
    if before is not None:
        query = query.where(models.DirectoryVersion.version < before)
    return list(session.scalars(query))


def changes_between(session: Session, start: int, end: int) -> list[Change]:
    """What changed from version ``start`` to version ``end`` (``start < end``): each record as it was at
    ``start`` and as it is at ``end``."""
    rows = session.scalars(select(models.DirectoryChange)
                           .where(models.DirectoryChange.version > start, models.DirectoryChange.version <= end)
                           .order_by(models.DirectoryChange.version, models.DirectoryChange.seq))
    per_version: dict[int, list[Change]] = {}
    for row in rows:
        per_version.setdefault(row.version, []).append(
            Change(kind=RecordKind(row.kind), key=row.key, before=row.before, after=row.after))
    return compose(per_version[v] for v in sorted(per_version))


# --- loading a file -----------------------------------------------------------------------------------------


def load(session: Session, raw: RawDirectory, *, author: str, reason: str, source: str,
         dry_run: bool = False) -> Applied:
    """Check the rows whole against the directory in force and the open work, then (unless ``dry_run``) make
    them the directory, in the session's transaction. :class:`DirectoryInvalid` lists every problem and
    changes nothing."""
    lock(session)
    old = current(session)
    new = validated(raw, open_work(session), old)
    if dry_run:
        return Applied(None, diff(old, new))
    return apply(session, new, author=author, reason=reason, source=source, old=old)


def replace_district(session: Session, collection: Any, *, author: str, source: str) -> tuple[str, int]:
    """Check a GeoJSON file of one district's grids and make its shapes the directory's, as a new version, in the
    session's transaction (:class:`store.grids.GridFileError` says what is wrong)."""
    lock(session)
    old = current(session)
    district, shapes = check_collection(collection, old.organisation())
    new = old.model_copy(update={"shapes": {**old.shapes, **{g: as_geojson(s) for g, s in shapes.items()}}})
    apply(session, new, author=author, reason=f"the grids of {district}", source=source, old=old)
    return district, len(shapes)
