"""The directory in the read model, on SQLite and PostgreSQL: a file loads as one version and its export loads
back as no change; a file with problems is refused whole and changes nothing; versions compose; the cache each
process keeps follows a new version; a unit holding open work is not retired without a successor."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from structlog.testing import capture_logs

from domain.catalogue import HandlingDays
from domain.directory import Directory, diff
from domain.directory_check import DirectoryInvalid, Problem, RawDirectory, parse
from domain.directory_columns import Sheet
from domain.organisation import Unit
from domain.rules import Rules
from store import models
from store.db import SessionFactory, make_engine, session_factory, transaction
from store.directory import (
    Applied,
    changes_between,
    current,
    load,
    version,
    versions,
)
from store.directory_cache import DirectoryCache, DirectoryEmpty
from store.directory_files import read_json, read_workbook, rows, to_json, to_workbook
from store.migrate import upgrade
from tests import sample_city
from tests.domain.test_directory import EDITS, edited

SAMPLE = sample_city.directory()
HEATING = "qh.hd.dept.heating"


@pytest.fixture
def sessions(db_url: str) -> Iterator[SessionFactory]:
    upgrade(db_url)
    engine = make_engine(db_url)
    yield session_factory(engine)
    engine.dispose()


def _load(sessions: SessionFactory, raw: RawDirectory, reason: str = "tests", author: str = "tests",
          source: str = "tests") -> Applied:
    with transaction(sessions) as session:
        return load(session, raw, author=author, reason=reason, source=source)


def _json(directory: Directory) -> RawDirectory:
    return read_json(to_json(directory))


def _tables(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the directory's tables, by primary key."""
    out = {}
    for name in ("units", "principals", "matters", "grid_shapes", "directory_rules", "directory_versions",
                 "directory_changes"):
        table = models.Base.metadata.tables[name]
        out[name] = [tuple(row) for row in session.execute(select(table).order_by(*table.primary_key))]
    return out


def _with(directory: Directory, *, units: dict[str, dict[str, Any]] | None = None,
          principals: dict[str, dict[str, Any]] | None = None, matters: dict[str, dict[str, Any]] | None = None,
          rules: Rules | None = None) -> Directory:
    """The directory with some records' fields changed, by key."""
    def edit(records: tuple[Any, ...], key: str, updates: dict[str, dict[str, Any]]) -> tuple[Any, ...]:
        return tuple(r.model_copy(update=updates[getattr(r, key)]) if getattr(r, key) in updates else r
                     for r in records)
    return directory.model_copy(update={
        "units": edit(directory.units, "id", units or {}),
        "principals": edit(directory.principals, "id", principals or {}),
        "matters": edit(directory.matters, "code", matters or {}),
        "rules": rules or directory.rules})


# --- files ----------------------------------------------------------------------------------------------------


def _rows(directory: Directory, labels: bool) -> RawDirectory:
    return {sheet: list(enumerate(sheet_rows, start=2)) for sheet, sheet_rows in rows(directory, labels).items()}


@settings(max_examples=50, deadline=None)
@given(edits=EDITS)
def test_a_directorys_rows_read_back_as_the_same_directory(edits: list[tuple[Any, ...]]) -> None:
    directory = edited(SAMPLE, edits)
    for labels in (True, False):
        parsed, _, problems = parse(_rows(directory, labels))
        assert problems == []
        assert parsed.sorted() == directory.sorted()


@settings(max_examples=15, deadline=None)
@given(edits=EDITS)
def test_a_directory_written_as_a_workbook_or_json_reads_back_the_same(edits: list[tuple[Any, ...]]) -> None:
    directory = edited(SAMPLE, edits)
    assert parse(read_workbook(to_workbook(directory)))[0].sorted() == directory.sorted()
    assert parse(read_json(to_json(directory)))[0].sorted() == directory.sorted()


def test_reminders_of_any_precision_survive_the_workbook() -> None:
    thirds = SAMPLE.model_copy(update={"rules": Rules(reminders=(1 / 3, 2 / 3))})
    assert parse(read_workbook(to_workbook(thirds)))[0].rules == thirds.rules
    assert rows(thirds, labels=True)[Sheet.rules][5] == {"key": "reminders", "value": f"{1 / 3},{2 / 3}",
                                                         "note": "办理时限提醒点（时限的比例，逗号分隔，如 0.5,0.8）"}


# --- loading and exporting ------------------------------------------------------------------------------------


def test_the_sample_city_loads_and_its_exports_load_back_as_no_change(sessions: SessionFactory) -> None:
    applied = _load(sessions, _json(SAMPLE), reason="the sample city")
    assert applied.version == 1 and applied.changes == diff(Directory(), SAMPLE)
    with sessions() as session:
        assert current(session) == SAMPLE
        before = _tables(session)
        exports = {"json": read_json(to_json(current(session))), "xlsx": read_workbook(to_workbook(current(session)))}
    assert len(before["units"]) == len(SAMPLE.units) and len(before["grid_shapes"]) == len(SAMPLE.shapes)
    assert before["directory_rules"] == []  # the sample keeps the default rules: nothing to write
    for form, raw in exports.items():
        assert _load(sessions, raw, reason=f"the {form} export") == Applied(version=None, changes=[]), form
        with sessions() as session:
            assert _tables(session) == before, form


def test_a_dry_run_tells_what_would_change_and_writes_nothing(sessions: SessionFactory) -> None:
    _load(sessions, _json(SAMPLE))
    renamed = _with(SAMPLE, units={"qh.hd": {"name": "河东新区"}})
    with transaction(sessions) as session:
        before = _tables(session)
        applied = load(session, _json(renamed), author="tests", reason="try", source="tests", dry_run=True)
    assert applied.version is None and [(c.key, c.what) for c in applied.changes] == [("qh.hd", "changed")]
    with sessions() as session:
        assert _tables(session) == before


def _cell_of(sheet: Worksheet, key: str, header: str) -> Any:
    """The cell in the row whose first column is ``key`` and the column headed ``header``."""
    col = [c.value for c in sheet[1]].index(header) + 1
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == key)
    return sheet.cell(row, col)


def test_a_workbook_with_problems_is_refused_whole_listing_each_and_changing_nothing(
        sessions: SessionFactory) -> None:
    _load(sessions, _json(SAMPLE))
    book = load_workbook(io.BytesIO(to_workbook(SAMPLE)))
    units, people, matters = book["单位"], book["人员"], book["事项"]
    g1, g2 = _cell_of(units, "qh.hd.cy.c1.g1", "上级单位编码"), _cell_of(units, "qh.hd.cy.c1.g2", "上级单位编码")
    g1.value, g2.value = "qh.hd.cy.c1.g2", "qh.hd.cy.c1.g1"
    routed = _cell_of(matters, "heating.fee", "责任部门职能")
    routed.value = "heating、space_station"
    twin = _cell_of(people, "handler@qh.hd.dept.heating", "人员编码")
    people.append(["handler@qh.hd.dept.heating", "另一个人", "qh.hd.cy", "承办人"])
    edited_book = io.BytesIO()
    book.save(edited_book)
    with sessions() as session:
        before, before_version, before_tables = current(session), version(session), _tables(session)

    with pytest.raises(DirectoryInvalid) as refused, transaction(sessions) as session:
        load(session, read_workbook(edited_book.getvalue()), author="clerk", reason="bad", source="bad.xlsx")

    assert refused.value.problems == [
        Problem(sheet=Sheet.units, row=g1.row, column="parent_id", code="cycle",
                params={"key": "qh.hd.cy.c1.g1 → qh.hd.cy.c1.g2 → qh.hd.cy.c1.g1"}),
        Problem(sheet=Sheet.units, row=g2.row, column="parent_id", code="cycle",
                params={"key": "qh.hd.cy.c1.g2 → qh.hd.cy.c1.g1 → qh.hd.cy.c1.g2"}),
        Problem(sheet=Sheet.principals, row=people.max_row, column="id", code="duplicate",
                params={"key": "handler@qh.hd.dept.heating", "other": str(twin.row)}),
        Problem(sheet=Sheet.matters, row=routed.row, column="departments", code="no_department",
                params={"key": "space_station"}),
    ]
    assert [p.text("zh") for p in refused.value.problems][2:] == [
        f"人员 第 {people.max_row} 行「人员编码」：编码 handler@qh.hd.dept.heating 重复（另见第 {twin.row} 行）",
        f"事项 第 {routed.row} 行「责任部门职能」：没有承担职能 space_station 的在用部门"]
    with sessions() as session:
        after = current(session)
        assert version(session) == before_version == 1
        assert after.records() == before.records()
        assert _tables(session) == before_tables


def test_units_and_people_are_never_deleted_by_a_file(sessions: SessionFactory) -> None:
    _load(sessions, _json(SAMPLE))
    fewer = SAMPLE.model_copy(update={
        "units": tuple(u for u in SAMPLE.units if u.id != "qh.hx.js.c2.g3"),
        "principals": tuple(p for p in SAMPLE.principals if p.unit_id != "qh.hx.js.c2.g3")})
    gone = sorted(p.id for p in SAMPLE.principals if p.unit_id == "qh.hx.js.c2.g3")
    with pytest.raises(DirectoryInvalid) as refused, transaction(sessions) as session:
        load(session, _json(fewer), author="tests", reason="fewer", source="tests")
    assert [(p.sheet, p.row, p.code, p.params["key"]) for p in refused.value.problems] == [
        (Sheet.units, None, "missing_unit", "qh.hx.js.c2.g3"),
        *[(Sheet.principals, None, "missing_principal", key) for key in gone]]


# --- versions -------------------------------------------------------------------------------------------------


def test_each_load_is_a_version_and_versions_compose(sessions: SessionFactory) -> None:
    fee = next(m for m in SAMPLE.matters if m.code == "heating.fee")
    second = _with(SAMPLE, units={"qh.hd": {"name": "河东新区"}},
                   matters={"heating.fee": {"handling_days": HandlingDays(immediate=3, phased=10, understanding=4)}},
                   principals={"handler@qh.hd.dept.heating": {"active": False}})
    third = _with(second, matters={"heating.fee": {"report_hours": 2.0}})

    assert _load(sessions, _json(SAMPLE), reason="the sample city", source="sample-city.json").version == 1
    assert _load(sessions, _json(second), reason="reorganise", author="clerk", source="workbook v2.xlsx").version == 2
    with sessions() as session:
        [v2, v1] = versions(session)
        assert (v1.version, v1.author, v1.reason, v1.source) == (1, "tests", "the sample city", "sample-city.json")
        assert v1.counts == {"unit": {"added": len(SAMPLE.units), "changed": 0, "removed": 0},
                             "principal": {"added": len(SAMPLE.principals), "changed": 0, "removed": 0},
                             "matter": {"added": len(SAMPLE.matters), "changed": 0, "removed": 0}}
        assert (v2.version, v2.author, v2.reason, v2.source) == (2, "clerk", "reorganise", "workbook v2.xlsx")
        assert v2.counts == {kind: {"added": 0, "changed": 1, "removed": 0} for kind in ("unit", "principal", "matter")}
        assert v1.at <= v2.at <= datetime.now(UTC)
        assert changes_between(session, 1, 2) == diff(SAMPLE, second)
        assert changes_between(session, 0, 2) == diff(Directory(), second)
        assert current(session) == second

    assert _load(sessions, _json(third), reason="faster check-in").version == 3
    with sessions() as session:
        assert [v.version for v in versions(session)] == [3, 2, 1]
        assert [v.version for v in versions(session, limit=1, before=3)] == [2]
        [fee_change] = [c for c in changes_between(session, 1, 3) if c.key == "heating.fee"]
        assert fee_change.before == fee.model_dump(mode="json")
        assert fee_change.after == next(m for m in third.matters if m.code == "heating.fee").model_dump(mode="json")
        assert changes_between(session, 1, 3) == diff(SAMPLE, third)

    assert _load(sessions, _json(second), reason="undo").version == 4
    with sessions() as session:
        assert changes_between(session, 2, 4) == []
        assert changes_between(session, 3, 4) == diff(third, second)
        assert current(session) == second


def test_a_sign_on_subject_handed_from_one_person_to_another(sessions: SessionFactory) -> None:
    given = _with(SAMPLE, principals={"handler@qh": {"subject": "E1001"}})
    _load(sessions, _json(given))
    handed = _with(SAMPLE, principals={"handler@qh": {"active": False}, "leader@qh": {"subject": "E1001"}})
    assert _load(sessions, _json(handed), reason="a new post").version == 2
    with sessions() as session:
        assert current(session) == handed


# --- the cache ------------------------------------------------------------------------------------------------


def test_a_cache_that_always_asks_sees_a_new_version(sessions: SessionFactory) -> None:
    with pytest.raises(DirectoryEmpty):
        DirectoryCache(sessions, refresh_s=0).get()
    _load(sessions, _json(SAMPLE))
    eager, lazy = DirectoryCache(sessions, refresh_s=0, blocking=True), DirectoryCache(sessions, refresh_s=3600)
    first = eager.get()
    assert (first.version, first.directory) == (1, SAMPLE) and lazy.get().version == 1
    assert eager.get() is first  # the same version: the copy is kept, not read again

    renamed = _with(SAMPLE, units={"qh.hd": {"name": "河东新区"}})
    _load(sessions, _json(renamed))
    seen = eager.get()
    assert (seen.version, seen.directory) == (2, renamed)
    assert seen.organisation.unit("qh.hd").name == "河东新区"
    assert lazy.get().version == 1  # asks again only after refresh_s
    assert lazy.refresh().version == 2


def test_a_cache_that_does_not_block_serves_the_old_copy_while_it_reads(sessions: SessionFactory) -> None:
    _load(sessions, _json(SAMPLE))
    cache = DirectoryCache(sessions, refresh_s=0, blocking=False)
    assert cache.get().version == 1
    _load(sessions, _json(_with(SAMPLE, units={"qh.hd": {"name": "河东新区"}})))
    deadline = time.monotonic() + 10
    while (seen := cache.get().version) == 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert seen == 2


def test_a_cache_keeps_its_copy_while_the_database_cannot_be_read(sessions: SessionFactory) -> None:
    _load(sessions, _json(SAMPLE))
    broken = threading.Event()

    def flaky() -> Session:
        if broken.is_set():
            raise OperationalError("SELECT 1", {}, Exception("connection refused"))
        return sessions()

    cache = DirectoryCache(flaky, refresh_s=0)  # type: ignore[arg-type]  # a factory that fails on demand
    loaded = cache.get()
    broken.set()
    with capture_logs() as logs:
        assert cache.get() is loaded
    assert [entry["event"] for entry in logs] == ["directory_not_refreshed"]
    with pytest.raises(OperationalError):
        cache.refresh()


def test_a_fixed_cache_never_reads_the_database() -> None:
    cache = DirectoryCache.fixed(SAMPLE)
    loaded = cache.get()
    assert (loaded.version, loaded.directory) == (0, SAMPLE)
    assert cache.get() is loaded and cache.refresh() is loaded
    assert loaded.catalogue.matter("heating.fee").name == "供暖费争议"


# --- retiring a unit ------------------------------------------------------------------------------------------


def _open_task(session: Session, unit_id: str) -> None:
    now = datetime(2026, 3, 2, 9, tzinfo=UTC)
    session.add(models.Issue(
        id="i-1", title="没有暖气", matter_code="heating.no_heat", category="heating", source="app", urgent=False,
        grid_id="qh.hd.cy.c1.g1", community_id="qh.hd.cy.c1", street_id="qh.hd.cy", district_id="qh.hd",
        city_id="qh", step="handling", status="open", level="district", lead_unit_id=unit_id, overdue=False,
        reworks=0, urges=0, created_at=now, last_seq=1))
    session.flush()
    session.add(models.Task(id="i-1.handle.1", issue_id="i-1", kind="handle", step="handling", unit_id=unit_id,
                            roles="handler", opened_at=now, status="open", late=False, version_seq=1))


def _retired(unit_id: str, successor: str | None) -> Directory:
    """The sample with a unit retired and its people deactivated."""
    return _with(SAMPLE, units={unit_id: {"active": False, "successor_id": successor}},
                 principals={p.id: {"active": False} for p in SAMPLE.principals if p.unit_id == unit_id})


def test_a_unit_holding_open_tasks_is_retired_only_with_a_successor(sessions: SessionFactory) -> None:
    _load(sessions, _json(SAMPLE))
    with transaction(sessions) as session:
        _open_task(session, HEATING)
    retired = _retired(HEATING, None)
    row = 1 + [u.id for u in retired.sorted().units].index(HEATING)  # the JSON form's rows count from 1

    with pytest.raises(DirectoryInvalid) as refused, transaction(sessions) as session:
        load(session, _json(retired), author="tests", reason="merge heating", source="tests")
    assert refused.value.problems == [Problem(sheet=Sheet.units, row=row, column="successor_id",
                                              code="retired_with_work", params={"count": "1"})]
    assert refused.value.problems[0].text("en") == (f"units row {row}, column 'successor id': the unit holds 1 open "
                                                    "tasks: name a successor to retire it")
    with sessions() as session:
        assert version(session) == 1 and session.get_one(models.Unit, HEATING).active

    handed = _retired(HEATING, "qh.hx.dept.heating")
    assert _load(sessions, _json(handed), reason="merge heating").version == 2
    with sessions() as session:
        unit = current(session).organisation().unit(HEATING)
        assert unit == Unit(**{**next(u for u in SAMPLE.units if u.id == HEATING).model_dump(), "active": False,
                               "successor_id": "qh.hx.dept.heating"})
        staff = [p for p in current(session).principals if p.unit_id == HEATING]
        assert staff and not any(p.active for p in staff)


def test_a_unit_whose_tasks_are_closed_retires_without_a_successor(sessions: SessionFactory) -> None:
    _load(sessions, _json(SAMPLE))
    with transaction(sessions) as session:
        _open_task(session, HEATING)
        session.flush()
        session.get_one(models.Task, "i-1.handle.1").status = "closed"
    assert _load(sessions, _json(_retired(HEATING, None))).version == 2
