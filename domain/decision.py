"""An action that passed validation: what :func:`domain.validation.validate` returns and the rooms carry out."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ConfigDict

from domain import errors
from domain.actions import Payload
from domain.messages import Actor
from domain.state import MatterContext

P = TypeVar("P", bound=Payload)


class Decision(BaseModel):
    """An action that passed validation, with its payload parsed."""

    model_config = ConfigDict(frozen=True)

    task_id: str | None
    action: str
    payload: Payload
    actor: Actor
    #: what the workflow must fetch or tell before applying: the context of a matter the issue is
    #: re-classified to, the original issue a duplicate is linked to
    needs_matter: str | None = None
    tells_original: str | None = None
    #: the context of the matter named by ``needs_matter``, once the workflow has fetched it
    matter: MatterContext | None = None

    def payload_as(self, model: type[P]) -> P:
        """The payload as the model the vocabulary gives this action (checked, never assumed)."""
        if not isinstance(self.payload, model):
            raise errors.InvalidPayload(f"the data for '{self.action}' is not a {model.__name__}")
        return self.payload
