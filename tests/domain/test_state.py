"""The state carried by running issues stays readable as its models change."""

from __future__ import annotations

from domain.organisation import Level
from domain.task_state import Mark, Rater, Task, TaskDetails
from tests.domain.harness import PureIssue


def test_a_task_carried_over_from_before_typed_details_reads_its_data() -> None:
    p = PureIssue()
    task = p.open("verify")
    old = task.model_dump(mode="json", exclude=set(TaskDetails.model_fields))  # as such a task was stored
    old["data"] = {"level": "grid", "mediation": True, "rater": "whistler", "unknown_key": 1}
    old["marks_fired"] = ["remind"]
    again = Task.model_validate(old)
    assert again.level is Level.grid and again.mediation and again.rater is Rater.whistler
    assert again.marks_fired == [Mark.remind]


def test_the_state_round_trips_through_json() -> None:
    p = PureIssue()
    p.act("verify", "whistle", {"kind": "daily", "note": "n"})
    state = p.state
    assert type(state).model_validate_json(state.model_dump_json()) == state
