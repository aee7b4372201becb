"""Gate checks on the review's element values: sums reconcile up the hierarchy, values lie
in the catalog's plausible ranges.

A national review has millions of unit × element rows, too many for GX to judge row
by row in reasonable time (4 expectations over 2 M pandas rows took ~7 s). So polars
does the arithmetic here, and GX gets the small frames it judges: one row per parent
× `sum` element (the reconciliation), one row per element × level (the ranges). Both
read the values with their unit and element as `Enum` codes (`coded_values`), and find
what they compare a value with by its codes' positions, not by joins on text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import polars as pl

from chitieu.config import Config
from chitieu.quality.checks import CRITICAL, WARNING, Check
from chitieu.rollup import Rollup
from chitieu.rollup.hierarchy import ancestors, successor_map

RECONCILIATION: Final = "reconciliation"
RANGES: Final = "ranges"

RECONCILE_ABSOLUTE: Final = 1e-9
RECONCILE_RELATIVE: Final = 1e-9
"""Sums taken in another order differ in the last bits of a float, never more."""
RANGE_SLACK: Final = 1e-9
"""Relative slack on a range bound, for the same reason."""

TYPE_RANGES: Final = {"boolean": (0.0, 1.0), "percent": (0.0, 100.0)}
"""Ranges a value type implies (SPEC §1), on top of an element's own ``min``/``max``."""

SUM_ELEMENTS_RECONCILE: Final = Check(
    name="sum_elements_reconcile",
    severity=CRITICAL,
    description="sum_elements_reconcile (critical): for every element aggregated by `sum`, "
    "each unit above the level that submits it holds the sum of its children's values "
    "(and of the split units' values it holds whole, SPEC §3.7), at every level (null only "
    "when every child is null); children_sum is that sum, shown as published when they "
    "agree to floating-point precision.",
    expectation="ExpectColumnPairValuesToBeEqual",
    arguments={
        "column_A": "parent_value",
        "column_B": "children_sum",
        "ignore_row_if": "both_values_are_missing",
    },
)
VALUES_WITHIN_PLAUSIBLE_RANGE: Final = Check(
    name="values_within_plausible_range",
    severity=WARNING,
    description="values_within_plausible_range (warning): per element and level, no value "
    "outside the catalog's min..max (and the value type's range) scaled to the review: × "
    "months for a `sum` over time, × merged units, and above the submitting level × the "
    "submitting units below (booleans become counts of 0..units). Intake already refused "
    "out-of-range reports, so a failure means the range changed since, or a roll-up fault.",
    expectation="ExpectColumnValuesToBeBetween",
    arguments={"column": "values_outside_range", "min_value": 0, "max_value": 0},
)
CHECKS: Final = (SUM_ELEMENTS_RECONCILE, VALUES_WITHIN_PLAUSIBLE_RANGE)


@dataclass(frozen=True)
class CodedValues:
    """A review's element values with their unit and element as `Enum` codes (units of
    the root's subtree, elements of the catalog, each sorted: codes sort as their text;
    null where the text is neither, rows these checks leave out): ``org_unit_code,
    element_code, value``. Encoded once for both checks (40 ms on 2 M values)."""

    units: pl.Enum
    elements: pl.Enum
    frame: pl.DataFrame


def coded_values(rollup: Rollup, config: Config, units: pl.DataFrame) -> CodedValues:
    unit_codes = pl.Enum(units.get_column("org_unit_code").unique().sort())
    element_codes = pl.Enum(config.elements_frame().get_column("element_code").unique().sort())
    frame = rollup.elements.select(
        pl.col("org_unit_code").cast(pl.String).cast(unit_codes, strict=False),
        pl.col("element_code").cast(pl.String).cast(element_codes, strict=False),
        pl.col("value").cast(pl.Float64),
    )
    return CodedValues(unit_codes, element_codes, frame)


def reconciliation_part(
    rollup: Rollup, config: Config, units: pl.DataFrame, coded: CodedValues | None = None
) -> pl.DataFrame:
    """One row per unit above an element's submitting level × `sum` element: its value
    and the sum of its children's values (``units``: the root's subtree, from config;
    ``coded``: the values as `coded_values` gives them, when already encoded).

    The values (a million and more in a national review) find their unit's parent and
    level by position, and are summed and matched on their codes, never on text (about
    half the time)."""
    coded = coded or coded_values(rollup, config, units)
    unit_codes, element_codes = coded.units, coded.elements
    rules = pl.DataFrame({"element_code": element_codes.categories}).join(
        config.elements_frame(), on="element_code", how="left", maintain_order="left"
    )
    level_codes = pl.Enum(
        sorted(
            set(units.get_column("level").drop_nulls())
            | set(rules.get_column("collected_at").drop_nulls())
        )
    )
    # the subtree's units, one row per unit code in its order (a code is its row)
    tree = (
        pl.DataFrame({"org_unit_code": unit_codes.categories})
        .join(units, on="org_unit_code", how="left", maintain_order="left")
        .select(
            pl.col("parent_code").cast(unit_codes, strict=False),
            pl.col("level").cast(level_codes).to_physical(),
        )
    )
    # per element code: summed over units, its submitting level
    summed = rules.get_column("org_aggregation") == "sum"
    submitting_level = rules.get_column("collected_at").cast(level_codes).to_physical()
    unit, element = pl.col("org_unit_code").to_physical(), pl.col("element_code").to_physical()
    above_submitting_level = pl.lit(tree.get_column("level")).gather(unit) != pl.lit(
        submitting_level
    ).gather(element)
    keys = ["org_unit_code", "element_code"]
    values = (
        coded.frame.lazy()
        .drop_nulls(keys)
        .filter(pl.lit(summed).gather(element))
        .with_columns(pl.lit(tree.get_column("parent_code")).gather(unit).alias("parent_code"))
        .collect()
    )
    children = (
        values.drop_nulls("parent_code")
        .group_by("parent_code", "element_code")
        .agg(
            pl.when(pl.col("value").count() > 0).then(pl.col("value").sum()).alias("exact_sum"),
            pl.len().alias("children"),
        )
        .rename({"parent_code": "org_unit_code"})
    )
    if not rollup.held.is_empty():
        # a split unit's value held whole is one more child (SPEC §3.7)
        held = (
            rollup.held.lazy()
            .select(
                pl.col("org_unit_code").cast(pl.String).cast(unit_codes, strict=False),
                pl.col("element_code").cast(pl.String).cast(element_codes, strict=False),
                pl.col("value").alias("held"),
            )
            .drop_nulls(keys)
            .filter(pl.lit(summed).gather(element))
            .collect()
        )
        children = (
            children.join(held, on=keys, how="full", coalesce=True)
            .with_columns(
                pl.when(pl.col("exact_sum").is_null() & pl.col("held").is_null())
                .then(None)
                .otherwise(pl.col("exact_sum").fill_null(0) + pl.col("held").fill_null(0))
                .alias("exact_sum"),
                pl.col("children").fill_null(0),
            )
            .drop("held")
        )
    parents = values.filter(above_submitting_level).select(
        *keys, pl.col("value").alias("parent_value")
    )
    parent = pl.col("parent_value")
    tolerance = RECONCILE_ABSOLUTE + RECONCILE_RELATIVE * pl.max_horizontal(
        parent.abs(), pl.col("exact_sum").abs()
    )
    return (
        parents.join(children, on=keys, how="full", coalesce=True)
        .filter(above_submitting_level)
        .sort(keys)  # codes sort as their text: categories are sorted
        .select(
            pl.lit(RECONCILIATION).alias("part"),
            pl.concat_str(
                pl.col("org_unit_code").cast(pl.String),
                pl.col("element_code").cast(pl.String),
                separator=" ",
            ).alias("subject"),
            # concat_str, not pl.format: polars 2.1's pl.format panics on a column a filter left
            # with an empty chunk between rows (as in pola-rs/polars#25187)
            pl.concat_str(pl.col("children").fill_null(0), pl.lit(" children")).alias("detail"),
            "parent_value",
            pl.when((parent - pl.col("exact_sum")).abs() <= tolerance)
            .then(parent)
            .otherwise(pl.col("exact_sum"))
            .alias("children_sum"),
        )
    )


def _ranges(config: Config, months: int) -> pl.DataFrame:
    """Per element: ``lo``, ``hi`` of one report, and ``months_factor`` (the number of
    values a `sum` over time may add up within the review)."""
    elements = config.elements_frame()
    type_lo = pl.col("value_type").replace_strict(
        {k: v[0] for k, v in TYPE_RANGES.items()}, default=None, return_dtype=pl.Float64
    )
    type_hi = pl.col("value_type").replace_strict(
        {k: v[1] for k, v in TYPE_RANGES.items()}, default=None, return_dtype=pl.Float64
    )
    return elements.select(
        "element_code",
        "collected_at",
        "org_aggregation",
        pl.max_horizontal("min", type_lo).alias("lo"),
        pl.min_horizontal("max", type_hi).alias("hi"),
        pl.when(pl.col("time_aggregation") == "sum")
        .then(pl.lit(months))
        .otherwise(1)
        .cast(pl.Float64)
        .alias("months_factor"),
    )


def _unit_factors(config: Config, rollup: Rollup, units: pl.DataFrame) -> pl.DataFrame:
    """Per unit of the subtree and submitting level (``collected_at``): the unit's
    ``level``, ``merged`` (how many unit rows' history it holds: itself and the units
    merged into it) and ``below`` (``merged`` summed over its units at that level)."""
    merged = (
        successor_map(config.org_units, rollup.as_of, config.successions)
        .drop_nulls("effective_code")
        .group_by("effective_code")
        .agg(pl.len().cast(pl.Float64).alias("merged"))
        .rename({"effective_code": "org_unit_code"})
    )
    merged = (
        units.select("org_unit_code", "level")
        .join(merged, on="org_unit_code", how="left")
        .with_columns(pl.col("merged").fill_null(1))
    )
    below = (
        ancestors(units)
        .join(merged, on="org_unit_code")
        .group_by("ancestor_code", "level")
        .agg(pl.col("merged").sum().alias("below"))
        .rename({"ancestor_code": "org_unit_code", "level": "collected_at"})
    )
    levels = pl.DataFrame({"collected_at": sorted(config.submitting_levels())})
    return merged.join(levels, how="cross").join(
        below, on=["org_unit_code", "collected_at"], how="left"
    )


def range_part(
    rollup: Rollup, config: Config, units: pl.DataFrame, coded: CodedValues | None = None
) -> pl.DataFrame:
    """One row per element × level: how many values lie outside their plausible range
    (``coded``: the values as `coded_values` gives them, when already encoded).

    At the submitting level a value combines at most ``months_factor`` reports of each of
    ``merged`` units. Above it, a `sum` element lies between min(lo, 0) and max(hi, 0)
    times that for the submitting units below; an `average`/`max`/`min` one stays
    within what one submitting unit may hold.
    """
    ranges = _ranges(config, len(rollup.review_period.months()))
    factors = _unit_factors(config, rollup, units)
    lo, hi, months = pl.col("lo"), pl.col("hi"), pl.col("months_factor")
    summed = pl.col("org_aggregation") == "sum"
    # how many reports' worth a value may hold; null for a `sum` above the submitting level
    factor = (
        pl.when(pl.col("level") == pl.col("collected_at"))
        .then(months * pl.when(summed).then(pl.col("merged")).otherwise(1))
        .when(~summed)
        .then(months)
    )
    below_factor = months * pl.col("below").fill_null(0)
    lo_bound = (
        pl.when(lo.is_null())
        .then(None)
        .when(factor.is_not_null())
        .then(pl.min_horizontal(lo, lo * factor))
        .otherwise(pl.min_horizontal(lo, 0) * below_factor)
    )
    hi_bound = (
        pl.when(hi.is_null())
        .then(None)
        .when(factor.is_not_null())
        .then(pl.max_horizontal(hi, hi * factor))
        .otherwise(pl.max_horizontal(hi, 0) * below_factor)
    )
    coded = coded or coded_values(rollup, config, units)
    bounds = _bounds_by_kind(coded, ranges, factors, lo_bound, hi_bound)
    unit, element = pl.col("org_unit_code").to_physical(), pl.col("element_code").to_physical()
    kind = pl.lit(bounds.kinds).gather(
        unit.cast(pl.Int64) * bounds.levels + pl.lit(bounds.element_levels).gather(element)
    )
    position = pl.col("position")
    value, lo_at, hi_at = (
        pl.col("value"),
        pl.lit(bounds.lo_bound).gather(position),
        pl.lit(bounds.hi_bound).gather(position),
    )
    slack = RANGE_SLACK * (1 + value.abs())
    outside = (value < lo_at - slack).fill_null(False) | (value > hi_at + slack).fill_null(False)
    with_bounds = [lo_at.alias("lo_bound"), hi_at.alias("hi_bound")]
    # only what is counted is kept per value: a value's bounds again for the few outside
    checked = (
        coded.frame.lazy()
        .drop_nulls("value")
        .select(
            "org_unit_code",
            "value",
            (kind.cast(pl.Int64) * bounds.elements + element.cast(pl.Int64)).alias("position"),
        )
        .drop_nulls(["org_unit_code", "position"])  # outside the subtree, the catalog
        .with_columns(outside.alias("outside"))
        .collect()
    )
    by_position = bounds.frame.select("position", "element_code", "level")
    examples = (
        checked.filter(pl.col("outside"))
        .with_columns(with_bounds)
        .join(by_position, on="position")
        .select(
            pl.col("org_unit_code").cast(pl.String),
            "element_code",
            "level",
            "value",
            "lo_bound",
            "hi_bound",
        )
        .sort("org_unit_code")
        .group_by("element_code", "level")
        .first()
        .select(
            "element_code",
            "level",
            # concat_str, not pl.format (see `reconciliation_part`)
            pl.concat_str(
                pl.lit("; e.g. "),
                "org_unit_code",
                pl.lit(" = "),
                "value",
                pl.lit(" not in ["),
                pl.col("lo_bound").cast(pl.String).fill_null("-inf"),
                pl.lit(", "),
                pl.col("hi_bound").cast(pl.String).fill_null("inf"),
                pl.lit("]"),
            ).alias("example"),
        )
    )
    counted = (
        checked.lazy()  # lazy: grouping 2 M rows is 3x faster than the eager group_by here
        .group_by("position")
        .agg(
            pl.len().alias("checked"),
            pl.col("outside").sum().cast(pl.Int64).alias("values_outside_range"),
        )
        .join(by_position.lazy(), on="position")
        .group_by("element_code", "level")
        .agg(pl.col("checked").sum(), pl.col("values_outside_range").sum())
        .collect()
    )
    return (
        counted.join(examples, on=["element_code", "level"], how="left")
        .sort("element_code", "level")
        .select(
            pl.lit(RANGES).alias("part"),
            pl.concat_str("element_code", "level", separator=" @ ").alias("subject"),
            # concat_str, not pl.format (see `reconciliation_part`)
            pl.concat_str("checked", pl.lit(" values"), pl.col("example").fill_null("")).alias(
                "detail"
            ),
            "values_outside_range",
        )
    )


@dataclass(frozen=True)
class _Bounds:
    """Every value's range bounds, by position, so that millions of values find theirs
    without a join on text keys (half the time on a national review).

    A value's bounds depend on its unit only through the unit's ``level``, ``merged`` and
    ``below`` at the element's submitting level, which few units differ in: a *kind* is
    one such (submitting level, level, merged, below), a few hundred in a national review.
    ``frame`` holds the bounds of each kind × element at ``position`` = kind × `elements`
    + element (its `Enum` code); ``kinds`` the kind of each unit × submitting level at
    unit (its `Enum` code) × `levels` + level; ``element_levels`` each element's
    submitting level there."""

    elements: int
    levels: int
    kinds: pl.Series
    element_levels: pl.Series
    frame: pl.DataFrame

    @property
    def lo_bound(self) -> pl.Series:
        return self.frame.get_column("lo_bound")

    @property
    def hi_bound(self) -> pl.Series:
        return self.frame.get_column("hi_bound")


def _bounds_by_kind(
    coded: CodedValues,
    ranges: pl.DataFrame,
    factors: pl.DataFrame,
    lo_bound: pl.Expr,
    hi_bound: pl.Expr,
) -> _Bounds:
    units, element_codes = coded.units, coded.elements
    levels = factors.get_column("collected_at").unique().sort().to_list()
    level_number = pl.col("collected_at").replace_strict(
        levels, list(range(len(levels))), default=None, return_dtype=pl.Int64
    )
    kind_of = ["collected_at", "level", "merged", "below"]
    kinds = factors.select(kind_of).unique(maintain_order=True).with_row_index("kind")
    slots = factors.join(kinds, on=kind_of, nulls_equal=True).select(
        (pl.col("org_unit_code").cast(units).to_physical().cast(pl.Int64) * len(levels))
        + level_number,
        "kind",
    )
    kind_at = pl.Series("kind", [None] * (len(units.categories) * len(levels)), pl.UInt32)
    kind_at = kind_at.scatter(slots.to_series(0), slots.get_column("kind"))
    # one row per element in its code's order (an element's code is its row)
    per_element = (
        pl.DataFrame({"element_code": element_codes.categories})
        .join(ranges, on="element_code", how="left", maintain_order="left")
        .with_row_index("element")
    )
    frame = (
        kinds.drop("collected_at")
        .join(per_element, how="cross")
        .with_columns(
            (pl.col("kind").cast(pl.Int64) * per_element.height + pl.col("element")).alias(
                "position"
            )
        )
        .sort("position")
        .select(
            "position",
            "element_code",
            "level",
            lo_bound.alias("lo_bound"),
            hi_bound.alias("hi_bound"),
        )
    )
    return _Bounds(
        elements=per_element.height,
        levels=len(levels),
        kinds=kind_at,
        element_levels=per_element.select(level_number).to_series(),
        frame=frame,
    )
