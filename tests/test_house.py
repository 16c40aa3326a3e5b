"""The house rules a reader can check by eye, checked by a test: small modules and functions, every import pointing
down the layers, and one name for one thing (README, "Layout")."""

from __future__ import annotations

import ast
import subprocess
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: the packages, lowest first: each imports only those before it (the tools last)
LAYERS = ("domain", "core", "store", "activities", "workflows", "audit", "api", "worker", "whistle", "bench",
          "scripts", "console")
MAX_FILE_LINES = 300
MAX_FUNCTION_LINES = 60


def _sources() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.py"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.split()
    return [ROOT / f for f in listed if not f.startswith(("tests/", "migrations/")) and (ROOT / f).exists()]


def _layer(path: Path) -> str:
    return path.relative_to(ROOT).parts[0].removesuffix(".py")


def test_no_hand_written_module_is_longer_than_a_screenful_or_three() -> None:
    long = {str(p.relative_to(ROOT)): n for p in _sources() if (n := len(p.read_text().splitlines())) > MAX_FILE_LINES}
    assert long == {}


def test_no_function_is_longer_than_sixty_lines() -> None:
    long = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = min([d.lineno for d in node.decorator_list] + [node.lineno])
                if (node.end_lineno or first) - first + 1 > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{first} {node.name}")
    assert long == []


def test_every_import_points_down_the_layers() -> None:
    upward = []
    for path in _sources():
        here = _layer(path)
        for node in ast.walk(ast.parse(path.read_text())):
            names = [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []
            for name in names:
                there = name.split(".")[0]
                if there in LAYERS and here in LAYERS and LAYERS.index(there) > LAYERS.index(here):
                    upward.append(f"{path.relative_to(ROOT)} imports {name}")
    assert upward == []


#: where one resource may share its name: the HTTP route, its queries, its rules
RESOURCE_HOMES = {"api/routes", "store", "domain"}


def test_one_module_name_for_one_job() -> None:
    """A name is used once, but for an API resource: ``api/routes/<resource>.py`` answers HTTP,
    ``store/<resource>.py`` holds its queries and ``domain/<resource>.py`` its rules."""
    places: dict[str, list[str]] = defaultdict(list)
    for path in _sources():
        rel = path.relative_to(ROOT)
        if path.name not in ("__init__.py", "__main__.py"):
            places[path.name].append(str(rel.parent))
    repeated = {name: dirs for name, dirs in places.items()
                if len(dirs) > 1 and not (set(dirs) <= RESOURCE_HOMES and len(set(dirs)) == len(dirs))}
    assert repeated == {}
