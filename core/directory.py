"""Where the organisation and the catalogue come from. For now, the samples that ship with Whistle."""

from __future__ import annotations

from functools import lru_cache

from domain.catalogue import Catalogue
from domain.organisation import Organisation
from domain.sample_catalogue import sample_catalogue
from domain.sample_org import sample_organisation


@lru_cache(maxsize=1)
def organisation() -> Organisation:
    return sample_organisation()


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    return sample_catalogue()
