"""The same period last year (SPEC §3 rule 8), restated on the units of this review.

For a review of period R at root U, each unit's indicators for the same period one year
earlier (2024S1 → 2023S1), rolled up on the units valid at the end of R (rule 7: a
merged commune's predecessors summed into it) by `chitieu.rollup.roll_up` itself, from
the warehouse's accepted values. Where that gives no figure for a unit's indicator, the
configuration's history.csv fills it (a team's first year with chitieu): a unit's own
row when it is the unit valid at the end of R, else the sum of its predecessors' rows
for an indicator that is a sum (every predecessor has a row; the formula adds elements
aggregated by ``sum``), else "not comparable". Nothing anywhere: no figure (null, never 0).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

import polars as pl

from chitieu import formula
from chitieu.config import Config
from chitieu.periods import Period
from chitieu.rollup.hierarchy import successor_map, valid_on
from chitieu.rollup.review import roll_up

LAST_YEAR_FIGURES: Final[dict[str, pl.DataType]] = {
    "org_unit_code": pl.String(),
    "indicator_code": pl.String(),
    "last_actual": pl.Float64(),
    "last_comparable": pl.Boolean(),
    "source": pl.String(),
}
"""``source``: ``warehouse`` or ``history`` (history.csv), null where there is no figure."""
FROM_WAREHOUSE: Final = "warehouse"
FROM_HISTORY: Final = "history"
_NO_REPORTS: Final = pl.DataFrame(schema={"org_unit_code": pl.String, "period": pl.String})


def previous_period(period: Period) -> Period:
    """The same review period one year earlier: 2024S1 → 2023S1, 2024 → 2023."""
    return Period(period.year - 1, period.first_month, period.last_month)


@dataclass(frozen=True)
class LastYear:
    """Last year's figures of a review (``figures``: ``LAST_YEAR_FIGURES``, one row per
    unit of the review's subtree and indicator)."""

    review_period: Period
    """This year's review period; its end is the day last year is restated on."""
    period: Period
    figures: pl.DataFrame

    @property
    def as_of(self) -> dt.date:
        return self.review_period.end

    @property
    def used_history(self) -> bool:
        """Whether a figure of history.csv entered them."""
        return bool((self.figures["source"] == FROM_HISTORY).any())


def last_year(
    config: Config,
    values: pl.DataFrame | pl.LazyFrame,
    review_period: Period,
    root: str,
) -> LastYear:
    """Last year's figures for a review of ``review_period`` at ``root``. ``values``: the
    accepted values (``org_unit_code, element_code, period, value``), of any periods:
    those of last year's period are rolled up."""
    previous = previous_period(review_period)
    restated = roll_up(
        config,
        values,
        previous,
        root,
        reports=_NO_REPORTS,
        as_of=review_period.end,
    )
    stored = with_comparable(restated.indicators).select(
        "org_unit_code",
        "indicator_code",
        pl.col("actual").alias("last_actual"),
        pl.when(pl.col("actual").is_not_null() | ~pl.col("comparable"))
        .then(pl.col("comparable"))
        .alias("last_comparable"),
    )
    history = history_figures(config, previous, review_period.end, restated.units)
    figures = (
        stored.join(history, on=["org_unit_code", "indicator_code"], how="left", suffix="_h")
        .with_columns(
            filled=pl.col("last_actual").is_null()
            & pl.col("last_comparable").is_null()
            & pl.col("last_comparable_h").is_not_null()
        )
        .select(
            "org_unit_code",
            "indicator_code",
            pl.when("filled")
            .then(pl.col("last_actual_h"))
            .otherwise(pl.col("last_actual"))
            .alias("last_actual"),
            pl.when("filled")
            .then(pl.col("last_comparable_h"))
            .otherwise(pl.col("last_comparable"))
            .alias("last_comparable"),
            pl.when("filled")
            .then(pl.lit(FROM_HISTORY))
            .when(pl.col("last_comparable").is_not_null())
            .then(pl.lit(FROM_WAREHOUSE))
            .alias("source"),
        )
    )
    return LastYear(review_period, previous, figures.cast(LAST_YEAR_FIGURES))  # type: ignore[arg-type]


def with_comparable(indicators: pl.DataFrame) -> pl.DataFrame:
    """A roll-up's indicators with ``comparable`` (True where the roll-up has no such
    column: nothing in it needed a succession share)."""
    if "comparable" in indicators.columns:
        return indicators.with_columns(pl.col("comparable").fill_null(True))
    return indicators.with_columns(pl.lit(True).alias("comparable"))


def with_last_year(indicators: pl.DataFrame, last: LastYear) -> pl.DataFrame:
    """A roll-up's indicators with ``comparable``, ``last_actual`` and
    ``last_comparable`` (a unit and indicator last year has nothing for: null)."""
    figures = last.figures.select(
        "org_unit_code", "indicator_code", "last_actual", "last_comparable"
    )
    return with_comparable(indicators).join(
        figures, on=["org_unit_code", "indicator_code"], how="left", maintain_order="left"
    )


def additive_indicators(config: Config) -> set[str]:
    """Indicators whose figure for a merged unit is the sum of its predecessors': their
    formula adds elements (``+`` only) that add up over units (``org_aggregation: sum``)."""
    summed = {e.code for e in config.catalog.elements if e.org_aggregation == "sum"}

    def adds(node: formula.Node) -> bool:
        if isinstance(node, formula.Element):
            return node.code in summed
        return (
            isinstance(node, formula.Binary)
            and node.op == "+"
            and adds(node.left)
            and adds(node.right)
        )

    return {i.code for i in config.catalog.indicators if adds(config.catalog.formula_tree(i.code))}


def contributors(config: Config, previous: Period, as_of: dt.date) -> pl.DataFrame:
    """``org_unit_code`` (the unit valid on ``previous``'s last day, as history.csv names
    it) and ``unit``: the unit holding its history on ``as_of``."""
    then = config.org_units.filter(valid_on(previous.end)).select("unit_id", "code")
    return (
        then.join(successor_map(config.org_units, as_of), on="unit_id")
        .filter(pl.col("effective_code").is_not_null())
        .select(pl.col("code").alias("org_unit_code"), pl.col("effective_code").alias("unit"))
    )


def history_figures(
    config: Config, previous: Period, as_of: dt.date, units: pl.DataFrame
) -> pl.DataFrame:
    """history.csv's figures for ``previous``, restated on ``units`` (``org_unit_code``:
    those valid on ``as_of``): ``LAST_YEAR_FIGURES`` without ``source``, for the units and
    indicators that have rows."""
    rows = config.history.filter(pl.col("period") == previous.code)
    placed = contributors(config, previous, as_of).join(
        units.select(pl.col("org_unit_code").alias("unit")), on="unit", how="semi"
    )
    expected = placed.group_by("unit").agg(pl.len().alias("expected"))
    found = (
        rows.join(placed, on="org_unit_code")
        .group_by("unit", "indicator_code")
        .agg(pl.len().alias("found"), pl.col("actual").sum().alias("total"))
        .join(expected, on="unit")
    )
    single = pl.col("expected") == 1
    summed = (pl.col("found") == pl.col("expected")) & pl.col("indicator_code").is_in(
        sorted(additive_indicators(config))
    )
    return found.select(
        pl.col("unit").alias("org_unit_code"),
        "indicator_code",
        pl.when(single | summed).then(pl.col("total")).alias("last_actual"),
        (single | summed).alias("last_comparable"),
    )
