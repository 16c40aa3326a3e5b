"""Folding figures counted per grid into the territories that hold the grids: a grid, a community, a street, a
district or the city counts the issues of every grid below it (a department has no territory)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from store.figures.counting import Tallies, Tally
from store.figures.scope import Scope


def fold(tallies: Tallies, units: Sequence[str], scope: Scope) -> Tallies:
    """``tallies`` keyed by ``(grid,)`` → the same measures keyed by ``(unit,)`` for each territorial unit of
    ``units``: an issue lies in one grid, so rows and distinct issues add up."""
    holders = scope.holders(list(units))
    out: Tallies = {name: {} for name in tallies}
    for name, per in tallies.items():
        acc: dict[tuple[Any, ...], Tally] = out[name]
        for (grid,), t in per.items():
            for unit in holders.get(grid, ()):
                into = acc.setdefault((unit,), Tally())
                into.rows += t.rows
                into.issues += t.issues
                into.ids.extend(t.ids)
        for t in acc.values():
            t.ids.sort()
    return out


def grids_of(units: Sequence[str], scope: Scope) -> list[str]:
    """Every territorial unit in the territories of ``units`` (the grids among them hold issues)."""
    return sorted(scope.holders(list(units)))


def has_territory(unit: str, scope: Scope) -> bool:
    return bool(scope.territories.get(unit))


