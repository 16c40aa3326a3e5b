"""A period's assessment waits until its evidence is in: 01:00 on the day after the last evaluation window of its
issues can close, counted in working days by the calendar (the holidays of the 2026 arrangement included)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from activities.working_days import WorkingCalendar
from store.assessments import due_at
from store.figures import Period

BEIJING = ZoneInfo("Asia/Shanghai")


def test_the_evidence_is_in_five_working_days_after_the_quarter() -> None:
    workday = WorkingCalendar().is_workday
    # Q1 ends on Tuesday 31 March; Qingming takes 4–6 April: 1, 2, 3, 7, 8 April are the five working days
    assert due_at(Period.quarter(2026, 1), 5, workday) == datetime(2026, 4, 9, 1, tzinfo=BEIJING)
    # Q3 ends on Wednesday 30 September; National Day takes 1–7 October, Saturday 10 October is worked
    assert due_at(Period.quarter(2026, 3), 5, workday) == datetime(2026, 10, 14, 1, tzinfo=BEIJING)
    # the rule is the directory's: none is the next day at 01:00
    assert due_at(Period.quarter(2026, 3), 0, workday) == datetime(2026, 10, 1, 1, tzinfo=BEIJING)
    # not at 01:00 on the 1st, while the windows of the quarter's last results are open
    for q in (1, 2, 3, 4):
        quarter = Period.quarter(2026, q)
        assert due_at(quarter, 5, workday) > quarter.end.replace(hour=1)
    assert due_at(Period.year(2026), 5, workday) == due_at(Period.quarter(2026, 4), 5, workday)
