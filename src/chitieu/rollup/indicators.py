"""Indicators of a review: formulas over aggregated elements, percent of target, class
(SPEC §3.3-5)."""

from __future__ import annotations

import datetime as dt
from typing import Final

import polars as pl

from chitieu import formula
from chitieu.config import Catalog
from chitieu.config.catalog import Classification
from chitieu.rollup.hierarchy import valid_on

CLASSES: Final = (
    "exceeded",
    "basically_achieved",
    "on_track",
    "below_half",
    "not_started",
    "year_end",
    "no_target",
)
# Floating-point division leaves ties such as 1.005 a hair below the half; a relative
# nudge far below any real difference lets them round away from zero as people do.
_TIE_NUDGE: Final = 1e-12


def round_half_away(value: pl.Expr, decimals: int = 2) -> pl.Expr:
    """Round half away from zero, robust to binary representation (1.005 → 1.01)."""
    nudged = value + value.sign() * value.abs() * _TIE_NUDGE
    return nudged.round(decimals, mode="half_away_from_zero")


def indicator_actuals(element_values: pl.DataFrame, catalog: Catalog) -> pl.DataFrame:
    """``org_unit_code, indicator_code, actual``: each formula on each unit's element values
    (a ratio of sums, never an average of ratios)."""
    codes = [e.code for e in catalog.elements]
    wide = element_values.pivot(
        on="element_code", index="org_unit_code", values="value", on_columns=codes
    )
    missing = [c for c in codes if c not in wide.columns]
    wide = wide.with_columns(pl.lit(None, pl.Float64).alias(c) for c in missing)
    computed = wide.select(
        "org_unit_code",
        *[
            formula.to_expr(catalog.formula_tree(ind.code)).alias(ind.code)
            for ind in catalog.indicators
        ],
    )
    return computed.unpivot(
        index="org_unit_code", variable_name="indicator_code", value_name="actual"
    ).with_columns(
        pl.col("actual").cast(pl.Float64).fill_nan(None),
    )


def targets_on(targets: pl.DataFrame, org_units: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    """The targets (`Config.targets`) of the units valid on ``day``: a target names one
    unit row (``unit_id``), so the 2025 target of the new 28984 is not the old 28984's."""
    rows = org_units.filter(valid_on(day)).select("unit_id")
    return targets.join(rows, on="unit_id", how="semi")


def percent_expr(direction: pl.Expr) -> pl.Expr:
    """percent = actual / target × 100, or (baseline − actual) / (baseline − target) × 100."""
    increase = pl.when(pl.col("target") != 0).then(pl.col("actual") / pl.col("target") * 100)
    gap = pl.col("baseline") - pl.col("target")
    decrease = pl.when(gap != 0).then((pl.col("baseline") - pl.col("actual")) / gap * 100)
    return round_half_away(pl.when(direction == "decrease").then(decrease).otherwise(increase))


def reached_without_percent() -> pl.Expr:
    """A target no percent measures (0 for ``increase``; the baseline itself for
    ``decrease``) reached: the actual is at it or beyond it, the way the indicator goes.

    SPEC §3.4 divides by the target (or by baseline − target), so a small unit's target of
    0 has no percent; it is not "not started" when the unit's figure is in: a figure at or
    past such a target meets it, as 100 % would (``exceeded``). Needs ``direction``,
    ``actual``, ``target`` and ``baseline``; false where any of them is missing."""
    decrease = pl.col("direction") == "decrease"
    target = pl.col("target")
    return (
        pl.when(decrease)
        .then((pl.col("baseline") == target) & (pl.col("actual") <= target))
        .otherwise((target == 0) & (pl.col("actual") >= target))
        .fill_null(False)
    )


def class_expr(thresholds: Classification, mid_year_review: bool) -> pl.Expr:
    """The class of a rounded percent (SPEC §3.5), or of a target no percent measures
    (`reached_without_percent`)."""
    percent = pl.col("percent")
    return (
        pl.when(pl.lit(mid_year_review) & (pl.col("review") == "year_end"))
        .then(pl.lit("year_end"))
        .when(pl.col("target").is_null())
        .then(pl.lit("no_target"))
        .when(percent.is_null() & reached_without_percent())
        .then(pl.lit("exceeded"))
        .when(percent.is_null() | (percent <= 0))
        .then(pl.lit("not_started"))
        .when(percent >= thresholds.exceeded)
        .then(pl.lit("exceeded"))
        .when(percent >= thresholds.basically_achieved)
        .then(pl.lit("basically_achieved"))
        .when(percent >= thresholds.on_track)
        .then(pl.lit("on_track"))
        .otherwise(pl.lit("below_half"))
    )


def classify(
    actuals: pl.DataFrame,
    targets: pl.DataFrame,
    catalog: Catalog,
    year: int,
    mid_year_review: bool,
) -> pl.DataFrame:
    """Add ``target, percent, class`` to ``org_unit_code, indicator_code, actual``."""
    rules = pl.DataFrame(
        {
            "indicator_code": [i.code for i in catalog.indicators],
            "direction": [i.direction for i in catalog.indicators],
            "review": [i.review for i in catalog.indicators],
        }
    )
    year_targets = targets.filter(pl.col("year") == year).select(
        "indicator_code", "org_unit_code", "target", "baseline"
    )
    return (
        actuals.join(rules, on="indicator_code", how="left")
        .join(year_targets, on=["indicator_code", "org_unit_code"], how="left")
        .with_columns(percent_expr(pl.col("direction")).alias("percent"))
        .with_columns(class_expr(catalog.classification, mid_year_review).alias("class"))
        .select("org_unit_code", "indicator_code", "actual", "target", "percent", "class")
    )
