"""What the warehouse needs from a database: the seam between `Warehouse` and a backend.

A backend runs the SQL of ``sql/`` with positional ``$n`` parameters, returns rows as
tuples or polars frames, makes a polars frame readable under a name for bulk inserts
(``staged``), runs a block of work as one transaction, and takes named locks for
the length of one. It translates its driver's
errors into `WarehouseError` (`WriteConflict` for a violated key or unique constraint).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

import polars as pl

from chitieu.errors import WarehouseError

Params = Sequence[object]
Schema = Mapping[str, pl.DataType]


class WriteConflict(WarehouseError):
    """A write broke a key or unique constraint: usually a concurrent writer."""


class Backend(Protocol):
    dialect: str  # chooses ``<name>.<dialect>.sql`` over ``<name>.sql``

    def execute(self, sql: str, params: Params = ()) -> None:
        """Run one statement that returns nothing to read."""

    def script(self, sql: str) -> None:
        """Run several statements without parameters (a migration)."""

    def rows(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        """Every row of one query."""

    def frame(self, sql: str, params: Params = (), schema: Schema | None = None) -> pl.DataFrame:
        """Every row of one query as a polars frame, conformed to ``schema`` when given."""

    def staged(self, name: str, frame: pl.DataFrame) -> AbstractContextManager[None]:
        """Make ``frame`` readable as the relation ``name`` for the duration of the block."""

    def transaction(self) -> AbstractContextManager[None]:
        """One transaction: committed at the end of the block, rolled back if it raises."""

    def lock(self, *key: str) -> None:
        """Inside a transaction: wait for, then hold until it ends, the exclusive lock
        named by ``key``, so writers of the same thing take turns."""

    def close(self) -> None: ...
