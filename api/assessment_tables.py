"""An assessment as tables: its CSV, the printable HTML page and the same page as a PDF (in Chinese, as the
district files it)."""

from __future__ import annotations

import csv
import html
import io

from api.figure_tables import RATE_COLUMNS, fmt_rate
from store.assessments import AssessedLevel, Assessment

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
