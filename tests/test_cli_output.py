"""What ``-o`` names (`chitieu.cli._output`): a name ending with / is a folder, never the
one file a command writes. Status's and template's own rules are tested with them
(tests/test_status.py, tests/test_excel_template.py); the report's here."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from chitieu.cli import cli
from chitieu.errors import OutputError
from chitieu.examples import example_dir


@pytest.mark.parametrize(("fmt", "name"), [("docx", "bao-cao.docx/"), ("md", "bao-cao/")])
def test_report_refuses_an_output_ending_with_a_separator(
    tmp_path: Path, fmt: str, name: str
) -> None:
    """``-o bao-cao.docx/`` wrote a file bao-cao.docx; refused before the warehouse is
    opened (this one is not there)."""
    target = f"{tmp_path / name}/"
    result = CliRunner().invoke(
        cli,
        [
            *("report", "2024S1", "--config", str(example_dir() / "config")),
            *("--warehouse", str(tmp_path / "nowhere.duckdb"), "--format", fmt, "-o", target),
        ],
    )
    assert isinstance(result.exception, OutputError), result.output
    assert str(result.exception) == (
        f"{target}: là một thư mục; --format {fmt} ghi một tệp: đặt tên TỆP.{fmt} / names a "
        f"folder, and --format {fmt} writes one file: name FILE.{fmt}"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("fmt", "name", "wanted"),
    [
        ("md", "bao-cao.docx", ".md"),  # Markdown Word cannot open
        ("xlsx", "bao-cao.csv", ".xlsx"),
        ("xlsx", "bao-cao", ".xlsx"),  # a workbook needs its suffix
        ("docx", "bao-cao.pdf", ".docx"),
        ("json", "bao-cao.xlsx", ".json"),
        ("html", "bao-cao.md", ".html"),
    ],
)
def test_report_refuses_an_output_named_for_another_format(
    tmp_path: Path, fmt: str, name: str, wanted: str
) -> None:
    """``report --format md -o bao-cao.docx`` wrote Markdown into a file Word then
    refused to open; refused before the warehouse is opened, as status and template do."""
    result = CliRunner().invoke(
        cli,
        [
            *("report", "2024S1", "--config", str(example_dir() / "config")),
            *("--warehouse", str(tmp_path / "nowhere.duckdb")),
            *("--format", fmt, "-o", str(tmp_path / name)),
        ],
    )
    assert isinstance(result.exception, OutputError), result.output
    assert f": đặt tên TỆP{wanted} / --format {fmt} writes " in str(result.exception)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("fmt", "name"),
    [("md", "bao-cao.md"), ("md", "bao-cao.markdown"), ("md", "bao-cao"), ("html", "b.htm")],
)
def test_report_takes_the_names_its_format_is_written_under(
    tmp_path: Path, fmt: str, name: str
) -> None:
    result = CliRunner().invoke(
        cli,
        [
            *("report", "2024S1", "--config", str(example_dir() / "config")),
            *("--warehouse", str(tmp_path / "nowhere.duckdb")),
            *("--format", fmt, "-o", str(tmp_path / name)),
        ],
    )  # past the name: no warehouse here
    assert "không có kho dữ liệu ở" in str(result.exception), result.output
