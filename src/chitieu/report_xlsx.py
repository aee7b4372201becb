"""The review report of a revision as an Excel workbook, safe to open.

Four sheets: the report (header, summary, the root's indicators), every unit's
indicators, the submissions the revision used, and the notes submitted with their
values. Names, notes and file names come from the communes: a text that begins with
``=``, ``+``, ``-`` or ``@`` would run as a formula if written as one, so every text goes
in with ``write_string`` (never ``write``, which guesses), and the workbook refuses to
turn strings into formulas, numbers or links at all.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from chitieu.config import Config
from chitieu.periods import Period
from chitieu.report import CLASS_LABELS, HEADERS, ReportData, format_number, review_title

SHEETS = {
    "vi": ("Báo cáo", "Đơn vị", "Báo cáo đã dùng", "Ghi chú"),
    "en": ("Report", "Units", "Submissions used", "Notes"),
}
UNIT_HEADERS = {
    "vi": (
        "Mã đơn vị",
        "Tên đơn vị",
        "Cấp",
        "Mã chỉ tiêu",
        "Thực hiện",
        "Kế hoạch",
        "Tỷ lệ (%)",
        "Đánh giá",
    ),
    "en": ("Unit code", "Unit", "Level", "Indicator", "Actual", "Target", "Percent", "Class"),
}
INPUT_HEADERS = {
    "vi": (
        "Số",
        "Tệp",
        "SHA-256",
        "Mã đơn vị",
        "Kỳ",
        "Thời điểm nộp (UTC)",
        "Người nộp",
        "Trạng thái",
    ),
    "en": (
        "No.",
        "File",
        "SHA-256",
        "Unit code",
        "Period",
        "Submitted (UTC)",
        "Submitted by",
        "Status",
    ),
}
NOTE_HEADERS = {
    "vi": ("Mã đơn vị", "Mã phần tử", "Kỳ", "Giá trị", "Ghi chú", "Vị trí", "Tệp"),
    "en": ("Unit code", "Element", "Period", "Value", "Note", "Location", "File"),
}
META = {
    "vi": (
        "Kỳ báo cáo",
        "Bản số",
        "Công bố (UTC)",
        "Mức đầy đủ báo cáo",
        "Mã băm nội dung",
        "Tóm tắt",
    ),
    "en": ("Period", "Revision", "Published (UTC)", "Completeness", "Content SHA-256", "Summary"),
}
WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
    "remove_timezone": True,
}


class _Sheet:
    """A worksheet written row by row, each cell by its type: text only as a string."""

    def __init__(self, sheet: Worksheet, formats: dict[str, Any]) -> None:
        self.sheet, self.formats, self.row = sheet, formats, 0

    def put(self, col: int, value: object, style: str | None = None) -> None:
        fmt = self.formats.get(style) if style else None
        if value is None:
            self.sheet.write_blank(self.row, col, None, fmt)
        elif isinstance(value, bool):
            self.sheet.write_boolean(self.row, col, value, fmt)
        elif isinstance(value, int | float):
            self.sheet.write_number(self.row, col, value, fmt)
        elif isinstance(value, dt.datetime):
            naive = value.astimezone(dt.UTC).replace(tzinfo=None)
            self.sheet.write_datetime(self.row, col, naive, self.formats["when"])
        else:
            self.sheet.write_string(self.row, col, str(value), fmt)

    def line(
        self, values: tuple[object, ...] | list[object], styles: tuple[str | None, ...] = ()
    ) -> None:
        for col, value in enumerate(values):
            self.put(col, value, styles[col] if col < len(styles) else None)
        self.row += 1

    def table(
        self, headers: tuple[str, ...], frame: pl.DataFrame, styles: tuple[str | None, ...] = ()
    ) -> None:
        self.line(list(headers), tuple("header" for _ in headers))
        for row in frame.iter_rows():
            self.line(list(row), styles)
        self.sheet.freeze_panes(self.row - frame.height, 0)


def write_report_xlsx(
    path: Path,
    data: ReportData,
    config: Config,
    indicators: pl.DataFrame,
    submissions: pl.DataFrame,
    values: pl.DataFrame,
) -> None:
    """Write the workbook of a revision: ``data`` from `chitieu.report.report_data`,
    ``indicators`` every unit's (``SNAPSHOT_INDICATORS_SCHEMA``), ``submissions`` and
    ``values`` its inputs (``INPUT_SUBMISSIONS_SCHEMA``, ``INPUT_VALUES_SCHEMA``)."""
    lang = data.lang
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    try:
        formats = {
            "title": workbook.add_format({"bold": True, "font_size": 14}),
            "header": workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1}),
            "number": workbook.add_format({"num_format": "#,##0.##"}),
            "percent": workbook.add_format({"num_format": "0.00%"}),
            "when": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        }
        names = SHEETS[lang]
        _report_sheet(_Sheet(workbook.add_worksheet(names[0]), formats), data)
        _units_sheet(_Sheet(workbook.add_worksheet(names[1]), formats), config, indicators, lang)
        _inputs_sheet(_Sheet(workbook.add_worksheet(names[2]), formats), submissions, lang)
        _notes_sheet(_Sheet(workbook.add_worksheet(names[3]), formats), submissions, values, lang)
    finally:
        workbook.close()


def _report_sheet(out: _Sheet, data: ReportData) -> None:
    lang, header = data.lang, data.header
    period = Period.parse(header["review_period"])
    labels = {
        k: v.format(half=format_number(data.on_track, lang)) for k, v in CLASS_LABELS[lang].items()
    }
    out.line(
        [f"{review_title(period, lang)} — {data.root_name} ({header['root_org_unit']})"], ("title",)
    )
    out.row += 1
    meta = META[lang]
    completeness = header.get("completeness")
    out.line([meta[0], period.code])
    out.line([meta[1], header["revision"]])
    out.line([meta[2], header["created_at"]])
    out.line([meta[3], completeness], (None, "percent"))
    out.line([meta[4], header["content_sha256"]])
    out.line([meta[5], data.summary])
    out.row += 1
    rows = data.indicators.select(
        "indicator_code",
        "name",
        "unit",
        "actual",
        "target",
        pl.col("percent") / 100,  # a fraction, shown by the cell's percent format
        pl.col("class").replace_strict(labels, default=None, return_dtype=pl.String),
    )
    out.table(HEADERS[lang], rows, (None, None, None, "number", "number", "percent", None))
    out.sheet.set_column(0, 0, 22)
    out.sheet.set_column(1, 1, 60)
    out.sheet.set_column(2, 6, 14)


def _units_sheet(out: _Sheet, config: Config, indicators: pl.DataFrame, lang: str) -> None:
    names = config.org_units.select(pl.col("code").alias("org_unit_code"), "name").unique(
        "org_unit_code", keep="last", maintain_order=True
    )
    rows = (
        indicators.join(names, on="org_unit_code", how="left")
        .select(
            "org_unit_code",
            "name",
            "level",
            "indicator_code",
            "actual",
            "target",
            "percent",
            "class",
        )
        .sort("org_unit_code", "indicator_code")
    )
    out.table(UNIT_HEADERS[lang], rows, (None,) * 4 + ("number", "number", "number", None))
    out.sheet.set_column(1, 1, 30)


def _inputs_sheet(out: _Sheet, submissions: pl.DataFrame, lang: str) -> None:
    rows = submissions.select(
        "submission_id",
        "source_name",
        "sha256",
        "org_unit_code",
        "period",
        "submitted_at",
        "submitted_by",
        "status",
    ).sort("submission_id")
    out.table(INPUT_HEADERS[lang], rows)
    out.sheet.set_column(1, 2, 40)
    out.sheet.set_column(5, 6, 20)


def _notes_sheet(out: _Sheet, submissions: pl.DataFrame, values: pl.DataFrame, lang: str) -> None:
    rows = (
        values.filter(pl.col("note").fill_null("").str.strip_chars() != "")
        .join(submissions.select("submission_id", "source_name"), on="submission_id", how="left")
        .select(
            "org_unit_code", "element_code", "period", "value", "note", "location", "source_name"
        )
        .sort("org_unit_code", "period", "element_code")
    )
    out.table(NOTE_HEADERS[lang], rows, (None, None, None, "number"))
    out.sheet.set_column(4, 4, 50)
    out.sheet.set_column(6, 6, 40)
