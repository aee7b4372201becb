"""The report as Markdown: the root's indicators by group, then the annexes.

Names come from the configuration (units, indicators, groups): their Markdown and HTML
syntax is escaped, so a unit named ``**x**`` or ``<script>`` prints as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import polars as pl

from chitieu.report.cells import indicator_cells
from chitieu.report.completeness import annex_note, annex_rows
from chitieu.report.labels import COLUMNS, HEADERS, NO_TARGETS, TOTAL, month_label, review_title
from chitieu.report.model import ReportModel
from chitieu.report.numbers import format_percent, format_time
from chitieu.report.quality import (
    GATE_HEADING,
    SHOWN_ROWS,
    SUBMISSIONS_HEADING,
    QualityReport,
)
from chitieu.report.quality import (
    HEADERS as QUALITY_HEADERS,
)
from chitieu.report.quality import (
    TABLE as QUALITY_TABLE,
)

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+!|~])")
TABLE_COLUMNS = COLUMNS
_ALIGN = {"stt": "---:", "target": "---:", "actual": "---:", "percent": "---:"}
_ALIGN |= {"last_actual": "---:", "change": "---:"}


def md_text(text: str) -> str:
    """Text from the configuration, safe in a heading, a paragraph or a table cell."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN.sub(r"\\\1", " ".join(text.split()))


def _table(rows: pl.DataFrame, model: ReportModel) -> list[str]:
    headers = HEADERS[model.lang]
    lines = [
        "| " + " | ".join(headers[c] for c in TABLE_COLUMNS) + " |",
        "|" + "|".join(_ALIGN.get(c, "---") for c in TABLE_COLUMNS) + "|",
    ]
    labels = model.class_labels
    for row in rows.iter_rows(named=True):
        cells = indicator_cells(row, model.lang, labels)
        cells |= {k: md_text(cells[k]) for k in ("name", "unit", "class")}
        lines.append("| " + " | ".join(cells[c] for c in TABLE_COLUMNS) + " |")
    return lines


def _meta(model: ReportModel) -> list[str]:
    vi = model.lang == "vi"
    period = model.review_period
    rate = model.header.get("completeness")
    span = period.vi_range() if vi else f"{period.start:%d/%m/%Y} – {period.end:%d/%m/%Y}"
    lines = [
        f"- {'Kỳ báo cáo' if vi else 'Period'}: {period.code} ({span})",
        f"- {'Bản số' if vi else 'Revision'}: {model.revision} "
        f"({'công bố' if vi else 'published'} {format_time(model.created_at)}, "
        f"{'giờ Việt Nam' if vi else 'Vietnam time'})",
        f"- {'Mức đầy đủ báo cáo' if vi else 'Completeness'}: "
        f"{format_percent(None if rate is None else rate * 100, model.lang)}",
        f"- {'Mã băm nội dung' if vi else 'Content SHA-256'}: `{model.content_sha256}`",
    ]
    restated = model.restated_note()
    if restated is not None:  # no revision, no hash: say what it is instead
        lines = [lines[0], f"- **{restated}**", lines[2]]
    approval = model.approval
    if approval is not None:
        who = ", ".join(md_text(text) for text in (approval.by, approval.title) if text)
        note = f" — {md_text(approval.note)}" if approval.note else ""
        lines.append(
            f"- {'Phê duyệt' if vi else 'Approved'}: {who} ({format_time(approval.at)}){note}"
        )
    return lines


def _annexes(model: ReportModel) -> Iterable[str]:
    vi = model.lang == "vi"
    yield ""
    yield (
        "## Phụ lục I: Kết quả thực hiện chỉ tiêu của các đơn vị trực thuộc"
        if vi
        else "## Annex I: The units directly below"
    )
    for unit in model.annex:
        yield ""
        yield f"### {unit.org_unit_code} {md_text(unit.name)}"
        yield ""
        yield from _table(unit.rows, model)
    if model.untargeted:
        names = ", ".join(f"{code} {md_text(name)}" for code, name in model.untargeted)
        yield ""
        yield f"{NO_TARGETS[model.lang]}: {names}."
    yield ""
    yield "## Phụ lục II: Tình hình gửi báo cáo" if vi else "## Annex II: Reporting"
    yield ""
    yield from _completeness(model)


def _completeness(model: ReportModel) -> Iterable[str]:
    annex, lang = model.completeness, model.lang
    months = [month_label(m, lang) for m in annex.months]
    yield "| " + " | ".join(["Đơn vị" if lang == "vi" else "Unit", *months, TOTAL[lang]]) + " |"
    yield "|---|" + "---:|" * (len(months) + 1)
    for code, name, texts in annex_rows(annex, lang):
        yield f"| {code} {md_text(name)} | " + " | ".join(texts) + " |"
    note = annex_note(annex, lang)
    if note is not None:
        yield ""
        yield f"*{note}*"


def _quality(quality: QualityReport) -> Iterable[str]:
    """The quality section: its counts (or "no warnings"), the gate's warnings, the first
    `SHOWN_ROWS` warnings of the reports used and how many more there are."""
    lang, headers = quality.lang, QUALITY_HEADERS[quality.lang]
    yield ""
    yield f"## {quality.title}"
    yield ""
    yield from quality.lines()
    if quality.gate:
        yield ""
        yield f"### {GATE_HEADING[lang]}"
        yield ""
        yield f"| {headers['check']} | {headers['detail']} |"
        yield "|---|---|"
        for gate in quality.gate:
            yield f"| {md_text(f'{gate.label} ({gate.check})')} | {md_text(gate.detail)} |"
    if quality.warnings.height:
        yield ""
        yield f"### {SUBMISSIONS_HEADING[lang]}"
        yield ""
        yield "| " + " | ".join(headers[c] for c in QUALITY_TABLE) + " |"
        yield "|" + "|".join("---:" if c == "value" else "---" for c in QUALITY_TABLE) + "|"
        for row in quality.rows(SHOWN_ROWS):
            yield "| " + " | ".join(md_text(row[c]) for c in QUALITY_TABLE) + " |"
        more = quality.more(SHOWN_ROWS)
        if more:
            yield ""
            yield more


def render_markdown(model: ReportModel, annexes: bool = True) -> str:
    """The whole report; without ``annexes``, the root's part (for ``snapshots show``)."""
    vi = model.lang == "vi"
    title = f"{review_title(model.review_period, model.lang)} — {md_text(model.root_name)}"
    lines = [
        f"# {title} ({model.root})",
        "",
        *_meta(model),
        "",
        f"**{'Tóm tắt' if vi else 'Summary'}:** {model.summary}",
    ]
    for group in model.groups:
        lines += ["", f"## {group.number}. {md_text(group.name)}", "", *_table(group.rows, model)]
    if model.quality is not None:
        lines += list(_quality(model.quality))
    if annexes:
        lines += list(_annexes(model))
    return "\n".join(lines) + "\n"
