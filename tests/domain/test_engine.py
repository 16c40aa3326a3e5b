"""The step table's machinery (``domain/engine.py``) and the rooms it walks.

Each test names the defect it guards against; they run on the pure domain, with the real working calendar.
"""

from __future__ import annotations

import ast
import inspect

import pytest

from domain import apply as apply_module
from domain import engine as engine_module
from domain import timers as timers_module
from domain.steps import (
    consultation,
    discovery,
    evaluation,
    feedback,
    handling,
    older,
    report,
    review,
    supervision,
    whistle,
)


@pytest.mark.parametrize("module", [apply_module, engine_module, timers_module, consultation, discovery, evaluation,
                                    feedback, handling, older, report, review, supervision, whistle])
def test_no_assert_on_a_reachable_path_of_the_step_table(module: object) -> None:
    tree = ast.parse(inspect.getsource(module))  # type: ignore[arg-type]
    asserts = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Assert)]
    assert asserts == [], f"{module.__name__} asserts on lines {asserts}"  # type: ignore[attr-defined]
