"""Rules across elements (SPEC §7): each operator, an error rule rejecting a report with
both of its lines or cells named, a warning rule accepting its report and flagging it,
the levels and period kinds a rule applies to. Tiny submissions in data/quality/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from chitieu import pipeline
from chitieu.config import Config, RuleSpec, load_config
from chitieu.datachecks.rules import Rule, breaches
from chitieu.intake import plan_intake
from chitieu.sources import ReceivedFile, read_submission
from chitieu.warehouse import open_warehouse

DATA = Path(__file__).parent / "data"
QUALITY = DATA / "quality"
RECEIVED = dt.datetime(2024, 6, 20, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(DATA / "quality_config")


def plan(config: Config, *names: str) -> pl.DataFrame:
    """The issues of the named files, planned as one intake batch would be."""
    files = [ReceivedFile.from_path(QUALITY / name) for name in names]
    batch = plan_intake(files, [read_submission(f) for f in files], config, set(), RECEIVED)
    return batch.submissions.join(batch.issues, on="batch_seq", how="left")


@pytest.mark.parametrize(
    ("operator", "left", "right", "holds"),
    [
        ("<=", 3, 3, True),
        ("<=", 4, 3, False),
        ("<", 2, 3, True),
        ("<", 3, 3, False),
        ("==", 3, 3, True),
        ("==", 0.1 + 0.2, 0.3, True),  # sums in another order are not a breach
        ("==", 3, 4, False),
        (">=", 3, 3, True),
        (">=", 2, 3, False),
        (">", 4, 3, True),
        (">", 3, 3, False),
        ("!=", 3, 4, True),
        ("!=", 3, 3, False),
        ("<=", None, 3, None),  # a side without a value: nothing to check
    ],
)
def test_each_operator(
    config: Config, operator: str, left: float | None, right: float | None, holds: bool | None
) -> None:
    spec = RuleSpec(
        code="R9",
        left="XKLD",
        operator=operator,
        right="XKLD_TRUNG_TUYEN",  # type: ignore[arg-type]
        message="thử",
        message_en="test",
    )
    rule = Rule(spec, ["XKLD", "XKLD_TRUNG_TUYEN"], frozenset({"commune"}))
    wide = pl.DataFrame(
        {"key": [1], "XKLD": [left], "XKLD_TRUNG_TUYEN": [right]},
        schema={"key": pl.Int64, "XKLD": pl.Float64, "XKLD_TRUNG_TUYEN": pl.Float64},
    )
    assert wide.select(rule.holds()).item() is holds
    assert breaches(wide, rule, ["key"], config).height == (1 if holds is False else 0)


def test_an_error_rule_rejects_the_report_naming_both_lines(config: Config) -> None:
    found = plan(config, "departed_above_recruited.csv")
    assert found["status"].to_list() == ["rejected"]
    (issue,) = found.iter_rows(named=True)
    assert (issue["check"], issue["severity"]) == ("rule_R01", "error")
    assert issue["location"] == "line 2; line 3"
    assert issue["element_code"] == "XKLD"
    assert issue["value"] == "XKLD=5; XKLD_TRUNG_TUYEN=3"
    assert issue["message_vi"] == (
        "Quy tắc R01: Số lao động đã xuất cảnh không thể lớn hơn số trúng tuyển: "
        "XKLD (Số lao động đã xuất cảnh) = 5 ở line 2 phải ≤ "
        "XKLD_TRUNG_TUYEN (Số lao động trúng tuyển) = 3 ở line 3."
    )
    assert issue["message_en"] == (
        "rule R01: Workers departed cannot exceed workers recruited: XKLD (Workers departed) "
        "= 5 at line 2 must be ≤ XKLD_TRUNG_TUYEN (Workers recruited) = 3 at line 3"
    )


def test_a_warning_rule_accepts_the_report_and_flags_it(config: Config) -> None:
    found = plan(config, "poor_rate_high.csv")
    assert found["status"].to_list() == ["accepted"]
    (issue,) = found.iter_rows(named=True)
    assert (issue["check"], issue["severity"]) == ("rule_R02", "warning")
    assert issue["location"] == "line 2; line 3"
    assert issue["message_vi"].startswith(
        "Quy tắc R02: Tỷ lệ hộ nghèo từ 30% trở lên, kiểm tra lại: HO_NGHEO * 100 / "
        "TONG_SO_HO = 45 (HO_NGHEO (Số hộ nghèo) = 900 ở line 2; TONG_SO_HO (Tổng số hộ) = "
        "2.000 ở line 3) phải < 30"
    )


def test_a_rule_applies_to_its_period_kinds_only(config: Config) -> None:
    """R03 is for half-years and years: a month breaking it passes, a half-year does not."""
    month = plan(config, "month_poor_above_households.csv")
    assert month["status"].to_list() == ["accepted"]
    assert month["check"].to_list() == ["rule_R02"]  # the warning of every period kind
    half = plan(config, "half_year_poor_above_households.csv")
    assert half["status"].unique().to_list() == ["rejected"]
    assert half["check"].to_list() == ["rule_R02", "rule_R03"]


def test_a_rule_applies_at_its_levels_only(config: Config, tmp_path: Path) -> None:
    """R02 names the commune level: the district's own report is not held to it, though
    the district collects both elements when they are rolled up."""
    text = (QUALITY / "poor_rate_high.csv").read_text("utf-8").replace("28993,", "834,")
    # the district does not collect these elements: only the level check speaks
    (tmp_path / "district.csv").write_text(text, "utf-8")
    received = ReceivedFile.from_path(tmp_path / "district.csv")
    batch = plan_intake([received], [read_submission(received)], config, set(), RECEIVED)
    assert "rule_R02" not in batch.issues["check"].to_list()
    assert set(batch.issues["check"]) == {"element_wrong_level"}


def test_warnings_and_errors_are_recorded_with_their_severity(
    config: Config, tmp_path: Path
) -> None:
    paths = [QUALITY / "departed_above_recruited.csv", QUALITY / "poor_rate_high.csv"]
    with open_warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}") as wh:
        done = pipeline.ingest_batch(paths, config, wh, tmp_path / "archive", RECEIVED)
        stored = wh.issues().join(wh.submissions(), on="submission_id")
    assert [o.status for o in done.outcomes] == ["rejected", "accepted"]
    assert done.outcomes[1].warning_count == 1
    assert done.outcomes[1].first_warning.startswith("line 2; line 3: Quy tắc R02")
    assert stored.select("source_name", "check", "severity", "status").rows() == [
        (str(paths[0]), "rule_R01", "error", "rejected"),
        (str(paths[1]), "rule_R02", "warning", "accepted"),
    ]
