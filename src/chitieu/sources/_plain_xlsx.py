"""The plain workbook, read fast: a filled template as Excel, LibreOffice, Google Sheets or
xlsxwriter save it, with nothing in it that needs the reference reader's care.

A national month is ten thousand workbooks; building an element tree and a `Cell` for
each of their cells costs five times what calamine takes to read them. This path reads
the cells of a worksheet with regular expressions instead, but only under a strict
whitelist, and it *declines* (returns None) whenever the workbook holds anything else:
``read_xlsx`` then reads it with the reference reader (`chitieu.sources.xlsx_files`).

Accepted: shared strings that are plain text runs (``<si><t>…</t></si>``); cells that are
empty, a shared string or a number (``t="s"``, ``t="n"``, no type), each with its ``r``,
no other attribute than ``s``; rows with the attributes Excel and LibreOffice write; no
comment, CDATA, DTD or processing instruction outside the cells; exactly one report
table whose header labels are all found, with at least one figure. Declined: formulas,
errors, booleans, inline or rich strings, character references, a merged range over a
cell the report is read from, a value typed as text that may be thousands (``1.752``),
a duplicated cell... — everything the reference reader reports or reads with care.

The skeleton of a worksheet (everything but its cells: 200 data validations in the
template) is the same in every workbook of a template: it is parsed, with the reference
code, once per distinct content. The cells are checked against a grammar that leaves no
character unaccounted for, so that a file the XML parser would refuse is never accepted.

The contract, tested on every fixture and on generated national data
(``tests/test_excel_fast_path.py``): whenever this path accepts a file, its `FileRead`
is identical to the reference reader's.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Set
from dataclasses import dataclass
from operator import itemgetter
from typing import Final, TypeAlias
from xml.etree import ElementTree as ET

from chitieu.excel import layout
from chitieu.sources import FileRead, ReceivedFile
from chitieu.sources._ooxml import (
    Package,
    PackageError,
    _local,
    excel_date_text,
    merged_ranges,
    number_text,
)
from chitieu.sources.xlsx_files import (
    _AMBIGUOUS,
    _FIELD_KEYS,
    _TABLE_KEY,
    report_read,
)

_VALUE_KEY: Final = layout.label_key(layout.COLUMN_VALUE)
_NOTE_KEY: Final = layout.label_key(layout.COLUMN_NOTE)
_LABEL_KEYS: Final = frozenset({_TABLE_KEY, _VALUE_KEY, _NOTE_KEY, *_FIELD_KEYS})

# ---- shared strings ---------------------------------------------------------------
_TEXT: Final = r"(?:[^<&\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]++|&(?:amp|lt|gt|quot|apos);)*+"
_STRINGS: Final = re.compile(
    r'(?:<\?xml version="1\.0" encoding="UTF-8"(?: standalone="yes")?\?>\r?\n?)?'
    r'<sst xmlns="http://schemas\.openxmlformats\.org/spreadsheetml/2006/main"'
    r'(?: count="[0-9]+")?(?: uniqueCount="[0-9]+")?>'
    rf'((?:<si><t(?: xml:space="preserve")?>{_TEXT}</t></si>)*+)</sst>[ \t\n]*+'
)
_STRING: Final = re.compile(r'<si><t(?: xml:space="preserve")?>([^<]*)</t></si>')
_nfc: Final = functools.partial(unicodedata.normalize, "NFC")  # `layout.nfc`, mapped in C
_ENTITIES: Final = (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&amp;", "&"))


def plain_shared_strings(data: bytes) -> list[str] | None:
    """The shared strings (NFC) when every one is a plain text run, else None."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    whole = _STRINGS.fullmatch(text)
    if whole is None or "]]>" in text:  # "]]>" may not appear in XML text
        return None
    strings = _STRING.findall(whole.group(1))
    if "&" in text:
        strings = [_unescaped(s) if "&" in s else s for s in strings]
    return list(map(_nfc, strings))


def _unescaped(text: str) -> str:
    for entity, char in _ENTITIES:  # &amp; last: "&amp;lt;" is the text "&lt;"
        text = text.replace(entity, char)
    return text


# ---- worksheet cells --------------------------------------------------------------
# Possessive quantifiers (``*+``, ``?+``): the grammar never needs to backtrack, and
# checking a report-sized sheet then costs a fraction of a millisecond.
_FLAG: Final = r'"(?:0|1|true|false)"'
_ROW_ATTRIBUTES: Final = (
    r'(?: spans="[0-9: ]*+")?+(?: s="[0-9]++")?+(?: customFormat=FLAG)?+(?: ht="[0-9.]++")?+'
    r"(?: hidden=FLAG)?+(?: customHeight=FLAG)?+(?: outlineLevel=\"[0-9]++\")?+"
    r"(?: collapsed=FLAG)?+(?: thickTop=FLAG)?+(?: thickBot=FLAG)?+(?: ph=FLAG)?+"
    r'(?: x14ac:dyDescent="[0-9.]++")?+'
).replace("FLAG", _FLAG)
_NUMBER: Final = r"-?[0-9]++(?:\.[0-9]++)?+(?:[eE][-+]?[0-9]++)?+"
_CELL: Final = (
    r'<c r="[A-Z]{1,3}+[1-9][0-9]{0,6}+"(?: s="[0-9]++")?+'
    r'(?:(?: t="[sn]")?+ ?/>'  # empty: styled, no value
    r'| t="s"><v>(?:0|[1-9][0-9]*+)</v></c>'  # a shared string
    rf'|(?: t="n")?+><v>{_NUMBER}</v></c>)'  # a number
)
_ROWS: Final = re.compile(
    rf'(?:<row r="[1-9][0-9]*+"{_ROW_ATTRIBUTES}(?: ?/>|>(?:{_CELL})*+</row>))*+'
)
_VALUED: Final = re.compile(
    r'<c r="([A-Z]+)([0-9]+)"(?: s="([0-9]+)")?(?: t="([sn])")?><v>([^<]*)</v>'
)
_PROLOG: Final = re.compile(
    rb'(?:<\?xml version="1\.0"(?: encoding="(?i:utf-8)")?(?: standalone="(?:yes|no)")?\?>)?'
)
_PREFIXED: Final = b'<row x14ac:dyDescent="0"/>'  # parsed with the skeleton: is the prefix bound?

_Ranges: TypeAlias = tuple[tuple[int, int, int, int], ...]


class PlainSheet:
    """The valued cells of a worksheet: ``cells[i]`` = (column letters, row, style, type,
    raw value) in document order, and its merged ranges."""

    __slots__ = ("cells", "merged")

    def __init__(self, cells: list[tuple[str, str, str, str, str]], merged: _Ranges) -> None:
        self.cells = cells
        self.merged = merged


def plain_sheet(data: bytes) -> PlainSheet | None:
    """The cells of a worksheet part within the whitelist, else None."""
    start, end = data.find(b"<sheetData>"), data.rfind(b"</sheetData>")
    if data.count(b"sheetData") != 2 or start < 0 or end < start:
        if data.count(b"sheetData") == 1 and b"<sheetData/>" in data:  # an empty sheet
            merged = _skeleton(data, b"", False)
            return None if merged is None else PlainSheet([], merged)
        return None
    start += len(b"<sheetData>")
    try:
        content = data[start:end].decode("ascii")
    except UnicodeDecodeError:
        return None
    if _ROWS.fullmatch(content) is None:
        return None
    merged = _skeleton(data[:start], data[end:], "x14ac:" in content)
    if merged is None:
        return None
    return PlainSheet(_VALUED.findall(content), merged)


@functools.lru_cache(maxsize=32)
def _skeleton(head: bytes, tail: bytes, prefixed: bool) -> _Ranges | None:
    """The merged ranges of a worksheet whose cells are left out (``head`` ends with its
    ``<sheetData>``, ``tail`` starts with ``</sheetData>``), when the rest is well-formed
    XML with ``sheetData`` a child of the root; else None."""
    prolog = _PROLOG.match(head)
    rest = head[prolog.end() if prolog else 0 :]
    if any(mark in part for part in (rest, tail) for mark in (b"<?", b"<!")):
        return None
    try:
        root = ET.fromstring(head + (_PREFIXED if prefixed else b"") + tail)
    except ET.ParseError:
        return None
    if sum(_local(child.tag) == "sheetData" for child in root) != 1:
        return None
    return tuple(merged_ranges(root))


# ---- the report -------------------------------------------------------------------
_number_text: Final[Callable[[str], str]] = functools.lru_cache(maxsize=1 << 16)(number_text)
_LETTERS: Final = itemgetter(0)
_ROW: Final = itemgetter(1)
_Key: TypeAlias = tuple[int, int]


@functools.lru_cache(maxsize=1 << 14)
def _column(letters: str) -> int:
    return layout.column_number(letters)


@dataclass
class _Strings:
    """A workbook's shared strings, as the cells name them ("0", "1"...)."""

    texts: list[str]
    labels: dict[str, str]  # index → label key, for the labels the reader looks for
    blank: frozenset[str]  # indexes of the strings that are only whitespace
    indexes: frozenset[str]  # every index a cell may name

    @classmethod
    def of(cls, texts: list[str]) -> _Strings:
        keys = list(map(layout.label_key, texts))
        labels = {str(i): keys[i] for i in _positions(keys, _LABEL_KEYS)}
        stripped = list(map(str.strip, texts))
        blank = frozenset(map(str, _positions(stripped, {""}))) if not all(stripped) else _NONE
        return cls(texts, labels, blank, _indexes(len(texts)))


_NONE: Final = frozenset[str]()


def _positions(items: list[str], wanted: Set[str]) -> list[int]:
    """Where the items in ``wanted`` are (searched in C: few are wanted)."""
    found = []
    for item in set(items) & wanted:
        at = -1
        for _ in range(items.count(item)):
            at = items.index(item, at + 1)
            found.append(at)
    return sorted(found)


@functools.lru_cache(maxsize=16)
def _indexes(count: int) -> frozenset[str]:
    return frozenset(map(str, range(count)))


class _Grid:
    """One sheet's valued cells by (row, column), their texts as the reference reads them."""

    def __init__(self, sheet: PlainSheet, strings: _Strings, package: Package) -> None:
        cells = sheet.cells
        rows, cols = map(int, map(_ROW, cells)), map(_column, map(_LETTERS, cells))
        self.keys = list(zip(rows, cols, strict=True))
        self.cells = dict(zip(self.keys, cells, strict=True))
        self.strings = strings
        self.dates = package.dates
        self.date1904 = package.date1904
        self.merged = sheet.merged

    def text(self, key: _Key) -> str | None:
        cell = self.cells.get(key)
        if cell is None:
            return None
        _, _, style, kind, raw = cell
        if kind == "s":
            return self.strings.texts[int(raw)]
        if (int(style) if style else 0) in self.dates:
            return excel_date_text(raw, self.date1904)
        return _number_text(raw)

    def filled(self, keys: Iterable[_Key]) -> list[_Key]:
        """The keys whose cell has content (the reference's `_has_content`)."""
        blank = self.strings.blank
        if not blank:
            return list(keys)
        cells = self.cells
        return [key for key in keys if not (cells[key][3] == "s" and cells[key][4] in blank)]


def read_plain(received: ReceivedFile) -> FileRead | None:
    """The reference reader's `FileRead` of a plain workbook, or None (declined)."""
    try:
        package = Package(received.content, shared_strings=False)
    except PackageError:
        return None
    try:
        return _read(received, package)
    except Exception:  # whatever surprises this path, the reference reads the file
        return None
    finally:
        package.close()


def _read(received: ReceivedFile, package: Package) -> FileRead | None:
    part = package.shared_strings_part
    data = None if part is None else package.read_part(part)
    texts = [] if data is None else plain_shared_strings(data)
    if texts is None:
        return None
    strings = _Strings.of(texts)
    tables = []
    for name, _, part in package.sheets:
        data = package.read_part(part)
        sheet = None if data is None else plain_sheet(data)
        if sheet is None:
            return None
        grid = _Grid(sheet, strings, package)
        if len(grid.cells) != len(sheet.cells):  # a cell written twice
            return None
        named = [cell[4] for cell in sheet.cells if cell[3] == "s"]
        if not strings.indexes.issuperset(named):
            return None  # a missing shared string: the reference reports the damage
        labels = strings.labels
        found = [
            (key, labels[cell[4]])
            for key, cell in zip(grid.keys, sheet.cells, strict=True)
            if cell[4] in labels and cell[3] == "s"
        ]
        header_rows = sorted({key[0] for key, label in found if label == _TABLE_KEY})
        tables += [(name, grid, found, row) for row in header_rows]
    if len(tables) != 1:
        return None
    return _report(received, *tables[0])


def _report(
    received: ReceivedFile,
    sheet: str,
    grid: _Grid,
    found: list[tuple[_Key, str]],
    header_row: int,
) -> FileRead | None:
    """`xlsx_files._rows` for a table whose every cell reads without a problem."""
    found.sort()
    titles = {label: col for (row, col), label in found if row == header_row}
    code_col, value_col = titles[_TABLE_KEY], titles.get(_VALUE_KEY)
    note_col = titles.get(_NOTE_KEY)
    if value_col is None:
        return None
    fields: dict[str, _Key] = {}
    for (row, col), label in found:
        field = _FIELD_KEYS.get(label)
        if row < header_row and field is not None and field not in fields:
            right = grid.filled(k for k in grid.keys if k[0] == row and k[1] > col)
            fields[field] = (row, min(right)[1] if right else col + 1)
    if len(fields) != len(_FIELD_KEYS):
        return None
    given = {value_col} | ({note_col} if note_col else set())
    columns = given | {code_col}
    filled = grid.filled(k for k in grid.keys if k[1] in columns and k[0] > header_row)
    body = sorted({row for row, col in filled if col in given})
    if not body:
        return None
    table_rows = {row for row, _ in filled}
    read_cells = set(fields.values()) | {(row, col) for row in table_rows for col in columns}
    if any(_hides(merged, read_cells) for merged in grid.merged):
        return None  # a merged range over a cell of the report: the reference reports it
    text, cells = grid.text, grid.cells
    rows = []
    for row in body:
        value = text((row, value_col))
        typed = value if value is not None and cells[(row, value_col)][3] == "s" else ""
        if _AMBIGUOUS.match(typed.strip()):  # thousands or decimal? the reference asks
            return None
        note = text((row, note_col)) if note_col else None
        rows.append((row, text((row, code_col)), value, note))
    header = {field: (row, col, text((row, col))) for field, (row, col) in fields.items()}
    return report_read(received, sheet, code_col, value_col, header, rows, [])


def _hides(merged: tuple[int, int, int, int], cells: set[_Key]) -> bool:
    """Whether a merged range covers any of ``cells`` but its first."""
    first_row, first_col, last_row, last_col = merged
    area = (last_row - first_row + 1) * (last_col - first_col + 1)
    if area <= len(cells):
        covered: Iterable[_Key] = (
            (row, col)
            for row in range(first_row, last_row + 1)
            for col in range(first_col, last_col + 1)
        )
        return any(key in cells for key in covered if key != (first_row, first_col))
    return any(
        first_row <= row <= last_row
        and first_col <= col <= last_col
        and (row, col) != (first_row, first_col)
        for row, col in cells
    )
