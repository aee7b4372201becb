"""The pandera schema of enriched submission rows: column types from `EnrichedRows`,
checks from the `FAILING` table of `schemas.submission`. Imported only where intake
validates (pandera pulls pandas in: seconds of start-up the CLI's quick commands skip).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from functools import cache

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData
from pandera.engines import polars_engine

from chitieu.schemas.submission import FAILING


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
    unit_successor_vi: str
    unit_successor_en: str
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


def _passing(failing: pl.Expr) -> Callable[[PolarsData], pl.LazyFrame]:
    """A pandera check function: true where the row does not fail (null passes)."""

    def check(data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select((~failing).fill_null(True))

    return check


@cache
def enriched_schema() -> pa.DataFrameSchema:
    """`EnrichedRows` with one named check per entry of `FAILING`, on its column."""
    by_column: dict[str, list[pa.Check]] = defaultdict(list)
    for name, (column, failing) in FAILING.items():
        by_column[column].append(pa.Check(_passing(failing), name=name))
    return EnrichedRows.to_schema().update_columns(
        {column: {"checks": checks} for column, checks in by_column.items()}
    )


def pandera_failures(enriched: pl.DataFrame) -> pl.DataFrame:
    """Validate lazily (every failing check of every row in one pass); the failure
    cases as ``row_nr, check, column, failure_case``."""
    try:
        enriched_schema().validate(enriched, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return exc.failure_cases.select(
            pl.col("index").cast(pl.Int64).alias("row_nr"),
            "check",
            "column",
            pl.col("failure_case").cast(pl.String),
        )
    return pl.DataFrame(
        schema={
            "row_nr": pl.Int64,
            "check": pl.String,
            "column": pl.String,
            "failure_case": pl.String,
        }
    )
