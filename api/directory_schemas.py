"""The directory's HTTP shapes (``/v1/directory``, ``/v1/admin``): its versions, the changes between them, what a
change applied, the people of a subtree, one record to set, and a refused file's problems by sheet, row and
column."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from api.problems import Problem, SheetProblem
from domain.directory import Change, RecordKind
from domain.directory_check import DirectoryInvalid
from domain.directory_check import Problem as FileProblem
from domain.directory_columns import column
from domain.organisation import Role


class VersionOut(BaseModel):
    version: int
    at: datetime
    author: str
    reason: str
    source: str
    counts: dict[str, dict[str, int]]


class ChangeOut(BaseModel):
    kind: RecordKind
    key: str
    what: str = Field(description="added, changed or removed")
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class DiffOut(BaseModel):
    start: int
    end: int
    changes: list[ChangeOut]


class AppliedOut(BaseModel):
    version: int | None = Field(description="the new version; null when nothing changed or on a dry run")
    dry_run: bool
    signalled: int = Field(0, description="running issues told to hand their open work over")
    not_told: int = Field(0, description="running issues that could not be told now (Temporal away): the change "
                                         "stands, and `whistle directory handover` tells them")
    counts: dict[str, dict[str, int]]
    changes: list[ChangeOut]


class PrincipalOut(BaseModel):
    id: str
    name: str
    unit_id: str
    unit_name: str
    roles: list[Role]
    subject: str | None
    active: bool


class RecordIn(BaseModel):
    """The fields of one record to set, as the JSON form writes them (the workbook's columns: ``{"active": false,
    "successor_id": "…"}`` retires a unit), and why."""

    record: dict[str, Any]
    reason: str = Field(min_length=1, max_length=500)


def change_out(change: Change) -> ChangeOut:
    return ChangeOut(kind=change.kind, key=change.key, what=change.what, before=change.before, after=change.after)


def _sheet_problems(problems: list[FileProblem]) -> list[SheetProblem]:
    out = []
    for p in problems:
        header = column(p.sheet, p.column).zh if p.column else None
        out.append(SheetProblem(sheet=p.sheet.value, row=p.row, column=header, message=p.text("zh"),
                                message_en=p.text("en")))
    return out


def refused(exc: DirectoryInvalid) -> Problem:
    """A 422 ``directory-invalid`` problem listing every problem of the file, in Chinese and English."""
    return Problem("directory-invalid", f"{len(exc.problems)} problem(s); nothing was changed",
                   problems=_sheet_problems(exc.problems))
