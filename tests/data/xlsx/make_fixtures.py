"""Write the checked-in workbooks of tests/test_excel_*.py: one file per case.

    .venv/bin/python tests/data/xlsx/make_fixtures.py

Every workbook is the template of unit 28987 for 2024M05 (examples/giong_trom_2024),
filled with the values of that unit's CSV submission, then given one twist:

- ``good/``: written by openpyxl, xlsxwriter and LibreOffice, a Google Sheets export,
  and the officer's habits (an inserted row and column, a deleted row, a value far down,
  an extra sheet, numbers stored as text, percents in a percent format, NFD labels...).
  Each reads and validates without a problem; ``<name>.expected.json`` gives the values
  it must yield.
- ``bad/``: one mistake each; ``<name>.expected.json`` gives the check, the cell and a
  regular expression over the messages (``file_level``: the whole file is refused).

LibreOffice (Debian's ``libreoffice-calc``) makes the LibreOffice, Google Sheets and .xls
fixtures; the tests never run it. The Google Sheets export is emulated, not downloaded:
a LibreOffice-saved workbook rewritten with the traits reported of Google's exports
(no ``<dimension>``, ``state="visible"`` on every sheet, relationship ids and sheet
part names that do not follow sheet order, protection dropped; see tidyverse/readxl#26
and #104, nuovo/spreadsheet-reader#178).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

# openpyxl's own XML writer, as the checked-in workbooks were written: with lxml (in the
# venv) it writes character references and empty <c></c> pairs, which the fast reader
# leaves to the reference reader, and the fast path's fixture tests would not hold
os.environ.setdefault("OPENPYXL_LXML", "False")

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from chitieu.config import load_config
from chitieu.excel.template import template_workbook
from chitieu.periods import Period

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
EXAMPLE = ROOT / "examples" / "giong_trom_2024"
UNIT, PERIOD = "28987", "2024M05"
SUBMISSION = EXAMPLE / "submissions" / PERIOD / f"{UNIT}_{PERIOD}.csv"
FIXED_TIME = dt.datetime(2024, 5, 16, 9, 0)


def reference_values() -> dict[str, str]:
    with SUBMISSION.open(encoding="utf-8") as f:
        return {row["element_code"]: row["value"] for row in csv.DictReader(f)}


def number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() else value


def template(values: dict[str, Any] | None = None) -> bytes:
    config = load_config(EXAMPLE / "config")
    return template_workbook(config, UNIT, Period.parse(PERIOD), values)


def row_of(ws: Worksheet, code: str) -> int:
    for row in ws.iter_rows(min_col=1, max_col=1):
        if row[0].value == code:
            return row[0].row
    raise KeyError(code)


def filled() -> tuple[openpyxl.Workbook, Worksheet]:
    """The template opened with openpyxl and filled in as an officer would."""
    book = openpyxl.load_workbook(io.BytesIO(template()))
    ws = book["BaoCao"]
    for code, text in reference_values().items():
        ws.cell(row_of(ws, code), 4, number(text))
    return book, ws


def saved(book: openpyxl.Workbook) -> bytes:
    book.properties.created = book.properties.modified = FIXED_TIME
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def libreoffice(content: bytes, to: str = "xlsx") -> bytes:
    """``content`` opened and saved again by LibreOffice headless (formulas recalculated)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        raise SystemExit("LibreOffice is needed: apt-get install -y libreoffice-calc")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "in" / "report.xlsx"
        source.parent.mkdir()
        source.write_bytes(content)
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation=file://{tmp}/profile",
                "--headless",
                "--convert-to",
                to,
                "--outdir",
                f"{tmp}/out",
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        return (Path(tmp) / "out" / f"report.{to}").read_bytes()


def google_sheets(content: bytes) -> bytes:
    """A workbook rewritten the way Google Sheets exports one (see the module docstring)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    parts = {name: source.read(name) for name in source.namelist()}
    sheet_part = "xl/worksheets/sheet1.xml"
    sheet = parts.pop(sheet_part).decode()
    sheet = re.sub(r"<dimension [^>]*/>", "", sheet)
    sheet = re.sub(r"<sheetProtection [^>]*/>", "", sheet)
    parts["xl/worksheets/sheet7.xml"] = sheet.encode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    ids = re.findall(r'Id="(rId\d+)"', rels)
    renamed = {old: f"rId{len(ids) + 1 - i}" for i, old in enumerate(ids)}  # reversed
    rels = re.sub(r'Id="(rId\d+)"', lambda m: f'Id="{renamed[m.group(1)]}"', rels)
    parts["xl/_rels/workbook.xml.rels"] = rels.replace("sheet1.xml", "sheet7.xml").encode()
    workbook = parts["xl/workbook.xml"].decode()
    workbook = re.sub(r'r:id="(rId\d+)"', lambda m: f'r:id="{renamed[m.group(1)]}"', workbook)
    workbook = re.sub(r"<sheet (?![^>]*state=)", '<sheet state="visible" ', workbook)
    parts["xl/workbook.xml"] = workbook.encode()
    types = parts["[Content_Types].xml"].decode().replace("sheet1.xml", "sheet7.xml")
    parts["[Content_Types].xml"] = types.encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return out.getvalue()


def _sheet_edited(content: bytes, edit: Callable[[bytes], bytes]) -> bytes:
    """The workbook with its sheet's XML passed through ``edit``, the rest as it was."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            data = source.read(name)
            target.writestr(name, edit(data) if name == "xl/worksheets/sheet1.xml" else data)
    return out.getvalue()


def merge_in_xml(content: bytes, ref: str) -> bytes:
    """A merged range added without emptying the cells under it (LibreOffice's "keep the
    contents of the hidden cells")."""

    def edit(data: bytes) -> bytes:
        merge = f'<mergeCells count="1"><mergeCell ref="{ref}"/></mergeCells>'
        data = re.sub(rb"<mergeCells[^>]*>.*?</mergeCells>", b"", data)
        return data.replace(b"</sheetData>", b"</sheetData>" + merge.encode(), 1)

    return _sheet_edited(content, edit)


def cell_twice_in_xml(content: bytes, ref: str, value: str) -> bytes:
    """The cell ``ref`` written a second time, right after the first, holding ``value``:
    what no spreadsheet saves and a crafted file may."""
    first = re.compile(rb'(<c r="%s"[^>]*>.*?</c>)' % ref.encode())
    twice = rb'\1<c r="%s"><v>%s</v></c>' % (ref.encode(), value.encode())
    return _sheet_edited(content, lambda data: first.sub(twice, data, count=1))


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


# ---- good: (workbook bytes, values it must yield, where the first value is) -----------
def good_cases() -> dict[str, tuple[bytes, dict[str, str], str]]:
    values = reference_values()
    cases: dict[str, tuple[bytes, dict[str, str], str]] = {}
    book, ws = filled()
    openpyxl_filled = saved(book)
    cases["openpyxl_filled.xlsx"] = (openpyxl_filled, values, "BaoCao!D12")
    cases["xlsxwriter_filled.xlsx"] = (
        template({k: number(v) for k, v in values.items()}),
        values,
        "BaoCao!D12",
    )
    libre = libreoffice(openpyxl_filled)
    cases["libreoffice_saved.xlsx"] = (libre, values, "BaoCao!D12")
    cases["google_sheets_export.xlsx"] = (google_sheets(libre), values, "BaoCao!D12")

    book, ws = filled()
    ws.cell(row_of(ws, "TONG_SO_HO"), 4, "=3000+55")
    ws.cell(row_of(ws, "HO_CAN_NGHEO"), 4, f"=D{row_of(ws, 'HO_NGHEO')}+40")
    cases["libreoffice_formulas.xlsx"] = (libreoffice(saved(book)), values, "BaoCao!D12")

    book, ws = filled()
    for code in ("VIEC_LAM_MOI", "TONG_SO_HO", "RAC_THU_GOM"):
        ws.cell(row_of(ws, code), 4, values[code])  # the CSV text: a number stored as text
    cases["numbers_stored_as_text.xlsx"] = (saved(book), values, "BaoCao!D12")

    book, ws = filled()
    ws.insert_rows(3)
    ws.insert_cols(3)
    ws.cell(12, 3, "Kỳ trước")
    cases["inserted_row_and_column.xlsx"] = (saved(book), values, "BaoCao!E13")

    book, ws = filled()
    ws.delete_rows(row_of(ws, "HTX_MOI"))
    without = {k: v for k, v in values.items() if k != "HTX_MOI"}
    cases["deleted_row.xlsx"] = (saved(book), without, "BaoCao!D12")

    book, ws = filled()
    last = row_of(ws, "TIEM_CHUNG")
    ws.move_range(f"A{last}:E{last}", rows=150 - last)
    cases["value_past_row_100.xlsx"] = (saved(book), values, "BaoCao!D12")

    book, ws = filled()
    notes = book.create_sheet("Nháp")
    notes.append(["Mã đơn vị", "Giá trị", "Ghi chú"])
    notes.append(["28987", 999, "số tạm, chưa gửi"])
    cases["extra_sheet.xlsx"] = (saved(book), values, "BaoCao!D12")

    book, ws = filled()
    blank = ("DT_CHUYEN_DOI", "QUY_VI_NGUOI_NGHEO")
    for code in blank:
        ws.cell(row_of(ws, code), 4).value = None
    kept = {k: v for k, v in values.items() if k not in blank}
    cases["values_left_blank.xlsx"] = (saved(book), kept, "BaoCao!D12")

    book, ws = filled()
    ws.title = nfd("Báo cáo")
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.value = nfd(cell.value)
    cases["nfd_labels_and_sheet_name.xlsx"] = (saved(book), values, "'Báo cáo'!D12")

    # percents typed the usual Excel way: 84.3% is the number 0.843 in a percent format
    book, ws = filled()
    for code, stored, percent in (("RAC_THU_GOM", 0.843, "0.0%"), ("BHYT", 0.92, "0%")):
        ws.cell(row_of(ws, code), 4, stored).number_format = percent
    cases["percent_formatted.xlsx"] = (saved(book), values, "BaoCao!D12")

    book, ws = filled()  # a "%" written as text in the format: the number as typed
    for code, shown in (("RAC_THU_GOM", '0.0"%"'), ("BHYT", "0\\%")):
        ws.cell(row_of(ws, code), 4).number_format = shown
    cases["percent_sign_as_format_text.xlsx"] = (saved(book), values, "BaoCao!D12")

    book, ws = filled()  # text in a percent format: the text as typed
    for code, percent in (("RAC_THU_GOM", "0.0%"), ("BHYT", "0%")):
        ws.cell(row_of(ws, code), 4, values[code]).number_format = percent
    cases["percent_formatted_text.xlsx"] = (saved(book), values, "BaoCao!D12")
    return cases


# ---- bad: (workbook bytes, expectation) ------------------------------------------------
def _one(change: Callable[[Worksheet], None]) -> bytes:
    book, ws = filled()
    change(ws)
    return saved(book)


def _set(code: str, value: Any, col: int = 4) -> Callable[[Worksheet], None]:
    def change(ws: Worksheet) -> None:
        ws.cell(row_of(ws, code), col).value = value  # ws.cell(r, c, None) would keep it

    return change


def _formatted(code: str, value: Any, number_format: str) -> Callable[[Worksheet], None]:
    def change(ws: Worksheet) -> None:
        cell = ws.cell(row_of(ws, code), 4)
        cell.value, cell.number_format = value, number_format

    return change


def expect(check: str, location: str, message: str, file_level: bool = False) -> dict[str, Any]:
    return {"check": check, "location": location, "message": message, "file_level": file_level}


def bad_cases() -> dict[str, tuple[bytes, dict[str, Any]]]:
    cases: dict[str, tuple[bytes, dict[str, Any]]] = {
        "text_in_number_cell.xlsx": (
            _one(_set("DANG_VIEN_MOI", "ba người")),
            expect("value_not_number", "BaoCao!D12", "'ba người' của chỉ tiêu DANG_VIEN_MOI"),
        ),
        "not_available.xlsx": (
            _one(_set("HO_NGHEO", "n/a")),
            expect("value_not_number", "BaoCao!D28", "'n/a'.*không phải là số"),
        ),
        "thousands_dot_as_text.xlsx": (
            _one(_set("DT_CHUYEN_DOI", "1.752")),
            expect("xlsx_ambiguous_number", "BaoCao!D16", "'1.752'.*1752.*1,752"),
        ),
        "decimal_comma_as_text.xlsx": (
            _one(_set("RAC_THU_GOM", "84,3")),
            expect("value_vietnamese_format", "BaoCao!D22", "'84,3'.*hãy ghi 84.3"),
        ),
        "formula_without_value.xlsx": (
            _one(_set("TONG_SO_HO", "=3000+55")),
            expect("xlsx_formula_no_value", "BaoCao!D30", r"công thức =3000\+55.*không lưu"),
        ),
        "formula_error.xlsx": (
            libreoffice(_one(_set("TONG_SO_HO", "=3055/0"))),
            expect("xlsx_formula_error", "BaoCao!D30", "#DIV/0!"),
        ),
        "merged_value_cells.xlsx": (
            _one(lambda ws: ws.merge_cells("D18:D19")),
            expect("xlsx_merged_cell", "BaoCao!D19", "D18:D19 bị gộp.*che mất ô D19"),
        ),
        "merged_over_kept_value.xlsx": (
            merge_in_xml(saved(filled()[0]), "C20:D20"),
            expect("xlsx_merged_cell", "BaoCao!D20", "C20:D20 bị gộp.*che mất ô D20"),
        ),
        "wrong_unit_code.xlsx": (
            _one(lambda ws: ws.cell(4, 2, "28988")),
            expect("org_unit_unknown", "BaoCao!B4", "Mã đơn vị '28988' không có"),
        ),
        "wrong_period.xlsx": (
            _one(lambda ws: ws.cell(6, 2, "2024M5")),
            expect("period_invalid", "BaoCao!B6", "'2024M5' không hợp lệ.*2024M05"),
        ),
        "unknown_element.xlsx": (
            _one(_set("DANG_VIEN_MOI", "DANG_VIEN", col=1)),
            expect("element_unknown", "BaoCao!A12", "'DANG_VIEN' không có trong danh mục"),
        ),
        "above_max.xlsx": (
            _one(_set("DANG_VIEN_MOI", 25)),
            expect("value_above_max", "BaoCao!D12", "'25'.*từ 0 đến 20"),
        ),
        "percent_above_100.xlsx": (
            _one(_formatted("RAC_THU_GOM", 1.5, "0%")),  # shown as 150%
            expect("value_not_percent", "BaoCao!D22", "'150'.*từ 0 đến 100"),
        ),
        "boolean_two.xlsx": (
            _one(_set("NTM_DAT_CHUAN", 2)),
            expect("value_not_boolean", "BaoCao!D18", "'2'.*1 .*hoặc 0"),
        ),
        "true_in_boolean_cell.xlsx": (
            _one(_set("NTM_DAT_CHUAN", True)),
            expect("value_not_number", "BaoCao!D18", "'TRUE'.*Ghi 1 nếu có"),
        ),
        "date_in_value_cell.xlsx": (
            _one(_set("DANG_VIEN_MOI", dt.datetime(2024, 5, 3))),
            expect("value_not_number", "BaoCao!D12", "'2024-05-03'.*không phải là số"),
        ),
        "note_without_value.xlsx": (
            _one(lambda ws: (_set("HTX_MOI", None)(ws), _set("HTX_MOI", "chưa có", 5)(ws))),
            expect("value_missing", "BaoCao!D14", "HTX_MOI chưa có giá trị"),
        ),
        "two_report_sheets.xlsx": (
            _one(lambda ws: ws.parent.copy_worksheet(ws)),
            expect("xlsx_structure", "", "2 bảng số liệu.*BaoCao!A11", file_level=True),
        ),
        "header_labels_deleted.xlsx": (
            _one(lambda ws: ws.delete_rows(4, 5)),
            expect("xlsx_structure", "BaoCao!A6", "'Mã đơn vị', 'Kỳ báo cáo'", file_level=True),
        ),
    }
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Sheet1"
    ws.append(["Chỉ tiêu", "Số liệu"])
    ws.append(["Đảng viên mới", 3])
    cases["not_a_template.xlsx"] = (
        saved(book),
        expect("xlsx_structure", "", "không có ô tiêu đề 'Mã chỉ tiêu'", file_level=True),
    )
    cases["empty_template.xlsx"] = (
        template(),
        expect("empty_file", "BaoCao!D11", "chưa có số liệu", file_level=True),
    )
    legacy = libreoffice(saved(filled()[0]), to="xls")
    cases["legacy.xls"] = (
        legacy,
        expect("file_format", "", r"\.xls.*\.xlsx", file_level=True),
    )
    cases["xls_named_xlsx.xlsx"] = (
        legacy,
        expect("file_format", "", r"tệp Excel cũ \(\.xls\)", file_level=True),
    )
    cases["cell_written_twice.xlsx"] = (
        cell_twice_in_xml(saved(filled()[0]), "D12", "19"),
        expect("file_format", "BaoCao!D12", "Ô BaoCao!D12 được ghi hai lần", file_level=True),
    )
    cases["damaged.xlsx"] = (
        saved(filled()[0])[:3000],
        expect("file_format", "", "bị hỏng", file_level=True),
    )
    return cases


def main() -> None:
    for folder in ("good", "bad"):
        shutil.rmtree(HERE / folder, ignore_errors=True)
        (HERE / folder).mkdir()
    for name, (content, values, first) in good_cases().items():
        (HERE / "good" / name).write_bytes(content)
        expected = {"values": values, "first_location": first}
        (HERE / "good" / f"{name}.expected.json").write_text(
            json.dumps(expected, ensure_ascii=False, indent=2) + "\n", "utf-8"
        )
    for name, (content, expected) in bad_cases().items():
        (HERE / "bad" / name).write_bytes(content)
        (HERE / "bad" / f"{name}.expected.json").write_text(
            json.dumps(expected, ensure_ascii=False, indent=2) + "\n", "utf-8"
        )
    print(
        f"wrote {len(list((HERE / 'good').glob('*.xls*[!n]')))} good and "
        f"{len(list((HERE / 'bad').glob('*.xls*[!n]')))} bad workbooks under {HERE}"
    )


if __name__ == "__main__":
    main()
