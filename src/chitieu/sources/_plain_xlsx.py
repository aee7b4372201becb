"""The plain workbook, read fast: a filled template as Excel, LibreOffice, Google Sheets or
xlsxwriter save it, with nothing in it that needs the reference reader's care.

A national month is ten thousand workbooks; building an element tree and a `Cell` for
each of their cells costs five times what calamine takes to read them. This path reads
the parts with regular expressions instead (`chitieu.sources._plain_parts`), from a
plain zip archive (`chitieu.sources._plain_zip`), and finds the report by the reference
reader's rules; it *declines* (None) whenever the workbook holds anything the reference
reader reports or reads with care, and ``read_xlsx`` then reads it with the reference
reader (`chitieu.sources.xlsx_files.read_reference`).

The workbooks of a month are copies of a few templates, filled alike: the same cells,
other numbers, another unit's code and name. Where the report is in a sheet (its labels,
table, header fields, body; whether a merge hides any of it) depends on the sheet's
layout (`_plain_parts.SheetLayout`, its cells but for their numbers), on which of its
strings are labels or blank, and on its merged ranges only: it is worked out once for
each (`_SheetPlan`), and each workbook's texts are read where the plan says. How a
cell's number reads (a date, a percent shown × 100, or as stored) is no part of a plan:
the layout keeps each cell's style index, and the workbook's own styles part says what
each shows (`Package.dates`, `Package.percents`) as its texts are read.

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
import itertools
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
    percent_text,
)
from chitieu.sources._plain_parts import (
    PlainSheet,
    SharedStrings,
    SheetLayout,
    plain_sheet,
    plain_strings,
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

# ---- the report -------------------------------------------------------------------
_Key: TypeAlias = tuple[int, int]
_COLUMN: Final = itemgetter(1)
_PROBED: Final = 64  # a row this wide is probed cell by cell rather than scanned
_Cell: TypeAlias = tuple[str, str, str, str]  # `SheetLayout.cells`: its number aside
_REFERENCE, _SHARED = itemgetter(0), itemgetter(2)
_REFERENCE_PARTS: Final = re.compile(r"([A-Z]+)([0-9]+)")
_Ranges: TypeAlias = tuple[tuple[int, int, int, int], ...]  # merged: rows and columns


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


@functools.lru_cache(maxsize=1 << 12)
def _percent(raw: str, signs: int) -> str | None:
    """`_number` of a number cell in a percent format with ``signs`` ``%``."""
    return percent_text(raw, signs).strip() or None


@dataclass
class _Strings:
    """A workbook's shared strings, by the index a cell names them with ("0", "1"...)."""

    stripped: list[str]  # as the rows carry them ("" for None)
    labels: dict[str, str]  # index → label key, for the labels the reader looks for
    blank: frozenset[str]  # the strings that are only whitespace: no content

    @classmethod
    def of(cls, strings: SharedStrings) -> _Strings:
        """A workbook's strings; when they differ from a part seen before in a few texts,
        the strings seen (`_strings_seen`) with those texts changed."""
        if strings.seen is None:
            return cls.of_texts(strings.texts)
        return _strings_seen(strings.seen).changed(strings.texts, strings.changed)

    @classmethod
    def of_texts(cls, texts: list[str]) -> _Strings:
        short = max(map(len, texts), default=0) <= layout.CACHED_LABEL_CHARS
        keys = list(map(layout.short_label_key if short else layout.label_key, texts))
        labels = {str(i): keys[i] for i in _positions(keys, _LABEL_KEYS)}
        stripped = list(map(str.strip, texts))
        blank = frozenset(map(str, _positions(stripped, {""}))) if not all(stripped) else _NONE
        return cls(stripped, labels, blank)

    def changed(self, texts: list[str], changed: list[int]) -> _Strings:
        """These strings with the texts at ``changed`` (indexes in ``texts``) changed:
        `of_texts` of ``texts``."""
        stripped = self.stripped.copy()
        labels, blank = dict(self.labels), set(self.blank)
        for i in changed:
            stripped[i] = texts[i].strip()
            labels.pop(str(i), None)
            blank.discard(str(i))
            key = layout.label_key(texts[i])
            if key in _LABEL_KEYS:
                labels[str(i)] = key
            if not stripped[i]:
                blank.add(str(i))
        in_order = dict(sorted(labels.items(), key=lambda item: int(item[0])))
        return _Strings(stripped, in_order, frozenset(blank) if blank else _NONE)


_NONE: Final = frozenset[str]()


@functools.lru_cache(maxsize=4)
def _strings_seen(seen: SharedStrings) -> _Strings:
    """`_Strings` of a shared strings part seen (`_plain_parts._Seen`), a few at a time."""
    return _Strings.of_texts(seen.texts)


@functools.lru_cache(maxsize=16)
def _indexes(count: int) -> frozenset[str]:
    """The index of each of ``count`` shared strings ("0", "1"...), and "" (a number)."""
    return frozenset(["", *map(str, range(count))])


def _positions(items: list[str], wanted: Set[str]) -> list[int]:
    """Where the items in ``wanted`` are (searched in C: few are wanted)."""
    found = []
    for item in set(items) & wanted:
        at = -1
        for _ in range(items.count(item)):
            at = items.index(item, at + 1)
            found.append(at)
    return sorted(found)


class _Grid:
    """One sheet's valued cells by (row, column), read as the reference reads them: a cell
    written twice is the last one written. Built from the sheet's layout (its cells but
    for their numbers) and what its strings say of the cells (labels, blanks)."""

    def __init__(self, cells: SheetLayout, labels: dict[str, str], blank: frozenset[str]) -> None:
        self.cells = cells
        self.shared = cells.shared
        self.written = list(map(_key, map(_REFERENCE, cells.cells)))
        # where the cell of each key is among the sheet's cells (the last one written)
        self.at = dict(zip(self.written, itertools.count()))
        self.keys = list(self.at) if len(self.at) < len(self.written) else self.written
        self.last_col = max(map(_COLUMN, self.keys), default=0)
        self.label_of = labels
        self.blank = blank
        # where the number of the cell at each position is among the sheet's numbers
        self.slots = dict(zip(cells.numbered, itertools.count()))

    def labels(self) -> list[tuple[_Key, str]]:
        """The cells holding a label the reader looks for, with its key, in (row, column)
        order."""
        shared, labels, written = self.shared, self.label_of, self.written
        return sorted(
            (written[at], labels[shared[at]])
            for at in _positions(shared, labels.keys())
            if self.at[written[at]] == at  # not written over
        )

    def right_of(self, row: int, col: int) -> int:
        """The column of the first cell with content right of a label, else the next one
        (`xlsx_files._header_fields`)."""
        last = self.last_col
        if last - col <= _PROBED:
            right = self.filled([(row, c) for c in range(col + 1, last + 1) if (row, c) in self.at])
        else:
            right = self.filled([k for k in self.keys if k[0] == row and k[1] > col])
        return min(right)[1] if right else col + 1

    def filled(self, keys: list[_Key]) -> list[_Key]:
        """The keys whose cell has content (`xlsx_files._has_content`)."""
        blank, shared, at = self.blank, self.shared, self.at
        return [key for key in keys if shared[at[key]] not in blank] if blank else keys

    def column(self, keys: list[_Key]) -> _Column:
        """The cells at ``keys``, to be read alike."""
        where = [self.at.get(key) for key in keys]
        cells, slots = self.cells.cells, self.slots
        return _Column(
            [None if at is None else cells[at] for at in where],
            [-1 if at is None else slots.get(at, -1) for at in where],
        )


class _Column:
    """Cells of the report read alike (a column of codes, of values...): each cell (None:
    no cell) and where its number is among the sheet's numbers."""

    __slots__ = ("cells", "indexes", "numbers", "slots", "texts")

    def __init__(self, cells: list[_Cell | None], slots: list[int]) -> None:
        self.cells = cells
        self.slots = slots
        shared = None if None in cells else list(map(_SHARED, cast(list[_Cell], cells)))
        self.texts = shared is not None and all(shared)  # texts only (a column of codes)
        self.numbers = shared is not None and not any(shared)  # numbers only (of values)
        self.indexes = list(map(int, shared)) if self.texts and shared else []


class _Reading:
    """The texts of a workbook's cells as the rows carry them (`xlsx_files._stripped`)."""

    def __init__(self, sheet: PlainSheet, strings: _Strings, package: Package) -> None:
        self.numbers = sheet.numbers
        self.stripped = strings.stripped
        self.dates = package.dates
        self.percents = package.percents
        self.date1904 = package.date1904

    def texts(self, column: _Column, value: bool = False) -> list[str | None]:
        """The texts of a column's cells; ``value``: declines a text that may be thousands
        or a decimal (``1.752``)."""
        if column.texts:
            texts = list(map(self.stripped.__getitem__, column.indexes))
            if value and any(map(_AMBIGUOUS.match, texts)):
                raise _Declined  # thousands or a decimal? the reference asks the officer
            return list(texts) if all(texts) else [text or None for text in texts]
        if column.numbers and not self.dates and not self.percents:
            return list(map(_number, map(self.numbers.__getitem__, column.slots)))
        return [self._text(c, n, value) for c, n in zip(column.cells, column.slots, strict=True)]

    def _text(self, cell: _Cell | None, slot: int, value: bool) -> str | None:
        if cell is None:
            return None
        _, style, shared, _ = cell
        if shared:
            text = self.stripped[int(shared)]
            if value and _AMBIGUOUS.match(text):
                raise _Declined
            return text or None
        raw = self.numbers[slot]
        index = int(style) if style else 0
        if index in self.dates:
            return excel_date_text(raw, self.date1904).strip() or None
        if index in self.percents:
            return _percent(raw, self.percents[index])
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
    shared = SharedStrings([]) if data is None else plain_strings(data)
    if shared is None:
        raise _Declined
    strings = _Strings.of(shared)
    tables = []
    for name, _, part in package.sheets:
        data = package.read_part(part)
        sheet = None if data is None else plain_sheet(data)
        if sheet is None:
            raise _Declined
        if not _indexes(len(strings.stripped)).issuperset(sheet.layout.indexes):
            raise _Declined  # a missing shared string: the reference reports the damage
        plan = _sheet_plan(sheet, strings)
        tables += [(name, sheet, table) for table in plan.tables]
    if len(tables) != 1:
        raise _Declined
    name, sheet, table = tables[0]
    if table is None:
        raise _Declined
    return _report(received, name, table, _Reading(sheet, strings, package))


class _SheetPlan:
    """What a sheet's layout, its strings' labels and blanks, and its merged ranges say of
    its report tables: the same in every workbook made from one template and filled
    alike, worked out once (`_sheet_plan`). ``tables``: one for each table header row,
    the plan to read it by, or None (declined)."""

    def __init__(
        self,
        cells: SheetLayout,
        labels: tuple[tuple[str, str], ...],
        blank: frozenset[str],
        merged: _Ranges,
    ) -> None:
        grid = _Grid(cells, dict(labels), blank)
        found = grid.labels()
        header_rows = sorted({key[0] for key, label in found if label == _TABLE_KEY})
        self.tables = [_planned(grid, found, header, merged) for header in header_rows]


def _sheet_plan(sheet: PlainSheet, strings: _Strings) -> _SheetPlan:
    plan = _cached_plan if sheet.layout.kept else _SheetPlan
    return plan(sheet.layout, tuple(strings.labels.items()), strings.blank, sheet.merged)


_cached_plan: Final = functools.lru_cache(maxsize=8)(_SheetPlan)
"""`_SheetPlan` of the layouts `_plain_parts` keeps (small ones), a few at a time."""


@dataclass(frozen=True)
class _TablePlan:
    """Where a report table's texts are (`xlsx_files._rows`, for a table whose every cell
    reads without a problem)."""

    table_cols: tuple[int, int, int | None]  # codes, values, notes
    fields: dict[str, tuple[_Key, _Column]]  # each header field's cell
    body: list[int]  # the sheet rows of the report
    codes: _Column
    values: _Column
    notes: _Column | None  # None: no note cell below the header


def _planned(
    grid: _Grid, labels: list[tuple[_Key, str]], header: int, merged: _Ranges
) -> _TablePlan | None:
    try:
        return _plan(grid, labels, header, merged)
    except _Declined:
        return None


def _plan(grid: _Grid, labels: list[tuple[_Key, str]], header: int, merged: _Ranges) -> _TablePlan:
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
    if any(_hides(ranges, field_cells, table_rows, columns) for ranges in merged):
        raise _Declined  # a merged range over a cell of the report: the reference reports it
    noted = bool(note_col) and note_col in set(map(_COLUMN, below))
    return _TablePlan(
        (code_col, value_col, note_col),
        {f: (key, grid.column([key])) for f, key in fields.items()},
        body,
        grid.column([(row, code_col) for row in body]),
        grid.column([(row, value_col) for row in body]),
        grid.column([(row, note_col) for row in body]) if note_col and noted else None,
    )


def _report(received: ReceivedFile, sheet: str, plan: _TablePlan, cells: _Reading) -> FileRead:
    """`xlsx_files._rows` for a table whose every cell reads without a problem."""
    texts = {
        f: (row, col, cells.texts(column)[0]) for f, ((row, col), column) in plan.fields.items()
    }
    codes = cells.texts(plan.codes)
    values = cells.texts(plan.values, value=True)
    notes: list[str | None] = [None] * len(plan.body)
    if plan.notes is not None:
        notes = cells.texts(plan.notes)
    return report_read(received, sheet, plan.table_cols, texts, plan.body, codes, values, notes, [])


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
