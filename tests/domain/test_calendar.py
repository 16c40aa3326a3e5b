"""Working-day arithmetic on the official calendar: holidays, adjusted working weekends, the fallback."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from structlog.testing import capture_logs

from activities.working_days import WorkingCalendar, parse_overrides
from domain.deadlines import DeadlineBatch, DeadlineRequest, Duration, add_working_days

SH = ZoneInfo("Asia/Shanghai")


def at(y: int, m: int, d: int, h: int = 10) -> datetime:
    return datetime(y, m, d, h, tzinfo=SH)


def weekdays_only(day: date) -> bool:
    return day.weekday() < 5


def test_working_days_skip_the_weekend() -> None:
    friday = at(2026, 11, 20)
    assert add_working_days(friday, 1, weekdays_only) == at(2026, 11, 23)
    assert add_working_days(friday, 5, weekdays_only) == at(2026, 11, 27)


def test_a_start_on_a_rest_day_counts_from_the_next_working_day() -> None:
    saturday = at(2026, 11, 21, 15)
    assert add_working_days(saturday, 1, weekdays_only) == datetime(2026, 11, 24, 0, tzinfo=SH)
    assert add_working_days(saturday, 0, weekdays_only) == datetime(2026, 11, 23, 0, tzinfo=SH)


def test_national_day_holiday_is_skipped() -> None:
    cal = WorkingCalendar()
    # 30 Sep 2026 (Wed) + 1 working day: 1, 2, 5, 6, 7 Oct are holidays, 3/4 the weekend → Thu 8 Oct
    assert add_working_days(at(2026, 9, 30), 1, cal.is_workday) == at(2026, 10, 8)


def test_adjusted_working_saturday_counts() -> None:
    cal = WorkingCalendar()
    assert cal.is_workday(date(2026, 10, 10)) and date(2026, 10, 10).weekday() == 5
    # Fri 9 Oct + 1 working day is Saturday 10 Oct (调休上班), not Monday
    assert add_working_days(at(2026, 10, 9), 1, cal.is_workday) == at(2026, 10, 10)
    # Spring Festival 2026: Sat 14 Feb is a working day, 16–23 Feb are holidays
    assert add_working_days(at(2026, 2, 13), 2, cal.is_workday) == at(2026, 2, 24)


def test_overrides_win_over_the_official_calendar() -> None:
    cal = WorkingCalendar(parse_overrides("2026-11-23=holiday, 2026-11-22=workday"))
    assert not cal.is_workday(date(2026, 11, 23))
    assert cal.is_workday(date(2026, 11, 22))


def test_override_syntax_errors_are_clear() -> None:
    with pytest.raises(ValueError, match="holiday or <date>=workday"):
        parse_overrides("2027-01-01=day-off")


def test_an_unknown_year_counts_its_statutory_holidays_by_rule_logged_noted_and_provisional() -> None:
    cal = WorkingCalendar(parse_overrides("2027-01-04=holiday"))
    batch = DeadlineBatch(requests=[DeadlineRequest(key="i.1", start=at(2026, 12, 31),
                                                    duration=Duration(working_days=2))])
    with capture_logs() as logs:
        answer = cal.compute(batch)
    # 31 Dec 2026 (Thu) + 2 working days: 1 Jan 2027 New Year (by rule), 2/3 Jan the weekend, 4 Jan an override
    # holiday → Tue 5 Jan, Wed 6 Jan
    assert answer.deadlines[0].due_at == at(2027, 1, 6).astimezone(ZoneInfo("UTC"))
    assert answer.deadlines[0].provisional
    assert any("2027" in note and "provisional" in note for note in answer.notes)
    assert [e["year"] for e in logs if e["event"] == "calendar_by_rule"] == [2027]


def test_one_working_day_from_new_years_eve_2026_is_the_monday() -> None:
    answer = WorkingCalendar().compute(DeadlineBatch(requests=[
        DeadlineRequest(key="i.1", start=at(2026, 12, 31, 18), duration=Duration(working_days=1))]))
    assert answer.deadlines[0].due_at == at(2027, 1, 4, 18).astimezone(ZoneInfo("UTC"))
    assert answer.deadlines[0].provisional


def test_five_working_days_from_1_february_2027_skip_the_spring_festival() -> None:
    answer = WorkingCalendar().compute(DeadlineBatch(requests=[
        DeadlineRequest(key="i.1", start=at(2027, 2, 1, 9), duration=Duration(working_days=5))]))
    # Tue 2, Wed 3, Thu 4 count; Fri 5 (New Year's Eve) to Wed 10 (observed) are holidays; Thu 11, Fri 12
    assert answer.deadlines[0].due_at == at(2027, 2, 12, 9).astimezone(ZoneInfo("UTC"))


def test_a_loaded_arrangement_decides_its_year_and_the_deadline_is_no_longer_provisional() -> None:
    # the published 2027 arrangement (example): Spring Festival 6–12 Feb off, Sun 7 and Sat 20 Feb worked
    days = {date(2027, 2, d): False for d in range(6, 13)} | {date(2027, 2, 7): True, date(2027, 2, 20): True}
    cal = WorkingCalendar(arrangements=lambda: {2027: days})
    answer = cal.compute(DeadlineBatch(requests=[
        DeadlineRequest(key="i.1", start=at(2027, 2, 1, 9), duration=Duration(working_days=5))]))
    # Tue 2, Wed 3, Thu 4, Fri 5 (a working day in this arrangement), Sun 7 (adjusted working day)
    assert answer.deadlines[0].due_at == at(2027, 2, 7, 9).astimezone(ZoneInfo("UTC"))
    assert not answer.deadlines[0].provisional and answer.notes == []
    assert WorkingCalendar(parse_overrides("2027-02-07=holiday"), arrangements=lambda: {2027: days}).is_workday(
        date(2027, 2, 7)) is False  # the deployment's overrides still win


def test_time_scale_divides_the_span() -> None:
    cal = WorkingCalendar()
    start = at(2026, 11, 23)
    batch = DeadlineBatch(requests=[DeadlineRequest(key="i.1", start=start, duration=Duration(working_days=1),
                                                    red_after_working_days=2)])
    answer = cal.compute(batch, time_scale=1440)
    d = answer.deadlines[0]
    assert d.due_at - start == timedelta(minutes=1)
    assert d.red_at is not None and d.red_at - start == timedelta(minutes=3)


def test_hours_and_calendar_days() -> None:
    cal = WorkingCalendar()
    start = at(2026, 11, 21)
    answer = cal.compute(DeadlineBatch(requests=[
        DeadlineRequest(key="a", start=start, duration=Duration(hours=2)),
        DeadlineRequest(key="b", start=start, duration=Duration(calendar_days=2)),
    ]))
    assert [d.due_at - start for d in answer.deadlines] == [timedelta(hours=2), timedelta(days=2)]


def test_duration_needs_exactly_one_unit() -> None:
    with pytest.raises(ValueError):
        Duration(hours=1, working_days=1)
    with pytest.raises(ValueError):
        Duration()
