"""The benchmark harness in its short form, so that it cannot rot: it starts its stack, drives both the floor
and Whistle, and reports figures for every bench (the figures themselves are for `make bench`)."""

from __future__ import annotations

import json
import subprocess
import sys

from core.settings import PROJECT_ROOT


def test_the_bench_harness_runs_and_reports() -> None:
    # B6 (a seeds-size directory loaded) is tests/store/test_district_load.py's in every run
    out = subprocess.run([sys.executable, "-m", "bench", "--harness", "--no-write", "--in-flight", "4",
                          "--only", "b1,b2,b3,b5,b4"],
                         cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "| B1 ratio |" in out.stdout and "| B2 action |" in out.stdout and "| B3 inbox (grid) |" in out.stdout
    assert "| B4 worker memory |" in out.stdout
    results = json.loads(out.stdout[out.stdout.index("\n{") + 1:])
    assert results["b1"]["floor"]["issues_s"] > 0 and results["b1"]["whistle"]["issues_s"] > 0
    assert results["b1"]["whistle"]["errors"] == 0 and results["b2"]["errors"] == 0
