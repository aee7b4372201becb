"""Frames in and out of the warehouse take exactly the documented columns and types."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from chitieu.errors import WarehouseError


def _column(frame: pl.DataFrame, name: str, dtype: pl.DataType, what: str) -> pl.Expr:
    given = frame.schema[name]
    column = pl.col(name)
    if isinstance(dtype, pl.Datetime) and dtype.time_zone and isinstance(given, pl.Datetime):
        if given.time_zone is None:
            raise WarehouseError(f"{what}: column {name!r} must be time-zone aware")
        column = column.dt.convert_time_zone(dtype.time_zone)
    return column.cast(dtype).alias(name)


def conform(frame: pl.DataFrame, schema: Mapping[str, pl.DataType], what: str) -> pl.DataFrame:
    """``frame`` with the columns of ``schema``, in its order and types; extra columns dropped.

    Time stamps are converted to the schema's time zone (UTC); a naive one is refused.
    """
    missing = [name for name in schema if name not in frame.columns]
    if missing:
        raise WarehouseError(f"{what}: missing column(s) {', '.join(missing)}")
    try:
        return frame.select(_column(frame, name, dtype, what) for name, dtype in schema.items())
    except pl.exceptions.PolarsError as error:
        raise WarehouseError(f"{what}: {error}") from error
