"""The messages of the issue workflow: what starts an issue and what is sent to it.

Each message is one model named for what it carries; fields are only ever added with defaults, so
running workflows keep working (DESIGN §4; STYLE "Each message … is one model"). The state an issue
keeps is in :mod:`domain.state`, what the world sees of it in :mod:`domain.views`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from domain.organisation import Role

ISSUE_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


def issue_workflow_id(issue_id: str) -> str:
    """The one place that names an issue's workflow."""
    return f"issue-{issue_id}"


class Source(StrEnum):
    resident = "resident"  # the resident themself, through an app or the mini-program
    hotline = "hotline"  # 12345 and other hotlines
    open311 = "open311"
    grid_worker = "grid_worker"  # found on patrol
    inspection = "inspection"  # found by a supervisor or an inspection

    @property
    def is_resident_request(self) -> bool:
        return self in (Source.resident, Source.hotline, Source.open311)


# --- the start input ---------------------------------------------------------------------------------


class Location(BaseModel):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Reporter(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    phone: str | None = Field(default=None, max_length=40)
    principal_id: str | None = Field(default=None, max_length=200)


class IssueReport(BaseModel):
    """What a resident, a hotline or a grid worker reports: the start input of an issue."""

    model_config = ConfigDict(extra="forbid")

    issue_id: str = Field(pattern=ISSUE_ID_PATTERN)
    source: Source
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=8000)
    matter_code: str = Field(min_length=1, max_length=100)
    grid_id: str = Field(min_length=1, max_length=200)
    address: str = Field(min_length=1, max_length=500)
    location: Location | None = None
    reporter: Reporter
    urgent: bool = False
    photos: list[str] = Field(default_factory=list, max_length=20)
    submitted_by: str | None = None  # principal id of the integration or staff member that filed it
    reported_at: datetime | None = None


class IssueConfig(BaseModel):
    """Knobs a starter may set; defaults suit production."""

    history_limit: int = Field(default=5000, ge=50)  # continue-as-new past this many events


# --- sent to a running issue --------------------------------------------------------------------------


class Actor(BaseModel):
    principal_id: str = Field(min_length=1, max_length=200)
    unit_id: str = Field(min_length=1, max_length=200)
    roles: list[Role] = Field(min_length=1)


class ActionRequest(BaseModel):
    """An action on a task (``task_id``) or on the issue itself (no task id)."""

    task_id: str | None = None
    action: str = Field(min_length=1, max_length=64)
    actor: Actor
    data: dict[str, Any] = Field(default_factory=dict)


class FollowerLink(BaseModel):
    """Sent to an open issue when another report is linked to it as a duplicate ("me too")."""

    duplicate_issue_id: str
    reporter: Reporter
    reporter_unit_id: str | None = None
    linked_by: str


class Handover(BaseModel):
    """Sent to an open issue when the directory changed under it: the open tasks of retired units go to their
    successors (``moves``: retired unit → successor), and deactivated people's claims go back to their units."""

    moves: dict[str, str] = {}
    released: list[str] = []
    version: int
    reason: str
    #: each successor's parent, so that the issue finds the successor's place on the ladder (who sees it, who is
    #: above it) as it finds every unit it involves
    parents: dict[str, str | None] = {}
