"""A published revision's document is the revision's: rendered now, after a correction
taken in since, or after its inputs' status was changed, it is the same text, byte for
byte. Its completeness annex (Phụ lục II) is the status of the reports it used, not of
every report received (issue: the annex read live from the warehouse).

On a small real warehouse of each backend, through `chitieu report`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from tampering_fixtures import (
    CORRECTION,
    RECEIVED,
    make_config,
    publish_review,
    write_inbox,
    write_report,
)
from warehouse_fixtures import warehouse_url_fixture  # noqa: F401

from chitieu import pipeline
from chitieu.cli import cli
from chitieu.config import Config, load_config
from chitieu.warehouse import open_warehouse


class Reports:
    """The example's warehouse and configuration, and `chitieu report` on them."""

    def __init__(self, url: str, folder: Path) -> None:
        self.url, self.folder = url, folder
        self.config_dir = make_config(folder / "config")
        self.config: Config = load_config(self.config_dir)

    def report(self, *args: str) -> str:
        common = ["--warehouse", self.url, "--config", str(self.config_dir)]
        result = CliRunner().invoke(cli, ["report", "2024S1", *args, *common])
        assert result.exit_code == 0, result.output
        return result.output

    def documents(self) -> dict[str, str]:
        """Revision 1's document in every text format and both languages."""
        return {
            f"{fmt} {lang}": self.report("--revision", "1", "--format", fmt, "--lang", lang)
            for fmt in ("md", "json", "html")
            for lang in ("vi", "en")
        }

    def inputs_sheet(self, name: str) -> list[tuple[object, ...]]:
        path = self.folder / name
        self.report("--revision", "1", "--format", "xlsx", "-o", str(path))
        workbook = openpyxl.load_workbook(path, read_only=True)
        return list(workbook["Báo cáo đã dùng"].iter_rows(values_only=True))

    def execute(self, sql: str) -> None:
        with open_warehouse(self.url) as wh:
            wh.backend.execute(sql, [])


@pytest.fixture(name="reports")
def reports_fixture(warehouse_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Reports:
    """Three communes' January and February reports, on time; revision 1 published."""
    monkeypatch.setenv("CHITIEU_DATA_DIR", str(tmp_path / "data"))
    reports = Reports(warehouse_url, tmp_path)
    inbox = write_inbox(tmp_path)
    with open_warehouse(warehouse_url) as wh:
        pipeline.ingest_batch(
            sorted(inbox.iterdir()), reports.config, wh, wh.archive, received_at=RECEIVED
        )
        assert publish_review(reports.config, wh).revision == 1
    return reports


def annex_line(markdown: str, unit: str) -> str:
    return next(line for line in markdown.splitlines() if line.startswith(f"| {unit} "))


def test_a_correction_taken_in_later_leaves_the_revisions_document_as_it_was(
    reports: Reports,
) -> None:
    before = reports.documents()
    sheet = reports.inputs_sheet("before.xlsx")
    assert annex_line(before["md vi"], "C1").split(" | ")[1] == "đúng hạn"
    # C1's January report corrected on 20 January, after its due date: late
    name, report = CORRECTION
    corrected = write_report(reports.folder / "inbox", name, *report)
    with open_warehouse(reports.url) as wh:
        later = RECEIVED + dt.timedelta(days=1)
        pipeline.ingest_batch([corrected], reports.config, wh, wh.archive, received_at=later)
    after = reports.documents()
    for key, text in before.items():
        assert after[key] == text, key
    assert reports.inputs_sheet("after.xlsx") == sheet
    # the correction is in the reporting status, and in the revision that takes it in
    with open_warehouse(reports.url) as wh:
        assert publish_review(reports.config, wh).revision == 2
    latest = reports.report("--format", "md")
    assert annex_line(latest, "C1").split(" | ")[1] == "trễ hạn"
    assert "Tính từ các báo cáo mà bản công bố đã dùng" in before["md vi"]


def test_a_used_reports_status_changed_by_hand_does_not_change_the_annex(
    reports: Reports,
) -> None:
    before = reports.documents()
    reports.execute("UPDATE submissions SET status = 'rejected' WHERE org_unit_code = 'C2'")
    after = reports.documents()
    assert annex_line(after["md vi"], "C2") == annex_line(before["md vi"], "C2")
    assert after == before
