"""The roll-up of one review (SPEC §3): accepted values in, the review's frames out."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from chitieu.config import Config
from chitieu.periods import Period
from chitieu.rollup.completeness import completeness
from chitieu.rollup.elements import (
    combine_merged_units,
    drop_covered_periods,
    over_time,
    up_the_hierarchy,
    within_review,
)
from chitieu.rollup.hierarchy import attribute, subtree
from chitieu.rollup.indicators import classify, indicator_actuals

VALUES_SCHEMA = {
    "org_unit_code": pl.String,
    "element_code": pl.String,
    "period": pl.String,
    "value": pl.Float64,
}


@dataclass(frozen=True)
class Rollup:
    """Every unit of the root's subtree, with its element values, indicators and completeness."""

    review_period: Period
    root: str
    units: pl.DataFrame
    """org_unit_code, name, level, parent_code, depth"""
    elements: pl.DataFrame
    """org_unit_code, level, element_code, value"""
    indicators: pl.DataFrame
    """org_unit_code, level, indicator_code, actual, target, percent, class"""
    completeness: pl.DataFrame
    """org_unit_code, received, expected, completeness"""

    def root_indicators(self) -> pl.DataFrame:
        return self.indicators.filter(pl.col("org_unit_code") == self.root)

    def root_completeness(self) -> float | None:
        row = self.completeness.filter(pl.col("org_unit_code") == self.root)
        return None if row.is_empty() else row.item(0, "completeness")


def roll_up(
    config: Config,
    values: pl.DataFrame | pl.LazyFrame,
    review_period: Period | str,
    root: str | None = None,
    reports: pl.DataFrame | None = None,
) -> Rollup:
    """Roll accepted values up to ``root`` for ``review_period``.

    ``values``: ``org_unit_code, element_code, period, value``, one accepted value
    per (unit, element, period). ``reports`` (``org_unit_code, period``) are the
    accepted reports for completeness; by default, the reports the values came from.
    """
    period = Period.parse(review_period) if isinstance(review_period, str) else review_period
    root = root or config.catalog.resolution.org_unit
    units = subtree(config.org_units, root, period.end)
    elements = config.elements_frame()

    lazy = values.lazy().select(pl.col(name).cast(dtype) for name, dtype in VALUES_SCHEMA.items())
    inside = within_review(lazy, period).collect()
    attributed = attribute(
        inside.select("org_unit_code", "p_end").unique(), config.org_units, period.end
    )
    unit_levels = units.select("org_unit_code", "level")
    own = (
        # a unit's longer period replaces its own months before a merger mixes the
        # merged unit's reports with its successor's (keyed by the unit row, not the code)
        drop_covered_periods(
            inside.join(attributed, on=["org_unit_code", "p_end"]),
            keys=("unit_id", "element_code"),
        )
        .drop("org_unit_code", "unit_id")
        .rename({"effective_code": "org_unit_code"})
        .join(unit_levels, on="org_unit_code")
        .join(elements.select("element_code", "collected_at"), on="element_code")
        .filter(pl.col("level") == pl.col("collected_at"))
        .drop("level", "collected_at")
    )
    own = over_time(combine_merged_units(own, elements), elements)
    element_values = up_the_hierarchy(own, units, elements)

    actuals = indicator_actuals(element_values, config.catalog)
    indicators = classify(
        actuals,
        config.targets,
        config.catalog,
        year=period.year,
        mid_year_review=not period.is_year,
    )
    if reports is None:
        reports = values.lazy().select("org_unit_code", "period").unique().collect()
    ordered = units.select("org_unit_code", "level", "depth")
    return Rollup(
        review_period=period,
        root=root,
        units=units,
        elements=_in_unit_order(element_values, ordered, "element_code"),
        indicators=_in_unit_order(indicators, ordered, "indicator_code"),
        completeness=completeness(
            reports, config.org_units, units, period, config.submitting_levels()
        ),
    )


def _in_unit_order(frame: pl.DataFrame, units: pl.DataFrame, code: str) -> pl.DataFrame:
    """Root first, then by depth and code: the order people read a review in."""
    columns = ["org_unit_code", "level", *[c for c in frame.columns if c != "org_unit_code"]]
    return (
        frame.join(units, on="org_unit_code").sort("depth", "org_unit_code", code).select(columns)
    )
