"""How large a received file may be: a report is small, and reading any file, however
made, must cost bounded memory.

The limits are several times the largest real report, measured on 2024-12 with
``python -m benchmarks.generate --scale 1/16 --formats xlsx,csv,json`` (the national
catalog: 200 elements, 192 at commune level) and on the bundled example (README,
"Limits on received files"):

| the largest real report                      | measured  | limit        | margin |
|----------------------------------------------|----------:|-------------:|-------:|
| a workbook on disk (national, 200 elements)  | 16.6 KB   | 4 MB         | 240 x  |
| its largest part inflated (the sheet)        | 129 KB    | 4 MB         | 31 x   |
| its parts inflated, together                 | 160 KB    | 12 MB        | 75 x   |
| a CSV (national, 192 rows) / JSON report     | 9.6 / 7.7 KB | 4 MB      | 416 x  |
| rows of one file (a report: 192)             | 192       | 20,000       | 104 x  |
| a workbook table's text, shared strings read | a few KB  | 4 M chars    |        |

A field (a CSV cell, a JSON text, a workbook cell) holds at most 32,767 characters:
Excel's own limit for a cell, so nothing an officer types is ever refused by it.

Every reader stops at the first byte, row or character over its limit and reports
`too_large`: "the file is larger than a report can be", with the limit.
"""

from __future__ import annotations

from typing import Final

from chitieu.shown import count_en, count_vi, size_en, size_vi
from chitieu.sources import FileProblem

MAX_FILE_BYTES: Final = 4_000_000
"""A received file as it lies on disk, in any format. A larger file is not read."""
MAX_PART_BYTES: Final = 4_000_000
"""One part of a workbook (a sheet, the shared strings...), inflated."""
MAX_INFLATED_BYTES: Final = 12_000_000
"""Every part read from one workbook, inflated, together."""
MAX_FILE_ROWS: Final = 20_000
"""Rows of figures in one file: CSV lines, JSON values, rows of a workbook's table."""
MAX_FIELD_CHARS: Final = 32_767
"""Characters of one field: Excel's limit for a cell."""
MAX_TABLE_CHARS: Final = 4_000_000
"""Characters of a workbook's report table (codes, values and notes), together, as read.
A sheet's own text is bounded by `MAX_PART_BYTES`, but a cell naming a shared string
brings that string's whole text: 5,000 rows naming one string of 30,000 characters, a
file of 60 KB, came to 300 million characters and 1.5 GB of memory."""
MAX_FEEDBACK_BYTES: Final = 2_000_000
"""A workbook whose parts inflate beyond this (12 times the largest real one) gets no
annotated copy: openpyxl, which writes it, holds the whole workbook as objects."""

TOO_LARGE: Final = "file_too_large"


def too_large(what_vi: str, what_en: str, location: str = "") -> FileProblem:
    """The problem of a file over a limit: ``what`` says which limit and by how much."""
    return FileProblem(
        TOO_LARGE,
        f"Tệp lớn hơn mức một báo cáo có thể có ({what_vi}): hãy kiểm tra đây đúng là tệp "
        "báo cáo của đơn vị, mỗi tệp một báo cáo, rồi gửi lại.",
        f"the file is larger than a report can be ({what_en}): check that this is the "
        "unit's report file, one report per file, and send it again",
        location,
    )


def file_too_large(size: int) -> FileProblem:
    return too_large(
        f"{size_vi(size)}, giới hạn {size_vi(MAX_FILE_BYTES)}",
        f"{size_en(size)}, limit {size_en(MAX_FILE_BYTES)}",
    )


def rows_too_many(location: str = "") -> FileProblem:
    return too_large(
        f"hơn {count_vi(MAX_FILE_ROWS)} dòng số liệu, mức tối đa của một tệp",
        f"more than {count_en(MAX_FILE_ROWS)} rows of figures, the most a file may hold",
        location,
    )


def field_too_long(length: int, location: str) -> FileProblem:
    where_vi = location.replace("line ", "dòng ")
    return too_large(
        f"{where_vi} có một ô dài {count_vi(length)} ký tự, giới hạn {count_vi(MAX_FIELD_CHARS)}",
        f"{location} holds a field of {count_en(length)} characters, limit "
        f"{count_en(MAX_FIELD_CHARS)}",
        location,
    )


def table_too_large(chars: int, location: str) -> FileProblem:
    return too_large(
        f"các ô của bảng báo cáo có tổng cộng {count_vi(chars)} ký tự, giới hạn "
        f"{count_vi(MAX_TABLE_CHARS)}",
        f"the report table's cells hold {count_en(chars)} characters together, limit "
        f"{count_en(MAX_TABLE_CHARS)}",
        location,
    )


def part_too_large(part: str | None, size: int | None) -> FileProblem:
    """A workbook part over `MAX_PART_BYTES`, or (``part`` None) the parts read together
    over `MAX_INFLATED_BYTES`; ``size`` None when a part's header understated it (found
    while inflating, at the first byte over)."""
    limit = MAX_PART_BYTES if part else MAX_INFLATED_BYTES
    more_vi = f"hơn {size_vi(limit)}" if size is None else size_vi(size)
    more_en = f"more than {size_en(limit)}" if size is None else size_en(size)
    if part:
        what_vi, what_en = f"phần {part} của bảng tính", f"the workbook's part {part}"
        whole_vi, whole_en = "", ""
    else:
        what_vi, what_en = "các phần của bảng tính", "the workbook's parts"
        whole_vi, whole_en = " cho cả tệp", ""
        more_en += " together"
    return too_large(
        f"{what_vi} giải nén ra {more_vi}, giới hạn {size_vi(limit)}{whole_vi}",
        f"{what_en} inflate{'s' if part else ''} to {more_en}, limit {size_en(limit)}{whole_en}",
    )
