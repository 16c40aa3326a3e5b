"""Commands that change the deployment's data in the read model directly (operators on the server):

    whistle grids load FILE.geojson   replace a district's grids' shapes (refuses overlaps, gaps, missing grids)
    whistle api-key create PRINCIPAL [--days N]  a new Open311 api_key for an integration, printed once; it
                                      expires after N days (365 unless told)
    whistle api-key revoke KEY_ID     end a key
    whistle calendar load FILE.json   a year's official working-day arrangement; provisional deadlines recounted
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from pydantic import ValidationError

from api.arrangements import load_year
from core.settings import Settings
from core.temporal import connect
from store import api_keys
from store.calendar import Arrangement
from store.db import make_engine, session_factory, transaction
from store.directory import replace_district
from store.grids import GridFileError


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    grids = sub.add_parser("grids", help="the grids' shapes").add_subparsers(dest="grids_command", required=True)
    load = grids.add_parser("load", help="replace a district's grids from a GeoJSON FeatureCollection")
    load.add_argument("file", type=Path)
    keys = sub.add_parser("api-key", help="Open311 api keys").add_subparsers(dest="key_command", required=True)
    create = keys.add_parser("create", help="a new key for an integration principal")
    create.add_argument("principal")
    create.add_argument("--days", type=int, default=api_keys.DEFAULT_LIFETIME.days, help="how long it lives")
    keys.add_parser("revoke", help="end a key").add_argument("key_id")
    cal = sub.add_parser("calendar", help="the official calendar").add_subparsers(dest="cal_command", required=True)
    cal.add_parser("load", help="load a year's arrangement (JSON: year, holidays, workdays)").add_argument(
        "file", type=Path)


def _grids(settings: Settings, args: argparse.Namespace) -> int:
    try:
        collection = json.loads(args.file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"cannot read {args.file}: {exc}", file=sys.stderr)
        return 1
    sessions = session_factory(make_engine(settings.db_url))
    try:
        with transaction(sessions) as session:
            district, count = replace_district(session, collection, author=getpass.getuser(),
                                               source=f"file {args.file.name}")
    except GridFileError as exc:
        print(f"refused, nothing changed ({len(exc.problems)} problem(s)):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print(f"replaced the shapes of {count} grids of {district}")
    return 0


def _api_key(settings: Settings, args: argparse.Namespace) -> int:
    sessions = session_factory(make_engine(settings.db_url))
    try:
        with transaction(sessions) as session:
            if args.key_command == "create":
                print(api_keys.create(session, args.principal, timedelta(days=args.days)))
            else:
                api_keys.revoke(session, args.key_id)
                print(f"revoked {args.key_id}")
    except api_keys.ApiKeyError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 1
    return 0


def _calendar(settings: Settings, args: argparse.Namespace) -> int:
    try:
        arrangement = Arrangement.model_validate_json(args.file.read_text(encoding="utf-8"))
    except OSError as exc:
        print(f"cannot read {args.file}: {exc}", file=sys.stderr)
        return 1
    except ValidationError as exc:
        print(f"refused, nothing changed: {args.file} is not a year's arrangement:", file=sys.stderr)
        for err in exc.errors():
            print(f"  - {'.'.join(str(p) for p in err['loc']) or 'file'}: {err['msg']}", file=sys.stderr)
        return 1

    async def run() -> dict[str, int | bool]:
        client = await connect(settings)
        return await load_year(client, session_factory(make_engine(settings.db_url)), arrangement,
                               f"file {args.file.name}")

    result = asyncio.run(run())
    changed = "loaded" if result["changed"] else "unchanged (already loaded)"
    print(f"{arrangement.year}: {changed}; {result['signalled']} open issue(s) told to recount provisional deadlines")
    return 0


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "grids": _grids, "api-key": _api_key, "calendar": _calendar}
