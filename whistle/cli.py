"""The ``whistle`` command line for operators.

    whistle run                      start the embedded stack (Temporal dev server, worker)
    whistle worker                   run only the worker
    whistle catalog [--json]         the sample organisation, principals and matter catalogue
    whistle report --matter … --grid … --title …   report an issue (starts its workflow)
    whistle issue ID                 an issue's live state
    whistle act ID TASK ACTION --as PRINCIPAL [--data JSON]   act on a task (TASK '-' for the issue)
    whistle migrate                  upgrade the read model's schema to the newest revision
    whistle seed                     migrate, then load the sample organisation and catalogue (idempotent)
    whistle audit ID [--json]        the read model's timeline beside Temporal's history: do they agree?
    whistle stats UNIT [--month 2026-11 | --quarter 2026-Q4] [--csv]   a unit's figures (or --rank A,B,…)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from typing import Any

from temporalio.client import Client

from domain.state import ActionRequest, Actor, IssueInput, IssueReport, issue_workflow_id
from store.stats import Period
from whistle import directory
from whistle.logging import configure_logging
from whistle.settings import get_settings


def catalog_document() -> dict[str, Any]:
    org, cat = directory.organisation(), directory.catalogue()
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


async def _client() -> Client:
    from whistle.temporal import connect

    return await connect(get_settings())


async def _report(args: argparse.Namespace) -> None:
    from workflows import ResidentIssue

    client = await _client()
    rep = IssueReport(issue_id=args.id or uuid.uuid4().hex[:12], source=args.source, title=args.title,
                      description=args.description or args.title, matter_code=args.matter, grid_id=args.grid,
                      address=args.address, urgent=args.urgent,
                      reporter={"name": args.reporter_name, "principal_id": args.reporter})
    handle = await client.start_workflow(ResidentIssue.run, IssueInput(report=rep), id=issue_workflow_id(rep.issue_id),
                                         task_queue=get_settings().task_queue)
    print(json.dumps({"issue_id": rep.issue_id, "workflow_id": handle.id}))


async def _issue(args: argparse.Namespace) -> None:
    from workflows import ResidentIssue

    client = await _client()
    view = await client.get_workflow_handle(issue_workflow_id(args.issue_id)).query(ResidentIssue.state)
    print(view.model_dump_json(indent=2))


async def _act(args: argparse.Namespace) -> int:
    from temporalio.client import WorkflowUpdateFailedError

    from workflows import ResidentIssue

    org = directory.organisation()
    p = org.principals.get(args.as_principal)
    if p is None:
        print(f"unknown principal {args.as_principal!r}", file=sys.stderr)
        return 2
    client = await _client()
    req = ActionRequest(task_id=None if args.task_id == "-" else args.task_id, action=args.action,
                        actor=Actor(principal_id=p.id, unit_id=p.unit_id, roles=list(p.roles)),
                        data=json.loads(args.data))
    try:
        view = await client.get_workflow_handle(issue_workflow_id(args.issue_id)).execute_update(ResidentIssue.act, req)
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        print(f"refused: {getattr(cause, 'message', cause)} ({getattr(cause, 'type', '')})", file=sys.stderr)
        return 1
    print(view.model_dump_json(indent=2))
    return 0


def _seed() -> None:
    from store.db import make_engine, session_factory, transaction
    from store.migrate import upgrade
    from store.seed import seed

    url = get_settings().db_url
    upgrade(url)
    with transaction(session_factory(make_engine(url))) as session:
        counts = seed(session, directory.organisation(), directory.catalogue())
    print(json.dumps({"seeded": counts}))


async def _audit(args: argparse.Namespace) -> int:
    from store.audit import audit_issue
    from store.db import make_engine, session_factory

    report = await audit_issue(await _client(), session_factory(make_engine(get_settings().db_url)), args.issue_id)
    print(report.model_dump_json(indent=2) if args.json else report.summary())
    return 0 if report.agree else 1


def _period(args: argparse.Namespace) -> Period:
    from datetime import UTC, datetime

    if args.quarter:
        year, q = args.quarter.split("-Q")
        return Period.quarter(int(year), int(q))
    if args.month:
        year, month = args.month.split("-")
        return Period.month(int(year), int(month))
    now = datetime.now(UTC)
    return Period.month(now.year, now.month)


def _stats(args: argparse.Namespace) -> int:
    from store.db import make_engine, session_factory
    from store.stats import ranking, to_csv

    settings = get_settings()
    units = args.unit.split(",")
    with session_factory(make_engine(settings.db_url))() as session:
        rows = ranking(session, units, _period(args), settings.no_answer_policy)
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
    cat = sub.add_parser("catalog", help="print the organisation, principals and matter catalogue")
    cat.add_argument("--json", action="store_true")
    rep = sub.add_parser("report", help="report an issue")
    rep.add_argument("--matter", required=True)
    rep.add_argument("--grid", required=True)
    rep.add_argument("--title", required=True)
    rep.add_argument("--description")
    rep.add_argument("--address", default="(no address)")
    rep.add_argument("--source", default="resident")
    rep.add_argument("--reporter", help="the resident's principal id")
    rep.add_argument("--reporter-name", default="居民")
    rep.add_argument("--urgent", action="store_true")
    rep.add_argument("--id", help="issue id (default: random)")
    show = sub.add_parser("issue", help="show an issue's live state")
    show.add_argument("issue_id")
    act = sub.add_parser("act", help="act on a task ('-' as task id for issue-level actions)")
    act.add_argument("issue_id")
    act.add_argument("task_id")
    act.add_argument("action")
    act.add_argument("--as", dest="as_principal", required=True)
    act.add_argument("--data", default="{}")
    sub.add_parser("migrate", help="upgrade the read model schema")
    sub.add_parser("seed", help="migrate and load the sample organisation and catalogue")
    aud = sub.add_parser("audit", help="compare the read model's timeline with Temporal's history")
    aud.add_argument("issue_id")
    aud.add_argument("--json", action="store_true")
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
    if args.command == "report":
        asyncio.run(_report(args))
        return 0
    if args.command == "issue":
        asyncio.run(_issue(args))
        return 0
    if args.command == "act":
        return asyncio.run(_act(args))
    if args.command == "migrate":
        from store.migrate import upgrade

        upgrade(settings.db_url)
        return 0
    if args.command == "seed":
        _seed()
        return 0
    if args.command == "audit":
        return asyncio.run(_audit(args))
    if args.command == "stats":
        return _stats(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
