"""Deadline rules and working-day arithmetic (DESIGN §5), pure.

The rules say *how long* each task has (hours, working days or calendar days); turning that into an
instant needs the calendar, which only an activity reads. :func:`add_working_days` is the arithmetic
the activity uses, given a predicate that says whether a date is a working day.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.organisation import Level
from domain.rules import DEFAULT_RULES, Rules


class Duration(BaseModel):
    """How long a task has: exactly one of hours, working days or calendar days."""

    model_config = ConfigDict(frozen=True)

    hours: float | None = Field(default=None, gt=0)
    working_days: int | None = Field(default=None, ge=1)
    calendar_days: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _exactly_one(self) -> Duration:
        given = [v for v in (self.hours, self.working_days, self.calendar_days) if v is not None]
        if len(given) != 1:
            raise ValueError("a duration has exactly one of hours, working_days, calendar_days")
        return self

    def shrink(self, factor: float) -> Duration:
        """The same duration multiplied by ``factor`` (< 1), in hours: emergencies shrink every deadline."""
        if self.hours is not None:
            return Duration(hours=self.hours * factor)
        days = self.working_days if self.working_days is not None else self.calendar_days
        assert days is not None
        return Duration(hours=days * 24 * factor)

    def describe(self) -> str:
        if self.hours is not None:
            return f"{self.hours:g} h"
        if self.working_days is not None:
            return f"{self.working_days} working day{'s' if self.working_days != 1 else ''}"
        return f"{self.calendar_days} day{'s' if self.calendar_days != 1 else ''}"


class DeadlineRequest(BaseModel):
    """One deadline to compute: ``start`` + ``duration``; ``red_after`` more working days for the red mark."""

    key: str
    start: datetime
    duration: Duration
    red_after_working_days: int | None = None
    #: a restarted clock (停表): the due time is ``start`` plus the working time lost in this span, not ``duration``
    lost_from: datetime | None = None
    lost_to: datetime | None = None


class Deadline(BaseModel):
    key: str
    due_at: datetime
    red_at: datetime | None = None
    working_seconds_lost: float | None = None  # answered for a restarted clock
    provisional: bool = False  # counted over a year whose official arrangement is not published yet


class DeadlineBatch(BaseModel):
    requests: list[DeadlineRequest]


class DeadlineAnswer(BaseModel):
    deadlines: list[Deadline]
    notes: list[str] = Field(default_factory=list)  # e.g. a year the official calendar does not know


# --- working-day arithmetic -------------------------------------------------------------------------

IsWorkday = Callable[[date], bool]
MAX_SCAN_DAYS = 3660  # a calendar that never yields a working day is a configuration error


def next_workday(day: date, is_workday: IsWorkday) -> date:
    for _ in range(MAX_SCAN_DAYS):
        if is_workday(day):
            return day
        day += timedelta(days=1)
    raise ValueError("no working day within ten years: check the calendar overrides")


def add_working_days(start: datetime, days: int, is_workday: IsWorkday) -> datetime:
    """``start`` plus ``days`` working days, keeping the time of day.

    A start on a non-working day counts from the beginning of the next working day, so a report made
    on Saturday with one working day to answer is due at the end of Monday (Tuesday 00:00).
    """
    if days < 0:
        raise ValueError("days must be >= 0")
    current = start
    if not is_workday(current.date()):
        current = datetime.combine(next_workday(current.date(), is_workday), time(0), tzinfo=start.tzinfo)
    day = current.date()
    for _ in range(days):
        day = next_workday(day + timedelta(days=1), is_workday)
    return datetime.combine(day, current.timetz())


def _day_start(day: date, like: datetime) -> datetime:
    return datetime.combine(day, time(0), tzinfo=like.tzinfo)


def working_seconds_between(start: datetime, end: datetime, is_workday: IsWorkday) -> float:
    """How much of ``start → end`` falls on working days (a working day counts whole, midnight to midnight)."""
    total, day = 0.0, start.date()
    for _ in range(MAX_SCAN_DAYS):
        if day > end.date():
            break
        if is_workday(day):
            lo = max(start, _day_start(day, start))
            hi = min(end, _day_start(day + timedelta(days=1), start))
            total += max(0.0, (hi - lo).total_seconds())
        day += timedelta(days=1)
    return total


def add_working_seconds(start: datetime, seconds: float, is_workday: IsWorkday) -> datetime:
    """``start`` plus ``seconds`` of working-day time: non-working days are stepped over whole."""
    current, left = start, max(0.0, seconds)
    for _ in range(MAX_SCAN_DAYS):
        midnight = _day_start(current.date() + timedelta(days=1), start)
        if is_workday(current.date()):
            room = (midnight - current).total_seconds()
            if left <= room:
                return current + timedelta(seconds=left)
            left -= room
        current = midnight
    raise ValueError("no working day within ten years: check the calendar overrides")


def scale(start: datetime, due: datetime, factor: float) -> datetime:
    """Divide the span ``start → due`` by the time scale (WHISTLE_TIME_SCALE)."""
    return start + (due - start) / factor


# --- the rules ---------------------------------------------------------------------------------------

#: 三级七天: the levels of the mediation ladder, each with its window in the district's rules
MEDIATION_LEVELS: tuple[Level, ...] = (Level.grid, Level.community, Level.street)


class DeadlineRules(BaseModel):
    """What shortens an issue's durations (an urgent report, an emergency whistle) and the district's rules it
    keeps. Each task kind's duration is its step's rule (:mod:`domain.steps`)."""

    urgent: bool = False
    emergency: bool = False
    district: Rules = DEFAULT_RULES

    def adjust(self, normal: Duration, urgent: Duration | None = None) -> Duration:
        """``normal``, or ``urgent`` for an urgent report when the rule has one; an emergency shrinks either."""
        chosen = urgent if self.urgent and urgent is not None else normal
        return chosen.shrink(self.district.emergency_factor) if self.emergency else chosen
