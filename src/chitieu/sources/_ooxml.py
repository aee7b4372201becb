"""The cells of an .xlsx workbook, read with the standard library (zipfile + expat).

Why not calamine (fastexcel) or openpyxl, measured in ``benchmarks/bench_xlsx_intake.py``:
calamine is fast but hides what the no-silent-loss rule needs — whether a cell holds text
or a number (text ``1.752`` and the number 1.752 come out alike), a formula whose cached
value is missing (read as an empty cell), merged ranges, error values (nulled), and the
sheet row of its first row when the sheet does not start at row 1. openpyxl tells all of
that but costs about 20 ms a workbook and a second of import (numpy) for every
``chitieu validate``. An .xlsx is a zip of XML parts; the few the reader needs (workbook,
its relationships, shared strings, number formats, one sheet) parse in about a
millisecond, and every cell keeps its type, formula, cached value and coordinates.

Tags and attributes are matched by local name, so prefixed (``<x:c>``, Power BI) and
Strict OOXML namespaces read the same; a missing ``r`` attribute (optional in the
standard) is inferred from the previous cell.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any, Final, TypeAlias, TypeVar, cast
from xml.etree import ElementTree as ET

from chitieu.excel.layout import cell_location, column_number, nfc
from chitieu.office import ZIP_SIGNATURE
from chitieu.shown import shown
from chitieu.sources import FileProblem
from chitieu.sources.limits import (
    MAX_INFLATED_BYTES,
    MAX_PART_BYTES,
    part_too_large,
)


class PackageError(Exception):
    """The bytes are not a readable .xlsx workbook; ``reason`` says why, in English."""


class PackageProblem(PackageError):
    """The workbook cannot be read for a reason an officer is told in his own words:
    ``problem`` says what, where."""

    def __init__(self, problem: FileProblem) -> None:
        super().__init__(problem.message_en)
        self.problem = problem


class PackageTooLarge(PackageProblem):
    """A part, or the parts read together, inflate beyond what a report can be
    (`chitieu.sources.limits`): ``problem`` says which, with the limit."""


@dataclass(frozen=True)
class Cell:
    """One cell: what the officer sees (``text``), and how the file stores it."""

    row: int
    col: int
    kind: str  # number | text | bool | error | date | formula_no_value
    text: str  # numbers as plain decimals (no exponent; percents as shown), text in NFC
    formula: str | None = None  # "=SUM(D12:D14)" when the cell holds a formula


@dataclass(frozen=True)
class Sheet:
    name: str  # NFC
    state: str  # visible | hidden | veryHidden
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    """(first row, first column, last row, last column) of every merged range"""


@functools.cache
def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attr(element: ET.Element, name: str) -> str | None:
    """An attribute by local name, whatever its namespace (``r:id`` in any flavour)."""
    for key, value in element.attrib.items():
        if _local(key) == name:
            return value
    return None


def _children(element: ET.Element, name: str) -> Iterator[ET.Element]:
    return (child for child in element if _local(child.tag) == name)


def _text_of(element: ET.Element) -> str:
    """Text of a shared or inline string: every ``<t>``, phonetic runs (``<rPh>``) left out."""
    parts: list[str] = []
    for child in element:
        name = _local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            parts += [t.text or "" for t in _children(child, "t")]
    return "".join(parts)


class Package:
    """An opened workbook: its sheets by name, read on demand.

    The parts that every workbook made from one template carries alike (relationships,
    workbook, styles) are parsed once per distinct content (the cached `_workbook`,
    `_relationships`, `_styles`), not once per file: a national month is ten
    thousand copies of the same few parts.
    """

    def __init__(self, content: bytes, shared_strings: bool = True) -> None:
        """``shared_strings=False`` leaves the shared strings unread (`shared_strings_part`
        names them), for a reader that parses them its own way."""
        self._open(content)
        top = self.read_part(_TOP_RELS)
        workbook = (_document_target(top) if top is not None else None) or "xl/workbook.xml"
        data = self.read_part(workbook)
        if data is None:
            raise PackageError(f"the part {workbook} is missing")
        self.date1904, entries = _workbook(data, workbook)
        rels = self._relationships(workbook)
        self.sheets: list[tuple[str, str, str]] = []  # name, state, part
        for name, state, rel_id in entries:
            target = rels.get(rel_id, ("", ""))
            if target[1] == "worksheet":  # chartsheets and dialog sheets hold no cells
                self.sheets.append((name, state, target[0]))
        by_type = {kind: part for part, kind in rels.values()}
        styles = by_type.get("styles", "")
        styles_data = self.read_part(styles) if styles else None
        # the cell styles (``s``) whose number format shows a date or time, and those
        # whose number format shows a percent (with how many ``%`` it has)
        self.dates, self.percents = (
            _NO_STYLES if styles_data is None else _styles(styles_data, styles)
        )
        # read after the styles, as a reader that parses them its own way reads them next:
        # both count the same parts against the limits in the same order
        self.shared_strings_part = by_type.get("sharedStrings")
        self._shared = self._shared_strings(self.shared_strings_part) if shared_strings else []

    # ---- parts ---------------------------------------------------------------------
    def _open(self, content: bytes) -> None:
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(content))
        except (zipfile.BadZipFile, ValueError, EOFError, OSError) as exc:
            raise PackageError(f"not a zip archive ({exc})") from exc
        self._content = content
        # part names are case-insensitive (ECMA-376 part 2)
        self._parts = {name.lower(): name for name in self._zip.namelist()}

    def read_part(self, part: str) -> bytes | None:
        """A part's bytes (its name case-insensitive), None when the package lacks it."""
        name = self._parts.get(part.lstrip("/").lower())
        if name is None:
            return None
        info = self._zip.getinfo(name)
        if info.flag_bits & 0x1:
            raise PackageError(f"the part {name} is encrypted")
        start = data_start(self._content, info.header_offset, name)
        member = (start, info.compress_size, info.compress_type, info.file_size, info.CRC)
        return self._inflate(name, *member)

    _inflated = 0  # bytes of the parts read so far

    def _inflate(
        self, name: str, start: int, packed: int, method: int, declared: int, crc: int
    ) -> bytes:
        """A member's bytes, inflated within the limits (`chitieu.sources.limits`): a part
        whose header declares it too large is refused before a byte is inflated, and
        inflating stops at the first byte over the budget, whatever the header says (a
        zip bomb that lies about its size). Then its size and checksum are checked."""
        if method not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            # bzip2 and lzma inflate a whole chunk at once, unbounded; Excel writes neither
            raise PackageError(
                f"the part {name} cannot be unpacked (compression method {method}, which "
                "Excel does not write)"
            )
        budget = min(MAX_PART_BYTES, MAX_INFLATED_BYTES - self._inflated)
        if declared > budget:
            raise self._too_large(name, declared)
        data = self._content[start : start + packed]
        if method == zipfile.ZIP_DEFLATED:
            inflate = zlib.decompressobj(-15)
            try:
                data = inflate.decompress(data, budget + 1)
            except zlib.error as exc:
                raise PackageError(f"the part {name} is damaged ({exc})") from exc
            if len(data) > budget:
                raise self._too_large(name, None)
            if not inflate.eof:
                raise PackageError(f"the part {name} is damaged (its data ends too soon)")
        if len(data) != declared or zlib.crc32(data) != crc:
            raise PackageError(f"the part {name} is damaged (its size or checksum is wrong)")
        self._inflated += declared
        return data

    def _too_large(self, name: str, size: int | None) -> PackageTooLarge:
        if MAX_INFLATED_BYTES - self._inflated < MAX_PART_BYTES:  # the workbook's budget
            total = None if size is None else self._inflated + size
            return PackageTooLarge(part_too_large(None, total))
        return PackageTooLarge(part_too_large(shown(name), size))

    def _relationships(self, part: str) -> Mapping[str, tuple[str, str]]:
        """Id → (target part, type's last word) of a part's relationships."""
        folder, name = posixpath.split(part.lstrip("/"))
        rels_part = posixpath.join(folder, "_rels", name + ".rels")
        data = self.read_part(rels_part)
        return {} if data is None else _relationships(data, rels_part, folder)

    def _shared_strings(self, part: str | None) -> list[str]:
        data = None if part is None else self.read_part(part)
        return [] if data is None else shared_strings(data, part)

    # ---- a sheet -------------------------------------------------------------------
    def sheet(self, name: str, state: str, part: str) -> Sheet:
        data = self.read_part(part)
        if data is None:
            raise PackageError(f"the sheet {name!r} ({part}) is missing")
        try:  # the C parser builds a report-sized sheet faster than iterparse walks it
            root = ET.fromstring(data)
        except ET.ParseError as exc:
            raise PackageError(f"the sheet {name!r} cannot be parsed ({exc})") from exc
        sheet = Sheet(name, state, merged=merged_ranges(root))
        try:
            for part_element in root:
                if _local(part_element.tag) == "sheetData":
                    self._sheet_data(part_element, sheet)
        except ValueError as exc:
            raise PackageError(f"the sheet {name!r} cannot be parsed ({exc})") from exc
        return sheet

    def _sheet_data(self, data: ET.Element, sheet: Sheet) -> None:
        row = 0
        given_cells: set[tuple[int, int]] = set()
        for row_element in data:
            given = row_element.get("r")
            row = int(given) if given else row + 1
            col = 0
            for element in row_element:
                if _local(element.tag) != "c":
                    continue
                row, col = _position(element.get("r"), row, col)
                if (row, col) in given_cells:
                    raise PackageProblem(cell_given_twice(sheet.name, row, col))
                given_cells.add((row, col))
                if len(element):  # a cell without children is empty (styled, no value)
                    cell = self._cell(element, row, col)
                    if cell is not None:
                        sheet.cells[(row, col)] = cell

    def _cell(self, element: ET.Element, row: int, col: int) -> Cell | None:
        kind = element.get("t", "n")
        formula_element = value_element = inline = None
        for child in element:
            tag = _local(child.tag)
            if tag == "v":
                value_element = child
            elif tag == "f":
                formula_element = child
            elif tag == "is":
                inline = child
        formula = None
        if formula_element is not None:
            formula = "=" + (formula_element.text or "").strip()
        raw = value_element.text if value_element is not None else None
        if kind == "inlineStr":
            if inline is None:
                return _no_value(row, col, formula)
            return Cell(row, col, "text", nfc(_text_of(inline)), formula)
        if raw is None or (raw == "" and kind != "str"):
            return _no_value(row, col, formula)
        if raw == "":  # a formula's cached empty text: an empty cell
            return None
        if kind == "s":
            try:
                return Cell(row, col, "text", self._shared[int(raw)], formula)
            except (ValueError, IndexError) as exc:
                raise PackageError(f"cell {row},{col} names a missing shared string") from exc
        if kind == "str":
            return Cell(row, col, "text", nfc(raw), formula)
        if kind == "b":
            return Cell(
                row, col, "bool", "TRUE" if raw.strip() in ("1", "true") else "FALSE", formula
            )
        if kind == "e":
            return Cell(row, col, "error", raw.strip(), formula)
        if kind == "d":
            return Cell(row, col, "date", raw.strip(), formula)
        style = int(element.get("s", "0") or 0)
        if style in self.dates:
            return Cell(row, col, "date", excel_date_text(raw, self.date1904), formula)
        if style in self.percents:
            return Cell(row, col, "number", percent_text(raw, self.percents[style]), formula)
        return Cell(row, col, "number", number_text(raw), formula)

    def close(self) -> None:
        self._zip.close()


# ---- parts alike in every workbook of a template, parsed once per distinct content ----
_TOP_RELS: Final = "_rels/.rels"
_PARTS_CACHED: Final = 64
_CACHED_PART_BYTES: Final = 256 * 1024
"""A part larger than this (a template's are a few KB) is parsed each time, never kept:
the caches hold at most 64 × 256 KB per kind of part, whatever a batch of files holds."""

_F = TypeVar("_F", bound=Callable[..., Any])


def _parsed_once(parse: _F) -> _F:
    """``parse`` (of a part's bytes, then hashable arguments) cached by content, for
    parts of at most `_CACHED_PART_BYTES`."""
    cached = functools.lru_cache(maxsize=_PARTS_CACHED)(parse)

    @functools.wraps(parse)
    def parsed(data: bytes, *args: Any) -> Any:
        return (parse if len(data) > _CACHED_PART_BYTES else cached)(data, *args)

    return cast(_F, parsed)


_LOCAL: Final = struct.Struct("<4s5H3I2H")  # a zip member's local file header


def data_start(content: bytes, offset: int, name: str) -> int:
    """Where a member's data starts: after its local header, which must name it."""
    try:
        local = _LOCAL.unpack_from(content, offset)
    except struct.error as exc:
        raise PackageError(f"the part {name} is damaged") from exc
    start = offset + _LOCAL.size + local[9] + local[10]
    written = content[offset + _LOCAL.size : start - local[10]]
    if local[0] != ZIP_SIGNATURE or (
        written != name.encode() and written != name.encode("cp437", "replace")
    ):
        raise PackageError(f"the part {name} is damaged")
    return start


def _parse(data: bytes, part: str | None) -> ET.Element:
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise PackageError(f"{part} is not well-formed XML ({exc})") from exc


@_parsed_once
def _document_target(data: bytes) -> str | None:
    """The main part named by the package relationships (``_rels/.rels``)."""
    for rel in _parse(data, _TOP_RELS).iter():
        if rel.get("Type", "").rsplit("/", 1)[-1] == "officeDocument":
            return rel.get("Target", "").lstrip("/")
    return None


@_parsed_once
def _workbook(data: bytes, part: str) -> tuple[bool, tuple[tuple[str, str, str], ...]]:
    """Whether the workbook counts dates from 1904, and its sheets: (name, state, r:id)."""
    root = _parse(data, part)
    date1904 = any(
        (_attr(pr, "date1904") or "").lower() in ("1", "true")
        for pr in root.iter()
        if _local(pr.tag) == "workbookPr"
    )
    sheets = tuple(
        (
            nfc(_attr(element, "name") or ""),
            _attr(element, "state") or "visible",
            _attr(element, "id") or "",
        )
        for element in root.iter()
        if _local(element.tag) == "sheet"
    )
    return date1904, sheets


@_parsed_once
def _relationships(data: bytes, part: str, folder: str) -> Mapping[str, tuple[str, str]]:
    """Id → (target part, type's last word); shared between packages, never changed."""
    found = {}
    for rel in _parse(data, part).iter():
        if _local(rel.tag) != "Relationship" or rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        kind = rel.get("Type", "").rsplit("/", 1)[-1]
        found[rel.get("Id", "")] = (posixpath.normpath(path), kind)
    return MappingProxyType(found)


_Styles: TypeAlias = tuple[frozenset[int], Mapping[int, int]]
_NO_STYLES: Final[_Styles] = (frozenset(), MappingProxyType({}))


@_parsed_once
def _styles(data: bytes, part: str) -> _Styles:
    """Indexes of the cell styles (``s``) whose number format shows a date or time, and
    of those whose number format shows a percent, each with its count of ``%`` (Excel
    shows the number × 100 for each); shared between packages, never changed."""
    root = _parse(data, part)
    custom = {
        _int(fmt.get("numFmtId", "-1")): fmt.get("formatCode", "")
        for fmt in root.iter()
        if _local(fmt.tag) == "numFmt"
    }
    dates: set[int] = set()
    percents: dict[int, int] = {}
    for xfs in root.iter():
        if _local(xfs.tag) != "cellXfs":
            continue
        for index, xf in enumerate(_children(xfs, "xf")):
            number_format = _int(xf.get("numFmtId", "0"))
            if number_format in custom:
                code = custom[number_format]
                if is_date_format(code):
                    dates.add(index)
                elif signs := percent_signs(code):
                    percents[index] = signs
            elif number_format in BUILTIN_DATE_FORMATS:
                dates.add(index)
            elif number_format in BUILTIN_PERCENT_FORMATS:
                percents[index] = 1
    return frozenset(dates), MappingProxyType(percents)


def shared_strings(data: bytes, part: str | None) -> list[str]:
    """The texts of a shared strings part (NFC), phonetic runs left out."""
    return [nfc(_text_of(si)) for si in _parse(data, part) if _local(si.tag) == "si"]


def merged_ranges(root: ET.Element) -> list[tuple[int, int, int, int]]:
    """The merged ranges of a parsed worksheet, in document order (unreadable ones left out)."""
    return [
        bounds
        for element in root
        if _local(element.tag) == "mergeCells"
        for merge in element
        if (bounds := _range(merge.get("ref", ""))) is not None
    ]


def cell_given_twice(sheet: str, row: int, col: int) -> FileProblem:
    """A sheet that writes one cell twice: Excel never saves one (it calls the file
    damaged), and which of the two is the officer's figure no reader can tell."""
    where = cell_location(sheet, row, col)
    return FileProblem(
        check="file_format",
        message_vi=(
            f"Ô {where} được ghi hai lần trong tệp: tệp bị hỏng hoặc được "
            "tạo bằng công cụ khác Excel, và không biết số liệu nào là của xã. Hãy mở bằng "
            "Excel, kiểm tra ô này, chọn Lưu thành → Sổ làm việc Excel (.xlsx) rồi gửi lại."
        ),
        message_en=(
            f"the cell {where} is written twice in the file: the file is damaged or was made "
            "by a tool other than Excel, and which figure is the commune's cannot be told; "
            "open it in Excel, check the cell, Save As → Excel Workbook (.xlsx) and send it "
            "again"
        ),
        location=where,
    )


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError as exc:
        raise PackageError(f"{text!r} is not a number where the format requires one") from exc


def _no_value(row: int, col: int, formula: str | None) -> Cell | None:
    """An empty cell is no cell; a formula without a cached value is reported."""
    return None if formula is None else Cell(row, col, "formula_no_value", formula, formula)


_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]+)$")


def _position(ref: str | None, row: int, col: int) -> tuple[int, int]:
    """A cell's (row, column): from ``r="D12"``, or the one after the previous cell."""
    if ref:
        match = _REF.match(ref)
        if match is None:
            raise ValueError(f"bad cell reference {ref!r}")
        return int(match.group(2)), column_number(match.group(1))
    return row, col + 1


def _range(ref: str) -> tuple[int, int, int, int] | None:
    first, _, last = ref.partition(":")
    try:
        r1, c1 = _position(first, 0, 0)
        r2, c2 = _position(last or first, 0, 0)
    except ValueError:
        return None
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def number_text(raw: str) -> str:
    """A stored number as the officer typed it: the 15 significant digits Excel shows,
    as a plain decimal ("84.3", not "84.299999999999997"; "100000000000000000000", not
    "1E+20")."""
    try:
        number = float(raw)
    except ValueError:
        return raw.strip()
    if not math.isfinite(number):
        return raw.strip()
    try:
        text = format(Decimal(format(number, ".15g")), "f")
    except InvalidOperation:  # pragma: no cover - .15g of a finite float is a decimal
        return raw.strip()
    return "0" if text == "-0" else text


# Built-in number formats that show a date or a time (ECMA-376 18.8.30, with the East
# Asian ones Excel maps for its locales).
BUILTIN_DATE_FORMATS: Final = frozenset(
    {*range(14, 23), *range(27, 37), 45, 46, 47, *range(50, 59)}
)
_QUOTED = re.compile(r'"[^"]*"|\\.|_.|\*.')
_BRACKET = re.compile(r"\[(?!h+\]|m+\]|s+\])[^\]]*\]", re.IGNORECASE)


def is_date_format(code: str) -> bool:
    """Whether a custom number format shows a date or time (d, m, y, h, s outside quotes
    and brackets; elapsed ``[h]`` counts)."""
    if code.strip().lower() == "general":
        return False
    bare = _BRACKET.sub("", _QUOTED.sub("", code.split(";")[0]))
    return re.search(r"[dmyhs]", bare, re.IGNORECASE) is not None


# Built-in number formats that show a percent: 9 is ``0%``, 10 ``0.00%`` (ECMA-376 18.8.30).
BUILTIN_PERCENT_FORMATS: Final = frozenset({9, 10})


def percent_signs(code: str) -> int:
    """How many times a custom number format multiplies the number by 100: the ``%`` signs
    of its first section (positive numbers, and all numbers when it is the only one)
    outside quotes, escapes (``\\%``, ``_%``, ``*%``) and brackets (``[$%-409]``). A
    ``%`` written as text (``0"%"``, ``0\\%``) shows the number as it is."""
    return _BRACKET.sub("", _QUOTED.sub("", code.split(";")[0])).count("%")


def percent_text(raw: str, signs: int = 1) -> str:
    """A stored number in a percent format, as Excel shows it without the sign: the
    number × 100 for each ``%`` (0.843 in ``0.0%`` is "84.3"). `number_text`'s 15
    significant digits shifted as a decimal, so never "84.30000000000001"."""
    text = number_text(raw)
    try:
        number = Decimal(text)
    except InvalidOperation:  # not a number: as stored
        return text
    if not number.is_finite():  # "NaN", "inf": as stored
        return text
    shifted = format(number.scaleb(2 * signs), "f")
    return "0" if shifted == "-0" else shifted


def excel_date_text(raw: str, date1904: bool) -> str:
    """A date serial as ISO text ("2024-05-01", "2024-05-01 08:30")."""
    try:
        serial = float(raw)
    except ValueError:
        return raw.strip()
    if date1904:
        base = dt.datetime(1904, 1, 1)
    else:  # 1900 system; serials below 61 carry Excel's phantom 29 February 1900
        base = dt.datetime(1899, 12, 30) if serial >= 61 else dt.datetime(1899, 12, 31)
    try:
        moment = base + dt.timedelta(days=serial)
    except OverflowError:
        return number_text(raw)
    moment = moment.replace(microsecond=0) + dt.timedelta(seconds=round(moment.microsecond / 1e6))
    if moment.time() == dt.time(0):
        return moment.date().isoformat()
    return moment.isoformat(sep=" ", timespec="minutes")
