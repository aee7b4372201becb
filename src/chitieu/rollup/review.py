"""The roll-up of one review (SPEC §3): accepted values in, the review's frames out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl
import polars.selectors as cs

from chitieu.config import Config
from chitieu.config.catalog import Catalog
from chitieu.periods import Period
from chitieu.rollup.codes import Codes, encoded
from chitieu.rollup.collecting import at_collecting_units
from chitieu.rollup.completeness import completeness
from chitieu.rollup.elements import up_the_hierarchy
from chitieu.rollup.hierarchy import ReviewError, ancestors, subtree
from chitieu.rollup.indicators import classify, indicator_actuals, targets_on

HELD_SCHEMA = pl.DataFrame(
    schema={"org_unit_code": pl.String, "element_code": pl.String, "value": pl.Float64}
)
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
    as_of: dt.date
    """The day whose hierarchy the review is rolled up on (SPEC §3.7): the review period's
    end, or a later day for a past period restated on today's units."""
    units: pl.DataFrame
    """org_unit_code, name, level, parent_code, depth"""
    elements: pl.DataFrame
    """org_unit_code, level, element_code, value, comparable"""
    indicators: pl.DataFrame
    """org_unit_code, level, indicator_code, actual, target, percent, class, comparable"""
    completeness: pl.DataFrame
    """org_unit_code, received, expected, completeness"""
    held: pl.DataFrame = field(default_factory=lambda: HELD_SCHEMA.clear())
    """org_unit_code, element_code, value: split units' values a unit holds whole beside
    its children's (SPEC §3.7: the lowest unit holding every successor missing a share),
    over time, combined by the element's org_aggregation; counted in its value."""

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
    *,
    as_of: dt.date | None = None,
    with_completeness: bool = True,
) -> Rollup:
    """Roll accepted values up to ``root`` for ``review_period``, on the hierarchy valid
    on ``as_of`` (default: the review period's end; a later day restates the period on
    the units of that day, SPEC §3.7).

    ``values``: ``org_unit_code, element_code, period, value``, one accepted value
    per (unit, element, period). ``reports`` (``org_unit_code, period``) are the
    accepted reports for completeness; by default, the reports the values came from.
    Without ``with_completeness`` (a roll-up read only for its figures: last year's),
    ``completeness`` is an empty frame. ``comparable`` (elements and indicators) is False
    where a figure needed a succession share that does not exist.
    """
    period = Period.parse(review_period) if isinstance(review_period, str) else review_period
    root = root or config.catalog.resolution.org_unit
    day = period.end if as_of is None else as_of
    if day < period.end:
        raise ReviewError(
            f"ngày {day.isoformat()} trước khi kỳ {period.code} kết thúc "
            f"({period.end.isoformat()}): một kỳ chỉ được tính lại theo danh mục đơn vị của "
            "một ngày về sau, không bao giờ theo một ngày trước đó / as_of "
            f"{day.isoformat()} is before the end of {period.code} ({period.end.isoformat()}): "
            "a period is restated on a later hierarchy, never an earlier one"
        )
    units = subtree(config.org_units, root, day)
    codes = Codes.of(config, period)
    elements = config.elements_frame().with_columns(
        encoded("element_code", codes.elements), encoded("collected_at", codes.levels)
    )
    units_coded = units.select(
        encoded("org_unit_code", codes.units),
        encoded("level", codes.levels),
        encoded("parent_code", codes.units),
        "depth",
    )
    # encoded once and kept: every later step reads small integers, none re-reads the text
    coded = (
        values.lazy()
        .select(
            encoded("org_unit_code", codes.units),
            encoded("element_code", codes.elements),
            encoded("period", codes.periods),
            pl.col("value").cast(pl.Float64),
        )
        .drop_nulls(["org_unit_code", "element_code", "period"])
        .collect(engine="streaming")
    )
    collected = at_collecting_units(coded, config, period, codes, units_coded, elements, day)
    del coded
    element_values = up_the_hierarchy(collected.own, units_coded, elements, collected.whole)
    not_comparable = _up_from(collected.not_comparable, units)

    actuals = indicator_actuals(element_values, config.catalog)
    indicators = classify(
        actuals.with_columns(pl.col("org_unit_code").cast(pl.String)),
        targets_on(config.targets, config.org_units, day),
        config.catalog,
        year=period.year,
        mid_year_review=not period.is_year,
    )
    element_values = _comparable(
        element_values,
        not_comparable.with_columns(
            encoded("org_unit_code", codes.units), encoded("element_code", codes.elements)
        ),
    )
    indicators = _comparable(indicators, _indicators_using(not_comparable, config.catalog))
    complete = _NO_COMPLETENESS
    if with_completeness:
        if reports is None:
            reports = values.lazy().select("org_unit_code", "period").unique().collect()
        complete = completeness(
            reports,
            config.org_units,
            units,
            period,
            config.submitting_levels(),
            as_of=day,
            successions=config.successions,
        )
    ordered = units.select("org_unit_code", "level", "depth")
    return Rollup(
        review_period=period,
        root=root,
        as_of=day,
        units=units,
        elements=_in_unit_order(
            element_values, units_coded.select("org_unit_code", "level", "depth"), "element_code"
        ),
        indicators=_in_unit_order(indicators, ordered, "indicator_code"),
        held=collected.whole.with_columns(cs.enum().cast(pl.String)).sort(
            "org_unit_code", "element_code"
        ),
        completeness=complete,
    )


_NO_COMPLETENESS = pl.DataFrame(
    schema={
        "org_unit_code": pl.String,
        "received": pl.Int64,
        "expected": pl.Int64,
        "completeness": pl.Float64,
    }
)


def _in_unit_order(frame: pl.DataFrame, units: pl.DataFrame, code: str) -> pl.DataFrame:
    """Root first, then by depth and code: the order people read a review in. Encoded
    codes sort by one packed integer (their categories are sorted, so the order is the
    codes' text order): much cheaper than sorting by three columns."""
    columns = ["org_unit_code", "level", *[c for c in frame.columns if c != "org_unit_code"]]
    joined = frame.join(units, on="org_unit_code")
    if isinstance(joined.schema["org_unit_code"], pl.Enum) and isinstance(
        joined.schema[code], pl.Enum
    ):
        number = lambda column: pl.col(column).to_physical().cast(pl.UInt64)  # noqa: E731
        key = (
            pl.col("depth").cast(pl.UInt64) * 2**48 + number("org_unit_code") * 2**16 + number(code)
        )
        ordered = joined.sort(key)
    else:
        ordered = joined.sort("depth", "org_unit_code", code)
    return ordered.select(columns).with_columns(cs.enum().cast(pl.String))


def _number(column: str) -> pl.Expr:
    return pl.col(column).to_physical().cast(pl.UInt64)


def _up_from(missing: pl.DataFrame, units: pl.DataFrame) -> pl.DataFrame:
    """``org_unit_code, element_code`` (text) of every unit whose value holds part of a
    split unit's value and not the rest (SPEC §3.7: not comparable): the collecting units
    of ``missing`` (`chitieu.rollup.collecting.Collected.not_comparable`) and every unit
    above them strictly below their ``holder`` (every unit above them where none)."""
    flagged = missing.select(pl.col("org_unit_code", "element_code", "holder").cast(pl.String))
    if flagged.is_empty():
        return flagged.drop("holder")
    depth = units.select("org_unit_code", "depth")
    return (
        flagged.join(ancestors(units), on="org_unit_code")
        .join(depth.rename({"org_unit_code": "ancestor_code"}), on="ancestor_code")
        .join(
            depth.rename({"org_unit_code": "holder", "depth": "holder_depth"}),
            on="holder",
            how="left",
        )
        .filter(pl.col("holder_depth").is_null() | (pl.col("depth") > pl.col("holder_depth")))
        .select(pl.col("ancestor_code").alias("org_unit_code"), "element_code")
        .unique()
    )


def _indicators_using(not_comparable: pl.DataFrame, catalog: Catalog) -> pl.DataFrame:
    """``org_unit_code, indicator_code`` whose formula uses a not comparable element."""
    uses = pl.DataFrame(
        [
            (indicator.code, code)
            for indicator in catalog.indicators
            for code in catalog.formula_elements(indicator.code)
        ],
        schema={"indicator_code": pl.String, "element_code": pl.String},
        orient="row",
    )
    return (
        not_comparable.join(uses, on="element_code")
        .select("org_unit_code", "indicator_code")
        .unique()
    )


def _comparable(frame: pl.DataFrame, flagged: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with ``comparable``: False on the rows ``flagged`` names (by its columns)."""
    if flagged.is_empty():
        return frame.with_columns(pl.lit(True).alias("comparable"))
    return frame.join(
        flagged.with_columns(pl.lit(False).alias("comparable")),
        on=flagged.columns,
        how="left",
    ).with_columns(pl.col("comparable").fill_null(True))
