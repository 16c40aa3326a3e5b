"""A year's official arrangement: checked, stored once, read back for the calendar; the API for the city."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from store.calendar import Arrangement, load_arrangements, store_arrangement
from store.db import make_engine, session_factory, transaction
from store.migrate import upgrade


def test_an_arrangement_is_stored_once_and_read_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cal.db'}"
    upgrade(url)
    sessions = session_factory(make_engine(url))
    arrangement = Arrangement(year=2027, holidays=[date(2027, 1, 1), date(2027, 2, 8)], workdays=[date(2027, 2, 7)])
    with transaction(sessions) as s:
        assert store_arrangement(s, arrangement, "test") is True
    with transaction(sessions) as s:
        assert store_arrangement(s, arrangement, "test again") is False
    with sessions() as s:
        assert load_arrangements(s) == {2027: {date(2027, 1, 1): False, date(2027, 2, 8): False,
                                               date(2027, 2, 7): True}}


@pytest.mark.parametrize(("body", "message"), [
    ({"year": 2027, "holidays": ["2026-12-31"]}, "outside 2027"),
    ({"year": 2027, "holidays": ["2027-02-07"], "workdays": ["2027-02-07"]}, "both holiday and working day"),
    ({"year": 2027, "holidays": []}, "at least 1"),
    ({"year": 2027, "holidays": ["2027-02-30"]}, "date"),
    ({"year": 2027, "holidays": ["2027-01-01"], "note": "x"}, "Extra inputs"),
])
def test_a_bad_arrangement_is_refused_with_its_reason(body: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Arrangement.model_validate(body)
