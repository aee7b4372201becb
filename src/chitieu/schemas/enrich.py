"""The facts validation needs, joined onto the submitted rows.

Every row of a batch (any number of files) gets its period's dates, the org unit
its code names on the period's last day, the element's rules, the parsed value and
submission time, and the report-wide facts (first row of each element, the
report's submission time). All of it is joins and window expressions: the work does
not grow with a Python loop over rows or files.
"""

from __future__ import annotations

import datetime as dt
from typing import Final
from zoneinfo import ZoneInfo

import polars as pl

from chitieu.config import Config
from chitieu.periods import CUT_OFF_DAY, period_columns
from chitieu.rollup.hierarchy import valid_on
from chitieu.schemas import messages
from chitieu.sources import ROW_COLUMNS

LOCAL_TIME_ZONE: Final = "Asia/Ho_Chi_Minh"
NUMBER_PATTERN: Final = r"^-?[0-9]+(\.[0-9]+)?$"
REPORT_KEY: Final = ("file_index", "org_unit_code", "period")

# ISO 8601 date, optional time, optional offset; naive means Vietnam time (+07:00).
_DATE = r"([0-9]{4}-[0-9]{2}-[0-9]{2})"
_TIME = r"(?:[Tt ]([0-9]{2}:[0-9]{2})(:[0-9]{2}(?:\.[0-9]{1,9})?)?)?"  # hh:mm, seconds optional
_OFFSET = r"([Zz]|[+-][0-9]{2}:?[0-9]{2})?"
_ISO = f"^{_DATE}{_TIME}{_OFFSET}$"


def enrich(rows: pl.DataFrame, config: Config, received_at: dt.datetime) -> pl.DataFrame:
    """``rows`` (``file_index`` + ``ROW_COLUMNS``) with the facts of `EnrichedRows`."""
    # a naive time is the machine's local time (as everywhere in chitieu)
    received_utc = received_at.astimezone(dt.UTC)
    received_day = received_at.astimezone(ZoneInfo(LOCAL_TIME_ZONE)).date()
    frame = rows.select(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("row_nr"),
        pl.col("file_index").cast(pl.Int64),
        *[
            pl.col(c).cast(pl.String).str.strip_chars().replace("", None).alias(c)
            for c in ROW_COLUMNS
            if c != "location"
        ],
        pl.col("location").cast(pl.String),
        pl.lit(received_utc, pl.Datetime("us", "UTC")).alias("received_at"),
        pl.lit(received_day, pl.Date).alias("received_day"),
    )
    frame = frame.join(_periods(frame), on="period", how="left")
    frame = frame.join(
        _units(frame, config.org_units, config.successions),
        on=["org_unit_code", "period"],
        how="left",
        nulls_equal=True,
    )
    frame = frame.join(_elements(config), on="element_code", how="left")
    # a file repeats its submission time on every row: parsed once per distinct text
    frame = frame.join(
        frame.select("submitted_at")
        .unique()
        .with_columns(_submitted_utc(pl.col("submitted_at")).alias("submitted_utc")),
        on="submitted_at",
        how="left",
        nulls_equal=True,
    )
    # Joins do not keep row order; the report facts (first row of...) need it.
    return (
        frame.sort("row_nr")
        .with_columns(pl.col("unit_known").fill_null(False), *_value_facts())
        .with_columns(*_report_facts())
    )


def _periods(frame: pl.DataFrame) -> pl.DataFrame:
    """``period, p_start, p_end`` for each distinct period text (null when malformed)."""
    return (
        frame.select("period")
        .unique()
        .with_columns(*period_columns(pl.col("period")))
        .select(
            "period",
            pl.when(pl.col("p_first") == 1)
            .then(pl.date(pl.col("p_year") - 1, 12, CUT_OFF_DAY + 1))
            .otherwise(pl.date(pl.col("p_year"), pl.col("p_first") - 1, CUT_OFF_DAY + 1))
            .alias("p_start"),
            pl.date(pl.col("p_year"), pl.col("p_last"), CUT_OFF_DAY).alias("p_end"),
        )
    )


def _units(frame: pl.DataFrame, org_units: pl.DataFrame, successions: pl.DataFrame) -> pl.DataFrame:
    """Per distinct (code, period): is the code known, the level of the unit it names
    on the period's last day, the code's validity to quote when it names none, and,
    when the code's unit had ended by then, the codes to report as (its successors)."""
    pairs = frame.select("org_unit_code", "period", "p_end").unique()
    units = with_successors(org_units, successions).select(
        pl.col("code").alias("org_unit_code"),
        "level",
        "valid_from",
        "valid_to",
        "successor_code",
        "successors",
    )
    resolved = (
        pairs.join(units, on="org_unit_code")
        .filter(valid_on(pl.col("p_end")))
        .select("org_unit_code", "period", pl.col("level").alias("unit_level"))
    )
    # the latest row of the code that ended before the period's last day
    ended = (
        pairs.join(units, on="org_unit_code")
        .filter(pl.col("valid_to") < pl.col("p_end"))
        .sort("valid_to", descending=True)
        .unique(["org_unit_code", "period"], keep="first")
        .filter(pl.col("successors").is_not_null())
        .select(
            "org_unit_code",
            "period",
            pl.concat_str(
                pl.lit(" Từ ngày "),
                pl.col("valid_to").dt.offset_by("1d").dt.strftime("%d/%m/%Y"),
                pl.lit(" đơn vị này do đơn vị "),
                pl.col("successors"),
                pl.lit(" kế thừa: báo cáo theo mã đơn vị kế thừa."),
            ).alias("unit_successor_vi"),
            pl.concat_str(
                pl.lit("; from "),
                pl.col("valid_to").dt.offset_by("1d").cast(pl.String),
                pl.lit(" it is succeeded by "),
                pl.col("successors"),
                pl.lit(", report under the successor's code"),
            ).alias("unit_successor_en"),
        )
    )
    validity = (
        units.sort("valid_from")
        .group_by("org_unit_code", maintain_order=True)
        .agg(
            messages.validity_vi().str.join("; ").alias("unit_validity_vi"),
            messages.validity_en().str.join("; ").alias("unit_validity_en"),
        )
        .with_columns(pl.lit(True).alias("unit_known"))
    )
    return (
        pairs.join(resolved, on=["org_unit_code", "period"], how="left", nulls_equal=True)
        .join(ended, on=["org_unit_code", "period"], how="left", nulls_equal=True)
        .join(validity, on="org_unit_code", how="left")
        .select(
            "org_unit_code",
            "period",
            pl.col("unit_known").fill_null(False),
            "unit_level",
            "unit_validity_vi",
            "unit_validity_en",
            pl.col("unit_successor_vi").fill_null(""),
            pl.col("unit_successor_en").fill_null(""),
        )
    )


def with_successors(org_units: pl.DataFrame, successions: pl.DataFrame) -> pl.DataFrame:
    """``org_units`` with ``successors``: the codes of the units that took each row over
    (successions.csv and ``successor_code``), a split's as "C1 (60%), C2 (40%)"."""
    codes = org_units.select(pl.col("unit_id").cast(pl.UInt32).alias("new_id"), "code")
    share = (
        pl.when(pl.col("share").is_null())
        .then(pl.lit(""))
        .when(pl.col("share") < 1)
        .then(pl.lit(" (") + (pl.col("share") * 100).round(2).cast(pl.String) + pl.lit("%)"))
        .otherwise(pl.lit(""))
    )
    named = (
        successions.join(codes, on="new_id")
        .sort("old_id", "code")
        .group_by("old_id", maintain_order=True)
        .agg((pl.col("code") + share).str.join(", ").alias("successors"))
    )
    return org_units.join(
        named, left_on=pl.col("unit_id").cast(pl.UInt32), right_on="old_id", how="left"
    ).drop("old_id", strict=False)


def _elements(config: Config) -> pl.DataFrame:
    return config.elements_frame().select(
        "element_code", "value_type", "collected_at", "min", "max"
    )


def _value_facts() -> list[pl.Expr]:
    value = pl.col("value")
    number = value.str.contains(NUMBER_PATTERN)
    parsed = value.cast(pl.Float64, strict=False)
    return [
        pl.when(number & parsed.is_finite()).then(parsed).alias("value_num"),
        value.str.extract(r"\.([0-9]+)$").alias("value_fraction"),
    ]


def _submitted_utc(text: pl.Expr) -> pl.Expr:
    """ISO 8601 text → UTC instant; a naive time is Vietnam time; null if unparseable."""
    parts = text.str.extract_groups(_ISO)
    date = parts.struct.field("1")
    offset = parts.struct.field("4")
    offset = (
        pl.when(offset.is_null())
        .then(pl.lit("+07:00"))
        .when(offset.str.to_uppercase() == "Z")
        .then(pl.lit("+00:00"))
        .when(offset.str.len_chars() == 5)
        .then(offset.str.slice(0, 3) + ":" + offset.str.slice(3))
        .otherwise(offset)
    )
    canonical = pl.concat_str(
        date,
        pl.lit("T"),
        parts.struct.field("2").fill_null("00:00"),
        parts.struct.field("3").fill_null(":00"),
        offset,
    )
    return canonical.str.to_datetime(
        "%Y-%m-%dT%H:%M:%S%.f%:z", time_unit="us", time_zone="UTC", strict=False
    )


def _report_facts() -> list[pl.Expr]:
    """Facts over each report (file × unit × period), in row order."""
    report = list(REPORT_KEY)
    given = pl.col("submitted_at").is_not_null()
    return [
        pl.col("location").first().over([*report, "element_code"]).alias("element_first_location"),
        # 1 for a row that repeats an element of its report (a flag, not a count: cheaper
        # than numbering the rows of every report's elements)
        (~pl.struct([*report, "element_code"]).is_first_distinct())
        .cast(pl.Int64)
        .alias("element_repeat"),
        pl.col("submitted_at").filter(given).first().over(report).alias("report_submitted_at"),
        pl.col("submitted_utc").filter(given).first().over(report).alias("report_submitted_utc"),
        pl.col("location").filter(given).first().over(report).alias("report_submitted_location"),
    ]
