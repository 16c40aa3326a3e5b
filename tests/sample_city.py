"""The sample city (清河市) as the tests use it: the dataset ``make run`` loads, read the way a district's file is
read, so the tests run on exactly what ships."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy.orm import Session

from domain.catalogue import Catalogue
from domain.directory import Directory
from domain.directory_check import validated
from domain.organisation import Organisation
from store import directory as store_directory
from store.directory_files import read
from whistle.cli_directory import SAMPLE_CITY

Ring = list[tuple[float, float]]


@lru_cache(maxsize=1)
def directory() -> Directory:
    return validated(read(SAMPLE_CITY))


@lru_cache(maxsize=1)
def organisation() -> Organisation:
    return directory().organisation()


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    return directory().catalogue()


def grid_rings() -> dict[str, Ring]:
    """Every grid's outer ring, as (longitude, latitude) corners."""
    return {g: [(float(x), float(y)) for x, y in s["coordinates"][0]] for g, s in directory().shapes.items()}


def load_into(session: Session) -> store_directory.Applied:
    """Load the sample city into a migrated read model, in the session's transaction (no change when it is
    loaded already)."""
    return store_directory.apply(session, directory(), author="tests", reason="the sample city", source="tests")
