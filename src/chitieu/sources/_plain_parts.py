"""The parts of a plain workbook, read with regular expressions under a strict grammar.

`plain_shared_strings` reads a shared strings part whose every string is a plain text
run (``<si><t>…</t></si>``, the five predefined entities); `plain_sheet` the valued cells
of a worksheet whose cells are empty, a shared string or a number (``t="s"``, ``t="n"``
or no type, an ``r`` and at most an ``s``), in rows with the attributes Excel,
LibreOffice and xlsxwriter write. Each returns None for anything else (a formula, an
error, a boolean, an inline or rich string, a character reference, a comment...).

The grammars leave no character unaccounted for, so that a part the XML parser would
refuse is never accepted. The skeleton of a worksheet (everything but its cells: the
template's 200 data validations) is the same in every workbook made from one template:
it is parsed by the XML parser, with the reference reader's code for merged ranges, once
per distinct content (`_Skeletons`). Its cells but for their numbers are the same too
when the officers filled the same cells, and are checked and read once (`_Layouts`): a
sheet whose cells are written exactly as those of a sheet the grammar accepted, with
other numbers (each within the grammar) where it had numbers, is within the grammar and
has the same cells. Shared strings that differ from a part seen in a few strings (a
unit's code and name) are read by that part: only those strings are checked and read
(`_Seen`).
"""

from __future__ import annotations

import functools
import operator
import re
import unicodedata
from collections.abc import Sequence
from typing import Final, TypeAlias
from xml.etree import ElementTree as ET

from chitieu.sources._ooxml import _local, merged_ranges

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
_is_nfc: Final = functools.partial(unicodedata.is_normalized, "NFC")
_ENTITIES: Final = (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&amp;", "&"))


def plain_shared_strings(data: bytes) -> list[str] | None:
    """The shared strings (NFC) when every one is a plain text run, else None."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return _strings(text)


def _strings(text: str) -> list[str] | None:
    whole = _STRINGS.fullmatch(text)
    if whole is None or "]]>" in text:  # "]]>" may not appear in XML text
        return None
    # the grammar holds: every string is <si><t>…</t></si>, and no text holds a "<"
    items = whole.group(1).replace(_PRESERVE, "<t>")
    strings = items[len(_FIRST) : -len(_LAST)].split(_BETWEEN) if items else []
    if "&" not in text and _is_nfc(text):
        # and so is each string: each stands between a ">" and a "<", which compose with
        # nothing but a U+0338 after them (≮, ≯), and would have in the whole text too
        return strings
    if "&" in text:
        strings = [_unescaped(s) if "&" in s else s for s in strings]
    return list(map(_nfc, strings))


class SharedStrings:
    """A shared strings part's texts (NFC, as `plain_shared_strings` reads them), and the
    part seen before that it differs from in the texts at ``changed`` only (``seen``;
    None when it was read whole)."""

    __slots__ = ("changed", "seen", "texts")

    def __init__(
        self, texts: list[str], seen: SharedStrings | None = None, changed: list[int] | None = None
    ) -> None:
        self.texts = texts
        self.seen = seen
        self.changed = changed or []


def plain_strings(data: bytes) -> SharedStrings | None:
    """`plain_shared_strings`, with what it shares with a part seen before (`_Seen`)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return _SEEN.read(text)


_RUN: Final = re.compile(_TEXT)


class _Seen:
    """The shared strings parts last seen that hold one plain run each (no
    ``xml:space``), with their text split at the strings. A part split alike — as many
    pieces, the first (the part's start and its first string) and the last alike —
    whose pieces that differ are each a text run the grammar takes (so within one
    string, with no "<") differs from a part the grammar accepted in the texts of those
    strings only: it is within the grammar, and only they are read. Compared, not
    hashed: a national month's parts differ in a unit's code and name."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._known: list[tuple[list[str], SharedStrings]] = []

    def read(self, text: str) -> SharedStrings | None:
        pieces = text.split(_BETWEEN)
        for known, seen in self._known:
            if len(known) != len(pieces) or known[0] != pieces[0] or known[-1] != pieces[-1]:
                continue
            same = list(map(operator.eq, pieces, known))
            changed = _where(same, False)
            if all(_RUN.fullmatch(pieces[i]) and "]]>" not in pieces[i] for i in changed):
                texts = seen.texts.copy()
                for i in changed:
                    piece = pieces[i]
                    texts[i] = _nfc(_unescaped(piece) if "&" in piece else piece)
                return SharedStrings(texts, seen, changed)
        whole = _strings(text)
        if whole is None:
            return None
        strings = SharedStrings(whole)
        one_each = len(whole) == len(pieces) and _PRESERVE not in text
        if one_each and len(text) <= _KEPT_STRINGS_CHARS:
            self._known = [(pieces, strings), *self._known[: self._size - 1]]
        return strings


_SEEN: Final = _Seen(4)
_KEPT_STRINGS_CHARS: Final = 256 * 1024
"""A template's strings are some 15 KB; a larger part is read whole, never kept."""


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
# at most 40 digits a side: Excel writes 17 significant digits, and the cells' numbers
# go through caches (`_plain_xlsx._number`) that must hold short texts only
_NUMBER: Final = r"-?[0-9]{1,40}+(?:\.[0-9]{1,40}+)?+(?:[eE][-+]?[0-9]{1,3}+)?+"
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


class SheetLayout:
    """A worksheet's valued cells but for their numbers, the same in every workbook whose
    officer filled the same cells: each cell in document order (reference, style, shared
    string index or "" for a number, and the number of the sheet first read with this
    layout: a sheet's own are its `PlainSheet.numbers`). ``pieces``: the text of the
    cells around their numbers."""

    __slots__ = ("cells", "indexes", "kept", "numbered", "pieces", "shared")

    def __init__(self, pieces: list[str], cells: list[tuple[str, str, str, str]]) -> None:
        self.pieces = pieces
        self.kept = False  # whether `_Layouts` keeps it: what is derived from it may be too
        self.cells = cells
        self.shared = list(map(_SHARED, cells))
        # where the cells with a number are: the k-th holds the sheet's k-th number
        self.numbered = _where(self.shared, "")
        self.indexes = frozenset(self.shared)  # the shared strings named, and "" (numbers)


_SHARED, _NUMBER_OF = operator.itemgetter(2), operator.itemgetter(3)


def _where(items: Sequence[object], item: object) -> list[int]:
    """Where ``item`` is among ``items`` (searched in C)."""
    found, at = [], -1
    for _ in range(items.count(item)):
        at = items.index(item, at + 1)
        found.append(at)
    return found


class PlainSheet:
    """The valued cells of a worksheet: its layout, its numbers in document order, and
    its merged ranges."""

    __slots__ = ("layout", "merged", "numbers")

    def __init__(self, layout: SheetLayout, numbers: list[str], merged: _Ranges) -> None:
        self.layout = layout
        self.numbers = numbers
        self.merged = merged


_NO_CELLS: Final = SheetLayout([""], [])


def plain_sheet(data: bytes) -> PlainSheet | None:
    """The cells of a worksheet part within the whitelist, else None."""
    first, last = data.find(b"sheetData"), data.rfind(b"sheetData")
    if first == last and data[first - 1 : first + 11] == b"<sheetData/>":  # no cells
        merged = _SKELETONS.merged(data, len(data), len(data), False)
        return None if merged is None else PlainSheet(_NO_CELLS, [], merged)
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
    known = _LAYOUTS.read(content)
    if known is None:
        return None
    layout, numbers = known
    # "x14ac:" is in the cells, never in their numbers
    merged = _SKELETONS.merged(data, start, end, "x14ac:" in content)
    if merged is None:
        return None
    return PlainSheet(layout, numbers, merged)


# a number cell's value: a cell's "><v>" not preceded by a shared string's type
_NUMBER_VALUE: Final = re.compile(r'><v>(?<!t="s"><v>)([^<]*+)</v>')
_NUMBERS: Final = re.compile(rf"(?:{_NUMBER}\n)*+{_NUMBER}")


class _Layouts:
    """The layouts of the worksheets last seen, with the text of their cells around their
    numbers. A sheet's text split around its numbers as a known layout's was, piece for
    piece, with numbers the grammar takes, is within the grammar (it differs from a text
    the grammar accepted in numbers only, where the grammar takes any number) and has
    that layout's cells. Compared, not hashed."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._known: list[SheetLayout] = []

    def read(self, content: str) -> tuple[SheetLayout, list[str]] | None:
        """The layout of a sheet's cells (``content``: the text of its ``sheetData``) and
        its numbers, when they are within the grammar; a layout seen before, or one read
        by the grammar and kept when small."""
        parts = None
        if any(content.startswith(layout.pieces[0]) for layout in self._known):
            parts = _NUMBER_VALUE.split(content)  # else a template not seen: no need
            pieces, numbers = parts[::2], parts[1::2]
            seen = next((layout for layout in self._known if layout.pieces == pieces), None)
            if seen is not None and _numbers(numbers):
                return seen, numbers
        if _ROWS.fullmatch(content) is None or _given_twice(content):
            return None
        found = _VALUED.findall(content)
        parts = _NUMBER_VALUE.split(content) if parts is None else parts
        numbers = parts[1::2]
        if numbers != list(filter(None, map(_NUMBER_OF, found))):  # a shared string's is ""
            return None  # never, for a sheet within the grammar
        layout = SheetLayout(parts[::2], found)
        if len(content) <= _KEPT_LAYOUT_CHARS:
            layout.kept = True
            self._known = [layout, *self._known[: self._size - 1]]
        return layout, numbers


_REFERENCE: Final = re.compile(r'<c r="([^"]++)"')


def _given_twice(content: str) -> bool:
    """Whether a cell is written twice (the reference reader refuses the workbook: its
    `_ooxml.cell_given_twice`). A layout seen before was checked when first read: its
    references are in its pieces."""
    references = _REFERENCE.findall(content)
    return len(set(references)) != len(references)


def _numbers(numbers: list[str]) -> bool:
    """Whether every one is a number the grammar takes."""
    return not numbers or _NUMBERS.fullmatch("\n".join(numbers)) is not None


_LAYOUTS: Final = _Layouts(8)
_KEPT_LAYOUT_CHARS: Final = 256 * 1024
"""A report's cells are some 40 KB of text (200 elements); a larger sheet's layout is
never kept: the cache holds at most 8 × 256 KB of text and the cells it describes."""


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
        if len(head) + len(tail) <= _KEPT_SKELETON_BYTES:
            self._known = [(head, tail, prefixed, merged), *self._known[: self._size - 1]]
        return merged


_SKELETONS: Final = _Skeletons(16)
_KEPT_SKELETON_BYTES: Final = 1024 * 1024
"""A template's skeleton is some 80 KB; a larger one is parsed each time, never kept."""


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
