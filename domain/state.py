"""The state an issue keeps: its tasks, timeline, warnings, escalations and ratings, handed whole to
continue-as-new. Data that steers behaviour is typed — fields and ``StrEnum``s — never read by string key.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from domain.actions import Rating, TaskKind, WhistleKind
from domain.catalogue import ListType, Matter
from domain.messages import IssueConfig, IssueReport, Reporter
from domain.organisation import Level, UnitRef
from domain.rules import DEFAULT_RULES, Rules
from domain.task_state import Rater, Step, Task


class Status(StrEnum):
    open = "open"
    closed = "closed"
    rejected = "rejected"
    withdrawn = "withdrawn"


class Resolution(StrEnum):
    resolved = "resolved"
    resolved_on_site = "resolved_on_site"  # 即查即办
    mediated = "mediated"  # settled on the 三级七天 ladder
    rejected = "rejected"
    withdrawn = "withdrawn"
    duplicate = "duplicate"


class Color(StrEnum):
    """How loud a warning is."""

    reminder = "reminder"
    yellow = "yellow"
    red = "red"


class EventKind(StrEnum):
    """What a timeline event records. Issue-level actions record their own name."""

    reported = "reported"
    step_entered = "step_entered"
    task_opened = "task_opened"
    task_closed = "task_closed"
    deadline_set = "deadline_set"
    calendar_note = "calendar_note"
    action = "action"
    whistle = "whistle"
    reclassified = "reclassified"
    lead_named = "lead_named"
    minutes = "minutes"
    clock_restarted = "clock_restarted"
    extension_granted = "extension_granted"
    extension_denied = "extension_denied"
    extension_lapsed = "extension_lapsed"
    feedback = "feedback"
    auto_accepted = "auto_accepted"
    returned_for_rework = "returned_for_rework"
    reopened = "reopened"
    reassigned = "reassigned"
    reminder = "reminder"
    warning = "warning"
    escalated = "escalated"
    supervise = "supervise"
    urge = "urge"
    comment = "comment"
    withdraw = "withdraw"
    link_duplicate = "link_duplicate"
    duplicate_linked = "duplicate_linked"
    handed_over = "handed_over"  # a retired unit's open task went to its successor
    claim_released = "claim_released"  # a deactivated person's claim went back to the unit
    issue_closed = "issue_closed"


# --- context loaded by an activity -----------------------------------------------------------------


class MatterContext(BaseModel):
    """A matter and the units that may be summoned for it at each dispatching level."""

    matter: Matter
    routable: dict[Level, list[UnitRef]]
    suggested: dict[Level, list[str]]


class IssueContext(BaseModel):
    ladder: dict[Level, UnitRef]
    matter: MatterContext
    matter_codes: list[str]
    parents: dict[str, str | None]  # parent of every unit the issue may involve
    reporter_unit_id: str | None = None
    submitter_unit_id: str | None = None
    #: the district's rules when the issue was reported, kept to the end (an issue reported before rules were
    #: data recorded none, and has the defaults: the values that were constants then)
    rules: Rules = DEFAULT_RULES


# --- the issue --------------------------------------------------------------------------------------


class TimelineEvent(BaseModel):
    seq: int
    at: datetime
    step: Step
    kind: str  # an EventKind, or an issue-level action's name
    actor_id: str | None = None  # None: the system (a timer)
    unit_id: str | None = None
    task_id: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class WarningRecord(BaseModel):
    at: datetime
    color: Color
    task_id: str
    unit_id: str
    message: str


class Escalation(BaseModel):
    at: datetime
    from_level: Level | None
    to_level: Level | None
    from_unit_id: str | None
    to_unit_id: str | None
    by: str | None  # principal id, or None for a timer
    reason: str
    task_kind: TaskKind


class RatingRecord(BaseModel):
    at: datetime
    principal_id: str | None
    unit_id: str | None
    as_role: Rater
    rating: Rating | None  # None: no answer within the window
    comment: str | None = None
    round: int = 1  # an issue reopened after review is evaluated again
    for_unit_id: str | None = None  # the whistler's rating of one unit that took part (报到者; rules 3)


class WhistleRecord(BaseModel):
    kind: WhistleKind
    note: str
    by: str
    unit_id: str
    level: Level
    at: datetime


class StepRecord(BaseModel):
    step: Step
    entered_at: datetime
    left_at: datetime | None = None


class RecentAction(BaseModel):
    """An issue-level action of the last day, for the daily caps on comments and urges."""

    action: str
    principal_id: str
    at: datetime


class Follower(BaseModel):
    issue_id: str
    reporter: Reporter
    unit_id: str | None = None


class IssueState(BaseModel):
    """Everything an issue knows; handed whole to continue-as-new."""

    issue_id: str
    rules: int = 1  # the rule version (domain.rule_versions); absent from issues started before rules 2
    report: IssueReport
    context: IssueContext
    config: IssueConfig = Field(default_factory=IssueConfig)
    step: Step = Step.discovery
    status: Status = Status.open
    level: Level = Level.grid
    matter: Matter
    whistle: WhistleRecord | None = None
    emergency: bool = False
    dispatch_level: Level | None = None
    summoned: list[str] = Field(default_factory=list)  # units summoned this round
    checked_in: list[str] = Field(default_factory=list)
    declined: list[str] = Field(default_factory=list)
    lead_unit_id: str | None = None
    co_unit_ids: list[str] = Field(default_factory=list)
    list_type: ListType | None = None
    pending_conclusion: dict[str, Any] | None = None
    handling_days_override: int | None = None
    resolution: Resolution | None = None
    reworks: int = 0  # every return for rework, for the statistics
    round_reworks: int = 0  # returns in this round of summoning (the limit is per round)
    reopens: int = 0
    evaluation_round: int = 0
    urges: int = 0
    supervisions: int = 0
    tasks: dict[str, Task] = Field(default_factory=dict)
    next_task_no: int = 1
    events: list[TimelineEvent] = Field(default_factory=list)  # the latest; the read model keeps them all
    next_seq: int = 1
    warnings: list[WarningRecord] = Field(default_factory=list)
    escalations: list[Escalation] = Field(default_factory=list)
    ratings: list[RatingRecord] = Field(default_factory=list)
    steps: list[StepRecord] = Field(default_factory=list)
    followers: list[Follower] = Field(default_factory=list)
    duplicate_of: str | None = None
    outcome: str | None = None
    notes: list[str] = Field(default_factory=list)  # e.g. the calendar fell back to weekends only
    runs: int = 1
    closed_at: datetime | None = None
    created_at: datetime | None = None  # absent from issues started before events were trimmed
    projected_seq: int = 0  # the read model holds every event up to here
    recent_actions: list[RecentAction] = Field(default_factory=list)  # the last day's comments and urges

    def open_tasks(self) -> list[Task]:
        return [t for t in self.tasks.values() if t.is_open]


class IssueInput(BaseModel):
    """The start input of the workflow: a report, or the whole state carried over by continue-as-new."""

    report: IssueReport
    config: IssueConfig = Field(default_factory=IssueConfig)
    state: IssueState | None = None
