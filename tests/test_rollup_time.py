"""Roll-up over time (SPEC §3.1): a value for the review itself wins, otherwise the
element's ``time_aggregation`` over the periods inside the review."""

from __future__ import annotations

import pytest
from rollup_helpers import MakeConfig, element, element_value, indicator, values

from chitieu.config import Config
from chitieu.rollup import roll_up

AGGREGATIONS = ("sum", "last", "average", "max", "min")


@pytest.fixture
def config(make_config: MakeConfig) -> Config:
    """One element per time aggregation, all collected at commune and summed over communes."""
    return make_config(
        [element(agg.upper(), time_aggregation=agg) for agg in AGGREGATIONS],
        [indicator("CT01", "SUM")],
    )


def monthly(unit: str, by_month: dict[int, float], period_year: int = 2024) -> list[tuple]:
    """The same monthly values for every element; rows deliberately in reverse order."""
    return [
        (unit, agg.upper(), f"{period_year}M{month:02d}", value)
        for agg in AGGREGATIONS
        for month, value in sorted(by_month.items(), reverse=True)
    ]


@pytest.mark.parametrize(
    ("aggregation", "expected"),
    [("sum", 22), ("last", 2), ("average", 22 / 6), ("max", 7), ("min", 1)],
)
def test_each_time_aggregation_over_the_months(
    config: Config, aggregation: str, expected: float
) -> None:
    rows = monthly("C1", {1: 3, 2: 7, 3: 5, 4: 1, 5: 4, 6: 2})
    result = roll_up(config, values(*rows), "2024S1")
    assert element_value(result, "C1", aggregation.upper()) == pytest.approx(expected)
    # a single commune reports: the district holds the same value
    assert element_value(result, "D", aggregation.upper()) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("aggregation", "expected"),
    [("sum", 15), ("last", 4), ("average", 15 / 4), ("max", 7), ("min", 1)],
)
def test_missing_months_use_the_months_present(
    config: Config, aggregation: str, expected: float
) -> None:
    # March and June never arrived: `last` is May's figure, not a null June
    rows = monthly("C1", {1: 3, 2: 7, 4: 1, 5: 4})
    result = roll_up(config, values(*rows), "2024S1")
    assert element_value(result, "C1", aggregation.upper()) == pytest.approx(expected)


def test_last_is_the_latest_period_not_the_latest_row(config: Config) -> None:
    rows = [("C1", "LAST", "2024M05", 50.0), ("C1", "LAST", "2024M02", 20.0)]
    for ordered in (rows, rows[::-1]):
        assert element_value(roll_up(config, values(*ordered), "2024S1"), "C1", "LAST") == 50


@pytest.mark.parametrize("aggregation", AGGREGATIONS)
def test_a_value_for_the_review_period_itself_overrides_the_months(
    config: Config, aggregation: str
) -> None:
    code = aggregation.upper()
    rows = [*monthly("C1", {1: 3, 2: 7, 3: 5, 4: 1, 5: 4, 6: 2}), ("C1", code, "2024S1", 100.0)]
    result = roll_up(config, values(*rows), "2024S1")
    assert element_value(result, "C1", code) == 100
    # only that element and that unit are overridden
    other = "MIN" if code != "MIN" else "MAX"
    assert element_value(result, "C1", other) == (1 if other == "MIN" else 7)


def test_the_year_value_overrides_the_months_in_the_year_review(config: Config) -> None:
    rows = [
        *[("C1", "SUM", f"2024M{m:02d}", 1.0) for m in range(1, 13)],
        ("C1", "SUM", "2024", 40.0),
    ]
    assert element_value(roll_up(config, values(*rows), "2024"), "C1", "SUM") == 40
    # ... but a year value says nothing about the six months
    assert element_value(roll_up(config, values(*rows), "2024S1"), "C1", "SUM") == 6


def test_a_quarter_replaces_its_months_while_other_months_still_add(config: Config) -> None:
    rows = [
        *[("C1", "SUM", f"2024M{m:02d}", float(m)) for m in range(1, 13)],
        ("C1", "SUM", "2024Q2", 100.0),
    ]
    result = roll_up(config, values(*rows), "2024")
    # months 4, 5 and 6 (15 together) give way to the quarter's 100
    assert element_value(result, "C1", "SUM") == sum(range(1, 13)) - (4 + 5 + 6) + 100


def test_a_quarter_alone_counts_once_with_the_months_around_it(config: Config) -> None:
    rows = [
        ("C1", "SUM", "2024M01", 2.0),
        ("C1", "SUM", "2024Q2", 30.0),
        ("C1", "LAST", "2024M03", 3.0),
        ("C1", "LAST", "2024Q2", 30.0),
        ("C1", "LAST", "2024M05", 5.0),  # inside the quarter: replaced by it
    ]
    result = roll_up(config, values(*rows), "2024S1")
    assert element_value(result, "C1", "SUM") == 32
    assert element_value(result, "C1", "LAST") == 30


def test_a_half_year_value_replaces_its_months_in_the_year_review(config: Config) -> None:
    rows = [
        *[("C1", "MAX", f"2024M{m:02d}", float(m)) for m in range(1, 13)],
        ("C1", "MAX", "2024S2", 3.0),  # S2's own figure beats its months' 7..12
        ("C1", "SUM", "2024S1", 10.0),
        ("C1", "SUM", "2024M02", 99.0),
        ("C1", "SUM", "2024M09", 1.0),
    ]
    result = roll_up(config, values(*rows), "2024")
    assert element_value(result, "C1", "MAX") == 6
    assert element_value(result, "C1", "SUM") == 11


def test_periods_outside_the_review_are_ignored(config: Config) -> None:
    rows = [
        ("C1", "SUM", "2023M12", 1000.0),  # the previous reporting year
        ("C1", "SUM", "2024M01", 1.0),
        ("C1", "SUM", "2024M06", 2.0),
        ("C1", "SUM", "2024M07", 1000.0),  # after the six-month cut-off
        ("C1", "SUM", "2024Q3", 1000.0),
        ("C1", "SUM", "2024S2", 1000.0),
        ("C1", "SUM", "2025M01", 1000.0),
    ]
    assert element_value(roll_up(config, values(*rows), "2024S1"), "C1", "SUM") == 3


def test_nothing_reported_gives_null_not_zero(config: Config) -> None:
    result = roll_up(config, values(("C1", "SUM", "2024M01", 4.0)), "2024S1")
    for code in (a.upper() for a in AGGREGATIONS):
        assert element_value(result, "C2", code) is None
    assert element_value(result, "C1", "MAX") is None
    assert element_value(result, "D", "SUM") == 4


def test_a_reported_zero_is_zero(config: Config) -> None:
    result = roll_up(config, values(("C1", "SUM", "2024M01", 0.0)), "2024S1")
    assert element_value(result, "C1", "SUM") == 0
    assert element_value(result, "D", "SUM") == 0


def test_each_unit_is_aggregated_on_its_own(config: Config) -> None:
    rows = [
        *monthly("C1", {1: 1, 2: 2}),
        *monthly("C2", {3: 30, 6: 60}),
        *monthly("C3", {5: 500}),
    ]
    result = roll_up(config, values(*rows), "2024S1")
    assert [element_value(result, u, "LAST") for u in ("C1", "C2", "C3")] == [2, 60, 500]
    # the district sums the communes' latest figures, not the latest figure of the district
    assert element_value(result, "D", "LAST") == 562
