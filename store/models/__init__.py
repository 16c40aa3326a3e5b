"""The relational read model (DESIGN §6), one module per kind of writer; every table is named here.

Issues, tasks, timeline events, ratings and notifications (``store.models.issue_tables``) are written only by the
projection activity, and Temporal's event history stays their authoritative record: every such row can be rebuilt
from it. The rest is the deployment's configuration, written by operators (``whistle seed``, ``grids load``,
``api-key``, ``calendar load``) or through the API (webhook subscriptions, notifications read, action keys):
the directory, grids and calendar (``store.models.directory_tables``), what integrations and callers leave behind
(``store.models.integrations``), and what people record besides issues (``store.models.records``).
"""

from store.models.base import Base, UTCDateTime
from store.models.directory_tables import (
    CalendarOverride,
    CalendarYear,
    DirectoryChange,
    DirectoryRules,
    DirectoryVersion,
    GridShape,
    Matter,
    Principal,
    Unit,
)
from store.models.integrations import ActionKey, ApiKey, PayloadRead, WebhookDelivery, WebhookSubscription
from store.models.issue_tables import (
    ISSUE_LEVEL_EVENTS,
    Issue,
    Notification,
    NotificationRead,
    Rating,
    Task,
    TimelineEvent,
)
from store.models.records import AssessmentRecord, FigureSnapshot, Inquiry, SavedFilter

__all__ = [
    "ISSUE_LEVEL_EVENTS",
    "ActionKey",
    "ApiKey",
    "AssessmentRecord",
    "Base",
    "CalendarOverride",
    "CalendarYear",
    "DirectoryChange",
    "DirectoryRules",
    "DirectoryVersion",
    "FigureSnapshot",
    "GridShape",
    "Inquiry",
    "Issue",
    "Matter",
    "Notification",
    "NotificationRead",
    "PayloadRead",
    "Principal",
    "Rating",
    "SavedFilter",
    "Task",
    "TimelineEvent",
    "UTCDateTime",
    "Unit",
    "WebhookDelivery",
    "WebhookSubscription",
]
