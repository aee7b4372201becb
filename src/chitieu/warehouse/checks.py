"""Reads for data quality (SPEC §7): the history outliers are judged against, the
warnings of published inputs, warnings per submission, and earlier rejections of a
file sent again."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from chitieu.warehouse.backend import Backend
from chitieu.warehouse.models import (
    HISTORY_ROWS_SCHEMA,
    INPUT_WARNINGS_SCHEMA,
    REJECTED_FILES_SCHEMA,
    WARNING_COUNTS_SCHEMA,
    HistoryCheck,
)
from chitieu.warehouse.queries import query


def _sql(backend: Backend, name: str) -> str:
    return query(f"checks/{name}", backend.dialect)


def history(backend: Backend, check: HistoryCheck) -> pl.DataFrame:
    """The accepted values ``check`` asks for (``HISTORY_ROWS_SCHEMA``)."""
    with (
        backend.staged("staged_history_units", check.units),
        backend.staged("staged_history_elements", check.elements),
        backend.staged("staged_history_window", check.window),
    ):
        return backend.frame(_sql(backend, "history_values"), (), HISTORY_ROWS_SCHEMA)


def input_warnings(backend: Backend, snapshot_id: int) -> pl.DataFrame:
    return backend.frame(_sql(backend, "input_warnings"), [snapshot_id], INPUT_WARNINGS_SCHEMA)


def warning_counts(backend: Backend) -> pl.DataFrame:
    return backend.frame(_sql(backend, "warning_counts"), (), WARNING_COUNTS_SCHEMA)


def rejected_files(backend: Backend, shas: Sequence[str]) -> pl.DataFrame:
    if not shas:
        return pl.DataFrame(schema=REJECTED_FILES_SCHEMA)
    return backend.frame(_sql(backend, "rejected_files"), [list(shas)], REJECTED_FILES_SCHEMA)
