"""The quality gate's frames (pure polars, no Great Expectations): what each check is
handed, on tiny configurations, including the cases that are easy to get wrong
(nulls, elements collected above the lowest level, non-sum elements, merged units)."""

from __future__ import annotations

import dataclasses

import polars as pl
import pytest
from rollup_helpers import MERGER, TREE_4_LEVELS, MakeConfig, element, indicator, values

from chitieu.quality import elements, indicators, rules, structure
from chitieu.quality.suite import SUITE, gate_frame
from chitieu.rollup import Rollup, roll_up
from chitieu.rollup.hierarchy import subtree


def part(frame: pl.DataFrame, name: str) -> dict[str, dict[str, object]]:
    """The rows of one part of the gate frame, by subject."""
    rows = frame.filter(pl.col("part") == name)
    return {row["subject"]: row for row in rows.iter_rows(named=True)}


def with_element(rollup: Rollup, unit: str, code: str, value: float | None) -> Rollup:
    """The roll-up with one element value replaced (a doctored frame)."""
    hit = (pl.col("org_unit_code") == unit) & (pl.col("element_code") == code)
    changed = rollup.elements.with_columns(
        pl.when(hit).then(pl.lit(value, pl.Float64)).otherwise("value").alias("value")
    )
    return dataclasses.replace(rollup, elements=changed)


def test_every_check_declared_beside_its_frame_is_in_the_suite():
    declared = [c.name for m in (indicators, elements, structure, rules) for c in m.CHECKS]
    assert sorted(c.name for c in SUITE) == sorted(declared)
    assert len(set(declared)) == len(declared)


@pytest.fixture
def four_levels(make_config: MakeConfig):
    config = make_config(
        [
            element("X", org_aggregation="sum", min=0, max=10),
            element("AVG", org_aggregation="average"),
            element("NTM", value_type="boolean", org_aggregation="sum", time_aggregation="max"),
            element("D_ONLY", collected_at="district"),
        ],
        [indicator("CT01", "X")],
        org_units=TREE_4_LEVELS,
    )
    rows = [(h, "X", "2024M05", 1.0) for h in ("H111", "H112", "H121", "H211", "H212")]
    rows += [(h, "AVG", "2024M05", 5.0) for h in ("H111", "H121")]
    rows += [(h, "NTM", "2024M05", 1.0) for h in ("H111", "H112", "H121")]
    rows += [("D1", "D_ONLY", "2024M05", 7.0)]
    return config, roll_up(config, values(*rows), "2024S1")


def reconciliation(rollup: Rollup, config) -> dict[str, dict[str, object]]:
    units = subtree(config.org_units, rollup.root, rollup.review_period.end)
    frame = elements.reconciliation_part(rollup, config, units)
    return {row["subject"]: row for row in frame.iter_rows(named=True)}


def test_reconciliation_covers_every_parent_of_sum_elements_only(four_levels):
    config, rollup = four_levels
    rows = reconciliation(rollup, config)
    # X at communes, districts and the province; NTM likewise; D_ONLY only at the
    # province (the district submits it); AVG never (not a sum)
    assert set(rows) == {
        f"{unit} {code}" for unit in ("C11", "C12", "C21", "D1", "D2", "P") for code in ("X", "NTM")
    } | {"P D_ONLY"}
    assert all(r["parent_value"] == r["children_sum"] for r in rows.values())
    assert rows["C21 NTM"]["parent_value"] is None  # no child reported: null, not 0
    assert rows["P D_ONLY"]["children_sum"] == 7.0


def test_a_parent_that_is_not_the_sum_of_its_children_is_caught(four_levels):
    config, rollup = four_levels
    rows = reconciliation(with_element(rollup, "D1", "X", 4.0), config)
    assert (rows["D1 X"]["parent_value"], rows["D1 X"]["children_sum"]) == (4.0, 3.0)
    assert rows["P X"]["parent_value"] != rows["P X"]["children_sum"]  # 5 vs 4 + 2
    assert rows["C11 X"]["parent_value"] == rows["C11 X"]["children_sum"]


def test_a_missing_parent_value_is_caught(four_levels):
    config, rollup = four_levels
    rows = reconciliation(with_element(rollup, "C11", "X", None), config)
    assert (rows["C11 X"]["parent_value"], rows["C11 X"]["children_sum"]) == (None, 2.0)


def test_float_noise_in_a_sum_is_not_a_mismatch(four_levels):
    config, rollup = four_levels
    rows = reconciliation(with_element(rollup, "P", "X", 5.0 + 1e-12), config)
    assert rows["P X"]["parent_value"] == rows["P X"]["children_sum"]


def test_values_of_no_unit_of_the_subtree_or_no_element_of_the_catalog_are_left_out(
    four_levels,
):
    """The element checks read units and elements as codes of the subtree and the
    catalog: a value of any other unit or element is in neither check (the unit is named
    by units_inside_root_subtree), as when they were joined on text."""
    config, rollup = four_levels
    stray = rollup.elements.filter(pl.col("org_unit_code") == "C11").with_columns(
        org_unit_code=pl.lit("ELSEWHERE")
    )
    unknown = rollup.elements.filter(pl.col("org_unit_code") == "D1").with_columns(
        element_code=pl.lit("NOT_IN_CATALOG"), value=pl.lit(1e12)
    )
    doctored = dataclasses.replace(
        rollup, elements=pl.concat([rollup.elements, stray, unknown, unknown.slice(0, 1)])
    )
    assert reconciliation(doctored, config) == reconciliation(rollup, config)
    assert ranges(doctored, config) == ranges(rollup, config)


def ranges(rollup: Rollup, config) -> dict[str, dict[str, object]]:
    units = subtree(config.org_units, rollup.root, rollup.review_period.end)
    frame = elements.range_part(rollup, config, units)
    return {row["subject"]: row for row in frame.iter_rows(named=True)}


def test_booleans_summed_up_are_counts_of_the_units_below(four_levels):
    config, rollup = four_levels
    assert all(r["values_outside_range"] == 0 for r in ranges(rollup, config).values())
    # D1 has three hamlets: a count of 3 is plausible, 4 is not
    assert (
        ranges(with_element(rollup, "D1", "NTM", 3.0), config)["NTM @ district"][
            "values_outside_range"
        ]
        == 0
    )
    row = ranges(with_element(rollup, "D1", "NTM", 4.0), config)["NTM @ district"]
    assert row["values_outside_range"] == 1
    assert "D1 = 4.0 not in [0.0, 3.0]" in row["detail"]
    assert (
        ranges(with_element(rollup, "H111", "NTM", 2.0), config)["NTM @ hamlet"][
            "values_outside_range"
        ]
        == 1
    )


def test_a_sum_over_the_months_may_reach_months_times_the_maximum(make_config: MakeConfig):
    config = make_config(
        [element("X", min=0, max=10), element("L", time_aggregation="last", min=0, max=10)],
        [indicator("CT01", "X")],
    )
    rows = [("C1", code, f"2024M0{m}", 10.0) for m in range(1, 7) for code in ("X", "L")]
    rollup = roll_up(config, values(*rows), "2024S1")
    found = ranges(rollup, config)
    assert found["X @ commune"]["values_outside_range"] == 0  # 60 = 6 months × 10
    assert found["X @ district"]["values_outside_range"] == 0  # 60 ≤ 3 communes × 60
    assert (
        ranges(with_element(rollup, "C1", "X", 61.0), config)["X @ commune"]["values_outside_range"]
        == 1
    )
    assert (
        ranges(with_element(rollup, "C1", "L", 11.0), config)["L @ commune"]["values_outside_range"]
        == 1
    )


def test_a_commune_holding_a_merged_ones_history_may_hold_both_values(make_config: MakeConfig):
    config = make_config(
        [element("X", time_aggregation="last", min=0, max=10)],
        [indicator("CT01", "X")],
        org_units=MERGER,
    )
    rows = [("C1", "X", "2024M02", 10.0), ("CA", "X", "2024M02", 10.0)]
    rollup = roll_up(config, values(*rows), "2024S1")
    assert ranges(rollup, config)["X @ commune"]["values_outside_range"] == 0  # 20: C1 + CA


def rows_of(frame: pl.DataFrame, **where: str) -> list[dict[str, object]]:
    hit = pl.lit(True)
    for column, value in where.items():
        hit &= pl.col(column) == value
    return frame.filter(hit).to_dicts()


def test_expected_percent_and_class_follow_the_specification(make_config: MakeConfig):
    config = make_config(
        [element("X"), element("POOR", time_aggregation="last")],
        [
            indicator("UP", "X"),
            indicator("DOWN", "POOR", direction="decrease"),
            indicator("LATE", "X", review="year_end"),
            indicator("NONE", "X"),
        ],
        targets=[("UP", "D", 2024, 8, ""), ("DOWN", "D", 2024, 10, 30), ("LATE", "D", 2024, 5, "")],
    )
    rows = [("C1", "X", "2024M05", 3.0), ("C2", "X", "2024M05", 3.0)]
    rows += [("C1", "POOR", "2024M05", 12.0), ("C2", "POOR", "2024M05", 13.0)]
    rollup = roll_up(config, values(*rows), "2024S1")
    frame = indicators.indicator_part(rollup, config)
    by_code = {r["subject"]: r for r in frame.to_dicts()}
    assert by_code["D UP"]["expected_percent"] == 75.0
    assert by_code["D UP"]["expected_class"] == "on_track"
    assert by_code["D DOWN"]["expected_percent"] == 25.0  # (30 - 25) / (30 - 10)
    assert by_code["D DOWN"]["expected_class"] == "below_half"
    assert by_code["D LATE"]["expected_class"] == "year_end"
    assert by_code["D NONE"]["expected_class"] == "no_target"
    assert by_code["C1 UP"]["expected_class"] == "no_target"  # no target for the commune
    assert by_code["D UP"]["root_indicator_code"] == "UP"
    assert by_code["C1 UP"]["root_indicator_code"] is None
    assert all(r["percent"] == r["expected_percent"] for r in by_code.values())
    assert all(r["class"] == r["expected_class"] for r in by_code.values())


def test_a_percent_off_by_more_than_rounding_is_caught(make_config: MakeConfig):
    config = make_config([element("X")], [indicator("UP", "X")], targets=[("UP", "D", 2024, 3, "")])
    rollup = roll_up(config, values(("C1", "X", "2024M05", 1.0)), "2024S1")
    assert rollup.root_indicators().item(0, "percent") == 33.33

    def checked(percent: float) -> dict[str, object]:
        doctored = rollup.indicators.with_columns(
            pl.when(pl.col("org_unit_code") == "D")
            .then(percent)
            .otherwise("percent")
            .alias("percent")
        )
        frame = indicators.indicator_part(dataclasses.replace(rollup, indicators=doctored), config)
        return rows_of(frame, subject="D UP")[0]

    assert checked(33.33)["expected_percent"] == 33.33
    assert checked(33.3333)["expected_percent"] == 33.3333  # within rounding
    assert checked(33.34)["expected_percent"] == 33.33


def test_units_outside_the_subtree_are_named(make_config: MakeConfig):
    config = make_config([element("X")], [indicator("CT01", "X")], org_units=TREE_4_LEVELS)
    rollup = roll_up(config, values(("H111", "X", "2024M05", 1.0)), "2024S1", root="D1")
    stray = pl.DataFrame({"org_unit_code": ["C21"], "level": ["commune"]})
    doctored = dataclasses.replace(
        rollup,
        elements=pl.concat(
            [
                rollup.elements,
                stray.with_columns(element_code=pl.lit("X"), value=pl.lit(1.0), comparable=True),
            ]
        ),
    )
    frame = gate_frame(doctored, config)
    outside = part(frame, structure.UNITS)
    assert outside["C21"]["outside_subtree"] == "C21"
    assert outside["C21"]["detail"] == "in elements"
    assert outside["D1"]["outside_subtree"] is None


def test_duplicated_keys_are_counted_and_one_is_named(four_levels):
    config, rollup = four_levels
    doctored = dataclasses.replace(
        rollup, indicators=pl.concat([rollup.indicators, rollup.indicators.tail(1)])
    )
    keys = part(gate_frame(doctored, config), structure.KEYS)
    assert keys["indicators"]["key_rows"] == keys["indicators"]["distinct_keys"] + 1
    assert keys["indicators"]["detail"].endswith("× 2")
    assert keys["elements"]["key_rows"] == keys["elements"]["distinct_keys"]


@pytest.mark.parametrize(
    ("units", "codes", "distinct"),
    [
        (["A", "A", "B", "B"], ["X", "Y", "X", "Y"], True),  # as the roll-up writes it
        (["B", "B", "A"], ["X", "Y", "X"], True),  # units in any order, each one run
        (["A", "A", "B"], ["X", "X", "X"], False),  # a key repeated, side by side
        (["A", "B", "A"], ["X", "X", "Y"], False),  # A in two runs: hashes decide
        (["A", "A"], ["Y", "X"], False),  # codes not ascending: hashes decide
        (["A", None], ["X", "X"], False),
        (["A", "A"], ["X", None], False),
        ([], [], True),
    ],
)
def test_keys_seen_distinct_in_order_only_when_none_repeats(four_levels, units, codes, distinct):
    _, rollup = four_levels
    frame = pl.DataFrame(
        {"org_unit_code": units, "element_code": codes},
        schema={"org_unit_code": pl.String, "element_code": pl.String},
    )
    assert structure._distinct_in_order(frame, ["org_unit_code", "element_code"]) is distinct
    rows = structure.key_part(dataclasses.replace(rollup, elements=frame))
    counted = rows.filter(pl.col("subject") == "elements").row(0, named=True)
    assert counted["distinct_keys"] == frame.unique().height


def test_a_target_no_percent_measures_is_met_by_a_figure_at_or_past_it(make_config: MakeConfig):
    """A target of 0 (a decrease's target equal to its baseline) has no percent: a unit whose
    figure is at it or past it has met it (exceeded), one short of it or without data has
    not (not started); the gate restates the same."""
    config = make_config(
        [element("X"), element("POOR", time_aggregation="last")],
        [indicator("UP", "X"), indicator("DOWN", "POOR", direction="decrease")],
        targets=[
            ("UP", "C1", 2024, 0, ""),
            ("UP", "C3", 2024, 0, ""),
            ("DOWN", "C1", 2024, 12, 12),
            ("DOWN", "C2", 2024, 12, 12),
        ],
    )
    rows = [("C1", "X", "2024M05", 0.0), ("C2", "X", "2024M05", 3.0)]
    rows += [("C1", "POOR", "2024M05", 11.0), ("C2", "POOR", "2024M05", 13.0)]
    rollup = roll_up(config, values(*rows), "2024S1")
    frame = indicators.indicator_part(rollup, config)
    by_code = {r["subject"]: r for r in frame.to_dicts()}
    assert by_code["C1 UP"]["percent"] is None
    assert by_code["C1 UP"]["class"] == "exceeded"  # 0 of a target of 0
    assert by_code["C3 UP"]["class"] == "not_started"  # no figure
    assert by_code["C1 DOWN"]["class"] == "exceeded"  # 11, kept at or under 12
    assert by_code["C2 DOWN"]["class"] == "not_started"  # 13: the wrong way
    assert all(r["class"] == r["expected_class"] for r in by_code.values())
    wrong = rollup.indicators.with_columns(
        pl.when(pl.col("org_unit_code") == "C1")
        .then(pl.lit("not_started"))
        .otherwise(pl.col("class"))
        .alias("class")
    )
    frame = indicators.indicator_part(dataclasses.replace(rollup, indicators=wrong), config)
    assert frame.filter(pl.col("class") != pl.col("expected_class")).height == 2


def scattered(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` in one chunk per row with an empty chunk after each: every row twice,
    without rechunking, and a filter keeping the first of each pair (as a filter leaves
    a frame of several chunks: a concat, a multi-chunk read, a streaming collect)."""
    twice = pl.concat([frame.slice(i, 1) for i in range(frame.height) for _ in "ab"], rechunk=False)
    return twice.filter(pl.int_range(pl.len()) % 2 == 0)


def test_the_gate_frame_does_not_depend_on_how_the_review_is_chunked(four_levels):
    """pl.format (polars 2.1, as in pola-rs/polars#25187) panics on a column a filter
    left with an empty chunk between rows; concat_str, which builds the gate's texts,
    does not. No text of the gate sees such a column today (a sort, group_by or
    full join rebuilds each frame first), so this passed with pl.format too: it keeps
    the gate frame the same for the same review cut into such chunks, with a value out
    of range (its example text) and a parent off its sum."""
    config, rollup = four_levels
    rollup = with_element(with_element(rollup, "D1", "NTM", 4.0), "C11", "X", 9.0)
    cut = dataclasses.replace(
        rollup,
        **{
            name: scattered(getattr(rollup, name))
            for name in ("units", "elements", "indicators", "completeness")
        },
    )
    assert 0 in [len(c) for c in cut.elements.get_column("value").get_chunks()]
    frame = gate_frame(cut, config)
    assert frame.equals(gate_frame(rollup, config))
    assert "D1 = 4.0 not in [0.0, 3.0]" in part(frame, elements.RANGES)["NTM @ district"]["detail"]
    assert part(frame, elements.RECONCILIATION)["C11 X"]["detail"] == "2 children"
