"""Completeness (SPEC §3.6): reports received / reports expected, per unit of the review.

Expected: every submitting unit (a level some element is collected at) active at
the end of each month of the review, counted through the units that hold its
history at the review's end (or ``as_of``): at each unit strictly above them
(`counted_at`). Received: the accepted reports among those, a quarter or half
report counting for each month it covers.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from chitieu.periods import Period, period_columns
from chitieu.rollup.hierarchy import ancestors, attribute, successor_map, valid_on


def completeness(
    reports: pl.DataFrame,
    org_units: pl.DataFrame,
    units: pl.DataFrame,
    review: Period,
    submitting_levels: set[str],
    as_of: dt.date | None = None,
    successions: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """``org_unit_code, received, expected, completeness`` for every unit of ``units``.

    ``reports``: accepted reports, ``org_unit_code, period`` (one row per report).
    ``successions``: `Config.successions` (default: org_units' ``successor_code``).
    """
    months = pl.DataFrame(
        {
            "month": [m.last_month for m in review.months()],
            "month_end": [m.end for m in review.months()],
        },
        schema={"month": pl.Int32, "month_end": pl.Date},
    )
    day = review.end if as_of is None else as_of
    closure = ancestors(units)
    expected = (
        org_units.filter(pl.col("level").is_in(sorted(submitting_levels)))
        .join(months, how="cross")
        .filter(valid_on(pl.col("month_end")))
        .select("unit_id", "month")
        .join(successor_map(org_units, day, successions), on="unit_id")
    )
    expected = counted_at(expected, closure).select("unit_id", "month", "ancestor_code")
    received = _months_reported(reports, org_units, review, day, successions).join(
        expected.select("unit_id", "month").unique(), on=["unit_id", "month"], how="semi"
    )
    received_counts = (
        received.join(expected, on=["unit_id", "month"])
        .group_by("ancestor_code")
        .agg(pl.len().alias("received"))
    )
    expected_counts = expected.group_by("ancestor_code").agg(pl.len().alias("expected"))
    return (
        units.select("org_unit_code")
        .join(expected_counts, left_on="org_unit_code", right_on="ancestor_code", how="left")
        .join(received_counts, left_on="org_unit_code", right_on="ancestor_code", how="left")
        .with_columns(
            pl.col("received").fill_null(0).cast(pl.Int64),
            pl.col("expected").fill_null(0).cast(pl.Int64),
        )
        .with_columns(
            pl.when(pl.col("expected") > 0)
            .then(pl.col("received") / pl.col("expected"))
            .alias("completeness")
        )
        .select("org_unit_code", "received", "expected", "completeness")
    )


def counted_at(expected: pl.DataFrame, closure: pl.DataFrame) -> pl.DataFrame:
    """Where each expected report counts (SPEC §3.6): ``expected`` (one row per report
    and unit holding its history, ``effective_code``) with ``ancestor_code``, each unit
    of ``closure`` (`ancestors`) strictly above its ``effective_code``, once per report
    even when a split unit's history reaches a unit along two branches. A unit that has
    no submitting unit below it (a commune) counts its own reports and those of the
    units it absorbed; one that has (a province collecting its own figures) does not.
    """
    keys = [c for c in expected.columns if c != "effective_code"]
    holders = expected.select("effective_code").unique()
    heads = (
        closure.filter(pl.col("ancestor_code") != pl.col("org_unit_code"))
        .join(holders, left_on="org_unit_code", right_on="effective_code", how="semi")
        .get_column("ancestor_code")
        .unique()
    )
    placed = expected.join(closure, left_on="effective_code", right_on="org_unit_code").filter(
        (pl.col("ancestor_code") != pl.col("effective_code"))
        | ~pl.col("effective_code").is_in(heads.implode())
    )
    split = expected.height > expected.select(keys).n_unique() if keys else False
    # a split unit's report reaching one unit along two branches counts there once
    return placed.unique([*keys, "ancestor_code"], maintain_order=True) if split else placed


def _months_reported(
    reports: pl.DataFrame,
    org_units: pl.DataFrame,
    review: Period,
    day: dt.date,
    successions: pl.DataFrame | None,
) -> pl.DataFrame:
    """Distinct (``unit_id``, ``month``) of the review covered by an accepted report."""
    inside = (
        reports.select("org_unit_code", "period")
        .unique()
        .with_columns(period_columns(pl.col("period")))
        .filter(
            (pl.col("p_year") == review.year)
            & (pl.col("p_first") >= review.first_month)
            & (pl.col("p_last") <= review.last_month)
        )
        .with_columns(pl.date(pl.col("p_year"), pl.col("p_last"), 14).alias("p_end"))
    )
    resolved = attribute(
        inside.select("org_unit_code", "p_end").unique(), org_units, day, successions
    )
    return (
        inside.join(resolved, on=["org_unit_code", "p_end"])
        .filter(pl.col("unit_id").is_not_null())
        .select(
            "unit_id", pl.int_ranges("p_first", pl.col("p_last") + 1, dtype=pl.Int32).alias("month")
        )
        .explode("month")
        .unique()
    )
