"""The API's HTTP shapes: separate from the workflow's messages and the database's rows."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from domain.messages import Location, Source
from domain.task_state import TaskHead
from domain.views import IssueView, TaskView

# --- refusing crafted input at the edge ------------------------------------------------------------------

#: the earliest and latest instants a query may name: years 1–9999 with a day to spare, so the value can be
#: shown in any time zone (and compared with the read model's UTC) without leaving the calendar
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 30, tzinfo=UTC)


def _within_calendar(value: datetime) -> datetime:
    if not EARLIEST <= value <= LATEST:  # aware values compare by their UTC instant, without converting
        raise ValueError("must lie between 0001-01-02 and 9999-12-30 (UTC)")
    return value


#: the largest id or sequence number a query may name (a database's 64-bit integer)
MAX_ID = 2**63 - 1

#: an aware datetime whose UTC instant lies within the calendar: every datetime a query takes
UtcDatetime = Annotated[AwareDatetime, AfterValidator(_within_calendar)]


#: control characters that are not text (C0 but tab, line feed and carriage return; and XML's non-characters):
#: stored, they would make the Open311 XML feed unparseable for everyone
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("contains a lone surrogate (half of a UTF-16 pair), which is not text") from None
    if _CONTROLS.search(value):
        raise ValueError("contains a control character (U+0000–U+001F other than tab and line breaks)")
    return value


def text_problem(value: str) -> str | None:
    """Why ``value`` is not text we store, or None."""
    try:
        _text(value)
    except ValueError as exc:
        return str(exc)
    return None


#: a string that is text: JSON's ``"\ud800"`` (half a surrogate pair) and control characters are refused
Text = Annotated[str, AfterValidator(_text)]


def _web_link(value: str) -> str:
    """A link staff will click: an https URL (no ``javascript:``, ``data:`` or plain http)."""
    parts = urlsplit(value)
    if parts.scheme.lower() != "https" or not parts.netloc or any(c.isspace() for c in value):
        raise ValueError("must be an https URL")
    return value


#: a photo (or other attachment) given by its address
PhotoUrl = Annotated[Text, AfterValidator(_web_link), Field(max_length=2000)]

#: how deep an action's ``data`` may nest (the payloads nest two or three levels)
MAX_DATA_DEPTH = 32


def _plain_data(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` nests at most ``MAX_DATA_DEPTH`` levels and its keys and strings are text (walked without
    recursion, so no depth can exhaust the stack)."""
    stack: list[tuple[object, int]] = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DATA_DEPTH:
            raise ValueError(f"nested too deep: at most {MAX_DATA_DEPTH} levels")
        if isinstance(item, dict):
            for key, value in item.items():
                _text(str(key))
                stack.append((value, depth + 1))
        elif isinstance(item, list):
            stack.extend((value, depth + 1) for value in item)
        elif isinstance(item, str):
            _text(item)
    return data


class ReporterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=100)
    phone: Text | None = Field(default=None, max_length=40)
    principal_id: Text | None = Field(default=None, max_length=200,
                                     description="the resident's principal id, when an integration files for one")


class IssueCreate(BaseModel):
    """A report of an issue. ``source`` defaults from the caller's role."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: Text = Field(min_length=1, max_length=200)
    description: Text = Field(min_length=1, max_length=8000)
    matter_code: Text = Field(min_length=1, max_length=100, examples=["heating.no_heat"])
    grid_id: Text | None = Field(default=None, min_length=1, max_length=200, examples=["qh.hd.cy.c1.g1"],
                                 description="the grid; left out, the grid of `location` is found")
    address: Text = Field(min_length=1, max_length=500)
    location: Location | None = None
    reporter: ReporterIn | None = Field(default=None, description="defaults to the calling resident")
    urgent: bool = False
    photos: list[PhotoUrl] = Field(default_factory=list, max_length=20, description="https URLs of photos")
    source: Source | None = None


class ActionIn(BaseModel):
    """An action on one of the issue's tasks, or (no ``task_id``) on the issue itself."""

    model_config = ConfigDict(extra="forbid")

    task_id: Text | None = Field(default=None, max_length=100)
    action: Text = Field(min_length=1, max_length=64, examples=["check_in"])
    data: Annotated[dict[str, Any], AfterValidator(_plain_data)] = Field(
        default_factory=dict, description=f"the action's payload: at most {MAX_DATA_DEPTH} levels deep")


class TaskOut(TaskView):
    yours: bool = Field(description="whether the caller may act on this task now")


class IssueOut(IssueView):
    open_tasks: list[TaskOut]  # type: ignore[assignment]  # narrower than the view's: each task says "yours"
    issue_actions: list[str] = Field(default_factory=list,
                                     description="the issue-level actions the caller may take now (comment, urge, "
                                                 "supervise, withdraw, link_duplicate)")


class IssueSummary(BaseModel):
    issue_id: str
    title: str
    matter_code: str
    category: str
    source: str
    urgent: bool
    grid_id: str
    street_id: str
    step: str
    status: str
    level: str
    lead_unit_id: str | None
    list_type: str | None
    whistle_kind: str | None
    outcome: str | None
    due_at: datetime | None
    overdue: bool
    reworks: int
    urges: int
    created_at: datetime
    closed_at: datetime | None
    holder_unit_ids: list[str] = Field(default_factory=list, description="the units holding its open tasks")


class IssuePage(BaseModel):
    items: list[IssueSummary]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null on the last")


class InboxTask(TaskHead):
    issue_id: str
    issue_title: str
    overdue: bool
    allowed_actions: list[str]


class InboxPage(BaseModel):
    items: list[InboxTask]
    next_cursor: str | None


class UnitOut(BaseModel):
    id: str
    name: str
    name_en: str
    level: str
    kind: str
    parent_id: str | None
    function: str | None
    order: int = 0
    active: bool = True
    successor_id: str | None = None


class MatterOut(BaseModel):
    code: str
    name: str
    name_en: str
    category: str
    category_name: str
    departments: list[str]
    list_type: str
    report_hours: float
    handling_days: dict[str, int]
    on_the_spot: bool
    mediation: bool


class Health(BaseModel):
    status: str
    checks: dict[str, str] = Field(default_factory=dict)
