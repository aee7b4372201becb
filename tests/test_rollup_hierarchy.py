"""Roll-up up the hierarchy (SPEC §3.2): own values where collected, the
``org_aggregation`` of the children above, through any depth, merged and reused units."""

from __future__ import annotations

import polars as pl
import pytest
from rollup_helpers import (
    MERGER,
    REUSED_CODE,
    TREE_4_LEVELS,
    MakeConfig,
    element,
    element_value,
    element_values,
    indicator,
    values,
)

from chitieu.rollup import roll_up
from chitieu.rollup.hierarchy import ReviewError, ancestors

HAMLET_VALUES = {"H111": 1, "H112": 2, "H121": 4, "H211": 8, "H212": 16, "H213": 32}


@pytest.mark.parametrize(
    ("aggregation", "expected"),
    [
        (
            "sum",
            {"C11": 3, "C12": 4, "C21": 56, "D1": 7, "D2": 56, "P": 63},
        ),
        (
            "max",
            {"C11": 2, "C12": 4, "C21": 32, "D1": 4, "D2": 32, "P": 32},
        ),
        (
            "min",
            {"C11": 1, "C12": 4, "C21": 8, "D1": 1, "D2": 8, "P": 1},
        ),
        (
            # each unit averages its children's values (an average of averages, so the
            # province is (2.75 + 18.67) / 2, not the mean of the six hamlets, 10.5)
            "average",
            {
                "C11": 1.5,
                "C12": 4,
                "C21": 56 / 3,
                "D1": 2.75,
                "D2": 56 / 3,
                "P": (2.75 + 56 / 3) / 2,
            },
        ),
    ],
)
def test_org_aggregation_up_four_levels(
    make_config: MakeConfig, aggregation: str, expected: dict[str, float]
) -> None:
    config = make_config(
        [element("X", org_aggregation=aggregation)],
        [indicator("CT01", "X")],
        org_units=TREE_4_LEVELS,
    )
    assert config.lowest_level == "hamlet"
    rows = [(h, "X", "2024M03", float(v)) for h, v in HAMLET_VALUES.items()]
    result = roll_up(config, values(*rows), "2024S1")
    got = element_values(result, "X")
    assert got == pytest.approx({**HAMLET_VALUES, **expected})


def test_a_boolean_is_counted_up_two_levels(make_config: MakeConfig) -> None:
    config = make_config(
        [element("CLEAN_CELL", value_type="boolean", time_aggregation="last")],
        [indicator("CT01", "CLEAN_CELL")],
        org_units=TREE_4_LEVELS,
    )
    rows = [
        ("H111", "CLEAN_CELL", "2024M06", 1.0),
        ("H112", "CLEAN_CELL", "2024M01", 1.0),
        ("H112", "CLEAN_CELL", "2024M06", 0.0),  # lost the title in June
        ("H121", "CLEAN_CELL", "2024M06", 1.0),
        ("H211", "CLEAN_CELL", "2024M05", 1.0),
        ("H212", "CLEAN_CELL", "2024M06", 1.0),
        ("H213", "CLEAN_CELL", "2024M06", 0.0),
    ]
    result = roll_up(config, values(*rows), "2024S1")
    assert element_values(result, "CLEAN_CELL") == {
        "H111": 1,
        "H112": 0,
        "H121": 1,
        "H211": 1,
        "H212": 1,
        "H213": 0,
        "C11": 1,
        "C12": 1,
        "C21": 2,
        "D1": 2,
        "D2": 2,
        "P": 4,
    }


def test_a_district_element_is_not_taken_from_communes(make_config: MakeConfig) -> None:
    config = make_config(
        [element("MEMBERS"), element("INDUSTRY", collected_at="district")],
        [indicator("CT01", "MEMBERS"), indicator("CT02", "INDUSTRY")],
        org_units=TREE_4_LEVELS,
    )
    rows = [
        ("D1", "INDUSTRY", "2024M03", 10.0),
        ("D1", "INDUSTRY", "2024M06", 5.0),
        ("D2", "INDUSTRY", "2024M06", 20.0),
        ("C11", "INDUSTRY", "2024M06", 999.0),  # not the commune's figure to give
        ("H111", "INDUSTRY", "2024M06", 999.0),
        ("P", "INDUSTRY", "2024M06", 999.0),  # nor the province's: it is the districts' sum
        ("H111", "MEMBERS", "2024M06", 2.0),
        ("D1", "MEMBERS", "2024M06", 999.0),  # collected at hamlets, not from the district
    ]
    result = roll_up(config, values(*rows), "2024S1")
    assert element_values(result, "INDUSTRY") == {"P": 35, "D1": 15, "D2": 20}
    assert element_value(result, "D1", "MEMBERS") == 2
    assert element_value(result, "P", "MEMBERS") == 2


def test_units_outside_the_root_are_ignored(make_config: MakeConfig) -> None:
    config = make_config(
        [element("X")], [indicator("CT01", "X")], org_units=TREE_4_LEVELS, org_unit="D1"
    )
    rows = [(h, "X", "2024M03", float(v)) for h, v in HAMLET_VALUES.items()]
    rows.append(("H999", "X", "2024M03", 1000.0))  # a code the hierarchy does not know
    result = roll_up(config, values(*rows), "2024S1")
    assert result.root == "D1"
    assert result.units.select("org_unit_code", "depth").rows() == [
        ("D1", 0),
        ("C11", 1),
        ("C12", 1),
        ("H111", 2),
        ("H112", 2),
        ("H121", 2),
    ]
    assert element_values(result, "X") == {
        "D1": 7,
        "C11": 3,
        "C12": 4,
        "H111": 1,
        "H112": 2,
        "H121": 4,
    }
    # an explicit root overrides the resolution's
    assert element_value(roll_up(config, values(*rows), "2024S1", root="D2"), "D2", "X") == 56


def test_an_unknown_or_inactive_root_is_refused(make_config: MakeConfig) -> None:
    config = make_config(
        [element("X")],
        [indicator("CT01", "X")],
        org_units=TREE_4_LEVELS + "C13,Xã 13,commune,D1,2024-07-01,,\n",
    )
    # the unit and the day in both halves (the Vietnamese once ended "vào ngày")
    with pytest.raises(ReviewError, match=r"^đơn vị ZZ không tồn tại / unknown org unit ZZ$"):
        roll_up(config, values(), "2024S1", root="ZZ")
    with pytest.raises(
        ReviewError,
        match=r"^đơn vị C13 không hoạt động vào ngày 2024-06-14 / org unit C13 is not active on "
        r"2024-06-14$",
    ):
        roll_up(config, values(), "2024S1", root="C13")


def test_a_merged_communes_months_go_to_its_successor(make_config: MakeConfig) -> None:
    config = make_config(
        [
            element("NEW", time_aggregation="sum"),
            element("PEAK", time_aggregation="max", org_aggregation="max"),
            element("STOCK", time_aggregation="last"),
            element("MEAN", time_aggregation="average"),
        ],
        [indicator("CT01", "NEW")],
        org_units=MERGER,
    )
    rows = [
        ("CA", "NEW", "2024M01", 1.0),
        ("CA", "NEW", "2024M02", 2.0),
        ("CA", "NEW", "2024M03", 4.0),
        ("C1", "NEW", "2024M03", 8.0),  # the same month from both: they add, as children do
        ("C1", "NEW", "2024M05", 16.0),
        ("C3", "NEW", "2024M05", 32.0),
        ("CA", "PEAK", "2024M02", 70.0),  # with C1's 50 for February: the max, 70
        ("C1", "PEAK", "2024M02", 50.0),
        ("C1", "PEAK", "2024M06", 60.0),
        # March's stock of the merged commune is both parts' stock, not either one
        ("CA", "STOCK", "2024M03", 40.0),
        ("C1", "STOCK", "2024M03", 100.0),
        # January is one month of the merged commune (10 + 20), not two months to average
        ("CA", "MEAN", "2024M01", 10.0),
        ("C1", "MEAN", "2024M01", 20.0),
        ("C1", "MEAN", "2024M02", 30.0),
    ]
    result = roll_up(config, values(*rows), "2024S1")
    assert result.units.get_column("org_unit_code").to_list() == ["D", "C1", "C3"]
    assert element_values(result, "NEW") == {"D": 63, "C1": 31, "C3": 32}
    assert element_value(result, "C1", "PEAK") == 70
    assert element_value(result, "C1", "STOCK") == 140
    assert element_value(result, "C1", "MEAN") == 30


def test_a_merged_communes_quarter_does_not_replace_its_successors_months(
    make_config: MakeConfig,
) -> None:
    config = make_config([element("NEW")], [indicator("CT01", "NEW")], org_units=MERGER)
    rows = [
        ("CA", "NEW", "2024Q1", 5.0),  # CA's own first quarter
        ("C1", "NEW", "2024M02", 7.0),  # C1's own February: a different unit's report
        ("C1", "NEW", "2024M05", 1.0),
        ("C3", "NEW", "2024Q1", 100.0),
        ("C3", "NEW", "2024M02", 1000.0),  # C3's quarter does replace C3's own February
    ]
    result = roll_up(config, values(*rows), "2024S1")
    assert element_values(result, "NEW") == {"D": 113, "C1": 13, "C3": 100}


def test_a_merger_after_the_review_leaves_the_unit_its_own(make_config: MakeConfig) -> None:
    config = make_config(
        [element("NEW")],
        [indicator("CT01", "NEW")],
        org_units=MERGER.replace("2024-03-31,C1", "2024-08-31,C1"),
    )
    rows = [("CA", "NEW", "2024M02", 2.0), ("C1", "NEW", "2024M02", 8.0)]
    mid_year = roll_up(config, values(*rows), "2024S1")
    assert element_values(mid_year, "NEW") == {"D": 10, "C1": 8, "CA": 2, "C3": None}
    year = roll_up(config, values(*rows), "2024")
    assert element_values(year, "NEW") == {"D": 10, "C1": 10, "C3": None}


def test_a_chain_of_mergers_reaches_the_last_successor(make_config: MakeConfig) -> None:
    config = make_config(
        [element("NEW")],
        [indicator("CT01", "NEW")],
        org_units="""
        D,Huyện,district,,2020-01-01,,
        CA,Xã A,commune,D,2020-01-01,2024-02-29,CB
        CB,Xã B,commune,D,2020-01-01,2024-04-30,CC
        CC,Xã C,commune,D,2020-01-01,,
        """,
    )
    rows = [
        ("CA", "NEW", "2024M01", 1.0),
        ("CB", "NEW", "2024M03", 2.0),
        ("CC", "NEW", "2024M06", 4.0),
    ]
    assert element_values(roll_up(config, values(*rows), "2024S1"), "NEW") == {"D": 7, "CC": 7}


def test_a_reused_code_means_the_unit_valid_at_the_end_of_the_period(
    make_config: MakeConfig,
) -> None:
    config = make_config([element("NEW")], [indicator("CT01", "NEW")], org_units=REUSED_CODE)
    rows = [
        ("X", "NEW", "2024M02", 1.0),  # ends 14 Feb: the old town, now part of Y
        ("X", "NEW", "2024Q1", 2.0),  # ends 14 Mar: the old town as well
        ("X", "NEW", "2024M04", 4.0),  # 15 Mar - 14 Apr ends after the change: the new X
        ("X", "NEW", "2024M06", 8.0),
        ("Y", "NEW", "2024M05", 16.0),
    ]
    result = roll_up(config, values(*rows), "2024S1")
    # the old town's quarter replaces its own February, nothing else
    assert element_values(result, "NEW") == {
        "P": 30,
        "D1": 18,
        "D2": 12,
        "Y": 18,
        "X": 12,
    }
    assert result.units.filter(pl.col("org_unit_code") == "X").item(0, "parent_code") == "D2"


def test_a_reused_code_before_the_change_is_the_old_unit(make_config: MakeConfig) -> None:
    config = make_config(
        [element("NEW")], [indicator("CT01", "NEW")], org_units=REUSED_CODE, year=2023
    )
    rows = [("X", "NEW", "2023M05", 3.0), ("Y", "NEW", "2023M05", 1.0)]
    result = roll_up(config, values(*rows), "2023")
    # D2 has no commune yet in 2023, so nothing to be responsible for
    assert element_values(result, "NEW") == {"P": 4, "D1": 4, "X": 3, "Y": 1}
    assert result.units.filter(pl.col("org_unit_code") == "X").item(0, "parent_code") == "D1"


def test_the_ancestors_of_some_units_are_theirs_in_the_whole_closure() -> None:
    """`ancestors(units, of=...)`: the chains up of those units only (a diff's few
    thousand changed units), as the whole subtree's closure holds them; a code outside
    the subtree has none."""
    units = pl.DataFrame(
        {
            "org_unit_code": ["P", "D1", "D2", "C11", "C12", "C21", "H111"],
            "parent_code": [None, "P", "P", "D1", "D1", "D2", "C11"],
        }
    )
    whole = ancestors(units)
    assert whole.height == 1 + 2 * 2 + 3 * 3 + 4  # each unit and its chain up
    of = pl.Series(["H111", "C21", "C21", "D2", "X9"])
    some = ancestors(units, of=of)
    expected = whole.filter(pl.col("org_unit_code").is_in(["H111", "C21", "D2"]))
    assert sorted(some.rows()) == sorted(expected.rows())
    assert sorted(some.filter(pl.col("org_unit_code") == "H111")["ancestor_code"]) == [
        "C11", "D1", "H111", "P"
    ]  # fmt: skip
