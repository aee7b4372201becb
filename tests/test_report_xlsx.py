"""The Excel export of a revision: every text stays text, whatever it begins with."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from rollup_helpers import MakeConfig, element, indicator

from chitieu.periods import Period
from chitieu.quality.checks import CheckOutcome
from chitieu.quality.warnings import SUBMISSION_WARNING_COLUMNS, QualitySection
from chitieu.report import build_report
from chitieu.report.model import AuditTables
from chitieu.report.output import write_report
from chitieu.shown import shown
from chitieu.warehouse.models import INPUT_SUBMISSIONS_SCHEMA, INPUT_VALUES_SCHEMA

# What a commune could type, and Excel or LibreOffice would run if written as formulas.
HOSTILE = [
    '=HYPERLINK("http://evil.example","bấm vào đây")',
    "=1+1",
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "=cmd|' /C calc'!A0",
    "  =1+1",
    "\t=1+1",
    # and what no cell takes as it is: a newline, a terminal escape, NUL, a bidi override
    "name\nwith newline.csv",
    "\x1b[2J",
    "a\x00b",
    "\u202evsc.exe",
]


@pytest.fixture
def workbook(make_config: MakeConfig, tmp_path: Path) -> openpyxl.Workbook:
    rows = [
        ("D", "Huyện", "district", "", "2020-01-01", "", ""),
        *[(f"C{i}", f"Xã {i}", "commune", "D", "2020-01-01", "", "") for i in range(len(HOSTILE))],
    ]
    units = io.StringIO()
    csv.writer(units, lineterminator="\n").writerows(rows)
    loaded = make_config(
        [element("S", unit="=1+1")],
        [indicator("CT01", "S", unit="@đơn vị", group="-nhóm")],
        units.getvalue(),
        targets=[("CT01", "D", 2024, 10, "")],
    )
    # the units named as no configuration names them now (load_config refuses a name with
    # a control or direction character): the workbook must hold them harmless all the same
    names = {"D": HOSTILE[0], **{f"C{i}": name for i, name in enumerate(HOSTILE)}}
    config = dataclasses.replace(
        loaded,
        org_units=loaded.org_units.with_columns(pl.col("code").replace_strict(names).alias("name")),
    )
    header = {
        "snapshot_id": 1,
        "review_period": "2024S1",
        "root_org_unit": "D",
        "revision": 1,
        "status": "published",
        "created_at": dt.datetime(2024, 6, 17, 2, 0, tzinfo=dt.UTC),
        "content_sha256": "c" * 64,
        "completeness": 0.5,
    }
    indicators = pl.DataFrame(
        {
            "org_unit_code": ["D", "C0"],
            "level": ["district", "commune"],
            "indicator_code": ["CT01", "CT01"],
            "actual": [4.0, 1.5],
            "target": [10.0, None],
            "percent": [40.0, None],
            "class": ["below_half", "no_target"],
            "comparable": [True, True],
            "last_actual": [None, None],
            "last_comparable": [None, None],
        },
        schema_overrides={"last_actual": pl.Float64, "last_comparable": pl.Boolean},
    )
    submissions = pl.DataFrame(
        [
            (i, f"{i:064x}", name, "csv", f"C{i}", "2024M05",
             dt.datetime(2024, 5, 16, tzinfo=dt.UTC), name, None, "accepted")
            for i, name in enumerate(HOSTILE)
        ],
        schema=INPUT_SUBMISSIONS_SCHEMA,
        orient="row",
    )  # fmt: skip
    values = pl.DataFrame(
        [(i, f"C{i}", "S", "2024M05", 1.0, note, f"line {i}") for i, note in enumerate(HOSTILE)],
        schema=INPUT_VALUES_SCHEMA,
        orient="row",
    )
    audit = AuditTables.of(config, Period.parse("2024S1"), indicators, submissions, values)
    warnings = pl.DataFrame(
        [(f"C{i}", name, "2024M05", name, name, "S", name, "outlier", name, name)
         for i, name in enumerate(HOSTILE)],
        schema=list(SUBMISSION_WARNING_COLUMNS),
        orient="row",
    )  # fmt: skip
    quality = QualitySection(
        warnings, [CheckOutcome("warning_rules_hold", "warning", False, HOSTILE[0])]
    )
    model = build_report(config, header, indicators, "vi", audit=audit, quality=quality)
    path = write_report(model, "xlsx", tmp_path / "out" / "report.xlsx")
    return openpyxl.load_workbook(path)


def test_no_cell_is_a_formula(workbook: openpyxl.Workbook) -> None:
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert cells
    formulas = [f"{c.parent.title}!{c.coordinate}" for c in cells if c.data_type == "f"]
    assert formulas == []


def test_hostile_texts_come_back_as_the_same_text(workbook: openpyxl.Workbook) -> None:
    texts = [
        cell.value
        for sheet in workbook
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    ]
    for hostile in HOSTILE:
        assert shown(hostile) in texts, hostile  # control characters escaped, as printed
    assert {"\\t=1+1", "name\\nwith newline.csv", "a\\x00b", "\\x1b[2J"} <= set(texts)
    assert not any(char in text for text in texts for char in "\t\n\x00\x1b\u202e")
    assert any(t.startswith(f"Sơ kết 6 tháng đầu năm 2024 — {HOSTILE[0]}") for t in texts)
    assert "@đơn vị" in texts


def test_sheets_hold_the_report_annexes_units_inputs_and_notes(
    workbook: openpyxl.Workbook,
) -> None:
    assert workbook.sheetnames == [
        "Báo cáo",
        "Phụ lục I",
        "Phụ lục II",
        "Đơn vị",
        "Báo cáo đã dùng",
        "Ghi chú",
        "Chất lượng dữ liệu",
    ]
    report = workbook["Báo cáo"]
    rows = list(report.iter_rows(values_only=True))
    table = rows.index(
        (
            "STT",
            "Mã",
            "Chỉ tiêu",
            "ĐVT",
            "Kế hoạch năm",
            "Thực hiện",
            "Tỷ lệ % kế hoạch",
            "Cùng kỳ năm trước",
            "So với cùng kỳ %",
            "Đánh giá",
        )
    )
    assert rows[table + 1][0] == "1. -nhóm"  # the group, as text
    assert rows[table + 2] == (
        1,
        "CT01",
        "Chỉ tiêu CT01",
        "@đơn vị",
        10,
        4,
        0.4,
        "–",
        "–",
        "Đạt dưới 50%",
    )
    assert report.cell(table + 3, 7).number_format == "0.00%"
    assert rows[6][:2] == ("Mã băm nội dung", "c" * 64)
    units = list(workbook["Đơn vị"].iter_rows(values_only=True))
    assert units[1][:4] == ("C0", HOSTILE[0], "Cấp xã", "CT01")
    inputs = list(workbook["Báo cáo đã dùng"].iter_rows(values_only=True))
    assert len(inputs) == 1 + len(HOSTILE)
    assert inputs[1][:3] == (0, HOSTILE[0], f"{0:064x}")
    assert inputs[1][5] == dt.datetime(2024, 5, 16)
    notes = list(workbook["Ghi chú"].iter_rows(values_only=True))
    assert {row[4] for row in notes[1:]} == {shown(text) for text in HOSTILE}
    quality = list(workbook["Chất lượng dữ liệu"].iter_rows(values_only=True))
    assert ("Quy tắc giữa các phần tử (mức cảnh báo) không thỏa (warning_rules_hold)",
            HOSTILE[0]) in [row[:2] for row in quality]  # fmt: skip
    warned = quality[-len(HOSTILE) :]
    assert [row[1] for row in warned] == [shown(text) for text in HOSTILE]  # the unit's name
    assert {row[6] for row in warned} == {shown(text) for text in HOSTILE}  # the message


def _repeated_row(sheet: openpyxl.worksheet.worksheet.Worksheet) -> int:
    """The row printed again at the top of every page (``$10:$10``)."""
    return int(sheet.print_title_rows.split(":")[0].lstrip("$"))


def test_every_sheet_prints_on_landscape_a4_one_page_wide_with_its_heading_repeated(
    workbook: openpyxl.Workbook,
) -> None:
    for sheet in workbook:
        setup = sheet.page_setup
        assert (setup.orientation, setup.paperSize) == ("landscape", 9), sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert setup.fitToWidth in (None, 1), sheet.title  # 1 page wide: the default, omitted
        assert setup.fitToHeight == 0, sheet.title  # as many pages long as it takes
        assert sheet.cell(_repeated_row(sheet), 1).font.b, sheet.title  # the heading row
        assert "c" * 64 in sheet.oddFooter.left.text, sheet.title
    report = workbook["Báo cáo"]
    assert report.cell(_repeated_row(report), 1).value == "STT"


def test_a_table_longer_than_a_sheet_goes_on_in_the_next(tmp_path: Path) -> None:
    """Past Excel's last row XlsxWriter drops a cell without a word; a table that long
    (a national catalog's units, every note of a year) goes on in ``<name> (2)``...,
    each part with the table's heading, printed and sized as the first."""
    import xlsxwriter

    from chitieu.report.xlsx import _Sheet

    path = tmp_path / "long.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    formats = {"header": book.add_format({"bold": True}), "title": book.add_format()}
    out = _Sheet(book, "Ghi chú", formats, "&Lsha256 " + "c" * 64, rows=4)
    out.line(["Ghi chú"], ("title",))
    frame = pl.DataFrame({"code": [f"C{i}" for i in range(10)], "value": list(range(10))})
    out.heading(("Mã", "Giá trị"))
    for row in frame.iter_rows():
        out.line(list(row))
    out.set_column(0, 0, 30)
    book.close()

    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Ghi chú", "Ghi chú (2)", "Ghi chú (3)", "Ghi chú (4)"]
    data = []
    for sheet in workbook:
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        assert len(rows) <= 4, sheet.title
        heading = rows.index(["Mã", "Giá trị"])
        assert sheet.cell(heading + 1, 1).font.b, sheet.title
        assert sheet.freeze_panes == f"A{heading + 2}", sheet.title
        assert _repeated_row(sheet) == heading + 1, sheet.title
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert "c" * 64 in sheet.oddFooter.left.text, sheet.title
        assert sheet.column_dimensions["A"].width == pytest.approx(30, abs=1), sheet.title
        data += rows[heading + 1 :]
    assert data == [list(r) for r in frame.iter_rows()]  # every row, once, in order
