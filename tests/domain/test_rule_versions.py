"""The rule versions (``domain/rule_versions.py``): each later version keeps what the one before turned on, the
workflow's patches choose them, and the replay suite says which older versions recorded histories still need —
the day none does, its code in ``domain/steps/older.py`` can go."""

from __future__ import annotations

import base64
import json
from dataclasses import asdict
from pathlib import Path

import pytest

from domain.rule_versions import CURRENT_RULES, VERSIONS
from workflows import patches
from workflows.patches import Feature

HISTORIES = Path(__file__).resolve().parents[1] / "histories"


def _patches_of(history: Path) -> set[str]:
    found = set()
    for event in json.loads(history.read_text())["events"]:
        marker = event.get("markerRecordedEventAttributes")
        if marker and marker.get("markerName") == "core_patch":
            payload = marker["details"]["patch-data"]["payloads"][0]["data"]
            found.add(json.loads(base64.b64decode(payload))["id"])
    return found


def _version_of(recorded: set[str]) -> int:
    features = set()
    if patches.BASELINE in recorded or patches.RULES_2 in recorded:
        features.add(Feature.rules_2)
    if patches.RULES_3 in recorded:
        features.add(Feature.rules_3)
    return patches.rules_version(frozenset(features))


def test_each_version_keeps_what_the_one_before_turned_on() -> None:
    assert sorted(VERSIONS) == list(range(1, CURRENT_RULES + 1))
    for number in range(2, CURRENT_RULES + 1):
        before, after = asdict(VERSIONS[number - 1]), asdict(VERSIONS[number])
        assert all(after[name] for name, on in before.items() if on is True), number
        assert after != before


@pytest.mark.parametrize("number", [n for n in VERSIONS if n < CURRENT_RULES])
def test_an_older_version_is_still_needed_by_a_recorded_history(number: int) -> None:
    needing = [h.name for h in sorted(HISTORIES.glob("v*.json")) if _version_of(_patches_of(h)) == number]
    assert needing, (f"no recorded history runs rules {number} any more: it can go — its flags in "
                     "domain/rule_versions.py (each use keeps only the current path) and what serves it in "
                     "domain/steps/older.py")


def test_new_issues_start_with_the_current_rules() -> None:
    newest = max(HISTORIES.glob("v*.json"), key=lambda h: int(h.name.split("_")[0][1:]))
    assert _version_of(_patches_of(newest)) == CURRENT_RULES
