"""B3: the read model at scale. A PostgreSQL server (started here, in a temporary folder) gets N issues with
their tasks, events and ratings, written directly with COPY; then the queries people wait on are timed:
an inbox, a filtered and a searched list, a street's list, and a quarter's ranking of all streets and of all
departments."""

from __future__ import annotations

import io
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from core import directory
from domain.organisation import Level, UnitKind
from store import stats
from store.db import make_engine, session_factory
from store.migrate import upgrade
from store.queries import IssueFilters, Scope, inbox, list_issues
from store.seed import seed
from tests.pg import PostgresServer

ISSUE_COLUMNS = ("id", "title", "matter_code", "category", "source", "urgent", "grid_id", "community_id",
                 "street_id", "district_id", "city_id", "reporter_principal_id", "submitted_by", "step", "status",
                 "level", "lead_unit_id", "co_unit_ids", "list_type", "whistle_kind", "resolution", "outcome",
                 "due_at", "overdue", "reworks", "urges", "created_at", "closed_at", "last_seq")
TASK_COLUMNS = ("id", "issue_id", "kind", "step", "unit_id", "roles", "principal_id", "claimed_by", "opened_at",
                "due_at", "closed_at", "status", "outcome", "closed_by", "late", "version_seq")
EVENT_COLUMNS = ("issue_id", "seq", "at", "step", "kind", "actor_id", "unit_id", "task_id", "data")
RATING_COLUMNS = ("issue_id", "ordinal", "at", "principal_id", "unit_id", "as_role", "rating", "comment", "round")
START = datetime(2026, 1, 1, tzinfo=UTC)
CHUNK = 50_000


def _csv(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    text_ = str(value)
    if not text_:
        return '""'  # an empty string, not NULL
    return '"' + text_.replace('"', '""') + '"' if any(c in text_ for c in ',"\n') else text_


def _rows(n: int, seed_: int) -> Iterator[tuple[list[Any], list[list[Any]], list[list[Any]], list[list[Any]]]]:
    """Issue by issue: its row, its tasks, its events, its ratings."""
    rng = random.Random(seed_)
    org, cat = directory.organisation(), directory.catalogue()
    grids = sorted(u.id for u in org.units.values() if u.level is Level.grid and u.kind is UnitKind.territorial)
    matters = list(cat.matters.values())
    departments = sorted(u.id for u in org.units.values() if u.kind is UnitKind.department)
    span = (datetime(2026, 12, 31, tzinfo=UTC) - START).total_seconds()
    for i in range(n):
        grid = rng.choice(grids)
        ladder = [u.id for u in org.ancestors(grid)]  # grid, community, street, district, city
        m = rng.choice(matters)
        created = START + timedelta(seconds=rng.random() * span)
        closed = rng.random() < 0.85
        closed_at = created + timedelta(hours=rng.randrange(2, 400)) if closed else None
        lead = rng.choice([d for d in departments if d.startswith(ladder[3])] or departments)
        due = created + timedelta(days=rng.randrange(1, 15))
        overdue = not closed and rng.random() < 0.2
        iid = f"b{i:07d}"
        step = "evaluation" if closed else rng.choice(["discovery", "whistle", "report", "handling", "feedback"])
        issue = [iid, f"{m.name} {i}", m.code, m.category, "resident", rng.random() < 0.05, grid, ladder[1],
                 ladder[2], ladder[3], ladder[4], f"resident1@{grid}", None, step, "closed" if closed else "open",
                 "street", lead, "", m.list_type.value, "daily", "resolved" if closed else None,
                 "resolved" if closed else None, None if closed else due, overdue, 0, 0, created, closed_at, 6]
        open_kind = {"discovery": "verify", "whistle": "dispatch", "report": "report", "handling": "handle",
                     "feedback": "verify_result"}.get(step)
        tasks = []
        for k, (kind, unit, roles) in enumerate([("verify", grid, "grid_worker"),
                                                 ("dispatch", ladder[2], "dispatcher"),
                                                 ("report", lead, "handler"), ("handle", lead, "handler")], start=1):
            opened = created + timedelta(hours=k)
            is_open = kind == open_kind
            tasks.append([f"{iid}.{k}", iid, kind, step, unit, roles, None, None, opened,
                          opened + timedelta(days=2), None if is_open else opened + timedelta(hours=5),
                          "open" if is_open else "done", None if is_open else kind, None, rng.random() < 0.1, 6])
            if is_open:
                break
        events = [[iid, 1, created, "discovery", "reported", None, grid, None, "{}"]]
        for seq, kind in enumerate(rng.sample(["warning", "escalated", "urge", "returned_for_rework",
                                               "lead_named", "comment"], 3), start=2):
            data = '{"color": "yellow"}' if kind == "warning" else "{}"
            events.append([iid, seq, created + timedelta(hours=seq), "handling", kind, None, lead, None, data])
        if closed:
            events.append([iid, 5, closed_at, "evaluation", "issue_closed", None, None, None, "{}"])
        ratings = [[iid, 1, closed_at, f"resident1@{grid}", grid, "resident",
                    rng.choice(["satisfied", "satisfied", "basically_satisfied", "unsatisfied", None]), None, 1]] \
            if closed else []
        yield issue, tasks, events, ratings


def generate(url: str, n: int, seed_: int = 11) -> float:
    """Write ``n`` generated issues with COPY; returns the seconds it took."""
    t0 = time.monotonic()
    engine = make_engine(url)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        buffers = [io.StringIO() for _ in range(4)]
        tables = [("issues", ISSUE_COLUMNS), ("tasks", TASK_COLUMNS), ("timeline_events", EVENT_COLUMNS),
                  ("ratings", RATING_COLUMNS)]

        def flush() -> None:
            for (table, cols), buf in zip(tables, buffers, strict=True):
                buf.seek(0)
                cur.copy_expert(f"COPY {table} ({', '.join(cols)}) FROM STDIN WITH (FORMAT csv)", buf)
                buf.seek(0)
                buf.truncate()
            raw.commit()

        for count, (issue, tasks, events, ratings) in enumerate(_rows(n, seed_), start=1):
            buffers[0].write(",".join(map(_csv, issue)) + "\n")
            for rows, buf in ((tasks, buffers[1]), (events, buffers[2]), (ratings, buffers[3])):
                for row in rows:
                    buf.write(",".join(map(_csv, row)) + "\n")
            if count % CHUNK == 0:
                flush()
        flush()
        cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
        engine.dispose()
    return time.monotonic() - t0


def _timed(fn: Callable[[int], Any], repeats: int) -> dict[str, float]:
    ms = []
    for k in range(repeats):
        t0 = time.perf_counter()
        fn(k)
        ms.append((time.perf_counter() - t0) * 1000)
    ordered = sorted(ms)
    return {"p50": statistics.median(ms), "p95": ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))],
            "max": ordered[-1]}


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
            seed(session, directory.organisation(), directory.catalogue())
        load_s = generate(url, issues)
        org = directory.organisation()
        grids = sorted(u.id for u in org.units.values() if u.level is Level.grid and u.kind is UnitKind.territorial)
        streets = sorted(u.id for u in org.units.values() if u.level is Level.street and u.kind is UnitKind.territorial)
        depts = sorted(u.id for u in org.units.values() if u.kind is UnitKind.department)
        street = streets[0]
        quarter = stats.Period.quarter(2026, 2)
        figures_scope = stats.Scope.of(org, directory.catalogue())
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
            out["ranking_streets"] = _timed(lambda k: stats.ranking(s, streets, quarter, scope=figures_scope), 3)
            out["ranking_departments"] = _timed(lambda k: stats.ranking(s, depts, quarter, scope=figures_scope), 3)
        return out
    finally:
        try:
            server.stop()
        finally:
            shutil.rmtree(root, ignore_errors=True)
