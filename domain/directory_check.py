"""Checking a directory whole, before anything changes: the tree, the roles, the routing, the shapes, the
retirements. :func:`validated` reads the rows (:mod:`domain.directory_rows`), checks the result and either answers
the directory or raises :class:`~domain.directory_problems.DirectoryInvalid` with every problem at once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from domain.directory import Directory, RecordKind
from domain.directory_columns import Sheet
from domain.directory_problems import DirectoryInvalid, Positions, Problem, RawDirectory, Rows
from domain.directory_rows import parse
from domain.organisation import Level, Unit, UnitKind

__all__ = ["DirectoryInvalid", "Positions", "Problem", "RawDirectory", "Rows", "check", "parse", "validated"]

# --- the whole ----------------------------------------------------------------------------------------------

def check(directory: Directory, positions: Positions, open_work: Mapping[str, int] | None = None,
          current: Directory | None = None) -> list[Problem]:
    """What is wrong with the directory as a whole: the tree, the roles, the routing, retirements.

    ``open_work`` counts the open tasks each unit holds now; ``current`` is the directory in force, whose units
    and people may be retired or deactivated but not left out."""
    problems: list[Problem] = []
    units = {u.id: u for u in directory.units}

    def at(kind: RecordKind, record: str, col: str | None, code: str, **params: str) -> None:
        sheet, row = positions.get((kind, record), (_SHEETS[kind], 0))
        problems.append(Problem(sheet=sheet, row=row or None, column=col, code=code, params=params))

    roots = [u for u in directory.units if u.parent_id is None]
    if len(roots) != 1 or roots[0].level is not Level.city or roots[0].kind is not UnitKind.territorial:
        where = roots[0].id if len(roots) == 1 else ""
        at(RecordKind.unit, where, "parent_id", "root", key=", ".join(u.id for u in roots) or "—")
    for unit in directory.units:
        _check_unit(unit, units, directory, open_work or {}, at)
    subjects: dict[str, str] = {}
    ids = {p.id for p in directory.principals}
    for p in directory.principals:
        home = units.get(p.unit_id)
        if home is None:
            at(RecordKind.principal, p.id, "unit_id", "unknown_unit", key=p.unit_id)
        elif p.active and not home.active:
            at(RecordKind.principal, p.id, "unit_id", "retired_unit", key=p.unit_id)
        if not p.roles:
            at(RecordKind.principal, p.id, "roles", "no_role")
        if p.subject is not None:
            if p.subject in subjects:
                at(RecordKind.principal, p.id, "subject", "duplicate_subject", key=p.subject)
            elif p.subject != p.id and p.subject in ids:  # it would sign in as that other person
                at(RecordKind.principal, p.id, "subject", "subject_is_an_id", key=p.subject)
            subjects.setdefault(p.subject, p.id)
    functions = {u.function for u in directory.units if u.kind is UnitKind.department and u.active}
    for m in directory.matters:
        for function in m.departments:
            if function not in functions:
                at(RecordKind.matter, m.code, "departments", "no_department", key=function)
    if current is not None:
        for unit in current.units:
            if unit.id not in units:
                at(RecordKind.unit, unit.id, "id", "missing_unit", key=unit.id)
        kept = {p.id for p in directory.principals}
        for p in current.principals:
            if p.id not in kept:
                at(RecordKind.principal, p.id, "id", "missing_principal", key=p.id)
    return problems


_SHEETS = {RecordKind.unit: Sheet.units, RecordKind.principal: Sheet.principals, RecordKind.matter: Sheet.matters,
           RecordKind.rules: Sheet.rules}


def _check_unit(unit: Unit, units: Mapping[str, Unit], directory: Directory, open_work: Mapping[str, int],
                at: Callable[..., None]) -> None:
    key = unit.id
    parent = units.get(unit.parent_id) if unit.parent_id else None
    if unit.parent_id is not None and parent is None:
        at(RecordKind.unit, key, "parent_id", "unknown_parent", key=unit.parent_id)
    elif parent is not None:
        if _in_cycle(unit, units):
            at(RecordKind.unit, key, "parent_id", "cycle", key=" → ".join(_cycle(unit, units)))
        elif unit.kind is UnitKind.department:
            if parent.kind is not UnitKind.territorial or parent.level not in (Level.district, Level.city):
                at(RecordKind.unit, key, "parent_id", "department_parent")
            elif parent.level is not unit.level:
                at(RecordKind.unit, key, "level", "wrong_level", parent=parent.id, parent_level=parent.level.value,
                   level=unit.level.value)
        elif parent.kind is not UnitKind.territorial or parent.level is not unit.level.above():
            at(RecordKind.unit, key, "parent_id", "wrong_level", parent=parent.id, parent_level=parent.level.value,
               level=unit.level.value)
    if unit.kind is UnitKind.department and not unit.function:
        at(RecordKind.unit, key, "function", "no_function")
    is_grid = unit.kind is UnitKind.territorial and unit.level is Level.grid
    shape = directory.shapes.get(unit.id)
    if is_grid and unit.active and shape is None:
        at(RecordKind.unit, key, "shape", "no_shape")
    if shape is not None and not _polygonal(shape):
        at(RecordKind.unit, key, "shape", "bad_shape")
    if not unit.active:
        if unit.successor_id is None and open_work.get(unit.id, 0) > 0:
            at(RecordKind.unit, key, "successor_id", "retired_with_work", count=str(open_work[unit.id]))
        children = [u.id for u in units.values() if u.parent_id == unit.id and u.active]
        if children:
            at(RecordKind.unit, key, "active", "active_children", key=", ".join(sorted(children)[:5]))
    if unit.successor_id is not None:
        successor = units.get(unit.successor_id)
        if (successor is None or not successor.active or successor.level is not unit.level
                or successor.kind is not unit.kind or successor.id == unit.id):
            at(RecordKind.unit, key, "successor_id", "bad_successor", key=unit.successor_id)


def _ring(ring: Any) -> bool:
    """A closed ring of at least four [longitude, latitude] positions within range."""
    if not isinstance(ring, list) or len(ring) < 4 or ring[0] != ring[-1]:
        return False
    for position in ring:
        if not (isinstance(position, list | tuple) and len(position) >= 2
                and all(isinstance(v, int | float) and not isinstance(v, bool) for v in position[:2])):
            return False
        if not (-180 <= position[0] <= 180 and -90 <= position[1] <= 90):
            return False
    return True


def _polygonal(shape: Mapping[str, Any]) -> bool:
    """A GeoJSON Polygon or MultiPolygon whose every ring is closed, of four positions or more, within range."""
    coordinates = shape.get("coordinates")
    if shape.get("type") == "Polygon":
        polygons = [coordinates]
    elif shape.get("type") == "MultiPolygon" and isinstance(coordinates, list):
        polygons = coordinates
    else:
        return False
    return bool(polygons) and all(isinstance(p, list) and p and all(_ring(r) for r in p) for p in polygons)


def _cycle(unit: Unit, units: Mapping[str, Unit]) -> list[str]:
    chain = [unit.id]
    while len(chain) <= len(units) and units[chain[-1]].parent_id != unit.id:
        chain.append(str(units[chain[-1]].parent_id))
    return [*chain, unit.id]


def _in_cycle(unit: Unit, units: Mapping[str, Unit]) -> bool:
    """Is the unit itself on a cycle of parents? (Units below a cycle are not: only the cycle is reported.)"""
    seen = {unit.id}
    current = unit
    for _ in range(len(units) + 1):
        parent = current.parent_id
        if parent is None or parent not in units:
            return False
        if parent == unit.id:
            return True
        if parent in seen:
            return False
        seen.add(parent)
        current = units[parent]
    return False


def validated(raw: RawDirectory, open_work: Mapping[str, int] | None = None,
              current: Directory | None = None) -> Directory:
    """The directory the rows describe, or :class:`DirectoryInvalid` with every problem."""
    directory, positions, problems = parse(raw)
    problems += check(directory, positions, open_work, current)
    problems.sort(key=lambda p: (list(Sheet).index(p.sheet), p.row or 0))
    if problems:
        raise DirectoryInvalid(problems)
    return directory.sorted()
