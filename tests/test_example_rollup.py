"""The bundled Giồng Trôm example reproduces the article's six-month review.

Reads the example's accepted submissions directly (the files expected.json says
count) and checks every indicator against the figures the example's generator
computed independently, in exact fractions, from SPEC §3.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from chitieu.config import load_config
from chitieu.rollup import class_counts, roll_up, summary_sentence

EXAMPLE = Path(__file__).parents[1] / "examples" / "giong_trom_2024"
EXPECTED = json.loads((EXAMPLE / "expected.json").read_text(encoding="utf-8"))
NOT_COUNTED = {
    name
    for name, status in EXPECTED["intake"]["special_files"].items()
    if status in ("superseded", "rejected", "duplicate")
}


def _accepted_values() -> pl.DataFrame:
    frames = []
    for path in sorted((EXAMPLE / "submissions").rglob("*.*")):
        if str(path.relative_to(EXAMPLE)) in NOT_COUNTED:
            continue
        if path.suffix == ".csv":
            frame = pl.read_csv(path, infer_schema=False)
        else:
            report = json.loads(path.read_text(encoding="utf-8"))
            frame = pl.DataFrame(
                [
                    {
                        "org_unit_code": report["org_unit_code"],
                        "period": report["period"],
                        "element_code": item["element_code"],
                        "value": str(item["value"]),
                    }
                    for item in report["values"]
                ]
            )
        frames.append(
            frame.select(
                "org_unit_code", "element_code", "period", pl.col("value").cast(pl.Float64)
            )
        )
    return pl.concat(frames)


@pytest.fixture(scope="module")
def example() -> tuple[object, pl.DataFrame]:
    return load_config(EXAMPLE / "config"), _accepted_values()


@pytest.mark.parametrize("period", ["2024S1", "2024"])
def test_every_indicator_matches_the_independent_computation(example, period):
    config, values = example
    got = roll_up(config, values, period).root_indicators()
    expected = EXPECTED["reviews"][period]["indicators"]
    assert set(got.get_column("indicator_code")) == set(expected)
    for row in got.iter_rows(named=True):
        want = expected[row["indicator_code"]]
        assert row["class"] == want["class"], row
        assert row["target"] == want["target"], row
        if want["percent"] is None:
            assert row["percent"] is None, row
        else:
            assert row["percent"] == pytest.approx(want["percent"], abs=1e-9), row
        if want["actual"] is None:
            assert row["actual"] is None, row
        else:
            assert row["actual"] == pytest.approx(want["actual"], rel=1e-12), row


def test_six_month_review_reproduces_the_article(example):
    config, values = example
    rollup = roll_up(config, values, "2024S1")
    root = rollup.root_indicators()
    counts = class_counts(root)
    assert (counts.exceeded, counts.basically_achieved, counts.on_track) == (2, 4, 15)
    assert (counts.below_half, counts.not_started, counts.year_end) == (7, 2, 3)
    assert summary_sentence(counts, "vi") == (
        "thực hiện vượt 2/31 chỉ tiêu; cơ bản đạt 4/31 chỉ tiêu; "
        "15/31 chỉ tiêu đạt từ 50% trở lên; 7/31 chỉ tiêu đạt dưới 50%, "
        "trong đó có 2 chỉ tiêu chưa thực hiện; 3/31 chỉ tiêu đánh giá vào cuối năm"
    )
    quoted = {  # the article's figures: actual, target, percent
        "CT01": (102, 130, 78.46),
        "CT02": (23, 15, 153.33),
        "CT05": (1752, 3300, 53.09),
        "CT20": (1807, 2800, 64.54),
        "CT21": (198, 280, 70.71),
        "CT24": (42, 30, 140.0),
        "CT15": (12, 20, 60.0),
    }
    for code, (actual, target, percent) in quoted.items():
        row = root.filter(pl.col("indicator_code") == code).row(0, named=True)
        assert (row["actual"], row["target"], row["percent"]) == (actual, target, percent), code


def test_district_value_for_the_review_overrides_its_months(example):
    """The district statistics office's six-month estimate (1.752) replaces the
    months it sent (which add up to 1.700)."""
    config, values = example
    months = values.filter(
        (pl.col("element_code") == "GTSX_CN") & pl.col("period").str.contains("M0[1-6]")
    )
    assert months.get_column("value").sum() == 1700
    elements = roll_up(config, values, "2024S1").elements
    value = elements.filter(
        (pl.col("org_unit_code") == "834") & (pl.col("element_code") == "GTSX_CN")
    ).item(0, "value")
    assert value == 1752
