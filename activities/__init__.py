"""Temporal activities: everything the issue workflow needs from the world (calendar, organisation)."""

from activities.issue_lookups import IssueActivities, MatterRequest
from activities.read_model import ReadModelActivities
from activities.working_days import WorkingCalendar, parse_overrides

__all__ = ["IssueActivities", "MatterRequest", "ReadModelActivities", "WorkingCalendar", "parse_overrides"]
