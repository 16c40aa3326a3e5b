"""What the figures need besides the read model."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from domain.catalogue import Catalogue
from domain.organisation import Level, Organisation, UnitKind

NoAnswerPolicy = Literal["exclude", "satisfied", "unsatisfied"]


@dataclass(frozen=True)
class Scope:
    """Each unit's territory (itself and the territorial units below it; empty for a department), the matters
    that follow the mediation ladder and those a grid may settle on the spot, how a silent evaluation counts, and
    the present (for deadlines that have passed)."""

    territories: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: each unit's parent, and the cities: where the automatic supervision of a unit's late task is sent
    parents: Mapping[str, str] = field(default_factory=dict)
    cities: frozenset[str] = frozenset()
    mediation_matters: frozenset[str] = frozenset()
    on_the_spot_matters: frozenset[str] = frozenset()
    no_answer: NoAnswerPolicy = "exclude"
    now: datetime | None = None

    @classmethod
    def of(cls, organisation: Organisation, catalogue: Catalogue, no_answer: NoAnswerPolicy = "exclude",
           now: datetime | None = None) -> Scope:
        territories = {}
        for unit in organisation.units.values():
            if unit.kind is UnitKind.territorial:
                territories[unit.id] = frozenset(u.id for u in organisation.subtree(unit.id)
                                                 if u.kind is UnitKind.territorial)
        matters = catalogue.matters.values()
        parents = {u.id: u.parent_id for u in organisation.units.values() if u.parent_id}
        cities = frozenset(u.id for u in organisation.units.values() if u.level is Level.city)
        return cls(territories=territories, parents=parents, cities=cities,
                   mediation_matters=frozenset(m.code for m in matters if m.mediation),
                   on_the_spot_matters=frozenset(m.code for m in matters if m.on_the_spot), no_answer=no_answer,
                   now=now)

    def supervisors_of(self, units: Sequence[str]) -> list[str]:
        """The units a supervision of ``units``' late tasks goes to: their parents, and the city at the top."""
        return sorted({self.parents[u] for u in units if u in self.parents} | self.cities)

    def holders(self, units: list[str]) -> dict[str, list[str]]:
        """Each territorial unit → those of ``units`` whose territory holds it."""
        out: dict[str, list[str]] = {}
        for unit in units:
            for member in self.territories.get(unit, frozenset()):
                out.setdefault(member, []).append(unit)
        return out
