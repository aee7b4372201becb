"""The steps of the job, each a plain function over the pure code and the warehouse.

`chitieu.flows` wraps these in Prefect tasks and flows and adds nothing else, so
every step runs and is tested without Prefect.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from chitieu.checks import CheckResult, run_checks
from chitieu.config import Config
from chitieu.intake import FileOutcome, outcomes, plan_intake, read_all
from chitieu.periods import Period
from chitieu.rollup import Rollup, roll_up
from chitieu.snapshot import draft_snapshot
from chitieu.sources import ReceivedFile, gather
from chitieu.warehouse import Warehouse
from chitieu.warehouse.archive import archive_file
from chitieu.warehouse.models import Published, SnapshotDraft

INTAKE_BATCH_FILES = 2000
"""Files per intake task: coarse enough that 10,000 communes are five task runs."""


def gather_files(inputs: Sequence[Path]) -> list[Path]:
    return gather(inputs)


def batches(paths: Sequence[Path], size: int = INTAKE_BATCH_FILES) -> list[list[Path]]:
    return [list(paths[i : i + size]) for i in range(0, len(paths), size)]


@dataclass(frozen=True)
class IntakeResult:
    outcomes: list[FileOutcome]
    submissions: pl.DataFrame
    issues: pl.DataFrame


def ingest_batch(
    paths: Sequence[Path],
    config: Config,
    warehouse: Warehouse,
    archive: Path,
    received_at: dt.datetime | None = None,
) -> IntakeResult:
    """Archive every file byte for byte, validate the batch, register it atomically."""
    received_at = received_at or dt.datetime.now(dt.UTC)
    files = [ReceivedFile.from_path(path) for path in paths]
    for received in files:
        archive_file(archive, received)
    known = warehouse.known_sha256([f.sha256 for f in files])
    batch = plan_intake(files, read_all(files), config, known, received_at)
    registered = warehouse.register_intake(batch)
    return IntakeResult(outcomes(files, registered, batch.issues), registered, batch.issues)


@dataclass(frozen=True)
class PreparedReview:
    rollup: Rollup
    checks: CheckResult
    draft: SnapshotDraft
    data_docs: Path | None = None
    """The quality gate's Data Docs page of this run, when it built one."""


def prepare_review(
    config: Config,
    warehouse: Warehouse,
    review_period: Period,
    root: str | None = None,
    flow_run_id: str | None = None,
) -> PreparedReview:
    """Roll up the accepted values and run the quality checks; nothing is written."""
    reports = warehouse.accepted_reports()
    rollup = roll_up(
        config,
        warehouse.accepted_values(),
        review_period,
        root,
        reports=reports.select("org_unit_code", "period"),
    )
    checks = run_checks(rollup, config)
    draft = draft_snapshot(rollup, config, reports, checks.passed, flow_run_id)
    return PreparedReview(rollup, checks, draft)


def publish_review(warehouse: Warehouse, prepared: PreparedReview) -> Published:
    """Publish the revision (nothing new when the inputs are unchanged)."""
    return warehouse.publish(prepared.draft)
