"""``/v1/assessments``: the quarterly assessment (季度考核参考意见) of a district's streets or departments.

- ``GET /v1/assessments?period=2026-Q4&level=street`` — JSON, or CSV with ``Accept: text/csv``: as issued when
  it was, else the figures so far marked ``provisional``;
- ``GET /v1/assessments/print?…&format=html|pdf`` — the printable page;
- ``POST /v1/assessments/issue`` — issue a quarter that has ended, now (district and city supervisors); the
  Schedule does it after every quarter by itself.

Supervisors and leaders read it; the district is the caller's own (a city's supervisors name one). Below the
district, a caller sees the rows of the units in their jurisdiction, ranked among all of the district's.
"""

from __future__ import annotations

import csv
import html
import io
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field
from temporalio.client import WorkflowFailureError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.service import RPCError

from activities.assessment import Issued, IssueQuarter
from api.deps import Caller, CallerDep, Services, ServicesDep
from api.problems import COMMON_RESPONSES, Problem, invalid, temporal_unavailable
from api.routes.stats import CSV
from domain.access import reads_statistics
from domain.organisation import Level, Role, UnitKind
from store import assessments
from store.assessments import AssessedLevel, Assessment
from store.stats import RATE_COLUMNS, Period, fmt_rate
from workflows import QuarterlyAssessment

router = APIRouter(prefix="/v1/assessments", tags=["assessments"], responses=COMMON_RESPONSES)

PeriodQ = Annotated[str, Query(max_length=7, description="the quarter, YYYY-Qn", examples=["2026-Q4"])]
LevelQ = Annotated[AssessedLevel, Query(description="street: the district's streets; department: its departments")]
DistrictQ = Annotated[str | None, Query(max_length=200, description="default: the caller's district")]
RESPONSES: dict[int | str, dict[str, Any]] = {200: {"content": {CSV: {"schema": {"type": "string"}}},
                                                    "description": "the assessment, or CSV"}}


def _district(services: Services, caller: Caller, district: str | None) -> str:
    org = services.organisation
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
        return Period.parse(quarter=period, tz=services.settings.tz)
    except ValueError as exc:
        raise invalid("period", str(exc), str(exc)) from None


def _read(services: Services, caller: Caller, period: str, level: AssessedLevel, district: str | None) -> Assessment:
    if not reads_statistics(caller.actor):
        raise Problem("not-permitted", "assessments are for supervisors and leaders")
    district_id = _district(services, caller, district)
    quarter = _quarter(services, period)
    bands = assessments.parse_bands(services.settings.assessment_bands)

    def load() -> Assessment:
        with services.sessions() as session:
            kept = assessments.stored(session, district_id, level, quarter.label)
            if kept is not None:
                return kept
            return assessments.compute(session, services.organisation, services.figures_scope(), district_id, level,
                                       quarter, bands)

    result = load()
    if district_id in caller.subtree:
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
    if quarter.end > datetime.now(UTC):
        raise invalid("period", f"{quarter.label} has not ended yet")
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


# --- renderings ------------------------------------------------------------------------------------------

CSV_COLUMNS = ["period", "level", "district_id", "provisional", "content_hash", "rank", "unit_id", "unit_name",
               "score", "complete", "grade", "received", "summoned", *RATE_COLUMNS, "yellow", "red", "escalations",
               "urges", "reworks"]

RATE_LABELS = {"response_rate": "响应率", "on_time_handling_rate": "按时办结率", "resolution_rate": "解决率",
               "satisfaction_rate": "群众满意率", "whistler_satisfaction_rate": "吹哨者评价满意率",
               "onsite_rate": "即查即办率", "mediation_rate": "调解成功率"}
LEVEL_LABELS = {AssessedLevel.street: "镇街", AssessedLevel.department: "部门"}


def to_csv(a: Assessment) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for r in a.rows:
        s = r.stats
        writer.writerow([a.period, a.level.value, a.district_id, "yes" if a.provisional else "no",
                         a.content_hash or "", r.rank, r.unit_id, r.unit_name,
                         "" if r.score is None else f"{r.score:.2f}", "yes" if r.complete else "no",
                         r.grade.value if r.grade else "", s.received.numerator, s.summoned.numerator,
                         *(fmt_rate(getattr(s, c).rate) for c in RATE_COLUMNS), s.yellow.numerator, s.red.numerator,
                         s.escalations.numerator, s.urges.numerator, s.reworks.numerator])
    return out.getvalue()


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def _title(a: Assessment, district_name: str) -> str:
    state = "（阶段性数据，尚未出具）" if a.provisional else ""
    return f"{district_name} {a.period} {LEVEL_LABELS[a.level]}季度考核参考意见{state}"


def to_html(a: Assessment, district_name: str) -> str:
    e = html.escape
    head = "".join(f"<th>{e(x)}</th>" for x in ["名次", "单位", "得分", "等次", "受理", *RATE_LABELS.values()])
    rows = []
    for r in a.rows:
        rates = "".join(f"<td>{_pct(getattr(r.stats, c).rate)}</td>" for c in RATE_LABELS)
        grade = e(r.grade_label or "数据不全")
        score = "—" if r.score is None else f"{r.score:.2f}"
        rows.append(f"<tr><td>{r.rank}</td><td>{e(r.unit_name)}</td><td>{score}</td><td>{grade}</td>"
                    f"<td>{r.stats.received.numerator}</td>{rates}</tr>")
    bands = "，".join(f"{b.label} ≥ {b.min_score:g}" for b in a.bands)
    issued = (f"出具时间 {a.issued_at:%Y-%m-%d %H:%M} UTC · 内容摘要 SHA-256 {a.content_hash}" if a.issued_at
              else "本季度尚未出具：以上为截至目前的数据")
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
<p>得分：响应率、按时办结率、解决率、群众满意率、吹哨者评价满意率五项的平均值 ×100；
缺少任一项的单位注明“数据不全”，排在数据完整的单位之后。
等次：{e(bands)}。</p>
<p>{e(issued)}</p>
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
    data = [["名次", "单位", "得分", "等次", "受理", *RATE_LABELS.values()]]
    for r in a.rows:
        data.append([str(r.rank), r.unit_name, "—" if r.score is None else f"{r.score:.2f}",
                     r.grade_label or "数据不全", str(r.stats.received.numerator),
                     *(_pct(getattr(r.stats, c).rate) for c in RATE_LABELS)])
    table = Table(data, repeatRows=1)
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), "STSong-Light"), ("FONTSIZE", (0, 0), (-1, -1), 8),
                               ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke)]))
    issued = (f"出具时间 {a.issued_at:%Y-%m-%d %H:%M} UTC · SHA-256 {a.content_hash}" if a.issued_at
              else "本季度尚未出具：以上为截至目前的数据")
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=landscape(A4), title=_title(a, district_name), author="Whistle")
    doc.build([Paragraph(html.escape(_title(a, district_name)), title), Spacer(1, 8), table, Spacer(1, 8),
               Paragraph(html.escape("得分：五项比率的平均值 ×100；缺少任一项的单位排在数据完整的单位之后。"), text),
               Paragraph(html.escape(issued), text)])
    return buf.getvalue()
