"""Working days by the official Chinese calendar, with per-deployment overrides (DESIGN §5).

Which answer counts, first match wins:

1. the overrides: the settings' (``WHISTLE_CALENDAR_OVERRIDES``), then the read model's table;
2. a year's official arrangement loaded by the deployment (``whistle calendar load``): its holidays and
   adjusted working days, weekends otherwise;
3. ``chinese-calendar``, which knows the years the State Council had published when it was released;
4. for a year neither knows, the statutory holidays computed by rule (the ``holidays`` package's China
   calendar, lunar festivals and their observed days included) and weekends. Such a deadline is
   **provisional** and says so; loading the year's arrangement counts it again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar  # type: ignore[import-untyped]  # the package ships no type hints
import holidays
import structlog

from core.settings import Settings
from domain.deadlines import (
    Deadline,
    DeadlineAnswer,
    DeadlineBatch,
    add_working_days,
    add_working_seconds,
    scale,
    working_seconds_between,
)
from store.calendar import load_arrangements
from store.db import SessionFactory
from store.seed import load_calendar_overrides

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
#: year → {day: is_workday} of its loaded official arrangement (only the days that differ from the weekday rule)
ArrangementLoader = Callable[[], dict[int, dict[date, bool]]]


def _statutory(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("CN", years=year)


class WorkingCalendar:
    """The official calendar, corrected by overrides: the deployment's table in the read model (read
    through ``loader``, refreshed every ``refresh_seconds``) and, winning over it, the settings."""

    def __init__(self, overrides: dict[date, bool] | None = None, timezone: str = "Asia/Shanghai",
                 loader: OverrideLoader | None = None, refresh_seconds: float = 60.0,
                 arrangements: ArrangementLoader | None = None) -> None:
        self.static_overrides = dict(overrides or {})
        self._arrangements_loader = arrangements
        self._arrangements: dict[int, dict[date, bool]] = {}
        self._arrangements_at = float("-inf")
        self._statutory: dict[int, holidays.HolidayBase] = {}
        self.tz = ZoneInfo(timezone)
        self._loader = loader
        self._refresh = refresh_seconds
        self._loaded: dict[date, bool] = {}
        self._loaded_at = float("-inf")
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

    def reload_arrangements(self) -> None:
        """Read the loaded years again at the next use (a deadline reached a year not known yet)."""
        self._arrangements_at = float("-inf")

    @property
    def arrangements(self) -> dict[int, dict[date, bool]]:
        loader = self._arrangements_loader
        if loader is not None and time.monotonic() - self._arrangements_at >= self._refresh:
            try:
                self._arrangements = loader()
                self._arrangements_at = time.monotonic()
            except Exception as exc:  # noqa: BLE001 - keep the last known arrangements; say so
                log.warning("calendar_arrangements_unavailable", error=str(exc))
        return self._arrangements

    def is_workday(self, day: date, overrides: dict[date, bool] | None = None,
                   arrangements: dict[int, dict[date, bool]] | None = None) -> bool:
        table = self.overrides if overrides is None else overrides
        if day in table:
            return table[day]
        published = (self.arrangements if arrangements is None else arrangements).get(day.year)
        if published is not None:
            return published.get(day, day.weekday() < 5)
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            return self._by_rule(day)

    def _by_rule(self, day: date) -> bool:
        with self._lock:
            rules = self._statutory.get(day.year)
            if rules is None:
                rules = self._statutory[day.year] = _statutory(day.year)
                log.warning("calendar_by_rule", year=day.year,
                            detail="no published arrangement for this year: statutory holidays by rule; provisional")
        return day not in rules and day.weekday() < 5

    def provisional_years(self, start: date, end: date,
                          arrangements: dict[int, dict[date, bool]] | None = None) -> list[int]:
        published = self.arrangements if arrangements is None else arrangements
        return [y for y in range(start.year, end.year + 1) if y not in published and not self._knows(y)]

    @staticmethod
    def _knows(year: int) -> bool:
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
            return True
        except NotImplementedError:
            return False

    def compute(self, batch: DeadlineBatch, time_scale: float = 1.0) -> DeadlineAnswer:
        table, published = self.overrides, self.arrangements  # one snapshot for the whole batch
        answer = self._compute(batch, time_scale, table, published)
        if self._arrangements_loader is not None and any(d.provisional for d in answer.deadlines):
            self.reload_arrangements()  # a year may have been loaded since the last look: count again if so
            if self.arrangements != published:
                answer = self._compute(batch, time_scale, table, self.arrangements)
        return answer

    def _compute(self, batch: DeadlineBatch, time_scale: float, table: dict[date, bool],
                 published: dict[int, dict[date, bool]]) -> DeadlineAnswer:
        deadlines, notes = [], []

        def is_workday(day: date) -> bool:
            return self.is_workday(day, table, published)

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
                due = add_working_days(start_local, d.working_days or 0, is_workday)
            red = add_working_days(due, req.red_after_working_days, is_workday) \
                if req.red_after_working_days else None
            years = self.provisional_years(start_local.date(), (red or due).date(), published)
            if years:
                note = (f"the official arrangement of {', '.join(map(str, years))} is not published yet: deadlines "
                        "there count the statutory holidays by rule and are provisional until it is loaded")
                if note not in notes:
                    notes.append(note)
            deadlines.append(Deadline(
                key=req.key,
                due_at=_utc(scale(start_local, due, time_scale)),
                red_at=_utc(scale(start_local, red, time_scale)) if red else None,
                working_seconds_lost=lost,
                provisional=bool(years),
            ))
        return DeadlineAnswer(deadlines=deadlines, notes=notes)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo("UTC"))


def working_calendar(settings: Settings, sessions: SessionFactory) -> WorkingCalendar:
    """The calendar as the worker and the API read it: the official one, corrected by the deployment's tables in
    the read model and, winning over them, the settings."""
    def overrides() -> dict[date, bool]:
        with sessions() as session:
            return load_calendar_overrides(session)

    def arrangements() -> dict[int, dict[date, bool]]:
        with sessions() as session:
            return load_arrangements(session)

    return WorkingCalendar(parse_overrides(settings.calendar_overrides), settings.timezone, loader=overrides,
                           arrangements=arrangements)
