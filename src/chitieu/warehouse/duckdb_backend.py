"""The DuckDB backend: the only module that imports duckdb.

Every session runs in UTC, so TIMESTAMPTZ arrives in polars as ``Datetime("us", "UTC")``.
Frames go in and out through Arrow. DuckDB 2.0 keeps a query's result pending until it is
read out, so reads here always read every row.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from chitieu.errors import WarehouseError
from chitieu.warehouse.backend import Params, Schema, WriteConflict
from chitieu.warehouse.frames import conform


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except duckdb.ConstraintException as error:
        raise WriteConflict(str(error)) from error
    except duckdb.Error as error:
        raise WarehouseError(f"DuckDB: {error}") from error


class DuckDBBackend:
    dialect = "duckdb"

    def __init__(self, path: Path) -> None:
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = duckdb.connect(str(path))
        except duckdb.Error as error:
            raise WarehouseError(f"cannot open the DuckDB warehouse {path}: {error}") from error
        self._con.execute("SET TimeZone = 'UTC'")

    def execute(self, sql: str, params: Params = ()) -> None:
        with _translated():
            self._con.execute(sql, list(params))

    def script(self, sql: str) -> None:
        with _translated():
            self._con.execute(sql)

    def rows(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        with _translated():
            return self._con.execute(sql, list(params)).fetchall()

    def frame(self, sql: str, params: Params = (), schema: Schema | None = None) -> pl.DataFrame:
        with _translated():
            table = self._con.sql(sql, params=list(params)).to_arrow_table()
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        return frame if schema is None else conform(frame, schema, "query result")

    @contextmanager
    def staged(self, name: str, frame: pl.DataFrame) -> Iterator[None]:
        with _translated():
            self._con.register(name, frame.to_arrow())
        try:
            yield
        finally:
            self._con.unregister(name)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with _translated():
            self._con.begin()
        try:
            yield
            with _translated():
                self._con.commit()
        except BaseException:
            with suppress(duckdb.Error):  # a failed commit already ended the transaction
                self._con.rollback()
            raise

    def lock(self, *key: str) -> None:
        """Nothing to wait for: a DuckDB file admits one writing process at a time, and
        that process's connection runs one transaction at a time."""

    def close(self) -> None:
        self._con.close()
