"""The versioned schema: numbered migrations applied in order, in one transaction."""

from __future__ import annotations

import datetime as dt

from chitieu.errors import WarehouseError
from chitieu.warehouse.backend import Backend
from chitieu.warehouse.queries import migrations, query


def migrate(backend: Backend, where: str) -> int:
    """Bring the schema up to the newest version this code knows; return that version.

    Opening an up-to-date warehouse applies nothing. A warehouse written by a newer
    chitieu is refused rather than misread. ``where`` names it (redacted) in messages.
    """
    known = migrations(backend.dialect)
    newest = known[-1].version if known else 0
    with backend.transaction():
        backend.script(query("schema_version_create", backend.dialect))
        [(current,)] = backend.rows(query("schema_version_current", backend.dialect))
        if current > newest:
            raise WarehouseError(
                f"the warehouse {where} has schema version {current}, newer than this "
                f"chitieu knows ({newest}): upgrade chitieu to use it"
            )
        for migration in known[current:]:
            backend.script(migration.sql)
            backend.execute(
                query("schema_version_record", backend.dialect),
                [migration.version, dt.datetime.now(dt.UTC)],
            )
    return max(current, newest)
