"""The assessment figures on a generated set of a few thousand issues, on both databases, checked against an
independent computation over the generator's own records — with issues exactly at 00:00 and at 07:59 Beijing
time on the 1st of a month, which belong to that month. Each figure's definition is in ``store/figures``; the
computation here mirrors it, figure by figure."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from api.figure_tables import to_csv
from store import models
from store.db import make_engine, session_factory, transaction
from store.figures import HUB, Figure, Period, Scope, UnitStats, figures, rank, ranking, unit_stats
from store.migrate import upgrade
from tests import sample_city

BEIJING = ZoneInfo("Asia/Shanghai")
DEPTS = ["qh.hd.dept.heating", "qh.hd.dept.water"]
GRIDS = ["qh.hd.cy.c1.g1", "qh.hd.cy.c1.g2", "qh.hd.cy.c2.g1"]
TERRITORIAL = ["qh.hd.cy", "qh.hd.cy.c1", "qh.hd.cy.c2", *GRIDS]
UNITS = [*DEPTS, *TERRITORIAL]
LADDER = {g: [g, g.rsplit(".", 1)[0], "qh.hd.cy"] for g in GRIDS}  # grid, community, street
MEDIATION_MATTER, PLAIN_MATTER, SPOT_MATTER = "parking.space_dispute", "property.elevator_fault", \
    "parking.illegal_parking"  # a dispute; neither; a matter a grid may settle on the spot
START = datetime(2026, 7, 1, tzinfo=BEIJING)
NOW = datetime(2026, 11, 20, tzinfo=UTC)
N_ISSUES = 3000


@dataclass
class Gen:
    issues: list[dict] = field(default_factory=list)
    tasks: list[dict] = field(default_factory=list)
    ratings: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    inquiries: list[dict] = field(default_factory=list)


def _created(rng: random.Random, n: int) -> datetime:
    edge = n % 50
    if edge in (0, 1):  # on the 1st of a month, 00:00 or 07:59 Beijing time: the month's first minutes in UTC-less eyes
        month = 7 + rng.randrange(0, 5)
        return datetime(2026, month, 1, 0 if edge == 0 else 7, 0 if edge == 0 else 59, tzinfo=BEIJING)
    return START + timedelta(minutes=rng.randrange(0, 150 * 24 * 60))


def generate(seed: int = 11) -> Gen:
    rng = random.Random(seed)
    g = Gen()
    for n in range(N_ISSUES):
        iid = f"g{n:05d}"
        created = _created(rng, n)
        grid = rng.choice(GRIDS)
        matter = rng.choice([MEDIATION_MATTER, PLAIN_MATTER, PLAIN_MATTER, SPOT_MATTER])
        source = rng.choice(["grid_worker", "grid_worker", "resident", "hotline"])
        due_at = None if rng.random() < 0.3 else created + timedelta(hours=rng.randrange(24, 24 * 60))
        at = created  # the edge cases keep every record of theirs at the exact instant
        edge = n % 50 in (0, 1)

        def later(hours: int, at: datetime = at, edge: bool = edge) -> datetime:
            return at if edge else at + timedelta(hours=hours)

        # discovery: verification climbs the ladder until someone settles, whistles or rejects it
        # (now and then a verification cancelled and one opened further up, or a second one at the same unit)
        settled = False
        ladder, k = LADDER[grid], 0
        for v in range(2 * len(ladder)):
            unit = ladder[k]
            fate = rng.choices(["resolve_on_site", "whistle", "reject", "moved", "open", "cancelled"],
                               [0.35, 0.3, 0.05, 0.2, 0.05, 0.05])[0]
            closed = None if fate == "open" else later(60 * v + rng.randrange(1, 60))
            g.tasks.append(dict(id=f"{iid}.v{v}", issue=iid, kind="verify", unit=unit, opened=later(0),
                                closed=closed, due=None, status={"moved": "moved", "open": "open",
                                                                 "cancelled": "cancelled"}.get(fate, "done"),
                                outcome=None if fate in ("open", "moved", "cancelled") else fate, late=False))
            settled = fate == "resolve_on_site"
            if fate == "cancelled" or (fate == "moved" and rng.random() < 0.85):
                k += 1  # further up the ladder (else a second verification at the same unit)
            if k == len(ladder) or fate not in ("moved", "cancelled") or (fate == "cancelled" and rng.random() < 0.5):
                break
        lead = rng.choice([*DEPTS, "qh.hd.cy"])
        summoned = rng.sample([*DEPTS, "qh.hd.cy"], rng.choice([1, 1, 2]))
        if lead not in summoned:
            summoned[0] = lead
        status = "closed" if settled else rng.choices(["closed", "open", "withdrawn"], [0.8, 0.15, 0.05])[0]
        resolution = ("mediated" if matter == MEDIATION_MATTER else "resolved_on_site") if settled else (
            rng.choice(["resolved", "resolved", "resolved", "mediated", "duplicate"]) if status == "closed" else None)
        outcome = (resolution if rng.random() < 0.85 else "closed after review: explained") \
            if status == "closed" else None
        closed_at = later(rng.randrange(1, 400)) if status != "open" else None
        list_type = rng.choice(["immediate", "immediate", "phased", "understanding"])
        g.issues.append(dict(id=iid, lead=lead, status=status, resolution=resolution, outcome=outcome, grid=grid,
                             matter=matter, created=created, closed_at=closed_at, list_type=list_type, source=source,
                             due=due_at))
        for k, unit in enumerate(summoned):
            fate = rng.choices(["check_in", "decline", "timed_out", "open", "cancelled"],
                               [0.72, 0.08, 0.1, 0.05, 0.05])[0]
            opened = later(1)
            g.tasks.append(dict(id=f"{iid}.r{k}", issue=iid, kind="report", unit=unit, opened=opened,
                                closed=None if fate == "open" else later(rng.randrange(1, 9)), due=None,
                                status={"check_in": "done", "decline": "done", "timed_out": "timed_out",
                                        "open": "open", "cancelled": "cancelled"}[fate],
                                outcome={"check_in": "check_in", "decline": "decline", "timed_out": "no check-in",
                                         "open": None, "cancelled": None}[fate],
                                late=fate == "timed_out" or rng.random() < 0.1))
        if rng.random() < 0.1:  # a dispatcher's own escalation, and one forced by a timeout
            g.tasks.append(dict(id=f"{iid}.d", issue=iid, kind="dispatch", unit="qh.hd.cy", opened=later(1),
                                closed=later(2), due=None, status="done", outcome="escalate", late=False))
            g.events.append(dict(issue=iid, seq=100, at=later(2), kind="escalated", unit="qh.hd.cy",
                                 task=f"{iid}.d", data={}))
            g.events.append(dict(issue=iid, seq=101, at=later(3), kind="escalated", unit="qh.hd.cy",
                                 task=f"{iid}.r0", data={}))
        if rng.random() < 0.6:  # the hub routes it: on time or late, moved up when nobody did, or cancelled
            fate = rng.choice(["done", "done", "moved", "cancelled", "open"])
            hub = rng.choice(["qh.hd.cy", LADDER[grid][1]])
            g.tasks.append(dict(id=f"{iid}.dr", issue=iid, kind="dispatch", unit=hub, opened=later(1),
                                closed=None if fate == "open" else later(rng.randrange(1, 30)),
                                due=later(4), status=fate, outcome="route" if fate == "done" else None,
                                late=fate == "moved" or (fate == "done" and rng.random() < 0.25)))
        h_opened = later(10)
        fate = "complete" if status == "closed" else rng.choice(["open", "moved", "cancelled"])
        g.tasks.append(dict(id=f"{iid}.h", issue=iid, kind="handle", unit=lead, opened=h_opened,
                            closed=None if fate == "open" else h_opened + timedelta(hours=rng.randrange(2, 300)),
                            due=h_opened + timedelta(hours=rng.randrange(24, 24 * 40)),
                            status={"complete": "done", "open": "open", "moved": "moved",
                                    "cancelled": "cancelled"}[fate],
                            outcome="complete" if fate == "complete" else None,
                            late=fate == "complete" and rng.random() < 0.2))
        if status == "closed":
            for o in range(rng.choice([0, 1, 1, 2, 3])):
                role = rng.choice(["resident", "follower", "whistler"])
                # from rules 3 the whistler rates each unit that took part (here, now and then one that did not)
                rated_unit = rng.choice([None, *summoned]) if role == "whistler" else None
                g.ratings.append(dict(issue=iid, ordinal=o + 1, at=closed_at - timedelta(minutes=5) if not edge
                                      else at, as_role=role, for_unit=rated_unit,
                                      rating=rng.choice(["satisfied", "basically_satisfied", "unsatisfied", None])))
        for seq in range(1, rng.choice([0, 0, 1, 3]) + 1):
            kind = rng.choice(["warning", "escalated", "urge", "returned_for_rework", "urge", "supervise"])
            data: dict = {"color": rng.choice(["reminder", "yellow", "red"])} if kind == "warning" else {}
            unit = None if kind in ("urge", "returned_for_rework") and rng.random() < 0.2 else rng.choice(UNITS)
            actor, task = None, None
            if kind in ("urge", "supervise"):
                # a person's, charged to the unit concerned (rules 3); one recorded before (charged to the lead);
                # a supervision task's urge, or the supervision a red warning opens (charged to the late task's unit)
                form = rng.choice(["charged", "legacy", "task", "task"] if kind == "supervise" else
                                  ["charged", "legacy", "task", "unnamed"])
                if form == "charged":
                    actor, data = "supervisor@qh.hd", {"by_unit_id": "qh.hd", "note": "n"}
                elif form == "legacy":
                    actor, data = "resident@x", {"note": "n"}
                elif form == "task":
                    actor, task = (None if kind == "supervise" else "supervisor@qh.hd"), f"{iid}.h"
                    unit = "qh.hd" if kind == "supervise" else unit
                else:
                    unit = None
            g.events.append(dict(issue=iid, seq=seq, at=later(rng.randrange(1, 500)), kind=kind, unit=unit,
                                 task=task, data=data, actor=actor))
    for n in range(400):  # questions answered without dispatch, by a grid or a community
        g.inquiries.append(dict(id=f"q{n:04d}", unit=rng.choice([*GRIDS, "qh.hd.cy.c1", "qh.hd.cy.c2"]),
                                at=START + timedelta(minutes=rng.randrange(0, 150 * 24 * 60))))
    return g


def load(url: str, g: Gen) -> None:
    upgrade(url)
    sessions = session_factory(make_engine(url))
    with transaction(sessions) as s:
        for i in g.issues:
            s.add(models.Issue(
                id=i["id"], title="t", matter_code=i["matter"], category="property", source=i["source"],
                urgent=False, grid_id=i["grid"], community_id=i["grid"].rsplit(".", 1)[0], street_id="qh.hd.cy",
                district_id="qh.hd", city_id="qh", reporter_principal_id=None, step="evaluation",
                status=i["status"], level="street", lead_unit_id=i["lead"], co_unit_ids="", list_type=i["list_type"],
                whistle_kind="daily", resolution=i["resolution"], outcome=i["outcome"], due_at=i["due"], overdue=False,
                reworks=0, urges=0, created_at=i["created"], closed_at=i["closed_at"], last_seq=1))
        s.flush()
        for t in g.tasks:
            s.add(models.Task(id=t["id"], issue_id=t["issue"], kind=t["kind"], step="report", unit_id=t["unit"],
                              roles="handler", principal_id=None, claimed_by=None, opened_at=t["opened"],
                              due_at=t["due"], closed_at=t["closed"], status=t["status"], outcome=t["outcome"],
                              closed_by=None, late=t["late"], version_seq=1))
        for r in g.ratings:
            s.add(models.Rating(issue_id=r["issue"], ordinal=r["ordinal"], at=r["at"], principal_id=None, unit_id=None,
                                as_role=r["as_role"], rating=r["rating"], comment=None, round=1,
                                for_unit_id=r["for_unit"]))
        for e in g.events:
            s.add(models.TimelineEvent(issue_id=e["issue"], seq=e["seq"], at=e["at"], step="handling", kind=e["kind"],
                                       actor_id=e.get("actor"), unit_id=e["unit"], task_id=e["task"], data=e["data"]))
        for q in g.inquiries:
            s.add(models.Inquiry(id=q["id"], unit_id=q["unit"], principal_id="worker@x", at=q["at"], channel="visit",
                                 question="q", answer="a"))


Expected = dict[str, tuple[int, int | None, list[str]]]


def expected(g: Gen, unit: str, p: Period, policy: str, scope: Scope) -> Expected:
    """The same figures, computed without SQL, straight from the generator's records and the definitions."""
    def within(t: datetime | None) -> bool:
        return t is not None and p.start <= t < p.end

    def rate(pairs: list[tuple[str, bool]]) -> tuple[int, int, list[str]]:
        return sum(ok for _, ok in pairs), len(pairs), sorted({i for i, ok in pairs if ok})

    def count(ids: list[str]) -> tuple[int, None, list[str]]:
        return len(ids), None, sorted(set(ids))

    def judged(rating: str | None) -> bool | None:
        if rating is None:
            return None if policy == "exclude" else policy == "satisfied"
        return rating in ("satisfied", "basically_satisfied")

    issue = {i["id"]: i for i in g.issues}
    tasks = g.tasks
    reports = [t for t in tasks if t["kind"] == "report" and t["unit"] == unit and within(t["opened"])]
    answered = [(t["issue"], t["outcome"] == "check_in" and not t["late"]) for t in reports
                if t["status"] in ("done", "timed_out") and t["outcome"] != "decline"]
    handles = []
    for t in tasks:
        if t["kind"] != "handle" or t["unit"] != unit or t["status"] == "cancelled":
            continue
        if t["outcome"] == "complete":
            if within(t["closed"]):
                handles.append((t["issue"], not t["late"]))
        elif within(t["due"]) and t["due"] <= NOW:
            handles.append((t["issue"], False))
    closed = [(i["id"], i["outcome"] in ("resolved", "resolved_on_site", "mediated")) for i in g.issues
              if i["lead"] == unit and i["status"] == "closed" and within(i["closed_at"])
              and i["resolution"] not in ("duplicate", "rejected", "withdrawn")]
    dispatched = [(t["issue"], t["status"] == "done" and not t["late"]) for t in tasks
                  if t["kind"] == "dispatch" and t["unit"] == unit and t["status"] not in ("cancelled", "open")
                  and within(t["closed"])]
    territory = scope.territories.get(unit, frozenset())
    rated, whistled, territorial = [], [], []
    took_part = {(t["issue"], t["unit"]) for t in tasks if t["kind"] == "report" and t["outcome"] == "check_in"}
    for r in g.ratings:
        ok = judged(r["rating"])
        if not within(r["at"]) or ok is None:
            continue
        if r["as_role"] in ("resident", "follower") and issue[r["issue"]]["lead"] == unit:
            rated.append((r["issue"], ok))
        if r["as_role"] in ("resident", "follower") and issue[r["issue"]]["grid"] in territory:
            territorial.append((r["issue"], ok))
        if r["as_role"] == "whistler" and (r["for_unit"] == unit if r["for_unit"] else (r["issue"], unit) in took_part):
            whistled.append((r["issue"], ok))
    voluntary = {t["id"] for t in tasks if t["kind"] == "dispatch" and t["outcome"] == "escalate"}
    task_unit = {t["id"]: t["unit"] for t in tasks}
    ev = [e for e in g.events if within(e["at"])]

    def legacy(e: dict) -> bool:  # a person's urge or supervision recorded before rules 3
        return e["kind"] in ("urge", "supervise") and e["task"] is None and e["actor"] is not None \
            and "by_unit_id" not in e["data"]

    def to_lead(e: dict) -> bool:
        return (e["unit"] is None and e["kind"] in ("urge", "returned_for_rework")) or legacy(e)

    mine = [e for e in ev if e["unit"] == unit and not legacy(e)]
    charged = [e for e in ev if (e["unit"] == unit and not legacy(e))
               or (to_lead(e) and issue[e["issue"]]["lead"] == unit)]
    supervised = [e for e in ev if e["kind"] == "supervise" and (
        (e["actor"] is not None and e in charged) or (e["actor"] is None and task_unit.get(e["task"]) == unit))]
    grids = [i for i in g.issues if i["grid"] in territory]
    found = [(i["id"], i["resolution"] in ("resolved_on_site", "mediated")) for i in grids
             if i["source"] == "grid_worker" and i["matter"] in scope.on_the_spot_matters and within(i["created"])
             and i["resolution"] not in ("duplicate", "rejected", "withdrawn")]
    end = min(p.end, NOW)
    still_open = [i for i in grids if i["created"] < p.end and (i["closed_at"] is None or i["closed_at"] >= p.end)]
    volumes = {
        "territory_received": count([i["id"] for i in grids if within(i["created"])]),
        "territory_closed": count([i["id"] for i in grids if i["status"] == "closed" and within(i["closed_at"])
                                   and i["resolution"] != "duplicate"]),
        "territory_open": count([i["id"] for i in still_open]),
        "territory_overdue": count([i["id"] for i in still_open if i["due"] is not None and i["due"] < end]),
        "inquiries_answered": count([q["id"] for q in g.inquiries if q["unit"] in territory and within(q["at"])]),
    }
    onsite, mediated = [], []
    verifies: dict[str, list[dict]] = {}
    for t in tasks:
        if t["kind"] == "verify":
            verifies.setdefault(t["issue"], []).append(t)
    for i in g.issues:
        here = [t for t in verifies.get(i["id"], []) if t["unit"] in territory and t["status"] != "cancelled"]
        if not here or any(t["status"] == "open" for t in here):
            continue
        last = max(here, key=lambda t: (t["closed"], t["status"] != "moved"))
        if last["outcome"] == "reject" or not within(last["closed"]):
            continue
        (mediated if i["matter"] == MEDIATION_MATTER else onsite).append(
            (i["id"], last["outcome"] == "resolve_on_site"))
    no_rate = (0, None, [])
    nothing = (0, None, [])
    return {
        "dispatch_on_time_rate": rate(dispatched),
        "territorial_satisfaction_rate": rate(territorial) if territory else no_rate,
        "rectification_rate": rate(found) if territory else no_rate,
        "supervisions": count([e["issue"] for e in supervised]),
        **(volumes if territory else dict.fromkeys(volumes, nothing)),
        "received": (len({t["issue"] for t in reports}), None, sorted({t["issue"] for t in reports})),
        "summoned": count([t["issue"] for t in reports]),
        "response_rate": rate(answered),
        "on_time_handling_rate": rate(handles),
        "resolution_rate": rate(closed),
        "satisfaction_rate": rate(rated),
        "whistler_satisfaction_rate": rate(whistled),
        "onsite_rate": rate(onsite) if territory else no_rate,
        "mediation_rate": rate(mediated) if territory else no_rate,
        "yellow": count([e["issue"] for e in mine if e["kind"] == "warning" and e["data"]["color"] == "yellow"]),
        "red": count([e["issue"] for e in mine if e["kind"] == "warning" and e["data"]["color"] == "red"]),
        "escalations": count([e["issue"] for e in mine if e["kind"] == "escalated" and e["task"] not in voluntary]),
        "urges": count([e["issue"] for e in charged if e["kind"] == "urge"]),
        "reworks": count([e["issue"] for e in charged if e["kind"] == "returned_for_rework"]),
    }


def numbers(stats: UnitStats) -> dict[str, object]:
    """A unit's figures without their issue ids."""
    return {name: (value.numerator, value.denominator) if isinstance(value, Figure) else
            {k: (f.numerator, f.denominator) for k, f in value.items()} if isinstance(value, dict) else value
            for name, value in stats if name != "period"}


@pytest.fixture(scope="module")
def generated() -> Gen:
    return generate()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def loaded(request: pytest.FixtureRequest, generated: Gen, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The generated issues in a database of each kind, loaded once for the tests that only read them."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('stats') / 'read.db'}"
    else:
        url = request.getfixturevalue("postgres").create_database(f"t_{uuid.uuid4().hex[:12]}")
    load(url, generated)
    return url


@pytest.mark.parametrize("policy", ["exclude", "unsatisfied"])
def test_stats_match_an_independent_computation(loaded: str, generated: Gen, policy: str) -> None:
    sessions = session_factory(make_engine(loaded))
    scope = Scope.of(sample_city.organisation(), sample_city.catalogue(), policy, NOW)  # type: ignore[arg-type]
    periods = [Period.quarter(2026, 3), Period.month(2026, 10), Period.month(2026, 8),
               Period.custom(START, START + timedelta(days=150))]
    nonzero: set[str] = set()
    with sessions() as s:
        for p in periods:
            got_all = figures(s, UNITS, p, scope)
            for unit in UNITS:
                got = got_all[unit]
                for name, (num, den, ids) in expected(generated, unit, p, policy, scope).items():
                    fig = getattr(got, name)
                    assert (fig.numerator, fig.denominator, fig.issue_ids) == (num, den, ids), (p.label, unit, name)
                    nonzero |= {name} if num else set()
                assert got == unit_stats(s, unit, p, scope=scope)
            # a ranking counts without fetching ids (the console asks for one unit's ids when it drills down):
            # every number is the same
            for unit, bare in figures(s, UNITS, p, scope, with_ids=False).items():
                assert numbers(bare) == numbers(got_all[unit]), (p.label, unit)
        rows = ranking(s, UNITS, periods[0], scope=scope)
    assert nonzero >= {"received", "summoned", "response_rate", "on_time_handling_rate", "resolution_rate",
                       "satisfaction_rate", "whistler_satisfaction_rate", "onsite_rate", "mediation_rate", "yellow",
                       "red", "escalations", "urges", "reworks", "dispatch_on_time_rate",
                       "territorial_satisfaction_rate", "rectification_rate", "supervisions", "territory_received",
                       "territory_closed", "territory_open", "territory_overdue", "inquiries_answered"}
    assert [r.rank for r in rows] == list(range(1, len(UNITS) + 1))
    complete = [r for r in rows if r.complete]
    assert complete and all(r.complete for r in rows[:len(complete)])  # complete units first
    assert [r.score for r in complete] == sorted((r.score for r in complete), reverse=True)  # type: ignore[misc]
    csv_text = to_csv(rows)
    assert csv_text.splitlines()[0].startswith("rank,unit_id,period,score,complete")
    assert len(csv_text.splitlines()) == len(UNITS) + 1


def test_the_first_minutes_of_a_month_in_beijing_belong_to_it(loaded: str, generated: Gen) -> None:
    """00:00 and 07:59 on the 1st, Beijing time, are still the previous month in UTC: they count in the new one."""
    edge = [i for i in generated.issues if i["created"].day == 1 and i["created"].hour in (0, 7)
            and i["created"].tzinfo is BEIJING]
    assert edge
    sessions = session_factory(make_engine(loaded))
    with sessions() as s:
        for i in edge[:6]:
            month = Period.month(2026, i["created"].month)
            before = Period.month(2026, i["created"].month - 1)
            reports = {t["unit"] for t in generated.tasks if t["issue"] == i["id"] and t["kind"] == "report"}
            for unit in reports:
                assert i["id"] in unit_stats(s, unit, month).received.issue_ids
                assert i["id"] not in unit_stats(s, unit, before).received.issue_ids
    assert Period.month(2026, 11).start.isoformat() == "2026-11-01T00:00:00+08:00"


def test_a_unit_missing_a_rate_is_never_ranked_above_a_complete_one() -> None:

    def stats(unit: str, rates: dict[str, tuple[int, int]]) -> UnitStats:
        full = {n: Figure(numerator=a, denominator=b) for n, (a, b) in rates.items()}
        empty = Figure()
        names = ["received", "summoned", "response_rate", "on_time_handling_rate", "resolution_rate",
                 "satisfaction_rate", "whistler_satisfaction_rate", "onsite_rate", "mediation_rate", "yellow", "red",
                 "escalations", "urges", "reworks"]
        return UnitStats(unit_id=unit, period=Period.quarter(2026, 4), list_shares={}, hours_held=0,
                         **{n: full.get(n, empty) for n in names})

    five = ["response_rate", "on_time_handling_rate", "resolution_rate", "satisfaction_rate",
            "whistler_satisfaction_rate"]
    perfect_but_partial = stats("a", dict.fromkeys(five[:4], (1, 1)))
    weak_but_complete = stats("b", dict.fromkeys(five, (1, 2)))
    rows = rank([perfect_but_partial, weak_but_complete])
    assert [(r.unit_id, r.complete, r.score) for r in rows] == [("b", True, 50.0), ("a", False, 100.0)]
    assert rows[1].missing == ["whistler_satisfaction_rate"]


def test_periods() -> None:
    assert Period.quarter(2026, 4).end == datetime(2027, 1, 1, tzinfo=BEIJING)
    assert Period.month(2026, 12).end == datetime(2027, 1, 1, tzinfo=BEIJING)
    assert Period.parse(now=datetime(2026, 10, 31, 16, 30, tzinfo=UTC)).label == "2026-11"  # 00:30 in Beijing
    assert Period.parse(now=datetime(2026, 10, 31, 16, 30, tzinfo=UTC), tz=UTC).label == "2026-10"
    assert Period.containing(datetime(2026, 12, 31, 16, 0, tzinfo=UTC)).label == "2027-Q1"
    with pytest.raises(ValueError):
        Period.quarter(2026, 5)


def test_a_street_is_scored_as_the_hub_of_its_territory() -> None:
    """A street never summoned in the quarter is still scored, on its dispatching and its territory."""
    empty = Figure()

    def street(unit: str, rates: dict[str, tuple[int, int]]) -> UnitStats:
        names = [n for n, f in UnitStats.model_fields.items() if f.annotation is Figure]
        return UnitStats(unit_id=unit, period=Period.quarter(2026, 4), list_shares={}, hours_held=0,
                         **{n: Figure(numerator=rates[n][0], denominator=rates[n][1]) if n in rates else empty
                            for n in names})

    hub = {"dispatch_on_time_rate": (9, 10), "onsite_rate": (8, 10), "territorial_satisfaction_rate": (10, 10)}
    quiet = street("quiet", hub)
    summoned = street("busy", {**hub, "response_rate": (1, 2), "mediation_rate": (1, 1)})
    partial = street("partial", {"dispatch_on_time_rate": (1, 1)})
    rows = rank([partial, summoned, quiet], HUB)
    assert [(r.unit_id, r.complete, r.score) for r in rows] == [("quiet", True, 90.0), ("busy", True, 84.0),
                                                                ("partial", False, 100.0)]
    assert rows[2].missing == ["onsite_rate", "territorial_satisfaction_rate"]
