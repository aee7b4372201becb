"""The warehouse as the rest of chitieu sees it: one class, whatever the database."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType

import polars as pl

from chitieu.errors import WarehouseError
from chitieu.settings import duckdb_path, redact, warehouse_url
from chitieu.warehouse import audit, intake, publishing, roles
from chitieu.warehouse.backend import Backend, Schema
from chitieu.warehouse.migrate import migrate
from chitieu.warehouse.models import (
    ACCEPTED_REPORTS_SCHEMA,
    ACCEPTED_VALUES_SCHEMA,
    ISSUES_SCHEMA,
    SUBMISSIONS_SCHEMA,
    IntakeBatch,
    Published,
    SnapshotDraft,
    SnapshotRead,
    VerifyProblem,
)
from chitieu.warehouse.queries import query


class Warehouse:
    """Submissions in, snapshot revisions out. Open with `open_warehouse`; close when done
    (or use it as a context manager: a DuckDB file admits one process at a time; on
    PostgreSQL, writers take turns under locks)."""

    def __init__(self, backend: Backend, url: str, schema_version: int) -> None:
        self._backend = backend
        self.url = redact(url)  # safe to print
        self.schema_version = schema_version

    @property
    def backend(self) -> Backend:
        """The database connection, for maintenance and tests; the methods below are the API."""
        return self._backend

    def close(self) -> None:
        self._backend.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Warehouse({self.url!r})"

    # intake
    def known_sha256(self, shas: Sequence[str]) -> set[str]:
        """Which of these files (by SHA-256) were received before, whatever became of them."""
        return intake.known_sha256(self._backend, shas)

    def register_intake(self, batch: IntakeBatch) -> pl.DataFrame:
        """Record a batch in one transaction and resolve supersession.

        Returns the batch's submissions (``batch_seq`` + ``SUBMISSIONS_SCHEMA``) with their
        submission_id and final status: a report older than the one already accepted for
        its (org unit, period) comes back ``superseded``.
        """
        return intake.register_intake(self._backend, batch)

    def _read(self, name: str, schema: Schema, *params: object) -> pl.DataFrame:
        return self._backend.frame(query(f"reads/{name}", self._backend.dialect), params, schema)

    def submissions(self) -> pl.DataFrame:
        """Every submission ever received (``SUBMISSIONS_SCHEMA``), by submission_id."""
        return self._read("submissions", SUBMISSIONS_SCHEMA)

    def accepted_values(self) -> pl.DataFrame:
        """The values of the reports now accepted (``ACCEPTED_VALUES_SCHEMA``), in no
        particular order."""
        return self._read("accepted_values", ACCEPTED_VALUES_SCHEMA)

    def accepted_reports(self) -> pl.DataFrame:
        """The reports now accepted, one per (org unit, period) (``ACCEPTED_REPORTS_SCHEMA``)."""
        return self._read("accepted_reports", ACCEPTED_REPORTS_SCHEMA)

    def issues(self, submission_id: int | None = None) -> pl.DataFrame:
        """Validation issues (``ISSUES_SCHEMA``), of one submission or all, in found order."""
        return self._read("issues", ISSUES_SCHEMA, submission_id)

    # snapshots
    def publish(self, draft: SnapshotDraft) -> Published:
        """Publish revision n+1, or nothing when inputs and catalog are unchanged.

        Raises `SnapshotConflict` when another publication got there first.
        """
        return publishing.publish(self._backend, draft)

    def list_snapshots(
        self, review_period: str | None = None, root: str | None = None
    ) -> pl.DataFrame:
        """Revision headers (``SNAPSHOTS_SCHEMA``) by review period, root and revision."""
        return audit.list_snapshots(self._backend, review_period, root)

    def snapshot(
        self,
        review_period: str,
        root: str,
        revision: int | None = None,
        *,
        elements: bool = True,
    ) -> SnapshotRead:
        """One revision with its rows; the published one when ``revision`` is None.
        ``elements=False`` leaves its element rows out (empty): a report needs only the
        indicators, and a national revision holds two million element rows."""
        return audit.snapshot(self._backend, review_period, root, revision, elements=elements)

    def input_submissions(self, snapshot_id: int) -> pl.DataFrame:
        """The submissions a revision used (``INPUT_SUBMISSIONS_SCHEMA``): file name,
        SHA-256, unit, period, submitted_at... Readable by an auditor's role."""
        return audit.input_submissions(self._backend, snapshot_id)

    def input_values(self, snapshot_id: int) -> pl.DataFrame:
        """The accepted values of the submissions a revision used (``INPUT_VALUES_SCHEMA``)."""
        return audit.input_values(self._backend, snapshot_id)

    def input_notes(self, snapshot_id: int) -> pl.DataFrame:
        """Those of `input_values` that came with a note (the Excel report shows them)."""
        return audit.input_values(self._backend, snapshot_id, notes_only=True)

    def auditor_sql(self, role: str) -> str:
        """The SQL that makes a PostgreSQL role an auditor (read the published tables only)."""
        return roles.auditor_sql(self._backend, role)

    def grant_auditor(self, role: str) -> str:
        """Run `auditor_sql` for an existing, unprivileged role; returns the SQL it ran."""
        return roles.grant_auditor(self._backend, role)

    def verify(self) -> list[VerifyProblem]:
        """Recompute every revision's hashes and check the chains; empty when all is well."""
        return audit.verify(self._backend)


def _backend(url: str) -> Backend:
    scheme = url.split("://", 1)[0]
    if scheme == "duckdb":
        from chitieu.warehouse.duckdb_backend import DuckDBBackend  # duckdb loads only here

        return DuckDBBackend(duckdb_path(url))
    if scheme in ("postgresql", "postgres"):
        from chitieu.warehouse.postgres_backend import PostgresBackend  # psycopg loads only here

        return PostgresBackend(url)
    raise WarehouseError(
        f"unknown warehouse URL {redact(url)}: expected duckdb:///path/file.duckdb, "
        "a plain path to a DuckDB file, or postgresql://user@host/database"
    )


def open_warehouse(url: str) -> Warehouse:
    """Open (and create or upgrade) the warehouse at ``url``.

    ``duckdb:///relative/file.duckdb``, ``duckdb:////absolute/file.duckdb`` or a bare path
    (a DuckDB file; its folder is created), or ``postgresql://user@host:port/database``
    (the password from the URL or libpq's environment: ``PGPASSWORD``, ``~/.pgpass``).
    Raises `WarehouseError` for an unknown scheme, a server that cannot be reached, or a
    warehouse written by a newer chitieu; its message never shows a password.
    """
    if not url.strip():
        raise WarehouseError("no warehouse URL given")
    url = warehouse_url(url)
    backend = _backend(url)
    try:
        version = migrate(backend, redact(url))
    except BaseException:
        backend.close()
        raise
    return Warehouse(backend, url, version)
