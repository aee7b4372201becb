"""Feedback a commune can act on: the officer's own workbook with each faulty cell filled
and commented, a first sheet listing every problem; from ``validate --annotate`` and from
intake, beside its archive, which keeps the original byte for byte."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from click.testing import CliRunner

from chitieu import pipeline
from chitieu.cli import cli
from chitieu.config import Config, load_config
from chitieu.excel import layout
from chitieu.excel.annotate import AUTHOR, FAULT_FILL, annotate
from chitieu.excel.feedback import feedback_folder, feedback_name
from chitieu.intake import plan_intake
from chitieu.sources import ReceivedFile, read_submission
from chitieu.warehouse import archived_path, open_warehouse

ROOT = Path(__file__).parents[1]
CONFIG = ROOT / "examples" / "giong_trom_2024" / "config"
DATA = Path(__file__).parent / "data" / "xlsx"
RECEIVED_AT = dt.datetime(2024, 6, 20, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
CELL_CASES = sorted(
    p
    for p in (DATA / "bad").glob("*.xlsx")
    if not json.loads(p.with_name(p.name + ".expected.json").read_text("utf-8"))["file_level"]
)


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(CONFIG)


def issues_of(config: Config, received: ReceivedFile) -> pl.DataFrame:
    read = read_submission(received)
    return plan_intake([received], [read], config, set(), RECEIVED_AT).issues


def reopen(content: bytes, tmp_path: Path) -> openpyxl.Workbook:
    path = tmp_path / "feedback.xlsx"
    path.write_bytes(content)
    return openpyxl.load_workbook(path)


def _top_left(ws: openpyxl.worksheet.worksheet.Worksheet, cell: str) -> str:
    for merged in ws.merged_cells.ranges:
        if cell in merged:
            return merged.start_cell.coordinate
    return cell


@pytest.mark.parametrize("path", CELL_CASES, ids=lambda p: p.name)
def test_the_faulty_cell_carries_fill_and_comment(
    path: Path, config: Config, tmp_path: Path
) -> None:
    original = path.read_bytes()
    issues = issues_of(config, ReceivedFile.from_path(path))
    book = reopen(annotate(original, issues), tmp_path)
    assert path.read_bytes() == original
    assert book.sheetnames[0] == layout.FEEDBACK_SHEET
    assert book.active.title == layout.FEEDBACK_SHEET
    issue = issues.row(0, named=True)
    sheet_name, cell = issue["location"].split("!")
    target = book[sheet_name]
    marked = target[_top_left(target, cell)]
    assert marked.comment is not None
    assert marked.comment.author == AUTHOR
    assert issue["message_vi"] in marked.comment.text
    assert marked.fill.fgColor.rgb.endswith(FAULT_FILL)
    listing = book[layout.FEEDBACK_SHEET]
    assert listing["A1"].value == "Báo cáo bị từ chối: 1 lỗi cần sửa"
    assert [c.value or "" for c in listing[5]][:6] == [
        1,
        cell,
        issue["element_code"] or "",
        issue["value"] or "",
        issue["message_vi"],
        issue["message_en"],
    ]
    assert listing["B5"].hyperlink.location == f"{sheet_name}!{_top_left(target, cell)}"


def test_every_problem_is_marked_and_listed(config: Config, tmp_path: Path) -> None:
    book = openpyxl.load_workbook(DATA / "good" / "openpyxl_filled.xlsx")
    ws = book[layout.SHEET]
    ws["B4"] = "99999"
    ws["D12"] = "n/a"
    ws["D13"] = "=1+2"
    ws["D16"] = "1.752"
    ws["D22"].comment = openpyxl.comments.Comment("số ước tính", "cán bộ xã")
    ws["D22"] = 140
    path = tmp_path / "sent.xlsx"
    book.save(path)
    received = ReceivedFile.from_path(path)
    issues = issues_of(config, received)
    assert sorted(issues.get_column("location")) == [
        "BaoCao!B4",
        "BaoCao!D12",
        "BaoCao!D13",
        "BaoCao!D16",
        "BaoCao!D22",
    ]
    marked = reopen(annotate(received.content, issues), tmp_path)
    ws = marked[layout.SHEET]
    for location, message in issues.select("location", "message_vi").iter_rows():
        cell = ws[location.split("!")[1]]
        assert message in cell.comment.text
        assert cell.fill.fgColor.rgb.endswith(FAULT_FILL)
    assert "số ước tính" in ws["D22"].comment.text  # the officer's own note is kept
    assert ws["D14"].comment is None
    assert ws["D14"].fill.fgColor.rgb != "00" + FAULT_FILL
    listing = marked[layout.FEEDBACK_SHEET]
    assert listing["A1"].value == "Báo cáo bị từ chối: 5 lỗi cần sửa"
    assert [listing.cell(row, 2).value for row in range(5, 10)] == [
        "B4",
        "D12",
        "D13",
        "D16",
        "D22",
    ]
    assert listing["D7"].value == "=1+2"  # the formula as typed, quoted, not evaluated
    assert listing["D7"].data_type == "s"


def test_an_annotated_copy_sent_back_reads_the_same(config: Config, tmp_path: Path) -> None:
    """Officers correct the feedback copy and send it again: the problem sheet is ignored,
    and annotating it again replaces it."""
    path = DATA / "bad" / "not_available.xlsx"
    issues = issues_of(config, ReceivedFile.from_path(path))
    once = annotate(path.read_bytes(), issues)
    again = issues_of(config, ReceivedFile.from_bytes("again.xlsx", once))
    assert again.select("location", "check").rows() == issues.select("location", "check").rows()
    twice = reopen(annotate(once, again), tmp_path)
    assert twice.sheetnames.count(layout.FEEDBACK_SHEET) == 1
    comment = twice[layout.SHEET]["D28"].comment.text
    assert comment.count(issues.item(0, "message_vi")) == 1


def test_a_whole_file_problem_is_listed_without_a_cell(config: Config, tmp_path: Path) -> None:
    path = DATA / "bad" / "two_report_sheets.xlsx"
    issues = issues_of(config, ReceivedFile.from_path(path))
    book = reopen(annotate(path.read_bytes(), issues), tmp_path)
    listing = book[layout.FEEDBACK_SHEET]
    assert listing["E5"].value == issues.item(0, "message_vi")
    assert listing["B5"].hyperlink is None


def test_validate_annotate_writes_the_copy(tmp_path: Path) -> None:
    out = tmp_path / "phan-hoi.xlsx"
    source = DATA / "bad" / "wrong_unit_code.xlsx"
    result = CliRunner().invoke(
        cli, ["validate", str(source), "--annotate", str(out), "--config", str(CONFIG)]
    )
    assert result.exit_code == 1, result.output
    assert "BaoCao!B4" in result.output
    assert f"phản hồi / feedback: {out}" in result.output
    cell = openpyxl.load_workbook(out)[layout.SHEET]["B4"]
    assert "28988" in cell.comment.text


def test_validate_annotate_writes_nothing_for_a_valid_workbook(tmp_path: Path) -> None:
    out = tmp_path / "phan-hoi.xlsx"
    source = DATA / "good" / "libreoffice_saved.xlsx"
    result = CliRunner().invoke(
        cli, ["validate", str(source), "--annotate", str(out), "--config", str(CONFIG)]
    )
    assert result.exit_code == 0, result.output
    assert "hợp lệ / valid" in result.output
    assert not out.exists()


def test_validate_annotate_needs_a_workbook(tmp_path: Path) -> None:
    csv = ROOT / "examples" / "giong_trom_2024" / "submissions" / "2024M05" / "28987_2024M05.csv"
    result = CliRunner().invoke(
        cli, ["validate", str(csv), "--annotate", str(tmp_path / "x.xlsx"), "--config", str(CONFIG)]
    )
    assert result.exit_code == 2
    assert "--annotate" in result.output


def test_intake_writes_feedback_beside_the_archive(config: Config, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    bad = inbox / "28987_2024M05.xlsx"
    shutil.copy(DATA / "bad" / "formula_without_value.xlsx", bad)
    shutil.copy(DATA / "good" / "libreoffice_saved.xlsx", inbox / "28987_2024M05_lo.xlsx")
    shutil.copy(DATA / "bad" / "damaged.xlsx", inbox / "hong.xlsx")
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    archive = tmp_path / "w.archive"
    with open_warehouse(url) as warehouse:
        result = pipeline.ingest_batch(
            sorted(inbox.iterdir()), config, warehouse, archive, RECEIVED_AT
        )
    statuses = {Path(o.source_name).name: o.status for o in result.outcomes}
    assert statuses == {
        "28987_2024M05.xlsx": "rejected",
        "28987_2024M05_lo.xlsx": "accepted",
        "hong.xlsx": "rejected",
    }
    folder = feedback_folder(archive)
    assert folder == tmp_path / "w.feedback"
    sha = hashlib.sha256(bad.read_bytes()).hexdigest()
    written = sorted(p.name for p in folder.iterdir())
    assert written == [feedback_name(str(bad), sha)]  # a damaged file gets none
    assert written[0] == f"28987_2024M05.{sha[:8]}.phan-hoi.xlsx"
    cell = openpyxl.load_workbook(folder / written[0])[layout.SHEET]["D30"]
    assert "=3000+55" in cell.comment.text
    assert archived_path(archive, sha).read_bytes() == bad.read_bytes()


def test_a_rejected_workbook_named_near_the_limit_gets_its_copy(
    config: Config, tmp_path: Path
) -> None:
    """A sent name of 250 bytes (about a hundred Vietnamese letters) plus the hash and
    ``.phan-hoi.xlsx`` was too long for the system: writing the copy failed the batch,
    and with it the intake of every other file. The copy's name is cut to fit."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    stem = "Báo cáo xã Phong Nẫm tháng năm " * 10
    while len((stem + ".xlsx").encode()) > 255:
        stem = stem[:-1]
    bad = inbox / f"{stem}.xlsx"
    shutil.copy(DATA / "bad" / "above_max.xlsx", bad)
    shutil.copy(CONFIG.parent / "submissions" / "2024M05" / "28984_2024M05.csv", inbox)
    archive = tmp_path / "w.archive"
    with open_warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}") as warehouse:
        result = pipeline.ingest_batch(
            sorted(inbox.iterdir()), config, warehouse, archive, RECEIVED_AT
        )
    statuses = {Path(o.source_name).name: o.status for o in result.outcomes}
    assert statuses == {bad.name: "rejected", "28984_2024M05.csv": "accepted"}
    sha = hashlib.sha256(bad.read_bytes()).hexdigest()
    (copy,) = feedback_folder(archive).iterdir()
    assert copy.name == feedback_name(str(bad), sha)
    assert copy.name.endswith(f".{sha[:8]}.phan-hoi.xlsx")
    assert copy.name.startswith("Báo cáo xã Phong Nẫm")
    assert len(copy.name.encode()) <= 255


def test_intake_names_the_feedback_copy(tmp_path: Path) -> None:
    from chitieu.cli.intake import _feedback_line
    from chitieu.receipts import FileOutcome

    sha = "ab" * 32
    rejected = FileOutcome("inbox/28987_2024M05.xlsx", sha, "rejected", [], "x", 1)
    assert _feedback_line(tmp_path, rejected) == ""  # nothing written (a damaged file)
    copy = tmp_path / feedback_name(rejected.source_name, sha)
    copy.write_bytes(b"x")
    assert _feedback_line(tmp_path, rejected) == f"\n    phản hồi / feedback: {copy}"
    accepted = FileOutcome("inbox/28987_2024M05.xlsx", sha, "accepted", [], "", 0)
    assert _feedback_line(tmp_path, accepted) == ""


def test_a_percent_is_quoted_as_excel_shows_it(config: Config, tmp_path: Path) -> None:
    """1.5 in the format 0% shows 150%: the comment and the list quote 150, as read."""
    path = DATA / "bad" / "percent_above_100.xlsx"
    issues = issues_of(config, ReceivedFile.from_path(path))
    book = reopen(annotate(path.read_bytes(), issues), tmp_path)
    assert "'150'" in book[layout.SHEET]["D22"].comment.text
    assert book[layout.FEEDBACK_SHEET]["D5"].value == "150"
