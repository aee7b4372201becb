"""Who has reported (SPEC §7): the example's second quarter with Hưng Lễ's June report
missing, Tân Thanh's June sent late (20 June, due 18 June), Hưng Nhượng's June rejected
and not resent (data/status/), Bình Hoà's April rejected then resent, and Lương Phú's
March corrected; the totals per unit, and `chitieu status` as text, JSON and Excel."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from click.testing import CliRunner

from chitieu import pipeline, status
from chitieu.cli import cli
from chitieu.config import Config, load_config
from chitieu.errors import OutputError, WarehouseError
from chitieu.examples import example_dir
from chitieu.periods import Period
from chitieu.warehouse import open_warehouse

EXAMPLE = example_dir()
REJECTED_JUNE = Path(__file__).parent / "data" / "status" / "29044_2024M06_loi.csv"
RECEIVED = dt.datetime(2024, 6, 25, 2, 0, tzinfo=dt.UTC)
LEFT_OUT = {"29047_2024M06.json", "29044_2024M06.csv"}


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(EXAMPLE / "config")


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory, config: Config) -> str:
    folder = tmp_path_factory.mktemp("status")
    months = [
        p
        for m in ("2024M03", "2024M04", "2024M05", "2024M06")
        for p in sorted((EXAMPLE / "submissions" / m).iterdir())
        if p.name not in LEFT_OUT
    ]
    url = f"duckdb:///{folder / 'w.duckdb'}"
    with open_warehouse(url) as wh:
        pipeline.ingest_batch(
            [*months, REJECTED_JUNE], config, wh, folder / "archive", received_at=RECEIVED
        )
    return url


@pytest.fixture(scope="module")
def states(url: str, config: Config) -> pl.DataFrame:
    with open_warehouse(url) as wh:
        submissions = wh.submissions().join(wh.warning_counts(), on="submission_id", how="left")
    return status.month_states(config, submissions, "2024Q2", "834")


def state_of(states: pl.DataFrame, unit: str, month: str) -> tuple[str, int | None]:
    row = states.filter((pl.col("org_unit_code") == unit) & (pl.col("period") == month))
    return row.item(0, "state"), row.item(0, "submission_id")


def test_every_commune_has_a_state_for_every_month(states: pl.DataFrame) -> None:
    assert states.columns == list(status.MONTH_STATES_SCHEMA)
    assert states.height == 22 * 3  # the 21 communes, and the district's own reports
    assert set(states["period"]) == {"2024M04", "2024M05", "2024M06"}
    assert set(states["parent_code"]) == {"834", "83"}
    assert state_of(states, "834", "2024M06")[0] == "on_time"


def test_missing_late_rejected_and_resent(states: pl.DataFrame) -> None:
    assert state_of(states, "29047", "2024M06") == ("missing", None)
    late, _ = state_of(states, "29035", "2024M06")
    assert late == "late"
    rejected, rejected_id = state_of(states, "29044", "2024M06")
    assert (rejected, rejected_id is not None) == ("rejected", True)
    # Bình Hoà's April: rejected on 15 April, resent on 16 April, the due date: on time
    assert state_of(states, "29017", "2024M04")[0] == "on_time"
    # Tân Hào's May: accepted, then a "correction" rejected: the accepted report stands
    assert state_of(states, "29029", "2024M05")[0] == "on_time"
    counts = dict(states.group_by("state").len().iter_rows())
    assert counts == {"on_time": 63, "late": 1, "rejected": 1, "missing": 1}


def test_a_corrected_month_and_a_held_report(config: Config, url: str) -> None:
    with open_warehouse(url) as wh:
        submissions = wh.submissions()
    march = status.month_states(config, submissions, "2024M03", "834")
    assert state_of(march, "29005", "2024M03")[0] == "superseded"
    # a report held while the review is signed off (SPEC §8) is its own state
    newest = submissions.filter(pl.col("org_unit_code") == "28984").sort("submission_id")[-1]
    held = pl.concat(
        [
            submissions,
            newest.with_columns(
                pl.lit(10_000, pl.Int64).alias("submission_id"),
                pl.lit("held").alias("status"),
                (pl.col("submitted_at") + dt.timedelta(days=1)).alias("submitted_at"),
            ),
        ]
    )
    june = status.month_states(config, held, "2024M06", "834")
    assert state_of(june, "28984", "2024M06") == ("held", 10_000)


def test_totals_per_unit_below_the_root(config: Config, states: pl.DataFrame) -> None:
    totals = status.totals(states, config, "2024Q2", "834")
    assert totals.columns == list(status.TOTALS_SCHEMA)
    root = totals.filter(pl.col("org_unit_code") == "834")
    # the 21 communes: the district's own report is not its own reporter (SPEC §3.6,
    # strictly below; its state is listed, on time each month)
    assert root.select(pl.exclude("name")).rows() == [
        ("834", "2024M04", 21, 21, 0, 0, 0, 0),
        ("834", "2024M05", 21, 21, 0, 0, 0, 0),
        ("834", "2024M06", 21, 18, 1, 1, 1, 0),
    ]
    assert state_of(states, "834", "2024M06")[0] == "on_time"
    one = totals.filter((pl.col("org_unit_code") == "29047") & (pl.col("period") == "2024M06"))
    assert one.select(pl.exclude("name", "org_unit_code", "period")).row(0) == (1, 0, 0, 1, 0, 0)
    assert totals.height == 3 * 22  # the root and its 21 communes, each month


def test_totals_agree_with_the_reviews_completeness(config: Config, url: str) -> None:
    """Months received (on time, late or corrected) over months expected, at the root:
    the completeness a review of the same months publishes (SPEC §3.6)."""
    from chitieu.rollup import roll_up

    with open_warehouse(url) as wh:
        states = status.month_states(config, wh.submissions(), "2024S1", "834")
        reports = wh.accepted_reports().select("org_unit_code", "period")
        values = wh.accepted_values()
    totals = status.totals(states, config, "2024S1", "834")
    root = totals.filter(pl.col("org_unit_code") == "834")
    received = root["on_time"].sum() + root["late"].sum()
    rollup = roll_up(config, values, Period.parse("2024S1"), "834", reports)
    completeness = rollup.completeness.filter(pl.col("org_unit_code") == "834")
    assert (received, root["expected"].sum()) == (
        completeness.item(0, "received"),
        completeness.item(0, "expected"),
    )


def test_the_status_command(config: Config, url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    common = ["status", "2024Q2", "--config", str(EXAMPLE / "config"), "--warehouse", url]
    text = runner.invoke(cli, common)
    assert text.exit_code == 0, text.output
    lines = text.output.splitlines()
    assert lines[0] == "Tình trạng báo cáo / reporting status 2024Q2 — Huyện Giồng Trôm (834)"
    assert lines[1] == ("hạn gửi / due: 2024M04 16/04/2024, 2024M05 16/05/2024, 2024M06 18/06/2024")
    hung_le = next(line for line in lines if line.startswith("29047"))
    assert hung_le.split()[-1] == "THIẾU/MISS"
    assert next(line for line in lines if line.startswith("29035")).split()[-1] == "trễ/late"
    assert any(line.startswith("834 Huyện Giồng Trôm") and "2024M06" in line for line in lines)

    as_json = runner.invoke(cli, [*common, "--format", "json"])
    document = json.loads(as_json.output)
    assert document["months"][2] == {"period": "2024M06", "due": "2024-06-18"}
    [missing] = [u for u in document["units"] if u["state"] == "missing"]
    assert (missing["org_unit_code"], missing["period"], missing["submitted_at"]) == (
        "29047",
        "2024M06",
        None,
    )

    sheet = tmp_path / "goi-dien.xlsx"
    written = runner.invoke(cli, [*common, "--format", "xlsx", "-o", str(sheet)])
    assert written.exit_code == 0, written.output
    book = openpyxl.load_workbook(sheet)
    assert book.sheetnames == ["Don vi", "Tong hop"]
    rows = list(book["Don vi"].iter_rows(values_only=True))
    assert rows[0][:5] == (
        "Mã đơn vị / unit",
        "Tên / name",
        "Cấp trên / parent",
        "Kỳ / period",
        "Tình trạng / state",
    )
    assert ("29047", "Xã Hưng Lễ", "834", "2024M06", "chưa gửi / missing") in [r[:5] for r in rows]

    refused = runner.invoke(cli, [*common, "--format", "xlsx"])
    assert refused.exit_code != 0
    assert "--format xlsx needs -o FILE.xlsx" in refused.output


@pytest.mark.parametrize(
    ("fmt", "name", "writes"),
    [
        ("xlsx", "x.csv", "--format xlsx writes an Excel workbook: name FILE.xlsx"),
        ("xlsx", "goi-dien", "--format xlsx writes an Excel workbook: name FILE.xlsx"),
        ("json", "x.xlsx", "--format json writes JSON: name FILE.json"),
        ("text", "x.xlsx", "--format text writes text: name FILE.txt"),
        ("text", "x.json", "--format text writes text: name FILE.txt"),
        ("xlsx", "x.xlsx/", "names a folder, and --format xlsx writes one file: name FILE.xlsx"),
        ("text", "bao-cao/", "names a folder, and --format text writes one file: name FILE.txt"),
        ("text", "x.xlsx/", "names a folder, and --format text writes one file: name FILE.txt"),
    ],
)
def test_status_refuses_a_file_named_for_another_format(
    tmp_path: Path, fmt: str, name: str, writes: str
) -> None:
    """``--format xlsx -o x.csv`` wrote a workbook named .csv, ``-o x.xlsx/`` (a folder)
    a file x.xlsx; refused, as `chitieu template` refuses out.csv, before the warehouse is
    opened (this one is not there)."""
    target = str(tmp_path / name) + ("/" if name.endswith("/") else "")
    result = CliRunner().invoke(
        cli,
        [
            *("status", "2024M06", "--config", str(EXAMPLE / "config")),
            *("--warehouse", str(tmp_path / "nowhere.duckdb"), "--format", fmt, "-o", target),
        ],
    )
    assert isinstance(result.exception, OutputError), result.output
    assert str(result.exception).startswith(f"{target}: ")
    assert f"--format {fmt} ghi " in str(result.exception)
    assert str(result.exception).endswith(f" / {writes}")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("fmt", "name"), [("text", "x.txt"), ("text", "x"), ("json", "x.JSON")])
def test_status_writes_a_file_named_for_its_format(
    url: str, tmp_path: Path, fmt: str, name: str
) -> None:
    common = ["status", "2024M06", "--config", str(EXAMPLE / "config"), "--warehouse", url]
    result = CliRunner().invoke(cli, [*common, "--format", fmt, "-o", str(tmp_path / name)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / name).read_text("utf-8").startswith("Tình" if fmt == "text" else "{")


def test_a_reused_code_is_a_line_per_unit_under_its_own_name(url: str) -> None:
    """28987 was Xã Phong Nẫm until 30/06/2025 and is Xã Lương Hòa (which took 28999 in)
    since: the year's grid shows each under its own name, over its own months, not the
    old unit's months under the new name."""
    common = ["status", "2025", "--org", "28987", "--config", str(EXAMPLE / "config")]
    done = CliRunner().invoke(cli, [*common, "--warehouse", url])
    assert done.exit_code == 0, done.output
    above_totals = done.output.split("Tổng hợp / totals")[0].splitlines()
    grid = [line.split(maxsplit=1)[1] for line in above_totals if line[:6] in ("28987 ", "28999 ")]
    assert [line[:28].strip() for line in grid] == ["Xã Phong Nẫm", "Xã Lương Hòa", "Xã Lương Hòa"]
    old, new, merged = grid
    assert old.count("THIẾU/MISS") == merged.count("THIẾU/MISS") == 6  # January to June
    assert new.count("THIẾU/MISS") == 6  # July to December


def test_status_of_a_warehouse_that_does_not_exist_creates_none(tmp_path: Path) -> None:
    """It reads only: a warehouse that is not there is said to be missing, not made."""
    missing = tmp_path / "nowhere.duckdb"
    result = CliRunner().invoke(
        cli, ["status", "2024M06", "--config", str(EXAMPLE / "config"), "--warehouse", str(missing)]
    )
    assert isinstance(result.exception, WarehouseError)
    assert "no warehouse at" in str(result.exception)
    assert not missing.exists()


def test_status_reads_without_prefect() -> None:
    import subprocess
    import sys

    probe = (
        "import sys\nfrom chitieu.cli import cli\n"
        "cli.main(['status', '--help'], standalone_mode=False)\n"
        "print('prefect' in sys.modules, 'great_expectations' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120
    )
    assert result.stdout.strip().splitlines()[-1] == "False False"


def test_months_of_one_hierarchy_are_computed_at_once_as_they_are_one_by_one(
    config: Config, url: str
) -> None:
    """The intake's status of several months (`status.steady_span`): at once when no unit
    begins, ends or is succeeded between them, the same rows as month by month."""
    months = Period.parse("2024S1").months()[2:]  # March to June, as received
    span = status.steady_span(config, months)
    assert span == Period(2024, 3, 6)
    with open_warehouse(url) as wh:
        submissions = wh.submissions().join(wh.warning_counts(), on="submission_id", how="left")
    at_once = status.month_states(config, submissions, span, "834")
    one_by_one = [status.month_states(config, submissions, m, "834") for m in months]
    assert at_once.equals(pl.concat(one_by_one))
    assert set(at_once["state"]) >= {"on_time", "late", "missing", "rejected", "superseded"}
    assert status.totals(at_once, config, span, "834").equals(
        pl.concat(
            status.totals(states, config, m, "834")
            for states, m in zip(one_by_one, months, strict=True)
        )
    )


def test_months_across_a_merger_are_computed_one_by_one() -> None:
    """2025's communes merged on 1 July (the 2025 example): the months around it each
    keep their own hierarchy; those before it are one span."""
    merged = load_config(example_dir().parent / "giong_trom_2025" / "config")
    year = Period.parse("2025").months()
    assert status.steady_span(merged, year) is None
    assert status.steady_span(merged, year[5:8]) is None  # June to August
    assert status.steady_span(merged, year[:6]) == Period(2025, 1, 6)
    assert status.steady_span(merged, year[:1]) is None  # one month: nothing to join
    assert status.steady_span(merged, [year[0], year[2]]) is None  # not consecutive
