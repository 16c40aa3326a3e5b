"""``/v1/assessments``: the quarterly (季度考核参考意见) and annual (年度考核) assessment of a district's streets or
departments, and of a city's own departments.

- ``GET /v1/assessments?period=2026-Q4&level=street`` — JSON, or CSV with ``Accept: text/csv``: the version in
  force with the history of its versions, else the figures so far marked ``provisional``; ``period=2026`` for
  the year;
- ``GET /v1/assessments/print?…&format=html|pdf`` — the printable page;
- ``POST /v1/assessments/issue`` — issue a period whose evidence is in, now (district and city supervisors); the
  Schedule does it after every quarter by itself, once the evaluation windows have closed;
- ``POST /v1/assessments/{id}/amendments`` — a city supervisor issues the next version, with a reason: the
  figures as they stand now, beside the versions before it, none of which changes.

Supervisors and leaders read it; the district is the caller's own (a city's supervisors name one). Below the
district, a caller sees the rows of the units in their jurisdiction, ranked among all of the district's.
"""

from __future__ import annotations

import csv
import html
import io
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field
from temporalio.client import WorkflowFailureError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.service import RPCError

from activities.assessment import Issued, IssueQuarter
from api.deps import Caller, CallerDep, Services, ServicesDep
from api.figure_tables import RATE_COLUMNS, fmt_rate
from api.problems import COMMON_RESPONSES, Problem, invalid, temporal_unavailable
from api.routes.stats import CSV
from api.schemas import Text
from domain.access import amends_assessments, reads_statistics
from domain.organisation import Level, Role, UnitKind
from store import assessments
from store.assessments import AssessedLevel, Assessment
from store.figures import Period
from workflows import QuarterlyAssessment

router = APIRouter(prefix="/v1/assessments", tags=["assessments"], responses=COMMON_RESPONSES)

PeriodQ = Annotated[str, Query(max_length=7, description="the quarter, YYYY-Qn, or the year, YYYY",
                               examples=["2026-Q4", "2026"])]
LevelQ = Annotated[AssessedLevel, Query(description="street: the district's streets; department: its departments; "
                                                    "city_department: the city's own (name the city as district)")]
DistrictQ = Annotated[str | None, Query(max_length=200, description="default: the caller's district")]
RESPONSES: dict[int | str, dict[str, Any]] = {200: {"content": {CSV: {"schema": {"type": "string"}}},
                                                    "description": "the assessment, or CSV"}}


def _district(services: Services, caller: Caller, district: str | None,
              level: AssessedLevel = AssessedLevel.street) -> str:
    org = services.organisation
    if level is AssessedLevel.city_department:
        city = next(u for u in org.ancestors(caller.unit_id) if u.level is Level.city)
        if district not in (None, city.id):
            raise Problem("not-found", f"no city {district!r} in your jurisdiction")
        return city.id
    if district is None:
        chain = org.ancestors(caller.unit_id)
        found = next((u.id for u in chain if u.level is Level.district and u.kind is UnitKind.territorial), None)
        if found is None:
            raise invalid("district", "name the district (your unit is above the districts)")
        return found
    unit = org.units.get(district)
    visible = district in caller.subtree or (unit is not None and org.in_subtree(caller.unit_id, district))
    if unit is None or unit.level is not Level.district or not visible:
        raise Problem("not-found", f"no district {district!r} in your jurisdiction")
    return district


def _quarter(services: Services, period: str) -> Period:
    try:
        return Period.assessed(period, tz=services.settings.tz)
    except ValueError as exc:
        raise invalid("period", str(exc), str(exc)) from None


def _read(services: Services, caller: Caller, period: str, level: AssessedLevel, district: str | None) -> Assessment:
    if not reads_statistics(caller.actor):
        raise Problem("not-permitted", "assessments are for supervisors and leaders")
    district_id = _district(services, caller, district, level)
    quarter = _quarter(services, period)
    bands = assessments.parse_bands(services.settings.assessment_bands)

    def load() -> Assessment:
        with services.sessions() as session:
            kept = assessments.stored(session, district_id, level, quarter.label)
            if kept is not None:
                return kept
            return assessments.compute(session, services.organisation, services.figures_scope(), district_id, level,
                                       quarter, bands)

    return _visible(caller, load())


def _visible(caller: Caller, result: Assessment) -> Assessment:
    """Below the district (or the city), the rows of the caller's own units."""
    if result.district_id in caller.subtree:
        return result
    return result.model_copy(update={"rows": [r for r in result.rows if r.unit_id in caller.subtree]})


@router.get("", response_model=Assessment, responses=RESPONSES,
            summary="A quarter's assessment of a district's streets or departments (provisional until issued)")
async def read(request: Request, caller: CallerDep, services: ServicesDep, period: PeriodQ, level: LevelQ,
               district: DistrictQ = None) -> Assessment | Response:
    result = await run_in_threadpool(_read, services, caller, period, level, district)
    if CSV in request.headers.get("accept", ""):
        return Response(to_csv(result), media_type=CSV)
    return result


@router.get("/print", summary="The printable assessment: an HTML page, or a PDF",
            responses={200: {"content": {"text/html": {}, "application/pdf": {}}, "description": "the page"}})
async def printable(caller: CallerDep, services: ServicesDep, period: PeriodQ, level: LevelQ,
                    district: DistrictQ = None, format: Literal["html", "pdf"] = "html") -> Response:
    result = await run_in_threadpool(_read, services, caller, period, level, district)
    name = services.organisation.unit(result.district_id).name
    if format == "pdf":
        pdf = await run_in_threadpool(to_pdf, result, name)
        filename = f"assessment-{result.period}-{result.level}.pdf"
        return Response(pdf, media_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{filename}"'})
    return Response(to_html(result, name), media_type="text/html; charset=utf-8")


class IssueRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: str = Field(max_length=7, examples=["2026-Q3"], description="a quarter that has ended")
    district: str | None = Field(default=None, max_length=200,
                                 description="a district's supervisors issue their own district (the default); the "
                                             "city's may name one, or leave it out for every district")


@router.post("/issue", response_model=list[Issued],
             summary="Issue a quarter's assessment now (district and city supervisors); issuing again changes nothing")
async def issue_now(body: IssueRequest, caller: CallerDep, services: ServicesDep) -> list[Issued]:
    unit = services.organisation.unit(caller.unit_id)
    if Role.supervisor not in caller.roles or unit.level.rank < Level.district.rank:
        raise Problem("not-permitted", "the district's and the city's supervisors issue assessments")
    quarter = _quarter(services, body.period)
    now = datetime.now(UTC)
    if quarter.end > now:
        raise invalid("period", f"{quarter.label} has not ended yet")
    due = await run_in_threadpool(
        assessments.due_at, quarter, services.directory.get().directory.rules.assessment_after_working_days,
        services.calendar.is_workday)
    if due > now:
        raise invalid("period", f"the evaluation windows of {quarter.label} close before "
                                f"{due.astimezone(services.settings.tz):%Y-%m-%d %H:%M}: it is issued then")
    whole_city = body.district is None and services.at_the_top(caller)
    districts = None if whole_city else [_district(services, caller, body.district)]
    run_id = f"assessment-{quarter.label}" + ("" if districts is None else f"-{districts[0]}")
    try:
        return await services.client.execute_workflow(
            QuarterlyAssessment.run, IssueQuarter(period=quarter.label, districts=districts), id=run_id,
            task_queue=services.settings.task_queue, id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING)
    except WorkflowFailureError as exc:
        raise temporal_unavailable(exc.cause or exc, "issuing the assessment") from None
    except RPCError as exc:
        raise temporal_unavailable(exc) from None


class AmendmentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Text = Field(min_length=1, max_length=1000)


@router.post("/{assessment_id}/amendments", response_model=Assessment, status_code=201,
             summary="Amend an issued assessment (city supervisors): a new version beside the old, with the reason")
async def amend(assessment_id: Annotated[int, Path(ge=1, le=2**31 - 1)], body: AmendmentRequest, caller: CallerDep,
                services: ServicesDep) -> Assessment:
    if not amends_assessments(caller.actor, services.at_the_top(caller)):
        raise Problem("not-permitted", "the city's supervisors amend assessments")
    bands = assessments.parse_bands(services.settings.assessment_bands)

    def run() -> Assessment:
        with services.sessions() as session:
            current = assessments.stored_by_id(session, assessment_id)
            if current is None or current.district_id not in caller.subtree:
                raise Problem("not-found", f"no issued assessment {assessment_id}")
            fresh = assessments.compute(session, services.organisation, services.figures_scope(),
                                        current.district_id, current.level,
                                        _quarter(services, current.period), bands)
            try:
                kept = assessments.amend(session, assessment_id, current, fresh, caller.principal.id, body.reason,
                                         datetime.now(UTC))
            except (assessments.NotCurrent, assessments.Unchanged) as exc:
                raise Problem("wrong-state", str(exc)) from None
            session.commit()
            return kept

    return await run_in_threadpool(run)


# --- renderings ------------------------------------------------------------------------------------------

CSV_COLUMNS = ["period", "level", "district_id", "provisional", "version", "amended_by", "reason", "content_hash",
               "rank", "unit_id", "unit_name", "score", "complete", "grade", "received", "summoned", *RATE_COLUMNS,
               "yellow", "red", "escalations", "urges", "reworks", "supervisions"]

RATE_LABELS = {"response_rate": "响应率", "on_time_handling_rate": "按时办结率", "resolution_rate": "解决率",
               "satisfaction_rate": "群众满意率", "whistler_satisfaction_rate": "吹哨者评价满意率",
               "dispatch_on_time_rate": "按时派单率", "onsite_rate": "即查即办率", "mediation_rate": "调解成功率",
               "territorial_satisfaction_rate": "辖区满意率", "rectification_rate": "现场整改率"}
LEVEL_LABELS = {AssessedLevel.street: "镇街", AssessedLevel.department: "部门",
                AssessedLevel.city_department: "市级部门"}


def to_csv(a: Assessment) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for r in a.rows:
        s = r.stats
        writer.writerow([a.period, a.level.value, a.district_id, "yes" if a.provisional else "no",
                         "" if a.provisional else a.version, a.amended_by or "", a.reason or "",
                         a.content_hash or "", r.rank, r.unit_id, r.unit_name,
                         "" if r.score is None else f"{r.score:.2f}", "yes" if r.complete else "no",
                         r.grade.value if r.grade else "", s.received.numerator, s.summoned.numerator,
                         *(fmt_rate(getattr(s, c).rate) for c in RATE_COLUMNS), s.yellow.numerator, s.red.numerator,
                         s.escalations.numerator, s.urges.numerator, s.reworks.numerator, s.supervisions.numerator])
    return out.getvalue()


def _shown_rates(a: Assessment) -> dict[str, str]:
    """The rates of the assessment's score, in its order."""
    return {c: RATE_LABELS[c] for c in a.score_rates if c in RATE_LABELS}


def _versions(a: Assessment) -> list[str]:
    """One line per issued version: when, its hash, and for an amendment who made it and why."""
    lines = []
    for v in a.history:
        line = f"第 {v.version} 版 · 出具时间 {v.issued_at:%Y-%m-%d %H:%M} UTC · SHA-256 {v.content_hash}"
        if v.amended_by:
            line += f" · 修订人 {v.amended_by} · 修订原因：{v.reason or ''}"
        lines.append(line)
    return lines or ["本期尚未出具：以上为截至目前的数据"]


def _score_note(a: Assessment) -> str:
    labels = [RATE_LABELS.get(c, c) for c in a.score_rates]
    required = [RATE_LABELS.get(c, c) for c in a.required_rates or a.score_rates]
    return (f"得分：{'、'.join(labels)}中本单位有值各项的平均值 ×100；"
            f"缺少{'、'.join(required)}任一项的单位注明“数据不全”，排在数据完整的单位之后。")


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def _title(a: Assessment, district_name: str) -> str:
    state = "（阶段性数据，尚未出具）" if a.provisional else f"（第 {a.version} 版，已修订）" if a.version > 1 else ""
    kind = "年度考核" if len(a.period) == 4 else "季度考核参考意见"
    return f"{district_name} {a.period} {LEVEL_LABELS[a.level]}{kind}{state}"


def to_html(a: Assessment, district_name: str) -> str:
    e = html.escape
    shown = _shown_rates(a)
    head = "".join(f"<th>{e(x)}</th>" for x in ["名次", "单位", "得分", "等次", "受理", *shown.values()])
    rows = []
    for r in a.rows:
        rates = "".join(f"<td>{_pct(getattr(r.stats, c).rate)}</td>" for c in shown)
        grade = e(r.grade_label or "数据不全")
        score = "—" if r.score is None else f"{r.score:.2f}"
        rows.append(f"<tr><td>{r.rank}</td><td>{e(r.unit_name)}</td><td>{score}</td><td>{grade}</td>"
                    f"<td>{r.stats.received.numerator}</td>{rates}</tr>")
    bands = "，".join(f"{b.label} ≥ {b.min_score:g}" for b in a.bands)
    issued = "".join(f"<li>{e(line)}</li>" for line in _versions(a))
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{e(_title(a, district_name))}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; width: 100%; font-size: 14px; }}
th, td {{ border: 1px solid #999; padding: 4px 8px; text-align: center; }}
th {{ background: #f0f2f5; }}
@media print {{ body {{ margin: 0; }} }}
</style></head>
<body>
<h1>{e(_title(a, district_name))}</h1>
<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>
<p>{e(_score_note(a))}
等次：{e(bands)}。</p>
<ul>{issued}</ul>
</body></html>
"""


def to_pdf(a: Assessment, district_name: str) -> bytes:
    """The same table as a PDF, in the Chinese CID font every PDF reader carries (nothing embedded)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    title = ParagraphStyle("title", fontName="STSong-Light", fontSize=16, leading=22)
    text = ParagraphStyle("text", fontName="STSong-Light", fontSize=9, leading=13)
    shown = _shown_rates(a)
    data = [["名次", "单位", "得分", "等次", "受理", *shown.values()]]
    for r in a.rows:
        data.append([str(r.rank), r.unit_name, "—" if r.score is None else f"{r.score:.2f}",
                     r.grade_label or "数据不全", str(r.stats.received.numerator),
                     *(_pct(getattr(r.stats, c).rate) for c in shown)])
    table = Table(data, repeatRows=1)
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), "STSong-Light"), ("FONTSIZE", (0, 0), (-1, -1), 8),
                               ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke)]))
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=landscape(A4), title=_title(a, district_name), author="Whistle")
    doc.build([Paragraph(html.escape(_title(a, district_name)), title), Spacer(1, 8), table, Spacer(1, 8),
               Paragraph(html.escape(_score_note(a)), text),
               *(Paragraph(html.escape(line), text) for line in _versions(a))])
    return buf.getvalue()
