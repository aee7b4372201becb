"""Reading filled workbooks: one checked-in workbook per case (tests/data/xlsx, written
by make_fixtures.py), every problem at its cell with the value as typed, nothing lost.

``good/<name>.expected.json`` gives the values a workbook yields; ``bad/...`` the one
issue it must raise (check, cell, a regex over both messages). Bad workbooks go through
`plan_intake`, as in intake and ``chitieu validate``, so reader findings and validation
issues come out together, one per cell.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import unicodedata
import zipfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chitieu.config import Config, load_config
from chitieu.intake import plan_intake
from chitieu.sources import FileRead, ReceivedFile, read_submission
from chitieu.sources._ooxml import (
    excel_date_text,
    is_date_format,
    number_text,
    percent_signs,
    percent_text,
)
from chitieu.sources.xlsx_files import read_xlsx
from chitieu.warehouse import IntakeBatch

ROOT = Path(__file__).parents[1]
DATA = Path(__file__).parent / "data" / "xlsx"
GOOD = sorted(p for p in (DATA / "good").iterdir() if not p.name.endswith(".json"))
BAD = sorted(p for p in (DATA / "bad").iterdir() if not p.name.endswith(".json"))
RECEIVED_AT = dt.datetime(2024, 6, 20, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(ROOT / "examples" / "giong_trom_2024" / "config")


def expected(path: Path) -> dict[str, object]:
    return json.loads(path.with_name(path.name + ".expected.json").read_text("utf-8"))  # type: ignore[no-any-return]


def intake(config: Config, received: ReceivedFile) -> tuple[FileRead, IntakeBatch]:
    read = read_submission(received)
    return read, plan_intake([received], [read], config, set(), RECEIVED_AT)


def test_every_case_of_the_issue_has_a_workbook() -> None:
    names = {p.name for p in GOOD + BAD}
    for case in (
        "text_in_number_cell.xlsx",
        "not_available.xlsx",
        "numbers_stored_as_text.xlsx",
        "thousands_dot_as_text.xlsx",
        "formula_without_value.xlsx",
        "libreoffice_formulas.xlsx",
        "merged_value_cells.xlsx",
        "deleted_row.xlsx",
        "extra_sheet.xlsx",
        "value_past_row_100.xlsx",
        "inserted_row_and_column.xlsx",
        "libreoffice_saved.xlsx",
        "google_sheets_export.xlsx",
        "xlsxwriter_filled.xlsx",
        "openpyxl_filled.xlsx",
        "legacy.xls",
        "nfd_labels_and_sheet_name.xlsx",
        "percent_formatted.xlsx",
        "percent_sign_as_format_text.xlsx",
        "percent_formatted_text.xlsx",
        "percent_above_100.xlsx",
    ):
        assert case in names
    for path in GOOD + BAD:
        assert path.with_name(path.name + ".expected.json").exists(), path.name


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.name)
def test_good_workbook(path: Path, config: Config) -> None:
    want = expected(path)
    read, batch = intake(config, ReceivedFile.from_path(path))
    assert read.problems == []
    assert read.cell_problems == []
    assert batch.issues.is_empty(), batch.issues.to_dicts()
    assert batch.submissions.select("org_unit_code", "period", "status").rows() == [
        ("28987", "2024M05", "accepted")
    ]
    got = dict(read.rows.select("element_code", "value").iter_rows())
    assert {k: float(v) for k, v in got.items()} == {
        k: float(v)  # type: ignore[arg-type]
        for k, v in want["values"].items()  # type: ignore[attr-defined]
    }
    assert read.rows.item(0, "location") == want["first_location"]
    assert batch.values.height == len(got)


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.name)
def test_bad_workbook(path: Path, config: Config) -> None:
    want = expected(path)
    read, batch = intake(config, ReceivedFile.from_path(path))
    if want["file_level"]:
        assert read.rows.is_empty()
        assert len(read.problems) == 1
    else:
        assert read.problems == []
    issues = batch.issues.select("check", "location", "message_vi", "message_en").rows()
    assert len(issues) == 1, issues
    check, location, vi, en = issues[0]
    assert (check, location) == (want["check"], want["location"])
    assert vi
    assert en
    assert vi != en
    assert re.search(str(want["message"]), f"{vi}\n{en}"), f"{vi}\n{en}"
    assert set(batch.submissions.get_column("status")) == {"rejected"}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("thousands_dot_as_text.xlsx", "1.752"),
        ("formula_without_value.xlsx", "=3000+55"),
        ("formula_error.xlsx", "#DIV/0!"),
        ("not_available.xlsx", "n/a"),
        ("decimal_comma_as_text.xlsx", "84,3"),
        ("true_in_boolean_cell.xlsx", "TRUE"),
        ("date_in_value_cell.xlsx", "2024-05-03"),
        ("merged_over_kept_value.xlsx", "0"),
        ("wrong_unit_code.xlsx", "28988"),
        ("percent_above_100.xlsx", "150"),  # 1.5 in the format 0%: Excel shows 150%
    ],
)
def test_an_issue_quotes_the_cell_as_typed(name: str, value: str, config: Config) -> None:
    _, batch = intake(config, ReceivedFile.from_path(DATA / "bad" / name))
    assert batch.issues.item(0, "value") == value


def test_the_report_is_validated_in_spite_of_a_cell_the_reader_could_not_read(
    config: Config,
) -> None:
    """A reader finding rejects the report, but every other problem comes out with it."""
    path = DATA / "bad" / "formula_without_value.xlsx"
    import openpyxl

    book = openpyxl.load_workbook(path)
    book["BaoCao"]["B4"] = "99999"
    book["BaoCao"]["D12"] = "n/a"
    out = io.BytesIO()
    book.save(out)
    _, batch = intake(config, ReceivedFile.from_bytes("r.xlsx", out.getvalue()))
    assert sorted(batch.issues.select("location", "check").rows()) == [
        ("BaoCao!B4", "org_unit_unknown"),
        ("BaoCao!D12", "value_not_number"),
        ("BaoCao!D30", "xlsx_formula_no_value"),
    ]


@pytest.mark.parametrize(
    ("name", "rac_thu_gom", "bhyt"),
    [
        ("percent_formatted.xlsx", "84.3", "92"),  # 0.843 in 0.0%, 0.92 in 0% (built-in 9)
        ("percent_sign_as_format_text.xlsx", "84.3", "92"),  # 84.3 in 0.0"%", 92 in 0\%
        ("percent_formatted_text.xlsx", "84.3", "92.0"),  # texts in 0.0% and 0%
    ],
)
def test_a_percent_reads_as_excel_shows_it(
    name: str, rac_thu_gom: str, bhyt: str, config: Config
) -> None:
    """A number in a percent format is the figure Excel shows before its "%" sign; a "%"
    written as text in the format, or text in a percent format, reads as typed."""
    read, batch = intake(config, ReceivedFile.from_path(DATA / "good" / name))
    got = dict(read.rows.select("element_code", "value").iter_rows())
    assert (got["RAC_THU_GOM"], got["BHYT"]) == (rac_thu_gom, bhyt)
    assert batch.issues.is_empty()
    stored = dict(batch.values.select("element_code", "value").iter_rows())
    assert (stored["RAC_THU_GOM"], stored["BHYT"]) == (84.3, 92.0)


def test_validate_accepts_a_percent_typed_the_excel_way() -> None:
    from click.testing import CliRunner

    from chitieu.cli import cli

    config = ROOT / "examples" / "giong_trom_2024" / "config"
    ok = DATA / "good" / "percent_formatted.xlsx"
    result = CliRunner().invoke(cli, ["validate", str(ok), "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "hợp lệ / valid" in result.output
    above = DATA / "bad" / "percent_above_100.xlsx"
    result = CliRunner().invoke(cli, ["validate", str(above), "--config", str(config)])
    assert result.exit_code == 1, result.output
    assert "BaoCao!D22" in result.output
    assert "'150'" in result.output


def test_a_row_inserted_above_the_table_still_reads(config: Config) -> None:
    read, batch = intake(
        config, ReceivedFile.from_path(DATA / "good" / "inserted_row_and_column.xlsx")
    )
    assert batch.issues.is_empty()
    assert read.field_cells == {"org_unit_code": "BaoCao!B5", "period": "BaoCao!B7"}
    first = read.rows.row(0, named=True)
    assert (first["element_code"], first["value"], first["location"]) == (
        "DANG_VIEN_MOI",
        "3",
        "BaoCao!E13",
    )


def test_a_value_far_below_the_table_is_read(config: Config) -> None:
    read, _ = intake(config, ReceivedFile.from_path(DATA / "good" / "value_past_row_100.xlsx"))
    last = read.rows.filter(pl.col("element_code") == "TIEM_CHUNG").row(0, named=True)
    assert (last["value"], last["location"]) == ("7", "BaoCao!D150")


def test_a_deleted_row_leaves_every_other_value_on_its_own_element(config: Config) -> None:
    read, _ = intake(config, ReceivedFile.from_path(DATA / "good" / "deleted_row.xlsx"))
    got = dict(read.rows.select("element_code", "value").iter_rows())
    assert "HTX_MOI" not in got
    assert (got["CHI_BO_TSVM"], got["THT_MOI"], got["TONG_SO_HO"]) == ("0", "0", "3055")


def test_file_names_in_nfd_or_nfc_and_any_case_read_the_same(config: Config) -> None:
    content = (DATA / "good" / "nfd_labels_and_sheet_name.xlsx").read_bytes()
    name = "Báo cáo Phong Nẫm tháng 5.xlsx"
    reads = [
        read_submission(ReceivedFile.from_bytes(unicodedata.normalize(form, name), content))
        for form in ("NFC", "NFD")
    ]
    reads.append(read_submission(ReceivedFile.from_bytes("BAO_CAO.XLSX", content)))
    assert all(r.problems == [] and r.format == "xlsx" for r in reads)
    assert reads[0].rows.equals(reads[1].rows)
    assert reads[0].rows.equals(reads[2].rows)
    # the sheet is named in NFD inside the file; locations are NFC, quoted as Excel does
    assert reads[0].rows.item(0, "location") == "'Báo cáo'!D12"
    assert unicodedata.is_normalized("NFC", reads[0].rows.item(0, "location"))


def test_legacy_xls_asks_to_save_as_xlsx() -> None:
    read = read_submission(ReceivedFile.from_path(DATA / "bad" / "legacy.xls"))
    assert [p.check for p in read.problems] == ["file_format"]
    assert "Lưu thành" in read.problems[0].message_vi
    assert ".xlsx" in read.problems[0].message_en


# ---- the package reader on hand-made parts ---------------------------------------------
_NS = 'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _inline(text: str) -> str:
    return f'<x:c t="inlineStr"><x:is><x:t>{text}</x:t></x:is></x:c>'


def _package(sheet_rows: list[str]) -> bytes:
    """A minimal workbook the way some exporters write one (Power BI): ``x:`` prefixes,
    inline strings, no ``r`` attributes, no shared strings, no styles."""
    rows = "".join(f"<x:row>{cells}</x:row>" for cells in sheet_rows)
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "_rels/.rels": f'<Relationships xmlns="{_RELS}"><Relationship Id="a" '
        f'Type="{_DOC}/officeDocument" Target="/xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<x:workbook {_NS} {_R}><x:sheets><x:sheet name="BaoCao" '
        'sheetId="1" r:id="s1"/></x:sheets></x:workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{_RELS}"><Relationship Id="s1" '
        f'Type="{_DOC}/worksheet" Target="data/report.xml"/></Relationships>',
        "xl/data/report.xml": f"<x:worksheet {_NS}><x:sheetData>{rows}</x:sheetData></x:worksheet>",
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return out.getvalue()


def test_prefixed_tags_and_cells_without_references_read_by_position(config: Config) -> None:
    content = _package(
        [
            _inline("Mã đơn vị") + _inline("28987"),
            _inline("Kỳ báo cáo") + _inline("2024M05"),
            "".join(_inline(t) for t in ("Mã chỉ tiêu", "Tên chỉ tiêu", "Đơn vị tính", "Giá trị")),
            _inline("DANG_VIEN_MOI") + _inline("x") + _inline("người") + "<x:c><x:v>3</x:v></x:c>",
        ]
    )
    read, batch = intake(config, ReceivedFile.from_bytes("r.xlsx", content))
    assert read.problems == []
    assert read.rows.select("element_code", "value", "location").rows() == [
        ("DANG_VIEN_MOI", "3", "BaoCao!D4")
    ]
    assert batch.issues.is_empty()


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("3", "3"),
        ("84.299999999999997", "84.3"),
        ("0.30000000000000004", "0.3"),
        ("1752", "1752"),
        ("1E+20", "100000000000000000000"),
        ("1.0000000000000001E-7", "0.0000001"),
        ("-0", "0"),
        ("NaN", "NaN"),
    ],
)
def test_a_stored_number_reads_as_excel_shows_it(raw: str, text: str) -> None:
    assert number_text(raw) == text


@pytest.mark.parametrize(
    ("code", "is_date"),
    [
        ("dd/mm/yyyy", True),
        ("[$-42A]d mmmm yyyy", True),
        ("[h]:mm", True),
        ("0.00", False),
        ("#,##0", False),
        ('0" m"', False),
        ("[Red]0.0", False),
        ("General", False),
    ],
)
def test_date_formats(code: str, is_date: bool) -> None:
    assert is_date_format(code) is is_date


@pytest.mark.parametrize(
    ("code", "signs"),
    [
        ("0.0%", 1),
        ("0%", 1),
        ("#,##0.00 %", 1),
        ("[Red]0.0%;[Blue]-0.0%", 1),
        ("0.0%;(0.0%)", 1),
        ("0%%", 2),  # Excel shows the number × 10000
        ('0"%"', 0),  # a "%" in quotes is text
        ('0.0" %"', 0),
        ("0\\%", 0),  # escaped
        ("0_%", 0),  # the width of a "%"
        ("0*%", 0),  # a fill
        ("[$%-409]0", 0),  # in brackets
        ("0.00", 0),
        ("General", 0),
    ],
)
def test_percent_formats(code: str, signs: int) -> None:
    assert percent_signs(code) == signs


@pytest.mark.parametrize(
    ("raw", "signs", "text"),
    [
        ("0.843", 1, "84.3"),
        ("0.84299999999999997", 1, "84.3"),
        ("0.92", 1, "92"),
        ("1", 1, "100"),
        ("0", 1, "0"),
        ("-0", 1, "0"),
        ("-0.05", 1, "-5"),
        ("0.123456789012345678", 1, "12.3456789012346"),
        ("1.5E-7", 1, "0.000015"),
        ("0.5", 2, "5000"),
        ("NaN", 1, "NaN"),
    ],
)
def test_a_stored_percent_reads_as_excel_shows_it(raw: str, signs: int, text: str) -> None:
    assert percent_text(raw, signs) == text


def test_date_serials() -> None:
    assert excel_date_text("45413", date1904=False) == "2024-05-01"
    assert excel_date_text("45413.5", date1904=False) == "2024-05-01 12:00"
    assert excel_date_text("43951", date1904=True) == "2024-05-01"


_SAMPLE = (DATA / "good" / "libreoffice_saved.xlsx").read_bytes()
_PARTS = zipfile.ZipFile(io.BytesIO(_SAMPLE)).namelist()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    part=st.sampled_from(_PARTS),
    action=st.sampled_from(["truncate", "overwrite", "drop"]),
    at=st.floats(0, 1),
    junk=st.binary(min_size=1, max_size=12)
    | st.sampled_from([b"<", b'"', b'r="ZZZZ9"', b's="x"', b"&#0;", b't="s"']),
)
def test_no_damaged_workbook_makes_the_reader_raise(
    part: str, action: str, at: float, junk: bytes
) -> None:
    """Whatever is wrong inside the zip becomes a problem, never a traceback."""
    source = zipfile.ZipFile(io.BytesIO(_SAMPLE))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in _PARTS:
            data = source.read(name)
            if name == part:
                cut = int(len(data) * at)
                if action == "drop":
                    continue
                data = data[:cut] if action == "truncate" else data[:cut] + junk + data[cut:]
            target.writestr(name, data)
    read = read_xlsx(ReceivedFile.from_bytes("r.xlsx", out.getvalue()))
    assert bool(read.problems) != (read.rows.height > 0)


def test_reading_a_workbook_imports_neither_openpyxl_nor_calamine() -> None:
    """``chitieu validate`` answers in about a second: the reader is the standard library."""
    import subprocess
    import sys

    code = (
        "import sys, chitieu.sources as s; from pathlib import Path; "
        f"r = s.read_submission(s.ReceivedFile.from_path(Path({str(GOOD[0])!r}))); "
        "assert not r.problems; "
        "print(sorted(m for m in ('openpyxl', 'fastexcel', 'pandera') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_part_packed_with_an_unknown_method_is_a_damaged_workbook() -> None:
    """Deflate64 (method 9), which some zip tools write and Python cannot unpack: the
    officer is told to save the workbook again, not that chitieu failed."""
    import struct

    source = zipfile.ZipFile(io.BytesIO(_SAMPLE))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target:
        for name in _PARTS:
            target.writestr(name, source.read(name))
    data = bytearray(out.getvalue())
    sheet = next(n for n in _PARTS if n.startswith("xl/worksheets/")).encode()
    # the method field of the sheet's local header and of its central directory entry
    headers = ((b"PK\x03\x04", 8, 26, 30), (b"PK\x01\x02", 10, 28, 46))
    for signature, method_at, name_length_at, name_at in headers:
        start = 0
        while (start := data.find(signature, start)) != -1:
            (length,) = struct.unpack_from("<H", data, start + name_length_at)
            if data[start + name_at : start + name_at + length] == sheet:
                struct.pack_into("<H", data, start + method_at, 9)
            start += 4
    read = read_xlsx(ReceivedFile.from_bytes("r.xlsx", bytes(data)))
    assert read.rows.height == 0
    [problem] = read.problems
    assert problem.check == "file_format"
    assert "cannot be unpacked" in problem.message_en
    assert "Save As" in problem.message_en
