"""Errors of the domain.

Every refusal of an action is an :class:`ActionRefused`; the workflow turns it into an
``ApplicationError`` whose ``type`` is the class name, and the API maps that type to an HTTP status::

    WhistleError                  base of everything raised on purpose by Whistle
    └── ActionRefused             an action was refused; nothing changed
        ├── IssueNotVisible       the actor may not see the issue at all             (404, like a missing one)
        ├── TaskNotFound          the task id is not a task of this issue            (404)
        ├── NotPermitted          the actor's unit, role or person may not do this   (403)
        ├── WrongState            the issue or task is not in a state that allows it (409)
        │   └── TaskClosed        the task exists but is no longer open              (409)
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


class ActionNotAllowed(ActionRefused):
    """Raised when the action is not one the task's kind (or the issue) offers."""


class InvalidPayload(ActionRefused):
    """Raised when the action's data is missing fields, has wrong ones, or names unknown things."""


class TooOften(ActionRefused):
    """Raised when a comment or an urge would pass the issue's cap for a day (what an issue carries is bounded)."""


REFUSAL_TYPES: dict[str, type[ActionRefused]] = {
    cls.__name__: cls
    for cls in (ActionRefused, IssueNotVisible, TaskNotFound, NotPermitted, WrongState, TaskClosed, ActionNotAllowed,
                InvalidPayload, TooOften)
}
