"""The report as one self-contained HTML page: no script, nothing loaded from the network
(charts are inline SVG), every text from the configuration or a commune escaped."""

from __future__ import annotations

from html import escape

import polars as pl

from chitieu.report.cells import indicator_cells
from chitieu.report.completeness import annex_note, annex_rows
from chitieu.report.labels import HEADERS, NO_TARGETS, TOTAL, month_label, review_title
from chitieu.report.markdown import TABLE_COLUMNS
from chitieu.report.model import ReportModel
from chitieu.report.numbers import format_percent, format_time
from chitieu.report.quality import (
    GATE_HEADING,
    SHOWN_ROWS,
    SUBMISSIONS_HEADING,
    QualityReport,
)
from chitieu.report.quality import HEADERS as QUALITY_HEADERS
from chitieu.report.quality import TABLE as QUALITY_TABLE
from chitieu.report.svg import bands_chart, class_chart, heatmap_chart

NUMERIC = {"target", "actual", "percent", "last_actual", "change"}
STYLE = (
    "body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;"
    "margin:.5em 0 1.5em}td,th{border:1px solid #999;padding:2px 6px;vertical-align:top}"
    "th{background:#eef3f8}td.num{text-align:right;white-space:nowrap}"
    "figure{margin:1em 0}.note{color:#57606a;font-style:italic}"
)
WORDS = {
    "vi": {
        "classes": "Số chỉ tiêu theo mức đánh giá",
        "bands": "Tỷ lệ thực hiện so với kế hoạch năm",
        "heatmap": "Mức đầy đủ báo cáo theo đơn vị và tháng",
        "empty": "chưa đánh giá",
        "annex1": "Phụ lục I: Kết quả thực hiện chỉ tiêu của các đơn vị trực thuộc",
        "annex2": "Phụ lục II: Tình hình gửi báo cáo",
        "unit": "Đơn vị",
        "summary": "Tóm tắt",
        "revision": "bản",
        "published": "công bố",
        "approved": "phê duyệt",
    },
    "en": {
        "classes": "Indicators by class",
        "bands": "Percent of the annual target",
        "heatmap": "Completeness by unit and month",
        "empty": "not judged yet",
        "annex1": "Annex I: The units directly below",
        "annex2": "Annex II: Reporting",
        "unit": "Unit",
        "summary": "Summary",
        "revision": "revision",
        "published": "published",
        "approved": "approved",
    },
}


def _table(rows: pl.DataFrame, model: ReportModel) -> str:
    headers = HEADERS[model.lang]
    head = "".join(f"<th>{escape(headers[c])}</th>" for c in TABLE_COLUMNS)
    labels = model.class_labels
    body = "\n".join(
        "<tr>"
        + "".join(
            f"<td{' class=num' if c in NUMERIC else ''}>{escape(cells[c])}</td>"
            for c in TABLE_COLUMNS
        )
        + "</tr>"
        for cells in (
            indicator_cells(row, model.lang, labels) for row in rows.iter_rows(named=True)
        )
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>"


def _completeness(model: ReportModel) -> str:
    annex, lang = model.completeness, model.lang
    words = WORDS[lang]
    head = "".join(
        f"<th>{escape(h)}</th>"
        for h in [words["unit"], *(month_label(m, lang) for m in annex.months), TOTAL[lang]]
    )
    rows = [
        f"<tr><td>{escape(code)} {escape(name)}</td>"
        + "".join(f"<td class=num>{escape(t)}</td>" for t in texts)
        + "</tr>"
        for code, name, texts in annex_rows(annex, lang)
    ]
    text = annex_note(annex, lang)
    note = f'<p class="note">{escape(text)}</p>' if text is not None else ""
    return (
        f"<table><thead><tr>{head}</tr></thead><tbody>\n"
        + "\n".join(rows)
        + f"\n</tbody></table>{note}"
    )


def _quality(quality: QualityReport) -> list[str]:
    """The quality section, as the Markdown report has it."""
    lang, headers = quality.lang, QUALITY_HEADERS[quality.lang]
    parts = [f"<h2>{escape(quality.title)}</h2>"]
    parts += [f"<p>{escape(line)}</p>" for line in quality.lines()]
    if quality.gate:
        rows = "\n".join(
            f"<tr><td>{escape(f'{g.label} ({g.check})')}</td><td>{escape(g.detail)}</td></tr>"
            for g in quality.gate
        )
        parts += [
            f"<h3>{escape(GATE_HEADING[lang])}</h3>",
            f"<table><thead><tr><th>{escape(headers['check'])}</th>"
            f"<th>{escape(headers['detail'])}</th></tr></thead><tbody>\n{rows}\n</tbody></table>",
        ]
    if quality.warnings.height:
        head = "".join(f"<th>{escape(headers[c])}</th>" for c in QUALITY_TABLE)
        rows = "\n".join(
            "<tr>"
            + "".join(
                f"<td{' class=num' if c == 'value' else ''}>{escape(row[c])}</td>"
                for c in QUALITY_TABLE
            )
            + "</tr>"
            for row in quality.rows(SHOWN_ROWS)
        )
        parts += [
            f"<h3>{escape(SUBMISSIONS_HEADING[lang])}</h3>",
            f"<table><thead><tr>{head}</tr></thead><tbody>\n{rows}\n</tbody></table>",
        ]
        more = quality.more(SHOWN_ROWS)
        if more:
            parts.append(f'<p class="note">{escape(more)}</p>')
    return parts


def render_html(model: ReportModel) -> str:
    lang, words = model.lang, WORDS[model.lang]
    title = f"{review_title(model.review_period, lang)} — {model.root_name} ({model.root})"
    rate = model.header.get("completeness")
    meta = (
        f"{model.review_period.code} · {words['revision']} {model.revision} · "
        f"{words['published']} {format_time(model.created_at)} · "
        f"{format_percent(None if rate is None else rate * 100, lang)} · "
        f"sha256 {model.content_sha256}"
    )
    restated = model.restated_note()
    if restated is not None:
        meta = f"{model.review_period.code} · {restated} · " + format_percent(
            None if rate is None else rate * 100, lang
        )
    approval = model.approval
    if approval is not None:
        who = ", ".join(text for text in (approval.by, approval.title) if text)
        meta += f" · {words['approved']} {who} {format_time(approval.at)}"
    parts = [
        f"<h1>{escape(title)}</h1>",
        f"<p>{escape(meta)}</p>",
        f"<p><strong>{escape(words['summary'])}:</strong> {escape(model.summary)}</p>",
        f"<figure>{class_chart(model.charts.classes, words['classes'])}</figure>",
    ]
    for group in model.groups:
        parts += [f"<h2>{group.number}. {escape(group.name)}</h2>", _table(group.rows, model)]
    parts.append(
        "<figure>" + bands_chart(model.charts, words["bands"], lang, words["empty"]) + "</figure>"
    )
    if model.quality is not None:
        parts += _quality(model.quality)
    parts.append(f"<h2>{escape(words['annex1'])}</h2>")
    for unit in model.annex:
        heading = f"{unit.org_unit_code} {unit.name}"
        parts += [f"<h3>{escape(heading)}</h3>", _table(unit.rows, model)]
    if model.untargeted:
        names = ", ".join(f"{code} {name}" for code, name in model.untargeted)
        parts.append(f"<p>{escape(f'{NO_TARGETS[lang]}: {names}.')}</p>")
    parts += [
        f"<h2>{escape(words['annex2'])}</h2>",
        _completeness(model),
        f"<figure>{heatmap_chart(model.charts.completeness, words['heatmap'], lang)}</figure>",
    ]
    return (
        f'<!doctype html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>\n"
        + "\n".join(parts)
        + "\n</body></html>\n"
    )
