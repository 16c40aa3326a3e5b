"""Scenarios through the step table, shared by the workflow tests (and later the read-model and audit
tests). Each takes a started :class:`Driver` and walks it; the tests assert on what came out."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from domain.views import IssueView
from tests.driver import Driver

HEATING = "qh.hd.dept.heating"
MARKET = "qh.hd.dept.market_supervision"
STREET = "qh.hd.cy"
DISTRICT = "qh.hd"


async def whistle_to_dispatch(d: Driver, kind: str = "daily") -> IssueView:
    view = await d.act("verify", "whistle", {"kind": kind, "note": "the heating office must come"})
    if any(t.kind == "approve_whistle" for t in view.open_tasks):
        view = await d.act("approve_whistle", "approve")
    return view


async def route_and_check_in(d: Driver, units: list[str]) -> IssueView:
    await d.act("dispatch", "route", {"unit_ids": units, "note": "please report for duty"})
    view = await d.state()
    for unit in units:
        view = await d.act("report", "check_in", {"note": "on our way"}, unit_id=unit)
    return view


async def to_handling_two_units(d: Driver, list_type: str = "immediate") -> IssueView:
    await whistle_to_dispatch(d)
    await route_and_check_in(d, [HEATING, STREET])
    return await d.act("consult", "conclude", {
        "lead_unit_id": HEATING, "co_unit_ids": [STREET], "list_type": list_type,
        "minutes": "Heating office leads; the street keeps residents informed."})


async def finish_handling(d: Driver) -> IssueView:
    view = await d.state()
    for task in [t for t in view.open_tasks if t.kind == "assist"]:
        await d.act("assist", "complete", {"result": "residents informed"}, unit_id=task.unit_id)
    return await d.act("handle", "complete", {"result": "valve replaced, radiators warm",
                                              "evidence": ["https://files.example/valve.jpg"]})


async def evaluate_all(d: Driver, rating: str = "satisfied") -> IssueView:
    view = await d.state()
    for task in [t for t in view.open_tasks if t.kind == "evaluate"]:
        view = await d.act("evaluate", "rate", {"rating": rating if task.data.get("rater") != "whistler"
                                                else "satisfied", "comment": "ok"}, task_id=task.task_id)
    return view


async def until_evaluation(d: Driver) -> IssueView:
    """Two units, a consultation, handling done and accepted: the issue waits for its ratings."""
    await to_handling_two_units(d)
    await finish_handling(d)
    return await d.act("verify_result", "accept")


async def happy_path(d: Driver) -> IssueView:
    """All seven steps with two units and a consultation."""
    await until_evaluation(d)
    return await evaluate_all(d)


async def understanding_extension_review(d: Driver, rerate: str | None = None) -> IssueView:
    """The understanding list approved, an extension, the clock stopped and restarted, an unsatisfied
    rating closed by review — or, with ``rerate``, reopened and rated again."""
    await to_handling_two_units(d, "understanding")
    await d.act("approve_understanding", "approve")
    await d.act("handle", "request_extension", {"days": 2, "reason": "parts"})
    await d.act("approve_extension", "approve")
    await d.act("handle", "stop_clock", {"reason": "no access"})
    await d.act("handle", "start_clock")
    await finish_handling(d)
    await d.act("verify_result", "accept")
    await evaluate_all(d, "unsatisfied")
    if rerate is None:
        return await d.act("review", "close", {"explanation": "explained"})
    await d.act("review", "reopen", {"handling_days": 2, "reason": "still cold"})
    await finish_handling(d)
    await d.act("verify_result", "accept")
    return await evaluate_all(d, rerate)


Sleeper = Callable[[datetime], Awaitable[None]]

#: red comes two working days after the due time; a weekend or a holiday week (New Year's, the Spring Festival's)
#: can put that up to two weeks later
RED_WITHIN = timedelta(days=21)


async def step_until(sleep_until: Sleeper, start: datetime, reached: Callable[[], Awaitable[bool]],
                     within: timedelta = RED_WITHIN, step: timedelta = timedelta(hours=6)) -> datetime:
    """Move the clock from ``start`` a step at a time until ``reached()`` (or ``within`` has passed); returns the
    time it stopped at."""
    at = start
    while at < start + within:
        at += step
        await sleep_until(at)
        if await reached():
            break
    return at


async def reopen_on_site(d: Driver) -> IssueView:
    """Resolved on the spot, rated unsatisfied, reopened by the supervisor: back to the street as a whistle."""
    await d.act("verify", "resolve_on_site", {"result": "bulb replaced"})
    await d.act("evaluate", "rate", {"rating": "unsatisfied", "comment": "still dark"})
    return await d.act("review", "reopen", {"handling_days": 3, "reason": "the light is still out"})


async def red_then_reassign(d: Driver, sleep_until: Sleeper) -> IssueView:
    """Handling goes red, the district's supervisor takes the lead from the heating office."""
    await whistle_to_dispatch(d)
    await route_and_check_in(d, [HEATING])
    handle = await d.task("handle")
    assert handle.due_at is not None

    async def supervised() -> bool:
        return any(t.kind == "supervision" for t in (await d.state()).open_tasks)

    await step_until(sleep_until, handle.due_at, supervised)
    await d.act("supervision", "reassign", {"unit_ids": [STREET], "reason": "the heating office is stuck"})
    return await d.act("report", "check_in", unit_id=STREET)


async def stop_clock_over_days(d: Driver, sleep_until: Sleeper) -> IssueView:
    await whistle_to_dispatch(d)
    await route_and_check_in(d, [HEATING])
    handle = await d.task("handle")
    await d.act("handle", "stop_clock", {"reason": "waiting for access to the flat"})
    await sleep_until(handle.opened_at + timedelta(days=3))
    return await d.act("handle", "start_clock")
