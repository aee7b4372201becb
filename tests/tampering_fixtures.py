"""A small real warehouse to tamper with, on each backend: three communes' CSV reports
ingested (archived byte for byte), the six-month review published, a corrected report
ingested and the review published again (revision 2). Reviews are published through the
roll-up and the warehouse, without the quality gate (tested elsewhere), so each test
builds its own in about a second.

Import into a test module as below; ``tampered`` gives a `Tampered` with
``CHITIEU_DATA_DIR`` set for the test (the archive and heads log of PostgreSQL):

    from tampering_fixtures import tampered_fixture  # noqa: F401
    from warehouse_fixtures import warehouse_url_fixture  # noqa: F401
"""

from __future__ import annotations

import datetime as dt
import stat
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from rollup_helpers import TREE_DISTRICT, catalog, element, indicator, write_config

from chitieu import pipeline
from chitieu.cli import cli
from chitieu.config import Config, load_config
from chitieu.periods import Period
from chitieu.rollup import roll_up
from chitieu.snapshot import draft_snapshot
from chitieu.warehouse import Published, Warehouse, open_warehouse
from chitieu.warehouse.archive import archived_path

RECEIVED = dt.datetime(2024, 6, 16, 1, 0, tzinfo=dt.UTC)
CSV_HEADER = "org_unit_code,element_code,period,value,note,submitted_at\n"
REPORTS = {  # file name: (unit, period, value, submitted_at)
    "C1_2024M01.csv": ("C1", "2024M01", 2, "2024-01-15T08:00:00+07:00"),
    "C2_2024M01.csv": ("C2", "2024M01", 3, "2024-01-15T09:00:00+07:00"),
    "C3_2024M02.csv": ("C3", "2024M02", 1, "2024-02-15T08:00:00+07:00"),
}
CORRECTION = ("C1_2024M01_sua.csv", ("C1", "2024M01", 4, "2024-01-20T08:00:00+07:00"))


def write_report(folder: Path, name: str, unit: str, period: str, value: int, at: str) -> Path:
    path = folder / name
    path.write_text(CSV_HEADER + f"{unit},E1,{period},{value},,{at}\n", "utf-8")
    return path


def write_inbox(folder: Path) -> Path:
    """``folder / "inbox"`` with the three communes' reports (`REPORTS`)."""
    inbox = folder / "inbox"
    inbox.mkdir()
    for name, report in REPORTS.items():
        write_report(inbox, name, *report)
    return inbox


def make_config(folder: Path, note: str = "") -> Path:
    """Element E1 (a sum), indicator CT01 = E1, target 10 for the district D."""
    doc = catalog([element("E1", unit="cái")], [indicator("CT01", "E1", unit="cái")], "D")
    write_config(folder, doc, TREE_DISTRICT, [("CT01", "D", 2024, 10, "")])
    if note:
        with (folder / "catalog.yaml").open("a", encoding="utf-8") as catalog_file:
            catalog_file.write(f"# {note}\n")
    return folder


def publish_review(config: Config, wh: Warehouse, period: str = "2024S1") -> Published:
    """Roll up the accepted values and publish, as `chitieu review` does (no gate)."""
    reports = wh.accepted_reports()
    rollup = roll_up(
        config,
        wh.accepted_values(),
        Period.parse(period),
        reports=reports.select("org_unit_code", "period"),
    )
    return wh.publish(draft_snapshot(rollup, config, reports, checks_passed=True))


@dataclass(frozen=True)
class Tampered:
    url: str
    folder: Path
    config_dir: Path
    published: list[Published]
    """Revisions 1 and 2 of 2024S1 D."""

    def open(self) -> Warehouse:
        return open_warehouse(self.url)

    def run(self, *args: str, config_dir: Path | None = None) -> Result:
        """A command on this warehouse, with this configuration (or another)."""
        common = ["--warehouse", self.url, "--config", str(config_dir or self.config_dir)]
        return CliRunner().invoke(cli, [*args, *common])

    def verify(self, *args: str, config_dir: Path | None = None) -> Result:
        return self.run("snapshots", "verify", *args, config_dir=config_dir)

    @property
    def heads_log(self) -> Path:
        with self.open() as wh:
            assert wh.heads_log is not None
            return wh.heads_log

    def archived(self, sha256: str) -> Path:
        with self.open() as wh:
            return archived_path(wh.archive, sha256)

    def execute(self, sql: str, *params: object) -> None:
        """Change the database behind chitieu's back, as its owner could."""
        with self.open() as wh:
            wh.backend.execute(sql, list(params))

    def submission(self, source_suffix: str) -> tuple[int, str]:
        """(submission_id, sha256) of the file whose name ends so."""
        with self.open() as wh:
            found = wh.submissions().filter(
                wh.submissions()["source_name"].str.ends_with(source_suffix)
            )
        assert found.height == 1
        return found.item(0, "submission_id"), found.item(0, "sha256")


def overwrite(path: Path, content: bytes) -> None:
    """Replace an archived file's bytes (archived files are read-only: the owner can)."""
    path.chmod(stat.S_IWUSR | stat.S_IRUSR)
    path.write_bytes(content)


def build(url: str, folder: Path) -> list[Published]:
    config = load_config(make_config(folder / "config"))
    inbox = write_inbox(folder)
    files = sorted(inbox.iterdir())
    with open_warehouse(url) as wh:
        pipeline.ingest_batch(files, config, wh, wh.archive, received_at=RECEIVED)
        first = publish_review(config, wh)
        name, report = CORRECTION
        corrected = write_report(inbox, name, *report)
        later = RECEIVED + dt.timedelta(days=1)
        pipeline.ingest_batch([corrected], config, wh, wh.archive, received_at=later)
        second = publish_review(config, wh)
    assert (first.revision, second.revision) == (1, 2)
    return [first, second]


@pytest.fixture(name="tampered")
def tampered_fixture(
    warehouse_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Tampered:
    monkeypatch.setenv("CHITIEU_DATA_DIR", str(tmp_path / "data"))
    published = build(warehouse_url, tmp_path)
    return Tampered(warehouse_url, tmp_path, tmp_path / "config", published)
