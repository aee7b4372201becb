"""Who has reported (SPEC §7, issue 14): each submitting unit's state for each month of a
period, and the totals per unit directly below the root. Pure polars over the
configuration and the warehouse's submissions; `chitieu status`, the intake flow's
artifact and events, and the review document's completeness annex read the same frames.

The units expected are those of completeness (SPEC §3.6, as the review counts it): every
unit of a submitting level active on a month's last day whose history, at the period's
end, belongs to the root or a unit below it (a district that submits its own figures
is chased like its communes). A report for a quarter, half or year covers the months
inside it. A unit's month is, in this order:

- ``held``: its newest report for the month is held while the review is signed off
  (SPEC §8);
- ``superseded``: the report in force is a correction of an earlier accepted one;
- ``on_time`` / ``late``: the report in force was submitted by the month's due date or
  after it (two working days after the cut-off, Monday to Friday: `Period.due`), by its
  ``submitted_at``, else by when chitieu received it, in Vietnam's time;
- ``rejected``: it sent reports for the month, every one rejected, and none resent;
- ``missing``: nothing (a duplicate file is nothing new).

`totals` counts a ``superseded`` month as received, on time or late by its correction.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import polars as pl

from chitieu.config import Config
from chitieu.periods import Period, with_period_columns
from chitieu.rollup.completeness import counted_at
from chitieu.rollup.hierarchy import ancestors, attribute, subtree, successor_map, valid_on

LOCAL_TIME_ZONE: Final = "Asia/Ho_Chi_Minh"
STATES: Final = ("on_time", "late", "superseded", "rejected", "held", "missing")
STATE_WORDS: Final = {
    "on_time": ("đúng hạn", "on time"),
    "late": ("trễ hạn", "late"),
    "superseded": ("đã gửi bản sửa", "corrected"),
    "rejected": ("bị từ chối, chưa gửi lại", "rejected, not resent"),
    "held": ("tạm giữ (đang phê duyệt)", "held (sign-off)"),
    "missing": ("chưa gửi", "missing"),
}
MONTH_STATES_SCHEMA: Final = pl.Schema(
    {
        "org_unit_code": pl.String(),
        "name": pl.String(),
        "parent_code": pl.String(),
        "period": pl.String(),
        "state": pl.String(),
        "submission_id": pl.Int64(),
        "submitted_at": pl.Datetime("us", "UTC"),
        "warnings": pl.Int64(),
    }
)
"""``submitted_at``: when the report in force (or the held or last rejected one) was
submitted, or received when it says nothing; ``warnings``: how many it carries."""
TOTALS_SCHEMA: Final = pl.Schema(
    {
        "org_unit_code": pl.String(),
        "name": pl.String(),
        "period": pl.String(),
        "expected": pl.Int64(),
        "on_time": pl.Int64(),
        "late": pl.Int64(),
        "missing": pl.Int64(),
        "rejected": pl.Int64(),
        "held": pl.Int64(),
    }
)


def _period(review_period: Period | str) -> Period:
    return Period.parse(review_period) if isinstance(review_period, str) else review_period


def _months(period: Period) -> pl.DataFrame:
    months = period.months()
    return pl.DataFrame(
        {
            "period": [m.code for m in months],
            "month": [m.last_month for m in months],
            "month_end": [m.end for m in months],
            "due": [m.due for m in months],
        },
        schema={"period": pl.String, "month": pl.Int32, "month_end": pl.Date, "due": pl.Date},
    )


def expected_units(config: Config, period: Period, root: str) -> pl.DataFrame:
    """``unit_id, org_unit_code, name, parent_code, period, month, due, effective_code``:
    every submitting unit × month of ``period`` counted at or below ``root``."""
    below = subtree(config.org_units, root, period.end).select("org_unit_code")
    return (
        config.org_units.filter(pl.col("level").is_in(sorted(config.submitting_levels())))
        .join(_months(period), how="cross")
        .filter(valid_on(pl.col("month_end")))
        .join(successor_map(config.org_units, period.end, config.successions), on="unit_id")
        .join(below, left_on="effective_code", right_on="org_unit_code", how="semi")
        .select(
            "unit_id",
            pl.col("code").alias("org_unit_code"),
            "name",
            "parent_code",
            "period",
            "month",
            "due",
            "effective_code",
        )
    )


def _reports(submissions: pl.DataFrame, config: Config, period: Period) -> pl.DataFrame:
    """Each report of a unit that covers a month of ``period``: ``unit_id, month,
    submission_id, status, moment, span, warnings``."""
    warnings = (
        pl.col("warnings").fill_null(0).cast(pl.Int64)
        if "warnings" in submissions.columns
        else pl.lit(0, pl.Int64)
    )
    sent = (
        with_period_columns(
            submissions.filter(
                pl.col("org_unit_code").is_not_null()
                & pl.col("status").is_in(["accepted", "superseded", "rejected", "held"])
            ).select(
                "submission_id",
                "org_unit_code",
                "period",
                "status",
                pl.coalesce("submitted_at", "received_at").alias("moment"),
                warnings.alias("warnings"),
            )
        )
        .filter(
            (pl.col("p_year") == period.year)
            & (pl.col("p_last") >= period.first_month)
            & (pl.col("p_first") <= period.last_month)
        )
        .with_columns(pl.date(pl.col("p_year"), pl.col("p_last"), 14).alias("p_end"))
    )
    resolved = attribute(
        sent.select("org_unit_code", "p_end").unique(), config.org_units, period.end
    ).select("org_unit_code", "p_end", "unit_id")
    return (
        sent.join(resolved, on=["org_unit_code", "p_end"], how="left")
        .filter(pl.col("unit_id").is_not_null())
        .with_columns(
            pl.int_ranges(
                pl.max_horizontal("p_first", pl.lit(period.first_month)),
                pl.min_horizontal("p_last", pl.lit(period.last_month)) + 1,
                dtype=pl.Int32,
            ).alias("month"),
            (pl.col("p_last") - pl.col("p_first") + 1).alias("span"),
        )
        .explode("month")
        .select("unit_id", "month", "submission_id", "status", "moment", "span", "warnings")
    )


def _late(moment: pl.Expr, due: pl.Expr) -> pl.Expr:
    return moment.dt.convert_time_zone(LOCAL_TIME_ZONE).dt.date() > due


def month_states(
    config: Config, submissions: pl.DataFrame, review_period: Period | str, root: str
) -> pl.DataFrame:
    """One row per submitting unit at or below ``root`` × month of ``review_period`` (a month or
    a review period): ``MONTH_STATES_SCHEMA``, by month, then unit code.

    ``submissions``: the warehouse's (``Warehouse.submissions``), with an optional
    ``warnings`` count per submission (``Warehouse.warning_counts``)."""
    period = _period(review_period)
    # a split unit's months are expected once, whichever units hold its history
    expected = expected_units(config, period, root).unique(
        ["unit_id", "month"], keep="first", maintain_order=True
    )
    reports = _reports(submissions, config, period)
    # the report in force: accepted, the most specific (a month before its quarter), newest
    in_force = (
        reports.filter(pl.col("status") == "accepted")
        .sort("span", pl.col("moment"), "submission_id", descending=[False, True, True])
        .unique(["unit_id", "month"], keep="first")
    )
    corrected = (
        reports.filter(pl.col("status") == "superseded")
        .select("unit_id", "month", "span")
        .unique()
        .with_columns(pl.lit(True).alias("corrected"))
    )
    newest_held = (
        reports.filter(pl.col("status") == "held")
        .sort("moment", "submission_id", descending=True)
        .unique(["unit_id", "month"], keep="first")
    )
    last_rejected = (
        reports.filter(pl.col("status") == "rejected")
        .sort("moment", "submission_id", descending=True)
        .unique(["unit_id", "month"], keep="first")
    )
    key = ["unit_id", "month"]
    pick = ["submission_id", "moment", "warnings"]
    joined = (
        expected.join(
            in_force.select(*key, "span", *pick).join(corrected, on=[*key, "span"], how="left"),
            on=key,
            how="left",
        )
        .join(
            newest_held.select(*key, *[pl.col(c).alias(f"held_{c}") for c in pick]),
            on=key,
            how="left",
        )
        .join(
            last_rejected.select(*key, *[pl.col(c).alias(f"rejected_{c}") for c in pick]),
            on=key,
            how="left",
        )
    )
    accepted = pl.col("submission_id").is_not_null()
    held = pl.col("held_submission_id").is_not_null() & (
        ~accepted | (pl.col("held_moment") > pl.col("moment"))
    )
    state = (
        pl.when(held)
        .then(pl.lit("held"))
        .when(accepted & pl.col("corrected").fill_null(False))
        .then(pl.lit("superseded"))
        .when(accepted & _late(pl.col("moment"), pl.col("due")))
        .then(pl.lit("late"))
        .when(accepted)
        .then(pl.lit("on_time"))
        .when(pl.col("rejected_submission_id").is_not_null())
        .then(pl.lit("rejected"))
        .otherwise(pl.lit("missing"))
    )

    def chosen(column: str) -> pl.Expr:
        return (
            pl.when(held)
            .then(pl.col(f"held_{column}"))
            .when(accepted)
            .then(pl.col(column))
            .otherwise(pl.col(f"rejected_{column}"))
        )

    return (
        joined.with_columns(state.alias("state"))
        .select(
            "org_unit_code",
            "name",
            "parent_code",
            "period",
            "state",
            chosen("submission_id").alias("submission_id"),
            chosen("moment").alias("submitted_at"),
            chosen("warnings").fill_null(0).alias("warnings"),
        )
        .sort("period", "org_unit_code")
        .cast(MONTH_STATES_SCHEMA)
    )


def totals(
    states: pl.DataFrame, config: Config, review_period: Period | str, root: str
) -> pl.DataFrame:
    """Per month, for ``root`` and each unit directly below it, the submitting units at or
    below it: ``TOTALS_SCHEMA`` (root first, then by code). A ``superseded`` month counts
    as on time or late by its correction; ``expected`` is the sum of the rest."""
    period = _period(review_period)
    units = subtree(config.org_units, root, period.end)
    heads = units.filter(
        (pl.col("org_unit_code") == root) | (pl.col("parent_code") == root)
    ).select("org_unit_code", "name", (pl.col("org_unit_code") != root).alias("below"))
    closure = ancestors(units).join(
        heads.select("org_unit_code"), left_on="ancestor_code", right_on="org_unit_code", how="semi"
    )
    expected = (
        expected_units(config, period, root)
        .select("org_unit_code", "period", "due", "effective_code")
        .unique(["org_unit_code", "period", "effective_code"])
    )
    # counted where the review's completeness counts them (SPEC §3.6: strictly below)
    placed = (
        counted_at(expected, ancestors(units))
        .join(closure.select("ancestor_code").unique(), on="ancestor_code", how="semi")
        .join(
            states.select("org_unit_code", "period", "state", "submitted_at"),
            on=["org_unit_code", "period"],
        )
    )
    state = pl.col("state")
    late = _late(pl.col("submitted_at"), pl.col("due"))
    corrected = state == "superseded"
    counted = placed.group_by("ancestor_code", "period").agg(
        pl.len().alias("expected"),
        ((state == "on_time") | (corrected & ~late)).sum().alias("on_time"),
        ((state == "late") | (corrected & late)).sum().alias("late"),
        (state == "missing").sum().alias("missing"),
        (state == "rejected").sum().alias("rejected"),
        (state == "held").sum().alias("held"),
    )
    grid = heads.join(_months(period).select("period"), how="cross")
    return (
        grid.join(
            counted,
            left_on=["org_unit_code", "period"],
            right_on=["ancestor_code", "period"],
            how="left",
        )
        .sort("period", "below", "org_unit_code")
        .select(
            "org_unit_code",
            "name",
            "period",
            *[
                pl.col(c).fill_null(0)
                for c in ("expected", "on_time", "late", "missing", "rejected", "held")
            ],
        )
        .cast(TOTALS_SCHEMA)
    )


def steady_span(config: Config, months: list[Period]) -> Period | None:
    """The months, consecutive in one year, as one span whose status is theirs computed
    at once: when no unit begins, ends or is succeeded from the first month's cut-off to
    the last's, each month's hierarchy is the span's (`month_states` and `totals` of the
    span are those of its months, one after the other, in a fifteenth of the time).
    None when they are not, or the hierarchy changes between them: month by month."""
    if len(months) < 2 or any(m.first_month != m.last_month for m in months):
        return None
    first, last = months[0], months[-1]
    numbers = [m.last_month for m in months]
    if {m.year for m in months} != {first.year} or numbers != list(
        range(first.last_month, last.last_month + 1)
    ):
        return None
    since, until = first.end - dt.timedelta(days=1), last.end + dt.timedelta(days=1)
    dates = pl.concat(
        [
            config.org_units.select(pl.col("valid_from").alias("day")),
            config.org_units.select(pl.col("valid_to").alias("day")),
            config.successions.select(pl.col("date").alias("day")),
        ]
    )["day"]
    if dates.is_between(since, until).any():
        return None
    return Period(first.year, first.last_month, last.last_month)


def due_passed(period: Period, moment: dt.datetime) -> bool:
    """Whether ``period``'s reports were due before ``moment`` (its due day is over in
    Vietnam)."""
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(LOCAL_TIME_ZONE)).date() > period.due
