"""Round trip: the example's six months as workbooks give the same review as its CSV/JSON.

Templates for every submitting unit (21 communes and the district 834) for 2024M01..M06,
and 834's own 2024S1 report, filled with openpyxl with the values (and notes) of the
example's accepted submissions, ingested through the pipeline into a DuckDB warehouse,
then rolled up for 2024S1: the elements, indicators and completeness equal those from
the CSV/JSON files ingested the same way. Elements a unit did not report stay blank in
its workbook ("no figure yet"), which is how the district's 2024S1 report carries only
some of its elements.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from chitieu import pipeline
from chitieu.config import Config, load_config
from chitieu.excel import layout
from chitieu.excel.template import submitting_units, template_workbook
from chitieu.periods import Period
from chitieu.rollup import Rollup, roll_up
from chitieu.sources import ReceivedFile, read_submission
from chitieu.warehouse import open_warehouse

EXAMPLE = Path(__file__).parents[1] / "examples" / "giong_trom_2024"
EXPECTED = json.loads((EXAMPLE / "expected.json").read_text(encoding="utf-8"))
NOT_ACCEPTED = {
    name
    for name, status in EXPECTED["intake"]["special_files"].items()
    if status in ("superseded", "rejected", "duplicate")
}
PERIODS = [f"2024M0{m}" for m in range(1, 7)] + ["2024S1"]
RECEIVED_AT = dt.datetime(2024, 6, 20, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(EXAMPLE / "config")


def accepted_files() -> list[Path]:
    return [
        path
        for period in PERIODS
        for path in sorted((EXAMPLE / "submissions" / period).iterdir())
        if str(path.relative_to(EXAMPLE)) not in NOT_ACCEPTED
    ]


def reports(files: list[Path]) -> dict[tuple[str, str], pl.DataFrame]:
    """(unit, period) → element_code, value, note of its accepted report."""
    found: dict[tuple[str, str], pl.DataFrame] = {}
    for path in files:
        rows = read_submission(ReceivedFile.from_path(path)).rows
        for (unit, period), part in rows.group_by("org_unit_code", "period"):
            key = (str(unit), str(period))
            assert key not in found, key
            found[key] = part.select("element_code", "value", "note")
    return found


def filled_workbook(config: Config, unit: str, period: str, report: pl.DataFrame) -> bytes:
    """The unit's template, filled in with openpyxl the way an officer types figures."""
    book = openpyxl.load_workbook(io.BytesIO(template_workbook(config, unit, Period.parse(period))))
    ws = book[layout.SHEET]
    rows = {ws.cell(r, 1).value: r for r in range(12, ws.max_row + 1)}
    for code, value, note in report.iter_rows():
        number = float(value)
        ws.cell(rows[code], 4).value = int(number) if number.is_integer() else number
        if note is not None:
            ws.cell(rows[code], 5).value = note
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ingest_and_roll_up(config: Config, paths: list[Path], folder: Path) -> tuple[Rollup, list[str]]:
    with open_warehouse(f"duckdb:///{folder / 'w.duckdb'}") as warehouse:
        result = pipeline.ingest_batch(paths, config, warehouse, folder / "w.archive", RECEIVED_AT)
        rollup = roll_up(
            config,
            warehouse.accepted_values(),
            "2024S1",
            reports=warehouse.accepted_reports().select("org_unit_code", "period"),
        )
    return rollup, sorted({o.status for o in result.outcomes})


@pytest.fixture(scope="module")
def both(config: Config, tmp_path_factory: pytest.TempPathFactory) -> tuple[Rollup, Rollup]:
    files = accepted_files()
    by_report = reports(files)
    xlsx = tmp_path_factory.mktemp("xlsx")
    written = []
    for period in PERIODS:
        for unit in submitting_units(config, "834", Period.parse(period)):
            report = by_report.get((unit.code, period))
            if report is None:  # a unit that sent nothing for this period
                continue
            path = xlsx / f"{unit.code}_{period}.xlsx"
            path.write_bytes(filled_workbook(config, unit.code, period, report))
            written.append(path)
    assert len(written) == len(by_report)  # every accepted report became a workbook
    assert len(written) == 21 * 6 + 6 + 1
    csv_rollup, csv_statuses = ingest_and_roll_up(config, files, tmp_path_factory.mktemp("csv"))
    xlsx_rollup, xlsx_statuses = ingest_and_roll_up(config, written, tmp_path_factory.mktemp("wh"))
    assert csv_statuses == xlsx_statuses == ["accepted"]
    return csv_rollup, xlsx_rollup


def _sorted(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort(frame.columns)


def test_same_elements(both: tuple[Rollup, Rollup]) -> None:
    csv, xlsx = both
    assert xlsx.elements.height > 0
    assert_frame_equal(_sorted(csv.elements), _sorted(xlsx.elements))


def test_same_indicators_and_the_articles_figures(both: tuple[Rollup, Rollup]) -> None:
    csv, xlsx = both
    assert_frame_equal(_sorted(csv.indicators), _sorted(xlsx.indicators))
    root = xlsx.root_indicators()
    for code, want in EXPECTED["reviews"]["2024S1"]["indicators"].items():
        row = root.filter(pl.col("indicator_code") == code).row(0, named=True)
        assert row["class"] == want["class"], code


def test_same_completeness(both: tuple[Rollup, Rollup]) -> None:
    csv, xlsx = both
    assert_frame_equal(_sorted(csv.completeness), _sorted(xlsx.completeness))
    assert xlsx.root_completeness() == csv.root_completeness()
