"""The figures as tables: the columns of a ranking's CSV, and how a rate is written in one."""

from __future__ import annotations

import csv
import io

from store.figures import RankRow

RATE_COLUMNS = ["response_rate", "on_time_handling_rate", "dispatch_on_time_rate", "resolution_rate",
                "satisfaction_rate", "whistler_satisfaction_rate", "territorial_satisfaction_rate", "onsite_rate",
                "mediation_rate", "rectification_rate"]
COUNT_COLUMNS = ["received", "summoned", "yellow", "red", "escalations", "urges", "reworks", "supervisions",
                 "territory_received", "territory_closed", "territory_open", "territory_overdue",
                 "inquiries_answered"]
CSV_COLUMNS = ["rank", "unit_id", "period", "score", "complete", *COUNT_COLUMNS, *RATE_COLUMNS, "hours_held"]


def fmt_rate(x: float | None) -> str:
    return "" if x is None else f"{x:.4f}"


def to_csv(rows: list[RankRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        s = r.stats
        writer.writerow([r.rank, r.unit_id, s.period.label, "" if r.score is None else f"{r.score:.2f}",
                         "yes" if r.complete else "no",
                         *(getattr(s, c).numerator for c in COUNT_COLUMNS),
                         *(fmt_rate(getattr(s, c).rate) for c in RATE_COLUMNS), s.hours_held])
    return out.getvalue()
