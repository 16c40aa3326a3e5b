"""Temporal activities: everything the issue workflow needs from the world (calendar, organisation)."""

from activities.calendar import WorkingCalendar, parse_overrides
from activities.issue import IssueActivities, MatterRequest
from activities.read_model import ReadModelActivities

__all__ = ["IssueActivities", "MatterRequest", "ReadModelActivities", "WorkingCalendar", "parse_overrides"]
