"""The audit: an issue's timeline in the read model beside the raw Temporal history of every run, and
whether they agree (DESIGN §6). It reads both, so it sits above the read model and the Temporal connection."""

from audit.history import (
    AuditReport,
    RunHistory,
    TimelineEntry,
    audit_issue,
    check,
    read_timeline,
    without_personal,
)

__all__ = ["AuditReport", "RunHistory", "TimelineEntry", "audit_issue", "check", "read_timeline", "without_personal"]
