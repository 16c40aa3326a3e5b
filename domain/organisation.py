"""The organisation: units on the ladder grid → community → street → district → city, departments
hanging off a district or the city, and principals holding roles in one unit (DESIGN §2)."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Level(StrEnum):
    grid = "grid"
    community = "community"
    street = "street"
    district = "district"
    city = "city"

    @property
    def rank(self) -> int:
        return LADDER.index(self)

    def above(self) -> Level | None:
        """The next level up the ladder, or None at the city."""
        return LADDER[self.rank + 1] if self.rank + 1 < len(LADDER) else None


LADDER: tuple[Level, ...] = (Level.grid, Level.community, Level.street, Level.district, Level.city)


class UnitKind(StrEnum):
    territorial = "territorial"
    department = "department"


class Role(StrEnum):
    resident = "resident"
    grid_worker = "grid_worker"
    handler = "handler"
    dispatcher = "dispatcher"
    leader = "leader"
    supervisor = "supervisor"
    integration = "integration"
    administrator = "administrator"


STAFF_ROLES = frozenset({Role.grid_worker, Role.handler, Role.dispatcher, Role.leader, Role.supervisor})


class Unit(BaseModel):
    """A territorial unit or a functional department. A department's level is that of its parent."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    name_en: str
    level: Level
    kind: UnitKind
    parent_id: str | None
    function: str | None = None  # departments: the function code matters name (``housing``, ``water``…)
    order: int = 0  # where it is listed among its siblings
    active: bool = True  # a retired unit (撤销) keeps its id and name for the issues it held, and takes no new work
    successor_id: str | None = None  # the unit that took over a retired one's open work


class Principal(BaseModel):
    """A person or an API client, belonging to one unit."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    unit_id: str
    roles: tuple[Role, ...]
    #: what the single sign-on token carries for this person (the configured claim: ``sub``, an employee number)
    subject: str | None = None
    active: bool = True  # a deactivated principal (停用) may not sign in and holds no claims


class UnitRef(BaseModel):
    """What an issue keeps of a unit: enough to show it and to find its place on the ladder."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    level: Level
    kind: UnitKind
    parent_id: str | None


class Organisation:
    """The unit tree and its principals, with the lookups the workflow's context needs."""

    def __init__(self, units: Iterable[Unit], principals: Iterable[Principal]) -> None:
        self.units: dict[str, Unit] = {}
        for unit in units:
            if unit.id in self.units:
                raise ValueError(f"duplicate unit id {unit.id!r}")
            self.units[unit.id] = unit
        self.principals: dict[str, Principal] = {}
        self._by_subject: dict[str, Principal] = {}
        for principal in principals:
            if principal.unit_id not in self.units:
                raise ValueError(f"principal {principal.id!r} belongs to unknown unit {principal.unit_id!r}")
            self.principals[principal.id] = principal
            if principal.subject is not None:
                self._by_subject[principal.subject] = principal
        self._children: dict[str, list[Unit]] = {}
        for unit in self.units.values():
            if unit.parent_id is not None:
                if unit.parent_id not in self.units:
                    raise ValueError(f"unit {unit.id!r} has unknown parent {unit.parent_id!r}")
                self._children.setdefault(unit.parent_id, []).append(unit)

    def signed_in(self, subject: str, *, ours: bool = False) -> Principal | None:
        """The principal a token names. A token Whistle signed itself (``ours``: the embedded mode's) names a
        principal id; a single sign-on's names the subject the directory records for a person, or the id of a
        person who has no subject of their own."""
        if ours:
            return self.principals.get(subject)
        found = self._by_subject.get(subject)
        if found is not None:
            return found
        by_id = self.principals.get(subject)
        return by_id if by_id is not None and by_id.subject is None else None

    def unit(self, unit_id: str) -> Unit:
        try:
            return self.units[unit_id]
        except KeyError:
            raise KeyError(f"unknown unit {unit_id!r}") from None

    def ref(self, unit_id: str) -> UnitRef:
        u = self.unit(unit_id)
        return UnitRef(id=u.id, name=u.name, level=u.level, kind=u.kind, parent_id=u.parent_id)

    def children(self, unit_id: str) -> list[Unit]:
        return list(self._children.get(unit_id, ()))

    def ancestors(self, unit_id: str) -> list[Unit]:
        """The unit itself, then its parent, up to the root."""
        chain = [self.unit(unit_id)]
        while chain[-1].parent_id is not None:
            chain.append(self.unit(chain[-1].parent_id))
        return chain

    def ladder(self, grid_id: str) -> dict[Level, Unit]:
        """The territorial units above (and including) a grid, by level."""
        grid = self.unit(grid_id)
        if grid.level is not Level.grid or grid.kind is not UnitKind.territorial:
            raise ValueError(f"{grid_id!r} is not a grid")
        return {u.level: u for u in self.ancestors(grid_id) if u.kind is UnitKind.territorial}

    def in_subtree(self, unit_id: str, root_id: str) -> bool:
        return any(u.id == root_id for u in self.ancestors(unit_id))

    def subtree(self, root_id: str) -> list[Unit]:
        out: list[Unit] = []
        stack = [self.unit(root_id)]
        while stack:
            unit = stack.pop()
            out.append(unit)
            stack.extend(self._children.get(unit.id, ()))
        return out

    def departments(self, owner_id: str) -> list[Unit]:
        """The active departments of a district or the city."""
        return [u for u in self.children(owner_id) if u.kind is UnitKind.department and u.active]

    def routable(self, dispatch_unit_id: str) -> list[Unit]:
        """Units a dispatcher at this territorial unit may summon (DESIGN §4, "who hears the whistle").

        A street routes to its own offices (the street itself), its communities and the departments of
        its district (镇街吹哨、部门报到); a district to itself, its streets and its departments; the city
        to its departments and districts.
        """
        unit = self.unit(dispatch_unit_id)
        territorial = [u for u in self.children(unit.id) if u.kind is UnitKind.territorial and u.active]
        if unit.level is Level.street:
            district = self.unit(unit.parent_id) if unit.parent_id else None
            depts = self.departments(district.id) if district else []
            return [unit, *territorial, *depts]
        if unit.level in (Level.district, Level.city):
            return [unit, *territorial, *self.departments(unit.id)]
        return [unit]

    def suggested(self, dispatch_unit_id: str, functions: Iterable[str]) -> list[Unit]:
        """Departments among the routable ones whose function the matter names, in the matter's order."""
        candidates = [u for u in self.routable(dispatch_unit_id) if u.kind is UnitKind.department]
        out: list[Unit] = []
        for function in functions:
            out.extend(u for u in candidates if u.function == function and u not in out)
        if not out:
            out.append(self.unit(dispatch_unit_id))
        return out

    def with_role(self, unit_id: str, role: Role) -> list[Principal]:
        return [p for p in self.principals.values() if p.unit_id == unit_id and role in p.roles and p.active]
