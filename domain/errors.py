"""Errors of the domain.

Everything that crosses from the workflow or an activity to the API is one of these: the workflow turns it into
an ``ApplicationError`` whose ``type`` is the class name (:func:`type_name`), and the API finds the class again by
that name (:func:`by_name`) and maps it to an HTTP status — never by the message's text::

    WhistleError                  base of everything raised on purpose by Whistle
    ├── UnknownReference          a report names a grid, matter or person the directory does not have (422)
    └── ActionRefused             an action was refused; nothing changed
        ├── IssueNotVisible       the actor may not see the issue at all             (404, like a missing one)
        ├── TaskNotFound          the task id is not a task of this issue            (404)
        ├── NotPermitted          the actor's unit, role or person may not do this   (403)
        ├── WrongState            the issue or task is not in a state that allows it (409)
        │   ├── TaskClosed        the task exists but is no longer open              (409)
        │   └── IssueOpening      the issue is still being opened: ask again in a moment
        ├── ActionNotAllowed      the action is not in the vocabulary of the task    (422)
        ├── InvalidPayload        the data does not fit the action                   (422)
        └── TooOften              an issue-level action repeated past its daily cap  (429)
"""

from __future__ import annotations


class WhistleError(Exception):
    """Base of the errors Whistle raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownReference(WhistleError, ValueError):
    """Raised when a report names a grid, matter or principal the organisation does not have (an activity's
    answer: it does not retry)."""


class ActionRefused(WhistleError):
    """An action was refused before it changed anything."""


class IssueNotVisible(ActionRefused):
    """Raised (by the update's validator, before anything else) when the actor may not see the issue: the API
    answers it exactly as it answers an issue that does not exist."""


class TaskNotFound(ActionRefused):
    """Raised when an action names a task id this issue never had."""


class NotPermitted(ActionRefused):
    """Raised when the actor's unit, roles or identity do not allow the action."""


class WrongState(ActionRefused):
    """Raised when the issue's step or status does not allow the action now."""


class TaskClosed(WrongState):
    """Raised when the task exists but has already been closed."""


class IssueOpening(WrongState):
    """Raised when an issue is asked to act before its first workflow task has opened it."""


class ActionNotAllowed(ActionRefused):
    """Raised when the action is not one the task's kind (or the issue) offers."""


class InvalidPayload(ActionRefused):
    """Raised when the action's data is missing fields, has wrong ones, or names unknown things."""


class TooOften(ActionRefused):
    """Raised when a comment or an urge would pass the issue's cap for a day (what an issue carries is bounded)."""


def type_name(cls: type[WhistleError]) -> str:
    """The ``type`` of the ``ApplicationError`` that carries ``cls`` across Temporal."""
    return cls.__name__


def every_error() -> list[type[WhistleError]]:
    """Every class of the tree, parents first."""
    found: list[type[WhistleError]] = []
    todo: list[type[WhistleError]] = [WhistleError]
    while todo:
        cls = todo.pop(0)
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def by_name(name: str | None) -> type[WhistleError] | None:
    """The class an ``ApplicationError``'s ``type`` names, or None when it is not one of Whistle's."""
    return next((cls for cls in every_error() if type_name(cls) == name), None)
