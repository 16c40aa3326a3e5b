"""B6: loading a district's directory. A district the seeds' size (10 streets, 150 communities, 727 grids, 2,000
people, 208 matters in 17 categories: :func:`tests.districts.generate_district`) is written as the workbook a clerk
keeps, then read and loaded whole (:func:`store.directory_files.read_workbook`, :func:`store.directory.load`: parsed,
checked, written as version 1) into a fresh migrated database, SQLite and PostgreSQL. Then the same workbook is
loaded again (checked whole, no change), and the organisation is put to work on what was loaded: read back,
built, every grid's ladder, every street's routable units and its suggested departments for every matter."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from domain.organisation import Level, Organisation, UnitKind
from store import directory as store_directory
from store.db import SessionFactory, make_engine, session_factory, transaction
from store.directory_files import read_workbook, to_workbook
from store.migrate import upgrade
from tests.districts import generate_district, small_district, summary
from tests.pg import PostgresServer

#: the figure B6 is held to: a district's whole directory, from its workbook into the database
TARGET_S = 10.0


@contextmanager
def _postgres() -> Iterator[str]:
    root = Path(tempfile.mkdtemp(prefix="whistle-b6-"))
    server = PostgresServer(root)
    try:
        server.init()
        server.start()
        try:
            yield server.create_database("bench")
        finally:
            server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _load(url: str, workbook: Path) -> dict[str, Any]:
    """Load the workbook into the (migrated, empty) database twice, then time the organisation on it."""
    engine = make_engine(url)
    sessions = session_factory(engine)
    out: dict[str, Any] = {}
    try:
        for key in ("first", "again"):
            t0 = time.perf_counter()
            raw = read_workbook(workbook.read_bytes())
            t1 = time.perf_counter()
            with transaction(sessions) as session:
                applied = store_directory.load(session, raw, author="bench", reason="B6", source=workbook.name)
            t2 = time.perf_counter()
            out[key] = {"read_s": t1 - t0, "load_s": t2 - t1, "total_s": t2 - t0, "version": applied.version,
                        "changes": len(applied.changes)}
        out["organisation"] = _organisation(sessions)
    finally:
        engine.dispose()
    return out


def _organisation(sessions: SessionFactory) -> dict[str, Any]:
    """The organisation each process builds from the database, and the lookups a dispatcher's screen asks."""
    t0 = time.perf_counter()
    with sessions() as session:
        directory = store_directory.current(session)
    t1 = time.perf_counter()
    org = Organisation(directory.units, directory.principals)
    t2 = time.perf_counter()
    territorial = [u for u in org.units.values() if u.kind is UnitKind.territorial]
    ladders = [org.ladder(u.id) for u in territorial if u.level is Level.grid]
    t3 = time.perf_counter()
    streets = [u.id for u in territorial if u.level is Level.street]
    routable = {s: org.routable(s) for s in streets}
    t4 = time.perf_counter()
    suggested = {(s, m.code): org.suggested(s, m.departments) for s in streets for m in directory.matters}
    t5 = time.perf_counter()
    # a matter whose functions only the city's departments have is suggested to the street itself
    unanswered = sorted({code for (s, code), units in suggested.items() if units[0].id == s})
    return {"read_s": t1 - t0, "build_s": t2 - t1, "ladders_s": t3 - t2, "ladders": len(ladders),
            "routable_s": t4 - t3, "streets": len(streets),
            "routable_each": min(len(r) for r in routable.values()),
            "suggested_s": t5 - t4, "suggested": len(suggested), "to_the_street": len(unanswered)}


def b6(smoke: bool = False, postgres: bool = True) -> dict[str, Any]:
    """The figures of B6; ``smoke``: the small district, on SQLite only (proves the harness runs)."""
    t0 = time.perf_counter()
    directory = small_district() if smoke else generate_district()
    t1 = time.perf_counter()
    data = to_workbook(directory)
    t2 = time.perf_counter()
    out: dict[str, Any] = {"district": summary(directory), "generate_s": t1 - t0, "write_s": t2 - t1,
                           "workbook_kb": len(data) / 1024, "target_s": TARGET_S}
    with tempfile.TemporaryDirectory(prefix="whistle-b6-") as tmp:
        workbook = Path(tmp) / "district.xlsx"
        workbook.write_bytes(data)
        url = f"sqlite:///{Path(tmp) / 'whistle.db'}"
        upgrade(url)
        out["sqlite"] = _load(url, workbook)
        if postgres and not smoke:
            with _postgres() as pg_url:
                upgrade(pg_url)
                out["postgresql"] = _load(pg_url, workbook)
    return out


def rows(b6_: dict[str, Any], row: Callable[[str, str, str, bool | None], str]) -> list[str]:
    """B6's lines of the report's table; ``row(name, figure, target, ok)`` draws one."""
    d = b6_["district"]
    lines = [row("B6 district", f"{d['street']} streets, {d['community']} communities, {d['grid']:,} grids, "
                 f"{d['departments']} departments, {d['principals']:,} people, {d['matters']} matters in "
                 f"{d['categories']} categories; generated in {b6_['generate_s']:.1f} s, workbook of "
                 f"{b6_['workbook_kb']:,.0f} KB written in {b6_['write_s']:.1f} s", "—", None)]
    for db in ("sqlite", "postgresql"):
        if db not in b6_:
            continue
        first, again, org = b6_[db]["first"], b6_[db]["again"], b6_[db]["organisation"]
        name = "SQLite" if db == "sqlite" else "PostgreSQL"
        lines += [
            row(f"B6 load, {name}", f"{first['total_s']:.1f} s (read {first['read_s']:.1f} s, checked and written "
                f"{first['load_s']:.1f} s): version {first['version']}, {first['changes']:,} records",
                f"≤ {b6_['target_s']:.0f} s", first["total_s"] <= b6_["target_s"]),
            row(f"B6 load again, {name}", f"{again['total_s']:.1f} s, {again['changes']} changes, "
                + ("no new version" if again["version"] is None else f"version {again['version']}"), "no change",
                again["changes"] == 0 and again["version"] is None),
            row(f"B6 organisation, {name}", f"read back {org['read_s'] * 1000:.0f} ms, built "
                f"{org['build_s'] * 1000:.1f} ms", "—", None),
            row(f"B6 routing, {name}", f"{org['ladders']:,} grids' ladders {org['ladders_s'] * 1000:.1f} ms; "
                f"{org['streets']} streets' routable units {org['routable_s'] * 1000:.1f} ms (≥ {org['routable_each']} "
                f"each); {org['suggested']:,} suggestions (street × matter) {org['suggested_s'] * 1000:.0f} ms, "
                f"{org['to_the_street']} matters suggested to the street itself (their functions are only the "
                f"city departments')", "—", None),
        ]
    return lines
