"""Feedback a commune can act on: its own workbook, marked where it is wrong.

`annotate` takes the bytes of the workbook as the officer sent it and the issues found
in it, and returns a copy with every faulty cell filled and carrying an Excel comment
with the Vietnamese message, and a first sheet listing all problems (with a link to each
cell). The officer corrects this copy and sends it again: the list sheet has no report
table, so the reader ignores it. Pure: bytes in, bytes out; the archived original is
never touched.
"""

from __future__ import annotations

import io
import zipfile
from collections import defaultdict
from typing import Any

import polars as pl

from chitieu.excel import layout
from chitieu.shown import shown
from chitieu.sources.limits import MAX_FEEDBACK_BYTES

AUTHOR = "chitieu"
FAULT_FILL = "FFC7CE"  # Excel's "bad" red
_HEADER_FILL = "D9E1F2"
_LIST_COLUMNS = (
    ("STT", 6),
    ("Ô", 14),
    ("Chỉ tiêu", 20),
    ("Giá trị đã nhập", 16),
    ("Lỗi cần sửa", 80),
    ("Problem (English)", 60),
)


def annotate(original: bytes, issues: pl.DataFrame) -> bytes:
    """A copy of ``original`` (an .xlsx) marked with ``issues`` (``location``,
    ``element_code``, ``value``, ``message_vi``, ``message_en``).

    Raises whatever openpyxl raises for a workbook it cannot open, and `TooLarge` for
    one larger than `MAX_FEEDBACK_BYTES`: the caller decides whether feedback matters
    more than the error."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(repacked(original)))
    sheets = {layout.nfc(ws.title): ws for ws in book.worksheets}
    if layout.FEEDBACK_SHEET in sheets:  # feedback on a copy that already had some
        book.remove(sheets.pop(layout.FEEDBACK_SHEET))
    records = sorted(
        issues.select("location", "element_code", "value", "message_vi", "message_en").to_dicts(),
        key=_reading_order,
    )
    targets: dict[tuple[str, str], list[str]] = defaultdict(list)
    links: list[str | None] = []
    for record in records:
        target = _target(sheets, record["location"])
        links.append(None if target is None else f"{layout.sheet_ref(target[0])}!{target[1]}")
        if target is not None:
            targets[target].append(record["message_vi"])
    for (sheet_name, coordinate), messages in targets.items():
        _mark(sheets[sheet_name][coordinate], messages)
    report = next((sheet for sheet, _ in targets), layout.SHEET)
    _problem_list(book, records, links, report)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _reading_order(record: dict[str, Any]) -> tuple[int, int]:
    """Whole-file problems first, then by row and column: the order an officer reads in."""
    parsed = layout.parse_location(record["location"])
    return (0, 0) if parsed is None else (parsed[1], parsed[2])


def _target(sheets: dict[str, Any], location: str | None) -> tuple[str, str] | None:
    """(sheet, cell) that carries the mark for ``location``: the cell itself, or the first
    cell of the merged range that covers it."""
    parsed = layout.parse_location(location)
    if parsed is None:
        return None
    sheet_name, row, col = parsed
    if sheet_name is None or sheet_name not in sheets:
        return None
    ws = sheets[sheet_name]
    for merged in ws.merged_cells.ranges:
        if merged.min_row <= row <= merged.max_row and merged.min_col <= col <= merged.max_col:
            row, col = merged.min_row, merged.min_col
            break
    return sheet_name, f"{layout.column_letter(col)}{row}"


def _mark(cell: Any, messages: list[str]) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    cell.fill = PatternFill("solid", start_color=FAULT_FILL, end_color=FAULT_FILL)
    text = "\n".join(f"• {m}" for m in messages)
    previous = cell.comment
    if previous is not None and previous.author != AUTHOR:  # keep the officer's own note
        text += f"\n\n{previous.text}"
    comment = Comment(text, AUTHOR)
    comment.width = 360
    comment.height = min(60 + 18 * (len(text) // 45 + len(messages)), 400)
    cell.comment = comment


class TooLarge(ValueError):
    """A workbook too large for an annotated copy (`MAX_FEEDBACK_BYTES`)."""


def repacked(original: bytes) -> bytes:
    """The workbook's parts packed again, each read to the size its header declares and
    no further, after the sizes are checked against `MAX_FEEDBACK_BYTES`.

    openpyxl reads a part whole (``ZipFile.read``), which inflates up to a gigabyte at
    once before cutting it to the declared size: a part whose data runs on (a zip bomb
    in a part chitieu's reader never needs, a drawing or a comment) would cost that much.
    The copy it reads holds only what each header declares."""
    source = zipfile.ZipFile(io.BytesIO(original))
    parts = source.infolist()
    size = sum(part.file_size for part in parts)
    methods = {part.compress_type for part in parts} - {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
    if size > MAX_FEEDBACK_BYTES or methods:
        raise TooLarge(f"the workbook inflates to {size} bytes; an annotated copy needs less")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for part in parts:
            with source.open(part) as member:
                target.writestr(part, member.read(part.file_size))
    return out.getvalue()


def _problem_list(
    book: Any, records: list[dict[str, Any]], links: list[str | None], report: str
) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink
    from openpyxl.worksheet.properties import PageSetupProperties

    ws = book.create_sheet(layout.FEEDBACK_SHEET, 0)
    ws["A1"] = f"Báo cáo bị từ chối: {len(records)} lỗi cần sửa"
    ws["A1"].font = Font(bold=True, size=14, color="9C0006")
    ws["A2"] = (
        f"Sửa các ô tô màu đỏ trong trang {report} (di chuột vào ô để xem lỗi), lưu tệp rồi "
        "gửi lại. / Correct the cells marked red, save the file and send it again."
    )
    ws["A2"].font = Font(italic=True)
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(_LIST_COLUMNS))
    ws.row_dimensions[2].height = 32
    header_row = 4
    for col, (title, width) in enumerate(_LIST_COLUMNS, start=1):
        cell = ws.cell(header_row, col, title)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", start_color=_HEADER_FILL, end_color=_HEADER_FILL)
        ws.column_dimensions[layout.column_letter(col)].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    for index, (record, link) in enumerate(zip(records, links, strict=True), start=1):
        row = header_row + index
        location = record["location"] or ""
        values = (
            index,
            location.split("!")[-1] if link else location,
            record["element_code"] or "",
            shown(record["value"] or ""),  # a cell takes no control character
            record["message_vi"],
            record["message_en"],
        )
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row, col, value)
            cell.alignment = wrap
            if isinstance(value, str):
                cell.data_type = "s"  # a typed "=1+2" is quoted, not evaluated
        if link:
            ws.cell(row, 2).hyperlink = Hyperlink(ref=f"B{row}", location=link)
            ws.cell(row, 2).font = Font(color="0563C1", underline="single")
        # wrapped text needs its height: Excel and LibreOffice do not grow rows on opening
        lines = max(
            _lines(record["message_vi"], _LIST_COLUMNS[4][1]),
            _lines(record["message_en"], _LIST_COLUMNS[5][1]),
        )
        ws.row_dimensions[row].height = 15 * lines + 3
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    for sheet in book.worksheets:
        sheet.sheet_view.tabSelected = sheet is ws
    book.active = 0


def _lines(text: str | None, width: float) -> int:
    """Lines a text wraps to in a column ``width`` characters wide (a generous guess)."""
    return max(1, -(-len(text or "") // int(width * 1.05)))
