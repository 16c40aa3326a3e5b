"""The messages of the issue workflow and the state it keeps.

Each message is one model named for what it carries; fields are only ever added with defaults, so
running workflows keep working (DESIGN §4; STYLE "Each message … is one model").
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from domain.actions import Rating, TaskKind, WhistleKind
from domain.catalogue import ListType, Matter
from domain.deadlines import Duration
from domain.organisation import Level, Role, UnitRef

ISSUE_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


def issue_workflow_id(issue_id: str) -> str:
    """The one place that names an issue's workflow."""
    return f"issue-{issue_id}"


class Step(StrEnum):
    discovery = "discovery"
    whistle = "whistle"
    report = "report"
    consultation = "consultation"
    handling = "handling"
    feedback = "feedback"
    evaluation = "evaluation"
    review = "review"


STEPS_BEFORE_HANDLING_ENDS = frozenset(
    {Step.discovery, Step.whistle, Step.report, Step.consultation, Step.handling}
)


class Status(StrEnum):
    open = "open"
    closed = "closed"
    rejected = "rejected"
    withdrawn = "withdrawn"


class Source(StrEnum):
    resident = "resident"  # the resident themself, through an app or the mini-program
    hotline = "hotline"  # 12345 and other hotlines
    open311 = "open311"
    grid_worker = "grid_worker"  # found on patrol
    inspection = "inspection"  # found by a supervisor or an inspection

    @property
    def is_resident_request(self) -> bool:
        return self in (Source.resident, Source.hotline, Source.open311)


# --- start input -----------------------------------------------------------------------------------


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


class IssueInput(BaseModel):
    report: IssueReport
    config: IssueConfig = Field(default_factory=IssueConfig)
    state: IssueState | None = None  # carried over whole by continue-as-new


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


# --- actions ---------------------------------------------------------------------------------------


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


# --- state -----------------------------------------------------------------------------------------


class TaskStatus(StrEnum):
    open = "open"
    done = "done"
    timed_out = "timed_out"
    moved = "moved"  # handed to the next level up
    cancelled = "cancelled"


class Task(BaseModel):
    task_id: str
    kind: TaskKind
    step: Step
    unit_id: str
    roles: list[Role]
    principal_id: str | None = None  # set when one person must act (the resident's evaluation)
    claimed_by: str | None = None
    opened_at: datetime
    duration: Duration
    window_start: datetime  # opened_at, moved later by stopped clock time
    deadline_from: datetime | None = None  # an extension counts from the old due time, not the window start
    due_at: datetime | None = None  # None until the calendar activity answers
    red_at: datetime | None = None
    red_after_working_days: int | None = None
    status: TaskStatus = TaskStatus.open
    closed_at: datetime | None = None
    outcome: str | None = None
    closed_by: str | None = None
    late: bool = False
    marks_fired: list[str] = Field(default_factory=list)
    clock_stopped_at: datetime | None = None
    stopped_seconds: float = 0.0
    lost_from: datetime | None = None  # a restarted clock: the span whose working time the deadline gains
    lost_to: datetime | None = None
    data: dict[str, Any] = Field(default_factory=dict)

    @property
    def is_open(self) -> bool:
        return self.status is TaskStatus.open


class TimelineEvent(BaseModel):
    seq: int
    at: datetime
    step: Step
    kind: str
    actor_id: str | None = None  # None: the system (a timer)
    unit_id: str | None = None
    task_id: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class WarningRecord(BaseModel):
    at: datetime
    color: str  # "reminder" | "yellow" | "red"
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
    as_role: str  # "resident" | "whistler" | "follower"
    rating: Rating | None  # None: no answer within the window
    comment: str | None = None
    round: int = 1  # an issue reopened after review is evaluated again


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


class Follower(BaseModel):
    issue_id: str
    reporter: Reporter
    unit_id: str | None = None


#: The rules an issue runs by. 1: issues started before the review of the step table (their histories
#: replay unchanged); 2: a late approval dispatches at the street, reworks are limited per round, stopped
#: time is working time, red opens a supervision task, a late follower is asked to evaluate.
CURRENT_RULES = 2


class IssueState(BaseModel):
    """Everything an issue knows; handed whole to continue-as-new."""

    issue_id: str
    rules: int = 1  # absent from the state of issues started before rules 2
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
    resolution: str | None = None
    reworks: int = 0  # every return for rework, for the statistics
    round_reworks: int = 0  # returns in this round of summoning (the limit is per round)
    reopens: int = 0
    evaluation_round: int = 0
    urges: int = 0
    supervisions: int = 0
    tasks: dict[str, Task] = Field(default_factory=dict)
    next_task_no: int = 1
    events: list[TimelineEvent] = Field(default_factory=list)
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
    projected_seq: int = 0  # the read model holds every event up to here

    def open_tasks(self) -> list[Task]:
        return [t for t in self.tasks.values() if t.is_open]


# --- what the world sees ---------------------------------------------------------------------------


class TaskView(BaseModel):
    task_id: str
    kind: TaskKind
    step: Step
    unit_id: str
    roles: list[Role]
    principal_id: str | None
    claimed_by: str | None
    opened_at: datetime
    due_at: datetime | None
    overdue: bool
    clock_stopped: bool
    allowed_actions: list[str]
    data: dict[str, Any]


class IssueView(BaseModel):
    """The live state of an issue: the answer of the ``state`` query and of every ``act`` update."""

    issue_id: str
    title: str
    step: Step
    status: Status
    level: Level
    matter_code: str
    matter_name: str
    category: str
    urgent: bool
    whistle_kind: WhistleKind | None
    lead_unit_id: str | None
    co_unit_ids: list[str]
    list_type: ListType | None
    open_tasks: list[TaskView]
    warnings: list[WarningRecord]
    escalations: list[Escalation]
    ratings: list[RatingRecord]
    outcome: str | None
    resolution: str | None
    reworks: int
    urges: int
    duplicate_of: str | None
    followers: list[str]
    last_seq: int
    projected_seq: int  # the read model holds events up to here; below last_seq while it catches up
    runs: int


class TaskRecord(BaseModel):
    task_id: str
    kind: TaskKind
    step: Step
    unit_id: str
    opened_at: datetime
    due_at: datetime | None
    closed_at: datetime | None
    status: TaskStatus
    outcome: str | None
    closed_by: str | None
    met_deadline: bool | None  # None while open or when cancelled


class IssueRecord(BaseModel):
    """The result of a closed issue: the full record for the quarterly assessment."""

    issue_id: str
    status: Status
    outcome: str | None
    resolution: str | None
    matter_code: str
    category: str
    lead_unit_id: str | None
    co_unit_ids: list[str]
    list_type: ListType | None
    whistle: WhistleRecord | None
    steps: list[StepRecord]
    tasks: list[TaskRecord]
    escalations: list[Escalation]
    warnings: list[WarningRecord]
    ratings: list[RatingRecord]
    reworks: int
    urges: int
    supervisions: int
    events: list[TimelineEvent]
    runs: int
    closed_at: datetime | None


IssueInput.model_rebuild()
