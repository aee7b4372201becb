"""Gate checks on the review's indicators: the root has them all, targets are the adopted
ones, percent and class follow from actual, target and thresholds (SPEC §3.4-5).

The expected percent and class are restated here from the specification and the
configuration, not imported from `chitieu.rollup`: a check that called the code it
guards would only agree with itself. One row per unit × indicator goes to GX.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from chitieu.config import Config
from chitieu.quality.checks import CRITICAL, Check
from chitieu.rollup import Rollup
from chitieu.rollup.indicators import targets_on

PART: Final = "indicators"

PERCENT_DECIMALS: Final = 2
PERCENT_ROUNDING: Final = 0.5 * 10**-PERCENT_DECIMALS + 1e-9
"""A published percent is rounded to 2 decimals: it may differ from the exact ratio by
half a unit of the last decimal (plus floating-point slack), never more."""

ROOT_HAS_EVERY_INDICATOR: Final = Check(
    name="root_has_every_indicator",
    severity=CRITICAL,
    description="root_has_every_indicator (critical): every indicator of the catalog has a "
    "row for the review's root unit.",
    expectation="ExpectColumnDistinctValuesToContainSet",
    arguments={"column": "root_indicator_code"},
    configured=lambda config: {"value_set": [i.code for i in config.catalog.indicators]},
)
TARGET_MATCHES_CONFIG: Final = Check(
    name="target_matches_config",
    severity=CRITICAL,
    description="target_matches_config (critical): each published target is the one "
    "targets.csv adopts for the unit, indicator and year (none where it has none).",
    expectation="ExpectColumnPairValuesToBeEqual",
    arguments={
        "column_A": "target",
        "column_B": "config_target",
        "ignore_row_if": "both_values_are_missing",
    },
)
PERCENT_MATCHES_FORMULA: Final = Check(
    name="percent_matches_formula",
    severity=CRITICAL,
    description="percent_matches_formula (critical): percent is actual / target × 100 "
    "(decrease: (baseline − actual) / (baseline − target) × 100) within rounding to 2 "
    "decimals; expected_percent is that ratio, shown as published when they agree.",
    expectation="ExpectColumnPairValuesToBeEqual",
    arguments={
        "column_A": "percent",
        "column_B": "expected_percent",
        "ignore_row_if": "both_values_are_missing",
    },
)
CLASS_MATCHES_PERCENT: Final = Check(
    name="class_matches_percent",
    severity=CRITICAL,
    description="class_matches_percent (critical): each class is the one its percent, "
    "target, review and the catalog's thresholds give (SPEC §3.5), for an indicator of "
    "the catalog; a target no percent measures (0, or a decrease's equal to its baseline) "
    "is met by a figure at or past it.",
    expectation="ExpectColumnPairValuesToBeEqual",
    arguments={
        "column_A": "class",
        "column_B": "expected_class",
        "ignore_row_if": "both_values_are_missing",
    },
)
CHECKS: Final = (
    ROOT_HAS_EVERY_INDICATOR,
    TARGET_MATCHES_CONFIG,
    PERCENT_MATCHES_FORMULA,
    CLASS_MATCHES_PERCENT,
)


def expected_percent(actual: pl.Expr, target: pl.Expr, baseline: pl.Expr) -> pl.Expr:
    """The exact percent of SPEC §3.4 (unrounded) for rows with a ``direction`` column."""
    increase = pl.when(target != 0).then(actual / target * 100)
    decrease = pl.when(baseline != target).then((baseline - actual) / (baseline - target) * 100)
    return pl.when(pl.col("direction") == "decrease").then(decrease).otherwise(increase)


def expected_class(config: Config, mid_year_review: bool) -> pl.Expr:
    """The class SPEC §3.5 gives a row's published percent (null for an unknown indicator)."""
    thresholds = config.catalog.classification
    percent = pl.col("percent")
    # A target no percent measures (0; for a decrease, the baseline itself) is met by an
    # actual at it or past it, the way the indicator goes.
    decrease = pl.col("direction") == "decrease"
    target = pl.col("config_target")
    met_unmeasured = (
        pl.when(decrease)
        .then((pl.col("baseline") == target) & (pl.col("actual") <= target))
        .otherwise((target == 0) & (pl.col("actual") >= target))
    )
    by_percent = (
        pl.when(percent.is_null() & met_unmeasured.fill_null(False))
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
    judged_at_year_end = pl.col("review") == "year_end"
    return (
        pl.when(pl.col("review").is_null())
        .then(pl.lit(None, pl.String))
        .when(judged_at_year_end & mid_year_review)
        .then(pl.lit("year_end"))
        .when(pl.col("config_target").is_null())
        .then(pl.lit("no_target"))
        .otherwise(by_percent)
    )


def indicator_part(rollup: Rollup, config: Config) -> pl.DataFrame:
    """One row per published unit × indicator, with what the configuration implies."""
    period = rollup.review_period
    rules = pl.DataFrame(
        {
            "indicator_code": [i.code for i in config.catalog.indicators],
            "direction": [i.direction for i in config.catalog.indicators],
            "review": [i.review for i in config.catalog.indicators],
        },
        schema={"indicator_code": pl.String, "direction": pl.String, "review": pl.String},
    )
    targets = targets_on(config.targets, config.org_units, rollup.as_of)
    adopted = targets.filter(pl.col("year") == period.year).select(
        "indicator_code",
        "org_unit_code",
        pl.col("target").cast(pl.Float64).alias("config_target"),
        pl.col("baseline").cast(pl.Float64),
    )
    exact = expected_percent(pl.col("actual"), pl.col("config_target"), pl.col("baseline"))
    agrees = (pl.col("percent") - pl.col("exact_percent")).abs() <= PERCENT_ROUNDING
    return (
        rollup.indicators.select(
            "org_unit_code",
            "indicator_code",
            pl.col("actual").cast(pl.Float64),
            pl.col("target").cast(pl.Float64),
            pl.col("percent").cast(pl.Float64),
            pl.col("class").cast(pl.String),
        )
        .join(rules, on="indicator_code", how="left")
        .join(adopted, on=["indicator_code", "org_unit_code"], how="left")
        .with_columns(exact.alias("exact_percent"))
        .with_columns(
            pl.when(agrees)
            .then(pl.col("percent"))
            .otherwise(pl.col("exact_percent").round(PERCENT_DECIMALS))
            .alias("expected_percent"),
            expected_class(config, mid_year_review=not period.is_year).alias("expected_class"),
            pl.when(pl.col("org_unit_code") == rollup.root)
            .then(pl.col("indicator_code"))
            .alias("root_indicator_code"),
            pl.lit(PART).alias("part"),
            pl.concat_str("org_unit_code", "indicator_code", separator=" ").alias("subject"),
        )
        .select(
            "part",
            "subject",
            "root_indicator_code",
            "target",
            "config_target",
            "percent",
            "expected_percent",
            "class",
            "expected_class",
        )
    )
