"""The directory: a district's units, people, matter catalogue and rules as one value (DESIGN §3).

A district keeps it in a workbook (sheets 单位 / 人员 / 事项 / 规则) or as JSON; :mod:`domain.directory_check`
turns either into a :class:`Directory` and says what is wrong with it. Every change is a version: the
:class:`Change` rows between two directories, each a record before and after.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from domain.catalogue import Catalogue, Matter
from domain.organisation import Organisation, Principal, Unit
from domain.rules import DEFAULT_RULES, Rules

#: a grid's shape: a GeoJSON geometry (Polygon or MultiPolygon, longitude/latitude)
Geometry = dict[str, Any]


class RecordKind(StrEnum):
    unit = "unit"
    principal = "principal"
    matter = "matter"
    rules = "rules"


class Directory(BaseModel):
    """Everything a district loads. Units and principals are never deleted, only retired or deactivated: the
    issues they held keep their names."""

    model_config = ConfigDict(frozen=True)

    units: tuple[Unit, ...] = ()
    shapes: dict[str, Geometry] = Field(default_factory=dict)  # grid id → its shape
    principals: tuple[Principal, ...] = ()
    matters: tuple[Matter, ...] = ()
    rules: Rules = DEFAULT_RULES

    def organisation(self) -> Organisation:
        return Organisation(self.units, self.principals)

    def catalogue(self) -> Catalogue:
        return Catalogue(self.matters)

    def records(self) -> dict[tuple[RecordKind, str], dict[str, Any]]:
        """Every record as JSON, by kind and key: what a version compares."""
        out: dict[tuple[RecordKind, str], dict[str, Any]] = {}
        for unit in self.units:
            row = unit.model_dump(mode="json")
            row["shape"] = self.shapes.get(unit.id)
            out[RecordKind.unit, unit.id] = row
        for principal in self.principals:
            out[RecordKind.principal, principal.id] = principal.model_dump(mode="json")
        for matter in self.matters:
            out[RecordKind.matter, matter.code] = matter.model_dump(mode="json")
        out[RecordKind.rules, "rules"] = self.rules.model_dump(mode="json")
        return out

    @classmethod
    def from_records(cls, records: Iterable[tuple[RecordKind, dict[str, Any]]]) -> Directory:
        units, shapes, principals, matters, rules = [], {}, [], [], DEFAULT_RULES
        for kind, row in records:
            if kind is RecordKind.unit:
                fields = dict(row)
                shape = fields.pop("shape", None)
                units.append(Unit.model_validate(fields))
                if shape is not None:
                    shapes[units[-1].id] = shape
            elif kind is RecordKind.principal:
                principals.append(Principal.model_validate(row))
            elif kind is RecordKind.matter:
                matters.append(Matter.model_validate(row))
            else:
                rules = Rules.model_validate(row)
        return cls(units=tuple(units), shapes=shapes, principals=tuple(principals), matters=tuple(matters),
                   rules=rules)

    def sorted(self) -> Directory:
        """The same directory in a stable order: units parents first, then by order and id."""
        by_id = {u.id: u for u in self.units}

        def depth(unit: Unit) -> int:
            n, seen = 0, set()
            while unit.parent_id in by_id and unit.id not in seen:
                seen.add(unit.id)
                unit, n = by_id[unit.parent_id], n + 1
            return n

        return self.model_copy(update={
            "units": tuple(sorted(self.units, key=lambda u: (depth(u), u.parent_id or "", u.order, u.id))),
            "principals": tuple(sorted(self.principals, key=lambda p: (p.unit_id, p.id))),
            "matters": tuple(sorted(self.matters, key=lambda m: (m.category, m.code))),
        })


class Change(BaseModel):
    """One record of a version: added (no before), changed, or removed (no after)."""

    model_config = ConfigDict(frozen=True)

    kind: RecordKind
    key: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @property
    def what(self) -> str:
        return "added" if self.before is None else "removed" if self.after is None else "changed"


def diff(before: Directory, after: Directory) -> list[Change]:
    """The records that differ, in a stable order (kind, key)."""
    old, new = before.records(), after.records()
    changes = [Change(kind=kind, key=key, before=old.get((kind, key)), after=new.get((kind, key)))
               for kind, key in sorted(old.keys() | new.keys())
               if old.get((kind, key)) != new.get((kind, key))]
    return changes


def compose(versions: Iterable[Iterable[Change]]) -> list[Change]:
    """The changes of several versions in a row as one: each record's first before and last after."""
    first: dict[tuple[RecordKind, str], dict[str, Any] | None] = {}
    last: dict[tuple[RecordKind, str], dict[str, Any] | None] = {}
    for changes in versions:
        for change in changes:
            first.setdefault((change.kind, change.key), change.before)
            last[change.kind, change.key] = change.after
    return [Change(kind=kind, key=key, before=first[kind, key], after=last[kind, key])
            for kind, key in sorted(first) if first[kind, key] != last[kind, key]]
