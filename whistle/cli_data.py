"""Commands that change the deployment's data in the read model directly (operators on the server):

    whistle grids load FILE.geojson   replace a district's grids' shapes (refuses overlaps, gaps, missing grids)
    whistle api-key create PRINCIPAL  a new Open311 api_key for an integration; printed once
    whistle api-key revoke KEY_ID     end a key
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from core import directory
from core.settings import Settings
from store import api_keys
from store.db import make_engine, session_factory, transaction
from store.grids import GridFileError, replace_district


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    grids = sub.add_parser("grids", help="the grids' shapes").add_subparsers(dest="grids_command", required=True)
    load = grids.add_parser("load", help="replace a district's grids from a GeoJSON FeatureCollection")
    load.add_argument("file", type=Path)
    keys = sub.add_parser("api-key", help="Open311 api keys").add_subparsers(dest="key_command", required=True)
    keys.add_parser("create", help="a new key for an integration principal").add_argument("principal")
    keys.add_parser("revoke", help="end a key").add_argument("key_id")


def _grids(settings: Settings, args: argparse.Namespace) -> int:
    try:
        collection = json.loads(args.file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"cannot read {args.file}: {exc}", file=sys.stderr)
        return 1
    sessions = session_factory(make_engine(settings.db_url))
    try:
        with transaction(sessions) as session:
            district, count = replace_district(session, directory.organisation(), collection)
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
                print(api_keys.create(session, args.principal))
            else:
                api_keys.revoke(session, args.key_id)
                print(f"revoked {args.key_id}")
    except api_keys.ApiKeyError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 1
    return 0


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {"grids": _grids, "api-key": _api_key}
