"""Lists from the read model: issues within a jurisdiction, and a principal's inbox.

Both page by keyset (the sort value and the id of the last row), so a page never repeats or skips a row
that was there when the first page was read, however many rows arrive meanwhile.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, case, exists, false, func, literal, or_, select, type_coerce
from sqlalchemy.orm import Session

from store import models
from store.models import UTCDateTime

#: open tasks without a due time sort after every dated one
NEVER = datetime(9999, 1, 1, tzinfo=UTC)

IssueSort = Literal["created_at", "-created_at", "due_at", "-due_at"]


class BadCursor(ValueError):
    """Raised when a cursor was not made by this API (or by another sort)."""


@dataclass(frozen=True)
class Scope:
    """Whose issues: any of the units (staff), reported by, or filed by a principal."""

    units: Collection[str] = ()
    reporter_id: str | None = None
    submitted_by: str | None = None


@dataclass(frozen=True)
class IssueFilters:
    step: str | None = None
    status: str | None = None
    level: str | None = None
    unit: str | None = None
    category: str | None = None
    matter: str | None = None
    overdue: bool | None = None
    urgent: bool | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    due_from: datetime | None = None
    due_to: datetime | None = None
    text: str | None = None


def encode_cursor(sort: str, value: datetime, row_id: str) -> str:
    raw = json.dumps({"s": sort, "v": value.isoformat(), "id": row_id}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[datetime, str]:
    """The sort value and row id of a cursor :func:`encode_cursor` made — and nothing else: the cursor must be
    exactly what it would make of them (an object of three strings, the value an instant in UTC), so a forged
    one is a :class:`BadCursor`, never a query."""
    not_ours = BadCursor("the cursor is not one this API made")
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, RecursionError):  # not base64, not UTF-8, not JSON
        raise not_ours from None
    if not (isinstance(raw, dict) and set(raw) == {"s", "v", "id"} and all(isinstance(v, str) for v in raw.values())):
        raise not_ours
    if raw["s"] != sort:
        raise BadCursor(f"the cursor belongs to another sort, not {sort!r}")
    try:
        value = datetime.fromisoformat(raw["v"])
    except ValueError:
        raise not_ours from None
    if value.utcoffset() != timedelta(0) or encode_cursor(sort, value, raw["id"]) != cursor:
        raise not_ours  # naive, another zone, or not in the form this API writes
    return value, raw["id"]


def _units_clause(units: Collection[str]) -> ColumnElement[bool]:
    if not units:
        return false()
    ids = list(units)
    I = models.Issue
    T = models.Task
    # per issue row (an index lookup on tasks.issue_id), not "id IN (every issue any of these units held)": at a
    # million issues a street's units have held millions of tasks, and that set was built for every page
    tasked = exists().where(T.issue_id == I.id, T.unit_id.in_(ids))
    return or_(I.grid_id.in_(ids), I.community_id.in_(ids), I.street_id.in_(ids), I.district_id.in_(ids),
               I.city_id.in_(ids), tasked)


def _scope_clause(scope: Scope) -> ColumnElement[bool]:
    parts: list[ColumnElement[bool]] = []
    if scope.units:
        parts.append(_units_clause(scope.units))
    if scope.reporter_id:
        parts.append(models.Issue.reporter_principal_id == scope.reporter_id)
    if scope.submitted_by:
        parts.append(models.Issue.submitted_by == scope.submitted_by)
    return or_(*parts) if parts else false()


def _filter_clauses(f: IssueFilters) -> list[ColumnElement[bool]]:
    I = models.Issue
    out: list[ColumnElement[bool]] = []
    equal: list[tuple[Any, object]] = [(I.step, f.step), (I.status, f.status), (I.level, f.level),
                                       (I.category, f.category), (I.matter_code, f.matter), (I.overdue, f.overdue),
                                       (I.urgent, f.urgent)]
    for column, value in equal:
        if value is not None:
            out.append(column == value)
    if f.unit:
        out.append(or_(I.lead_unit_id == f.unit, _units_clause([f.unit])))
    ranges: list[tuple[Any, datetime | None, datetime | None]] = [
        (I.created_at, f.created_from, f.created_to), (I.due_at, f.due_from, f.due_to)]
    for column, low, high in ranges:
        if low is not None:
            out.append(column >= low)
        if high is not None:
            out.append(column < high)
    if f.text:
        words = [w for w in f.text.split() if w][:8]
        for w in words:
            pattern = "%" + w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            out.append(or_(I.title.ilike(pattern, escape="\\"), I.id.ilike(pattern, escape="\\"),
                           I.matter_code.ilike(pattern, escape="\\")))
    return out


def _keyed(stmt: Any, key: Any, id_col: Any, descending: bool, after: tuple[datetime, str] | None) -> Any:
    if after is not None:
        value, row_id = after
        v = type_coerce(literal(value), UTCDateTime())
        stmt = stmt.where(or_(key < v, and_(key == v, id_col < row_id)) if descending
                          else or_(key > v, and_(key == v, id_col > row_id)))
    return stmt.order_by(key.desc(), id_col.desc()) if descending else stmt.order_by(key.asc(), id_col.asc())


def _due_key(column: Any) -> ColumnElement[Any]:
    return func.coalesce(column, type_coerce(literal(NEVER), UTCDateTime()))


def holders(session: Session, issue_ids: Collection[str]) -> dict[str, list[str]]:
    """The units holding each issue's open tasks (one query for a page of issues)."""
    T = models.Task
    out: dict[str, list[str]] = {i: [] for i in issue_ids}
    if not issue_ids:
        return out
    rows = session.execute(select(T.issue_id, T.unit_id).where(T.issue_id.in_(list(issue_ids)), T.status == "open")
                           .distinct().order_by(T.issue_id, T.unit_id))
    for issue_id, unit_id in rows:
        out[issue_id].append(unit_id)
    return out


def list_issues(session: Session, scope: Scope, filters: IssueFilters, sort: IssueSort = "-created_at",
                limit: int = 50, cursor: str | None = None) -> tuple[Sequence[models.Issue], str | None]:
    I = models.Issue
    field = sort.lstrip("-")
    key = I.created_at if field == "created_at" else _due_key(I.due_at)
    after = decode_cursor(cursor, sort) if cursor else None
    stmt = select(I).where(_scope_clause(scope), *_filter_clauses(filters))
    rows = session.scalars(_keyed(stmt, key, I.id, sort.startswith("-"), after).limit(limit + 1)).all()
    page, more = rows[:limit], len(rows) > limit
    if not more:
        return page, None
    last = page[-1]
    value = last.created_at if field == "created_at" else (last.due_at or NEVER)
    return page, encode_cursor(sort, value, last.id)


#: the inbox's queues (待签收 / 在办 / 将超时 / 已超时 / 待回访)
QUEUES = ("unclaimed", "claimed", "due_soon", "overdue", "follow_up")
#: a task due within this is "due soon" (将超时)
DUE_SOON = timedelta(hours=24)
#: the tasks of the feedback and evaluation steps, and the review after them (待回访)
FOLLOW_UP_KINDS = ("verify_result", "evaluate", "review")


def _role_match(roles: Collection[str]) -> ColumnElement[bool]:
    """A task that needs one of ``roles``: its comma-separated roles hold one of them whole, never a part of one (the
    four forms on the column itself: a little faster than matching the column wrapped in commas, docs/BENCHMARKS.md)."""
    listed = models.Task.roles
    return or_(*(or_(listed == r, listed.startswith(f"{r},", autoescape=True),
                     listed.endswith(f",{r}", autoescape=True), listed.contains(f",{r},", autoescape=True))
                 for r in roles)) if roles else false()


def _queue_conditions(principal_id: str, unit_id: str, roles: Collection[str], now: datetime) -> dict[str, Any]:
    T = models.Task
    unclaimed = and_(T.unit_id == unit_id, T.principal_id.is_(None), T.claimed_by.is_(None), _role_match(roles))
    return {
        "unclaimed": unclaimed,
        "claimed": T.claimed_by == principal_id,
        "due_soon": and_(T.due_at >= now, T.due_at < now + DUE_SOON),
        "overdue": T.due_at < now,
        "follow_up": T.kind.in_(FOLLOW_UP_KINDS),
    }


def _mine(principal_id: str, unit_id: str, roles: Collection[str], now: datetime) -> Any:
    """Open tasks for this principal: their own (a resident's evaluation), those they claimed, and the
    unclaimed ones of their unit that need one of their roles."""
    T = models.Task
    queues = _queue_conditions(principal_id, unit_id, roles, now)
    return and_(T.status == "open", or_(T.principal_id == principal_id, queues["claimed"], queues["unclaimed"]))


def inbox_counts(session: Session, principal_id: str, unit_id: str, roles: Collection[str],
                 now: datetime) -> dict[str, int]:
    """How many of the principal's open tasks each queue holds (one query)."""
    queues = _queue_conditions(principal_id, unit_id, roles, now)
    columns = [func.coalesce(func.sum(case((cond, 1), else_=0)), 0).label(name) for name, cond in queues.items()]
    row = session.execute(select(func.count().label("all"), *columns).select_from(models.Task)
                          .where(_mine(principal_id, unit_id, roles, now))).one()
    return {"all": int(row[0]), **{name: int(row[i + 1]) for i, name in enumerate(queues)}}


def inbox(session: Session, principal_id: str, unit_id: str, roles: Collection[str], *, kind: str | None = None,
          due_before: datetime | None = None, overdue: bool | None = None, now: datetime | None = None, limit: int = 50,
          cursor: str | None = None, queue: str | None = None) -> tuple[Sequence[tuple[models.Task, str]], str | None]:
    """Open tasks for this principal (see :func:`_mine`), or one queue of them. Earliest due first."""
    T = models.Task
    at_now = now or datetime.now(UTC)
    stmt = select(T, models.Issue.title).join(models.Issue, models.Issue.id == T.issue_id).where(
        _mine(principal_id, unit_id, roles, at_now))
    if queue is not None:
        stmt = stmt.where(_queue_conditions(principal_id, unit_id, roles, at_now)[queue])
    if kind:
        stmt = stmt.where(T.kind == kind)
    if due_before is not None:
        stmt = stmt.where(T.due_at < due_before)
    if overdue is not None:
        at = now or datetime.now(UTC)
        stmt = stmt.where(T.due_at < at if overdue else or_(T.due_at.is_(None), T.due_at >= at))
    key = _due_key(T.due_at)
    after = decode_cursor(cursor, "due_at") if cursor else None
    rows: list[tuple[models.Task, str]] = [
        (row[0], row[1]) for row in session.execute(_keyed(stmt, key, T.id, False, after).limit(limit + 1))]
    page, more = rows[:limit], len(rows) > limit
    if not more:
        return page, None
    last = page[-1][0]
    return page, encode_cursor("due_at", last.due_at or NEVER, last.id)


def open_claims(session: Session) -> list[tuple[str, str, str]]:
    """Every claimed open task as (issue, unit, who claimed it)."""
    T = models.Task
    rows = session.execute(select(T.issue_id, T.unit_id, T.claimed_by).where(T.status == "open",
                                                                             T.claimed_by.is_not(None)))
    return [(issue_id, unit_id, who) for issue_id, unit_id, who in rows if who is not None]


def issues_with_open_tasks_at(session: Session, unit_ids: Collection[str], limit: int) -> set[str]:
    """The issues with an open task at one of ``unit_ids`` (at most ``limit``)."""
    T = models.Task
    return set(session.scalars(select(T.issue_id).where(T.status == "open", T.unit_id.in_(unit_ids))
                               .distinct().limit(limit)))
