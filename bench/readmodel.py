"""B3: the read model at scale. A PostgreSQL server (started here, in a temporary folder) gets N issues with
their tasks, events and ratings, written directly with COPY; then the queries people wait on are timed:
an inbox, a filtered and a searched list, a street's list, a quarter's ranking of all streets and of all
departments (without issue ids, as the API answers it), and one unit's figures with their ids (the drill-down)."""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from domain.organisation import Level, Organisation, UnitKind
from store import figures as stats
from store.db import SessionFactory, make_engine, session_factory
from store.figures import snapshots
from store.migrate import upgrade
from store.queries import IssueFilters, Scope, inbox, list_issues
from tests import sample_city
from tests.pg import PostgresServer


def generate(url: str, n: int, seed_: int = 11) -> float:
    """Write ``n`` generated issues inside PostgreSQL itself, with ``generate_series`` and a seeded ``random()``
    (building the rows in Python and copying them in took over a quarter of an hour for a million). Each issue is
    created in 2026 in a random grid with a random matter; 85 % are closed (in evaluation, with a rating), the
    others wait in a random step with an open task; a department of its district leads; up to four tasks (verify,
    dispatch, report, handle) up to the open one; events: reported, three of warning / escalated / urge /
    returned for rework / lead named / comment, and the closing. Returns the seconds it took."""
    t0 = time.monotonic()
    org, cat = sample_city.organisation(), sample_city.catalogue()
    grids = sorted(u.id for u in org.units.values() if u.level is Level.grid and u.kind is UnitKind.territorial)
    ladders = [[u.id for u in org.ancestors(g)] for g in grids]
    matters = list(cat.matters.values())
    departments = sorted(u.id for u in org.units.values() if u.kind is UnitKind.department)
    engine = make_engine(url)
    try:
        with engine.begin() as c:
            c.execute(text("SELECT setseed(:s)"), {"s": (seed_ % 1000) / 1000})
            c.execute(text("CREATE TEMP TABLE g (k int, grid text, community text, street text, district text, "
                           "city text, depts text[]) ON COMMIT DROP"))
            c.execute(text("INSERT INTO g VALUES (:k, :g, :c, :s, :d, :y, :depts)"),
                      [{"k": k, "g": lad[0], "c": lad[1], "s": lad[2], "d": lad[3], "y": lad[4],
                        "depts": [d for d in departments if d.startswith(lad[3])] or departments}
                       for k, lad in enumerate(ladders)])
            c.execute(text("CREATE TEMP TABLE m (k int, code text, name text, category text, list_type text) "
                           "ON COMMIT DROP"))
            c.execute(text("INSERT INTO m VALUES (:k, :code, :name, :cat, :lt)"),
                      [{"k": k, "code": x.code, "name": x.name, "cat": x.category, "lt": x.list_type.value}
                       for k, x in enumerate(matters)])
            c.execute(text(_GENERATE), {"n": n, "ng": len(grids), "nm": len(matters)})
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("ANALYZE"))
    finally:
        engine.dispose()
    return time.monotonic() - t0


#: one row per issue with its dice, then the issue, its tasks up to the open one, its events and its rating
_GENERATE = """
CREATE TEMP TABLE dice ON COMMIT DROP AS
SELECT i, floor(random() * :ng)::int AS gk, floor(random() * :nm)::int AS mk,
       TIMESTAMPTZ '2026-01-01 00:00+00' + random() * INTERVAL '364 days' AS created,
       random() < 0.85 AS closed, 2 + floor(random() * 398)::int AS hours, 1 + floor(random() * 14)::int AS due_days,
       random() AS r_lead, random() AS r_step, random() AS r_events, random() AS r_rating, random() AS r_urgent,
       random() AS r_overdue
FROM generate_series(0, :n - 1) AS i;
CREATE TEMP TABLE b ON COMMIT DROP AS
SELECT dice.*, 'b' || lpad(i::text, 7, '0') AS id, g.grid, g.community, g.street, g.district, g.city, g.depts,
       m.code, m.name, m.category, m.list_type
FROM dice JOIN g ON g.k = dice.gk JOIN m ON m.k = dice.mk;
CREATE TEMP TABLE bi ON COMMIT DROP AS
SELECT b.*, depts[1 + floor(r_lead * cardinality(depts))::int] AS lead,
       CASE WHEN closed THEN created + hours * INTERVAL '1 hour' END AS closed_at,
       CASE WHEN closed THEN 'evaluation'
            ELSE (ARRAY['discovery', 'whistle', 'report', 'handling', 'feedback'])[1 + floor(r_step * 5)::int]
       END AS step
FROM b;
INSERT INTO issues (id, title, matter_code, category, source, urgent, grid_id, community_id, street_id, district_id,
                    city_id, reporter_principal_id, submitted_by, step, status, level, lead_unit_id, co_unit_ids,
                    list_type, whistle_kind, resolution, outcome, due_at, overdue, reworks, urges, created_at,
                    closed_at, last_seq)
SELECT id, name || ' ' || i, code, category, 'resident', r_urgent < 0.05, grid, community, street, district, city,
       'resident1@' || grid, NULL, step, CASE WHEN closed THEN 'closed' ELSE 'open' END, 'street', lead, '',
       list_type, 'daily', CASE WHEN closed THEN 'resolved' END, CASE WHEN closed THEN 'resolved' END,
       CASE WHEN NOT closed THEN created + due_days * INTERVAL '1 day' END, NOT closed AND r_overdue < 0.2, 0, 0,
       created, closed_at, 6
FROM bi;
INSERT INTO tasks (id, issue_id, kind, step, unit_id, roles, principal_id, claimed_by, opened_at, due_at, closed_at,
                   status, outcome, closed_by, late, version_seq)
SELECT bi.id || '.' || k, bi.id, kind, step, unit, roles, NULL, NULL, created + k * INTERVAL '1 hour',
       created + k * INTERVAL '1 hour' + INTERVAL '2 days',
       CASE WHEN k = open_k THEN NULL ELSE created + k * INTERVAL '1 hour' + INTERVAL '5 hours' END,
       CASE WHEN k = open_k THEN 'open' ELSE 'done' END, CASE WHEN k = open_k THEN NULL ELSE kind END, NULL,
       random() < 0.1, 6
FROM bi
CROSS JOIN LATERAL (SELECT CASE step WHEN 'discovery' THEN 1 WHEN 'whistle' THEN 2 WHEN 'report' THEN 3
                                     WHEN 'handling' THEN 4 ELSE 0 END AS open_k) AS o
CROSS JOIN LATERAL (VALUES (1, 'verify', bi.grid, 'grid_worker'), (2, 'dispatch', bi.street, 'dispatcher'),
                           (3, 'report', bi.lead, 'handler'), (4, 'handle', bi.lead, 'handler'))
    AS t(k, kind, unit, roles)
WHERE o.open_k = 0 OR t.k <= o.open_k;
INSERT INTO timeline_events (issue_id, seq, at, step, kind, actor_id, unit_id, task_id, data)
SELECT id, 1, created, 'discovery', 'reported', NULL, grid, NULL, '{}'::json FROM bi
UNION ALL
SELECT id, seq, created + seq * INTERVAL '1 hour', 'handling', kind, NULL, lead, NULL,
       (CASE WHEN kind = 'warning' THEN '{"color": "yellow"}' ELSE '{}' END)::json
FROM bi CROSS JOIN LATERAL (
    SELECT s AS seq, (ARRAY['warning', 'escalated', 'urge', 'returned_for_rework', 'lead_named', 'comment'])[
        1 + (floor(r_events * 6)::int + (ARRAY[0, 1, 3])[s - 1]) % 6] AS kind
    FROM generate_series(2, 4) AS s) AS e
UNION ALL
SELECT id, 5, closed_at, 'evaluation', 'issue_closed', NULL, NULL, NULL, '{}'::json FROM bi WHERE closed;
INSERT INTO ratings (issue_id, ordinal, at, principal_id, unit_id, as_role, rating, comment, round)
SELECT id, 1, closed_at, 'resident1@' || grid, grid, 'resident',
       (ARRAY['satisfied', 'satisfied', 'basically_satisfied', 'unsatisfied', NULL])[1 + floor(r_rating * 5)::int],
       NULL, 1
FROM bi WHERE closed;
"""


def _timed(fn: Callable[[int], Any], repeats: int) -> dict[str, float]:
    ms = []
    for k in range(repeats):
        t0 = time.perf_counter()
        fn(k)
        ms.append((time.perf_counter() - t0) * 1000)
    ordered = sorted(ms)
    return {"p50": statistics.median(ms), "p95": ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))],
            "max": ordered[-1]}


def _snapshot_rankings(sessions: SessionFactory, org: Organisation, scope: stats.Scope, quarter: stats.Period,
                       streets: list[str], depts: list[str], repeats: int) -> dict[str, Any]:
    """The quarter's snapshot as the Schedule keeps it (timed once), and the rankings the API serves from it."""
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    with sessions() as s, s.begin():
        snapshots.refresh(s, org, scope, [quarter], now, 1)
    out: dict[str, Any] = {"snapshot_refresh_s": time.perf_counter() - t0}
    for key, units, level, kind, rule in (
            ("snapshot_streets", streets, Level.street, UnitKind.territorial, stats.HUB),
            ("snapshot_departments", depts, Level.district, UnitKind.department, stats.SUMMONED)):
        def served(k: int, units: list[str] = units, level: Level = level, kind: UnitKind = kind,
                   rule: stats.ScoreRule = rule) -> None:
            with sessions() as s:
                snap = snapshots.current(s, quarter, level, kind, 1, now)
                assert snap is not None
                snapshots.ranked(snap, units, rule)
        out[key] = _timed(served, repeats)
    return out


def b3(issues: int, repeats: int = 30) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="whistle-b3-"))
    server = PostgresServer(root)
    try:
        server.init()
        server.start()
        url = server.create_database("bench")
        upgrade(url)
        sessions = session_factory(make_engine(url))
        with sessions() as session, session.begin():
            sample_city.load_into(session)
        load_s = generate(url, issues)
        org = sample_city.organisation()
        grids = sorted(u.id for u in org.units.values() if u.level is Level.grid and u.kind is UnitKind.territorial)
        streets = sorted(u.id for u in org.units.values() if u.level is Level.street and u.kind is UnitKind.territorial)
        depts = sorted(u.id for u in org.units.values() if u.kind is UnitKind.department)
        street = streets[0]
        quarter = stats.Period.quarter(2026, 2)
        figures_scope = stats.Scope.of(org, sample_city.catalogue())
        out: dict[str, Any] = {"issues": issues, "load_s": load_s}
        with sessions() as s:
            out["rows"] = {t: s.scalar(text(f"SELECT count(*) FROM {t}"))
                           for t in ("issues", "tasks", "timeline_events", "ratings")}
            out["inbox"] = _timed(lambda k: inbox(s, f"grid_worker@{grids[k % len(grids)]}", grids[k % len(grids)],
                                                  ["grid_worker"]), repeats)
            out["inbox_department"] = _timed(lambda k: inbox(s, f"handler@{depts[k % len(depts)]}",
                                                             depts[k % len(depts)], ["handler"]), repeats)
            scope = Scope(units=frozenset(u.id for u in org.subtree(street)))
            out["street_list"] = _timed(lambda k: list_issues(s, scope, IssueFilters()), repeats)
            out["filtered_list"] = _timed(lambda k: list_issues(s, scope, IssueFilters(status="open", overdue=True)),
                                          repeats)
            out["searched_list"] = _timed(lambda k: list_issues(s, scope, IssueFilters(text=f"{k}7")), repeats)
            # as the API serves them: a ranking without issue ids; one unit's figures with them (the drill-down)
            out["ranking_streets"] = _timed(lambda k: stats.ranking(s, streets, quarter, scope=figures_scope,
                                                                    with_ids=False), 3)
            out["ranking_departments"] = _timed(lambda k: stats.ranking(s, depts, quarter, scope=figures_scope,
                                                                        with_ids=False), 3)
            out.update(_snapshot_rankings(sessions, org, figures_scope, quarter, streets, depts, repeats))
            # the generator has a department of the issue's district lead it: the street's district's departments
            busy = [d for d in depts if org.units[d].parent_id == org.units[street].parent_id] or depts
            out["drill_department"] = _timed(lambda k: stats.figures(s, [busy[k % len(busy)]], quarter,
                                                                     figures_scope), 3)
            out["drill_street"] = _timed(lambda k: stats.figures(s, [streets[k % len(streets)]], quarter,
                                                                 figures_scope), 3)
        return out
    finally:
        try:
            server.stop()
        finally:
            shutil.rmtree(root, ignore_errors=True)
