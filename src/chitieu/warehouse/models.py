"""What goes into and comes out of the warehouse, independent of the backend."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

SUBMISSION_STATUSES = ("accepted", "rejected", "superseded", "duplicate", "held")

INTAKE_SUBMISSIONS_SCHEMA: dict[str, pl.DataType] = {
    "batch_seq": pl.Int64(),  # arrival order within the batch; becomes submission_id order
    "sha256": pl.String(),
    "source_name": pl.String(),
    "format": pl.String(),
    "org_unit_code": pl.String(),  # null for a file that is not a submission at all
    "period": pl.String(),
    "submitted_at": pl.Datetime("us", "UTC"),
    "submitted_by": pl.String(),
    "received_at": pl.Datetime("us", "UTC"),
    "status": pl.String(),  # accepted | rejected | duplicate (supersession is the warehouse's)
    "n_values": pl.Int64(),
}
INTAKE_VALUES_SCHEMA: dict[str, pl.DataType] = {
    "batch_seq": pl.Int64(),
    "org_unit_code": pl.String(),
    "element_code": pl.String(),
    "period": pl.String(),
    "value": pl.Float64(),
    "note": pl.String(),
    "location": pl.String(),
}
INTAKE_ISSUES_SCHEMA: dict[str, pl.DataType] = {
    "batch_seq": pl.Int64(),
    "location": pl.String(),
    "element_code": pl.String(),
    "value": pl.String(),
    "check": pl.String(),
    "message_vi": pl.String(),
    "message_en": pl.String(),
    "severity": pl.String(),  # error (the report is rejected) | warning (accepted, flagged)
}
ISSUE_SEVERITIES = ("error", "warning")


@dataclass(frozen=True)
class IntakeBatch:
    """One intake run's receipts: one submissions row per (file × report), the accepted
    values and every validation issue, keyed by ``batch_seq``."""

    submissions: pl.DataFrame
    values: pl.DataFrame
    issues: pl.DataFrame


@dataclass(frozen=True)
class HistoryCheck:
    """Warnings a batch's values earn against the warehouse's history (outliers, SPEC §7),
    found inside the transaction that registers the batch: the history then includes
    earlier periods of the same batch, and the warnings are recorded with it or not at all.

    The warehouse stages ``units`` (``unit_idx, org_unit_code``), ``elements``
    (``element_idx, element_code``) and ``window`` (``target_idx, period, lag``), reads the
    accepted values they select (``unit_idx, target_idx, lag, element_idx, value``) and
    hands them to ``verdict``, which returns issues keyed by ``batch_seq``
    (``INTAKE_ISSUES_SCHEMA``)."""

    units: pl.DataFrame
    elements: pl.DataFrame
    window: pl.DataFrame
    verdict: Callable[[pl.DataFrame], pl.DataFrame]


HISTORY_ROWS_SCHEMA: dict[str, pl.DataType] = {
    "unit_idx": pl.Int32(),
    "target_idx": pl.Int32(),
    "lag": pl.Int32(),
    "element_idx": pl.Int32(),
    "value": pl.Float64(),
}


ROLLUP_INDICATORS_SCHEMA: dict[str, pl.DataType] = {
    "org_unit_code": pl.String(),
    "level": pl.String(),
    "indicator_code": pl.String(),
    "actual": pl.Float64(),
    "target": pl.Float64(),
    "percent": pl.Float64(),
    "class": pl.String(),
}
"""An indicator row as the roll-up gives it (and as revisions of content version 1 hold it)."""
LAST_YEAR_SCHEMA: dict[str, pl.DataType] = {
    "comparable": pl.Boolean(),
    "last_actual": pl.Float64(),
    "last_comparable": pl.Boolean(),
}
"""The same period last year (SPEC §3 rule 8, `chitieu.lastyear`): ``comparable`` (this
year's figure; False where it needed a succession share that does not exist),
``last_actual`` (null where last year has no figure) and ``last_comparable`` (null
without one). Null in all three in a revision of content version 1."""
SNAPSHOT_INDICATORS_SCHEMA: dict[str, pl.DataType] = {
    **ROLLUP_INDICATORS_SCHEMA,
    **LAST_YEAR_SCHEMA,
}
SNAPSHOT_ELEMENTS_SCHEMA: dict[str, pl.DataType] = {
    "org_unit_code": pl.String(),
    "element_code": pl.String(),
    "value": pl.Float64(),
}
SNAPSHOT_INPUTS_SCHEMA: dict[str, pl.DataType] = {
    "submission_id": pl.Int64(),
    "sha256": pl.String(),
    "org_unit_code": pl.String(),
    "period": pl.String(),
}


@dataclass(frozen=True)
class SnapshotDraft:
    """A review ready to publish: what `Warehouse.publish` turns into a revision."""

    review_period: str
    root_org_unit: str
    catalog_sha256: str
    inputs_sha256: str
    completeness: float | None
    checks_passed: bool
    flow_run_id: str | None
    indicators: pl.DataFrame  # SNAPSHOT_INDICATORS_SCHEMA
    elements: pl.DataFrame  # SNAPSHOT_ELEMENTS_SCHEMA
    inputs: pl.DataFrame  # SNAPSHOT_INPUTS_SCHEMA: this year's reports and last year's
    history_sha256: str | None = None
    """The SHA-256 of the history.csv whose figures entered last year's column, if any did."""


@dataclass(frozen=True)
class Published:
    """The outcome of a publication: a new revision, or the unchanged latest one."""

    snapshot_id: int
    revision: int
    content_sha256: str
    created: bool
    superseded_revision: int | None
    created_at: dt.datetime
    prev_content_sha256: str | None = None
    """A new revision's ``prev_content_sha256`` (the revision it follows; None for the
    first): what the heads log chains to. None when nothing new was published."""


# What the warehouse gives back (reads). Time stamps are UTC throughout.
SUBMISSIONS_SCHEMA: dict[str, pl.DataType] = {
    "submission_id": pl.Int64(),
    "sha256": pl.String(),
    "source_name": pl.String(),
    "format": pl.String(),
    "org_unit_code": pl.String(),
    "period": pl.String(),
    "submitted_at": pl.Datetime("us", "UTC"),
    "submitted_by": pl.String(),
    "received_at": pl.Datetime("us", "UTC"),
    "status": pl.String(),
    "n_values": pl.Int64(),
}
ACCEPTED_VALUES_SCHEMA: dict[str, pl.DataType] = {
    "submission_id": pl.Int64(),
    "org_unit_code": pl.String(),
    "element_code": pl.String(),
    "period": pl.String(),
    "value": pl.Float64(),
}
ACCEPTED_REPORTS_SCHEMA: dict[str, pl.DataType] = {
    "submission_id": pl.Int64(),
    "sha256": pl.String(),
    "source_name": pl.String(),
    "org_unit_code": pl.String(),
    "period": pl.String(),
    "submitted_at": pl.Datetime("us", "UTC"),
    "received_at": pl.Datetime("us", "UTC"),
}
ISSUES_SCHEMA: dict[str, pl.DataType] = {
    "submission_id": pl.Int64(),
    "location": pl.String(),
    "element_code": pl.String(),
    "value": pl.String(),
    "check": pl.String(),
    "message_vi": pl.String(),
    "message_en": pl.String(),
    "severity": pl.String(),
}
SNAPSHOT_STATUSES = ("published", "superseded")
SNAPSHOTS_SCHEMA: dict[str, pl.DataType] = {
    "snapshot_id": pl.Int64(),
    "review_period": pl.String(),
    "root_org_unit": pl.String(),
    "revision": pl.Int64(),
    "status": pl.String(),
    "created_at": pl.Datetime("us", "UTC"),
    "flow_run_id": pl.String(),
    "catalog_sha256": pl.String(),
    "inputs_sha256": pl.String(),
    "content_sha256": pl.String(),
    "prev_content_sha256": pl.String(),
    "completeness": pl.Float64(),
    "checks_passed": pl.Boolean(),
    "content_version": pl.Int64(),
    "history_sha256": pl.String(),
    "records_sha256": pl.String(),
}


# The submissions a revision used, as auditors may read them (views published_*).
INPUT_SUBMISSIONS_SCHEMA: dict[str, pl.DataType] = {
    "submission_id": pl.Int64(),
    "sha256": pl.String(),
    "source_name": pl.String(),
    "format": pl.String(),
    "org_unit_code": pl.String(),
    "period": pl.String(),
    "submitted_at": pl.Datetime("us", "UTC"),
    "submitted_by": pl.String(),
    "received_at": pl.Datetime("us", "UTC"),
    "status": pl.String(),
}
INPUT_FIGURES_SCHEMA: dict[str, pl.DataType] = {
    "org_unit_code": pl.String(),
    "element_code": pl.String(),
    "period": pl.String(),
    "value": pl.Float64(),
}
INPUT_VALUES_SCHEMA: dict[str, pl.DataType] = {
    "submission_id": pl.Int64(),
    "org_unit_code": pl.String(),
    "element_code": pl.String(),
    "period": pl.String(),
    "value": pl.Float64(),
    "note": pl.String(),
    "location": pl.String(),
}
INPUT_WARNINGS_SCHEMA: dict[str, pl.DataType] = {
    "submission_id": pl.Int64(),
    "org_unit_code": pl.String(),
    "period": pl.String(),
    "source_name": pl.String(),
    "location": pl.String(),
    "element_code": pl.String(),
    "value": pl.String(),
    "check": pl.String(),
    "message_vi": pl.String(),
    "message_en": pl.String(),
}
"""The warnings of the submissions a revision used (view published_warnings)."""
WARNING_COUNTS_SCHEMA: dict[str, pl.DataType] = {
    "submission_id": pl.Int64(),
    "warnings": pl.Int64(),
}
REJECTED_FILES_SCHEMA: dict[str, pl.DataType] = {
    "sha256": pl.String(),
    "org_unit_code": pl.String(),
    "period": pl.String(),
    "received_at": pl.Datetime("us", "UTC"),
    "problems": pl.Int64(),
    "location": pl.String(),
    "message_vi": pl.String(),
    "message_en": pl.String(),
}
"""A file received before and rejected: its report and first problem."""


# A review's sign-offs (SPEC §8): approvals and reopenings, in chain order (``seq``).
# ``note`` is an approval's note or a reopening's reason; ``content_sha256`` the
# approved revision's; ``sha256`` covers the row and ``prev_sha256``.
SIGNOFF_ACTIONS = ("approve", "reopen")
APPROVALS_SCHEMA: dict[str, pl.DataType] = {
    "approval_id": pl.Int64(),
    "review_period": pl.String(),
    "root_org_unit": pl.String(),
    "seq": pl.Int64(),
    "action": pl.String(),
    "revision": pl.Int64(),
    "content_sha256": pl.String(),
    "by_name": pl.String(),
    "title": pl.String(),
    "note": pl.String(),
    "at": pl.Datetime("us", "UTC"),
    "prev_sha256": pl.String(),
    "sha256": pl.String(),
}


@dataclass(frozen=True)
class SignOff:
    """One row of a review's sign-off chain (``APPROVALS_SCHEMA``): an approval of a
    published revision, or a reopening of the approved one."""

    approval_id: int
    review_period: str
    root_org_unit: str
    seq: int
    action: str
    revision: int
    content_sha256: str
    by_name: str
    title: str | None
    note: str | None
    at: dt.datetime
    prev_sha256: str | None
    sha256: str


@dataclass(frozen=True)
class SnapshotRead:
    """One stored revision: its header (``SNAPSHOTS_SCHEMA`` fields) and its rows."""

    header: dict[str, object]
    indicators: pl.DataFrame  # SNAPSHOT_INDICATORS_SCHEMA
    elements: pl.DataFrame  # SNAPSHOT_ELEMENTS_SCHEMA
    inputs: pl.DataFrame  # SNAPSHOT_INPUTS_SCHEMA

    @property
    def snapshot_id(self) -> int:
        return int(str(self.header["snapshot_id"]))


@dataclass(frozen=True)
class VerifyProblem:
    """One thing `Warehouse.verify` found wrong, with one revision when it is about one.

    ``check`` is one of ``content`` (rows no longer match content_sha256, or its
    content_version names no definition of it), ``inputs`` (inputs no longer match
    inputs_sha256), ``chain`` (prev_content_sha256 is not the previous revision's
    content_sha256), ``numbering`` (a gap or repeat in 1..n), ``status`` (not exactly
    the latest revision published), ``rollback`` (the heads log or an auditor's
    ``--head`` names a head the database no longer holds), ``header`` (created_at or
    flow_run_id, which content_sha256 does not cover, is not what the heads log recorded
    for the revision; a NOT NULL column holds a null), ``heads-log`` (the log itself was
    edited), ``submissions`` (a used submission's row changed since publication),
    ``archive`` (a received file missing from the archive, or its bytes replaced) and
    ``recomputed`` (the revision's figures differ from a roll-up of its inputs, or its
    header cannot be rolled up). A problem about no one revision (a line of the heads
    log, a file no revision used, a header without its review or revision) has an empty
    ``review_period`` and revision 0. For sign-offs (``revision``: the one a row names):
    ``approval`` (a row edited), ``approval-chain`` (a row missing, or out of its
    place), ``approval-content`` (a row naming content that is not its revision's) and
    ``approval-rules`` (a row the commands would have refused).
    """

    review_period: str
    root_org_unit: str
    revision: int
    check: str
    message: str

    def __str__(self) -> str:
        if not self.review_period:
            return f"{self.check}: {self.message}"
        return (
            f"{self.review_period} {self.root_org_unit} revision {self.revision}: "
            f"{self.check}: {self.message}"
        )


@dataclass(frozen=True)
class VerifyNote:
    """Something `verify` could not check, and why: it limits what finding no problem
    proves (no heads log here, no archive on this machine, another configuration)."""

    subject: str
    message: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.message}"


@dataclass
class Verification:
    """What `verify` found (``problems``), could not check (``notes``) and did check
    (``checked``: one line each, for people), over ``revisions`` revisions."""

    revisions: int = 0
    problems: list[VerifyProblem] = field(default_factory=list)
    notes: list[VerifyNote] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    def add(self, other: Verification) -> None:
        """Take in another check's findings (its ``revisions`` count is not added)."""
        self.problems += other.problems
        self.notes += other.notes
        self.checked += other.checked

    @property
    def intact(self) -> bool:
        """Nothing wrong and nothing left unchecked."""
        return not self.problems and not self.notes
