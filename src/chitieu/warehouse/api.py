"""The warehouse as the rest of chitieu sees it: one class, whatever the database."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import polars as pl

from chitieu.credentials import parse
from chitieu.errors import SignOffRefused, WarehouseError
from chitieu.settings import beside_warehouse, duckdb_path, redact, warehouse_url
from chitieu.warehouse import (
    audit,
    checks,
    heads,
    intake,
    publishing,
    roles,
    rollback,
    signoff,
)
from chitieu.warehouse.backend import Backend, Schema
from chitieu.warehouse.migrate import migrate
from chitieu.warehouse.models import (
    ACCEPTED_REPORTS_SCHEMA,
    ACCEPTED_VALUES_SCHEMA,
    ISSUES_SCHEMA,
    SUBMISSIONS_SCHEMA,
    HistoryCheck,
    IntakeBatch,
    Published,
    SignOff,
    SnapshotDraft,
    SnapshotRead,
    Verification,
    VerifyProblem,
)
from chitieu.warehouse.queries import query
from chitieu.warehouse.signoff import Hold
from chitieu.warehouse.signoff_chain import read_approvals


class Warehouse:
    """Submissions in, snapshot revisions out. Open with `open_warehouse`; close when done
    (or use it as a context manager: a DuckDB file admits one process at a time; on
    PostgreSQL, writers take turns under locks)."""

    def __init__(self, backend: Backend, url: str, schema_version: int) -> None:
        self._backend = backend
        self.url = redact(url)  # safe to print
        self.schema_version = schema_version
        in_memory = url.startswith("duckdb:") and str(duckdb_path(url)) == ":memory:"
        self.heads_log: Path | None = None if in_memory else beside_warehouse(url, heads.LOG_NAME)
        """The heads log (`heads`): beside a DuckDB file, or in CHITIEU_DATA_DIR."""
        self.archive: Path = beside_warehouse(url, "archive")
        """Where intake keeps the received files (`archive`)."""
        self._identity: str | None = None

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

    def register_intake(self, batch: IntakeBatch, hold: Hold | None = None) -> pl.DataFrame:
        """Record a batch in one transaction and resolve supersession.

        Returns the batch's submissions (``batch_seq`` + ``SUBMISSIONS_SCHEMA``) with their
        submission_id and final status: a report older than the one already accepted for
        its (org unit, period) comes back ``superseded``; a report an approved review
        holds (``hold``, by default every report for a period inside it) ``held``.
        """
        return self.register_intake_checked(batch, None, hold)[0]

    def register_intake_checked(
        self, batch: IntakeBatch, history: HistoryCheck | None, hold: Hold | None = None
    ) -> tuple[pl.DataFrame, pl.DataFrame]:
        """`register_intake`, and in the same transaction the warnings ``history`` finds
        against the accepted values of earlier periods (this batch's included): the
        submissions and those warnings (``ISSUES_SCHEMA``)."""
        rule = hold or signoff.within_locked_periods
        return intake.register_intake(
            self._backend,
            batch,
            lambda backend, reports: signoff.held_by(backend, rule, reports),
            history,
        )

    def _read(self, name: str, schema: Schema, *params: object) -> pl.DataFrame:
        return self._backend.frame(query(f"reads/{name}", self._backend.dialect), params, schema)

    def submissions(self) -> pl.DataFrame:
        """Every submission ever received (``SUBMISSIONS_SCHEMA``), by submission_id."""
        return self._read("submissions", SUBMISSIONS_SCHEMA)

    def reads_submissions(self) -> bool:
        """Whether this connection may read every submission received (`submissions`):
        an auditor's role reads only what was published."""
        [(allowed,)] = self._backend.rows(query("reads/reads_submissions", self._backend.dialect))
        return bool(allowed)

    def reads_warnings(self) -> bool:
        """Whether this connection may read the warnings of the submissions a revision
        used (`input_warnings`): an auditor's role granted before the warehouse had them
        may not, until it is granted again."""
        [(allowed,)] = self._backend.rows(query("reads/reads_warnings", self._backend.dialect))
        return bool(allowed)

    def accepted_values(self, periods: Sequence[str] | None = None) -> pl.DataFrame:
        """The values of the reports now accepted (``ACCEPTED_VALUES_SCHEMA``), in no
        particular order; with ``periods`` (codes), of those periods only."""
        if periods is None:
            return self._read("accepted_values", ACCEPTED_VALUES_SCHEMA)
        return self._read("accepted_values_of", ACCEPTED_VALUES_SCHEMA, list(periods))

    def accepted_reports(self) -> pl.DataFrame:
        """The reports now accepted, one per (org unit, period) (``ACCEPTED_REPORTS_SCHEMA``)."""
        return self._read("accepted_reports", ACCEPTED_REPORTS_SCHEMA)

    def issues(self, submission_id: int | None = None) -> pl.DataFrame:
        """Validation issues (``ISSUES_SCHEMA``), of one submission or all, in found order."""
        return self._read("issues", ISSUES_SCHEMA, submission_id)

    # data quality (SPEC §7)
    def history(self, check: HistoryCheck) -> pl.DataFrame:
        """The accepted values of earlier periods ``check`` asks for (`HistoryCheck`):
        what ``chitieu validate`` judges outliers against, writing nothing."""
        return checks.history(self._backend, check)

    def warning_counts(self) -> pl.DataFrame:
        """``submission_id, warnings`` for every submission with at least one warning."""
        return checks.warning_counts(self._backend)

    def rejected_files(self, shas: Sequence[str]) -> pl.DataFrame:
        """Of these files (by SHA-256), those received before and rejected: the report
        each was rejected as, its problem count and first problem (``REJECTED_FILES_SCHEMA``)."""
        return checks.rejected_files(self._backend, shas)

    def input_warnings(self, snapshot_id: int) -> pl.DataFrame:
        """The warnings of the submissions a revision used (``INPUT_WARNINGS_SCHEMA``),
        from the view an auditor's role may read."""
        return checks.input_warnings(self._backend, snapshot_id)

    # snapshots
    def publish(self, draft: SnapshotDraft, confirm: Callable[[], None] | None = None) -> Published:
        """Publish revision n+1, or nothing when inputs and catalog are unchanged; a new
        revision's head goes to the heads log once its transaction has committed.
        ``confirm``: called before a new revision commits; what it raises rolls it back
        (`chitieu.warehouse.publishing.publish`).

        Raises `SnapshotConflict` when another publication got there first.
        """
        published = publishing.publish(self._backend, draft, confirm)
        if published.created:
            self.append_head(
                "publish",
                draft.review_period,
                draft.root_org_unit,
                published.revision,
                published.content_sha256,
                prev_content_sha256=published.prev_content_sha256,
                created_at=heads.moment_text(published.created_at),
                flow_run_id=draft.flow_run_id,
            )
        return published

    @property
    def identity(self) -> str:
        """Which warehouse this is, as the heads log names it (``duckdb``, or
        ``postgresql:<database>/<schema>``)."""
        if self._identity is None:
            [(found,)] = self._backend.rows(query("heads/identity", self._backend.dialect))
            self._identity = str(found)
        return self._identity

    def append_head(
        self,
        kind: str,
        review_period: str,
        root_org_unit: str,
        revision: int,
        content_sha256: str,
        **fields: Any,
    ) -> None:
        """Append a line of ``kind`` about a revision to the heads log (format: `heads`);
        a log begun now first adopts every revision the database holds. Raises
        `WarehouseError` when the log cannot be written (the revision stays published)."""
        if self.heads_log is None:
            return
        try:
            heads.append_head(
                self.heads_log,
                kind=kind,
                warehouse=self.identity,
                review_period=review_period,
                root_org_unit=root_org_unit,
                revision=revision,
                content_sha256=content_sha256,
                adopt=lambda: self._adoptable(
                    (review_period, root_org_unit, revision) if kind == "publish" else None
                ),
                **fields,
            )
        except OSError as error:
            raise WarehouseError(
                f"{review_period} {root_org_unit} revision {revision} stands, but its "
                f"{kind} line could not be added to the heads log {self.heads_log}: {error}"
            ) from error

    def _adoptable(self, publishing: tuple[str, str, int] | None) -> list[dict[str, Any]]:
        """Every revision the database holds (but the one ``publishing`` names), as the
        heads log's adopt lines."""
        keys = ["review_period", "root_org_unit", "revision", "content_sha256"]
        return [
            {
                "warehouse": self.identity,
                **row,
                "created_at": heads.moment_text(row["created_at"]),
            }
            for row in self.list_snapshots()
            .select(*keys, "prev_content_sha256", *heads.HEADER_FIELDS)
            .iter_rows(named=True)
            if (row["review_period"], row["root_org_unit"], row["revision"]) != publishing
        ]

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
        elements: bool | Sequence[str] = True,
    ) -> SnapshotRead:
        """One revision with its rows; the published one when ``revision`` is None.
        ``elements=False`` leaves its element rows out (empty): a report needs only the
        indicators, and a national revision holds two million element rows; a list of
        element codes reads those elements' rows only (a trace's formula)."""
        return audit.snapshot(self._backend, review_period, root, revision, elements=elements)

    def snapshot_differences(
        self, review_period: str, root: str, one: int, other: int
    ) -> tuple[SnapshotRead, SnapshotRead]:
        """Revisions ``one`` and ``other``, each with only the rows (indicators, elements,
        inputs) the other has not alike: what `chitieu snapshots diff` compares, their
        diff the whole revisions' diff (a national revision holds two million element
        rows, a correction changes a few thousand). Readable by an auditor's role."""
        return audit.differences(self._backend, review_period, root, one, other)

    def input_submissions(
        self, snapshot_id: int, submission_ids: Sequence[int] | None = None
    ) -> pl.DataFrame:
        """The submissions a revision used (``INPUT_SUBMISSIONS_SCHEMA``): file name,
        SHA-256, unit, period, submitted_at...; with ``submission_ids``, those of them
        only. Readable by an auditor's role."""
        return audit.input_submissions(self._backend, snapshot_id, submission_ids)

    def input_values(
        self,
        snapshot_id: int,
        submission_ids: Sequence[int] | None = None,
        *,
        elements: Sequence[str] | None = None,
    ) -> pl.DataFrame:
        """The accepted values of the submissions a revision used (``INPUT_VALUES_SCHEMA``);
        with ``submission_ids``, of those of them only; with ``elements`` (codes), of
        those elements only (not both)."""
        if submission_ids is not None and elements is not None:
            raise ValueError("input_values: submission_ids or elements, not both")
        if submission_ids is not None:
            return audit.input_values_of(self._backend, snapshot_id, submission_ids)
        if elements is not None:
            return audit.input_values_for(self._backend, snapshot_id, elements)
        return audit.input_values(self._backend, snapshot_id)

    def input_notes(self, snapshot_id: int) -> pl.DataFrame:
        """Those of `input_values` that came with a note (the Excel report shows them)."""
        return audit.input_values(self._backend, snapshot_id, notes_only=True)

    def input_figures(self, snapshot_id: int) -> pl.DataFrame:
        """The values of a revision's inputs as the roll-up reads them (unit, element,
        period, value: ``INPUT_FIGURES_SCHEMA``), in no order: what recomputing needs."""
        return audit.input_figures(self._backend, snapshot_id)

    # sign-off
    def approvals(self, review_period: str | None = None, root: str | None = None) -> pl.DataFrame:
        """The approvals and reopenings (``APPROVALS_SCHEMA``) of one review, or all, in
        chain order. Readable by an auditor's role."""
        return read_approvals(self._backend, review_period, root)

    def approved_reviews(self) -> pl.DataFrame:
        """The reviews approved now, i.e. locked (``APPROVALS_SCHEMA``: the approval
        that locks each)."""
        return signoff.standing(self._backend)

    def standing_approval(self, review_period: str, root: str) -> dict[str, Any] | None:
        """The approval that locks this review now (``APPROVALS_SCHEMA`` fields), or None."""
        return signoff.standing_approval(self._backend, review_period, root)

    def refuse_if_approved(self, review_period: str, root: str) -> None:
        """Raise `ReviewLocked` (who approved, how to reopen) when the review is approved."""
        signoff.refuse_if_approved(self._backend, review_period, root)

    def approve(
        self,
        review_period: str,
        root: str,
        by: str | None,
        revision: int | None = None,
        title: str | None = None,
        note: str | None = None,
    ) -> SignOff:
        """Approve the published revision (`SignOffRefused`, nothing written, when it
        cannot be: see `chitieu.warehouse.signoff.approve`); the review is then locked.
        The approval goes to the heads log once its transaction has committed."""
        self._refuse_unlogged(review_period, root)
        row = signoff.approve(self._backend, review_period, root, by, revision, title, note)
        return self._logged(row)

    def _refuse_unlogged(self, review_period: str, root: str) -> None:
        """`SignOffRefused` when the heads log contradicts the review's revisions: one
        replaced with its rows and hash rewritten together (its own hash then agrees), or
        newer ones removed, so that an older revision looks published. Verify would find
        it after; an approval must not sign it first."""
        if self.heads_log is None:
            return
        found = rollback.check_log(
            self.list_snapshots(review_period, root),
            heads.read_heads(self.heads_log),
            self.identity,
        )
        ours = [
            p for p in found.problems if (p.review_period, p.root_org_unit) == (review_period, root)
        ]
        if ours:
            raise SignOffRefused(
                f"{review_period} {root}: nhật ký các bản công bố {self.heads_log} không khớp "
                f"với kho ở bản {ours[0].revision}; chạy `chitieu snapshots verify` để xem, "
                f"không ghi gì / the heads log {self.heads_log} disagrees with the warehouse: "
                f"revision {ours[0].revision}: {ours[0].message} (run `chitieu snapshots "
                "verify`); nothing recorded"
            )

    def reopen(self, review_period: str, root: str, by: str | None, reason: str | None) -> SignOff:
        """Reopen an approved review, saying why; its lock is lifted (and the reopening
        logged, as an approval is)."""
        return self._logged(signoff.reopen(self._backend, review_period, root, by, reason))

    def _logged(self, row: SignOff) -> SignOff:
        self.append_head(
            row.action,
            row.review_period,
            row.root_org_unit,
            row.revision,
            row.content_sha256,
            by_name=row.by_name,
            sha256=row.sha256,
        )
        return row

    def held_reports(self) -> pl.DataFrame:
        """The reports held now (``ACCEPTED_REPORTS_SCHEMA``), by submission_id."""
        return signoff.held_reports(self._backend)

    def report_values(self, submission_ids: Sequence[int]) -> pl.DataFrame:
        """Every value of these submissions (``INPUT_VALUES_SCHEMA``), whatever their status."""
        return signoff.report_values(self._backend, submission_ids)

    def release_held(self, hold: Hold | None = None) -> list[int]:
        """Held reports no approved review holds any more become accepted, as if on
        arrival (supersession by submitted_at, then arrival); their submission ids."""
        return signoff.release_held(self._backend, hold or signoff.within_locked_periods)

    # roles
    def auditor_sql(self, role: str) -> str:
        """The SQL that makes a PostgreSQL role an auditor (read the published tables only)."""
        return roles.auditor_sql(self._backend, role)

    def grant_auditor(self, role: str) -> roles.AuditorGrant:
        """Run `auditor_sql` for an existing, unprivileged role (the part on temporary
        tables when this role may); returns the SQL it ran and what it says of them."""
        return roles.grant_auditor(self._backend, role)

    def approver_sql(self, role: str) -> str:
        """The SQL that makes a PostgreSQL role an approver: an auditor who may also
        approve and reopen reviews."""
        return roles.approver_sql(self._backend, role)

    def grant_approver(self, role: str) -> roles.AuditorGrant:
        """Run `approver_sql` for an existing, unprivileged role (the part on temporary
        tables when this role may); returns the SQL it ran and what it says of them."""
        return roles.grant_approver(self._backend, role)

    def verify(self) -> list[VerifyProblem]:
        """Recompute every revision's hashes, check the chains, the input submissions and
        the heads log; empty when all is well. `verification` says more."""
        return self.verification().problems

    def verification(
        self,
        expected_heads: Sequence[str] = (),
        every_file: bool = False,
        each_revision: audit.RevisionCheck | None = None,
    ) -> Verification:
        """What `verify` finds, with what it could not check and what it did; against the
        heads log, the heads an auditor holds (``expected_heads``: content_sha256 values
        from printed reports), the archived files of every revision's inputs (with
        ``every_file``, of every received file) and ``each_revision``."""
        scope = audit.VerifyScope(
            heads=None if self.heads_log is None else heads.read_heads(self.heads_log),
            warehouse_id=self.identity,
            expected_heads=expected_heads,
            archive=self.archive,
            every_file=every_file,
            each_revision=each_revision,
        )
        return audit.verification(self._backend, scope)


def _backend(url: str, create: bool) -> Backend:
    scheme = url.split("://", 1)[0]
    if scheme == "duckdb":
        from chitieu.warehouse.duckdb_backend import DuckDBBackend  # duckdb loads only here

        return DuckDBBackend(duckdb_path(url), create)
    if scheme in ("postgresql", "postgres"):
        from chitieu.warehouse.postgres_backend import PostgresBackend  # psycopg loads only here

        return PostgresBackend(url)
    shown = redact(url)
    raise WarehouseError(
        f"địa chỉ kho dữ liệu {shown} không hợp lệ: dùng duckdb:///relative/file.duckdb hoặc "
        "duckdb:////absolute/file.duckdb, một đường dẫn trơn đến tệp DuckDB, hoặc "
        f"postgresql://user@host/database / unknown warehouse URL {shown}: expected "
        "duckdb:///relative/file.duckdb or duckdb:////absolute/file.duckdb, "
        "a plain path to a DuckDB file, or postgresql://user@host/database"
    )


def open_warehouse(url: str, create: bool = True) -> Warehouse:
    """Open (and create or upgrade) the warehouse at ``url``.

    ``duckdb:///relative/file.duckdb``, ``duckdb:////absolute/file.duckdb`` or a bare path
    (a DuckDB file; its folder is created), or ``postgresql://user@host:port/database``
    (the password from the URL or libpq's environment: ``PGPASSWORD``, ``~/.pgpass``).
    Commands that only read pass ``create=False``: a warehouse that does not exist yet
    is then an error rather than a new, empty one. Raises `WarehouseError` for an
    unknown scheme, an ambiguous URL, a server that cannot be reached, a DuckDB file
    another process holds (`WarehouseBusy`), or a warehouse written by a newer chitieu;
    its message never shows a password.
    """
    if not url.strip():
        raise WarehouseError("no warehouse URL given")
    url = warehouse_url(url)
    parse(url)  # refuses a URL that could be read two ways before anything quotes it
    backend = _backend(url, create)
    try:
        version = migrate(backend, redact(url), create)
    except BaseException:
        backend.close()
        raise
    return Warehouse(backend, url, version)
