"""``whistle directory``: the district's units, people, matters and rules, loaded from a workbook or JSON.

    whistle directory load FILE [--dry-run] [--lang en] [--reason WHY] [--author WHO]
    whistle directory export --format xlsx|json [-o FILE]
    whistle directory versions                      the newest first: who, when, why, how much
    whistle directory diff FROM TO                  what changed between two versions
    whistle directory handover                      tell running issues again (after Temporal was away)

A file is checked whole before anything changes: every problem is printed with its sheet, row and column, and
the directory is left as it was. ``--dry-run`` prints what the file would change and changes nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from collections.abc import Callable
from pathlib import Path

from core.settings import PROJECT_ROOT, Settings, get_settings
from domain.directory import Change
from domain.directory_check import DirectoryInvalid
from store import directory as store_directory
from store.db import make_engine, session_factory, transaction
from store.directory_cache import DirectoryCache, Loaded
from store.directory_files import UnreadableFile, read, to_json, to_workbook
from store.migrate import upgrade

#: the sample city, loaded by ``make run`` into an empty read model exactly as a district loads its own
SAMPLE_CITY = PROJECT_ROOT / "datasets" / "sample-city.json"
#: the changes a load prints one by one
SHOWN = 40


def directory_in_force(settings: Settings | None = None) -> Loaded:
    """The directory the read model holds (``whistle directory load``)."""
    return DirectoryCache(session_factory(make_engine((settings or get_settings()).db_url))).get()


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    top = sub.add_parser("directory", help="the district's units, people, matters and rules")
    cmds = top.add_subparsers(dest="directory_command", required=True)
    load = cmds.add_parser("load", help="load a workbook (.xlsx) or JSON file, checked whole first")
    load.add_argument("file", type=Path)
    load.add_argument("--dry-run", action="store_true", help="print what would change; change nothing")
    load.add_argument("--lang", choices=("zh", "en"), default="zh", help="the language of the problems")
    load.add_argument("--reason", default="", help="why (kept with the version)")
    load.add_argument("--author", default=None, help="who (default: the operating system's user)")
    load.add_argument("--if-empty", action="store_true", help="only when no directory was ever loaded")
    export = cmds.add_parser("export", help="write the directory in force")
    export.add_argument("--format", choices=("xlsx", "json"), required=True)
    export.add_argument("-o", "--output", type=Path, help="the file (default: standard output for JSON)")
    cmds.add_parser("versions", help="the versions, newest first")
    cmds.add_parser("handover", help="hand retired units' open tasks to their successors, release claims")
    d = cmds.add_parser("diff", help="what changed between two versions")
    d.add_argument("start", type=int)
    d.add_argument("end", type=int)


def describe(change: Change) -> str:
    sign = {"added": "+", "removed": "-", "changed": "~"}[change.what]
    if change.what != "changed" or change.before is None or change.after is None:
        return f"{sign} {change.kind.value} {change.key}"
    fields = sorted(k for k in change.before.keys() | change.after.keys()
                    if change.before.get(k) != change.after.get(k))
    shown = ", ".join(f"{k}: {_short(change.before.get(k))} → {_short(change.after.get(k))}" for k in fields)
    return f"{sign} {change.kind.value} {change.key}: {shown}"


def _short(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "…"


def _load(settings: Settings, args: argparse.Namespace) -> int:
    en = args.lang == "en"
    try:
        raw = read(args.file)
    except OSError as exc:
        print(f"cannot read {args.file}: {exc.strerror}" if en else f"无法读取 {args.file}：{exc.strerror}",
              file=sys.stderr)
        return 1
    except UnreadableFile as exc:
        print((f"refused, nothing changed: {exc}" if en else f"未导入，目录未作任何更改：{exc}"), file=sys.stderr)
        return 1
    upgrade(settings.db_url)
    sessions = session_factory(make_engine(settings.db_url))
    try:
        with transaction(sessions) as session:
            if args.if_empty and store_directory.version(session):
                print("a directory is loaded already: left as it is" if en else "已有目录，未作更改")
                return 0
            applied = store_directory.load(
                session, raw, author=args.author or getpass.getuser(), reason=args.reason or f"load {args.file.name}",
                source=f"file {args.file.name}", dry_run=args.dry_run)
    except DirectoryInvalid as exc:
        head = (f"refused, nothing changed: {len(exc.problems)} problem(s)" if en
                else f"未导入，目录未作任何更改：共 {len(exc.problems)} 处问题")
        print(head, file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem.text(args.lang)}", file=sys.stderr)
        return 1
    for change in applied.changes[:SHOWN]:
        print(describe(change))
    if len(applied.changes) > SHOWN:
        print(f"… and {len(applied.changes) - SHOWN} more (whistle directory diff shows them all)")
    counts = store_directory.counts(applied.changes)
    if args.dry_run:
        print(f"dry run: {len(applied.changes)} change(s), nothing written {json.dumps(counts)}")
    elif applied.version is None:
        print("unchanged: the file is the directory in force")
    else:
        print(f"version {applied.version}: {len(applied.changes)} change(s) {json.dumps(counts)}")
        return _handover(settings, args)
    return 0


def load_sample_city(settings: Settings) -> int:
    """``whistle seed``: the sample city, loaded as a district loads its own, when no directory is loaded yet."""
    return _load(settings, argparse.Namespace(file=SAMPLE_CITY, dry_run=False, lang="zh", reason="the sample city",
                                              author="whistle seed", if_empty=True))


def _handover(settings: Settings, args: argparse.Namespace) -> int:
    """Tell the running issues whose open work sits at a retired unit or with a deactivated person."""
    from api.handover import hand_over, pending
    from core.temporal import connect

    if not pending(session_factory(make_engine(settings.db_url)))[1]:
        return 0  # no open work at a retired unit or with a deactivated person: nothing to tell

    async def run() -> tuple[int, int]:
        try:
            client = await connect(settings)
        except RuntimeError:  # Temporal not reachable: the change stands, the issues are told later
            client = None
        return await hand_over(client, session_factory(make_engine(settings.db_url)),
                               getattr(args, "reason", "") or "the directory changed")

    told, not_told = asyncio.run(run())
    print(f"{told} running issue(s) told to hand their open work over")
    if not_told:
        print(f"{not_told} running issue(s) not told yet: run `whistle directory handover` when Temporal is up",
              file=sys.stderr)
        return 1
    return 0


def _export(settings: Settings, args: argparse.Namespace) -> int:
    with session_factory(make_engine(settings.db_url))() as session:
        current = store_directory.current(session)
    data = to_workbook(current) if args.format == "xlsx" else to_json(current)
    if args.output is not None:
        args.output.write_bytes(data)
        print(f"wrote {args.output} ({len(current.units)} units, {len(current.principals)} people, "
              f"{len(current.matters)} matters)")
    elif args.format == "xlsx":
        print("a workbook needs -o FILE.xlsx", file=sys.stderr)
        return 2
    else:
        sys.stdout.write(data.decode())
    return 0


def _versions(settings: Settings, args: argparse.Namespace) -> int:
    with session_factory(make_engine(settings.db_url))() as session:
        for v in store_directory.versions(session):
            print(f"{v.version:>4}  {v.at:%Y-%m-%d %H:%M}  {v.author:<16} {v.source:<28} {json.dumps(v.counts)}  "
                  f"{v.reason}")
    return 0


def _diff(settings: Settings, args: argparse.Namespace) -> int:
    start, end = sorted((args.start, args.end))
    with session_factory(make_engine(settings.db_url))() as session:
        for change in store_directory.changes_between(session, start, end):
            print(describe(change))
    return 0


SUBCOMMANDS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "load": _load, "export": _export, "versions": _versions, "diff": _diff, "handover": _handover}


def directory_command(settings: Settings, args: argparse.Namespace) -> int:
    return SUBCOMMANDS[args.directory_command](settings, args)


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {"directory": directory_command}
