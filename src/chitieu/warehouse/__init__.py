"""The warehouse: the only package that talks to DuckDB or PostgreSQL.

`open_warehouse` gives a `Warehouse`, the same for every backend (DuckDB, PostgreSQL);
its SQL lives in ``sql/``, one file per operation. `archive_file` keeps every received
file byte for byte; `heads` keeps every published head in a log outside the database
too. `roles` makes read-only auditors on PostgreSQL.
"""

from __future__ import annotations

from chitieu.warehouse.api import Warehouse, open_warehouse
from chitieu.warehouse.archive import archive_file, archive_files, archived_path
from chitieu.warehouse.faults import fault_point
from chitieu.warehouse.hashing import content_sha256, inputs_sha256
from chitieu.warehouse.models import (
    IntakeBatch,
    Published,
    SnapshotDraft,
    SnapshotRead,
    Verification,
    VerifyNote,
    VerifyProblem,
)

__all__ = [
    "IntakeBatch",
    "Published",
    "SnapshotDraft",
    "SnapshotRead",
    "Verification",
    "VerifyNote",
    "VerifyProblem",
    "Warehouse",
    "archive_file",
    "archive_files",
    "archived_path",
    "content_sha256",
    "fault_point",
    "inputs_sha256",
    "open_warehouse",
]
