"""Validated submissions: every check of SPEC §2 over a whole intake batch at once.

`validate_rows` enriches the rows (`enrich`), validates them lazily against
`EnrichedRows` so that every failing check of every row comes out in one pass, and
joins pandera's failure cases (row positions) back to the rows to write the issues.

Checks depend on each other only through their conditions, so one mistake gives one
issue: an unknown element is not also checked for its value type, a value that is not
a number is not also compared with the range; a unit unknown or inactive is reported
once per report, not once per row (`issues`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData
from pandera.engines import polars_engine

from chitieu.config import Config
from chitieu.schemas import messages
from chitieu.schemas.enrich import LOCAL_TIME_ZONE, REPORT_KEY, enrich
from chitieu.schemas.issues import issue_rows
from chitieu.sources import ROW_COLUMNS

# ---- facts the checks are written in -------------------------------------------------
_value = pl.col("value")
_number = pl.col("value_num")
_value_type = pl.col("value_type")
_element_known = _value_type.is_not_null()
_period_ok = pl.col("p_end").is_not_null()
_unit_active = pl.col("unit_level").is_not_null()
_value_given = pl.col("element_code").is_not_null() & _value.is_not_null()
_is_number = _number.is_not_null()
VIETNAMESE_NUMBER: Final = r"^-?\d{1,3}(\.\d{3})+(,\d+)?$|^-?\d{1,3}(\.\d{3})*,\d+$|^-?\d+,\d+$"
# integer: a zero fraction is accepted ("5.0", Excel and scripts write it), except three
# digits ("1.000"), which is how Vietnamese writes a thousand: refused as ambiguous.
_whole = pl.col("value_fraction").is_null() | (
    pl.col("value_fraction").str.contains(r"^0+$") & (pl.col("value_fraction").str.len_chars() != 3)
)
_type_ok = (
    pl.when(_value_type == "integer")
    .then(_whole)
    .when(_value_type == "boolean")
    .then(_number.is_in([0.0, 1.0]))
    .when(_value_type == "percent")
    .then(_number.is_between(0, 100))
    .otherwise(True)
)
_typed = _element_known & _is_number
_submitted = pl.col("submitted_utc")
_submitted_day = _submitted.dt.convert_time_zone(LOCAL_TIME_ZONE).dt.date()
CLOCK_SKEW: Final = dt.timedelta(hours=1)
"""How far submitted_at may be after the file was received (sender clocks drift)."""


def _passes(data: PolarsData, failing: pl.Expr) -> pl.LazyFrame:
    """A check's output: true where ``failing`` does not hold (null counts as passing)."""
    return data.lazyframe.select((~failing).fill_null(True))


class EnrichedRows(pa.DataFrameModel):
    """Submitted rows with the facts to check them (built by `enrich`)."""

    row_nr: int
    file_index: int
    org_unit_code: str = pa.Field(nullable=True)
    element_code: str = pa.Field(nullable=True)
    period: str = pa.Field(nullable=True)
    value: str = pa.Field(nullable=True)
    note: str = pa.Field(nullable=True)
    submitted_at: str = pa.Field(nullable=True)
    submitted_by: str = pa.Field(nullable=True)
    location: str = pa.Field(nullable=True)
    received_at: polars_engine.DateTime = pa.Field(
        dtype_kwargs={"time_unit": "us", "time_zone": "UTC"}
    )
    received_day: dt.date
    p_start: dt.date = pa.Field(nullable=True)
    p_end: dt.date = pa.Field(nullable=True)
    unit_known: bool
    unit_level: str = pa.Field(nullable=True)
    unit_validity_vi: str = pa.Field(nullable=True)
    unit_validity_en: str = pa.Field(nullable=True)
    value_type: str = pa.Field(nullable=True)
    collected_at: str = pa.Field(nullable=True)
    min: float = pa.Field(nullable=True)
    max: float = pa.Field(nullable=True)
    value_num: float = pa.Field(nullable=True)
    value_fraction: str = pa.Field(nullable=True)
    submitted_utc: polars_engine.DateTime = pa.Field(
        nullable=True, dtype_kwargs={"time_unit": "us", "time_zone": "UTC"}
    )
    element_first_location: str = pa.Field(nullable=True)
    element_repeat: int
    report_submitted_at: str = pa.Field(nullable=True)
    report_submitted_utc: polars_engine.DateTime = pa.Field(
        nullable=True, dtype_kwargs={"time_unit": "us", "time_zone": "UTC"}
    )
    report_submitted_location: str = pa.Field(nullable=True)

    class Config:
        strict = True
        ordered = False

    # ---- the org unit ----------------------------------------------------------------
    @pa.check("org_unit_code", name="org_unit_missing")
    @classmethod
    def org_unit_missing(cls, data: PolarsData) -> pl.LazyFrame:
        return _passes(data, pl.col("org_unit_code").is_null())

    @pa.check("org_unit_code", name="org_unit_unknown")
    @classmethod
    def org_unit_unknown(cls, data: PolarsData) -> pl.LazyFrame:
        return _passes(data, pl.col("org_unit_code").is_not_null() & ~pl.col("unit_known"))

    @pa.check("org_unit_code", name="org_unit_inactive")
    @classmethod
    def org_unit_inactive(cls, data: PolarsData) -> pl.LazyFrame:
        return _passes(data, pl.col("unit_known") & _period_ok & ~_unit_active)

    # ---- the period ------------------------------------------------------------------
    @pa.check("period", name="period_missing")
    @classmethod
    def period_missing(cls, data: PolarsData) -> pl.LazyFrame:
        return _passes(data, pl.col("period").is_null())

    @pa.check("period", name="period_invalid")
    @classmethod
    def period_invalid(cls, data: PolarsData) -> pl.LazyFrame:
        return _passes(data, pl.col("period").is_not_null() & ~_period_ok)

    @pa.check("period", name="period_future")
    @classmethod
    def period_future(cls, data: PolarsData) -> pl.LazyFrame:
        return _passes(data, pl.col("p_start") > pl.col("received_day"))

    # ---- the element -----------------------------------------------------------------
    @pa.check("element_code", name="element_missing")
    @classmethod
    def element_missing(cls, data: PolarsData) -> pl.LazyFrame:
        return _passes(data, pl.col("element_code").is_null())

    @pa.check("element_code", name="element_unknown")
    @classmethod
    def element_unknown(cls, data: PolarsData) -> pl.LazyFrame:
        return _passes(data, pl.col("element_code").is_not_null() & ~_element_known)

    @pa.check("element_code", name="element_wrong_level")
    @classmethod
    def element_wrong_level(cls, data: PolarsData) -> pl.LazyFrame:
        return _passes(
            data, _element_known & _unit_active & (pl.col("unit_level") != pl.col("collected_at"))
        )

    @pa.check("element_code", name="element_duplicate")
    @classmethod
    def element_duplicate(cls, data: PolarsData) -> pl.LazyFrame:
        return _passes(data, _element_known & (pl.col("element_repeat") > 0))

    # ---- the value -------------------------------------------------------------------
    @pa.check("value", name="value_missing")
    @classmethod
    def value_missing(cls, data: PolarsData) -> pl.LazyFrame:
        return _passes(data, pl.col("element_code").is_not_null() & _value.is_null())

    @pa.check("value", name="value_vietnamese_format")
    @classmethod
    def value_vietnamese_format(cls, data: PolarsData) -> pl.LazyFrame:
        return _passes(data, _value_given & ~_is_number & _value.str.contains(VIETNAMESE_NUMBER))

    @pa.check("value", name="value_not_number")
    @classmethod
    def value_not_number(cls, data: PolarsData) -> pl.LazyFrame:
        return _passes(data, _value_given & ~_is_number & ~_value.str.contains(VIETNAMESE_NUMBER))

    @pa.check("value", name="value_not_integer")
    @classmethod
    def value_not_integer(cls, data: PolarsData) -> pl.LazyFrame:
        return _passes(data, _typed & (_value_type == "integer") & ~_type_ok)

    @pa.check("value", name="value_not_boolean")
    @classmethod
    def value_not_boolean(cls, data: PolarsData) -> pl.LazyFrame:
        return _passes(data, _typed & (_value_type == "boolean") & ~_type_ok)

    @pa.check("value", name="value_not_percent")
    @classmethod
    def value_not_percent(cls, data: PolarsData) -> pl.LazyFrame:
        return _passes(data, _typed & (_value_type == "percent") & ~_type_ok)

    @pa.check("value", name="value_below_min")
    @classmethod
    def value_below_min(cls, data: PolarsData) -> pl.LazyFrame:
        return _passes(data, _typed & _type_ok & (_number < pl.col("min")))

    @pa.check("value", name="value_above_max")
    @classmethod
    def value_above_max(cls, data: PolarsData) -> pl.LazyFrame:
        return _passes(data, _typed & _type_ok & (_number > pl.col("max")))

    # ---- the submission time ---------------------------------------------------------
    @pa.check("submitted_at", name="submitted_at_invalid")
    @classmethod
    def submitted_at_invalid(cls, data: PolarsData) -> pl.LazyFrame:
        return _passes(data, pl.col("submitted_at").is_not_null() & _submitted.is_null())

    @pa.check("submitted_at", name="submitted_at_inconsistent")
    @classmethod
    def submitted_at_inconsistent(cls, data: PolarsData) -> pl.LazyFrame:
        reference = pl.col("report_submitted_utc")
        differs = pl.col("submitted_at").is_null() | (
            _submitted.is_not_null() & reference.is_not_null() & (_submitted != reference)
        )
        return _passes(data, pl.col("report_submitted_at").is_not_null() & differs)

    @pa.check("submitted_at", name="submitted_at_before_period")
    @classmethod
    def submitted_at_before_period(cls, data: PolarsData) -> pl.LazyFrame:
        return _passes(data, _submitted_day < pl.col("p_start"))

    @pa.check("submitted_at", name="submitted_at_future")
    @classmethod
    def submitted_at_future(cls, data: PolarsData) -> pl.LazyFrame:
        return _passes(data, _submitted > pl.col("received_at") + CLOCK_SKEW)


VALUES_SCHEMA: Final = pl.Schema(
    {
        "file_index": pl.Int64(),
        "org_unit_code": pl.String(),
        "element_code": pl.String(),
        "period": pl.String(),
        "value": pl.Float64(),
        "note": pl.String(),
        "submitted_at": pl.Datetime("us", "UTC"),
        "submitted_by": pl.String(),
        "location": pl.String(),
    }
)


@dataclass(frozen=True)
class Validated:
    """The outcome of validating a batch of rows.

    ``values``: one row per input row (`VALUES_SCHEMA`), ``value`` null where invalid.
    ``issues``: one row per problem (`ISSUES_SCHEMA`), keyed by the raw report key
    (``file_index, org_unit_code, period``) so a caller can reject whole reports.
    """

    values: pl.DataFrame
    issues: pl.DataFrame

    def rejected_reports(self) -> pl.DataFrame:
        """``file_index, org_unit_code, period`` of every report with an issue."""
        return self.issues.select(REPORT_KEY).unique(maintain_order=True)


def validate_rows(rows: pl.DataFrame, config: Config, received_at: dt.datetime) -> Validated:
    """Check every row of a batch (``file_index`` + ``ROW_COLUMNS``, any number of files)
    against the configuration. ``received_at`` is when the batch came (a naive time is
    the machine's local time); a report for a period not started by then is refused."""
    missing = [c for c in ("file_index", *ROW_COLUMNS) if c not in rows.columns]
    if missing:
        raise ValueError(f"rows lack column(s): {', '.join(missing)}")
    if rows.get_column("file_index").null_count():
        raise ValueError("rows have a null file_index")
    enriched = enrich(rows, config, received_at)
    failures = _failures(enriched)
    issues = issue_rows(enriched, failures, [e.code for e in config.catalog.elements])
    return Validated(values=_values(enriched, failures), issues=issues)


def _failures(enriched: pl.DataFrame) -> pl.DataFrame:
    """``row_nr, check, column, failure_case`` for every failing check of every row."""
    schema = {
        "row_nr": pl.Int64,
        "check": pl.String,
        "column": pl.String,
        "failure_case": pl.String,
    }
    try:
        EnrichedRows.validate(enriched, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    else:
        return pl.DataFrame(schema=schema)
    strange = cases.filter(~pl.col("check").is_in(list(messages.MESSAGES)))
    if not strange.is_empty():  # a bug in enrich or in a check, never the user's data
        raise RuntimeError(f"submission schema failed unexpectedly:\n{strange}")
    return cases.select(
        pl.col("index").cast(pl.Int64).alias("row_nr"), "check", "column", "failure_case"
    ).cast(schema)


def _values(enriched: pl.DataFrame, failures: pl.DataFrame) -> pl.DataFrame:
    invalid = failures.filter(pl.col("check").str.starts_with("value_")).get_column("row_nr")
    return enriched.select(
        "file_index",
        "org_unit_code",
        "element_code",
        "period",
        pl.when(pl.col("row_nr").is_in(invalid.implode()))
        .then(None)
        .otherwise(pl.col("value_num"))
        .alias("value"),
        "note",
        pl.col("submitted_utc").alias("submitted_at"),
        "submitted_by",
        "location",
    )
