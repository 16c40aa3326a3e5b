"""B5: where the worker's and the API's CPU goes while whole issues run through the API (py-spy, sampling
the live processes without stopping them). Prints each process's heaviest functions, by own time and by
time spent below them in Whistle's code."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from bench.processes import Stack
from bench.throughput import Whistle, saturate
from core.settings import PROJECT_ROOT

#: a frame in Whistle's own files: py-spy names them relative to the working directory, or absolutely
OURS = tuple(form for package in ("domain", "workflows", "activities", "store", "api", "core", "audit")
             for form in (f"({package}/", f"({PROJECT_ROOT}/{package}/"))


def _collapsed(path: Path) -> Counter[str]:
    stacks: Counter[str] = Counter()
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if count.isdigit():
            stacks[stack] += int(count)
    return stacks


def _frame(frame: str) -> str:
    # "function (path/to/file.py:123)" → "function (file.py)"
    name, _, where = frame.partition(" (")
    file = where.split(":")[0].rsplit("/site-packages/", 1)[-1].rsplit("/main/", 1)[-1]
    return f"{name} ({file})"


def top(stacks: Counter[str], n: int = 8) -> dict[str, list[tuple[str, float]]]:
    total = sum(stacks.values()) or 1
    own: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    for stack, count in stacks.items():
        frames = stack.split(";")
        own[_frame(frames[-1])] += count
        for f in {_frame(f) for f in frames if any(p in f for p in OURS)}:  # our own files only
            ours[f] += count
    return {"own": [(f, c / total) for f, c in own.most_common(n)],
            "in_ours": [(f, c / total) for f, c in ours.most_common(n)]}


async def b5(stack: Stack, seconds: float, in_flight: int) -> dict[str, Any]:
    spy = shutil.which("py-spy") or str(Path(__import__("sys").executable).parent / "py-spy")
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="whistle-b5-") as tmp:
        files = {name: Path(tmp) / f"{name}.txt" for name in ("worker", "api")}
        procs = [await asyncio.create_subprocess_exec(
            spy, "record", "--nonblocking", "-r", "50", "-d", str(int(seconds)), "-f", "raw", "-o", str(files[name]),
            "-p", str(stack.procs[name].pid), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for name in files]
        whistle = Whistle(stack)
        try:
            s = await saturate(whistle.issue, in_flight, seconds)
        finally:
            await whistle.close()
        for p in procs:
            await asyncio.wait_for(p.wait(), seconds + 60)
        out["issues"] = s.issues
        for name, path in files.items():
            out[name] = top(_collapsed(path)) if path.exists() else {"own": [], "in_ours": []}
    return out
