"""A ranking of a district's 727 grids served from its snapshot: ``python -m bench.snapshot_serving`` stores a
snapshot of 727 units (copies of one grid's real figures) in a SQLite read model of its own and times the first
request (it parses the snapshot) and the next 30 (they reuse the parse), in ms."""

from __future__ import annotations

import json
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from domain.organisation import Level, UnitKind
from store import models
from store.db import make_engine, session_factory, transaction
from store.figures import HUB, Period, Scope, figures, snapshots
from store.migrate import upgrade
from tests import sample_city

GRIDS = 727


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="whistle-snap-"))
    try:
        url = f"sqlite:///{root / 'read.db'}"
        upgrade(url)
        sessions = session_factory(make_engine(url))
        quarter, now = Period.quarter(2026, 4), datetime.now(UTC)
        with transaction(sessions) as s:
            sample_city.load_into(s)
            org = sample_city.organisation()
            one = figures(s, ["qh.hd.cy.c1.g1"], quarter, Scope.of(org, sample_city.directory().catalogue()),
                          with_ids=False)["qh.hd.cy.c1.g1"].model_dump(mode="json")
            body = json.dumps([{**one, "unit_id": f"g{n}"} for n in range(GRIDS)])
            s.add(models.FigureSnapshot(period=quarter.label, level="grid", kind="territorial", computed_at=now,
                                        directory_version=1, stats=body))
        units = [f"g{n}" for n in range(GRIDS)]
        ms = []
        for _ in range(31):
            t0 = time.perf_counter()
            with sessions() as s:
                snap = snapshots.current(s, quarter, Level.grid, UnitKind.territorial, 1, now)
                assert snap is not None
                snapshots.ranked(snap, units, HUB)
            ms.append((time.perf_counter() - t0) * 1000)
        rest = sorted(ms[1:])
        print(f"{len(body):,} bytes; first {ms[0]:.1f} ms; next 30: p50 {statistics.median(rest):.1f} ms, "
              f"p95 {rest[int(0.95 * len(rest))]:.1f} ms")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
