"""The DuckDB backend: the only module that imports duckdb.

Every session runs in UTC, so TIMESTAMPTZ arrives in polars as ``Datetime("us", "UTC")``.
Frames go in and out through Arrow. DuckDB 2.0 keeps a query's result pending until it is
read out, so reads here always read every row.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from chitieu.errors import WarehouseBusy, WarehouseError
from chitieu.shown import clipped
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


_LOCKED = re.compile(r"Could not set lock on file.*?Conflicting lock is held in.*?\(PID (\d+)\)")


def _busy(path: str, error: duckdb.Error) -> WarehouseBusy | None:
    """DuckDB's lock conflict as one line that says what to do, or None for another error."""
    if "Could not set lock" not in str(error):
        return None
    found = _LOCKED.search(str(error))
    holder = f" (PID {found[1]})" if found else ""
    return WarehouseBusy(
        f"kho dữ liệu {path} đang bận, một tiến trình khác đang dùng nó{holder}: chờ tiến "
        "trình đó xong (một lần tiếp nhận hoặc đánh giá) rồi chạy lại lệnh / the warehouse "
        f"{path} is in use by another process{holder}: wait until it finishes (an intake or "
        "a review), then run the command again"
    )


def _check_file(path: Path, named: str, create: bool) -> None:
    """Refuse a folder at ``path``, or nothing there unless ``create``; make its folder."""
    if path.is_dir():
        raise WarehouseError(
            f"không mở được kho dữ liệu {named}: đó là một thư mục, không phải tệp DuckDB (ghi "
            "tên tệp: --warehouse hoặc CHITIEU_WAREHOUSE) / no warehouse at "
            f"{named}: it is a folder, not a DuckDB file (name the file: --warehouse or "
            "CHITIEU_WAREHOUSE)"
        )
    if not create and not path.is_file():
        raise WarehouseError(
            f"không có kho dữ liệu ở {named}: chưa từng tiếp nhận gì ở đó (kiểm tra --warehouse "
            f"hoặc CHITIEU_WAREHOUSE) / no warehouse at {named}: nothing was ever ingested "
            "there (check --warehouse or CHITIEU_WAREHOUSE)"
        )
    path.parent.mkdir(parents=True, exist_ok=True)


class DuckDBBackend:
    dialect = "duckdb"

    def __init__(self, path: Path, create: bool = True) -> None:
        named = clipped(str(path))
        if str(path) != ":memory:":
            try:
                _check_file(path, named, create)
            except OSError as error:  # a name too long for the system, a folder not allowed
                raise WarehouseError(
                    f"không mở được kho dữ liệu {named} (kiểm tra --warehouse hoặc "
                    f"CHITIEU_WAREHOUSE) / cannot open the warehouse {named}: "
                    f"{error.strerror or type(error).__name__} (check --warehouse or "
                    "CHITIEU_WAREHOUSE)"
                ) from error
        try:
            self._con = duckdb.connect(str(path))
        except duckdb.Error as error:
            busy = _busy(named, error)
            if busy is not None:
                raise busy from None
            raise WarehouseError(
                f"không mở được kho dữ liệu DuckDB {named} / cannot open the DuckDB warehouse "
                f"{named}: {clipped(str(error), 300)}"
            ) from error
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


def received_digests(path: Path) -> frozenset[str] | None:
    """The SHA-256 of every report the DuckDB warehouse at ``path`` ever received, read
    without writing anything (no migration, read-only); None when it cannot be read as
    a chitieu warehouse (not DuckDB, no ``submissions``, in use by another process)."""
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return None
    try:
        rows = con.execute("SELECT DISTINCT sha256 FROM submissions").fetchall()
    except duckdb.Error:
        return None
    finally:
        con.close()
    return frozenset(str(sha) for (sha,) in rows)
