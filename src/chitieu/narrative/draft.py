"""A report draft as checkable text: paragraphs (and table cells) with where each is.

A ``.txt`` or ``.md`` draft is read as UTF-8; a ``.docx`` through python-docx (imported
only then): its body paragraphs and every table cell, in document order. A Word file with
tracked changes is refused, since which text counts (inserted or deleted) is the
author's decision, not ours; so is a draft longer than any report (`MAX_PARAGRAPHS`; a
Word file's counted before it is parsed, with its XML elements). Nothing here writes
anything.
"""

from __future__ import annotations

import functools
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from chitieu.errors import DraftError
from chitieu.numbers import whole_number
from chitieu.office import EXCEL, parts_kind
from chitieu.shown import count_en, count_vi

if TYPE_CHECKING:
    from docx.document import Document

TEXT_SUFFIXES: Final = (".txt", ".md", ".markdown")
WORD_SUFFIX: Final = ".docx"
MAX_BYTES: Final = 20_000_000
"""A report draft is a few hundred kilobytes; anything far larger is not one."""

_BLOCK_LINES: Final = 200
"""A paragraph of text longer than this is read in parts (a file without blank lines)."""
MAX_UNPACKED: Final = 200_000_000
"""A Word file whose parts unpack to more than this is refused (a zip bomb, not a draft)."""
MAX_PARAGRAPHS: Final = 200_000
"""A draft with more paragraphs than this is refused: a text's blocks of lines as they
are read, a Word file's paragraphs before it is parsed. The example's six-month Word
report has 676 (26,683 XML elements), the national one chitieu writes (63 provinces'
annexes of 40 indicators) an estimated 25,000, a few hundred pages of dense tables typed
in Word perhaps 60,000."""
MAX_ELEMENTS: Final = 2_000_000
"""Nor is one whose XML holds more elements than this (paragraphs, runs, cells, their
properties...), which parsing holds in memory at 100 to 300 bytes each: chitieu's
reports have about 10 a paragraph, a draft typed in Word 20 to 40."""
_SCAN: Final = 1 << 20
"""The XML is counted a megabyte at a time, never held whole."""
_PARAGRAPH_TAG: Final = re.compile(rb"<(?:[^\s<>/:!?=\"']+:)?p[\s/>]")
"""A paragraph's start tag, whatever the prefix of its namespace (``<w:p>``, ``<x:p/>``)."""
_STREAM: Final = re.compile(r"(?:file )?'?<_io\.BytesIO object at 0x[0-9a-fA-F]+>'?")
"""How python-docx names the bytes it was given, in its errors: ``file '<_io.BytesIO
object at 0x7f…>'``."""
_TRACKED: Final = ".//w:ins | .//w:del | .//w:moveFrom | .//w:moveTo"
_BLOCK_START: Final = re.compile(r"\s*(?:#{1,6}\s|[-*+]\s|\d+[.)]\s|\|)")
HEADING: Final = re.compile(r"\s{0,3}(#{1,6})\s+")
"""A Markdown heading's opening marks (``## ``): a line of its own."""
_FENCE: Final = re.compile(r"\s{0,3}(```|~~~)")
_WORD_HEADING: Final = re.compile(r"(?i)heading\s*([1-9])|(title)")


@dataclass(frozen=True)
class Where:
    """Where a piece of text sits, as an officer finds it again."""

    line: int | None = None
    paragraph: int | None = None
    table: int | None = None
    row: int | None = None
    column: int | None = None

    def describe(self, text: str = "", offset: int = 0) -> str:
        if self.line is not None:
            line = self.line + text.count("\n", 0, offset)
            return f"dòng / line {line}"
        if self.table is not None:
            return f"bảng / table {self.table}, hàng / row {self.row}, cột / column {self.column}"
        return f"đoạn / paragraph {self.paragraph}"

    def number(self, text: str = "", offset: int = 0) -> int | None:
        """The line (text drafts) or the paragraph (Word), for JSON."""
        if self.line is not None:
            return self.line + text.count("\n", 0, offset)
        return self.paragraph


@dataclass(frozen=True)
class Segment:
    """A paragraph, or a table cell's paragraph: the unit in which figures are found.

    ``anchor`` is the paragraph's position in `word_paragraphs` (Word drafts; -1 else),
    which is how an annotated copy finds it again."""

    text: str
    where: Where
    anchor: int = -1
    heading: int | None = None
    """Its level when it is a heading: a Markdown ``#`` line (1–6), a Word paragraph in a
    heading style or with an outline level (1–9)."""


@dataclass(frozen=True)
class DraftTable:
    """A table's rows of cells (each cell's text with its first paragraph's anchor)."""

    number: int
    rows: tuple[tuple[Segment, ...], ...]


@dataclass(frozen=True)
class Draft:
    name: str
    kind: str
    """``docx``, ``txt`` or ``md``."""
    content: bytes
    segments: tuple[Segment, ...]
    """Prose: every paragraph outside tables (but a Word ``<w:p/>``, which holds nothing)
    and every cell paragraph, in order."""
    tables: tuple[DraftTable, ...] = field(default=())


def read_draft(path: Path) -> Draft:
    """Read a draft, or raise `DraftError` saying what is wrong with it."""
    suffix = path.suffix.lower()
    if suffix not in (*TEXT_SUFFIXES, WORD_SUFFIX):
        hint_vi, hint_en = (
            ("lưu lại dạng .docx", "save it as .docx")
            if suffix in (".doc", ".docm", ".odt", ".rtf", ".pdf")
            else ("dùng tệp .docx, .txt hoặc .md", "use .docx, .txt or .md")
        )
        raise DraftError(
            f"{path.name}: không phải bản thảo văn bản hoặc Word "
            f"({suffix or 'không có phần mở rộng'}): {hint_vi} / not a text or Word draft "
            f"({suffix or 'no extension'}): {hint_en}"
        )
    if not path.is_file():
        raise DraftError(f"{path}: không có tệp này / no such file")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise DraftError(
            f"{path.name}: tệp quá lớn cho một bản thảo ({count_vi(size)} byte; tối đa "
            f"{count_vi(MAX_BYTES)}) / too large for a report draft "
            f"({count_en(size)} bytes; at most {count_en(MAX_BYTES)})"
        )
    content = path.read_bytes()
    if suffix == WORD_SUFFIX:
        return read_word(path.name, content)
    kind = "md" if suffix in (".md", ".markdown") else "txt"
    return read_text(path.name, content, kind)


def read_text(name: str, content: bytes, kind: str = "txt") -> Draft:
    """Paragraphs of a UTF-8 text: blocks of lines, a heading, list item or table line
    starting a block of its own; Markdown pipe tables also read as tables."""
    if b"\0" in content:
        raise DraftError(
            f"{name}: không phải tệp văn bản (có dữ liệu nhị phân) / not a text file "
            "(it holds binary data)"
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise DraftError(
            f"{name}, dòng / line {line}: không phải UTF-8 / not UTF-8: lưu lại với mã "
            "UTF-8 / save it again as UTF-8"
        ) from None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    segments: list[Segment] = []
    for segment in _text_blocks(lines):
        if len(segments) == MAX_PARAGRAPHS:
            raise _too_long(name)
        segments.append(segment)
    return Draft(name, kind, content, tuple(segments), tuple(_pipe_tables(segments)))


def _text_blocks(lines: list[str]) -> Iterator[Segment]:
    block: list[str] = []
    first, level, fenced = 0, None, False
    for number, line in enumerate(lines, start=1):
        if not line.strip():  # a blank line ends a block and is nothing else
            if block:
                yield Segment("\n".join(block), Where(line=first), heading=level)
                block, level = [], None
            continue
        starts_block = bool(_BLOCK_START.match(line))
        full = len(block) >= _BLOCK_LINES or (block and block[0].lstrip().startswith("|"))
        if block and (starts_block or full or level is not None):
            yield Segment("\n".join(block), Where(line=first), heading=level)
            block, level = [], None
        if _FENCE.match(line):
            fenced = not fenced  # a `#` line of a code block is no heading
        if not block:
            first = number
            heading = None if fenced else HEADING.match(line)
            level = None if heading is None else len(heading[1])
        block.append(line)
    if block:
        yield Segment("\n".join(block), Where(line=first), heading=level)


def _pipe_tables(segments: list[Segment]) -> Iterator[DraftTable]:
    """Runs of ``| a | b |`` lines; the ``|---|`` separator line is dropped."""
    rows: list[tuple[Segment, ...]] = []
    number = 0
    for segment in [*segments, Segment("", Where(line=-1))]:
        text = segment.text.strip()
        if text.startswith("|") and segment.where.line != -1:
            if not re.fullmatch(r"\|[\s:|-]*", text):
                cells = text.strip("|").split("|")
                rows.append(tuple(Segment(c.strip(), segment.where) for c in cells))
            continue
        if rows:
            number += 1
            yield DraftTable(number, tuple(rows))
            rows = []


def read_word(name: str, content: bytes) -> Draft:
    """A ``.docx``: every paragraph of the body and of its tables' cells, in order."""
    document = open_word(name, content)
    paragraphs = word_paragraphs(document)
    tracked = document.element.body.xpath(_TRACKED)
    if tracked:
        raise DraftError(
            f"{name}, {_first_tracked(tracked[0], paragraphs)}: bản thảo còn {len(tracked)} "
            "thay đổi được theo dõi (Track Changes): chấp nhận hoặc từ chối chúng rồi lưu "
            f"lại / the draft has {len(tracked)} tracked changes: accept or reject them in "
            "Word and save it, so that the text checked is the text that will be read"
        )
    levels = _outline_levels(document)
    segments = tuple(
        Segment(
            paragraph_text(p),
            where,
            i,
            None if where.table is not None else _heading_level(p, levels),  # the body's
        )
        for i, (where, p) in enumerate(paragraphs)
    )
    return Draft(name, "docx", content, segments, tuple(_word_tables(segments)))


def _outline_levels(document: Document) -> dict[str, int]:
    """Each paragraph style's heading level: its outline level, its own or that of the
    style it is based on (Word's built-in headings carry one, whatever the language of
    their names and ids), else an id ``Heading1``–``Heading9`` or ``Title``."""
    from docx.oxml.ns import qn

    styles = {
        style.get(qn("w:styleId")) or "": style
        for style in document.styles.element.xpath("./w:style[@w:type='paragraph']")
    }

    levels: dict[str, int | None] = {}
    for start in styles:  # each style's chain of bases walked once, whatever its length
        chain: list[str] = []
        current: str | None = start
        found: int | None = None
        while current is not None and current not in levels:
            if current not in styles or current in chain:  # no such style, or a loop
                break
            chain.append(current)
            found, current = _style_level(styles[current], current)
        if current is not None and current in levels:
            found = levels[current]
        levels.update((style_id, found) for style_id in chain)
    return {style_id: n for style_id, n in levels.items() if n is not None}


def _style_level(style: Any, style_id: str) -> tuple[int | None, str | None]:
    """A style's own heading level, or the id of the style it is based on to ask next."""
    outline = _outline(style)
    if outline is not None:
        return outline or None, None
    named = _WORD_HEADING.fullmatch(style_id)
    if named:
        return (int(named[1]) if named[1] else 1), None
    based = style.xpath("./w:basedOn/@w:val")
    return None, (based[0] if based else None)


def _heading_level(paragraph: Any, levels: dict[str, int]) -> int | None:
    """A paragraph's heading level (its own outline level, else its style's), or None."""
    markup = _markup()
    if paragraph.find(markup.p_pr) is None:  # no outline level, no style
        return None
    outline = _outline(paragraph)
    if outline is not None:
        return outline or None
    style = markup.style(paragraph)
    return levels.get(style[0]) if style else None


def _outline(element: Any) -> int | None:
    """The heading level a style's or paragraph's own outline level gives (1–9; 0 for
    Word's level 9, body text), or None where it sets none."""
    outline = _markup().outline(element)
    level = whole_number(outline[0], least=0) if outline else None
    if level is None:  # none, or no number ("abc", "²", 5,000 digits)
        return None
    return level + 1 if level < 9 else 0


def open_word(name: str, content: bytes) -> Document:
    import docx

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            unpacked = sum(info.file_size for info in package.infolist())
            if unpacked > MAX_UNPACKED:
                raise DraftError(
                    f"{name}: tệp Word giải nén ra {count_vi(unpacked)} byte (tối đa "
                    f"{count_vi(MAX_UNPACKED)}): không phải bản thảo báo cáo / the Word file "
                    f"unpacks to {count_en(unpacked)} bytes (at most {count_en(MAX_UNPACKED)}): "
                    "not a report draft"
                )
            if parts_kind(set(package.namelist())) == EXCEL:
                raise DraftError(
                    f"{name}: không phải văn bản Word (.docx): có vẻ là một bảng tính Excel (tệp "
                    "nén chứa xl/workbook.xml) / not a Word document (.docx): it looks like an "
                    "Excel workbook (the zip holds xl/workbook.xml)"
                )
            _check_length(name, package)
        return docx.Document(io.BytesIO(content))
    except DraftError:
        raise
    except Exception as exc:  # not a zip, not a Word package, a damaged part...
        reason = _STREAM.sub("the file", str(exc))  # python-docx names the stream it read
        raise DraftError(
            f"{name}: không đọc được tệp Word / cannot read it as a Word document (.docx): {reason}"
        ) from None


def _check_length(name: str, package: zipfile.ZipFile) -> None:
    """Refuse a package whose XML holds more than `MAX_PARAGRAPHS` paragraphs or
    `MAX_ELEMENTS` elements, counted in its bytes before anything is parsed (python-docx
    parses every XML part whole). Every part is counted, whatever its name says."""
    from chitieu.shown import count_en, count_vi

    paragraphs = elements = 0
    for info in package.infolist():
        with package.open(info) as part:
            rest = b""
            while True:
                chunk = part.read(_SCAN)
                scanned, rest = _tag_boundary(rest + chunk) if chunk else (rest, b"")
                paragraphs += len(_PARAGRAPH_TAG.findall(scanned))
                elements += _start_tags(scanned)
                if paragraphs > MAX_PARAGRAPHS:
                    raise _too_long(name)
                if elements > MAX_ELEMENTS:
                    raise DraftError(
                        f"{name}: tệp Word có hơn {count_vi(MAX_ELEMENTS)} phần tử XML (đoạn "
                        f"văn, đoạn chữ, ô bảng...) / the Word file holds more than "
                        f"{count_en(MAX_ELEMENTS)} XML elements (paragraphs, runs, cells...): "
                        "not a report draft"
                    )
                if not chunk:
                    break


def _too_long(name: str) -> DraftError:
    from chitieu.shown import count_en, count_vi

    return DraftError(
        f"{name}: bản thảo dài hơn mọi báo cáo (hơn {count_vi(MAX_PARAGRAPHS)} đoạn văn) / "
        f"longer than any report draft (more than {count_en(MAX_PARAGRAPHS)} paragraphs)"
    )


def _tag_boundary(data: bytes) -> tuple[bytes, bytes]:
    """``data`` cut before a tag it may end inside of, which the next chunk completes."""
    cut = data.rfind(b"<", max(0, len(data) - 256))
    return (data[:cut], data[cut:]) if cut >= 0 else (data, b"")


def _start_tags(data: bytes) -> int:
    """Elements begun in ``data``: its ``<`` less end tags, declarations and comments."""
    return data.count(b"<") - data.count(b"</") - data.count(b"<?") - data.count(b"<!")


@dataclass(frozen=True)
class _Markup:
    """The tags and compiled XPath expressions a Word draft is read with, made once: an
    element's own ``xpath()`` compiles its expression at every call (40 µs), which a
    draft of many paragraphs paid several times for each."""

    p: str
    p_pr: str
    tbl: str
    tr: str
    tc: str
    tc_pr: str
    sdt: str
    sdt_content: str
    runs: Any
    text: Any
    style: Any
    outline: Any
    grid_span: Any


_RUNS: Final = ".//w:r[not(ancestor::w:txbxContent)]"
_RUN_TEXT: Final = "w:t | w:tab | w:br | w:cr | w:noBreakHyphen | w:ptab"
"""What python-docx's ``Run.text`` reads of a run, each element as its ``str()``."""


@functools.cache
def _markup() -> _Markup:
    from docx.oxml.ns import nsmap, qn
    from lxml import etree

    def xpath(expression: str) -> Any:
        return etree.XPath(expression, namespaces=nsmap)

    parts = " or ".join(f"self::{tag.strip()}" for tag in _RUN_TEXT.split("|"))
    return _Markup(
        p=qn("w:p"),
        p_pr=qn("w:pPr"),
        tbl=qn("w:tbl"),
        tr=qn("w:tr"),
        tc=qn("w:tc"),
        tc_pr=qn("w:tcPr"),
        sdt=qn("w:sdt"),
        sdt_content=qn("w:sdtContent"),
        runs=xpath(_RUNS),
        text=xpath(f"{_RUNS}/*[{parts}]"),
        style=xpath("./w:pPr/w:pStyle/@w:val"),
        outline=xpath("./w:pPr/w:outlineLvl/@w:val"),
        grid_span=xpath("./w:tcPr/w:gridSpan/@w:val"),
    )


def word_paragraphs(document: Document) -> list[tuple[Where, Any]]:
    """(where, ``w:p`` element) for each paragraph of the body and its tables' cells,
    in document order; the same order every time the same file is opened. A body
    paragraph with nothing in it (``<w:p/>``: no text, no style) is counted, not listed."""
    found: list[tuple[Where, Any]] = []
    counters = {"paragraph": 0, "table": 0}
    _walk(document.element.body, found, counters, None, _markup())
    return found


def _walk(
    container: Any,
    found: list[tuple[Where, Any]],
    counters: dict[str, int],
    cell: Where | None,
    markup: _Markup,
) -> None:
    for child in container.iterchildren():
        tag = child.tag
        if tag == markup.p:
            if cell is None:
                counters["paragraph"] += 1
                if len(child):
                    found.append((Where(paragraph=counters["paragraph"]), child))
            else:
                found.append((cell, child))
        elif tag == markup.tbl:
            counters["table"] += 1
            table = counters["table"]
            for row_number, row in enumerate(child.iterchildren(markup.tr), start=1):
                column = 1
                for tc in row.iterchildren(markup.tc):
                    if len(tc):
                        where = Where(table=table, row=row_number, column=column)
                        _walk(tc, found, counters, where, markup)
                    column += _grid_span(tc, markup)
        elif tag == markup.sdt:
            for content in child.iterchildren(markup.sdt_content):
                _walk(content, found, counters, cell, markup)


def _grid_span(tc: Any, markup: _Markup) -> int:
    """The columns a cell spans: its ``w:gridSpan``, or 1 where that is not a whole
    number of at least 1 (``abc``, ``-5``: Word would not open the file, a script can
    write it), rather than a crash or a column counted backwards."""
    if tc.find(markup.tc_pr) is None:
        return 1
    spans = markup.grid_span(tc)
    span = whole_number(spans[0].strip(), least=1) if spans else None
    return 1 if span is None else span


def paragraph_runs(paragraph: Any) -> list[Any]:
    """The ``w:r`` elements whose text the paragraph shows (hyperlinks and content
    controls included, text boxes left out), in order."""
    return list(_markup().runs(paragraph))


def paragraph_text(paragraph: Any) -> str:
    """The text of `paragraph_runs`, as python-docx reads each run (a tab, a line
    break...), found with one expression for the whole paragraph."""
    if not len(paragraph):
        return ""
    return "".join(str(element) for element in _markup().text(paragraph))


def _first_tracked(element: Any, paragraphs: list[tuple[Where, Any]]) -> str:
    """Where the first tracked change is: its paragraph (or the body)."""
    owners = {id(element), *(id(a) for a in element.iterancestors())}
    for where, p in paragraphs:
        if id(p) in owners:
            return where.describe()
    return "thân văn bản / body"


def _word_tables(segments: tuple[Segment, ...]) -> Iterator[DraftTable]:
    """Cells (their paragraphs joined) row by row, for each table."""
    tables: dict[int, dict[int, dict[int, Segment]]] = {}
    for segment in segments:
        w = segment.where
        if w.table is None or w.row is None or w.column is None:
            continue
        cells = tables.setdefault(w.table, {}).setdefault(w.row, {})
        if w.column in cells:
            before = cells[w.column]
            cells[w.column] = Segment(f"{before.text}\n{segment.text}", w, before.anchor)
        else:
            cells[w.column] = segment
    for number, rows in sorted(tables.items()):
        yield DraftTable(
            number,
            tuple(tuple(cells[c] for c in sorted(cells)) for _, cells in sorted(rows.items())),
        )
