"""Indicators (SPEC §3.3-5): the formula over aggregated elements, percent of the annual
target rounded half away from zero, and the class of that rounded percent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from rollup_helpers import (
    TREE_DISTRICT,
    MakeConfig,
    catalog,
    element,
    indicator,
    indicator_row,
    values,
    write_config,
)

from chitieu.config import Config, load_config
from chitieu.rollup import roll_up
from chitieu.rollup.indicators import round_half_away


def one_indicator(
    make_config: MakeConfig,
    actual: float | None,
    target: float | None,
    baseline: float | None = None,
    review_period: str = "2024S1",
    **rules: Any,
) -> dict[str, Any]:
    """The district's row for an indicator ``X`` whose only commune reported ``actual``."""
    targets = [] if target is None else [("CT01", "D", 2024, target, baseline)]
    config = make_config([element("X")], [indicator("CT01", "X", **rules)], targets=targets)
    rows = [] if actual is None else [("C1", "X", "2024M03", actual)]
    return indicator_row(roll_up(config, values(*rows), review_period), "D", "CT01")


@pytest.mark.parametrize(
    ("actual", "percent", "klass"),
    [
        (89.999999, 90.0, "basically_achieved"),  # rounded to 90.00 first, then classed
        (89.994, 89.99, "on_track"),
        (90, 90.0, "basically_achieved"),
        (99.99, 99.99, "basically_achieved"),
        (99.995, 100.0, "exceeded"),
        (100, 100.0, "exceeded"),
        (153.333, 153.33, "exceeded"),
        (50, 50.0, "on_track"),
        (49.995, 50.0, "on_track"),
        (49.99, 49.99, "below_half"),
        (0.005, 0.01, "below_half"),
        (0.004, 0.0, "not_started"),
        (0, 0.0, "not_started"),
        (-3, -3.0, "not_started"),
    ],
)
def test_class_of_the_rounded_percent(
    make_config: MakeConfig, actual: float, percent: float, klass: str
) -> None:
    row = one_indicator(make_config, actual, target=100)
    assert row["actual"] == pytest.approx(actual)
    assert row["target"] == 100
    assert row["percent"] == percent
    assert row["class"] == klass


@pytest.mark.parametrize(
    ("actual", "target", "percent", "klass"),
    [
        # the figures of the article (DOMAIN.md)
        (102, 130, 78.46, "on_track"),
        (23, 15, 153.33, "exceeded"),
        (1752, 3300, 53.09, "on_track"),  # the article says "hơn 52,2 %": its own slip
        (1807, 2800, 64.54, "on_track"),
        (198, 280, 70.71, "on_track"),
        (135, 50, 270.0, "exceeded"),
        (42, 30, 140.0, "exceeded"),
        (12, 20, 60.0, "on_track"),
    ],
)
def test_the_articles_figures(
    make_config: MakeConfig, actual: float, target: float, percent: float, klass: str
) -> None:
    row = one_indicator(make_config, actual, target)
    assert (row["percent"], row["class"]) == (percent, klass)


def test_no_data_is_not_started(make_config: MakeConfig) -> None:
    row = one_indicator(make_config, None, target=100)
    assert row == {
        "org_unit_code": "D",
        "level": "district",
        "indicator_code": "CT01",
        "actual": None,
        "target": 100.0,
        "percent": None,
        "class": "not_started",
        "comparable": True,  # issue 12: no succession share was needed
    }


@pytest.mark.parametrize(
    ("actual", "percent", "klass"),
    [
        (20, 50.0, "on_track"),  # (30 - 20) / (30 - 10)
        (12, 90.0, "basically_achieved"),
        (10, 100.0, "exceeded"),
        (8, 110.0, "exceeded"),
        (29, 5.0, "below_half"),
        (30, 0.0, "not_started"),  # no better than last year
        (35, -25.0, "not_started"),  # worse than last year
    ],
)
def test_a_decrease_indicator(
    make_config: MakeConfig, actual: float, percent: float, klass: str
) -> None:
    row = one_indicator(make_config, actual, target=10, baseline=30, direction="decrease")
    assert (row["percent"], row["class"]) == (percent, klass)


def test_the_baseline_of_an_increase_indicator_is_ignored(make_config: MakeConfig) -> None:
    row = one_indicator(make_config, 20, target=40, baseline=30)
    assert row["percent"] == 50.0


@pytest.mark.parametrize(
    ("actual", "klass"), [(5, "exceeded"), (10, "exceeded"), (12, "not_started")]
)
def test_a_decrease_target_equal_to_its_baseline_gives_no_percent(
    make_config: MakeConfig, actual: float, klass: str
) -> None:
    """ "Keep it where it is": no percent; met at or under the baseline (README)."""
    row = one_indicator(make_config, actual, target=10, baseline=10, direction="decrease")
    assert (row["percent"], row["class"]) == (None, klass)


@pytest.mark.parametrize(
    ("actual", "klass"), [(5, "exceeded"), (0, "exceeded"), (-1, "not_started")]
)
def test_a_target_of_zero_gives_no_percent_and_no_error(
    make_config: MakeConfig, actual: float, klass: str
) -> None:
    """A target of 0 has no percent; a figure of 0 or more meets it (README)."""
    row = one_indicator(make_config, actual, target=0)
    assert (row["actual"], row["target"], row["percent"], row["class"]) == (
        actual,
        0,
        None,
        klass,
    )


def test_division_by_zero_in_a_formula_gives_null_and_not_started(
    make_config: MakeConfig,
) -> None:
    config = make_config(
        [element("POOR"), element("HOUSEHOLDS", time_aggregation="last")],
        [indicator("CT01", "POOR * 100 / HOUSEHOLDS")],
        targets=[("CT01", "D", 2024, 5, None), ("CT01", "C1", 2024, 5, None)],
    )
    rows = [("C1", "POOR", "2024M01", 3.0), ("C1", "HOUSEHOLDS", "2024M01", 0.0)]
    result = roll_up(config, values(*rows), "2024S1")
    for unit in ("C1", "D"):
        row = indicator_row(result, unit, "CT01")
        assert (row["actual"], row["percent"], row["class"]) == (None, None, "not_started")


def test_ratio_of_sums_not_average_of_ratios(make_config: MakeConfig) -> None:
    config = make_config(
        [element("POOR", time_aggregation="last"), element("HOUSEHOLDS", time_aggregation="last")],
        [indicator("CT01", "POOR * 100 / HOUSEHOLDS")],
        targets=[("CT01", "D", 2024, 20, None)],
    )
    rows = [
        ("C1", "POOR", "2024M06", 10.0),
        ("C1", "HOUSEHOLDS", "2024M06", 100.0),
        ("C2", "POOR", "2024M06", 30.0),
        ("C2", "HOUSEHOLDS", "2024M06", 200.0),
    ]
    result = roll_up(config, values(*rows), "2024S1")
    assert indicator_row(result, "C1", "CT01")["actual"] == 10
    assert indicator_row(result, "C2", "CT01")["actual"] == 15
    district = indicator_row(result, "D", "CT01")
    assert district["actual"] == pytest.approx(40 * 100 / 300)  # 13.33, not (10 + 15) / 2
    assert district["percent"] == 66.67


def test_an_indicator_built_on_indicators(make_config: MakeConfig) -> None:
    config = make_config(
        [element("A"), element("B")],
        [indicator("CT01", "A"), indicator("CT02", "B"), indicator("CT03", "CT01 * 100 / CT02")],
        targets=[("CT03", "D", 2024, 50, None)],
    )
    rows = [("C1", "A", "2024M01", 1.0), ("C2", "A", "2024M01", 2.0), ("C2", "B", "2024M02", 4.0)]
    row = indicator_row(roll_up(config, values(*rows), "2024S1"), "D", "CT03")
    assert (row["actual"], row["percent"], row["class"]) == (75.0, 150.0, "exceeded")


def year_end_config(make_config: MakeConfig) -> Config:
    return make_config(
        [element("X")],
        [indicator("CT01", "X", review="year_end"), indicator("CT02", "X")],
        targets=[("CT01", "D", 2024, 100, None), ("CT02", "D", 2024, 100, None)],
    )


@pytest.mark.parametrize(
    "rows",
    [[], [("C1", "X", "2024M03", 500.0)], [("C1", "X", "2024M03", 0.0)]],
    ids=["no data", "exceeded", "zero"],
)
def test_a_year_end_indicator_in_a_six_month_review(
    make_config: MakeConfig, rows: list[tuple]
) -> None:
    result = roll_up(year_end_config(make_config), values(*rows), "2024S1")
    for unit in ("D", "C1", "C2"):  # C1 and C2 have no target: still year_end
        assert indicator_row(result, unit, "CT01")["class"] == "year_end"
    assert indicator_row(result, "D", "CT02")["class"] != "year_end"


def test_a_year_end_indicator_is_classified_in_the_year_review(make_config: MakeConfig) -> None:
    rows = [("C1", "X", "2024M03", 40.0), ("C1", "X", "2024M09", 55.0)]
    result = roll_up(year_end_config(make_config), values(*rows), "2024")
    row = indicator_row(result, "D", "CT01")
    assert (row["actual"], row["percent"], row["class"]) == (95.0, 95.0, "basically_achieved")
    assert indicator_row(result, "C1", "CT01")["class"] == "no_target"


def test_units_without_a_target(make_config: MakeConfig) -> None:
    config = make_config(
        [element("X")],
        [indicator("CT01", "X")],
        targets=[("CT01", "D", 2024, 10, None), ("CT01", "C2", 2023, 5, None)],
    )
    rows = [("C1", "X", "2024M03", 4.0), ("C2", "X", "2024M03", 6.0)]
    result = roll_up(config, values(*rows), "2024S1")
    assert indicator_row(result, "D", "CT01")["class"] == "exceeded"
    for unit, actual in (("C1", 4.0), ("C2", 6.0), ("C3", None)):
        row = indicator_row(result, unit, "CT01")
        # C2's target is for 2023: no target this year
        assert (row["actual"], row["target"], row["percent"], row["class"]) == (
            actual,
            None,
            None,
            "no_target",
        )


def test_the_catalogs_thresholds_are_used(tmp_path: Path) -> None:
    doc = catalog([element("X")], [indicator("CT01", "X")], org_unit="D")
    doc["classification"] = {"exceeded": 110, "basically_achieved": 95, "on_track": 60}
    folder = write_config(
        tmp_path / "thresholds", doc, TREE_DISTRICT, [("CT01", "D", 2024, 100, "")]
    )
    config = load_config(folder)
    classes = {}
    for actual in (109.99, 110, 94.99, 95, 59.99, 60):
        result = roll_up(config, values(("C1", "X", "2024M01", actual)), "2024S1")
        classes[actual] = indicator_row(result, "D", "CT01")["class"]
    assert classes == {
        109.99: "basically_achieved",
        110: "exceeded",
        94.99: "on_track",
        95: "basically_achieved",
        59.99: "below_half",
        60: "on_track",
    }


def test_rounding_half_away_from_zero() -> None:
    rounded = pl.Series([1.005, -1.005, 2.675, 12.345, 0.125, -0.125, 1.004999, 2.5]).to_frame("x")
    assert rounded.select(round_half_away(pl.col("x")))["x"].to_list() == [
        1.01,
        -1.01,
        2.68,
        12.35,
        0.13,
        -0.13,
        1.0,
        2.5,
    ]
    assert pl.select(round_half_away(pl.lit(2.5), 0)).item() == 3.0
    assert pl.select(round_half_away(pl.lit(-0.5), 0)).item() == -1.0


def test_a_percent_of_12_345_is_published_as_12_35(make_config: MakeConfig) -> None:
    row = one_indicator(make_config, 12.345, target=100)
    assert row["percent"] == 12.35
    # 24.69 / 200 * 100 is 12.345 too, computed through a division
    assert one_indicator(make_config, 24.69, target=200)["percent"] == 12.35
