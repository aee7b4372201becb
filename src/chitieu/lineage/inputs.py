"""The values of a revision's input submissions, placed where the roll-up put them."""

from __future__ import annotations

import datetime as dt

import polars as pl

from chitieu.config import Config
from chitieu.periods import Period
from chitieu.rollup.collecting import shareable, usable
from chitieu.rollup.elements import drop_covered_periods, within_review
from chitieu.rollup.hierarchy import ancestors, attribute, subtree

ATTRIBUTED_COLUMNS = (
    "submission_id",
    "org_unit_code",
    "element_code",
    "period",
    "value",
    "note",
    "location",
    "unit",
    "share",
    "used",
)


def attributed(
    config: Config,
    values: pl.DataFrame,
    period: Period,
    root: str,
    as_of: dt.date | None = None,
) -> pl.DataFrame:
    """Each input value with ``unit``, the unit of ``root``'s subtree holding it at the
    review's end or ``as_of`` (its own code, or its successor's after a merger; null
    outside the subtree), the ``share`` of it that unit holds (one row per unit for a
    split unit's value; null where no share is known), and ``used``: whether the roll-up
    counted it (it does not when a report of a longer period covers the month, when the
    element is not collected at that unit's level, or when it needed a share that does
    not exist)."""
    day = period.end if as_of is None else as_of
    rows = values.with_row_index("row")
    inside = within_review(rows.lazy(), period).collect()
    placed = attribute(
        inside.select("org_unit_code", "p_end").unique(),
        config.org_units,
        day,
        config.successions,
    )
    units = subtree(config.org_units, root, day).select(
        pl.col("org_unit_code").alias("effective_code"), "level"
    )
    collected = config.elements_frame().select(
        "element_code", "collected_at", shareable().alias("shareable")
    )
    found = (
        inside.join(placed, on=["org_unit_code", "p_end"], how="left")
        .join(units, on="effective_code", how="left")
        .join(collected, on="element_code", how="left")
    )
    # the roll-up's own steps, in its order: covered months out, then the collecting level
    counted = (
        drop_covered_periods(
            found.filter(pl.col("unit_id").is_not_null()),
            keys=("unit_id", "effective_code", "element_code"),
        )
        .filter((pl.col("level") == pl.col("collected_at")) & usable())
        .select("row", "effective_code")
    )
    in_subtree = found.filter(pl.col("level").is_not_null()).select(
        "row", pl.col("effective_code").alias("unit"), "share"
    )
    return (
        rows.join(in_subtree, on="row", how="left", maintain_order="left")
        .join(
            counted.select(
                "row", pl.col("effective_code").alias("unit"), pl.lit(True).alias("used")
            ),
            on=["row", "unit"],
            how="left",
        )
        .with_columns(pl.col("used").fill_null(False))
        .sort("row", "unit", nulls_last=True)
        .select(ATTRIBUTED_COLUMNS)
    )


def held_within(
    config: Config,
    values: pl.DataFrame,
    period: Period,
    units: pl.DataFrame,
    as_of: dt.date | None = None,
) -> pl.DataFrame:
    """Those of ``values`` whose unit code any of ``units`` (``org_unit_code``) holds the
    history of in the review (its own, or a predecessor's after a merger or a split), with
    every period of each such code: `attributed` gives each of them what it gives it among
    all the values (it places and counts a value by its own unit's values of its own
    element only). A trace of one commune places thousands of values instead of a
    country's millions."""
    pairs = within_review(
        values.lazy().select("org_unit_code", "period").unique(), period
    ).collect()
    day = period.end if as_of is None else as_of
    wanted = units.select(pl.col("org_unit_code").alias("effective_code"))
    codes = (
        attribute(pairs.select("org_unit_code", "p_end"), config.org_units, day, config.successions)
        .join(wanted, on="effective_code", how="semi")
        .get_column("org_unit_code")
    )
    return values.filter(pl.col("org_unit_code").is_in(codes.unique().implode()))


def within(config: Config, period: Period, unit: str, as_of: dt.date | None = None) -> pl.DataFrame:
    """Every unit at or below ``unit`` on the review's end day (or ``as_of``), with
    ``branch``: the child of ``unit`` it lies under (``unit`` itself for ``unit``)."""
    units = subtree(config.org_units, unit, period.end if as_of is None else as_of)
    children = units.filter(pl.col("depth") == 1).select(pl.col("org_unit_code").alias("branch"))
    closure = ancestors(units.select("org_unit_code", "parent_code"))
    below = closure.join(children, left_on="ancestor_code", right_on="branch").select(
        "org_unit_code", pl.col("ancestor_code").alias("branch")
    )
    itself = pl.DataFrame({"org_unit_code": [unit], "branch": [unit]})
    return pl.concat([itself, below]).join(
        units.select("org_unit_code", "name", "level"), on="org_unit_code"
    )
