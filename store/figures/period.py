"""The periods figures are counted over: a month, a quarter, a year or a custom span, cut in the deployment's time
zone (``WHISTLE_TIMEZONE``): the 1st of a month at 00:00 Beijing time belongs to that month, not the one before.
"In the period" is [start, end)."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

from pydantic import BaseModel

DEFAULT_TZ = ZoneInfo("Asia/Shanghai")

#: the years a period may be asked of (beyond them, a period's ends would leave the calendar in some zone)
YEARS = range(1970, 9999)


class Period(BaseModel):
    start: datetime
    end: datetime
    label: str

    @classmethod
    def month(cls, year: int, month: int, tz: tzinfo = DEFAULT_TZ) -> Period:
        end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
        return cls(start=datetime(year, month, 1, tzinfo=tz), end=end, label=f"{year}-{month:02d}")

    @classmethod
    def quarter(cls, year: int, q: int, tz: tzinfo = DEFAULT_TZ) -> Period:
        if q not in (1, 2, 3, 4):
            raise ValueError("quarter must be 1-4")
        first = 3 * (q - 1) + 1
        end = datetime(year + (q == 4), (first + 2) % 12 + 1, 1, tzinfo=tz)
        return cls(start=datetime(year, first, 1, tzinfo=tz), end=end, label=f"{year}-Q{q}")

    @classmethod
    def year(cls, year: int, tz: tzinfo = DEFAULT_TZ) -> Period:
        return cls(start=datetime(year, 1, 1, tzinfo=tz), end=datetime(year + 1, 1, 1, tzinfo=tz), label=f"{year}")

    @classmethod
    def custom(cls, start: datetime, end: datetime) -> Period:
        if end <= start:
            raise ValueError("a period ends after it starts")
        return cls(start=start, end=end, label=f"{start:%Y-%m-%d}..{end:%Y-%m-%d}")

    @classmethod
    def containing(cls, when: datetime, tz: tzinfo = DEFAULT_TZ) -> Period:
        """The quarter ``when`` falls in, in ``tz``."""
        local = when.astimezone(tz)
        return cls.quarter(local.year, (local.month - 1) // 3 + 1, tz)

    @classmethod
    def assessed(cls, label: str, tz: tzinfo = DEFAULT_TZ) -> Period:
        """An assessment's period: a quarter (``2026-Q4``) or a year (``2026``, 年度考核)."""
        if len(label) == 4:
            if not label.isdigit():
                raise ValueError(f"year {label!r} is not like 2026")
            return cls.year(_year(label), tz)
        return cls.parse(quarter=label, tz=tz)

    @classmethod
    def parse(cls, month: str | None = None, quarter: str | None = None, start: datetime | None = None,
              end: datetime | None = None, now: datetime | None = None, tz: tzinfo = DEFAULT_TZ,
              year: int | None = None) -> Period:
        """One of ``month`` (``2026-11``), ``quarter`` (``2026-Q4``), ``year`` (2026) or ``start``/``end``; this month
        if none. Raises ValueError with a sentence for a person."""
        given = [x for x in (month, quarter, year, start or end) if x is not None]
        if len(given) > 1:
            raise ValueError("give one of month, quarter, year, or from/to")
        if year is not None:
            return cls.year(_year(str(year)), tz)
        if quarter is not None:
            yy, sep, q = quarter.upper().partition("-Q")
            if not (sep and yy.isdigit() and q.isdigit() and len(yy) == 4 and q in ("1", "2", "3", "4")):
                raise ValueError(f"quarter {quarter!r} is not like 2026-Q4")
            return cls.quarter(_year(yy), int(q), tz)
        if month is not None:
            yy, sep, mm = month.partition("-")
            if not (sep and yy.isdigit() and mm.isdigit() and len(yy) == 4 and 1 <= int(mm) <= 12):
                raise ValueError(f"month {month!r} is not like 2026-11")
            return cls.month(_year(yy), int(mm), tz)
        if start is not None or end is not None:
            if start is None or end is None:
                raise ValueError("a custom period needs both from and to")
            if start.tzinfo is None or end.tzinfo is None:
                raise ValueError("from and to need a time zone (…Z or +08:00)")
            return cls.custom(start, end)
        local = (now or datetime.now(UTC)).astimezone(tz)
        return cls.month(local.year, local.month, tz)

    def holds(self, when: datetime | None) -> bool:
        return when is not None and self.start <= when < self.end


def _year(text: str) -> int:
    year = int(text)
    if year not in YEARS:
        raise ValueError(f"the year must lie between {YEARS.start} and {YEARS.stop - 1}")
    return year
