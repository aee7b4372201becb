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
from collections.abc import Set
from dataclasses import dataclass
from operator import itemgetter
from typing import Final, TypeAlias, cast
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
from chitieu.sources._plain_zip import PlainPackage
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
_PRESERVE: Final = '<t xml:space="preserve">'
_FIRST, _BETWEEN, _LAST = "<si><t>", "</t></si><si><t>", "</t></si>"
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
    # the grammar holds: every string is <si><t>…</t></si>, and no text holds a "<"
    items = whole.group(1).replace(_PRESERVE, "<t>")
    strings = items[len(_FIRST) : -len(_LAST)].split(_BETWEEN) if items else []
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
    r'<c r="([A-Z]++[0-9]++)"(?: s="([0-9]++)")?+'
    r'(?: t="s"><v>([0-9]++)|(?: t="n")?+><v>([^<]*+))</v>'
)
_PROLOG: Final = re.compile(
    rb'(?:<\?xml version="1\.0"(?: encoding="(?i:utf-8)")?(?: standalone="(?:yes|no)")?\?>)?'
)
_PREFIXED: Final = b'<row x14ac:dyDescent="0"/>'  # parsed with the skeleton: is the prefix bound?

_Ranges: TypeAlias = tuple[tuple[int, int, int, int], ...]


class PlainSheet:
    """The valued cells of a worksheet in document order, each (reference, style, shared
    string index or "", number or ""), and its merged ranges."""

    __slots__ = ("cells", "merged")

    def __init__(self, cells: list[tuple[str, str, str, str]], merged: _Ranges) -> None:
        self.cells = cells
        self.merged = merged


def plain_sheet(data: bytes) -> PlainSheet | None:
    """The cells of a worksheet part within the whitelist, else None."""
    first, last = data.find(b"sheetData"), data.rfind(b"sheetData")
    if first == last and data[first - 1 : first + 11] == b"<sheetData/>":  # no cells
        merged = _SKELETONS.merged(data, len(data), len(data), False)
        return None if merged is None else PlainSheet([], merged)
    start, end = first + len(b"sheetData>"), last - len(b"</")
    if (
        first < 1  # "sheetData" names the opening tag, then the closing one, nothing else:
        or data[first - 1 : start] != b"<sheetData>"  # what is between is checked below
        or data[end : last + len(b"sheetData>")] != b"</sheetData>"
        or end < start
    ):
        return None
    try:
        content = str(memoryview(data)[start:end], "ascii")
    except UnicodeDecodeError:
        return None
    if _ROWS.fullmatch(content) is None:
        return None
    merged = _SKELETONS.merged(data, start, end, "x14ac:" in content)
    if merged is None:
        return None
    return PlainSheet(_VALUED.findall(content), merged)


class _Skeletons:
    """The merged ranges of the worksheets last seen, by their skeleton: everything but
    the cells (``data[:start]`` and ``data[end:]``), the same in every workbook made from
    one template. Compared, not hashed: a skeleton is some 80 KB of data validations."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._known: list[tuple[bytes, bytes, bool, _Ranges | None]] = []

    def merged(self, data: bytes, start: int, end: int, prefixed: bool) -> _Ranges | None:
        for head, tail, pre, merged in tuple(self._known):
            if (
                pre == prefixed
                and len(head) == start
                and len(tail) == len(data) - end
                and data.startswith(head)
                and data.endswith(tail)
            ):
                return merged
        head, tail = data[:start], data[end:]
        merged = _skeleton(head, tail, prefixed)
        self._known = [(head, tail, prefixed, merged), *self._known[: self._size - 1]]
        return merged


_SKELETONS: Final = _Skeletons(16)


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
_Key: TypeAlias = tuple[int, int]
_COLUMN: Final = itemgetter(1)
_PROBED: Final = 64  # a row this wide is probed cell by cell rather than scanned
_Cell: TypeAlias = tuple[str, str, str, str]  # reference, style, shared string index, number
_REFERENCE, _STYLE, _SHARED, _NUMBER_OF = map(itemgetter, range(4))
_REFERENCE_PARTS: Final = re.compile(r"([A-Z]+)([0-9]+)")


class _Declined(Exception):
    """The workbook holds something this path leaves to the reference reader."""


@functools.lru_cache(maxsize=1 << 16)
def _key(reference: str) -> _Key:
    """``D12`` → (12, 4)."""
    letters, digits = _REFERENCE_PARTS.fullmatch(reference).groups()  # type: ignore[union-attr]
    return int(digits), layout.column_number(letters)


@functools.lru_cache(maxsize=1 << 16)
def _number(raw: str) -> str | None:
    """A number cell's text as the rows carry it (`xlsx_files._stripped`)."""
    return number_text(raw).strip() or None


@dataclass
class _Strings:
    """A workbook's shared strings, by the index a cell names them with ("0", "1"...)."""

    stripped: list[str]  # as the rows carry them ("" for None)
    labels: dict[str, str]  # index → label key, for the labels the reader looks for
    blank: frozenset[str]  # the strings that are only whitespace: no content
    indexes: frozenset[str]  # every index a cell may name, and "" (a number cell)

    @classmethod
    def of(cls, texts: list[str]) -> _Strings:
        keys = list(map(layout.label_key, texts))
        labels = {str(i): keys[i] for i in _positions(keys, _LABEL_KEYS)}
        stripped = list(map(str.strip, texts))
        blank = frozenset(map(str, _positions(stripped, {""}))) if not all(stripped) else _NONE
        return cls(stripped, labels, blank, _indexes(len(texts)))


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
    return frozenset(["", *map(str, range(count))])


class _Grid:
    """One sheet's valued cells by (row, column), read as the reference reads them: a cell
    written twice is the last one written."""

    def __init__(self, sheet: PlainSheet, strings: _Strings, package: Package) -> None:
        cells = sheet.cells
        self.shared = list(map(_SHARED, cells))
        if not strings.indexes.issuperset(self.shared):
            raise _Declined  # a missing shared string: the reference reports the damage
        self.written = list(map(_key, map(_REFERENCE, cells)))
        self.cells = dict(zip(self.written, cells, strict=True))
        self.keys = list(self.cells) if len(self.cells) < len(cells) else self.written
        self.last_col = max(map(_COLUMN, self.keys), default=0)
        self.sheet = sheet
        self.strings = strings
        self.dates = package.dates
        self.date1904 = package.date1904

    def labels(self) -> list[tuple[_Key, str]]:
        """The cells holding a label the reader looks for, with its key, in (row, column)
        order."""
        cells, labels = self.sheet.cells, self.strings.labels
        return sorted(
            (self.written[at], labels[cells[at][2]])
            for at in _positions(self.shared, labels.keys())
            if self.cells[self.written[at]] is cells[at]  # not written over
        )

    def right_of(self, row: int, col: int) -> int:
        """The column of the first cell with content right of a label, else the next one
        (`xlsx_files._header_fields`)."""
        last = self.last_col
        if last - col <= _PROBED:
            right = self.filled(
                [(row, c) for c in range(col + 1, last + 1) if (row, c) in self.cells]
            )
        else:
            right = self.filled([k for k in self.keys if k[0] == row and k[1] > col])
        return min(right)[1] if right else col + 1

    def filled(self, keys: list[_Key]) -> list[_Key]:
        """The keys whose cell has content (`xlsx_files._has_content`)."""
        blank, cells = self.strings.blank, self.cells
        return [key for key in keys if cells[key][2] not in blank] if blank else keys

    def texts(self, rows: list[int], col: int, value: bool = False) -> list[str | None]:
        """The texts of a column's cells as the rows carry them (`xlsx_files._stripped`);
        ``value``: declines a text that may be thousands or a decimal (``1.752``)."""
        found = list(map(self.cells.get, [(row, col) for row in rows]))
        if None in found:
            return [self._text(cell, value) for cell in found]
        cells = cast(list[_Cell], found)
        shared = list(map(_SHARED, cells))
        if all(shared):  # texts only (a column of codes)
            texts = list(map(self.strings.stripped.__getitem__, map(int, shared)))
            if value and any(map(_AMBIGUOUS.match, texts)):
                raise _Declined  # thousands or a decimal? the reference asks the officer
            return list(texts) if all(texts) else [text or None for text in texts]
        if not any(shared) and not self.dates:  # numbers only (a column of values)
            return list(map(_number, map(_NUMBER_OF, cells)))
        return [self._text(cell, value) for cell in cells]

    def _text(self, cell: _Cell | None, value: bool) -> str | None:
        if cell is None:
            return None
        _, style, shared, raw = cell
        if shared:
            text = self.strings.stripped[int(shared)]
            if value and _AMBIGUOUS.match(text):
                raise _Declined
            return text or None
        if (int(style) if style else 0) in self.dates:
            return excel_date_text(raw, self.date1904).strip() or None
        return _number(raw)


def read_plain(received: ReceivedFile) -> FileRead | None:
    """The reference reader's `FileRead` of a plain workbook, or None (declined)."""
    try:
        package = PlainPackage(received.content, shared_strings=False)
    except PackageError:
        return None
    try:
        return _read(received, package)
    except Exception:  # declined, or whatever surprises this path: the reference reads it
        return None
    finally:
        package.close()


def _read(received: ReceivedFile, package: Package) -> FileRead:
    part = package.shared_strings_part
    data = None if part is None else package.read_part(part)
    texts = [] if data is None else plain_shared_strings(data)
    if texts is None:
        raise _Declined
    strings = _Strings.of(texts)
    tables = []
    for name, _, part in package.sheets:
        data = package.read_part(part)
        sheet = None if data is None else plain_sheet(data)
        if sheet is None:
            raise _Declined
        grid = _Grid(sheet, strings, package)
        labels = grid.labels()
        header_rows = sorted({key[0] for key, label in labels if label == _TABLE_KEY})
        tables += [(name, grid, labels, row) for row in header_rows]
    if len(tables) != 1:
        raise _Declined
    return _report(received, *tables[0])


def _report(
    received: ReceivedFile, sheet: str, grid: _Grid, labels: list[tuple[_Key, str]], header: int
) -> FileRead:
    """`xlsx_files._rows` for a table whose every cell reads without a problem."""
    titles = {label: col for (row, col), label in labels if row == header}
    code_col, value_col = titles[_TABLE_KEY], titles.get(_VALUE_KEY)
    note_col = titles.get(_NOTE_KEY)
    if value_col is None:
        raise _Declined
    fields: dict[str, _Key] = {}
    for (row, col), label in labels:
        field = _FIELD_KEYS.get(label)
        if row < header and field is not None and field not in fields:
            fields[field] = (row, grid.right_of(row, col))
    if len(fields) != len(_FIELD_KEYS):
        raise _Declined
    given = {value_col} | ({note_col} if note_col else set())
    columns = given | {code_col}
    below = [key for key in grid.keys if key[1] in columns and key[0] > header]
    filled = grid.filled(below)
    body = sorted({row for row, col in filled if col in given})
    if not body:
        raise _Declined
    table_rows = {row for row, _ in filled}
    field_cells = set(fields.values())
    if any(_hides(merged, field_cells, table_rows, columns) for merged in grid.sheet.merged):
        raise _Declined  # a merged range over a cell of the report: the reference reports it
    texts = {f: (row, col, grid.texts([row], col)[0]) for f, (row, col) in fields.items()}
    codes = grid.texts(body, code_col)
    values = grid.texts(body, value_col, value=True)
    notes: list[str | None] = [None] * len(body)
    if note_col and note_col in set(map(_COLUMN, below)):
        notes = grid.texts(body, note_col)
    return report_read(received, sheet, code_col, value_col, texts, body, codes, values, notes, [])


def _hides(
    merged: tuple[int, int, int, int], cells: set[_Key], rows: set[int], columns: set[int]
) -> bool:
    """Whether a merged range covers, but in its first cell, any cell the report is read
    from: ``cells`` and every cell of ``rows`` × ``columns``."""
    first_row, first_col, last_row, last_col = merged
    covered = [
        (row, col)
        for row, col in cells
        if first_row <= row <= last_row and first_col <= col <= last_col
    ]
    cols = [col for col in columns if first_col <= col <= last_col]
    if cols:
        if last_row - first_row < len(rows):
            under = [row for row in range(first_row, last_row + 1) if row in rows]
        else:
            under = [row for row in rows if first_row <= row <= last_row]
        covered += [(row, col) for row in under for col in cols]
    return any(key != (first_row, first_col) for key in covered)
