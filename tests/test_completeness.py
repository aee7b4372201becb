"""Completeness (SPEC §3.6): reports received / reports expected, for every unit of the
review: each active submitting unit below it, each month of the review."""

from __future__ import annotations

import polars as pl
import pytest
from rollup_helpers import (
    MERGER,
    REUSED_CODE,
    TREE_4_LEVELS,
    MakeConfig,
    element,
    indicator,
    values,
)

from chitieu.config import Config
from chitieu.rollup import roll_up


def counts(
    config: Config, rows: list[tuple], review: str = "2024S1", root: str | None = None
) -> dict:
    """``{unit: (received, expected)}`` of a roll-up of ``rows``."""
    result = roll_up(config, values(*rows), review, root=root)
    frame = result.completeness
    assert (
        frame.get_column("org_unit_code").to_list()
        == result.units.get_column("org_unit_code").to_list()
    )
    return {code: (r, e) for code, r, e, _ in frame.iter_rows()}


@pytest.fixture
def communes(make_config: MakeConfig) -> Config:
    return make_config([element("A"), element("B")], [indicator("CT01", "A + B")])


def test_received_over_expected_per_unit(communes: Config) -> None:
    rows = [
        *[("C1", "A", f"2024M{m:02d}", 1.0) for m in range(1, 7)],
        ("C1", "B", "2024M01", 1.0),  # the same report as C1's A of January
        ("C2", "A", "2024M01", 1.0),
        ("C2", "B", "2024M02", 1.0),
    ]
    assert counts(communes, rows) == {
        "D": (8, 18),
        "C1": (6, 6),
        "C2": (2, 6),
        "C3": (0, 6),
    }
    result = roll_up(communes, values(*rows), "2024S1")
    assert result.root_completeness() == pytest.approx(8 / 18)
    assert result.completeness.filter(pl.col("org_unit_code") == "C3").item(
        0, "completeness"
    ) == pytest.approx(0)


def test_a_quarter_report_counts_for_its_three_months(communes: Config) -> None:
    rows = [
        ("C1", "A", "2024Q1", 1.0),
        ("C1", "A", "2024M02", 1.0),  # already covered by the quarter: no extra month
        ("C1", "A", "2024M05", 1.0),
        ("C2", "A", "2024S1", 1.0),
    ]
    assert counts(communes, rows) == {"D": (10, 18), "C1": (4, 6), "C2": (6, 6), "C3": (0, 6)}


def test_reports_outside_the_review_do_not_count(communes: Config) -> None:
    rows = [
        ("C1", "A", "2023M12", 1.0),
        ("C1", "A", "2024M07", 1.0),
        ("C1", "A", "2024Q3", 1.0),
        ("C1", "A", "2024", 1.0),
        ("C1", "A", "2024M06", 1.0),
    ]
    assert counts(communes, rows)["C1"] == (1, 6)


def test_the_year_review_expects_twelve_months(communes: Config) -> None:
    rows = [("C1", "A", "2024S1", 1.0), ("C1", "A", "2024M12", 1.0)]
    assert counts(communes, rows, "2024") == {
        "D": (7, 36),
        "C1": (7, 12),
        "C2": (0, 12),
        "C3": (0, 12),
    }


def test_the_district_collecting_its_own_element_is_not_its_own_reporter(
    make_config: MakeConfig,
) -> None:
    """SPEC §3.6 (issue 12): the units strictly below the unit; the district's own
    reports count above it (a province's review), never in its own completeness."""
    config = make_config(
        [element("A"), element("INDUSTRY", collected_at="district")],
        [indicator("CT01", "A"), indicator("CT02", "INDUSTRY")],
    )
    rows = [("D", "INDUSTRY", "2024M06", 5.0), ("C1", "A", "2024M06", 1.0)]
    assert counts(config, rows) == {
        "D": (1, 18),  # three communes, six months each; not the district itself
        "C1": (1, 6),
        "C2": (0, 6),
        "C3": (0, 6),
    }


def test_only_submitting_levels_are_expected(make_config: MakeConfig) -> None:
    config = make_config([element("A")], [indicator("CT01", "A")], org_units=TREE_4_LEVELS)
    rows = [
        ("H111", "A", "2024M01", 1.0),
        ("C11", "A", "2024M01", 1.0),  # a commune report: hamlets submit, not communes
        ("D1", "A", "2024M01", 1.0),
    ]
    got = counts(config, rows)
    assert got["P"] == (1, 36)
    assert got["D1"] == (1, 18)
    assert got["C11"] == (1, 12)
    assert got["C12"] == (0, 6)
    assert got["H111"] == (1, 6)


def test_reports_from_outside_the_root_do_not_count(make_config: MakeConfig) -> None:
    config = make_config([element("A")], [indicator("CT01", "A")], org_units=TREE_4_LEVELS)
    rows = [("H111", "A", "2024M01", 1.0), ("H211", "A", "2024M01", 1.0)]
    got = counts(config, rows, root="D1")
    assert set(got) == {"D1", "C11", "C12", "H111", "H112", "H121"}
    assert got["D1"] == (1, 18)


def test_a_merged_units_months_count_for_its_successor(make_config: MakeConfig) -> None:
    config = make_config([element("A")], [indicator("CT01", "A")], org_units=MERGER)
    rows = [
        ("CA", "A", "2024M01", 1.0),
        ("CA", "A", "2024M03", 1.0),
        ("C1", "A", "2024M05", 1.0),
    ]
    # C1 answers for its own six months and CA's January to March
    assert counts(config, rows) == {"D": (3, 15), "C1": (3, 9), "C3": (0, 6)}


def test_a_unit_created_during_the_review_is_expected_from_its_first_month(
    make_config: MakeConfig,
) -> None:
    config = make_config(
        [element("A")],
        [indicator("CT01", "A")],
        org_units=MERGER + "C4,Xã Bốn,commune,D,2024-04-01,,\n",
    )
    rows = [("C4", "A", "2024M04", 1.0), ("C4", "A", "2024M06", 1.0)]
    got = counts(config, rows)
    assert got["C4"] == (2, 3)
    assert got["D"] == (2, 18)


def test_reports_can_be_given_apart_from_their_values(communes: Config) -> None:
    # an accepted report may carry no value at all (nothing happened this month)
    reports = pl.DataFrame(
        {"org_unit_code": ["C1", "C1", "C2"], "period": ["2024M01", "2024M02", "2024M01"]}
    )
    result = roll_up(communes, values(("C3", "A", "2024M01", 1.0)), "2024S1", reports=reports)
    got = {c: (r, e) for c, r, e, _ in result.completeness.iter_rows()}
    assert got == {"D": (3, 18), "C1": (2, 6), "C2": (1, 6), "C3": (0, 6)}


def test_no_expected_report_gives_null_completeness(make_config: MakeConfig) -> None:
    config = make_config(
        [element("A")],
        [indicator("CT01", "A")],
        org_units="""
        P,Tỉnh,province,,2020-01-01,,
        D1,Huyện Một,district,P,2020-01-01,,
        D2,Huyện Hai,district,P,2020-01-01,,
        C1,Xã Một,commune,D1,2020-01-01,,
        """,
    )
    result = roll_up(config, values(), "2024S1")
    row = result.completeness.filter(pl.col("org_unit_code") == "D2").row(0, named=True)
    assert row == {"org_unit_code": "D2", "received": 0, "expected": 0, "completeness": None}


def test_a_reused_code_counts_for_the_unit_valid_at_the_end_of_the_period(
    make_config: MakeConfig,
) -> None:
    config = make_config([element("A")], [indicator("CT01", "A")], org_units=REUSED_CODE)
    rows = [
        ("X", "A", "2024M02", 1.0),  # the old town: its history is Y's
        ("X", "A", "2024M04", 1.0),  # the new X
        ("X", "A", "2024Q2", 1.0),  # the new X, April to June
        ("Y", "A", "2024M01", 1.0),
    ]
    assert counts(config, rows) == {
        "P": (5, 12),
        "D1": (2, 9),
        "D2": (3, 3),
        "X": (3, 3),  # expected from April, when the new X began
        "Y": (2, 9),  # its own six months and the old town's January to March
    }
