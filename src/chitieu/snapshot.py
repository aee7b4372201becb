"""From a roll-up to the snapshot draft the warehouse publishes: its rows and its inputs.

A revision rests on this year's reports and on last year's (the same period a year
earlier, restated on this review's units: `chitieu.rollup.last_year`): both are its
inputs (``snapshot_inputs``, told apart by their periods), so a late correction of last
year's report makes a new revision, and ``snapshots verify`` recomputes last year's
figures from the revision's own inputs. A history.csv that filled a figure is recorded
by its SHA-256 in the header (``history_sha256``).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from chitieu.config import Config
from chitieu.periods import Period
from chitieu.rollup import Rollup
from chitieu.rollup.elements import within_review
from chitieu.rollup.hierarchy import attribute
from chitieu.rollup.last_year import LastYear, with_comparable, with_last_year
from chitieu.warehouse.hashing import inputs_sha256
from chitieu.warehouse.models import (
    SNAPSHOT_ELEMENTS_SCHEMA,
    SNAPSHOT_INDICATORS_SCHEMA,
    SNAPSHOT_INPUTS_SCHEMA,
    SnapshotDraft,
)


def reports_within(
    reports: pl.DataFrame,
    config: Config,
    period: Period,
    units: pl.DataFrame,
    as_of: dt.date | None = None,
) -> pl.DataFrame:
    """The ``reports`` (``submission_id, org_unit_code, period``...) a review of ``period``
    draws on: a period inside it, from a unit whose history belongs to ``units`` (the
    subtree's ``org_unit_code``) at the review's end (or ``as_of``). Their own columns,
    in their order."""
    inside = within_review(reports.lazy(), period).collect()
    attributed = attribute(
        inside.select("org_unit_code", "p_end").unique(),
        config.org_units,
        period.end if as_of is None else as_of,
        config.successions,
    )
    subtree = units.select(pl.col("org_unit_code").alias("effective_code"))
    # a split unit's report reaches several units: it is one input all the same
    drawn = attributed.join(subtree, on="effective_code", how="semi").select(
        "org_unit_code", "p_end"
    )
    return inside.join(drawn.unique(), on=["org_unit_code", "p_end"], how="semi").select(
        reports.columns
    )


def used_reports(
    reports: pl.DataFrame, config: Config, rollup: Rollup, last: LastYear | None = None
) -> pl.DataFrame:
    """The accepted reports a review drew on: a period inside the review (or inside
    ``last``'s period), from a unit whose history belongs to the root's subtree at the
    review's end (the roll-up's ``as_of``)."""
    used = [reports_within(reports, config, rollup.review_period, rollup.units, rollup.as_of)]
    if last is not None:
        used.append(reports_within(reports, config, last.period, rollup.units, last.as_of))
    return pl.concat(used).select(list(SNAPSHOT_INPUTS_SCHEMA)).unique().sort("submission_id")


def draft_snapshot(
    rollup: Rollup,
    config: Config,
    reports: pl.DataFrame,
    checks_passed: bool,
    flow_run_id: str | None = None,
    last: LastYear | None = None,
) -> SnapshotDraft:
    """The revision to publish. ``reports``: the warehouse's accepted reports; ``last``:
    the same period last year (without it, none: the column stays empty)."""
    inputs = used_reports(reports, config, rollup, last)
    indicators = (
        with_comparable(rollup.indicators)
        if last is None
        else with_last_year(rollup.indicators, last)
    )
    return SnapshotDraft(
        review_period=rollup.review_period.code,
        root_org_unit=rollup.root,
        catalog_sha256=config.catalog_sha256,
        inputs_sha256=inputs_sha256(inputs),
        completeness=rollup.root_completeness(),
        checks_passed=checks_passed,
        flow_run_id=flow_run_id,
        indicators=indicators.select(
            pl.col(n).cast(t) if n in indicators.columns else pl.lit(None, t).alias(n)
            for n, t in SNAPSHOT_INDICATORS_SCHEMA.items()
        ),
        elements=rollup.elements.select(
            pl.col(n).cast(t) for n, t in SNAPSHOT_ELEMENTS_SCHEMA.items()
        ),
        inputs=inputs.select(pl.col(n).cast(t) for n, t in SNAPSHOT_INPUTS_SCHEMA.items()),
        history_sha256=config.history_sha256 if last is not None and last.used_history else None,
    )
