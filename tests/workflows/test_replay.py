"""Recorded histories must replay on today's workflow code (DESIGN §4: versioning with patched)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from core.temporal import PLAIN_CONVERTER
from workflows import ResidentIssue

HISTORIES = sorted((Path(__file__).parents[1] / "histories").glob("*.json"))


def test_there_are_histories_to_replay() -> None:
    assert len(HISTORIES) >= 10  # v0: before the read model; v1: with projection


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_history_replays(path: Path) -> None:
    text = await asyncio.to_thread(path.read_text)
    history = WorkflowHistory.from_json("issue-replay-" + path.stem.split("_", 1)[1], text)
    replayer = Replayer(workflows=[ResidentIssue], data_converter=PLAIN_CONVERTER)
    await replayer.replay_workflow(history)
