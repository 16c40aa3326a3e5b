"""``GET /v1/actions``: the action vocabulary's forms, published so that a client (the console) builds each form
from the payload model the workflow validates against, instead of keeping a copy that drifts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import CallerDep
from api.problems import COMMON_RESPONSES
from domain.actions import CLAIM_ACTIONS, ISSUE_ACTIONS, TASK_ACTIONS, Payload

router = APIRouter(prefix="/v1", tags=["tasks"], responses=COMMON_RESPONSES)


class ActionForms(BaseModel):
    forms: dict[str, dict[str, Any]] = Field(
        description="`<task kind>.<action>` (`issue.<action>` for issue-level ones) → the JSON Schema of its data, "
                    "enums inlined; `x-options` says where a field's choices come from (units, checkedIn, matters, "
                    "lines). Claim and unclaim take no data and are left out.")


def _inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with its ``$defs`` references replaced by what they name (enums, here)."""
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return walk({**defs[ref.rsplit("/", 1)[1]], **{k: v for k, v in node.items() if k != "$ref"}})
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    out: dict[str, Any] = walk(schema)
    return out


def forms() -> dict[str, dict[str, Any]]:
    models: dict[str, type[Payload]] = {f"{kind.value}.{action}": model for kind, actions in TASK_ACTIONS.items()
                                        for action, model in actions.items() if action not in CLAIM_ACTIONS}
    models |= {f"issue.{action}": model for action, model in ISSUE_ACTIONS.items()}
    return {key: _inlined(model.model_json_schema()) for key, model in models.items()}


FORMS = forms()


@router.get("/actions", response_model=ActionForms, summary="The data each action takes, as JSON Schemas")
def action_forms(caller: CallerDep) -> ActionForms:
    return ActionForms(forms=FORMS)
