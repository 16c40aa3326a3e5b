"""Errors as RFC 9457 problem details (``application/problem+json``).

Every error the API answers carries a ``type`` (a stable URI per kind of problem, documented at
``/problems/<slug>``), a ``title`` a person can read, the ``status``, a ``detail`` about this
occurrence, the ``instance`` (the request path) and, for bad input, the field ``errors``.
A refusal of the workflow's validator keeps its class name in ``refusal``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain import errors

log = structlog.get_logger("whistle.api")

MEDIA_TYPE = "application/problem+json"

#: slug → (status, title)
KINDS: dict[str, tuple[int, str]] = {
    "bad-request": (400, "The request is malformed"),
    "unauthenticated": (401, "A valid bearer token is required"),
    "not-permitted": (403, "You may not do this"),
    "not-in-directory": (403, "You are not an active person of this district's directory"),
    "not-found": (404, "No such thing here"),
    "task-not-found": (404, "The issue has no such task"),
    "method-not-allowed": (405, "This method is not allowed here"),
    "not-acceptable": (406, "That representation is not available"),
    "wrong-state": (409, "Not possible in the current state"),
    "task-closed": (409, "The task is already closed"),
    "body-too-large": (413, "The request body is too large"),
    "unsupported-media-type": (415, "The body must be JSON"),
    "invalid-input": (422, "The input is not valid"),
    "directory-invalid": (422, "The directory was not changed: it has problems"),
    "action-not-allowed": (422, "This action is not offered here"),
    "invalid-payload": (422, "The action's data does not fit"),
    "idempotency-key-reused": (422, "The Idempotency-Key was used with another request"),
    "rate-limited": (429, "Too many requests"),
    "internal": (500, "Something went wrong on our side"),
    "unavailable": (503, "A service Whistle needs is not reachable"),
    "timeout": (504, "The issue did not answer in time"),
}

#: each error the workflow and its activities send across (``ApplicationError.type``, :mod:`domain.errors`) → problem
#: slug; a class without a row answers as its nearest parent with one
ERRORS: dict[type[errors.WhistleError], str] = {
    errors.WhistleError: "wrong-state",
    errors.UnknownReference: "invalid-input",
    errors.ActionRefused: "wrong-state",
    errors.IssueNotVisible: "not-found",
    errors.TaskNotFound: "task-not-found",
    errors.NotPermitted: "not-permitted",
    errors.WrongState: "wrong-state",
    errors.TaskClosed: "task-closed",
    errors.IssueOpening: "wrong-state",
    errors.ActionNotAllowed: "action-not-allowed",
    errors.InvalidPayload: "invalid-payload",
    errors.TooOften: "rate-limited",
}

_BY_STATUS = {status: slug for slug, (status, _) in reversed(KINDS.items())}


class FieldError(BaseModel):
    field: str
    message: str


class SheetProblem(BaseModel):
    """One thing wrong with a directory file, where it is (a workbook's sheet, row and column header)."""

    sheet: str
    row: int | None = None
    column: str | None = None
    message: str  # in Chinese, as the clerk reads it
    message_en: str


class ProblemDetail(BaseModel):
    """The body of every error response."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None
    refusal: str | None = None
    problems: list[SheetProblem] | None = None  # a directory file's, every one of them


class Problem(Exception):
    """Raised anywhere in the API to answer with a problem detail."""

    def __init__(self, slug: str, detail: str | None = None, *, errors: Sequence[FieldError] | None = None,
                 refusal: str | None = None, headers: Mapping[str, str] | None = None,
                 problems: Sequence[SheetProblem] | None = None) -> None:
        super().__init__(detail or slug)
        self.slug = slug
        self.status, self.title = KINDS[slug]
        self.detail = detail
        self.errors = list(errors) if errors is not None else None
        self.refusal = refusal
        self.headers = dict(headers or {})
        self.problems = list(problems) if problems is not None else None


def invalid(field: str, message: str, detail: str | None = None) -> Problem:
    """A 422 for one bad field: ``detail`` defaults to ``"<field>: <message>"``."""
    return Problem("invalid-input", detail or f"{field}: {message}", errors=[FieldError(field=field, message=message)])


def refusal(cls: type[errors.WhistleError], message: str) -> Problem:
    """The problem that answers an error of ``cls`` sent across by the workflow."""
    slug = next(ERRORS[c] for c in cls.__mro__ if c in ERRORS)
    return Problem(slug, message, refusal=errors.type_name(cls))


def field_errors(errs: Sequence[Mapping[str, Any]], prefix: Sequence[str | int] = ()) -> list[FieldError]:
    out = []
    for e in errs:
        loc = [*prefix, *e.get("loc", ())]
        out.append(FieldError(field=".".join(str(p) for p in loc) or "body", message=str(e.get("msg", "invalid"))))
    return out


#: a personal codec endpoint's key is a credential: logs and problem details say which endpoint, not whose key
_PERSONAL_CODEC = re.compile(r"/codec/s/[^/]+")


def loggable(path: str) -> str:
    """``path`` with a personal codec endpoint's key left out."""
    return _PERSONAL_CODEC.sub("/codec/s/…", path)


def problem_response(problem: Problem, instance: str | None) -> JSONResponse:
    body = ProblemDetail(type=f"/problems/{problem.slug}", title=problem.title, status=problem.status,
                         detail=problem.detail, instance=loggable(instance) if instance else instance,
                         errors=problem.errors, refusal=problem.refusal,
                         problems=problem.problems)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=problem.status, media_type=MEDIA_TYPE,
                        headers=problem.headers)


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return problem_response(exc, request.url.path)


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    slug = _BY_STATUS.get(exc.status_code, "bad-request" if exc.status_code < 500 else "internal")
    detail = exc.detail if isinstance(exc.detail, str) else None
    return problem_response(Problem(slug, detail, headers=exc.headers), request.url.path)


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errs = field_errors(exc.errors())
    problem = Problem("invalid-input", "; ".join(f"{e.field}: {e.message}" for e in errs), errors=errs)
    return problem_response(problem, request.url.path)


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    return unexpected_response(request.url.path)


def unexpected_response(path: str | None) -> JSONResponse:
    """A 500 problem for an error nobody expected (logged here, once, from within its ``except``)."""
    log.exception("unexpected_error", path=loggable(path or ""))
    return problem_response(Problem("internal", "the error was logged"), path)


#: how long a client should wait before asking again while Temporal or the database is unreachable
RETRY_AFTER_S = 5


def unavailable(detail: str) -> Problem:
    """A 503: something Whistle needs does not answer; ``Retry-After`` says when to try again."""
    return Problem("unavailable", detail, headers={"Retry-After": str(RETRY_AFTER_S)})


def temporal_unavailable(exc: BaseException, doing: str = "") -> Problem:
    """A 503 for Temporal's failure: its own words go to the log (with the request id), not to the caller."""
    log.warning("temporal_call_failed", doing=doing or None, error=type(exc).__name__,
                message=getattr(exc, "message", None) or str(exc))
    return unavailable("Temporal did not answer as expected; try again shortly (the request id is in the log)")


#: what looks like a principal's id (``handler@qh.hd.dept.water``) in a message
_PRINCIPAL_ID = re.compile(r"[\w.-]+@[\w.-]+")


def for_resident(message: str, own_id: str) -> str:
    """A refusal's words as a resident reads them: anyone else's id (staff, another resident) becomes "someone else"."""
    return _PRINCIPAL_ID.sub(lambda m: m.group(0) if m.group(0) == own_id else "someone else", message)


def database_problem(exc: Exception) -> Problem | None:
    """The 503 for a database error that means "not reachable" (a connection that failed, broke, or could not
    be had from the pool in time); None for any other database error, which is a bug (500)."""
    unreachable = isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError | sa_exc.TimeoutError) or (
        isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated)
    return unavailable("the read model's database is not reachable; try again shortly") if unreachable else None


async def _on_database(request: Request, exc: Exception) -> JSONResponse:
    problem = database_problem(exc)
    if problem is None:
        return unexpected_response(request.url.path)
    cause = getattr(exc, "orig", None) or exc
    log.warning("database_unavailable", path=loggable(request.url.path), error=type(cause).__name__)
    return problem_response(problem, request.url.path)


def install(app: FastAPI) -> None:
    app.add_exception_handler(Problem, _on_problem)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(sa_exc.DBAPIError, _on_database)  # wherever the read model is read: one place
    app.add_exception_handler(sa_exc.TimeoutError, _on_database)
    app.add_exception_handler(Exception, _on_unexpected)  # the last resort; RequestContext catches first

    @app.get("/problems/{slug}", include_in_schema=False)
    async def describe(slug: str) -> dict[str, Any]:
        if slug not in KINDS:
            raise Problem("not-found", f"no problem type {slug!r}")
        status, title = KINDS[slug]
        return {"type": f"/problems/{slug}", "title": title, "status": status}


#: documented on every route that can answer them
COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ProblemDetail, "description": title,
             "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemDetail"}}}}
    for status, title in ((401, "No valid token"), (403, "Not permitted"), (404, "Not found or outside jurisdiction"),
                          (409, "Wrong state"), (413, "Body too large"), (422, "Invalid input"),
                          (429, "Rate limited"), (503, "Temporal or the database is unreachable"),
                          (504, "The issue did not answer in time"))
}
