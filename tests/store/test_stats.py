"""The assessment figures on a generated set of a few thousand issues, on both databases, checked
against an independent computation over the generator's own records."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from store import models
from store.db import make_engine, session_factory, transaction
from store.migrate import upgrade
from store.stats import Period, ranking, to_csv, unit_stats

UNITS = ["qh.hd.dept.heating", "qh.hd.dept.water", "qh.hd.cy", "qh.hd.xh"]
START = datetime(2026, 7, 1, tzinfo=UTC)
N_ISSUES = 3000


@dataclass
class Gen:
    issues: list[dict] = field(default_factory=list)
    tasks: list[dict] = field(default_factory=list)
    ratings: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)


def generate(seed: int = 11) -> Gen:
    rng = random.Random(seed)
    g = Gen()
    for n in range(N_ISSUES):
        iid = f"g{n:05d}"
        created = START + timedelta(minutes=rng.randrange(0, 150 * 24 * 60))
        lead = rng.choice(UNITS)
        summoned = rng.sample(UNITS, rng.choice([1, 1, 2]))
        if lead not in summoned:
            summoned[0] = lead
        status = rng.choices(["closed", "open", "withdrawn"], [0.8, 0.15, 0.05])[0]
        resolution = rng.choice(["resolved", "resolved", "resolved", "mediated",
                                 "duplicate"]) if status == "closed" else None
        explained = "closed after review: explained"
        outcome = (resolution if rng.random() < 0.85 else explained) if status == "closed" else None
        closed_at = created + timedelta(hours=rng.randrange(1, 400)) if status != "open" else None
        list_type = rng.choice(["immediate", "immediate", "phased", "understanding"])
        g.issues.append(dict(id=iid, lead=lead, status=status, resolution=resolution, outcome=outcome,
                             created=created, closed_at=closed_at, list_type=list_type))
        for k, unit in enumerate(summoned):
            opened = created + timedelta(hours=1)
            fate = rng.choices(["check_in", "decline", "timed_out", "open"], [0.75, 0.08, 0.1, 0.07])[0]
            g.tasks.append(dict(id=f"{iid}.r{k}", issue=iid, kind="report", unit=unit, opened=opened,
                                closed=None if fate == "open" else opened + timedelta(hours=rng.randrange(1, 9)),
                                status={"check_in": "done", "decline": "done", "timed_out": "timed_out",
                                        "open": "open"}[fate],
                                outcome={"check_in": "check_in", "decline": "decline", "timed_out": "no check-in",
                                         "open": None}[fate], late=fate == "timed_out" or rng.random() < 0.1))
        h_opened = created + timedelta(hours=10)
        done = status == "closed"
        g.tasks.append(dict(id=f"{iid}.h", issue=iid, kind="handle", unit=lead, opened=h_opened,
                            closed=h_opened + timedelta(hours=rng.randrange(2, 300)) if done else None,
                            status="done" if done else "open", outcome="complete" if done else None,
                            late=done and rng.random() < 0.2))
        if done:
            for o in range(rng.choice([0, 1, 1, 2])):
                g.ratings.append(dict(issue=iid, ordinal=o + 1, at=closed_at - timedelta(minutes=5),
                                      as_role=rng.choice(["resident", "follower", "whistler"]),
                                      rating=rng.choice(["satisfied", "basically_satisfied", "unsatisfied", None])))
        for seq in range(1, rng.choice([0, 0, 1, 3]) + 1):
            kind = rng.choice(["warning", "escalated", "urge", "returned_for_rework"])
            data = {"color": rng.choice(["reminder", "yellow", "red"])} if kind == "warning" else {}
            g.events.append(dict(issue=iid, seq=seq, at=created + timedelta(hours=rng.randrange(1, 500)), kind=kind,
                                 unit=rng.choice(UNITS), data=data))
    return g


def load(url: str, g: Gen) -> None:
    upgrade(url)
    sessions = session_factory(make_engine(url))
    with transaction(sessions) as s:
        for i in g.issues:
            s.add(models.Issue(
                id=i["id"], title="t", matter_code="heating.no_heat", category="heating", source="resident",
                urgent=False, grid_id="g", community_id="c", street_id="s", district_id="d", city_id="qh",
                reporter_principal_id=None, step="evaluation", status=i["status"], level="street",
                lead_unit_id=i["lead"], co_unit_ids="", list_type=i["list_type"], whistle_kind="daily",
                resolution=i["resolution"], outcome=i["outcome"], due_at=None, overdue=False, reworks=0, urges=0,
                created_at=i["created"], closed_at=i["closed_at"], last_seq=1))
        s.flush()
        for t in g.tasks:
            s.add(models.Task(id=t["id"], issue_id=t["issue"], kind=t["kind"], step="report", unit_id=t["unit"],
                              roles="handler", principal_id=None, claimed_by=None, opened_at=t["opened"], due_at=None,
                              closed_at=t["closed"], status=t["status"], outcome=t["outcome"], closed_by=None,
                              late=t["late"], version_seq=1))
        for r in g.ratings:
            s.add(models.Rating(issue_id=r["issue"], ordinal=r["ordinal"], at=r["at"], principal_id=None, unit_id=None,
                                as_role=r["as_role"], rating=r["rating"], comment=None, round=1))
        for e in g.events:
            s.add(models.TimelineEvent(issue_id=e["issue"], seq=e["seq"], at=e["at"], step="handling", kind=e["kind"],
                                       actor_id=None, unit_id=e["unit"], task_id=None, data=e["data"]))


def expected(g: Gen, unit: str, p: Period, policy: str) -> dict[str, tuple[int, int | None, list[str]]]:
    """The same figures, computed without SQL, straight from the generator's records."""
    def within(t: datetime | None) -> bool:
        return t is not None and p.start <= t < p.end

    lead = {i["id"]: i["lead"] for i in g.issues}
    reports = [t for t in g.tasks if t["kind"] == "report" and t["unit"] == unit and within(t["opened"])]
    answered = [t for t in reports if t["status"] in ("done", "timed_out") and t["outcome"] != "decline"]
    ok = [t for t in answered if t["outcome"] == "check_in" and not t["late"]]
    handles = [t for t in g.tasks if t["kind"] == "handle" and t["unit"] == unit and t["outcome"] == "complete"
               and within(t["closed"])]
    closed = [i for i in g.issues if i["lead"] == unit and i["status"] == "closed" and within(i["closed_at"])
              and i["resolution"] not in ("duplicate", "rejected", "withdrawn")]
    resolved = [i for i in closed if i["outcome"] in ("resolved", "resolved_on_site", "mediated")]
    rated = []
    for r in g.ratings:
        if lead[r["issue"]] != unit or r["as_role"] not in ("resident", "follower") or not within(r["at"]):
            continue
        if r["rating"] is None:
            if policy != "exclude":
                rated.append((r["issue"], policy == "satisfied"))
        else:
            rated.append((r["issue"], r["rating"] in ("satisfied", "basically_satisfied")))
    ev = [e for e in g.events if within(e["at"])]
    return {
        "received": (len(reports), None, sorted({t["issue"] for t in reports})),
        "response_rate": (len(ok), len(answered), sorted({t["issue"] for t in ok})),
        "on_time_handling_rate": (sum(not t["late"] for t in handles), len(handles),
                                  sorted({t["issue"] for t in handles if not t["late"]})),
        "resolution_rate": (len(resolved), len(closed), sorted(i["id"] for i in resolved)),
        "satisfaction_rate": (sum(x for _, x in rated), len(rated), sorted({i for i, x in rated if x})),
        "yellow": (sum(1 for e in ev
                       if e["unit"] == unit and e["kind"] == "warning" and e["data"]["color"] == "yellow"),
                   None, sorted({e["issue"] for e in ev if e["unit"] == unit and e["kind"] == "warning"
                                 and e["data"]["color"] == "yellow"})),
        "escalations": (sum(1 for e in ev if e["unit"] == unit and e["kind"] == "escalated"), None,
                        sorted({e["issue"] for e in ev if e["unit"] == unit and e["kind"] == "escalated"})),
        "urges": (sum(1 for e in ev if lead[e["issue"]] == unit and e["kind"] == "urge"), None,
                  sorted({e["issue"] for e in ev if lead[e["issue"]] == unit and e["kind"] == "urge"})),
        "red": (sum(1 for e in ev if e["unit"] == unit and e["kind"] == "warning" and e["data"]["color"] == "red"),
                None, sorted({e["issue"] for e in ev if e["unit"] == unit and e["kind"] == "warning"
                              and e["data"]["color"] == "red"})),
        "reworks": (sum(1 for e in ev if lead[e["issue"]] == unit and e["kind"] == "returned_for_rework"), None,
                    sorted({e["issue"] for e in ev
                            if lead[e["issue"]] == unit and e["kind"] == "returned_for_rework"})),
    }


def expected_shares_and_hours(g: Gen, unit: str, p: Period) -> tuple[dict[str, list[str]], float]:
    def within(t: datetime | None) -> bool:
        return t is not None and p.start <= t < p.end

    by_id = {i["id"]: i for i in g.issues}
    started = {t["issue"] for t in g.tasks if t["kind"] == "handle" and t["unit"] == unit
               and by_id[t["issue"]]["lead"] == unit and within(t["opened"])}
    shares: dict[str, list[str]] = {}
    for issue_id in sorted(started):
        shares.setdefault(by_id[issue_id]["list_type"], []).append(issue_id)
    hours = sum((t["closed"] - t["opened"]).total_seconds() for t in g.tasks
                if t["unit"] == unit and within(t["closed"])) / 3600
    return shares, round(hours, 3)


@pytest.fixture(scope="module")
def generated() -> Gen:
    return generate()


@pytest.mark.parametrize("policy", ["exclude", "unsatisfied"])
def test_stats_match_an_independent_computation(db_url: str, generated: Gen, policy: str) -> None:
    load(db_url, generated)
    sessions = session_factory(make_engine(db_url))
    periods = [Period.quarter(2026, 3), Period.month(2026, 10), Period.custom(START, START + timedelta(days=150))]
    with sessions() as s:
        for p in periods:
            for unit in UNITS:
                got = unit_stats(s, unit, p, policy)  # type: ignore[arg-type]
                for name, (num, den, ids) in expected(generated, unit, p, policy).items():
                    fig = getattr(got, name)
                    assert (fig.numerator, fig.denominator, fig.issue_ids) == (num, den, ids), (p.label, unit, name)
                assert got.received.numerator > 0
                shares, hours = expected_shares_and_hours(generated, unit, p)
                assert {k: f.issue_ids for k, f in got.list_shares.items()} == shares, (p.label, unit)
                assert all(f.denominator == sum(map(len, shares.values())) for f in got.list_shares.values())
                assert got.hours_held == pytest.approx(hours, abs=0.002), (p.label, unit)
        rows = ranking(s, UNITS, periods[0])
    assert [r.rank for r in rows] == [1, 2, 3, 4]
    scores = [r.score for r in rows]
    assert scores == sorted(scores, reverse=True)
    csv_text = to_csv(rows)
    assert csv_text.splitlines()[0].startswith("rank,unit_id,period,score") and len(csv_text.splitlines()) == 5


def test_periods() -> None:
    assert Period.quarter(2026, 4).end == datetime(2027, 1, 1, tzinfo=UTC)
    assert Period.month(2026, 12).end == datetime(2027, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError):
        Period.quarter(2026, 5)
