"""CSV submissions (SPEC §2): long format, UTF-8 with or without BOM, every cell text.

The standard ``csv`` module does the parsing because it tracks physical lines: a
quoted note spanning two lines still leaves every later row with its true line
number, which is what a commune officer looks for in the file.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator, Sequence
from typing import Final

from chitieu.sources import FileProblem, FileRead, ReceivedFile, empty_rows
from chitieu.sources._text import decode_utf8, problem, rows_frame
from chitieu.sources.limits import (
    MAX_FIELD_CHARS,
    MAX_FILE_BYTES,
    MAX_FILE_ROWS,
    field_too_long,
    rows_too_many,
)

REQUIRED_COLUMNS: Final = ("org_unit_code", "element_code", "period", "value")
OPTIONAL_COLUMNS: Final = ("note", "submitted_at", "submitted_by")
CSV_COLUMNS: Final = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
_NOT_PLAIN: Final = ('"', "\r", "\x00")  # what only the csv module reads right


def read_csv(received: ReceivedFile) -> FileRead:
    """Rows of a CSV submission (``location`` = ``line N``, the header being line 1),
    or the problems that make the file unreadable."""
    text, trouble = decode_utf8(received.content, "csv")
    problems = [trouble] if trouble else []
    records: list[tuple[int, list[str]]] = []
    if text is not None:
        records, problems = _records(text)
    if not problems:
        problems = _check_size(text or "", records) or _check_shape(records)
    if problems:
        return FileRead(received.source_name, "csv", empty_rows(), problems)
    (_, header), *body = records
    names = [name.strip() for name in header]
    # every line has as many cells as the header (`_check_shape`): transposed in C
    columns: dict[str, Sequence[str | None]] = dict(
        zip(names, zip(*(cells for _, cells in body), strict=True), strict=True)
    )
    location = [f"line {line}" for line, _ in body]
    return FileRead(received.source_name, "csv", rows_frame({**columns, "location": location}))


_MAX_RECORDS: Final = MAX_FILE_ROWS + 2
"""Records read at most: the header, the rows a file may hold, and the first row over."""


def _records(text: str) -> tuple[list[tuple[int, list[str]]], list[FileProblem]]:
    """Non-blank records with the physical line each starts on; reading stops at the
    first row over `MAX_FILE_ROWS`."""
    plain = _plain_records(text)
    return (plain, []) if plain is not None else _csv_records(text)


def _plain_records(text: str) -> list[tuple[int, list[str]]] | None:
    """`_csv_records` of a text without quote, carriage return or NUL, where a record is a
    line and its cells are split at the commas: at a fraction of the cost. None for any
    other text."""
    if any(char in text for char in _NOT_PLAIN):
        return None
    lines = text.split("\n") if text.count("\n") < _MAX_RECORDS else _lines(text)
    records = (
        (number, line.split(","))
        for number, line in enumerate(lines, 1)
        if line.replace(",", "").strip()  # a cell that is not blank
    )
    return list(itertools.islice(records, _MAX_RECORDS))


def _lines(text: str) -> Iterator[str]:
    """The lines of a long text one by one, none held but the one read."""
    return (line.removesuffix("\n") for line in io.StringIO(text, newline="\n"))


def _csv_records(text: str) -> tuple[list[tuple[int, list[str]]], list[FileProblem]]:
    # a field is never refused by the csv module (it would blame the quotes): its length
    # is checked with the others (`_check_size`)
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FILE_BYTES))
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            if "".join(cells).strip():  # a cell that is not blank
                records.append((start, cells))
                if len(records) == _MAX_RECORDS:
                    break
            start = reader.line_num + 1
    except csv.Error as exc:
        return records, [
            problem(
                "csv_format",
                f"Không đọc được dòng {start} của tệp CSV ({exc}): kiểm tra dấu ngoặc kép "
                '(") — nội dung có dấu phẩy phải đặt trong ngoặc kép, và mỗi ngoặc kép mở '
                "phải được đóng.",
                f"cannot read line {start} of the CSV file ({exc}): check the double quotes "
                '(") — text containing a comma must be quoted, and every opening quote closed',
                f"line {start}",
            )
        ]
    return records, []


def _check_size(text: str, records: list[tuple[int, list[str]]]) -> list[FileProblem]:
    """A file of more rows than a file may hold, or with a field longer than a cell."""
    if len(records) > MAX_FILE_ROWS + 1:
        return [rows_too_many(f"line {records[MAX_FILE_ROWS + 1][0]}")]
    if len(text) <= MAX_FIELD_CHARS:
        return []  # no field can be too long: every real report
    for line, cells in records:
        longest = max(map(len, cells))
        if longest > MAX_FIELD_CHARS:
            return [field_too_long(longest, f"line {line}")]
    return []


def _check_shape(records: list[tuple[int, list[str]]]) -> list[FileProblem]:
    """Header names and the number of cells on every line."""
    if not records:
        return [
            problem(
                "empty_file",
                "Tệp CSV rỗng: không có dòng tiêu đề và không có số liệu.",
                "the CSV file is empty: no header and no data",
            )
        ]
    (header_line, header), *body = records
    names = [name.strip() for name in header]
    problems = _header_problems(names, header_line)
    if problems:
        return problems
    if not body:
        return [
            problem(
                "empty_file",
                "Tệp CSV chỉ có dòng tiêu đề, không có dòng số liệu nào.",
                "the CSV file has a header but no data rows",
            )
        ]
    if list(map(len, (cells for _, cells in body))).count(len(names)) == len(body):
        return []
    return [
        problem(
            "csv_format",
            f"Dòng {line} có {len(cells)} ô nhưng dòng tiêu đề có {len(names)} cột: "
            "số thập phân phải dùng dấu chấm (1.5, không viết 1,5) và nội dung có dấu phẩy "
            "phải đặt trong ngoặc kép.",
            f"line {line} has {len(cells)} cells but the header has {len(names)} columns: "
            "decimals take '.' (1.5, not 1,5) and text containing a comma must be quoted",
            f"line {line}",
        )
        for line, cells in body
        if len(cells) != len(names)
    ]


def _header_problems(names: list[str], line: int) -> list[FileProblem]:
    unknown = [name for name in names if name not in CSV_COLUMNS]
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if not (unknown or missing or repeated):
        return []
    vi, en = [], []
    if missing:
        vi.append(f"thiếu cột {', '.join(missing)}")
        en.append(f"missing column(s) {', '.join(missing)}")
    if unknown:
        shown = ", ".join(f"'{name}'" for name in unknown)
        vi.append(f"cột không hợp lệ {shown}")
        en.append(f"unknown column(s) {shown}")
    if repeated:
        vi.append(f"cột bị lặp {', '.join(repeated)}")
        en.append(f"repeated column(s) {', '.join(repeated)}")
    hint_vi = hint_en = ""
    if len(names) == 1 and ";" in names[0]:
        hint_vi = " Tệp dùng dấu chấm phẩy (;) để ngăn cách cột: hãy lưu lại với dấu phẩy (,)."
        hint_en = " The file separates columns with ';': save it again with ','."
    expected = ",".join(REQUIRED_COLUMNS)
    optional = ", ".join(OPTIONAL_COLUMNS)
    return [
        problem(
            "csv_header",
            f"Dòng tiêu đề sai: {'; '.join(vi)}. Dòng tiêu đề phải là {expected} "
            f"(có thể thêm {optional}).{hint_vi}",
            f"wrong header: {'; '.join(en)}; the header must be {expected} "
            f"(optionally {optional}).{hint_en}",
            f"line {line}",
        )
    ]
