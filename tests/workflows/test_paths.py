"""Every path of the step table, on the time-skipping server (timers) with the real worker."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from activities.working_days import WorkingCalendar
from domain.deadlines import working_seconds_between
from domain.views import IssueRecord
from tests.driver import RESIDENT, Driver, principal, report
from tests.scenarios import (
    DISTRICT,
    HEATING,
    MARKET,
    STREET,
    evaluate_all,
    finish_handling,
    route_and_check_in,
    to_handling_two_units,
    until_evaluation,
    whistle_to_dispatch,
)
from workflows import ResidentIssue

SHANGHAI = ZoneInfo("Asia/Shanghai")  # where working days are counted


async def result(d: Driver) -> IssueRecord:
    return await d.result()


async def test_happy_path_through_all_seven_steps(ts_worker) -> None:
    client, queue = ts_worker
    d = await Driver.start(client, queue, report())
    view = await whistle_to_dispatch(d)
    dispatch = next(t for t in view.open_tasks if t.kind == "dispatch")
    assert dispatch.unit_id == STREET and dispatch.data["suggested_unit_ids"] == [HEATING]
    view = await route_and_check_in(d, [HEATING, STREET])
    assert view.step == "consultation"
    view = await d.act("consult", "conclude", {"lead_unit_id": HEATING, "co_unit_ids": [STREET],
                                                "list_type": "immediate", "minutes": "agreed"})
    assert view.step == "handling" and view.lead_unit_id == HEATING and view.co_unit_ids == [STREET]
    assert {(t.kind, t.unit_id) for t in view.open_tasks} == {("handle", HEATING), ("assist", STREET)}
    view = await finish_handling(d)
    assert view.step == "feedback"
    view = await d.act("verify_result", "accept")
    assert view.step == "evaluation"
    assert {t.data["rater"] for t in view.open_tasks} == {"resident", "whistler"}
    # the whistler is asked about each unit that reported for duty (seeds/002)
    asked = sorted(t.data.get("for_unit_id") for t in view.open_tasks if t.data["rater"] == "whistler")
    took_part = sorted([view.lead_unit_id or "", *view.co_unit_ids])
    assert asked == took_part and len(asked) == 2
    view = await evaluate_all(d)
    assert view.status == "closed"
    rec = await result(d)
    assert [s.step for s in rec.steps] == ["discovery", "whistle", "report", "consultation", "handling",
                                          "feedback", "evaluation"]
    assert rec.resolution == "resolved" and rec.list_type == "immediate"
    assert sorted(r.rating for r in rec.ratings) == ["satisfied"] * 3
    assert sorted(r.for_unit_id or "" for r in rec.ratings) == sorted(["", *took_part])
    assert all(t.met_deadline for t in rec.tasks if t.status == "done")
    assert [e.seq for e in rec.events] == list(range(1, len(rec.events) + 1))


async def test_resolve_on_the_spot(ts_worker) -> None:
    client, queue = ts_worker
    d = await Driver.start(client, queue, report("sanitation.garbage_overflow"))
    view = await d.act("verify", "resolve_on_site", {"result": "bins emptied"})
    assert view.step == "evaluation" and [t.kind for t in view.open_tasks] == ["evaluate"]
    view = await evaluate_all(d)
    rec = await result(d)
    assert rec.status == "closed" and rec.resolution == "resolved_on_site"
    assert [s.step for s in rec.steps] == ["discovery", "feedback", "evaluation"]


async def test_reject(ts_worker) -> None:
    client, queue = ts_worker
    d = await Driver.start(client, queue, report())
    view = await d.act("verify", "reject", {"reason": "not in this grid"})
    assert view.status == "rejected" and view.open_tasks == []
    rec = await result(d)
    assert rec.outcome == "rejected: not in this grid"


async def test_withdraw_by_the_reporter(ts_worker) -> None:
    client, queue = ts_worker
    d = await Driver.start(client, queue, report())
    await whistle_to_dispatch(d)
    view = await d.issue_act("withdraw", {"reason": "fixed it myself"}, principal(d.org, RESIDENT))
    assert view.status == "withdrawn" and view.open_tasks == []
    rec = await result(d)
    assert all(t.status != "open" for t in rec.tasks)


async def test_decline_sends_back_to_dispatch_and_reroute(ts_worker) -> None:
    client, queue = ts_worker
    d = await Driver.start(client, queue, report())
    await whistle_to_dispatch(d)
    await d.act("dispatch", "route", {"unit_ids": [MARKET]})
    view = await d.act("report", "decline", {"reason": "not our remit"})
    dispatch = [t for t in view.open_tasks if t.kind == "dispatch"]
    assert len(dispatch) == 1 and dispatch[0].unit_id == STREET
    view = await route_and_check_in(d, [HEATING])
    assert view.step == "handling" and view.lead_unit_id == HEATING  # one unit: no consultation
    assert view.list_type == "immediate"  # from the matter
    assert not view.escalations  # a decline is counted against nobody


async def test_hard_case_consults_even_with_one_unit(ts_worker) -> None:
    client, queue = ts_worker
    d = await Driver.start(client, queue, report())
    await whistle_to_dispatch(d, "hard_case")
    view = await route_and_check_in(d, [HEATING])
    assert view.step == "consultation"


async def test_emergency_skips_approval_and_needs_check_in_within_30_minutes(ts_worker) -> None:
    client, queue = ts_worker
    d = await Driver.start(client, queue, report("safety_hazard.gas_smell"))
    view = await d.act("verify", "whistle", {"kind": "emergency", "note": "gas smell in stairwell"})
    assert [t.kind for t in view.open_tasks] == ["dispatch"]
    view = await d.act("dispatch", "route", {"unit_ids": ["qh.hd.dept.emergency"]})
    await d.wait_ready()
    task = await d.task("report")
    assert task.due_at is not None and task.due_at - task.opened_at == timedelta(minutes=30)


async def test_understanding_list_needs_approval_one_level_up(ts_worker) -> None:
    client, queue = ts_worker
    d = await Driver.start(client, queue, report())
    view = await to_handling_two_units(d, "understanding")
    assert view.step == "consultation"
    approval = await d.task("approve_understanding")
    assert approval.unit_id == DISTRICT
    view = await d.act("approve_understanding", "deny", {"reason": "it can be fixed"})
    assert [t.kind for t in view.open_tasks] == ["consult"] and view.list_type is None
    view = await d.act("consult", "conclude", {"lead_unit_id": HEATING, "co_unit_ids": [STREET],
                                                "list_type": "understanding", "minutes": "again"})
    view = await d.act("approve_understanding", "approve", {"reason": "budget next year"})
    assert view.step == "handling" and view.list_type == "understanding"


async def test_unsatisfied_review_reopen_then_close(ts_worker) -> None:
    client, queue = ts_worker
    d = await Driver.start(client, queue, report())
    await until_evaluation(d)
    view = await evaluate_all(d, "unsatisfied")
    assert view.step == "review"
    review = await d.task("review")
    assert review.unit_id == STREET
    view = await d.act("review", "reopen", {"handling_days": 3, "reason": "still cold"})
    assert view.step == "handling"
    await d.wait_ready()
    handle = await d.task("handle")
    assert handle.due_at is not None
    await finish_handling(d)
    await d.act("verify_result", "accept")
    view = await evaluate_all(d, "basically_satisfied")
    assert view.status == "closed"
    rec = await result(d)
    assert [r.rating for r in rec.ratings if r.as_role == "resident"] == ["unsatisfied", "basically_satisfied"]


async def test_unsatisfied_review_close_with_explanation(ts_worker) -> None:
    client, queue = ts_worker
    d = await Driver.start(client, queue, report())
    await until_evaluation(d)
    await evaluate_all(d, "unsatisfied")
    view = await d.act("review", "close", {"explanation": "the building's pipes are the owner's duty"})
    assert view.status == "closed" and view.outcome.startswith("closed after review")


async def happy_path_until_evaluation(d: Driver) -> None:
    await until_evaluation(d)


async def test_return_for_rework_twice_then_escalation(ts_worker) -> None:
    client, queue = ts_worker
    d = await Driver.start(client, queue, report())
    await to_handling_two_units(d)
    for n in (1, 2):
        await finish_handling(d)
        view = await d.act("verify_result", "return_for_rework", {"reason": f"still cold ({n})"})
        assert view.step == "handling" and view.reworks == n
    await finish_handling(d)
    view = await d.act("verify_result", "return_for_rework", {"reason": "still cold (3)"})
    assert view.step == "whistle" and view.level == "district"
    assert [(t.kind, t.unit_id) for t in view.open_tasks] == [("dispatch", DISTRICT)]
    assert view.escalations[-1].to_unit_id == DISTRICT and view.escalations[-1].by is not None


async def test_extension_approved_moves_the_deadline(ts_worker) -> None:
    client, queue = ts_worker
    d = await Driver.start(client, queue, report())
    await to_handling_two_units(d)
    await d.wait_ready()
    before = (await d.task("handle")).due_at
    view = await d.act("handle", "request_extension", {"days": 3, "reason": "parts on order"})
    approval = next(t for t in view.open_tasks if t.kind == "approve_extension")
    assert approval.unit_id == DISTRICT  # the heating office's leader above: the district
    await d.act("approve_extension", "approve")
    await d.wait_ready()
    after = (await d.task("handle")).due_at
    assert before is not None and after is not None and after - before >= timedelta(days=3)
    assert (await d.task("assist")).due_at == after  # co-units follow the lead's deadline


async def test_extension_denied_keeps_the_deadline(ts_worker) -> None:
    client, queue = ts_worker
    d = await Driver.start(client, queue, report())
    await to_handling_two_units(d)
    await d.wait_ready()
    before = (await d.task("handle")).due_at
    await d.act("handle", "request_extension", {"days": 3, "reason": "parts on order"})
    view = await d.act("approve_extension", "deny", {"reason": "not needed"})
    assert not [t for t in view.open_tasks if t.kind == "approve_extension"]
    assert (await d.task("handle")).due_at == before


async def test_claim_and_unclaim(ts_worker) -> None:
    client, queue = ts_worker
    d = await Driver.start(client, queue, report())
    first, second = principal(d.org, "grid_worker@qh.hd.cy.c1.g1"), principal(d.org, "grid_worker2@qh.hd.cy.c1.g1")
    view = await d.act("verify", "claim", actor=first)
    assert view.open_tasks[0].claimed_by == first.principal_id
    view = await d.act("verify", "unclaim", actor=first)
    assert view.open_tasks[0].claimed_by is None
    await d.act("verify", "claim", actor=second)
    view = await d.act("verify", "whistle", {"kind": "daily", "note": "n"}, actor=second)
    assert view.step == "whistle"


async def test_stopped_clock_time_does_not_count(ts_worker) -> None:
    client, queue = ts_worker
    env_sleep = ts_worker_sleep(client)
    d = await Driver.start(client, queue, report())
    await to_handling_two_units(d)
    await d.wait_ready()
    before = (await d.task("handle")).due_at
    stopped_at = await ts_worker_now()
    view = await d.act("handle", "stop_clock", {"reason": "waiting for access to the flat"})
    assert next(t for t in view.open_tasks if t.kind == "handle").clock_stopped
    await env_sleep(timedelta(hours=30))
    await d.act("handle", "start_clock")
    started_at = await ts_worker_now()
    after = (await d.task("handle")).due_at
    # the deadline moves by the working time the clock stood still: 30 hours, less any of them on a day off (the
    # time-skipping server's clock, carried forward by earlier tests, may have stopped it on a Sunday evening)
    lost = timedelta(seconds=working_seconds_between(stopped_at.astimezone(SHANGHAI), started_at.astimezone(SHANGHAI),
                                                   WorkingCalendar().is_workday))
    assert before is not None and after is not None and after - before >= lost - timedelta(minutes=1)
    assert not (await d.state()).warnings  # nothing fired while the clock was stopped


async def ts_worker_now() -> datetime:
    from tests.conftest import TIMESKIP

    now: datetime = await TIMESKIP["env"].get_current_time()
    return now


def ts_worker_sleep(client):  # type: ignore[no-untyped-def]
    from tests.conftest import TIMESKIP

    return TIMESKIP["env"].sleep


async def test_duplicate_follows_the_original_and_evaluates_it(ts_worker) -> None:
    client, queue = ts_worker
    original = await Driver.start(client, queue, report())
    dup = await Driver.start(client, queue, report(principal="resident2@qh.hd.cy.c1.g1"))
    view = await dup.issue_act("link_duplicate", {"issue_id": original.handle.id.removeprefix("issue-")},
                               principal(dup.org, "grid_worker@qh.hd.cy.c1.g1"))
    assert view.status == "closed" and view.duplicate_of
    orig_view = await original.state()
    assert orig_view.followers == [dup.handle.id.removeprefix("issue-")]
    await until_evaluation(original)
    view = await original.state()
    raters = sorted(t.data["rater"] for t in view.open_tasks if t.kind == "evaluate")
    assert raters == ["follower", "resident", "whistler", "whistler"]  # the whistler rates each unit that took part


async def test_linking_to_a_closed_issue_is_refused(ts_worker) -> None:
    client, queue = ts_worker
    closed = await Driver.start(client, queue, report())
    await closed.act("verify", "reject", {"reason": "dup test"})
    dup = await Driver.start(client, queue, report())
    before = (await dup.state()).last_seq
    try:
        await dup.issue_act("link_duplicate", {"issue_id": closed.handle.id.removeprefix("issue-")},
                            principal(dup.org, "grid_worker@qh.hd.cy.c1.g1"))
        raise AssertionError("link to a closed issue was accepted")
    except Exception as exc:  # noqa: BLE001 - the check reports what failed
        assert "not an open issue" in str(exc.__cause__ or exc)
    assert (await dup.state()).last_seq == before


async def test_act_signal_twin(ts_worker) -> None:
    client, queue = ts_worker
    d = await Driver.start(client, queue, report())
    task = await d.task("verify")
    from domain.messages import ActionRequest
    from tests.driver import actor_for

    actor = actor_for(d.org, task.unit_id, task.roles)
    await d.handle.signal(ResidentIssue.act_signal, ActionRequest(task_id=task.task_id, action="bogus",
                                                                  actor=actor, data={}))
    await d.handle.signal(ResidentIssue.act_signal, ActionRequest(task_id=task.task_id, action="reject",
                                                                  actor=actor, data={"reason": "by signal"}))
    rec = await result(d)
    assert rec.status == "rejected"
    assert not any(e.data.get("action") == "bogus" for e in rec.events)
