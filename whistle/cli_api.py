"""The command line's commands that go through the running API as a principal."""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from typing import Any

from core.settings import Settings
from whistle.api_client import ApiClient, ApiError

#: who the read-only commands ask as when no one is named: the city's supervisor sees everything
DEFAULT_READER = "supervisor@qh"


def _print(doc: Any) -> None:
    print(json.dumps(doc, ensure_ascii=False, indent=2))


def _fail(exc: ApiError) -> int:
    print(f"refused: {exc}", file=sys.stderr)
    for err in exc.problem.get("errors") or []:
        print(f"  {err.get('field')}: {err.get('message')}", file=sys.stderr)
    return 1


def token(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import timedelta

    from api.auth import TokenService
    from whistle.cli_directory import directory_in_force

    if args.principal_id not in directory_in_force(settings).organisation.principals:
        print(f"unknown principal {args.principal_id!r}; `whistle catalog --json` lists them", file=sys.stderr)
        return 2
    ttl = timedelta(hours=args.ttl_hours) if args.ttl_hours else None
    try:
        print(TokenService(settings).issue(args.principal_id, ttl))
    except ValueError as exc:  # longer than the settings allow
        print(exc, file=sys.stderr)
        return 2
    return 0


def report(settings: Settings, args: argparse.Namespace) -> int:
    body: dict[str, Any] = {"title": args.title, "description": args.description or args.title,
                            "matter_code": args.matter, "grid_id": args.grid, "address": args.address,
                            "urgent": args.urgent}
    if args.source:
        body["source"] = args.source
    if args.reporter or args.reporter_name:
        body["reporter"] = {"name": args.reporter_name or "居民", "principal_id": args.reporter}
    key = args.key or uuid.uuid4().hex
    try:
        with ApiClient(settings, args.as_principal) as api:
            issue = api.call("POST", "/v1/issues", json=body, headers={"Idempotency-Key": key})
    except ApiError as exc:
        return _fail(exc)
    if args.json:
        _print(issue)
    else:
        print(issue["issue_id"])
    return 0


def issue(settings: Settings, args: argparse.Namespace) -> int:
    try:
        with ApiClient(settings, args.as_principal or DEFAULT_READER) as api:
            _print(api.call("GET", f"/v1/issues/{args.issue_id}"))
    except ApiError as exc:
        return _fail(exc)
    return 0


def act(settings: Settings, args: argparse.Namespace) -> int:
    try:
        data = json.loads(args.data)
    except json.JSONDecodeError as exc:
        print(f"--data is not JSON: {exc}", file=sys.stderr)
        return 2
    body = {"task_id": None if args.task_id == "-" else args.task_id, "action": args.action, "data": data}
    headers = {"Idempotency-Key": args.key} if args.key else None
    try:
        with ApiClient(settings, args.as_principal) as api:
            view = api.call("POST", f"/v1/issues/{args.issue_id}/actions", json=body, headers=headers)
    except ApiError as exc:
        return _fail(exc)
    if args.json:
        _print(view)
        return 0
    tasks = ", ".join(f"{t['task_id']} {t['kind']}@{t['unit_id']}" for t in view["open_tasks"]) or "none"
    print(f"{view['issue_id']}: step {view['step']}, {view['status']}; open tasks: {tasks}")
    return 0


def tasks(settings: Settings, args: argparse.Namespace) -> int:
    params: dict[str, Any] = {"limit": args.limit}
    if args.kind:
        params["kind"] = args.kind
    if args.overdue:
        params["overdue"] = "true"
    try:
        with ApiClient(settings, args.as_principal) as api:
            page = api.call("GET", "/v1/tasks", params=params)
    except ApiError as exc:
        return _fail(exc)
    if args.json:
        _print(page)
        return 0
    if not page["items"]:
        print("no open tasks")
    for t in page["items"]:
        due = (t["due_at"] or "-")[:16].replace("T", " ")
        flag = " OVERDUE" if t["overdue"] else ""
        claimed = f" (claimed by {t['claimed_by']})" if t["claimed_by"] else ""
        print(f"{t['task_id']:<22} {t['kind']:<22} due {due}{flag}  {t['issue_title'][:40]}{claimed}")
        print(f"{'':<22} actions: {', '.join(t['allowed_actions'])}")
    return 0


def audit(settings: Settings, args: argparse.Namespace) -> int:
    try:
        with ApiClient(settings, args.as_principal or DEFAULT_READER) as api:
            report = api.call("GET", f"/v1/issues/{args.issue_id}/audit")
    except ApiError as exc:
        return _fail(exc)
    if args.json:
        _print(report)
    else:
        from audit import AuditReport

        print(AuditReport.model_validate(report).summary())
    return 0 if report["agree"] else 1


def add_commands(sub: Any) -> None:
    tok = sub.add_parser("token", help="print a bearer token for a principal (embedded mode)")
    tok.add_argument("principal_id")
    tok.add_argument("--ttl-hours", type=float)
    rep = sub.add_parser("report", help="report an issue through the API; prints its id")
    rep.add_argument("--matter", required=True)
    rep.add_argument("--grid", required=True)
    rep.add_argument("--title", required=True)
    rep.add_argument("--description")
    rep.add_argument("--address", default="(no address)")
    rep.add_argument("--source", help="default: from the reporting principal's role")
    rep.add_argument("--reporter", help="the resident's principal id (when filing for one)")
    rep.add_argument("--reporter-name")
    rep.add_argument("--urgent", action="store_true")
    rep.add_argument("--as", dest="as_principal", default="hotline@qh", help="who files it (default hotline@qh)")
    rep.add_argument("--key", help="Idempotency-Key: repeating the command with it reports once")
    rep.add_argument("--json", action="store_true", help="print the whole new issue")
    show = sub.add_parser("issue", help="an issue's live state")
    show.add_argument("issue_id")
    show.add_argument("--as", dest="as_principal", help=f"default {DEFAULT_READER}")
    a = sub.add_parser("act", help="act on a task ('-' as task id for issue-level actions)")
    a.add_argument("issue_id")
    a.add_argument("task_id")
    a.add_argument("action")
    a.add_argument("--as", dest="as_principal", required=True)
    a.add_argument("--data", default="{}")
    a.add_argument("--key", help="Idempotency-Key")
    a.add_argument("--json", action="store_true", help="print the whole new state")
    t = sub.add_parser("tasks", help="my inbox")
    t.add_argument("--as", dest="as_principal", required=True)
    t.add_argument("--kind")
    t.add_argument("--overdue", action="store_true")
    t.add_argument("--limit", type=int, default=50)
    t.add_argument("--json", action="store_true")
    aud = sub.add_parser("audit", help="the timeline beside Temporal's history: do they agree?")
    aud.add_argument("issue_id")
    aud.add_argument("--as", dest="as_principal", help=f"default {DEFAULT_READER}")
    aud.add_argument("--json", action="store_true")


COMMANDS = {"token": token, "report": report, "issue": issue, "act": act, "tasks": tasks, "audit": audit}
