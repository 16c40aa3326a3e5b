"""What the worker reads of the deployment's calendar corrections."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import models


def load_calendar_overrides(session: Session) -> dict[date, bool]:
    """The deployment's corrections of the official calendar, for :class:`activities.WorkingCalendar`."""
    return {row.day: row.is_workday for row in session.scalars(select(models.CalendarOverride))}
