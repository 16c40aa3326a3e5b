"""Each timeout of the step table and the escalation it causes, on the time-skipping server."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.conftest import TIMESKIP
from tests.driver import Driver, report
from tests.scenarios import (
    DISTRICT,
    HEATING,
    STREET,
    finish_handling,
    step_until,
    to_handling_two_units,
    until_evaluation,
    whistle_to_dispatch,
)

MINUTE = timedelta(minutes=1)


async def sleep_until(d: Driver, at: datetime, plus: timedelta = MINUTE) -> None:
    env = TIMESKIP["env"]
    now = await env.get_current_time()
    if at + plus > now:
        await env.sleep(at + plus - now)
    await d.wait_ready()


async def test_verify_reminder_then_moves_to_the_community_with_a_warning(ts_worker) -> None:
    client, queue = ts_worker
    d = await Driver.start(client, queue, report())
    task = await d.task("verify")
    assert task.due_at is not None
    remind_at = task.opened_at + (task.due_at - task.opened_at) * 0.75
    await sleep_until(d, remind_at)
    view = await d.state()
    assert [w.color for w in view.warnings] == ["reminder"] and view.open_tasks[0].unit_id == task.unit_id
    await sleep_until(d, task.due_at)
    view = await d.state()
    moved = await d.task("verify")
    assert moved.unit_id == "qh.hd.cy.c1" and "dispatcher" in moved.roles
    assert view.level == "community"
    assert [w.color for w in view.warnings] == ["reminder", "yellow"]
    assert view.escalations[0].from_unit_id == task.unit_id and view.escalations[0].to_unit_id == "qh.hd.cy.c1"
    assert view.escalations[0].by is None  # done by the timer


async def test_approval_timeout_escalates_to_the_street_leader(ts_worker) -> None:
    client, queue = ts_worker
    d = await Driver.start(client, queue, report())
    await d.act("verify", "whistle", {"kind": "daily", "note": "n"})
    await d.wait_ready()
    task = await d.task("approve_whistle")
    await sleep_until(d, task.due_at)
    moved = await d.task("approve_whistle")
    assert moved.unit_id == STREET and moved.roles == ["leader"]
    view = await d.act("approve_whistle", "approve")
    # the street reports first (镇街部门报到): a late approval does not skip it
    assert [(t.kind, t.unit_id) for t in view.open_tasks] == [("dispatch", STREET)]


async def test_dispatch_timeout_escalates_to_the_district_dispatcher(ts_worker) -> None:
    client, queue = ts_worker
    d = await Driver.start(client, queue, report())
    await whistle_to_dispatch(d)
    await d.wait_ready()
    task = await d.task("dispatch")
    await sleep_until(d, task.due_at)
    moved = await d.task("dispatch")
    view = await d.state()
    assert moved.unit_id == DISTRICT and view.level == "district"
    assert view.escalations[-1].task_kind == "dispatch"


async def test_report_timeout_warns_then_next_level_reroutes(ts_worker) -> None:
    client, queue = ts_worker
    d = await Driver.start(client, queue, report())
    await whistle_to_dispatch(d)
    await d.act("dispatch", "route", {"unit_ids": [HEATING]})
    await d.wait_ready()
    task = await d.task("report")
    assert task.due_at - task.opened_at == timedelta(hours=4)  # heating.no_heat: report within 4 h
    await sleep_until(d, task.due_at)
    view = await d.state()
    assert [w.color for w in view.warnings] == ["yellow"] and (await d.task("report")).overdue
    await sleep_until(d, task.due_at + (task.due_at - task.opened_at))
    view = await d.state()
    assert [(t.kind, t.unit_id) for t in view.open_tasks] == [("dispatch", DISTRICT)]
    assert view.warnings[-1].color == "red" and view.escalations[-1].to_unit_id == DISTRICT
    await d.act("dispatch", "route", {"unit_ids": [HEATING]})
    view = await d.act("report", "check_in", {})
    assert view.step == "handling"


async def test_consultation_timeout_escalates(ts_worker) -> None:
    client, queue = ts_worker
    d = await Driver.start(client, queue, report())
    await whistle_to_dispatch(d)
    await d.act("dispatch", "route", {"unit_ids": [HEATING, STREET]})
    await d.act("report", "check_in", {}, unit_id=HEATING)
    await d.act("report", "check_in", {}, unit_id=STREET)
    await d.wait_ready()
    task = await d.task("consult")
    await sleep_until(d, task.due_at)
    moved = await d.task("consult")
    assert moved.unit_id == DISTRICT


async def test_handling_reminders_yellow_red_supervision_and_escalation(ts_worker) -> None:
    client, queue = ts_worker
    d = await Driver.start(client, queue, report())
    await to_handling_two_units(d)
    await d.wait_ready()
    handle = await d.task("handle")
    span = handle.due_at - handle.opened_at
    await sleep_until(d, handle.opened_at + span * 0.8)
    view = await d.state()
    reminders = [w for w in view.warnings if w.task_id == handle.task_id]
    assert [w.color for w in reminders] == ["reminder", "reminder"]
    await sleep_until(d, handle.due_at)
    view = await d.state()
    assert [w.color for w in view.warnings if w.task_id == handle.task_id][-1] == "yellow"
    assert (await d.task("handle")).overdue

    async def red() -> bool:
        return [w.color for w in (await d.state()).warnings if w.task_id == handle.task_id][-1:] == ["red"]

    at = await step_until(lambda t: sleep_until(d, t), handle.due_at, red)
    view = await d.state()
    colors = [w.color for w in view.warnings if w.task_id == handle.task_id]
    assert colors[-1] == "red" and at - handle.due_at >= timedelta(days=2)  # two working days at the least
    esc = [e for e in view.escalations if e.task_kind == "handle"]
    assert esc and esc[0].to_unit_id == DISTRICT  # the heating office's supervisor above
    # still the lead's task to finish; the record shows it late
    await finish_handling(d)
    rec_view = await d.state()
    assert rec_view.step == "feedback"


async def test_extension_request_lapses_without_an_answer(ts_worker) -> None:
    client, queue = ts_worker
    d = await Driver.start(client, queue, report())
    await to_handling_two_units(d)
    await d.act("handle", "request_extension", {"days": 2, "reason": "parts"})
    await d.wait_ready()
    task = await d.task("approve_extension")
    handle_due = (await d.task("handle")).due_at
    await sleep_until(d, task.due_at)
    view = await d.state()
    assert not [t for t in view.open_tasks if t.kind == "approve_extension"]
    assert (await d.task("handle")).due_at == handle_due


async def test_feedback_timeout_auto_accepts(ts_worker) -> None:
    client, queue = ts_worker
    d = await Driver.start(client, queue, report())
    await to_handling_two_units(d)
    await finish_handling(d)
    await d.wait_ready()
    task = await d.task("verify_result")
    await sleep_until(d, task.due_at)
    view = await d.state()
    assert view.step == "evaluation"


async def test_evaluation_silence_is_recorded_as_no_answer(ts_worker) -> None:
    client, queue = ts_worker
    d = await Driver.start(client, queue, report())
    await until_evaluation(d)
    await d.wait_ready()
    task = next(t for t in (await d.state()).open_tasks if t.kind == "evaluate")
    await TIMESKIP["env"].sleep(task.due_at - await TIMESKIP["env"].get_current_time() + MINUTE)
    rec = await d.result()
    assert rec.status == "closed"
    # the resident, and the whistler about each of the two units that took part: silent all
    assert [r.rating for r in rec.ratings] == [None, None, None]
    assert all(t.status == "timed_out" for t in rec.tasks if t.kind == "evaluate")


async def test_review_timeout_closes(ts_worker) -> None:
    client, queue = ts_worker
    d = await Driver.start(client, queue, report())
    await until_evaluation(d)
    view = await d.state()
    for t in [t for t in view.open_tasks if t.kind == "evaluate"]:
        await d.act("evaluate", "rate", {"rating": "unsatisfied"}, task_id=t.task_id)
    await d.wait_ready()
    task = await d.task("review")
    await TIMESKIP["env"].sleep(task.due_at - await TIMESKIP["env"].get_current_time() + MINUTE)
    rec = await d.result()
    assert rec.outcome == "closed: review not done in time"


@pytest.mark.parametrize("matter", ["neighbour_dispute.water_leak_downstairs"])
async def test_mediation_ladder_three_levels_in_seven_days(ts_worker, matter: str) -> None:
    client, queue = ts_worker
    d = await Driver.start(client, queue, report(matter))
    first = await d.task("verify")
    assert first.data["mediation"] and first.due_at - first.opened_at == timedelta(days=1)
    await sleep_until(d, first.due_at)
    community = await d.task("verify")
    assert community.unit_id == "qh.hd.cy.c1" and community.due_at - community.opened_at == timedelta(days=2)
    await sleep_until(d, community.due_at)
    street = await d.task("verify")
    assert street.unit_id == STREET and street.due_at - street.opened_at == timedelta(days=4)
    assert street.due_at - first.opened_at <= timedelta(days=7, minutes=5)
    await sleep_until(d, street.due_at)
    view = await d.state()
    assert [(t.kind, t.unit_id) for t in view.open_tasks] == [("dispatch", DISTRICT)]
    assert [e.to_unit_id for e in view.escalations] == ["qh.hd.cy.c1", STREET, DISTRICT]


async def test_mediation_settled_at_the_community(ts_worker) -> None:
    client, queue = ts_worker
    d = await Driver.start(client, queue, report("neighbour_dispute.water_leak_downstairs"))
    first = await d.task("verify")
    await sleep_until(d, first.due_at)
    view = await d.act("verify", "resolve_on_site", {"result": "both families agreed to share the repair"})
    assert view.step == "evaluation" and view.resolution == "mediated"
