"""``/v1/stats``: a unit's figures for a period, and a ranking of units; ``Accept: text/csv`` exports."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from api.deps import Caller, CallerDep, Services, ServicesDep
from api.figure_tables import to_csv
from api.problems import COMMON_RESPONSES, Problem, invalid
from api.schemas import UtcDatetime
from domain.capabilities import reads_statistics
from domain.organisation import Level, UnitKind
from store.figures import HUB, SUMMONED, YEARS, Period, RankRow, ScoreRule, UnitStats, ranking, snapshots

router = APIRouter(prefix="/v1/stats", tags=["stats"], responses=COMMON_RESPONSES)

CSV = "text/csv"
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"content": {CSV: {"schema": {"type": "string"}}},
                                                       "description": "the figures, or CSV"}}

Month = Annotated[str | None, Query(max_length=7, description="YYYY-MM", examples=["2026-11"])]
Quarter = Annotated[str | None, Query(max_length=7, description="YYYY-Qn", examples=["2026-Q4"])]
From = Annotated[UtcDatetime | None, Query(alias="from", description="custom period start (with time zone)")]
To = Annotated[UtcDatetime | None, Query(alias="to", description="custom period end, exclusive (with time zone)")]
Year = Annotated[int | None, Query(ge=YEARS.start, le=YEARS.stop - 1, description="a whole year (so far)",
                                   examples=[2026])]
#: when the figures were computed: a snapshot's time, or the moment of a live computation
COMPUTED_AT = "X-Figures-Computed-At"


def _reader(caller: Caller) -> None:
    if not reads_statistics(caller.actor):
        raise Problem("not-permitted", "statistics are for supervisors and leaders")


def _period(services: Services, month: str | None, quarter: str | None, start: datetime | None,
            end: datetime | None, year: int | None = None) -> Period:
    try:
        return Period.parse(month=month, quarter=quarter, start=start, end=end, tz=services.settings.tz, year=year)
    except ValueError as exc:
        raise invalid("period", str(exc), str(exc)) from None


def _wants_csv(request: Request) -> bool:
    return CSV in request.headers.get("accept", "")


@router.get("", response_model=UnitStats, responses=CSV_RESPONSE, summary="One unit's figures for a period")
async def unit_figures(request: Request, caller: CallerDep, services: ServicesDep,
                       unit: Annotated[str, Query(max_length=200)], month: Month = None, quarter: Quarter = None,
                       year: Year = None, start: From = None, end: To = None) -> UnitStats | Response:
    _reader(caller)
    if unit not in caller.subtree:
        raise Problem("not-found", f"no unit {unit!r} in your jurisdiction")
    period = _period(services, month, quarter, start, end, year)
    kind = services.organisation.unit(unit).kind
    rows = await run_in_threadpool(_rank, services, [unit], period, rule=score_rule(kind))
    if _wants_csv(request):
        return Response(to_csv(rows), media_type=CSV)
    return rows[0].stats


@router.get("/ranking", response_model=list[RankRow], responses=CSV_RESPONSE,
            summary="Units of one level within your jurisdiction, ranked by the score (README: Figures)",
            description="The figures come without their issue ids (at a million issues a year a quarter's ranking "
                        "would carry millions): `GET /v1/stats?unit=` gives one unit's figures with them. This month "
                        "and the last, this quarter and the last, and this year are answered from figures a "
                        f"Schedule recomputes every few minutes; `{COMPUTED_AT}` (and `Last-Modified`) say when "
                        "they were computed. Other periods are computed as asked.")
async def unit_ranking(request: Request, response: Response, caller: CallerDep, services: ServicesDep, level: Level,
                       kind: UnitKind = UnitKind.territorial, month: Month = None, quarter: Quarter = None,
                       year: Year = None, start: From = None, end: To = None) -> list[RankRow] | Response:
    _reader(caller)
    period = _period(services, month, quarter, start, end, year)
    units = sorted(u for u in caller.subtree
                   if (unit := services.organisation.units[u]).level is level and unit.kind is kind)
    rows, computed_at = await run_in_threadpool(_ranked, services, units, period, level, kind)
    headers = {COMPUTED_AT: computed_at.isoformat(), "Last-Modified": format_datetime(computed_at, usegmt=True)}
    if _wants_csv(request):
        return Response(to_csv(rows), media_type=CSV, headers=headers)
    response.headers.update(headers)
    return rows


def _ranked(services: Services, units: list[str], period: Period, level: Level,
            kind: UnitKind) -> tuple[list[RankRow], datetime]:
    """From the period's snapshot when it is fresh, else live."""
    now = datetime.now(UTC)
    with services.sessions() as session:
        snapshot = snapshots.current(session, period, level, kind, services.directory_version(), now)
    if snapshot is not None:
        return snapshots.ranked(snapshot, units, score_rule(kind)), snapshot.computed_at
    return _rank(services, units, period, with_ids=False, rule=score_rule(kind)), now


def score_rule(kind: UnitKind) -> ScoreRule:
    """A territorial unit is scored as the hub of its territory, a department as a summoned unit."""
    return HUB if kind is UnitKind.territorial else SUMMONED


def _rank(services: Services, units: list[str], period: Period, with_ids: bool = True,
          rule: ScoreRule = SUMMONED) -> list[RankRow]:
    with services.sessions() as session:
        return ranking(session, units, period, scope=services.figures_scope(), with_ids=with_ids, rule=rule)
