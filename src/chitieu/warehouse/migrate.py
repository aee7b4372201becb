"""The versioned schema: numbered migrations applied in order, in one transaction."""

from __future__ import annotations

import datetime as dt

from chitieu.errors import WarehouseError
from chitieu.warehouse.backend import Backend
from chitieu.warehouse.queries import migrations, query


def _current(backend: Backend) -> int:
    """The schema version, 0 for an empty warehouse; reads only, so a read-only role can."""
    [(exists,)] = backend.rows(query("schema_version_exists", backend.dialect))
    if not exists:
        return 0
    [(current,)] = backend.rows(query("schema_version_current", backend.dialect))
    return int(current)


def _newer(where: str, current: int, newest: int) -> WarehouseError:
    return WarehouseError(
        f"the warehouse {where} has schema version {current}, newer than this "
        f"chitieu knows ({newest}): upgrade chitieu to use it"
    )


def migrate(backend: Backend, where: str, create: bool = True) -> int:
    """Bring the schema up to the newest version this code knows; return that version.

    Opening an up-to-date warehouse writes nothing (an auditor's read-only role can open
    it). Concurrent openers take turns under a lock, so each migration runs once. A
    warehouse written by a newer chitieu is refused rather than misread. ``where`` names
    it (redacted) in messages. Without ``create``, an empty database is refused rather
    than given the tables.
    """
    known = migrations(backend.dialect)
    newest = known[-1].version if known else 0
    current = _current(backend)
    if current == 0 and not create:
        raise WarehouseError(
            f"không có kho dữ liệu / no warehouse in {where}: its schema holds no chitieu "
            "tables, nothing was ever ingested there (check the URL and its search_path)"
        )
    if current > newest:
        raise _newer(where, current, newest)
    if current == newest:
        return current
    try:
        with backend.transaction():
            backend.lock("migrate")
            backend.script(query("schema_version_create", backend.dialect))
            [(current,)] = backend.rows(query("schema_version_current", backend.dialect))
            # none when another opener got there first
            for migration in (m for m in known if m.version > current):
                backend.script(migration.sql)
                backend.execute(
                    query("schema_version_record", backend.dialect),
                    [migration.version, dt.datetime.now(dt.UTC)],
                )
    except WarehouseError as error:
        raise WarehouseError(
            f"the warehouse {where} needs upgrading from schema version {current} to "
            f"{newest}, which failed (a read-only role cannot: let its owner open it once "
            f"with this chitieu): {error}"
        ) from error
    if current > newest:  # a newer chitieu upgraded it meanwhile
        raise _newer(where, current, newest)
    return max(current, newest)
