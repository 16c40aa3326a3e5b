"""The ``whistle`` command line for operators.

    whistle run                      start the embedded stack: Temporal dev server, worker, API (127.0.0.1:8000)
    whistle worker | api             run only the worker, or only the HTTP API
    whistle catalog [--json]         the organisation, principals and matter catalogue
    whistle migrate | seed           upgrade the read model; load the sample city into an empty one
    whistle directory load FILE | export | versions | diff   the district's units, people, matters, rules
    whistle stats UNIT[,UNIT…] [--month 2026-11 | --quarter 2026-Q4] [--csv]   figures, ranked (from the database)
    whistle grids load FILE.geojson  replace a district's grids' shapes
    whistle api-key create PRINCIPAL | revoke KEY_ID   Open311 api keys of integrations

Through the running API, as a principal (``--as``; a token is minted with the embedded secret, or
``WHISTLE_TOKEN`` is used):

    whistle token PRINCIPAL          print a bearer token
    whistle report --matter … --grid … --title …   report an issue; prints its id
    whistle issue ID                 an issue's live state
    whistle tasks --as PRINCIPAL     my inbox
    whistle act ID TASK ACTION --as PRINCIPAL [--data JSON]   act on a task (TASK '-' for the issue)
    whistle audit ID [--json]        the read model's timeline beside Temporal's history: do they agree?
    whistle demo                     play a district's month (set WHISTLE_TIME_SCALE on the stack)
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from core.logging import configure_logging
from core.settings import get_settings
from store.figures import Period
from whistle import cli_api, cli_data, cli_directory
from whistle.cli_directory import directory_in_force


def catalog_document() -> dict[str, Any]:
    loaded = directory_in_force()
    org, cat = loaded.organisation, loaded.catalogue
    return {
        "units": [{"id": u.id, "name": u.name, "name_en": u.name_en, "level": u.level.value, "kind": u.kind.value,
                   "parent_id": u.parent_id, "function": u.function} for u in org.units.values()],
        "principals": [{"id": p.id, "name": p.name, "unit_id": p.unit_id, "roles": [r.value for r in p.roles]}
                       for p in org.principals.values()],
        "matters": [{"code": m.code, "name": m.name, "name_en": m.name_en, "category": m.category,
                     "category_name": m.category_name, "departments": list(m.departments),
                     "list_type": m.list_type.value, "report_hours": m.report_hours,
                     "handling_days": m.handling_days.model_dump(), "on_the_spot": m.on_the_spot,
                     "mediation": m.mediation} for m in cat.matters.values()],
    }


def _print_catalog(as_json: bool) -> None:
    doc = catalog_document()
    if as_json:
        json.dump(doc, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return
    print(f"{len(doc['units'])} units, {len(doc['principals'])} principals, {len(doc['matters'])} matters")
    for m in doc["matters"]:
        print(f"  {m['code']:<42} {m['name']:<12} {m['list_type']:<13} report {m['report_hours']:g} h")


def _period(args: argparse.Namespace) -> Period:
    return Period.parse(month=args.month, quarter=args.quarter, tz=get_settings().tz)


def _stats(args: argparse.Namespace) -> int:
    from api.figure_tables import to_csv
    from store.db import make_engine, session_factory
    from store.figures import Scope, ranking

    settings = get_settings()
    units = args.unit.split(",")
    loaded = directory_in_force()
    scope = Scope.of(loaded.organisation, loaded.catalogue, settings.no_answer_policy)
    with session_factory(make_engine(settings.db_url))() as session:
        rows = ranking(session, units, _period(args), scope=scope)
    if args.csv:
        print(to_csv(rows), end="")
        return 0
    for r in rows:
        s = r.stats

        def pct(x: float | None) -> str:
            return "   -  " if x is None else f"{x * 100:5.1f}%"

        print(f"{r.rank:>2}. {r.unit_id:<30} {s.period.label}  received {s.received.numerator:>4}  "
              f"response {pct(s.response_rate.rate)}  resolution {pct(s.resolution_rate.rate)}  "
              f"satisfaction {pct(s.satisfaction_rate.rate)}  on-time {pct(s.on_time_handling_rate.rate)}")
    return 0


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="whistle", description="Whistle (吹哨报到) operator commands")
    sub = ap.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start the embedded stack: Temporal dev server and worker")
    sub.add_parser("worker", help="run the worker")
    sub.add_parser("api", help="serve the HTTP API (uvicorn) on WHISTLE_API_HOST:WHISTLE_API_PORT")
    demo = sub.add_parser("demo", help="play a district's month through the API on the running stack")
    demo.add_argument("--issues", type=int, default=300)
    demo.add_argument("--concurrency", type=int, default=24)
    demo.add_argument("--seed", type=int, default=7)
    cli_api.add_commands(sub)
    cli_data.add_commands(sub)
    cli_directory.add_commands(sub)
    cat = sub.add_parser("catalog", help="print the organisation, principals and matter catalogue")
    cat.add_argument("--json", action="store_true")
    sub.add_parser("migrate", help="upgrade the read model schema")
    sub.add_parser("seed", help="migrate and load the sample city, unless a directory is loaded already")
    st = sub.add_parser("stats", help="figures of one or more units (comma-separated), ranked")
    st.add_argument("unit")
    st.add_argument("--month", help="YYYY-MM (default: this month)")
    st.add_argument("--quarter", help="YYYY-Qn")
    st.add_argument("--csv", action="store_true")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)
    if args.command == "catalog":
        _print_catalog(args.json)
        return 0
    if args.command == "run":
        from whistle.stack import run_stack

        return run_stack(settings)
    if args.command == "worker":
        import worker

        worker.main()
        return 0
    if args.command in cli_api.COMMANDS:
        return cli_api.COMMANDS[args.command](settings, args)
    if args.command in cli_directory.COMMANDS:
        return cli_directory.COMMANDS[args.command](settings, args)
    if args.command in cli_data.COMMANDS:
        return cli_data.COMMANDS[args.command](settings, args)
    if args.command == "api":
        from whistle.serve import serve_api

        return serve_api(settings)
    if args.command == "demo":
        from whistle.demo import run_demo

        return run_demo(settings, issues=args.issues, concurrency=args.concurrency, seed=args.seed)
    if args.command == "migrate":
        from store.migrate import upgrade

        upgrade(settings.db_url)
        return 0
    if args.command == "seed":
        return cli_directory.load_sample_city(settings)
    if args.command == "stats":
        return _stats(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
