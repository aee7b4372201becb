"""Element values of a review: over time within each unit, then up the hierarchy (SPEC §3.1-2).

Every function here is DataFrame in, DataFrame out. Aggregation rules differ per
element, so each step splits the rows by rule (five at most), aggregates each
part with one ``group_by`` and concatenates: a loop over rules, never over units.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import polars as pl

from chitieu.periods import Period, period_columns

Aggregate = Callable[[pl.Expr], pl.Expr]


def _guarded(agg: Aggregate) -> Aggregate:
    """An aggregate that is null, not 0, when every input is null."""
    return lambda value: pl.when(value.count() > 0).then(agg(value))


TIME_AGGREGATIONS: Mapping[str, Aggregate] = {
    "sum": _guarded(pl.Expr.sum),
    "average": pl.Expr.mean,
    "max": pl.Expr.max,
    "min": pl.Expr.min,
    # The latest period present; on a tie of end dates the longer period wins.
    "last": lambda value: value.max_by(pl.col("p_last") * 16 + pl.col("p_span")),
}

ORG_AGGREGATIONS: Mapping[str, Aggregate] = {
    "sum": _guarded(pl.Expr.sum),
    "average": pl.Expr.mean,
    "max": pl.Expr.max,
    "min": pl.Expr.min,
}


def aggregate_by_rule(
    frame: pl.LazyFrame,
    keys: list[str],
    rule_column: str,
    rules: Mapping[str, Aggregate],
    present: set[str] | None = None,
) -> pl.LazyFrame:
    """``group_by(keys)`` of ``value``, each group with the rule named in ``rule_column``."""
    parts = [
        frame.filter(pl.col(rule_column) == name)
        .group_by(keys)
        .agg(agg(pl.col("value")).cast(pl.Float64).alias("value"))
        for name, agg in rules.items()
        if present is None or name in present
    ]
    if not parts:
        return frame.select(*keys, pl.col("value").cast(pl.Float64)).clear()
    return pl.concat(parts)


def within_review(values: pl.LazyFrame, review: Period) -> pl.LazyFrame:
    """Values of periods inside the review, with ``p_first``, ``p_last``, ``p_span``, ``p_end``."""
    return (
        values.with_columns(period_columns(pl.col("period")))
        .filter(
            (pl.col("p_year") == review.year)
            & (pl.col("p_first") >= review.first_month)
            & (pl.col("p_last") <= review.last_month)
        )
        .with_columns(
            (pl.col("p_last") - pl.col("p_first") + 1).alias("p_span"),
            pl.date(pl.col("p_year"), pl.col("p_last"), 14).alias("p_end"),
        )
    )


def drop_covered_periods(
    frame: pl.DataFrame, keys: Sequence[str] = ("org_unit_code", "element_code")
) -> pl.DataFrame:
    """Drop values whose period lies inside a longer period submitted for the same
    unit and element (``keys``): a value for the review itself (or a quarter, a half)
    replaces the months it covers instead of being added to them."""
    keys = list(keys)
    long_periods = frame.filter(pl.col("p_span") > 1).select(*keys, "p_first", "p_span")
    if long_periods.is_empty():
        return frame
    for span in (3, 6, 12):
        covering = (
            long_periods.filter(pl.col("p_span") == span)
            .select(*keys, pl.col("p_first").alias("block"))
            .unique()
        )
        if covering.is_empty():
            continue
        block = ((pl.col("p_first") - 1) // span) * span + 1
        frame = frame.with_columns(block.alias("block")).join(
            covering.with_columns(pl.lit(True).alias("covered")),
            on=[*keys, "block"],
            how="left",
        )
        frame = frame.filter(~(pl.col("covered").fill_null(False) & (pl.col("p_span") < span)))
        frame = frame.drop("block", "covered")
    return frame


def over_time(frame: pl.DataFrame, elements: pl.DataFrame) -> pl.DataFrame:
    """One value per (unit, element): the element's ``time_aggregation`` over its periods
    (after `drop_covered_periods`, which the caller applies per submitting unit)."""
    rules = frame.lazy().join(
        elements.lazy().select("element_code", "time_aggregation"), on="element_code"
    )
    return aggregate_by_rule(
        rules,
        ["org_unit_code", "element_code"],
        "time_aggregation",
        TIME_AGGREGATIONS,
        set(elements.get_column("time_aggregation")),
    ).collect()


def combine_merged_units(frame: pl.DataFrame, elements: pl.DataFrame) -> pl.DataFrame:
    """Values of units merged into one successor, for the same period, combine by the
    element's ``org_aggregation``, as children do into their parent."""
    keys = ["org_unit_code", "element_code", "period"]
    if frame.select(pl.struct(keys).is_unique().all()).item():
        return frame
    extra = [c for c in frame.columns if c not in (*keys, "value")]
    rules = frame.lazy().join(
        elements.lazy().select("element_code", "org_aggregation"), on="element_code"
    )
    combined = aggregate_by_rule(rules, keys, "org_aggregation", ORG_AGGREGATIONS)
    firsts = frame.lazy().group_by(keys).agg(pl.col(extra).first())
    return combined.join(firsts, on=keys).select(frame.columns).collect()


def up_the_hierarchy(
    own: pl.DataFrame, units: pl.DataFrame, elements: pl.DataFrame
) -> pl.DataFrame:
    """Every unit × element it is responsible for: its own value where the element is
    collected at its level, else the ``org_aggregation`` of its children's values.

    ``own``: ``org_unit_code, element_code, value`` at the collecting units.
    ``units``: the subtree (``org_unit_code, level, parent_code, depth``).
    Result: ``org_unit_code, element_code, value`` (null where nothing was reported).
    """
    grid = units.select("org_unit_code", "level", "depth").join(
        elements.select("element_code", pl.col("collected_at").alias("level")), on="level"
    )
    collected = grid.join(own, on=["org_unit_code", "element_code"], how="left").select(
        "org_unit_code", "element_code", pl.col("value").cast(pl.Float64), "depth"
    )
    rules = elements.select("element_code", "org_aggregation")
    present = set(rules.get_column("org_aggregation"))
    parents = units.select("org_unit_code", "parent_code", "depth")
    result = collected
    max_depth = units.height and int(units.get_column("depth").cast(pl.Int64).max())  # type: ignore[arg-type]
    for depth in range(max_depth, 0, -1):
        children = result.filter(pl.col("depth") == depth)
        if children.is_empty():
            continue
        lifted = aggregate_by_rule(
            children.lazy()
            .join(parents.lazy().select("org_unit_code", "parent_code"), on="org_unit_code")
            .join(rules.lazy(), on="element_code")
            .drop("org_unit_code")
            .rename({"parent_code": "org_unit_code"}),
            ["org_unit_code", "element_code"],
            "org_aggregation",
            ORG_AGGREGATIONS,
            present,
        ).collect()
        lifted = lifted.join(
            result.select("org_unit_code", "element_code"),
            on=["org_unit_code", "element_code"],
            how="anti",
        ).with_columns(pl.lit(depth - 1, pl.Int32).alias("depth"))
        result = pl.concat([result, lifted.select(result.columns)])
    return result.drop("depth")
