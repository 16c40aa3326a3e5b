"""The action vocabulary (DESIGN §4): task kinds, the actions each offers, and the data each takes.

These names are a contract: the API, the console, the command line and other systems use them.
Payload models forbid unknown fields, so a typo is refused rather than ignored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from domain.catalogue import ListType


class TaskKind(StrEnum):
    verify = "verify"
    approve_whistle = "approve_whistle"
    dispatch = "dispatch"
    report = "report"
    consult = "consult"
    approve_understanding = "approve_understanding"
    handle = "handle"
    assist = "assist"
    approve_extension = "approve_extension"
    verify_result = "verify_result"
    evaluate = "evaluate"
    review = "review"
    supervision = "supervision"  # 督办: a handling task went red; the supervisor above decides


class WhistleKind(StrEnum):
    daily = "daily"  # 日常哨
    hard_case = "hard_case"  # 攻坚哨: a consultation is mandatory
    emergency = "emergency"  # 应急哨: check in within 30 minutes, every deadline shrinks


class Rating(StrEnum):
    satisfied = "satisfied"
    basically_satisfied = "basically_satisfied"
    unsatisfied = "unsatisfied"


Text = Field(min_length=1, max_length=4000)
ShortText = Field(min_length=1, max_length=1000)


def options(source: str) -> dict[str, Any]:
    """Where a form finds the choices of a field, published in its JSON schema as ``x-options``: ``units`` (the
    units the task may summon), ``checkedIn`` (those that reported for duty), ``matters`` (the catalogue),
    ``lines`` (free lines, one value each)."""
    return {"x-options": source}


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Empty(Payload):
    pass


class ResultPayload(Payload):
    result: str = Text


class WhistlePayload(Payload):
    kind: WhistleKind
    note: str = Text
    matter_code: str | None = Field(default=None, min_length=1, max_length=100, json_schema_extra=options("matters"))


class ReasonPayload(Payload):
    reason: str = ShortText


class OptionalReasonPayload(Payload):
    reason: str | None = Field(default=None, max_length=1000)


def _distinct_units(v: list[str]) -> list[str]:
    if len(set(v)) != len(v):
        raise ValueError("unit_ids must not repeat a unit")
    return v


class RoutePayload(Payload):
    unit_ids: list[str] = Field(min_length=1, max_length=20, json_schema_extra=options("units"))
    note: str | None = Field(default=None, max_length=1000)

    _distinct = field_validator("unit_ids")(_distinct_units)


class CheckInPayload(Payload):
    note: str | None = Field(default=None, max_length=1000)


class ConcludePayload(Payload):
    lead_unit_id: str = Field(min_length=1, json_schema_extra=options("checkedIn"))
    co_unit_ids: list[str] = Field(default_factory=list, max_length=20, json_schema_extra=options("checkedIn"))
    list_type: ListType
    handling_days: int | None = Field(default=None, ge=1, le=120)
    minutes: str = Text


class NotePayload(Payload):
    text: str = Text


class ExtensionPayload(Payload):
    days: int = Field(ge=1, le=30)
    reason: str = ShortText


class CompletePayload(Payload):
    result: str = Text
    evidence: list[str] = Field(default_factory=list, max_length=20, json_schema_extra=options("lines"))


class RatePayload(Payload):
    rating: Rating
    comment: str | None = Field(default=None, max_length=2000)


class ReopenPayload(Payload):
    handling_days: int = Field(ge=1, le=60)
    reason: str = ShortText


class ClosePayload(Payload):
    explanation: str = Text


class ReassignPayload(Payload):
    unit_ids: list[str] = Field(min_length=1, max_length=20, json_schema_extra=options("units"))
    reason: str = ShortText

    _distinct = field_validator("unit_ids")(_distinct_units)


class IssueNotePayload(Payload):
    note: str = ShortText


class LinkDuplicatePayload(Payload):
    issue_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


#: every task kind → its own actions → payload model (claim/unclaim are offered on every task)
TASK_ACTIONS: dict[TaskKind, dict[str, type[Payload]]] = {
    TaskKind.verify: {"resolve_on_site": ResultPayload, "whistle": WhistlePayload, "reject": ReasonPayload},
    TaskKind.approve_whistle: {"approve": Empty, "send_back": ReasonPayload},
    TaskKind.dispatch: {"route": RoutePayload, "escalate": ReasonPayload},
    TaskKind.report: {"check_in": CheckInPayload, "decline": ReasonPayload},
    TaskKind.consult: {"conclude": ConcludePayload},
    TaskKind.approve_understanding: {"approve": OptionalReasonPayload, "deny": OptionalReasonPayload},
    TaskKind.handle: {
        "note": NotePayload,
        "request_extension": ExtensionPayload,
        "stop_clock": ReasonPayload,
        "start_clock": Empty,
        "complete": CompletePayload,
    },
    TaskKind.assist: {"note": NotePayload, "complete": ResultPayload},
    TaskKind.approve_extension: {"approve": OptionalReasonPayload, "deny": OptionalReasonPayload},
    TaskKind.verify_result: {"accept": Empty, "return_for_rework": ReasonPayload},
    TaskKind.evaluate: {"rate": RatePayload},
    TaskKind.review: {"reopen": ReopenPayload, "close": ClosePayload},
    TaskKind.supervision: {"urge": IssueNotePayload, "extend": ExtensionPayload, "reassign": ReassignPayload},
}

CLAIM_ACTIONS: dict[str, type[Payload]] = {"claim": Empty, "unclaim": Empty}

ISSUE_ACTIONS: dict[str, type[Payload]] = {
    "withdraw": ReasonPayload,
    "comment": NotePayload,
    "urge": IssueNotePayload,
    "supervise": IssueNotePayload,
    "link_duplicate": LinkDuplicatePayload,
}


def actions_for(kind: TaskKind) -> list[str]:
    return [*TASK_ACTIONS[kind], *CLAIM_ACTIONS]


def payload_model(kind: TaskKind | None, action: str) -> type[Payload] | None:
    if kind is None:
        return ISSUE_ACTIONS.get(action)
    return TASK_ACTIONS[kind].get(action) or CLAIM_ACTIONS.get(action)


def describe_payload_error(action: str, errors: Sequence[Mapping[str, Any]]) -> str:
    """A sentence a person can read from pydantic's error list."""
    parts = []
    for err in errors:
        loc = ".".join(str(p) for p in err.get("loc", ())) or "data"
        parts.append(f"{loc}: {err.get('msg', 'invalid')}")
    return f"the data for '{action}' does not fit: " + "; ".join(parts)
