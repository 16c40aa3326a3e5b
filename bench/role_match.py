"""The inbox's role match, three ways on one database: the old substring match, the column wrapped in commas, and
the four exact forms kept in ``store.queries._role_match``. ``python -m bench.role_match 300000`` generates that
many issues into a PostgreSQL of its own (as B3 does), times 40 inboxes of grids and of departments per form, twice,
and prints each form's p50 and p95 in ms."""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Collection
from pathlib import Path

from sqlalchemy import ColumnElement, false, literal, or_

from bench.readmodel import generate
from domain.organisation import Level, UnitKind
from store import models, queries
from store.db import make_engine, session_factory
from store.migrate import upgrade
from tests import sample_city
from tests.pg import PostgresServer

T = models.Task
Form = Callable[[Collection[str]], ColumnElement[bool]]


def substring(roles: Collection[str]) -> ColumnElement[bool]:
    return or_(*(T.roles.contains(r) for r in roles)) if roles else false()


def wrapped(roles: Collection[str]) -> ColumnElement[bool]:
    listed = literal(",") + T.roles + literal(",")
    return or_(*(listed.contains(f",{r},", autoescape=True) for r in roles)) if roles else false()


FORMS: dict[str, Form] = {"substring": substring, "wrapped": wrapped, "exact forms": queries._role_match}


def main(issues: int) -> None:
    root = Path(tempfile.mkdtemp(prefix="whistle-roles-"))
    server = PostgresServer(root)
    try:
        server.init()
        server.start()
        url = server.create_database("roles")
        upgrade(url)
        sessions = session_factory(make_engine(url))
        with sessions() as s, s.begin():
            sample_city.load_into(s)
        print(f"loaded {issues:,} issues in {generate(url, issues):.0f} s", flush=True)
        org = sample_city.organisation()
        grids = sorted(u.id for u in org.units.values() if u.level is Level.grid and u.kind is UnitKind.territorial)
        depts = sorted(u.id for u in org.units.values() if u.kind is UnitKind.department)
        kept = queries._role_match
        with sessions() as s:
            for round_ in (1, 2):
                for name, form in FORMS.items():
                    queries._role_match = form  # type: ignore[assignment]  # the form under test, for this round
                    line = []
                    for what, units, role in (("grid", grids, "grid_worker"), ("department", depts, "handler")):
                        ms = []
                        for k in range(40):
                            unit = units[k % len(units)]
                            t0 = time.perf_counter()
                            queries.inbox(s, f"someone@{unit}", unit, [role])
                            ms.append((time.perf_counter() - t0) * 1000)
                        ms.sort()
                        line.append(f"{what} p50 {statistics.median(ms):.1f} p95 {ms[int(0.95 * len(ms))]:.1f}")
                    print(f"round {round_}, {name}: " + "; ".join(line), flush=True)
                queries._role_match = kept
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300_000)
