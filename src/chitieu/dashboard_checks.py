"""What the Prefect UI shows of an intake's data quality and of who has reported (SPEC §7):
the warnings table, files sent again after a rejection, the reporting status table, and
the ``chitieu.report.missing`` events a team hangs its reminders on.

Plain data built from the pipeline's results, without Prefect (`chitieu.dashboard` holds
the rest of the UI's views); `chitieu.flows.intake` hands them over.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import polars as pl

from chitieu.dashboard import REJECTED_SCHEMA, EventSpec, period_resource, unit_resource
from chitieu.datachecks.text import unit_names
from chitieu.inert import inert_cell
from chitieu.periods import Period
from chitieu.schedule import closed_month
from chitieu.shown import shown
from chitieu.status import STATE_WORDS

MISSING_EVENT: Final = "chitieu.report.missing"


# ---------------------------------------------------------------- warnings

WARNING_COLUMNS: Final = {
    "org_unit_code": "Đơn vị / unit",
    "name": "Tên / name",
    "period": "Kỳ / period",
    "file": "Tệp / file",
    "location": "Vị trí / where",
    "element_code": "Chỉ tiêu / element",
    "message": "Cảnh báo / warning",
}


def warning_reports(
    registered: pl.DataFrame, issues: pl.DataFrame, org_units: pl.DataFrame
) -> pl.DataFrame:
    """Every warning of a registered batch, by unit and period, with its file."""
    warned = issues.filter(pl.col("severity") == "warning").join(
        registered.select("batch_seq", "org_unit_code", "period", "source_name"), on="batch_seq"
    )
    return (
        warned.with_columns(
            pl.Series("name", unit_names(warned, org_units), pl.String),
            pl.col("source_name")
            .map_elements(lambda s: shown(Path(s).name), pl.String)
            .alias("file"),
            (pl.col("message_vi") + pl.lit(" / ") + pl.col("message_en")).alias("message"),
        )
        .select(list(WARNING_COLUMNS))
        .sort("org_unit_code", "period", "file", maintain_order=True)
    )


def table_rows(frame: pl.DataFrame, columns: dict[str, str]) -> list[dict[str, Any]]:
    """A table artifact's rows: ``columns`` relabelled, texts `inert_cell` (the UI renders
    each as Markdown), nulls as empty cells."""
    return [
        {label: inert_cell(row[name]) for name, label in columns.items()}
        for row in frame.iter_rows(named=True)
    ]


def still_rejected_reports(still: pl.DataFrame, org_units: pl.DataFrame) -> pl.DataFrame:
    """Files sent again after a rejection (`chitieu.intake.STILL_REJECTED_SCHEMA`) as rows
    of the rejected-reports table (`chitieu.dashboard.REJECTED_SCHEMA`): still to resend."""
    local = pl.col("received_at").dt.convert_time_zone("Asia/Ho_Chi_Minh")
    return (
        still.with_columns(
            pl.Series("name", unit_names(still, org_units), pl.String),
            pl.col("source_name")
            .map_elements(lambda s: shown(Path(s).name), pl.String)
            .alias("file"),
            pl.concat_str(
                pl.lit("vẫn bị từ chối như lần gửi ngày "),
                local.dt.strftime("%d/%m/%Y"),
                pl.lit(" / still rejected as when sent on "),
                local.dt.strftime("%Y-%m-%d"),
                pl.lit(": "),
                pl.col("location").fill_null(""),
                pl.lit(": "),
                pl.col("message_vi").fill_null(""),
                pl.lit(" / "),
                pl.col("message_en").fill_null(""),
            ).alias("first_problem"),
        )
        .select(pl.col(name).cast(dtype) for name, dtype in REJECTED_SCHEMA.items())
        .sort("org_unit_code", "period", "file", nulls_last=True)
    )


# ---------------------------------------------------------------- the intake's periods


def received_periods(registered: pl.DataFrame) -> list[Period]:
    """The periods of the reports an intake received (valid codes), oldest first."""
    codes = registered.filter(pl.col("org_unit_code").is_not_null())["period"].drop_nulls()
    found = []
    for code in codes.unique().to_list():  # a handful of distinct periods
        try:
            found.append(Period.parse(code))
        except ValueError:
            continue
    return sorted(found, key=lambda p: (p.end, p.last_month - p.first_month))


def intake_label(month: str | None, periods: Sequence[Period], scheduled: dt.datetime) -> str:
    """What an intake is about, for its run name, tag and artifact keys: the ``month``
    asked for, else the period of the files received (``2024M06``, or
    ``2024M01..2024`` for several), else the month whose cut-off passed last."""
    if month:
        return Period.parse(month).code
    if not periods:
        return closed_month(scheduled).code
    if len(periods) == 1:
        return periods[0].code
    return f"{periods[0].code}..{periods[-1].code}"


def status_months(month: str | None, periods: Sequence[Period]) -> list[Period]:
    """The months whose reporting status an intake publishes: the month asked for, else
    every month the received periods cover."""
    if month:
        return [Period.parse(month)]
    months = {m for period in periods for m in period.months()}
    return sorted(months)


# ---------------------------------------------------------------- reporting status

STATUS_COLUMNS: Final = {
    "org_unit_code": "Đơn vị / unit",
    "name": "Tên / name",
    "period": "Kỳ / period",
    "state": "Tình trạng / state",
    "submitted": "Gửi lúc / submitted",
    "warnings": "Cảnh báo / warnings",
}


def status_rows(states: pl.DataFrame) -> list[dict[str, Any]]:
    """The status table artifact: every unit × month not on time (whom to call), first
    the missing, then rejected, late, held and corrected."""
    order = ["missing", "rejected", "late", "held", "superseded"]
    chase = states.filter(pl.col("state") != "on_time").with_columns(
        pl.col("state").replace_strict({s: i for i, s in enumerate(order)}).alias("order"),
        pl.col("submitted_at")
        .dt.convert_time_zone("Asia/Ho_Chi_Minh")
        .dt.strftime("%d/%m/%Y %H:%M")
        .alias("submitted"),
        pl.col("state").replace_strict({s: f"{vi} / {en}" for s, (vi, en) in STATE_WORDS.items()}),
    )
    return table_rows(chase.sort("order", "period", "org_unit_code"), STATUS_COLUMNS)


def totals_lines(totals: pl.DataFrame, root: str) -> list[str]:
    """The root's totals per month, for the intake's summary."""
    return [
        f"- {row['period']}: {row['on_time']}/{row['expected']} đúng hạn / on time, "
        f"{row['late']} trễ / late, {row['missing']} chưa gửi / missing, "
        f"{row['rejected']} bị từ chối / rejected, {row['held']} tạm giữ / held"
        for row in totals.filter(pl.col("org_unit_code") == root).iter_rows(named=True)
    ]


def missing_events(states: pl.DataFrame, now: dt.datetime) -> list[EventSpec]:
    """``chitieu.report.missing``: one per unit and month whose report is missing after
    the month's due date (before it, a unit is not late yet)."""
    events = []
    for row in states.filter(pl.col("state") == "missing").iter_rows(named=True):
        month = Period.parse(row["period"])
        if not _due_passed(month, now):
            continue
        due = month.due.isoformat()
        events.append(
            EventSpec(
                MISSING_EVENT,
                unit_resource(
                    row["org_unit_code"],
                    row["name"],
                    {"period": row["period"], "due": due, "parent": row["parent_code"] or ""},
                ),
                [period_resource(row["period"])],
                {"due": due, "state": "missing"},
            )
        )
    return events


def _due_passed(month: Period, now: dt.datetime) -> bool:
    from chitieu.status import due_passed

    return due_passed(month, now)
