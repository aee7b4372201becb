"""The report of a revision as an Excel workbook, safe to open and ready to print.

Sheets: the report (header, summary, the root's indicators by group), the two annexes
(the units directly below the root; reporting by month), every unit's indicators, the
submissions the revision used, the notes submitted with their values, and the quality
section (every warning of the reports used and of the quality gate). Each prints on
landscape A4, one page wide, its table's heading row repeated on every page, the revision
and its content hash in the footer.

Names, notes and file names come from the communes: a text that begins with ``=``, ``+``,
``-`` or ``@`` would run as a formula if written as one, so every text goes in with
``write_string`` (never ``write``, which guesses), and the workbook refuses to turn
strings into formulas, numbers or links at all. A control character (a file named with a
newline, a note holding ``\x00``) is written as `chitieu.shown.shown` prints it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Final

import polars as pl
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from chitieu.report.completeness import annex_rows
from chitieu.report.labels import (
    HEADERS,
    LEVEL_LABELS,
    NOT_COMPARABLE,
    TOTAL,
    month_label,
    review_title,
)
from chitieu.report.model import ReportModel
from chitieu.report.numbers import NONE, local
from chitieu.report.quality import GATE_HEADING, SUBMISSIONS_HEADING, QualityReport
from chitieu.shown import shown

SHEETS = {
    "vi": ("Báo cáo", "Phụ lục I", "Phụ lục II", "Đơn vị", "Báo cáo đã dùng", "Ghi chú"),
    "en": ("Report", "Annex I", "Annex II", "Units", "Submissions used", "Notes"),
}
QUALITY_SHEET = {"vi": "Chất lượng dữ liệu", "en": "Data quality"}
QUALITY_HEADERS = {
    "vi": ("Mã đơn vị", "Tên đơn vị", "Kỳ", "Phần tử", "Giá trị", "Kiểm tra", "Cảnh báo", "Vị trí"),
    "en": ("Unit code", "Unit", "Period", "Element", "Value", "Check", "Warning", "Location"),
}
GATE_HEADERS = {"vi": ("Kiểm tra", "Chi tiết"), "en": ("Check", "Detail")}
TABLE = ("stt", "code", "name", "unit", "target", "actual", "percent", "last_actual", "change")
TABLE_STYLES = (None, None, None, None, "number", "number", "percent", "number", "percent", None)
UNIT_HEADERS = {
    "vi": ("Mã đơn vị", "Tên đơn vị", "Cấp", "Mã chỉ tiêu"),
    "en": ("Unit code", "Unit", "Level", "Indicator"),
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
    ),
    "en": (
        "No.",
        "File",
        "SHA-256",
        "Unit code",
        "Period",
        "Submitted (UTC)",
        "Submitted by",
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
        "Công bố (giờ Việt Nam)",
        "Mức đầy đủ báo cáo",
        "Mã băm nội dung",
        "Tóm tắt",
    ),
    "en": (
        "Period",
        "Revision",
        "Published (Vietnam time)",
        "Completeness",
        "Content SHA-256",
        "Summary",
    ),
}
WORKBOOK_OPTIONS = {
    "constant_memory": True,  # each row goes to disk when the next begins: a national
    # revision's 430,000 unit rows need no more memory than ten
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
    "remove_timezone": True,
}


EXCEL_ROWS: Final = 1_048_576
"""Rows of a worksheet, Excel's limit: XlsxWriter ignores a cell past it (it returns -1
and raises nothing), so a longer table goes on in a sheet of its own, ``Ghi chú (2)``..."""


class _Sheet:
    """A worksheet written row by row, each cell by its type: text only as a string;
    past `EXCEL_ROWS` rows, continued in a new sheet, its table's heading repeated."""

    def __init__(
        self,
        workbook: xlsxwriter.Workbook,
        name: str,
        formats: dict[str, Any],
        footer: str,
        rows: int = EXCEL_ROWS,
    ) -> None:
        self._workbook, self.name, self.formats, self._footer = workbook, name, formats, footer
        self._rows = rows
        self._widths: list[tuple[int, int, float]] = []
        self._headers: list[str] | None = None
        self.parts: list[Worksheet] = []
        self._open(name)

    def _open(self, name: str) -> None:
        self.sheet, self.row = self._workbook.add_worksheet(name), 0
        self.parts.append(self.sheet)
        self.sheet.set_landscape()
        self.sheet.set_paper(9)  # A4
        self.sheet.fit_to_pages(1, 0)  # one page wide, as many long as it takes
        self.sheet.set_footer(self._footer)
        for first, last, width in self._widths:
            self.sheet.set_column(first, last, width)

    def set_column(self, first: int, last: int, width: float) -> None:
        """Columns ``first`` to ``last`` this wide, in every part of the sheet."""
        self._widths.append((first, last, width))
        for sheet in self.parts:
            sheet.set_column(first, last, width)

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
        else:  # a cell takes no control character: names and notes from files `shown`
            self.sheet.write_string(self.row, col, shown(str(value)), fmt)

    def line(
        self, values: tuple[object, ...] | list[object], styles: tuple[str | None, ...] = ()
    ) -> None:
        if self.row >= self._rows:  # the sheet is full: on in the next part
            self._open(f"{self.name} ({len(self.parts) + 1})")
            if self._headers is not None:
                self.heading(self._headers)
        for col, value in enumerate(values):
            self.put(col, value, styles[col] if col < len(styles) else None)
        self.row += 1

    def heading(self, headers: tuple[str, ...] | list[str]) -> None:
        """The table's heading row: frozen below it, repeated on every printed page and
        in every part of the sheet."""
        self._headers = list(headers)
        self.sheet.repeat_rows(self.row)
        self.line(list(headers), tuple("header" for _ in headers))
        self.sheet.freeze_panes(self.row, 0)

    def table(
        self, headers: tuple[str, ...], frame: pl.DataFrame, styles: tuple[str | None, ...] = ()
    ) -> None:
        self.heading(headers)
        for row in frame.iter_rows():
            self.line(list(row), styles)


def _indicator_values(row: dict[str, Any], model: ReportModel) -> list[object]:
    """A row's cells as numbers (a percent as a fraction, shown by its cell's format),
    "–" where there is no figure, "không so sánh được" where it is not comparable."""
    not_comparable = NOT_COMPARABLE[model.lang]
    comparable = row["comparable"] is not False
    last_comparable = row["last_comparable"] is not False

    def figure(value: float | None, scale: float = 1) -> float | str:
        return NONE if value is None else value / scale

    return [
        row["stt"],
        row["indicator_code"],
        row["name"],
        row["unit"],
        figure(row["target"]),
        figure(row["actual"]) if comparable else not_comparable,
        figure(row["percent"], 100) if comparable else not_comparable,
        figure(row["last_actual"]) if last_comparable else not_comparable,
        figure(row["change"], 100) if comparable and last_comparable else not_comparable,
        model.class_labels.get(row["class"], row["class"]) if row["class"] else NONE,
    ]


def _headers(model: ReportModel) -> list[str]:
    headers = HEADERS[model.lang]
    return [headers[c] for c in (*TABLE, "class")]


def _report_sheet(out: _Sheet, model: ReportModel) -> None:
    out.line(
        [f"{review_title(model.review_period, model.lang)} — {model.root_name} ({model.root})"],
        ("title",),
    )
    out.row += 1
    meta = META[model.lang]
    out.line([meta[0], model.review_period.code])
    out.line([meta[1], model.revision])
    out.line([meta[2], local(model.created_at).replace(tzinfo=None)], (None, "local"))
    out.line([meta[3], model.header.get("completeness")], (None, "percent"))
    out.line([meta[4], model.content_sha256])
    out.line([meta[5], model.summary])
    out.row += 1
    out.heading(_headers(model))
    for group in model.groups:
        out.line([f"{group.number}. {group.name}"], ("group",))
        for row in group.rows.iter_rows(named=True):
            out.line(_indicator_values(row, model), TABLE_STYLES)
    out.set_column(0, 0, 22)
    out.set_column(1, 1, 8)
    out.set_column(2, 2, 50)
    out.set_column(3, 9, 14)


def _annex_sheet(out: _Sheet, model: ReportModel) -> None:
    out.heading([*UNIT_HEADERS[model.lang][:2], *_headers(model)])
    for unit in model.annex:
        for row in unit.rows.iter_rows(named=True):
            out.line(
                [unit.org_unit_code, unit.name, *_indicator_values(row, model)],
                (None, None, *TABLE_STYLES),
            )
    out.set_column(1, 1, 28)
    out.set_column(4, 4, 40)


def _completeness_sheet(out: _Sheet, model: ReportModel) -> None:
    annex, lang = model.completeness, model.lang
    months = [month_label(m, lang) for m in annex.months]
    out.heading([*UNIT_HEADERS[lang][:2], *months, TOTAL[lang]])
    for code, name, texts in annex_rows(annex, lang):
        out.line([code, name, *texts])
    out.set_column(1, 1, 28)
    out.set_column(2, 2 + len(months), 11)


def _units_sheet(out: _Sheet, model: ReportModel, indicators: pl.DataFrame) -> None:
    headers = HEADERS[model.lang]
    labels = model.class_labels
    rows = (
        indicators.select(
            "org_unit_code",
            "name",
            pl.col("level").replace(LEVEL_LABELS[model.lang]),
            "indicator_code",
            "target",
            "actual",
            "percent",
            "last_actual",
            "class",
        )
        .with_columns(pl.col("class").replace(labels))
        .sort("org_unit_code", "indicator_code")
    )
    names = [*UNIT_HEADERS[model.lang]]
    names += [headers[c] for c in ("target", "actual", "percent", "last_actual", "class")]
    out.table(tuple(names), rows, (None,) * 4 + ("number",) * 4)
    out.set_column(1, 1, 30)


def _inputs_sheet(out: _Sheet, submissions: pl.DataFrame, lang: str) -> None:
    # not their status now: a report the revision used is superseded by a correction
    # taken in after it, which is no part of the revision
    rows = submissions.select(
        "submission_id",
        "source_name",
        "sha256",
        "org_unit_code",
        "period",
        "submitted_at",
        "submitted_by",
    ).sort("submission_id")
    out.table(INPUT_HEADERS[lang], rows)
    out.set_column(1, 2, 40)
    out.set_column(5, 6, 20)


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
    out.set_column(4, 4, 50)
    out.set_column(6, 6, 40)


def _quality_sheet(out: _Sheet, quality: QualityReport) -> None:
    """What the section says, the gate's warnings, then every warning of the reports used
    (a value received as a number written as one)."""
    lang = quality.lang
    out.line([quality.title], ("title",))
    for line in quality.lines():
        out.line([line])
    if quality.gate:
        out.row += 1
        out.line([GATE_HEADING[lang]], ("group",))
        out.line(list(GATE_HEADERS[lang]), ("header", "header"))
        for gate in quality.gate:
            out.line([f"{gate.label} ({gate.check})", gate.detail])
    out.row += 1
    out.line([SUBMISSIONS_HEADING[lang]], ("group",))
    rows = quality.warnings.select(
        "org_unit_code",
        "unit",
        "period",
        "element",
        pl.col("value").str.strip_chars().cast(pl.Float64, strict=False).alias("number"),
        "value_text",
        "check",
        "message",
        "location",
    )
    out.heading(QUALITY_HEADERS[lang])
    for code, unit, period, element, figure, text, check, message, location in rows.iter_rows():
        value = text if figure is None else figure
        cells = [code, unit, period, element, value, check, message, location]
        out.line(cells, (None, None, None, None, "number"))
    out.set_column(1, 1, 24)
    out.set_column(3, 3, 36)
    out.set_column(6, 6, 70)
    out.set_column(7, 7, 30)


def write_xlsx(model: ReportModel, path: Path) -> None:
    """Write the workbook of a revision (the model built with its ``audit`` tables)."""
    if model.audit is None:
        raise ValueError("the Excel report needs the revision's audit tables")
    lang = model.lang
    footer = (
        f"&L&8{model.review_period.code} {model.root} — "
        f"{'bản' if lang == 'vi' else 'revision'} {model.revision}, "
        f"sha256 {model.content_sha256}&R&8&P/&N"
    )
    workbook = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    try:
        formats = {
            "title": workbook.add_format({"bold": True, "font_size": 14}),
            "group": workbook.add_format({"bold": True, "bg_color": "#F2F2F2"}),
            "header": workbook.add_format(
                {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}
            ),
            "number": workbook.add_format({"num_format": "#,##0.##"}),
            "percent": workbook.add_format({"num_format": "0.00%"}),
            "when": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
            "local": workbook.add_format({"num_format": "dd/mm/yyyy hh:mm"}),
        }
        names = SHEETS[lang]

        def sheet(index: int) -> _Sheet:
            return _Sheet(workbook, names[index], formats, footer)

        _report_sheet(sheet(0), model)
        _annex_sheet(sheet(1), model)
        _completeness_sheet(sheet(2), model)
        _units_sheet(sheet(3), model, model.audit.indicators)
        _inputs_sheet(sheet(4), model.audit.submissions, lang)
        _notes_sheet(sheet(5), model.audit.submissions, model.audit.values, lang)
        if model.quality is not None:
            _quality_sheet(_Sheet(workbook, QUALITY_SHEET[lang], formats, footer), model.quality)
    finally:
        workbook.close()
