"""The workbook one unit fills in for one period (`chitieu template`).

A header block (unit code and name, the period with its Decree 09 dates, the due
date) and one row per element collected at the unit's level: code, name, unit, a value
cell and a note cell. The value cells carry data validation from the catalog (whole
numbers, 0/1, 0..100, min/max) with an input message; the sheet is protected (without
a password: it prevents slips, not determined edits) with only the value and note cells
unlocked. The reader (`chitieu.sources.xlsx_files`) finds all of it by its labels
(`layout`), so a row or column inserted by the officer does not matter.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from chitieu.config import Config, ElementSpec
from chitieu.errors import ChitieuError
from chitieu.excel import layout
from chitieu.periods import Period
from chitieu.rollup.hierarchy import subtree

_WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
_FONT = "Times New Roman"
_INPUT_FILL = "#FFF2CC"
_HEADER_FILL = "#D9E1F2"
_WIDTHS = (22, 60, 15, 14, 32)  # code, name, unit, value, note
_FIRST_HEADER_ROW = 3  # 0-based: "Mã đơn vị" on row 4
_TABLE_ROW = 10  # 0-based: the table header on row 11, first value cell D12


class TemplateError(ChitieuError):
    """A template that cannot be written as asked (a unit that submits nothing...)."""

    exit_code = 2


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    level: str


def unit_on(config: Config, code: str, day: dt.date) -> Unit:
    """The unit a code names on ``day`` (codes are reused after mergers)."""
    row = subtree(config.org_units, code, day).row(0, named=True)
    return Unit(row["org_unit_code"], row["name"], row["level"])


def elements_of(config: Config, level: str) -> list[ElementSpec]:
    """The elements a unit of ``level`` submits, in catalog order."""
    return [e for e in config.catalog.elements if config.collected_at(e) == level]


def submitting_units(config: Config, root: str, period: Period) -> list[Unit]:
    """The units at or below ``root``, active on the period's last day, that submit
    elements: one workbook each."""
    levels = config.submitting_levels()
    units = subtree(config.org_units, root, period.end).filter(
        pl.col("level").is_in(sorted(levels))
    )
    return [
        Unit(code, name, level)
        for code, name, level in units.select("org_unit_code", "name", "level").iter_rows()
    ]


def period_words(period: Period) -> str:
    """ "Tháng 5 năm 2024", "Quý 2 năm 2024", "6 tháng đầu năm 2024", "Năm 2024"."""
    kind = period.kind
    if kind == "M":
        return f"Tháng {period.last_month} năm {period.year}"
    if kind == "Q":
        return f"Quý {period.last_month // 3} năm {period.year}"
    if kind == "S":
        half = "đầu" if period.last_month == 6 else "cuối"
        return f"6 tháng {half} năm {period.year}"
    return f"Năm {period.year}"


def _number(x: float) -> str:
    return f"{x:g}" if abs(x) < 1e15 else f"{x:.0f}"


def _plain(x: float | None) -> float | int | None:
    """0.0 → 0: the rule reads "between 0 and 20" in Excel's dialog."""
    return int(x) if x is not None and x.is_integer() else x


def _rule(element: ElementSpec) -> tuple[dict[str, Any], str]:
    """xlsxwriter data validation for an element's value cell, and its rule in words."""
    low, high = element.min, element.max
    if element.value_type == "boolean":
        return {"validate": "list", "source": ["0", "1"]}, "1 nếu có (đạt), 0 nếu không"
    if element.value_type == "percent":
        low = max(low if low is not None else 0.0, 0.0)
        high = min(high if high is not None else 100.0, 100.0)
    low, high = _plain(low), _plain(high)
    kind = "integer" if element.value_type == "integer" else "decimal"
    words = "số nguyên" if kind == "integer" else "số"
    if low is not None and high is not None:
        bounds = {"criteria": "between", "minimum": low, "maximum": high}
        words += f" từ {_number(low)} đến {_number(high)}"
    elif low is not None:
        bounds = {"criteria": ">=", "value": low}
        words += f" từ {_number(low)} trở lên"
    elif high is not None:
        bounds = {"criteria": "<=", "value": high}
        words += f" không quá {_number(high)}"
    else:
        bounds = {"criteria": "between", "minimum": -1e15, "maximum": 1e15}
    if element.value_type == "percent":
        words += " (tỷ lệ %, không ghi dấu %)"
    return {"validate": kind, **bounds}, words


def _validation(element: ElementSpec) -> dict[str, Any]:
    rule, words = _rule(element)
    unit = f" ({element.unit})" if element.unit else ""
    message = f"Nhập {words}{unit}. Nhập 0 nếu không phát sinh, để trống nếu chưa có số liệu."
    name = element.name if len(element.name) <= 250 - len(message) else element.name[:200] + "…"
    return {
        **rule,
        "input_title": element.code[:32],
        "input_message": f"{name}: {message}"[:255],
        "error_title": "Giá trị không hợp lệ",
        "error_message": f"{element.code}: phải là {words}."[:255],
        "error_type": "stop",
    }


def template_workbook(
    config: Config,
    org_unit: str,
    period: Period,
    values: Mapping[str, float | int | str] | None = None,
) -> bytes:
    """The .xlsx bytes of the workbook ``org_unit`` fills in for ``period``.

    ``values`` (element code → figure) pre-fills value cells, e.g. for examples."""
    import xlsxwriter

    unit = unit_on(config, org_unit, period.end)
    elements = elements_of(config, unit.level)
    if not elements:
        raise TemplateError(
            f"đơn vị {unit.code} ({unit.name}, {unit.level}) không báo cáo chỉ tiêu nào / "
            f"org unit {unit.code} submits no elements: choose a submitting unit, or give a "
            "folder with -o to write the workbooks of the units below it"
        )
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties(
        {
            "title": f"Báo cáo {unit.code} {period.code}",
            "subject": config.catalog.resolution.title,
            "author": "chitieu",
            "comments": f"chitieu template: {unit.code} {period.code}",
        }
    )
    f = _formats(book)
    sheet = book.add_worksheet(layout.SHEET)
    for col, width in enumerate(_WIDTHS):
        sheet.set_column(col, col, width)
    resolution = config.catalog.resolution
    sheet.merge_range(0, 0, 0, 4, "BÁO CÁO SỐ LIỆU THỰC HIỆN NGHỊ QUYẾT", f["title"])
    sheet.merge_range(1, 0, 1, 4, f"{resolution.title} ({resolution.code})", f["subtitle"])
    due = period.due
    header = [
        (layout.LABEL_UNIT_CODE, unit.code),
        (layout.LABEL_UNIT_NAME, unit.name),
        (layout.LABEL_PERIOD, period.code),
        (layout.LABEL_DATES, f"{period_words(period)}: {period.vi_range()}"),
        (layout.LABEL_DUE, f"{_WEEKDAYS[due.weekday()]}, {due:%d/%m/%Y}"),
    ]
    for offset, (label, value) in enumerate(header):
        row = _FIRST_HEADER_ROW + offset
        sheet.write_string(row, 0, label, f["label"])
        sheet.write_string(row, 1, value, f["field"])
    sheet.merge_range(
        _TABLE_ROW - 1,
        0,
        _TABLE_ROW - 1,
        4,
        "Nhập số liệu vào cột Giá trị (ô nền vàng): nhập 0 nếu không phát sinh, để trống nếu "
        "chưa có số liệu; ghi chú nếu cần. Các ô khác đã khóa. Lưu dạng .xlsx và gửi lại tệp này.",
        f["note"],
    )
    sheet.set_row(_TABLE_ROW - 1, 33)
    for col, title in enumerate(layout.TABLE_COLUMNS):
        sheet.write_string(_TABLE_ROW, col, title, f["head"])
    for index, element in enumerate(elements):
        row = _TABLE_ROW + 1 + index
        sheet.write_string(row, 0, element.code, f["code"])
        sheet.write_string(row, 1, element.name, f["name"])
        sheet.write_string(row, 2, element.unit, f["unit"])
        given = (values or {}).get(element.code)
        if given is None:
            sheet.write_blank(row, 3, None, f["value"])
        elif isinstance(given, str):
            sheet.write_string(row, 3, given, f["value"])
        else:
            sheet.write_number(row, 3, given, f["value"])
        sheet.write_blank(row, 4, None, f["input"])
        sheet.data_validation(row, 3, row, 3, _validation(element))
    last = _TABLE_ROW + len(elements)
    sheet.protect("", {"format_columns": True, "format_rows": True})
    sheet.set_paper(9)  # A4
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.5, right=0.4, top=0.6, bottom=0.6)
    sheet.repeat_rows(_TABLE_ROW)
    sheet.print_area(0, 0, last, 4)
    sheet.activate()
    sheet.set_selection(_TABLE_ROW + 1, 3, _TABLE_ROW + 1, 3)
    book.close()
    return buffer.getvalue()


def _formats(book: Any) -> dict[str, Any]:
    base = {"font_name": _FONT, "font_size": 12, "valign": "vcenter"}
    cell = {**base, "border": 1, "text_wrap": True}
    specs: dict[str, dict[str, Any]] = {
        "title": {**base, "bold": True, "font_size": 14, "align": "center"},
        "subtitle": {**base, "italic": True, "align": "center"},
        "label": {**base, "bold": True},
        "field": {**base, "bold": True, "font_color": "#1F3864"},
        "note": {**base, "italic": True, "text_wrap": True, "font_size": 11},
        "head": {**cell, "bold": True, "align": "center", "bg_color": _HEADER_FILL},
        "code": {**cell, "font_size": 11},
        "name": cell,
        "unit": {**cell, "align": "center"},
        "value": {**cell, "locked": False, "bg_color": _INPUT_FILL, "align": "right"},
        "input": {**cell, "locked": False, "bg_color": _INPUT_FILL},
    }
    return {name: book.add_format(spec) for name, spec in specs.items()}
