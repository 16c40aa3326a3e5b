"""Working days by the official Chinese calendar, with per-deployment overrides and a fallback.

``chinese-calendar`` knows the years the State Council has published; for a later year it raises
``NotImplementedError``. Then Whistle counts weekends only (plus the overrides), logs it once per
year, and reports it so the issue records that its deadline is provisional (DESIGN §5).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar  # type: ignore[import-untyped]  # the package ships no type hints
import structlog

from domain.deadlines import (
    Deadline,
    DeadlineAnswer,
    DeadlineBatch,
    add_working_days,
    add_working_seconds,
    scale,
    working_seconds_between,
)

log = structlog.get_logger(__name__)


def parse_overrides(text: str) -> dict[date, bool]:
    """``2027-01-01=holiday,2027-02-07=workday`` → {date: is_workday}."""
    out: dict[date, bool] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        day_text, _, kind = item.partition("=")
        kind = kind.strip().lower()
        if kind not in ("holiday", "workday"):
            raise ValueError(f"calendar override {item!r}: say <date>=holiday or <date>=workday")
        out[date.fromisoformat(day_text.strip())] = kind == "workday"
    return out


OverrideLoader = Callable[[], dict[date, bool]]


class WorkingCalendar:
    """The official calendar, corrected by overrides: the deployment's table in the read model (read
    through ``loader``, refreshed every ``refresh_seconds``) and, winning over it, the settings."""

    def __init__(self, overrides: dict[date, bool] | None = None, timezone: str = "Asia/Shanghai",
                 loader: OverrideLoader | None = None, refresh_seconds: float = 60.0) -> None:
        self.static_overrides = dict(overrides or {})
        self.tz = ZoneInfo(timezone)
        self._loader = loader
        self._refresh = refresh_seconds
        self._loaded: dict[date, bool] = {}
        self._loaded_at = float("-inf")
        self._fallback_years: set[int] = set()
        self._lock = threading.Lock()

    @property
    def overrides(self) -> dict[date, bool]:
        if self._loader is not None and time.monotonic() - self._loaded_at >= self._refresh:
            try:
                self._loaded = self._loader()
                self._loaded_at = time.monotonic()
            except Exception as exc:  # noqa: BLE001 - keep the last known table; say so
                log.warning("calendar_overrides_unavailable", error=str(exc))
        return {**self._loaded, **self.static_overrides}

    def is_workday(self, day: date, overrides: dict[date, bool] | None = None) -> bool:
        table = self.overrides if overrides is None else overrides
        if day in table:
            return table[day]
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            with self._lock:
                if day.year not in self._fallback_years:
                    self._fallback_years.add(day.year)
                    log.warning("calendar_fallback", year=day.year,
                                detail="the official calendar does not know this year; counting weekends only")
            return day.weekday() < 5

    def fallback_note(self, start: date, end: date) -> str | None:
        years = sorted(y for y in range(start.year, end.year + 1) if not self._knows(y))
        if not years:
            return None
        return (f"the official holiday calendar for {', '.join(map(str, years))} is not known yet: "
                "deadlines there count weekends only (plus local overrides)")

    @staticmethod
    def _knows(year: int) -> bool:
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
            return True
        except NotImplementedError:
            return False

    def compute(self, batch: DeadlineBatch, time_scale: float = 1.0) -> DeadlineAnswer:
        deadlines, notes = [], []
        table = self.overrides  # one snapshot for the whole batch

        def is_workday(day: date) -> bool:
            return self.is_workday(day, table)

        for req in batch.requests:
            start_local = req.start.astimezone(self.tz)
            d = req.duration
            lost = None
            if req.lost_from is not None and req.lost_to is not None:
                # the span was lived at the time scale: count the working time it stands for
                lost_from = req.lost_from.astimezone(self.tz)
                lost = working_seconds_between(lost_from, lost_from + (req.lost_to - req.lost_from) * time_scale,
                                               is_workday)
                due = add_working_seconds(start_local, lost, is_workday)
            elif d.hours is not None:
                due = start_local + timedelta(hours=d.hours)
            elif d.calendar_days is not None:
                due = start_local + timedelta(days=d.calendar_days)
            else:
                assert d.working_days is not None
                due = add_working_days(start_local, d.working_days, is_workday)
            red = add_working_days(due, req.red_after_working_days, is_workday) \
                if req.red_after_working_days else None
            note = self.fallback_note(start_local.date(), (red or due).date())
            if note and note not in notes:
                notes.append(note)
            deadlines.append(Deadline(
                key=req.key,
                due_at=_utc(scale(start_local, due, time_scale)),
                red_at=_utc(scale(start_local, red, time_scale)) if red else None,
                working_seconds_lost=lost,
            ))
        return DeadlineAnswer(deadlines=deadlines, notes=notes)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo("UTC"))
