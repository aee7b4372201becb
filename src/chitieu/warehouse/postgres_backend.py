"""The PostgreSQL backend: the only module that imports psycopg.

One connection per warehouse, in autocommit mode outside `transaction()`; sessions run in
UTC. Statements keep PostgreSQL's own ``$n`` placeholders (psycopg's ``RawCursor``).
Staged frames go in with ``COPY ... FROM STDIN`` fed by polars' CSV writer, never row by
row. Locks are transaction-scoped advisory locks keyed on the schema and a name, so
concurrent writers queue instead of colliding.

Credentials come from the URL or libpq's environment (``PGPASSWORD``, ``~/.pgpass``...).
Every message this module raises passes through `settings.redact`, and a password's own
text is masked wherever the driver quotes it; driver exceptions are not chained, so a
traceback cannot show one either.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import polars as pl
import psycopg
from psycopg import sql as pgsql
from psycopg.pq import TransactionStatus

from chitieu.credentials import PASSWORD_ENV, parse
from chitieu.errors import WarehouseError
from chitieu.settings import redact
from chitieu.warehouse.backend import Params, Schema, WriteConflict
from chitieu.warehouse.frames import conform

_COPY_ROWS = 250_000  # rows per CSV chunk: bounds the text held in memory at once
_MIN_SECRET = 4  # shorter "passwords" would mask ordinary words in every message

# Result columns by type OID (pg_type), as polars types; anything else is read as text.
_FROM_OID: dict[int, pl.DataType] = {
    16: pl.Boolean(),
    20: pl.Int64(),
    21: pl.Int64(),
    23: pl.Int64(),
    700: pl.Float64(),
    701: pl.Float64(),
    1700: pl.Float64(),
    1082: pl.Date(),
    1114: pl.Datetime("us"),
    1184: pl.Datetime("us", "UTC"),
}


def _column_type(dtype: pl.DataType) -> str:
    """The PostgreSQL type of a staged column."""
    if dtype.is_integer():
        return "BIGINT"
    if dtype.is_float():
        return "DOUBLE PRECISION"
    if isinstance(dtype, pl.Datetime):
        return "TIMESTAMPTZ" if dtype.time_zone else "TIMESTAMP"
    simple = {pl.String: "TEXT", pl.Boolean: "BOOLEAN", pl.Date: "DATE"}
    for polars_type, name in simple.items():
        if dtype == polars_type:
            return name
    raise WarehouseError(f"cannot stage a column of type {dtype} in PostgreSQL")


def _csv_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """Time stamps as ISO text with an explicit offset, which PostgreSQL reads exactly."""
    return frame.with_columns(
        pl.col(name).dt.convert_time_zone("UTC").dt.to_string("%Y-%m-%dT%H:%M:%S%.6f+00:00")
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Datetime) and dtype.time_zone
    )


def _frame(description: Sequence[Any], rows: list[tuple[Any, ...]]) -> pl.DataFrame:
    schema = {column.name: _FROM_OID.get(column.type_code, pl.String()) for column in description}
    return pl.DataFrame(rows, schema=schema, orient="row", strict=False)


class PostgresBackend:
    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        self._secrets = _secrets(url)
        try:
            self._con = psycopg.connect(
                url,
                autocommit=True,
                cursor_factory=psycopg.RawCursor,
                application_name="chitieu",
            )
        except psycopg.Error as error:
            shown = redact(url)
            raise WarehouseError(
                f"không kết nối được kho dữ liệu PostgreSQL {shown} / cannot connect to the "
                f"PostgreSQL warehouse {shown}: {self._clean(error)}"
            ) from None
        with self._translated():
            self._con.execute("SET TimeZone = 'UTC'")
            row = self._con.execute("SELECT current_schema()").fetchone()
        if row is None or row[0] is None:
            self._con.close()
            raise WarehouseError(
                f"vai trò này không dùng được lược đồ nào của kho PostgreSQL {redact(url)}: "
                "kiểm tra search_path của nó, và vai trò đã được cấp quyền chưa (vai trò của "
                "kiểm toán viên: chitieu warehouse grant-auditor) / the PostgreSQL warehouse "
                f"{redact(url)} has no schema this role may use: check its search_path, and "
                "that it was granted access (an auditor's role: chitieu warehouse "
                "grant-auditor)"
            )
        self.schema: str = row[0]

    def _clean(self, error: BaseException) -> str:
        text = redact(str(error).strip())
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    @contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except psycopg.errors.IntegrityError as error:
            raise WriteConflict(self._clean(error)) from None
        except psycopg.Error as error:
            raise WarehouseError(f"PostgreSQL: {self._clean(error)}") from None

    def execute(self, sql: str, params: Params = ()) -> None:
        with self._translated():
            self._con.execute(sql, list(params) or None)

    def script(self, sql: str) -> None:
        with self._translated():
            self._con.execute(sql)  # no parameters: the simple protocol runs every statement

    def rows(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        with self._translated():
            cursor = self._con.execute(sql, list(params) or None)
            return cursor.fetchall() if cursor.description else []

    def frame(self, sql: str, params: Params = (), schema: Schema | None = None) -> pl.DataFrame:
        with self._translated(), self._con.cursor(binary=True) as cursor:
            cursor.execute(sql, list(params) or None)
            if cursor.description is None:
                raise WarehouseError("PostgreSQL: the statement returned no rows to read")
            frame = _frame(cursor.description, cursor.fetchall())
        return frame if schema is None else conform(frame, schema, "query result")

    @contextmanager
    def staged(self, name: str, frame: pl.DataFrame) -> Iterator[None]:
        table = pgsql.Identifier(name)
        columns = pgsql.SQL(", ").join(
            pgsql.SQL("{} {}").format(pgsql.Identifier(column), pgsql.SQL(_column_type(dtype)))
            for column, dtype in frame.schema.items()
        )
        ready = _csv_ready(frame)
        with self._translated():
            self._con.execute(pgsql.SQL("DROP TABLE IF EXISTS pg_temp.{}").format(table))
            self._con.execute(pgsql.SQL("CREATE TEMP TABLE {} ({})").format(table, columns))
            copy = pgsql.SQL("COPY {} FROM STDIN (FORMAT csv)").format(table)
            with self._con.cursor() as cursor, cursor.copy(copy) as loading:
                for start in range(0, ready.height, _COPY_ROWS):
                    chunk = ready.slice(start, _COPY_ROWS)
                    # strings quoted, nulls bare: COPY tells NULL from '' (and from "\.")
                    loading.write(chunk.write_csv(include_header=False, quote_style="non_numeric"))
        try:
            yield
        finally:
            # in a failed transaction the rollback removes the table with everything else
            if self._con.info.transaction_status != TransactionStatus.INERROR:
                with self._translated():
                    self._con.execute(pgsql.SQL("DROP TABLE IF EXISTS pg_temp.{}").format(table))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._translated(), self._con.transaction():
            yield

    def lock(self, *key: str) -> None:
        if self._con.info.transaction_status != TransactionStatus.INTRANS:
            raise WarehouseError("a warehouse lock is taken inside a transaction, for its length")
        name = "\0".join(("chitieu", self.schema, *key)).encode()
        number = int.from_bytes(hashlib.sha256(name).digest()[:8], "big", signed=True)
        with self._translated():
            self._con.execute("SELECT pg_advisory_xact_lock(CAST($1 AS BIGINT))", [number])

    def close(self) -> None:
        self._con.close()


def _secrets(url: str) -> list[str]:
    """Password texts that must never appear in a message: from the URL (as written and
    decoded) and PGPASSWORD."""
    found = [os.environ.get(PASSWORD_ENV, "")]
    parsed = parse(url)
    found += [parsed.password or "", parsed.written or ""]
    return sorted({s for s in found if len(s) >= _MIN_SECRET}, key=len, reverse=True)
