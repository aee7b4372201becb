"""What the template writer and the workbook reader agree on: labels, columns, cells.

The reader finds every field by its label, never by a fixed coordinate, so an officer
may insert rows or columns. Labels are compared after `label_key`: NFC, case-folded,
whitespace collapsed, a trailing colon dropped — a workbook saved on a Mac or by
Google Sheets may carry the same words in NFD.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Final

SHEET: Final = "BaoCao"
FEEDBACK_SHEET: Final = "Lỗi cần sửa"
WARNINGS_SHEET: Final = "Cần kiểm tra"
"""The list sheet of an accepted workbook's feedback: warnings only, nothing to correct."""

# header block: label → the report field read from the cell to its right
LABEL_UNIT_CODE: Final = "Mã đơn vị"
LABEL_UNIT_NAME: Final = "Tên đơn vị"
LABEL_PERIOD: Final = "Kỳ báo cáo"
LABEL_DATES: Final = "Thời gian số liệu"
LABEL_DUE: Final = "Hạn gửi báo cáo"
HEADER_FIELDS: Final = {"org_unit_code": LABEL_UNIT_CODE, "period": LABEL_PERIOD}

# the table: its header row is the row holding COLUMN_CODE
COLUMN_CODE: Final = "Mã chỉ tiêu"
COLUMN_NAME: Final = "Tên chỉ tiêu"
COLUMN_UNIT: Final = "Đơn vị tính"
COLUMN_VALUE: Final = "Giá trị"
COLUMN_NOTE: Final = "Ghi chú"
TABLE_COLUMNS: Final = (COLUMN_CODE, COLUMN_NAME, COLUMN_UNIT, COLUMN_VALUE, COLUMN_NOTE)

_SPACES = re.compile(r"\s+")
_CELL = re.compile(
    r"^(?:(?P<sheet>'(?:[^']|'')+'|[^!]+)!)?\$?(?P<col>[A-Z]{1,3})\$?(?P<row>[0-9]+)$"
)
_PLAIN_SHEET = re.compile(r"^[^\W\d]\w*$")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def label_key(text: str) -> str:
    """The form labels are compared in: "Mã  đơn vị :" and "mã đơn vị" are the same.

    Every text of a workbook passes here; only short ones (labels are) are cached, so
    that the cache never holds more than 4096 short texts, whatever the files hold."""
    return short_label_key(text) if len(text) <= CACHED_LABEL_CHARS else _key_of(text)


def _key_of(text: str) -> str:
    return _SPACES.sub(" ", nfc(text)).strip().rstrip(":").strip().casefold()


CACHED_LABEL_CHARS: Final = 256
short_label_key = functools.lru_cache(maxsize=4096)(_key_of)
"""`label_key` of a text of at most `CACHED_LABEL_CHARS` (mapped over a workbook's
strings in C, when none is longer)."""


def column_letter(col: int) -> str:
    """1 → A, 28 → AB."""
    letters = ""
    while col > 0:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@functools.lru_cache(maxsize=1024)
def column_number(letters: str) -> int:
    """A → 1, AB → 28."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def sheet_ref(name: str) -> str:
    """A sheet name as a formula writes it: BaoCao, 'Báo cáo (2)'."""
    name = nfc(name)
    return name if _PLAIN_SHEET.match(name) else "'" + name.replace("'", "''") + "'"


def cell_location(sheet: str, row: int, col: int) -> str:
    """``BaoCao!D12``: where a person finds the cell (rows and columns 1-based)."""
    return f"{sheet_ref(sheet)}!{column_letter(col)}{row}"


def parse_location(location: str | None) -> tuple[str | None, int, int] | None:
    """``BaoCao!D12`` → ("BaoCao", 12, 4); None when the location is not a cell."""
    match = _CELL.match(location or "")
    if match is None:
        return None
    sheet = match.group("sheet")
    if sheet is not None and sheet.startswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    return (
        nfc(sheet) if sheet is not None else None,
        int(match.group("row")),
        column_number(match.group("col")),
    )
