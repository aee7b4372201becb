"""Issues from failure cases: the rows a check failed on, with their messages.

pandera gives, per failing check, the row position and the value checked; joined
back to the enriched rows they become issues a commune officer can act on: where
(the line, the JSON entry, or the report-level field), what was written, what to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import polars as pl

from chitieu.schemas import messages
from chitieu.schemas.enrich import REPORT_KEY
from chitieu.sources import report_field_location

ISSUES_SCHEMA: Final = pl.Schema(
    {
        "file_index": pl.Int64,
        "org_unit_code": pl.String,
        "period": pl.String,
        "location": pl.String,
        "element_code": pl.String,
        "value": pl.String,
        "check": pl.String,
        "message_vi": pl.String,
        "message_en": pl.String,
        "severity": pl.String,
    }
)
ERROR: Final = "error"
"""A problem that rejects the report it is found in."""
WARNING: Final = "warning"
"""Something to check: the report is accepted and the issue kept beside it (SPEC §7)."""

# Checks about the report as a whole (its unit, period or submission time): reported
# once per report and distinct value, at the place the field is written.
REPORT_CHECKS: Final = frozenset(
    {
        "org_unit_missing",
        "org_unit_unknown",
        "org_unit_inactive",
        "period_missing",
        "period_invalid",
        "period_future",
        "submitted_at_invalid",
        "submitted_at_before_period",
        "submitted_at_future",
    }
)


def issue_rows(
    enriched: pl.DataFrame, failures: pl.DataFrame, names: Mapping[str, tuple[str, str]]
) -> pl.DataFrame:
    """One issue per failing row and check; report-wide checks once per report and
    distinct value, at the first row and where the field is written."""
    order = pl.DataFrame(
        {"check": list(messages.MESSAGES), "check_order": range(len(messages.MESSAGES))},
        schema={"check": pl.String, "check_order": pl.Int64},
    )
    report_level = pl.col("check").is_in(list(REPORT_CHECKS))
    found = (
        failures.join(enriched, on="row_nr")
        .join(order, on="check")
        .sort("row_nr", "check_order")
        .filter(~report_level | pl.struct(*REPORT_KEY, "check", "failure_case").is_first_distinct())
        .with_columns(
            pl.when(report_level)
            .then(report_field_location(pl.col("location"), pl.col("column")))
            .otherwise(pl.col("location"))
            .alias("issue_location"),
            pl.when(report_level)
            .then(pl.lit(None, pl.String))
            .otherwise(pl.col("element_code"))
            .alias("issue_element"),
        )
    )
    for step in messages.display_columns(names):
        found = found.with_columns(step)
    parts = [
        found.filter(pl.col("check") == check).select(
            "row_nr",
            "check_order",
            "file_index",
            "org_unit_code",
            "period",
            pl.col("issue_location").alias("location"),
            pl.col("issue_element").alias("element_code"),
            pl.col("failure_case").alias("value"),
            "check",
            messages.render(vi).alias("message_vi"),
            messages.render(en).alias("message_en"),
            pl.lit(ERROR).alias("severity"),
        )
        for check, (vi, en) in messages.MESSAGES.items()
    ]
    return (
        pl.concat(parts)
        .sort("file_index", "row_nr", "check_order")
        .select(list(ISSUES_SCHEMA))
        .cast(ISSUES_SCHEMA)
    )
