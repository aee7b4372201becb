"""The review report of a published revision: Markdown or JSON, in Vietnamese or English.

Vietnamese numbers group thousands with ``.`` and use ``,`` as the decimal mark
(``1.752``, ``78,46 %``), as the review documents print them.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import Any

import polars as pl

from chitieu.config import Config
from chitieu.periods import Period
from chitieu.rollup.summary import class_counts, summary_sentence

CLASS_LABELS = {
    "vi": {
        "exceeded": "Vượt",
        "basically_achieved": "Cơ bản đạt",
        "on_track": "Đạt từ {half}% trở lên",
        "below_half": "Đạt dưới {half}%",
        "not_started": "Chưa thực hiện",
        "year_end": "Đánh giá cuối năm",
        "no_target": "Chưa giao chỉ tiêu",
    },
    "en": {
        "exceeded": "Exceeded",
        "basically_achieved": "Basically achieved",
        "on_track": "{half}% or more",
        "below_half": "Below {half}%",
        "not_started": "Not started",
        "year_end": "Judged at year end",
        "no_target": "No target",
    },
}
HEADERS = {
    "vi": ("Mã", "Chỉ tiêu", "Đơn vị tính", "Thực hiện", "Kế hoạch năm", "Tỷ lệ", "Đánh giá"),
    "en": ("Code", "Indicator", "Unit", "Actual", "Annual target", "Percent", "Class"),
}


def format_number(value: float | None, lang: str, decimals: int = 2) -> str:
    """``1752`` → ``1.752`` (vi) or ``1,752`` (en); at most ``decimals`` decimals, no
    trailing zeros; ``None`` → ``–``."""
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if lang == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def format_percent(value: float | None, lang: str) -> str:
    if value is None:
        return "–"
    text = f"{value:,.2f}"
    if lang == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return f"{text} %"


def review_title(period: Period, lang: str) -> str:
    if lang == "vi":
        if period.kind == "S" and period.last_month == 6:
            return f"Sơ kết 6 tháng đầu năm {period.year}"
        if period.is_year:
            return f"Tổng kết năm {period.year}"
        return f"Đánh giá kỳ {period.code}"
    if period.kind == "S" and period.last_month == 6:
        return f"Six-month review {period.year}"
    if period.is_year:
        return f"Year-end review {period.year}"
    return f"Review of {period.code}"


@dataclass(frozen=True)
class ReportData:
    """What a report shows, independent of its format."""

    header: dict[str, Any]
    indicators: pl.DataFrame
    """The root's indicators with catalog names: code, name, unit, group, actual, ..."""
    summary: str
    counts: dict[str, int]
    root_name: str
    lang: str
    on_track: float
    """The on-track threshold (50 % by default), named in two class labels."""


def report_data(
    config: Config, header: dict[str, Any], indicators: pl.DataFrame, lang: str
) -> ReportData:
    """Join the snapshot's root indicators with the catalog's names, in catalog order."""
    period = Period.parse(header["review_period"])
    root = header["root_org_unit"]
    catalog = pl.DataFrame(
        {
            "indicator_code": [i.code for i in config.catalog.indicators],
            "name": [
                (i.name_en or i.name) if lang == "en" else i.name for i in config.catalog.indicators
            ],
            "unit": [i.unit for i in config.catalog.indicators],
            "group": [i.group or "" for i in config.catalog.indicators],
            "position": list(range(len(config.catalog.indicators))),
        }
    )
    mine = indicators.filter(pl.col("org_unit_code") == root)
    table = catalog.join(mine, on="indicator_code", how="left").sort("position")
    counts = class_counts(mine)
    names = config.org_units.filter(pl.col("code") == root).get_column("name")
    return ReportData(
        header=header,
        indicators=table,
        summary=summary_sentence(
            counts, lang, config.catalog.classification, mid_year=not period.is_year
        ),
        counts=counts.as_dict(),
        root_name=names[-1] if names.len() else root,
        lang=lang,
        on_track=config.catalog.classification.on_track,
    )


def render_markdown(data: ReportData) -> str:
    lang = data.lang
    header = data.header
    period = Period.parse(header["review_period"])
    half = format_number(data.on_track, lang)
    labels = {k: v.format(half=half) for k, v in CLASS_LABELS[lang].items()}
    vi = lang == "vi"
    lines = [
        f"# {review_title(period, lang)} — {data.root_name} ({header['root_org_unit']})",
        "",
        f"- {'Kỳ báo cáo' if vi else 'Period'}: {period.code} "
        f"({period.vi_range() if vi else f'{period.start:%d/%m/%Y} – {period.end:%d/%m/%Y}'})",
        f"- {'Bản số' if vi else 'Revision'}: {header['revision']} "
        f"({'công bố' if vi else 'published'} {header['created_at']:%Y-%m-%d %H:%M} UTC)",
        f"- {'Mức đầy đủ báo cáo' if vi else 'Completeness'}: "
        f"{format_percent(_times_100(header.get('completeness')), lang)}",
        f"- {'Mã băm nội dung' if vi else 'Content SHA-256'}: `{header['content_sha256']}`",
        "",
        f"**{'Tóm tắt' if vi else 'Summary'}:** {data.summary}",
        "",
        "| " + " | ".join(HEADERS[lang]) + " |",
        "|" + "---|" * 3 + "---:|" * 3 + "---|",
    ]
    for row in data.indicators.iter_rows(named=True):
        lines.append(
            "| "
            + " | ".join(
                [
                    row["indicator_code"],
                    _md_cell(row["name"]),
                    _md_cell(row["unit"]),
                    format_number(row["actual"], lang),
                    format_number(row["target"], lang),
                    format_percent(row["percent"], lang),
                    labels.get(row["class"] or "", "–"),
                ]
            )
            + " |"
        )
    return "\n".join(lines) + "\n"


def render_html(data: ReportData) -> str:
    """A standalone page (no script, no external resource) with the Markdown report's
    content; every text from the configuration or a commune is escaped."""
    lang = data.lang
    half = format_number(data.on_track, lang)
    labels = {k: v.format(half=half) for k, v in CLASS_LABELS[lang].items()}
    period = Period.parse(data.header["review_period"])
    title = f"{review_title(period, lang)} — {data.root_name} ({data.header['root_org_unit']})"
    rows = "\n".join(
        "<tr>"
        + "".join(
            f"<td{' class=num' if i >= 3 and i < 6 else ''}>{html.escape(cell)}</td>"
            for i, cell in enumerate(
                [
                    row["indicator_code"],
                    row["name"],
                    row["unit"],
                    format_number(row["actual"], lang),
                    format_number(row["target"], lang),
                    format_percent(row["percent"], lang),
                    labels.get(row["class"] or "", "–"),
                ]
            )
        )
        + "</tr>"
        for row in data.indicators.iter_rows(named=True)
    )
    head = "".join(f"<th>{html.escape(h)}</th>" for h in HEADERS[lang])
    meta = html.escape(
        f"{period.code} · {'bản' if lang == 'vi' else 'revision'} {data.header['revision']} · "
        f"sha256 {data.header['content_sha256']}"
    )
    return (
        f'<!doctype html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>"
        "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #999;padding:2px 6px}td.num{text-align:right}"
        f"</style></head><body>\n<h1>{html.escape(title)}</h1>\n<p>{meta}</p>\n"
        f"<p><strong>{html.escape(data.summary)}</strong></p>\n"
        f"<table><thead><tr>{head}</tr></thead><tbody>\n{rows}\n</tbody></table>\n"
        "</body></html>\n"
    )


def render_json(data: ReportData) -> str:
    header = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.header.items()}
    document = {
        "snapshot": header,
        "root_name": data.root_name,
        "lang": data.lang,
        "summary": data.summary,
        "counts": data.counts,
        "indicators": data.indicators.drop("position").to_dicts(),
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _times_100(value: float | None) -> float | None:
    return None if value is None else value * 100


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
