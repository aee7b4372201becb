"""The plain-workbook fast path (`chitieu.sources._plain_xlsx`) against the reference reader.

Whenever the fast path accepts a workbook, its `FileRead` must be the reference reader's,
bit for bit (rows, problems, cell problems, locations, value texts); otherwise it
declines and ``read_xlsx`` gives the reference's answer. Checked on every workbook
fixture, on workbooks written here by xlsxwriter (``chitieu template``) and openpyxl, on
each case the fast path must decline or must read alike (XML edits of a plain
workbook), on damaged copies, and on a sample of the generated national month when it
is there (``benchmarks/data``, which ``python -m benchmarks.generate`` writes).
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chitieu.config import Config, load_config
from chitieu.excel.template import elements_of, template_workbook
from chitieu.periods import Period
from chitieu.sources import FileRead, ReceivedFile, _unreadable
from chitieu.sources._ooxml import PackageError, shared_strings
from chitieu.sources._plain_parts import (
    _LAYOUTS,
    plain_shared_strings,
    plain_sheet,
    plain_strings,
)
from chitieu.sources._plain_xlsx import _Strings, read_plain
from chitieu.sources.xlsx_files import read_reference, read_xlsx

ROOT = Path(__file__).parents[1]
FIXTURES = sorted(p for p in (ROOT / "tests" / "data").rglob("*") if p.suffix in (".xlsx", ".xls"))
NATIONAL = ROOT / "benchmarks" / "data" / "1" / "inbox" / "xlsx"
NATIONAL_SAMPLE = 200
SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(ROOT / "examples" / "giong_trom_2024" / "config")


def _same(fast: FileRead, reference: FileRead) -> None:
    assert fast.rows.schema == reference.rows.schema
    assert fast.rows.equals(reference.rows)
    for name in ("source_name", "format", "problems", "field_cells", "field_columns"):
        assert getattr(fast, name) == getattr(reference, name), name
    assert fast.cell_problems == reference.cell_problems


def accepted(content: bytes, name: str = "r.xlsx") -> bool:
    """Whether the fast path reads the workbook; if it does, as the reference does."""
    received = ReceivedFile.from_bytes(name, content)
    reference = _as_submission(read_reference, received)
    _same(_as_submission(read_xlsx, received), reference)
    fast = read_plain(received)
    if fast is None:
        return False
    _same(fast, reference)
    return True


def _as_submission(reader: Callable[[ReceivedFile], FileRead], received: ReceivedFile) -> FileRead:
    """``reader`` under `read_submission`'s rule: whatever it raises becomes a problem."""
    try:
        return reader(received)
    except Exception as exc:
        return _unreadable(received, "xlsx", exc)


# ---- workbooks as they come -------------------------------------------------------
# checked-in fixtures the fast path reads (the others are written by openpyxl, with
# inline strings, or hold what the reference reader reports)
PLAIN_FIXTURES = {"libreoffice_saved.xlsx", "google_sheets_export.xlsx", "xlsxwriter_filled.xlsx"}


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_a_fixture_reads_as_the_reference_reads_it(path: Path) -> None:
    assert accepted(path.read_bytes(), path.name) == (path.name in PLAIN_FIXTURES)


_INLINE = re.compile(
    rb'(<c r="[A-Z]+[0-9]+"(?: s="[0-9]+")?) t="inlineStr"><is><t(?: xml:space="preserve")?>'
    rb"([^<]*)</t></is></c>"
)
_SST_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def with_shared_strings(content: bytes) -> bytes:
    """An openpyxl workbook as Excel saves it: its inline strings made shared strings."""
    texts: list[bytes] = []

    def shared(match: re.Match[bytes]) -> bytes:
        texts.append(match.group(2))
        return match.group(1) + b' t="s"><v>%d</v></c>' % (len(texts) - 1)

    def edit(parts: Parts) -> None:
        for name in parts:
            if name.startswith("xl/worksheets/"):
                parts[name] = _INLINE.sub(shared, parts[name])
        items = b"".join(b'<si><t xml:space="preserve">%s</t></si>' % text for text in texts)
        parts[STRINGS] = (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://'
            b'schemas.openxmlformats.org/spreadsheetml/2006/main">%s</sst>' % items
        )
        sub(
            "xl/_rels/workbook.xml.rels",
            "</Relationships>",
            f'<Relationship Id="rIdS" Type="{_SST_TYPE}" Target="sharedStrings.xml"/>'
            "</Relationships>",
        )(parts)

    return edited(content, edit)


def _inline(path: Path) -> bool:
    if not zipfile.is_zipfile(path):
        return False
    book = zipfile.ZipFile(path)
    return STRINGS not in book.namelist() and any(
        b'"inlineStr"' in book.read(name) for name in book.namelist() if "worksheets/" in name
    )


INLINE_FIXTURES = [path for path in FIXTURES if _inline(path)]
# what the fast path declines even with shared strings: a formula, a boolean, or what the
# reference reports (a merge over the report, "1.752" as text, no table, two, no labels,
# a cell written twice)
DECLINED_WITH_SHARED_STRINGS = {
    "cell_written_twice.xlsx",
    "true_in_boolean_cell.xlsx",
    "formula_without_value.xlsx",
    "header_labels_deleted.xlsx",
    "merged_over_kept_value.xlsx",
    "merged_value_cells.xlsx",
    "not_a_template.xlsx",
    "thousands_dot_as_text.xlsx",
    "two_report_sheets.xlsx",
}


def _values(config: Config) -> dict[str, float | int | str]:
    figures: dict[str, float | int | str] = {}
    for i, element in enumerate(elements_of(config, "commune")):
        figures[element.code] = {"number": i + 0.25, "boolean": i % 2, "percent": 84.3}.get(
            element.value_type, i * 1001
        )
    return figures


@pytest.fixture(scope="module")
def plain(config: Config) -> bytes:
    """``chitieu template`` filled in (xlsxwriter): the national month's kind of file."""
    return template_workbook(config, "28987", Period.parse("2024M05"), _values(config))


@pytest.mark.parametrize("path", INLINE_FIXTURES, ids=lambda p: p.name)
def test_a_fixture_saved_with_shared_strings_reads_as_the_reference_reads_it(path: Path) -> None:
    """The openpyxl fixtures (inline strings) carry most of the reader's hard cases: saved
    as Excel saves them, each is read fast, or declined, as the reference reads it."""
    original, shared = path.read_bytes(), with_shared_strings(path.read_bytes())
    reference = _as_submission(read_reference, ReceivedFile.from_bytes(path.name, original))
    _same(_as_submission(read_reference, ReceivedFile.from_bytes(path.name, shared)), reference)
    assert accepted(shared, path.name) == (path.name not in DECLINED_WITH_SHARED_STRINGS)


def test_the_template_filled_in_is_read_fast(plain: bytes) -> None:
    assert accepted(plain)


def test_a_workbook_filled_by_openpyxl_is_left_to_the_reference(
    config: Config, plain: bytes
) -> None:
    book = openpyxl.load_workbook(io.BytesIO(plain))
    book.active["D13"] = 7
    out = io.BytesIO()
    book.save(out)
    assert not accepted(out.getvalue())  # inline strings


def test_a_generated_month_is_read_fast(tmp_path: Path) -> None:
    """Workbooks as the benchmark's generator fills them in (its tiny scale, a district's
    month, made here; and a sample of the national month when `make bench` made one)."""
    from benchmarks.generate import generate

    tiny = generate("tiny", ["xlsx"], out=tmp_path, warehouse=False).inbox("xlsx")
    paths = sorted(tiny.rglob("*.xlsx"))
    assert len(paths) > 10
    if NATIONAL.exists():
        national = sorted(NATIONAL.rglob("*.xlsx"))
        paths += random.Random(2024).sample(national, min(NATIONAL_SAMPLE, len(national)))
    assert all(accepted(path.read_bytes(), path.name) for path in paths)


# ---- what the fast path must decline, or read alike -------------------------------
Parts = dict[str, bytes]


def edited(content: bytes, edit: Callable[[Parts], None]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    parts = {name: source.read(name) for name in source.namelist()}
    edit(parts)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return out.getvalue()


def sub(part: str, pattern: str, replacement: str, count: int = 1) -> Callable[[Parts], None]:
    def edit(parts: Parts) -> None:
        text = parts[part].decode()
        changed, n = re.subn(pattern, replacement, text, count=count)
        assert n, pattern
        parts[part] = changed.encode()

    return edit


def merged(ref: str) -> Callable[[Parts], None]:
    """An edit that merges the cells ``ref`` of the report's sheet."""
    return sub(SHEET, "</mergeCells>", f'<mergeCell ref="{ref}"/></mergeCells>')


def add_string(text: str) -> Callable[[Parts], int]:
    """Appends a shared string; returns its index."""

    def edit(parts: Parts) -> int:
        xml = parts[STRINGS].decode()
        index = xml.count("<si>")
        parts[STRINGS] = xml.replace("</sst>", f"<si><t>{text}</t></si></sst>").encode()
        return index

    return edit


def text_in(cell: str, text: str) -> Callable[[Parts], None]:
    """``cell`` holds ``text`` (escaped XML) as a shared string."""

    def edit(parts: Parts) -> None:
        index = add_string(text)(parts)
        sub(SHEET, rf'<c r="{cell}"( s="\d+")?(?: t="\w+")?(?:/>|>.*?</c>)', "", 1)(parts)
        sub(SHEET, rf'(<row r="{cell[1:]}"[^>]*>)', rf'\1<c r="{cell}" t="s"><v>{index}</v></c>')(
            parts
        )

    return edit


def both(*edits: Callable[[Parts], None]) -> Callable[[Parts], None]:
    def edit(parts: Parts) -> None:
        for one in edits:
            one(parts)

    return edit


CASES: dict[str, tuple[Callable[[Parts], None], bool]] = {
    # edit, whether the fast path reads the result
    "value typed as text": (text_in("D13", "n/a"), True),
    "decimal comma as text": (text_in("D13", "84,3"), True),
    "thousands as text": (text_in("D13", "1.752"), False),
    "a note": (text_in("E14", "số ước tính &amp; chưa đủ &lt;5&gt;"), True),
    "a note of spaces": (text_in("E14", "   "), True),
    "a value of spaces": (text_in("D14", " \t "), True),
    "a code with spaces around": (text_in("A15", "  HTX_MOI "), True),
    "a label in NFD": (sub(STRINGS, "<t>Giá trị</t>", "<t>Gia\u0301 tri\u0323</t>"), True),
    "a preserved string": (
        sub(STRINGS, "<si><t>Ghi chú</t>", '<si><t xml:space="preserve"> Ghi chú </t>'),
        True,
    ),
    "a character reference": (sub(STRINGS, "<t>Ghi chú</t>", "<t>Ghi ch&#250;</t>"), False),
    "a rich string": (sub(STRINGS, "<si><t>Ghi chú</t>", "<si><r><t>Ghi chú</t></r>"), False),
    "a formula": (sub(SHEET, r'(<c r="D14"[^>]*>)<v>', r"\1<f>3+4</f><v>"), False),
    "a formula without value": (
        sub(SHEET, r'(<c r="D14"[^>]*>)<v>[^<]*</v>', r"\1<f>3+4</f>"),
        False,
    ),
    "an error": (sub(SHEET, r'<c r="D14"( s="\d+")?>', r'<c r="D14"\1 t="e">'), False),
    "a boolean": (sub(SHEET, r'<c r="D14"( s="\d+")?>', r'<c r="D14"\1 t="b">'), False),
    "an inline string": (
        sub(
            SHEET,
            r'<c r="D14"( s="\d+")?><v>[^<]*</v>',
            r'<c r="D14"\1 t="inlineStr"><is><t>5</t></is>',
        ),
        False,
    ),
    "a merge over values": (
        merged("D13:D14"),
        False,
    ),
    "a merge over notes": (
        merged("E13:E20"),
        False,
    ),
    "a merge over names": (
        merged("B13:C14"),
        True,
    ),
    "a merge over the unit code": (
        merged("A4:B4"),
        False,
    ),
    "a cell written twice": (
        sub(SHEET, r'(<c r="D13"[^>]*><v>[^<]*</v></c>)', r'\1<c r="D13"><v>9</v></c>'),
        False,  # the reference reader refuses the workbook, naming the cell
    ),
    "an empty cell written twice": (
        sub(SHEET, r'(<c r="D13"[^>]*><v>[^<]*</v></c>)', r'\1<c r="D13" s="1"/>'),
        False,
    ),
    "a missing shared string": (sub(SHEET, r'(<c r="B13"[^>]*t="s"><v>)\d+', r"\g<1>99999"), False),
    "a cell without reference": (sub(SHEET, r'<c r="D13"', "<c"), False),
    "a prefixed row attribute": (
        both(
            sub(SHEET, "<worksheet ", '<worksheet xmlns:x14ac="urn:x14ac" '),
            sub(SHEET, r'(<row r="\d+"[^>]*)>', r'\1 x14ac:dyDescent="0.25">', count=0),
        ),
        True,
    ),
    "an unbound prefix": (
        sub(SHEET, r'(<row r="\d+"[^>]*)>', r'\1 x14ac:dyDescent="0.25">'),
        False,
    ),
    "a comment": (sub(SHEET, "<sheetData>", "<!-- x --><sheetData>"), False),
    "sheetData in a comment": (
        sub(SHEET, "</sheetData>", "</sheetData><!-- <sheetData></sheetData> -->"),
        False,
    ),
    "a truncated tail": (lambda parts: parts.update({SHEET: parts[SHEET][:-40]}), False),
    "a row inserted above the table": (
        lambda parts: parts.update({SHEET: re.sub(rb'r="([A-Z]*)(\d+)"', _shifted, parts[SHEET])}),
        True,
    ),
    "labels missing": (sub(STRINGS, "<t>Kỳ báo cáo</t>", "<t>Kỳ</t>"), False),
    "no value column": (sub(STRINGS, "<t>Giá trị</t>", "<t>Số</t>"), False),
    # the sheet's cells as the template's, but for a number or a string: read by the
    # layout the template's workbook left (`_plain_parts._Layouts`)
    "another figure": (sub(SHEET, r'(<c r="D13" s="\d+"><v>)[^<]*', r"\g<1>-12.5E+3"), True),
    "a figure that is no number": (
        sub(SHEET, r'(<c r="D13" s="\d+"><v>)[^<]*', r"\g<1>12a"),
        False,
    ),
    "a figure of 41 digits": (
        sub(SHEET, r'(<c r="D13" s="\d+"><v>)[^<]*', r"\g<1>" + "7" * 41),
        False,
    ),
    "a figure with a space": (sub(SHEET, r'(<c r="D13" s="\d+"><v>)[^<]*', r"\g<1> 12"), False),
    "the unit code emptied": (sub(STRINGS, "<t>28987</t>", "<t>  </t>"), True),
    "a code emptied": (sub(STRINGS, "<t>CHI_BO_TSVM</t>", "<t> </t>"), True),
    "a value column title in NFD": (
        sub(STRINGS, "<t>Giá trị</t>", "<t>Gia\u0301 tri\u0323</t>"),
        True,
    ),
    "the last string gone": (sub(STRINGS, "<si><t>[^<]*</t></si></sst>", "</sst>"), False),
}


def _shifted(match: re.Match[bytes]) -> bytes:
    row = int(match.group(2))
    return b'r="%s%d"' % (match.group(1), row + 1 if row >= 3 else row)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_a_case_reads_as_the_reference_reads_it(case: str, plain: bytes) -> None:
    edit, fast = CASES[case]
    assert accepted(edited(plain, edit)) == fast


def test_an_extra_empty_sheet_is_read_fast(plain: bytes) -> None:
    book = _workbook_with_two_sheets(plain)
    assert accepted(book)


def _workbook_with_two_sheets(content: bytes) -> bytes:
    def edit(parts: Parts) -> None:
        parts["xl/worksheets/sheet2.xml"] = (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet '
            b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b"<sheetData/></worksheet>"
        )
        sub(
            "xl/workbook.xml", "</sheets>", '<sheet name="Nháp" sheetId="2" r:id="rId99"/></sheets>'
        )(parts)
        sub(
            "xl/_rels/workbook.xml.rels",
            "</Relationships>",
            '<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/worksheet" Target="worksheets/sheet2.xml"/></Relationships>',
        )(parts)

    return edited(content, edit)


def test_a_date_cell_reads_as_a_date(plain: bytes) -> None:
    """A value cell styled as a date (a built-in date format) reads as its ISO date."""

    def edit(parts: Parts) -> None:
        styles = parts["xl/styles.xml"].decode()
        count = int(re.search(r'<cellXfs count="(\d+)"', styles).group(1))  # type: ignore[union-attr]
        styles = re.sub(r'<cellXfs count="\d+">', f'<cellXfs count="{count + 1}">', styles)
        parts["xl/styles.xml"] = styles.replace(
            "</cellXfs>",
            '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>',
        ).encode()
        sub(SHEET, r'<c r="D13"( s="\d+")?><v>[^<]*</v>', f'<c r="D13" s="{count}"><v>45413</v>')(
            parts
        )

    content = edited(plain, edit)
    assert accepted(content)
    rows = read_plain(ReceivedFile.from_bytes("r.xlsx", content)).rows  # type: ignore[union-attr]
    assert "2024-05-01" in rows.get_column("value").to_list()


def restyled(plain: bytes, number_format: int) -> bytes:
    """The workbook with the value column's style (D13's) showing built-in number format
    ``number_format`` (14: a date, 10: ``0.00%``), nothing else changed."""
    style = re.search(rb'<c r="D13" s="(\d+)">', _part(plain, SHEET)).group(1)  # type: ignore[union-attr]

    def edit(parts: Parts) -> None:
        styles = parts["xl/styles.xml"].decode()
        xfs = styles.index("<cellXfs")
        xf = [m.start() for m in re.finditer("<xf ", styles[xfs:])][int(style)] + xfs
        changed = re.sub('numFmtId="0"', f'numFmtId="{number_format}"', styles[xf:], count=1)
        parts["xl/styles.xml"] = (styles[:xf] + changed).encode()

    return edited(plain, edit)


def test_the_value_column_styled_as_dates_reads_as_dates(plain: bytes) -> None:
    """Styles are no part of a sheet's layout: the template's cells, read by the layout
    already seen, are dates when their style shows a date."""
    assert accepted(plain)
    content = restyled(plain, 14)
    assert accepted(content)
    rows = read_plain(ReceivedFile.from_bytes("r.xlsx", content)).rows  # type: ignore[union-attr]
    assert "1902-09-27" in rows.get_column("value").to_list()  # 1001 days from 1900


def _part(content: bytes, name: str) -> bytes:
    return zipfile.ZipFile(io.BytesIO(content)).read(name)


# ---- percents: a number in a percent format reads as Excel shows it -----------------
PERCENT_CELL = "D22"  # RAC_THU_GOM, a percent element, in the template of 28987


def formatted(cell: str, stored: str, number_format: int | str) -> Callable[[Parts], None]:
    """``cell`` holds the number ``stored`` in a style of its own, whose number format is
    the built-in one of that id or a custom one of that code."""

    def edit(parts: Parts) -> None:
        styles = parts["xl/styles.xml"].decode()
        number_format_id = number_format
        if isinstance(number_format, str):
            number_format_id = 200
            code = number_format.replace("&", "&amp;").replace('"', "&quot;")
            custom = f'<numFmt numFmtId="200" formatCode="{code}"/>'
            if "</numFmts>" in styles:
                styles = styles.replace("</numFmts>", custom + "</numFmts>")
            else:
                styles = styles.replace("<fonts", f'<numFmts count="1">{custom}</numFmts><fonts', 1)
        count = int(re.search(r'<cellXfs count="(\d+)"', styles).group(1))  # type: ignore[union-attr]
        styles = re.sub(r'<cellXfs count="\d+">', f'<cellXfs count="{count + 1}">', styles)
        parts["xl/styles.xml"] = styles.replace(
            "</cellXfs>",
            f'<xf numFmtId="{number_format_id}" fontId="0" fillId="0" borderId="0" xfId="0" '
            'applyNumberFormat="1"/></cellXfs>',
        ).encode()
        sub(
            SHEET,
            rf'<c r="{cell}"( s="\d+")?><v>[^<]*</v>',
            f'<c r="{cell}" s="{count}"><v>{stored}</v>',
        )(parts)

    return edit


def text_formatted(cell: str, text: str, number_format: int | str) -> Callable[[Parts], None]:
    """``cell`` holds ``text`` (a shared string) in a style of its own (`formatted`)."""

    def edit(parts: Parts) -> None:
        formatted(cell, "0", number_format)(parts)
        index = add_string(text)(parts)
        sub(SHEET, rf'(<c r="{cell}" s="\d+")><v>0</v>', rf'\1 t="s"><v>{index}</v>')(parts)

    return edit


PERCENTS: dict[str, tuple[Callable[[Parts], None], str]] = {
    # edit, the text the value cell reads as
    "0.843 in 0.0%": (formatted(PERCENT_CELL, "0.843", "0.0%"), "84.3"),
    "0.843 as Excel stores it, in 0.0%": (
        formatted(PERCENT_CELL, "0.84299999999999997", "0.0%"),
        "84.3",
    ),
    "0.92 in 0% (built-in 9)": (formatted(PERCENT_CELL, "0.92", 9), "92"),
    "0.5 in 0.00% (built-in 10)": (formatted(PERCENT_CELL, "0.5", 10), "50"),
    "0.0765 in a percent format with colours": (
        formatted(PERCENT_CELL, "0.0765", "[Blue]0.00%;[Red]-0.00%"),
        "7.65",
    ),
    '84.3 in 0.0"%" (a quoted sign)': (formatted(PERCENT_CELL, "84.3", '0.0"%"'), "84.3"),
    "84.3 in 0.0\\% (an escaped sign)": (formatted(PERCENT_CELL, "84.3", "0.0\\%"), "84.3"),
    "the text 84.3 in 0.0%": (text_formatted(PERCENT_CELL, "84.3", "0.0%"), "84.3"),
    "the text 0.843 in 0%": (text_formatted(PERCENT_CELL, "0.843", 9), "0.843"),
}


def _cell_text(read: FileRead | None, location: str) -> tuple[str, str]:
    """The element code and the value read from the value cell at ``location``."""
    assert read is not None
    rows = read.rows.select("location", "element_code", "value").rows()
    return next((code, value) for at, code, value in rows if at == location)


@pytest.mark.parametrize("case", PERCENTS, ids=str)
def test_a_percent_reads_alike_as_excel_shows_it(case: str, plain: bytes) -> None:
    edit, text = PERCENTS[case]
    received = ReceivedFile.from_bytes("r.xlsx", edited(plain, edit))
    assert accepted(received.content)  # the fast path reads it, as the reference does
    where = f"BaoCao!{PERCENT_CELL}"
    assert _cell_text(read_plain(received), where) == ("RAC_THU_GOM", text)
    assert _cell_text(read_reference(received), where) == ("RAC_THU_GOM", text)


def test_the_value_column_styled_as_percents_reads_as_percents(plain: bytes) -> None:
    """The template's cells, read by the layout already seen, are percents when their
    style's number format shows one; and the template is read as before after them."""
    assert accepted(plain)
    content = restyled(plain, 10)
    seen = plain_sheet(_part(plain, SHEET))
    assert seen is not None
    assert plain_sheet(_part(content, SHEET)).layout is seen.layout  # type: ignore[union-attr]
    assert accepted(content)
    read = read_plain(ReceivedFile.from_bytes("r.xlsx", content))
    assert _cell_text(read, "BaoCao!D13") == ("CHI_BO_TSVM", "100100")  # 1001 shown as %
    again = read_plain(ReceivedFile.from_bytes("r.xlsx", plain))
    assert _cell_text(again, "BaoCao!D13") == ("CHI_BO_TSVM", "1001")


def test_a_sheet_filled_like_one_seen_is_read_by_its_layout(plain: bytes) -> None:
    first = plain_sheet(_part(plain, SHEET))
    other = sub(SHEET, r'(<c r="D13" s="\d+"><v>)[^<]*', r"\g<1>8.5")
    again = plain_sheet(_part(edited(plain, other), SHEET))
    assert first is not None
    assert again is not None
    assert again.layout is first.layout
    assert [n for n in again.numbers if n not in first.numbers] == ["8.5"]
    no_number = sub(SHEET, r'(<c r="D13" s="\d+"><v>)[^<]*', r"\g<1>8,5")
    assert plain_sheet(_part(edited(plain, no_number), SHEET)) is None


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(figure=st.text(alphabet="0123456789.-+eE ,x", max_size=45))
def test_any_figure_in_a_known_layout_is_declined_or_read_alike(figure: str, plain: bytes) -> None:
    """The template's cells with any text where a figure is: a number the grammar takes
    is read by the layout already seen, anything else is left to the reference."""
    assert accepted(plain)
    content = edited(plain, sub(SHEET, r'(<c r="D13" s="\d+"><v>)[^<]*', rf"\g<1>{figure}"))
    accepted(content)


def test_the_layouts_kept_are_few_and_small(plain: bytes) -> None:
    """At most 8 layouts, each of a sheet whose cells are at most 256 KB of text."""
    for row in range(20):
        shifted = sub(SHEET, '<c r="E12"', f'<c r="E{row + 300}"')
        assert plain_sheet(_part(edited(plain, shifted), SHEET)) is not None
    assert len(_LAYOUTS._known) == 8
    cells = "".join(f'<c r="A{r}"><v>{r}</v></c>' for r in range(400, 12_000))
    large = sub(SHEET, "</sheetData>", f'<row r="400">{cells}</row></sheetData>')
    sheet = plain_sheet(_part(edited(plain, large), SHEET))
    assert sheet is not None
    assert not sheet.layout.kept
    assert all(layout is not sheet.layout for layout in _LAYOUTS._known)


# ---- damaged copies ---------------------------------------------------------------
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    part=st.sampled_from([SHEET, STRINGS, "xl/workbook.xml", "xl/styles.xml", "_rels/.rels"]),
    at=st.floats(0, 1),
    junk=st.binary(min_size=1, max_size=8)
    | st.sampled_from(
        [b"<", b'"', b"&", b"&#1;", b"]]>", b"\r", b"\x01", b"\xef\xbf\xbe", b'r="A0"', b"<v>"]
    ),
)
def test_a_damaged_workbook_is_declined_or_read_alike(
    part: str, at: float, junk: bytes, plain: bytes
) -> None:
    def edit(parts: Parts) -> None:
        data = parts[part]
        cut = int(len(data) * at)
        parts[part] = data[:cut] + junk + data[cut:]

    accepted(edited(plain, edit))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    at=st.floats(0, 1),
    action=st.sampled_from(["flip", "cut", "insert"]),
    junk=st.binary(min_size=1, max_size=4),
)
def test_a_damaged_archive_is_declined_or_read_alike(
    at: float, action: str, junk: bytes, plain: bytes
) -> None:
    """Bytes of the zip archive itself changed: its directory, headers or compressed data."""
    cut = int(len(plain) * at)
    if action == "flip":
        damaged = plain[:cut] + bytes(b ^ 0x5A for b in junk) + plain[cut + len(junk) :]
    elif action == "cut":
        damaged = plain[:cut] + plain[cut + len(junk) :]
    else:
        damaged = plain[:cut] + junk + plain[cut:]
    accepted(damaged)


@pytest.mark.parametrize(
    "damage",
    [
        lambda z: z[:-2] + b"\x01\x00" + b"x",  # a zip comment
        lambda z: b"MZ" + z,  # something before the archive
        lambda z: z[:-22] + z[-22:-12] + b"\xff\xff\xff\xff" + z[-8:],  # a bad directory size
    ],
)
def test_an_unusual_archive_is_left_to_zipfile(
    damage: Callable[[bytes], bytes], plain: bytes
) -> None:
    assert not accepted(damage(plain))


def test_a_member_with_an_extra_field_is_left_to_zipfile(plain: bytes) -> None:
    source = zipfile.ZipFile(io.BytesIO(plain))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            info.extra = b"\xca\xfe\x00\x00"  # a JAR marker, as some tools add
            target.writestr(info, source.read(info))
    assert not accepted(out.getvalue())


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(st.text(max_size=12), max_size=6))
def test_shared_strings_read_fast_are_the_reference_strings(texts: list[str]) -> None:
    body = "".join(f"<si><t>{t.replace('&', '&amp;').replace('<', '&lt;')}</t></si>" for t in texts)
    data = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://'
        f'schemas.openxmlformats.org/spreadsheetml/2006/main">{body}</sst>'
    ).encode()
    fast = plain_shared_strings(data)
    try:
        reference = shared_strings(data, STRINGS)
    except PackageError:
        assert fast is None
        return
    assert fast is None or fast == reference


def _strings_part(items: list[str]) -> bytes:
    body = "".join(f"<si><t>{item}</t></si>" for item in items)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://'
        f'schemas.openxmlformats.org/spreadsheetml/2006/main">{body}</sst>'
    ).encode()


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;")


_SOME_TEXT = st.text(max_size=12) | st.sampled_from(
    ["Giá trị", "Mã chỉ tiêu", "mã  đơn vị :", "Gia\u0301 tri\u0323", " ", "1.752"]
)


@settings(max_examples=300, deadline=None)
@given(
    texts=st.lists(_SOME_TEXT, min_size=1, max_size=8),
    others=st.dictionaries(
        st.integers(0, 7),
        _SOME_TEXT.map(_escaped)
        | st.sampled_from(["<b>", "a&b", "&#250;", "]]>", "\r", "\x01", "</t></si><si><t>"]),
        max_size=3,
    ),
)
def test_shared_strings_like_ones_seen_are_the_reference_strings(
    texts: list[str], others: dict[int, str]
) -> None:
    """A part that differs from one seen in a few strings (a unit's code and name) is
    read by the part seen, as it would be read whole: strings, labels and blanks."""
    items = [_escaped(text) for text in texts]
    plain_strings(_strings_part(items))
    for at, item in others.items():
        items[at % len(items)] = item
    data = _strings_part(items)
    fast, whole = plain_strings(data), plain_shared_strings(data)
    if whole is None:
        assert fast is None
        return
    assert fast is not None
    assert fast.texts == whole
    reference = _Strings.of_texts(whole)
    read = _Strings.of(fast)
    assert read.stripped == reference.stripped
    assert list(read.labels.items()) == list(reference.labels.items())
    assert read.blank == reference.blank
    try:
        assert whole == shared_strings(data, STRINGS)
    except PackageError:
        pytest.fail("the fast path read strings the reference cannot")
