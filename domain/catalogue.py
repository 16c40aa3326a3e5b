"""The matter catalogue (事项清单): what an issue is about, who answers it and how fast (DESIGN §3)."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class ListType(StrEnum):
    """The three lists a consultation puts an issue on (即办 / 阶段性 / 谅解)."""

    immediate = "immediate"
    phased = "phased"
    understanding = "understanding"


class HandlingDays(BaseModel):
    """Handling deadline in working days for each list type."""

    model_config = ConfigDict(frozen=True)

    immediate: int = Field(ge=1, le=60)
    phased: int = Field(ge=1, le=120)
    understanding: int = Field(ge=1, le=60)

    def for_list(self, list_type: ListType) -> int:
        return int(getattr(self, list_type.value))


class Matter(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    name_en: str
    category: str
    category_name: str
    departments: tuple[str, ...]  # function codes of the default responsible departments
    list_type: ListType
    report_hours: float = Field(gt=0, le=240)
    handling_days: HandlingDays
    on_the_spot: bool  # a grid may resolve it on the spot (即查即办)
    mediation: bool  # follows the dispute-mediation ladder (三级七天)


class Catalogue:
    def __init__(self, matters: Iterable[Matter]) -> None:
        self.matters: dict[str, Matter] = {}
        for matter in matters:
            if matter.code in self.matters:
                raise ValueError(f"duplicate matter code {matter.code!r}")
            self.matters[matter.code] = matter

    def matter(self, code: str) -> Matter:
        try:
            return self.matters[code]
        except KeyError:
            raise KeyError(f"unknown matter {code!r}") from None

    def categories(self) -> dict[str, str]:
        return {m.category: m.category_name for m in self.matters.values()}
