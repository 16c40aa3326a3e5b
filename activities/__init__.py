"""Temporal activities: everything the issue workflow needs from the world (calendar, organisation)."""

from activities.calendar import WorkingCalendar, parse_overrides
from activities.issue import IssueActivities, MatterRequest

__all__ = ["IssueActivities", "MatterRequest", "WorkingCalendar", "parse_overrides"]
