"""Values far from the unit's own history (SPEC §7): flagged with its history, accepted;
an ordinary value and a unit without history are not flagged; ``outlier: off`` is not
judged; the history read inside the registering transaction includes the batch's own
earlier months; the officer's workbook comes back with the cell in yellow and the
history in its comment; ``chitieu validate`` judges against the warehouse, writing
nothing. On every backend (the history is read with staged relations)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from click.testing import CliRunner
from warehouse_fixtures import warehouse_url_fixture  # noqa: F401

from chitieu import pipeline
from chitieu.cli import cli
from chitieu.config import Config, load_config
from chitieu.excel.annotate import WARNING_FILL
from chitieu.excel.feedback import feedback_folder, feedback_name
from chitieu.excel.template import template_workbook
from chitieu.periods import Period
from chitieu.warehouse import open_warehouse

DATA = Path(__file__).parent / "data"
CONFIG_DIR = DATA / "quality_config"
HISTORY = DATA / "quality" / "roads_history.csv"
JUNE = DATA / "quality" / "roads_june.csv"
RECEIVED = dt.datetime(2024, 6, 20, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
ROAD_WARNING_VI = (
    "Giá trị 25 của chỉ tiêu DUONG_GTNT (Đường giao thông nông thôn được cứng hóa) khác xa "
    "các kỳ trước của đơn vị: tháng trước 0,1; trung vị 12 tháng 0,1. Kiểm tra lại số liệu; "
    "nếu đúng, ghi lý do vào cột ghi chú."
)
ROAD_WARNING_EN = (
    "value 25 of DUONG_GTNT (Rural roads paved) is far from the unit's earlier periods: "
    "previous month 0.1; median of 12 months 0.1: check the figure; if it is right, say why "
    "in the note"
)


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(CONFIG_DIR)


def warnings_of(result: pipeline.IntakeResult) -> pl.DataFrame:
    return result.issues.filter(pl.col("severity") == "warning").join(
        result.submissions.select("batch_seq", "org_unit_code", "status"), on="batch_seq"
    )


def test_a_value_far_from_its_history_is_flagged_and_accepted(
    config: Config,
    warehouse_url: str,
    tmp_path: Path,
) -> None:
    """28987 paved 0,1 km every month for a year, then 25 km; 28993's 0,5 km is within its
    own 0,2-0,6; 28996 sends 25 km with no history at all: only 28987 is flagged."""
    with open_warehouse(warehouse_url) as wh:
        before = pipeline.ingest_batch([HISTORY], config, wh, tmp_path / "a", RECEIVED)
        assert warnings_of(before).is_empty()
        june = pipeline.ingest_batch([JUNE], config, wh, tmp_path / "a", RECEIVED)
        stored = wh.issues()
    flagged = warnings_of(june)
    assert flagged.select(
        "org_unit_code", "status", "location", "element_code", "value", "check"
    ).rows() == [("28987", "accepted", "line 2", "DUONG_GTNT", "25", "outlier")]
    assert flagged.select("message_vi", "message_en").row(0) == (ROAD_WARNING_VI, ROAD_WARNING_EN)
    assert [o.status for o in june.outcomes] == ["accepted"]
    assert june.outcomes[0].warning_count == 1
    assert stored.select("check", "severity", "message_vi").rows() == [
        ("outlier", "warning", ROAD_WARNING_VI)
    ]


def test_the_history_includes_earlier_months_of_the_same_batch(
    config: Config, tmp_path: Path
) -> None:
    with open_warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}") as wh:
        done = pipeline.ingest_batch([HISTORY, JUNE], config, wh, tmp_path / "a", RECEIVED)
    assert warnings_of(done).select("org_unit_code", "message_vi").rows() == [
        ("28987", ROAD_WARNING_VI)
    ]


def test_an_element_with_the_test_off_is_not_judged(config: Config, tmp_path: Path) -> None:
    """VIEC_LAM_MOI says ``outlier: off``: 12 new jobs a month, then 900, passes quietly;
    a boolean is never judged, whatever the catalog says elsewhere."""
    assert config.catalog.element("VIEC_LAM_MOI").outlier_test() is None
    header = "org_unit_code,element_code,period,value\n"
    months = [Period(2023, m, m).code for m in range(6, 13)] + ["2024M01", "2024M02"]
    history = tmp_path / "history.csv"
    history.write_text(header + "".join(f"28987,VIEC_LAM_MOI,{p},12\n" for p in months))
    jump = tmp_path / "jump.csv"
    jump.write_text(header + "28987,VIEC_LAM_MOI,2024M03,900\n")
    with open_warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}") as wh:
        done = pipeline.ingest_batch([history, jump], config, wh, tmp_path / "a", RECEIVED)
    assert warnings_of(done).is_empty()


def test_a_household_count_far_from_its_history(config: Config, tmp_path: Path) -> None:
    """The issue's story: Phong Nẫm's 3.055 households typed as 3.500; three months of
    history are enough for TONG_SO_HO (``min_history: 3``), and a value that moves by a
    household passes."""
    header = "org_unit_code,element_code,period,value\n"
    rows = [f"28987,TONG_SO_HO,2024M0{m},{3054 + m}\n" for m in range(1, 5)]
    rows.append("28987,TONG_SO_HO,2024M05,3500\n28993,TONG_SO_HO,2024M05,2201\n")
    rows += [f"28993,TONG_SO_HO,2024M0{m},{2195 + m}\n" for m in range(1, 5)]
    path = tmp_path / "households.csv"
    path.write_text(header + "".join(rows))
    with open_warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}") as wh:
        done = pipeline.ingest_batch([path], config, wh, tmp_path / "a", RECEIVED)
    (message,) = warnings_of(done)["message_vi"].to_list()
    assert message.startswith(
        "Giá trị 3.500 của chỉ tiêu TONG_SO_HO (Tổng số hộ) khác xa các kỳ trước của đơn "
        "vị: tháng trước 3.058; trung vị 4 tháng 3.056,5."
    )


def test_the_officers_workbook_comes_back_yellow_with_the_history(
    config: Config, tmp_path: Path
) -> None:
    june = Period.parse("2024M06")
    workbook = tmp_path / "28987_2024M06.xlsx"
    workbook.write_bytes(template_workbook(config, "28987", june, {"DUONG_GTNT": 25}))
    archive = tmp_path / "w.archive"
    with open_warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}") as wh:
        pipeline.ingest_batch([HISTORY], config, wh, archive, RECEIVED)
        done = pipeline.ingest_batch([workbook], config, wh, archive, RECEIVED)
    (outcome,) = done.outcomes
    assert outcome.status == "accepted"
    copy = feedback_folder(archive) / feedback_name(str(workbook), outcome.sha256)
    book = openpyxl.load_workbook(io.BytesIO(copy.read_bytes()))
    assert book.sheetnames[0] == "Cần kiểm tra"
    assert book.worksheets[0]["A1"].value == "Báo cáo đã được nhận, có 1 cảnh báo cần kiểm tra"
    location = warnings_of(done)["location"].item()
    cell = book["BaoCao"][location.split("!")[1]]
    assert cell.value == 25
    assert cell.fill.start_color.rgb.endswith(WARNING_FILL)
    assert "tháng trước 0,1; trung vị 12 tháng 0,1" in cell.comment.text
    assert cell.comment.text.startswith("• Cảnh báo: Giá trị 25 của chỉ tiêu DUONG_GTNT")


def test_validate_judges_against_the_warehouse_and_writes_nothing(
    config: Config, tmp_path: Path
) -> None:
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    with open_warehouse(url) as wh:
        pipeline.ingest_batch([HISTORY], config, wh, tmp_path / "a", RECEIVED)
        before = wh.submissions().height
    runner = CliRunner()
    args = ["validate", "--config", str(CONFIG_DIR), "--warehouse", url, str(JUNE)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "28987 2024M06: chấp nhận / accepted, 1 giá trị / values, 1 cảnh báo / warnings" in lines
    assert (
        f"  cảnh báo / warning: {JUNE.name} line 2: {ROAD_WARNING_VI} / {ROAD_WARNING_EN}" in lines
    )
    assert lines[-1] == "hợp lệ, 1 cảnh báo cần kiểm tra / valid, 1 warnings to check"
    with open_warehouse(url) as wh:
        assert wh.submissions().height == before
    # without a warehouse there is no history: nothing to compare, nothing created
    alone = runner.invoke(
        cli,
        [
            "validate",
            "--config",
            str(CONFIG_DIR),
            "--warehouse",
            str(tmp_path / "no.duckdb"),
            str(JUNE),
        ],
    )
    assert alone.exit_code == 0
    assert alone.output.splitlines()[-1] == "hợp lệ / valid"
    assert not (tmp_path / "no.duckdb").exists()
