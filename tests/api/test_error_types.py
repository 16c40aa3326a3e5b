"""What crosses from the workflow and its activities to the API is a typed error (``domain.errors``), found again by
its type name and answered by its class — never recognised by the text of its message."""

from __future__ import annotations

import ast
from pathlib import Path

from api.problems import ERRORS, KINDS, refusal
from domain import errors

ROOT = Path(__file__).resolve().parents[2]

#: every error that crosses, and the status the API answers it with: the two sides of one list
ANSWERS: dict[type[errors.WhistleError], int] = {
    errors.WhistleError: 409,
    errors.UnknownReference: 422,
    errors.ActionRefused: 409,
    errors.IssueNotVisible: 404,
    errors.TaskNotFound: 404,
    errors.NotPermitted: 403,
    errors.WrongState: 409,
    errors.TaskClosed: 409,
    errors.IssueOpening: 409,
    errors.ActionNotAllowed: 422,
    errors.InvalidPayload: 422,
    errors.TooOften: 429,
}


def test_every_error_of_the_domain_has_its_answer_in_the_api() -> None:
    assert set(errors.every_error()) == set(ANSWERS) == set(ERRORS)
    for cls, status in ANSWERS.items():
        assert errors.by_name(errors.type_name(cls)) is cls
        problem = refusal(cls, "why")
        assert (KINDS[problem.slug][0], problem.refusal) == (status, cls.__name__)
    assert errors.by_name("ValueError") is None and errors.by_name(None) is None


def _application_error_types(path: Path) -> list[str]:
    """The ``type=`` of every ``ApplicationError(...)`` built in ``path``, as source text."""
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        name = getattr(node, "func", None) and getattr(node.func, "id", getattr(node.func, "attr", ""))
        if isinstance(node, ast.Call) and name == "ApplicationError":
            found += [ast.unparse(k.value) for k in node.keywords if k.arg == "type"]
    return found


def test_the_issue_workflow_and_its_activities_name_error_types_by_their_class() -> None:
    # what the API talks to (a webhook delivery's failure stays inside its own workflow, which retries it)
    sources = [*(ROOT / "workflows").glob("*.py"), ROOT / "activities" / "issue_lookups.py"]
    types = [t for path in sources for t in _application_error_types(path)]
    assert types, "no ApplicationError found: the scan looks in the wrong place"
    assert [t for t in types if "type_name(" not in t] == []


def test_the_api_never_reads_a_refusal_from_its_message() -> None:
    text = (ROOT / "api" / "live.py").read_text()
    for phrase in ("being opened\" in", "\"completed\" in", "closing workflow", "in cause.message", "in str(exc)"):
        assert phrase not in text, phrase
