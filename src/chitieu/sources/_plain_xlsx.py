"""The plain workbook, read fast: a filled template as Excel, LibreOffice, Google Sheets or
xlsxwriter save it, with nothing in it that needs the reference reader's care.

A national month is ten thousand workbooks; building an element tree and a `Cell` for
each of their cells costs five times what calamine takes to read them. This path reads
the parts with regular expressions instead (`chitieu.sources._plain_parts`), from a
plain zip archive (`chitieu.sources._plain_zip`), and finds the report by the reference
reader's rules; it *declines* (None) whenever the workbook holds anything the reference
reader reports or reads with care, and ``read_xlsx`` then reads it with the reference
reader (`chitieu.sources.xlsx_files.read_reference`).

Declined: whatever the parts' grammars refuse (formulas, errors, booleans, inline or
rich strings...), a missing shared string, no report table or more than one, a header
label not found, a table without figures, a merged range over a cell the report is read
from, a value typed as text that may be thousands (``1.752``). Accepted files yield no
problem and no cell problem; their texts go on to validation like any other.

The contract, tested on every fixture and on generated national data
(``tests/test_excel_fast_path.py``): whenever this path accepts a file, its `FileRead`
is the reference reader's, bit for bit.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Set
from dataclasses import dataclass
from operator import itemgetter
from typing import Final, TypeAlias, cast

from chitieu.excel import layout
from chitieu.sources import FileRead, ReceivedFile, empty_rows
from chitieu.sources._ooxml import (
    Package,
    PackageTooLarge,
    excel_date_text,
    number_text,
)
from chitieu.sources._plain_parts import PlainSheet, plain_shared_strings, plain_sheet
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

# ---- the report -------------------------------------------------------------------
_Key: TypeAlias = tuple[int, int]
_COLUMN: Final = itemgetter(1)
_PROBED: Final = 64  # a row this wide is probed cell by cell rather than scanned
_Cell: TypeAlias = tuple[str, str, str, str]  # reference, style, shared string index, number
_REFERENCE, _SHARED, _NUMBER_OF = itemgetter(0), itemgetter(2), itemgetter(3)
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
        short = max(map(len, texts), default=0) <= layout.CACHED_LABEL_CHARS
        keys = list(map(layout.short_label_key if short else layout.label_key, texts))
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
    """The reference reader's `FileRead` of a plain workbook, or None (declined).

    A workbook larger than a report can be is the reference reader's answer too: both
    read the same parts in the same order against the same limits (`Package._inflate`),
    and reading it twice would cost seconds."""
    try:  # declined, or whatever surprises this path: the reference reader reads the file
        return _read(received, PlainPackage(received.content, shared_strings=False))
    except PackageTooLarge as exc:
        return FileRead(received.source_name, "xlsx", empty_rows(), [exc.problem])
    except Exception:
        return None


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
    table_cols = (code_col, value_col, note_col)
    return report_read(received, sheet, table_cols, texts, body, codes, values, notes, [])


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
