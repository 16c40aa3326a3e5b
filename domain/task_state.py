"""A task of an issue: who must act, by when, what it is about, and what became of it.

A task's id is its issue's id and its number within the issue (:func:`task_id_for`, :func:`issue_of_task`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.actions import TaskKind
from domain.catalogue import ListType
from domain.deadlines import Duration
from domain.organisation import Level, Role


def task_id_for(issue_id: str, number: int) -> str:
    """The id of an issue's ``number``-th task."""
    return f"{issue_id}.{number}"


def issue_of_task(task_id: str) -> str | None:
    """The issue a task id belongs to, or None when it is not a task id."""
    issue_id, dot, number = task_id.rpartition(".")
    return issue_id if dot and issue_id and number.isdigit() else None


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


class Rater(StrEnum):
    """Who an evaluate task asks."""

    resident = "resident"
    follower = "follower"  # the reporter of a duplicate linked to the issue
    whistler = "whistler"


class Mark(StrEnum):
    """The instants at which something fires on an open task (:mod:`domain.timers`)."""

    remind = "remind"
    remind50 = "remind50"
    remind80 = "remind80"
    due = "due"
    second_due = "second_due"
    red = "red"

    @property
    def is_reminder(self) -> bool:
        return self in (Mark.remind, Mark.remind50, Mark.remind80)


# --- tasks -------------------------------------------------------------------------------------------


class TaskStatus(StrEnum):
    open = "open"
    done = "done"
    timed_out = "timed_out"
    moved = "moved"  # handed to the next level up, or the lead taken away
    cancelled = "cancelled"


class TaskHead(BaseModel):
    """What every shape of a task shares: the live task, its view, its snapshot in the read model, the inbox."""

    task_id: str
    kind: TaskKind
    step: Step
    unit_id: str
    roles: list[Role]
    principal_id: str | None = None  # set when one person must act (the resident's evaluation)
    claimed_by: str | None = None
    opened_at: datetime
    due_at: datetime | None = None  # None until the calendar activity answers
    provisional: bool = False  # the deadline counts a year whose official arrangement is not published yet


class TaskDetails(BaseModel):
    """What a task of a kind knows beyond its head; each field belongs to the kinds named beside it."""

    level: Level | None = None  # the level the task sits at (verify, approvals, dispatch, consult, review, supervision)
    mediation: bool = False  # verify: a step of the 三级七天 ladder
    sent_back: str | None = None  # verify: why the whistle was sent back
    suggested_unit_ids: list[str] | None = None  # dispatch: the catalogue's suggestion
    reason: str | None = None  # dispatch: why it is here; approve_extension: why more days
    dispatch_level: Level | None = None  # report: the level that summoned the unit
    summoned_by: str | None = None  # report
    units: list[str] | None = None  # consult: the units that checked in
    understanding_denied: str | None = None  # consult, after a denied understanding-list case
    list_type: ListType | None = None  # handle
    lead_unit_id: str | None = None  # assist
    days: int | None = None  # approve_extension
    for_task_id: str | None = None  # approve_extension, supervision: the handling task it is about
    for_unit_id: str | None = None
    result: str | None = None  # verify_result: the result to verify
    rater: Rater | None = None  # evaluate
    duplicate_issue_id: str | None = None  # evaluate, by a follower

    def details(self) -> dict[str, Any]:
        """The details that are set, as the view's ``data``."""
        return self.model_dump(mode="json", include=set(TaskDetails.model_fields), exclude_defaults=True)


class Task(TaskHead, TaskDetails):
    model_config = ConfigDict(extra="forbid")  # a misspelt detail is an error, not silently dropped

    duration: Duration
    window_start: datetime  # opened_at, moved later by stopped clock time
    deadline_from: datetime | None = None  # an extension counts from the old due time, not the window start
    red_at: datetime | None = None
    red_after_working_days: int | None = None
    status: TaskStatus = TaskStatus.open
    closed_at: datetime | None = None
    outcome: str | None = None
    closed_by: str | None = None
    late: bool = False
    marks_fired: list[Mark] = Field(default_factory=list)
    clock_stopped_at: datetime | None = None
    stopped_seconds: float = 0.0
    lost_from: datetime | None = None  # a restarted clock: the span whose working time the deadline gains
    lost_to: datetime | None = None
    deadline_base: datetime | None = None  # where the current deadline was counted from (to count it again)

    @model_validator(mode="before")
    @classmethod
    def _from_data(cls, values: Any) -> Any:
        """Issues started before the details were typed carried them in a ``data`` dict."""
        if isinstance(values, dict) and isinstance(values.get("data"), dict):
            values = dict(values)
            data = values.pop("data")
            values = {**{k: v for k, v in data.items() if k in TaskDetails.model_fields}, **values}
        return values

    @property
    def is_open(self) -> bool:
        return self.status is TaskStatus.open

    @property
    def overdue(self) -> bool:
        return Mark.due in self.marks_fired
