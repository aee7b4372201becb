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
from chitieu.rollup.hierarchy import history_map, subtree, valid_on
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


def previous_period(period: Period) -> Period:
    """The same review period one year earlier: 2024S1 → 2023S1, 2024 → 2023."""
    return Period(period.year - 1, period.first_month, period.last_month)


@dataclass(frozen=True)
class LastYear:
    """Last year's figures of a review (``figures``: ``LAST_YEAR_FIGURES``, one row per
    unit of the review's subtree and indicator)."""

    review_period: Period
    """This year's review period."""
    period: Period
    figures: pl.DataFrame
    as_of: dt.date
    """The day whose units last year is restated on: the end of the review (or the day
    a restated review is rolled up on)."""

    @property
    def used_history(self) -> bool:
        """Whether a figure of history.csv entered them."""
        return bool((self.figures["source"] == FROM_HISTORY).any())


def last_year(
    config: Config,
    values: pl.DataFrame | pl.LazyFrame,
    review_period: Period,
    root: str,
    as_of: dt.date | None = None,
) -> LastYear:
    """Last year's figures for a review of ``review_period`` at ``root``, on the units of
    ``as_of`` (by default the review's end). ``values``: the accepted values
    (``org_unit_code, element_code, period, value``), of any periods: those of last
    year's period are rolled up."""
    previous = previous_period(review_period)
    day = review_period.end if as_of is None else as_of
    # only last year's periods are read again (a period code starts with its year)
    theirs = values.lazy().filter(pl.col("period").str.starts_with(str(previous.year)))
    if theirs.head(1).collect().is_empty():
        # a first year in the warehouse: no second roll-up, only history.csv's figures
        # (a unit and indicator without a row gets null, null from `with_last_year`,
        # as a roll-up of nothing gives)
        units = subtree(config.org_units, root, day)
        figures = history_figures(config, previous, day, units).with_columns(
            source=pl.lit(FROM_HISTORY)
        )
        return LastYear(review_period, previous, figures.cast(LAST_YEAR_FIGURES), day)  # type: ignore[arg-type]
    restated = roll_up(
        config,
        theirs,
        previous,
        root,
        as_of=day,
        with_completeness=False,  # only its figures are read
    )
    stored = with_comparable(restated.indicators).select(
        "org_unit_code",
        "indicator_code",
        pl.col("actual").alias("last_actual"),
        pl.when(pl.col("actual").is_not_null() | ~pl.col("comparable"))
        .then(pl.col("comparable"))
        .alias("last_comparable"),
    )
    history = history_figures(config, previous, day, restated.units)
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
    return LastYear(review_period, previous, figures.cast(LAST_YEAR_FIGURES), day)  # type: ignore[arg-type]


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


def additive_indicators(config: Config, *, scalable: bool = False) -> set[str]:
    """Indicators whose figure for a merged unit is the sum of its predecessors': their
    formula adds elements (``+`` only) that add up over units (``org_aggregation: sum``).
    With ``scalable``, those whose elements are no booleans either: a part of a split
    unit holds its share of them (SPEC §3.7)."""
    summed = {
        e.code
        for e in config.catalog.elements
        if e.org_aggregation == "sum" and not (scalable and e.value_type == "boolean")
    }

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
    it), ``unit`` (a unit holding its history on ``as_of``) and ``share`` (how much of
    it; null where nobody knows): `chitieu.rollup.hierarchy.history_map`."""
    then = config.org_units.filter(valid_on(previous.end)).select("unit_id", "code")
    held = history_map(config.org_units, as_of, config.successions)
    return (
        then.join(held, on="unit_id")
        .filter(pl.col("effective_code").is_not_null())
        .select(
            pl.col("code").alias("org_unit_code"), pl.col("effective_code").alias("unit"), "share"
        )
    )


def history_figures(
    config: Config, previous: Period, as_of: dt.date, units: pl.DataFrame
) -> pl.DataFrame:
    """history.csv's figures for ``previous``, restated on ``units`` (``org_unit_code``:
    those valid on ``as_of``) by SPEC §3.7: ``LAST_YEAR_FIGURES`` without ``source``, for
    the units and indicators that have rows. A unit that is all of one unit of then (the
    same, or its whole successor) takes its figure; a unit made of several, or of part of
    one, takes the sum (times the shares) where the indicator adds up and every part has
    a row and a known share; otherwise it is not comparable."""
    rows = config.history.filter(pl.col("period") == previous.code)
    placed = contributors(config, previous, as_of).join(
        units.select(pl.col("org_unit_code").alias("unit")), on="unit", how="semi"
    )
    parts = placed.group_by("unit").agg(
        pl.len().alias("parts"),
        (pl.col("share") == 1).fill_null(False).all().alias("whole"),
        pl.col("share").is_not_null().all().alias("known"),
    )
    found = (
        rows.join(placed, on="org_unit_code")
        .group_by("unit", "indicator_code")
        .agg(pl.len().alias("found"), (pl.col("actual") * pl.col("share")).sum().alias("total"))
        .join(parts, on="unit")
    )
    single = (pl.col("parts") == 1) & pl.col("whole")
    summed = (pl.col("found") == pl.col("parts")) & (
        (pl.col("whole") & pl.col("indicator_code").is_in(sorted(additive_indicators(config))))
        | (
            pl.col("known")
            & pl.col("indicator_code").is_in(sorted(additive_indicators(config, scalable=True)))
        )
    )
    usable = single | summed
    return found.select(
        pl.col("unit").alias("org_unit_code"),
        "indicator_code",
        pl.when(usable).then(pl.col("total")).alias("last_actual"),
        usable.alias("last_comparable"),
    )
