"""A year's official working-day arrangement (the State Council's notice), kept in the read model.

The file ``whistle calendar load`` takes (and ``PUT /v1/calendar/{year}``) is JSON::

    {"year": 2027,
     "holidays": ["2027-01-01", "2027-02-06", …],   # days off (statutory holidays and the bridges)
     "workdays": ["2027-02-07", "2027-02-20", …]}   # adjusted working days (weekends worked)

Every other day counts by the weekday. Loading the same year again replaces it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from store import models


class Arrangement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=2000, le=2100)
    holidays: list[date] = Field(min_length=1, max_length=120)
    workdays: list[date] = Field(default_factory=list, max_length=60)

    @model_validator(mode="after")
    def _consistent(self) -> Arrangement:
        outside = sorted(d for d in [*self.holidays, *self.workdays] if d.year != self.year)
        if outside:
            raise ValueError(f"days outside {self.year}: {', '.join(map(str, outside[:5]))}")
        both = sorted(set(self.holidays) & set(self.workdays))
        if both:
            raise ValueError(f"days listed as both holiday and working day: {', '.join(map(str, both[:5]))}")
        return self

    def days(self) -> dict[date, bool]:
        return {**dict.fromkeys(self.holidays, False), **dict.fromkeys(self.workdays, True)}


def store_arrangement(session: Session, arrangement: Arrangement, source: str) -> bool:
    """Keep the year's arrangement; returns whether anything changed (loading the same file twice does not)."""
    holidays = sorted(str(d) for d in set(arrangement.holidays))
    workdays = sorted(str(d) for d in set(arrangement.workdays))
    row = session.get(models.CalendarYear, arrangement.year)
    if row is not None and row.holidays == holidays and row.workdays == workdays:
        return False
    session.merge(models.CalendarYear(year=arrangement.year, holidays=holidays, workdays=workdays,
                                      source=source[:300], loaded_at=datetime.now(UTC)))
    session.flush()
    return True


def load_arrangements(session: Session) -> dict[int, dict[date, bool]]:
    """Every loaded year, for :class:`activities.WorkingCalendar`."""
    out: dict[int, dict[date, bool]] = {}
    for row in session.scalars(select(models.CalendarYear)):
        out[row.year] = {**{date.fromisoformat(d): False for d in row.holidays},
                         **{date.fromisoformat(d): True for d in row.workdays}}
    return out
