"""The workbook a unit fills in (`chitieu template`): header block, exactly the unit's
elements, data validation from the catalog, protection, one workbook per unit of a
parent, and the reader finding every field again."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner, Result
from openpyxl.worksheet.worksheet import Worksheet

from chitieu.cli import cli
from chitieu.config import Config, load_config
from chitieu.errors import OutputError
from chitieu.excel import layout
from chitieu.excel.template import TemplateError, elements_of, period_words, template_workbook
from chitieu.periods import Period
from chitieu.sources import ReceivedFile, read_submission

CONFIG = Path(__file__).parents[1] / "examples" / "giong_trom_2024" / "config"
FIRST_ROW = 12  # the first element row of a fresh template


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(CONFIG)


def sheet(config: Config, unit: str, period: str) -> Worksheet:
    content = template_workbook(config, unit, Period.parse(period))
    return openpyxl.load_workbook(io.BytesIO(content))[layout.SHEET]


def element_rows(ws: Worksheet) -> dict[str, int]:
    return {
        ws.cell(row, 1).value: row
        for row in range(FIRST_ROW, ws.max_row + 1)
        if ws.cell(row, 1).value
    }


def test_header_block_names_unit_period_dates_and_due_date(config: Config) -> None:
    ws = sheet(config, "28987", "2024M06")
    header = {ws.cell(row, 1).value: ws.cell(row, 2).value for row in range(4, 9)}
    assert header == {
        "Mã đơn vị": "28987",
        "Tên đơn vị": "Xã Phong Nẫm",
        "Kỳ báo cáo": "2024M06",
        "Thời gian số liệu": "Tháng 6 năm 2024: từ 15/05/2024 đến 14/06/2024",
        "Hạn gửi báo cáo": "Thứ Ba, 18/06/2024",
    }
    assert [ws.cell(11, col).value for col in range(1, 6)] == list(layout.TABLE_COLUMNS)


def test_a_reused_code_gets_the_unit_it_names_in_that_period(config: Config) -> None:
    """28987 was Phong Nẫm until June 2025, then the merged commune Lương Hòa."""
    assert sheet(config, "28987", "2025M08")["B5"].value == "Xã Lương Hòa"


@pytest.mark.parametrize(("unit", "level"), [("28987", "commune"), ("834", "district")])
def test_exactly_the_elements_collected_at_the_units_level(
    config: Config, unit: str, level: str
) -> None:
    ws = sheet(config, unit, "2024M05")
    rows = element_rows(ws)
    wanted = [e for e in config.catalog.elements if config.collected_at(e) == level]
    assert list(rows) == [e.code for e in wanted]
    for element in wanted:
        row = rows[element.code]
        assert (ws.cell(row, 2).value, ws.cell(row, 3).value or "") == (element.name, element.unit)
        assert ws.cell(row, 4).value is None


def _validation(ws: Worksheet, cell: str) -> Any:
    found = [dv for dv in ws.data_validations.dataValidation if cell in dv.sqref]
    assert len(found) == 1, cell
    return found[0]


def _bound(x: float | None) -> str | None:
    return None if x is None else f"{x:g}"


@pytest.mark.parametrize("unit", ["28987", "834"])
def test_value_cells_validate_as_the_catalog_says(config: Config, unit: str) -> None:
    ws = sheet(config, unit, "2024M05")
    level = "commune" if unit == "28987" else "district"
    for element in elements_of(config, level):
        dv = _validation(ws, f"D{element_rows(ws)[element.code]}")
        assert dv.showInputMessage
        assert dv.showErrorMessage
        assert dv.errorStyle in (None, "stop")
        assert element.name[:40] in dv.prompt
        if element.value_type == "boolean":
            assert (dv.type, dv.formula1) == ("list", '"0,1"')
            continue
        kind = {"integer": "whole"}.get(element.value_type, "decimal")
        low, high = element.min, element.max
        if element.value_type == "percent":
            low, high = max(low or 0, 0), min(100 if high is None else high, 100)
        assert (dv.type, dv.formula1, dv.formula2) == (kind, _bound(low), _bound(high))


def test_every_value_type_is_in_the_example(config: Config) -> None:
    types = {e.value_type for e in config.catalog.elements}
    assert types == {"integer", "number", "boolean", "percent"}


def test_only_value_and_note_cells_are_unlocked(config: Config) -> None:
    ws = sheet(config, "28987", "2024M05")
    assert ws.protection.sheet
    rows = set(element_rows(ws).values())
    unlocked = {
        cell.coordinate
        for line in ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=8)
        for cell in line
        if not cell.protection.locked
    }
    assert unlocked == {f"{col}{row}" for row in rows for col in "DE"}


def test_the_template_reads_back_once_filled(config: Config) -> None:
    values = {e.code: 1 for e in elements_of(config, "commune")}
    content = template_workbook(config, "28987", Period.parse("2024M05"), values)
    read = read_submission(ReceivedFile.from_bytes("28987_2024M05.xlsx", content))
    assert read.problems == []
    assert read.rows.get_column("element_code").to_list() == list(values)
    assert set(read.rows.get_column("org_unit_code")) == {"28987"}
    assert set(read.rows.get_column("period")) == {"2024M05"}
    assert read.rows.item(0, "location") == "BaoCao!D12"


@pytest.mark.parametrize(
    ("period", "words"),
    [
        ("2024M01", "Tháng 1 năm 2024"),
        ("2024Q2", "Quý 2 năm 2024"),
        ("2024S1", "6 tháng đầu năm 2024"),
        ("2024S2", "6 tháng cuối năm 2024"),
        ("2024", "Năm 2024"),
    ],
)
def test_period_words(period: str, words: str) -> None:
    assert period_words(Period.parse(period)) == words


def test_a_unit_that_submits_nothing_is_refused(config: Config) -> None:
    with pytest.raises(TemplateError, match=r"83.*submits no elements"):
        template_workbook(config, "83", Period.parse("2024M05"))


def test_cli_writes_one_workbook(tmp_path: Path) -> None:
    out = tmp_path / "28987_2024M05.xlsx"
    result = CliRunner().invoke(
        cli, ["template", "2024M05", "--org", "28987", "-o", str(out), "--config", str(CONFIG)]
    )
    assert result.exit_code == 0, result.output
    assert openpyxl.load_workbook(out)[layout.SHEET]["B4"].value == "28987"


def test_cli_writes_a_folder_for_a_parent_unit(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["template", "2024M05", "--org", "834", "-o", str(tmp_path), "--config", str(CONFIG)]
    )
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 22  # 21 communes and the district's own workbook
    assert "834_2024M05.xlsx" in names
    assert "28984_2024M05.xlsx" in names
    for name in names:
        ws = openpyxl.load_workbook(tmp_path / name)[layout.SHEET]
        assert ws["B4"].value == name.split("_")[0]


def test_cli_explains_a_parent_given_a_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "template",
            "2024M05",
            "--org",
            "83",
            "-o",
            str(tmp_path / "x.xlsx"),
            "--config",
            str(CONFIG),
        ],
    )
    assert result.exit_code != 0
    assert not (tmp_path / "x.xlsx").exists()


def template_to(output: str) -> Result:
    return CliRunner().invoke(
        cli, ["template", "2024M05", "--org", "28987", "-o", output, "--config", str(CONFIG)]
    )


@pytest.mark.parametrize("name", ["out.csv", "mau.xls", "mau.ODS", "mau.xlsm"])
def test_cli_refuses_a_file_name_that_is_no_workbook(tmp_path: Path, name: str) -> None:
    """``-o out.csv`` made a folder ``out.csv`` and wrote the workbook inside it."""
    result = template_to(str(tmp_path / name))
    assert isinstance(result.exception, OutputError), result.output
    assert str(result.exception) == (
        f"{tmp_path / name}: mẫu báo cáo là tệp .xlsx; ghi TÊN.xlsx cho một đơn vị, hoặc một "
        f"thư mục cho mỗi đơn vị ({tmp_path / name}/ nếu đúng là thư mục) / a template is an "
        f".xlsx workbook: name FILE.xlsx for one unit's, or a folder for one per unit "
        f"({tmp_path / name}/ if a folder is meant)"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["out.csv/", "t5.xlsx/", "mau-2024.06", "mau.2024M05", "mau"])
def test_cli_writes_into_a_folder_named_so(tmp_path: Path, name: str) -> None:
    """A name ending with / is a folder whatever its suffix: ``t5.xlsx/`` wrote a file
    ``t5.xlsx``."""
    result = template_to(str(tmp_path / name) + ("/" if name.endswith("/") else ""))
    assert result.exit_code == 0, result.output
    written = tmp_path / name / "28987_2024M05.xlsx"
    assert written.is_file()
    assert result.output.splitlines() == [
        f"{written}  Xã Phong Nẫm",
        f"1 tệp / workbooks: {tmp_path / name}",
    ]


def test_cli_writes_into_a_folder_there_whatever_its_name(tmp_path: Path) -> None:
    (tmp_path / "out.csv").mkdir()
    result = template_to(str(tmp_path / "out.csv"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out.csv" / "28987_2024M05.xlsx").is_file()


def test_a_xlsx_name_is_a_folder_only_with_its_separator(tmp_path: Path) -> None:
    """``-o t5.xlsx`` is one workbook: over a folder of that name it is refused, as any
    file chitieu writes is (never over a folder); ``-o t5.xlsx/`` writes into it."""
    (tmp_path / "t5.xlsx").mkdir()
    refused = template_to(str(tmp_path / "t5.xlsx"))
    assert isinstance(refused.exception, OutputError), refused.output
    assert "is no file (a folder, a device or a pipe)" in str(refused.exception)
    assert list((tmp_path / "t5.xlsx").iterdir()) == []
    result = template_to(f"{tmp_path / 't5.xlsx'}/")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "t5.xlsx" / "28987_2024M05.xlsx").is_file()
