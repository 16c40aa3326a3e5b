"""The API's HTTP shapes: separate from the workflow's messages and the database's rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from domain.actions import TaskKind
from domain.messages import Location, Source
from domain.organisation import Role
from domain.state import Step
from domain.views import IssueView, TaskView


class ReporterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    phone: str | None = Field(default=None, max_length=40)
    principal_id: str | None = Field(default=None, max_length=200,
                                     description="the resident's principal id, when an integration files for one")


class IssueCreate(BaseModel):
    """A report of an issue. ``source`` defaults from the caller's role."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=8000)
    matter_code: str = Field(min_length=1, max_length=100, examples=["heating.no_heat"])
    grid_id: str | None = Field(default=None, min_length=1, max_length=200, examples=["qh.hd.cy.c1.g1"],
                                description="the grid; left out, the grid of `location` is found")
    address: str = Field(min_length=1, max_length=500)
    location: Location | None = None
    reporter: ReporterIn | None = Field(default=None, description="defaults to the calling resident")
    urgent: bool = False
    photos: list[str] = Field(default_factory=list, max_length=20)
    source: Source | None = None


class ActionIn(BaseModel):
    """An action on one of the issue's tasks, or (no ``task_id``) on the issue itself."""

    model_config = ConfigDict(extra="forbid")

    task_id: str | None = Field(default=None, max_length=100)
    action: str = Field(min_length=1, max_length=64, examples=["check_in"])
    data: dict[str, Any] = Field(default_factory=dict)


class TaskOut(TaskView):
    yours: bool = Field(description="whether the caller may act on this task now")


class IssueOut(IssueView):
    open_tasks: list[TaskOut]  # type: ignore[assignment]  # narrower than the view's: each task says "yours"


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


class IssuePage(BaseModel):
    items: list[IssueSummary]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null on the last")


class InboxTask(BaseModel):
    task_id: str
    issue_id: str
    issue_title: str
    kind: TaskKind
    step: Step
    unit_id: str
    roles: list[Role]
    principal_id: str | None
    claimed_by: str | None
    opened_at: datetime
    due_at: datetime | None
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
