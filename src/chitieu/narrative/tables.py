"""Indicator tables in a draft: a header naming the actual and target columns (the review
document's "thực hiện", "kế hoạch năm", "tỷ lệ % kế hoạch"), then one indicator a row.

Each row becomes one figure, its code column (when there is one) naming the indicator,
else its name column matched like prose. A table without such a header is prose to the
figure finder; columns of last year's figures ("cùng kỳ") are left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from chitieu.narrative.draft import DraftTable, Segment, Where
from chitieu.narrative.figures import EXACT, Figure, Percent
from chitieu.narrative.numbers import NUMBER, Written, figure_number
from chitieu.narrative.words import normalise, readable

_COLUMNS: Final = (
    ("last_year", ("cùng kỳ", "same period", "last year", "năm trước", "change")),
    ("code", ("mã", "mã số", "mã chỉ tiêu", "code")),
    ("percent", ("tỷ lệ", "%", "percent", "so với kế hoạch", "so kế hoạch")),
    ("actual", ("thực hiện", "kết quả", "actual", "achieved")),
    ("target", ("kế hoạch", "nghị quyết", "target", "plan")),
    ("name", ("chỉ tiêu", "nội dung", "tên", "indicator", "name")),
)
_CODE: Final = re.compile(r"[A-Z][A-Z0-9_]*")


@dataclass(frozen=True)
class TableFigures:
    figures: list[tuple[Segment, Figure]]
    cells: set[Where]
    """Where the recognised tables' cells are: not read again as prose."""


def _column(header: str) -> str | None:
    text = normalise(header)
    for name, words in _COLUMNS:
        if name == "code":
            if text in words:
                return name
        elif any(w in text for w in words):
            return name
    return None


def _header(table: DraftTable) -> tuple[int, dict[str, int]] | None:
    for index, row in enumerate(table.rows[:3]):
        columns: dict[str, int] = {}
        for position, cell in enumerate(row):
            name = _column(cell.text)
            if name is not None and name not in columns:
                columns[name] = position
        if {"actual", "target"} <= columns.keys() and columns.keys() & {"name", "code"}:
            return index, columns
    return None


def _number(text: str, lang: str) -> Written | None:
    plain = readable(text)[0].strip().removesuffix("%").strip()
    if re.fullmatch(NUMBER[lang], plain):
        return figure_number(plain, lang)
    return None


def table_figures(tables: tuple[DraftTable, ...], lang: str) -> TableFigures:
    found: list[tuple[Segment, Figure]] = []
    cells: set[Where] = set()
    for table in tables:
        header = _header(table)
        if header is None:
            continue
        cells |= {cell.where for row in table.rows for cell in row}
        start, columns = header
        for row in table.rows[start + 1 :]:
            figure = _row_figure(row, columns, lang)
            if figure is not None:
                found.append((row[columns["actual"]], figure))
    return TableFigures(found, cells)


def _cell(row: tuple[Segment, ...], columns: dict[str, int], name: str) -> str:
    position = columns.get(name)
    return row[position].text if position is not None and position < len(row) else ""


def _row_figure(row: tuple[Segment, ...], columns: dict[str, int], lang: str) -> Figure | None:
    actual = _number(_cell(row, columns, "actual"), lang)
    target = _number(_cell(row, columns, "target"), lang)
    if actual is None or target is None:
        return None  # a group's heading row, or an indicator without figures
    shown = _number(_cell(row, columns, "percent"), lang)
    percent = None if shown is None else Percent(shown, EXACT, True, 0, 0)
    code = _cell(row, columns, "code").strip()
    name = " ".join(_cell(row, columns, "name").split())
    quoted = f"{code or name[:40]}: {actual.text}/{target.text}"
    if shown is not None:
        quoted += f", {shown.text}%"
    text = row[columns["actual"]].text
    return Figure(
        "row",
        0,
        len(text),
        quoted,
        name,
        actual=actual,
        target=target,
        percent=percent,
        code=code if _CODE.fullmatch(code) else None,
    )
