"""The steps of the job, each a plain function over the pure code and the warehouse.

`chitieu.flows` wraps these in Prefect tasks and flows and adds nothing else, so
every step runs and is tested without Prefect.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import multiprocessing
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from chitieu import settings
from chitieu.config import Config, load_config
from chitieu.excel.feedback import feedback_folder, write_feedback
from chitieu.intake import FileOutcome, outcomes, plan_intake, read_all
from chitieu.periods import Period
from chitieu.quality import CheckResult, GateFolders, QualityGateFailed, run_gate, write_result
from chitieu.report.load import load_reports
from chitieu.report.output import write_report
from chitieu.rollup import Rollup, roll_up
from chitieu.snapshot import draft_snapshot
from chitieu.sources import FileRef, ReceivedFile, gather
from chitieu.warehouse import Warehouse
from chitieu.warehouse.archive import archive_files
from chitieu.warehouse.models import IntakeBatch, Published, SnapshotDraft

INTAKE_BATCH_FILES = 2000
"""Files per intake task: coarse enough that 10,000 communes are five task runs."""


def gather_files(inputs: Sequence[Path]) -> list[Path]:
    return gather(inputs)


def batches(paths: Sequence[Path], size: int = INTAKE_BATCH_FILES) -> list[list[Path]]:
    """The paths in order, cut into batches of at most ``size`` files, as even as can be
    (10,774 files in six batches of 1,795 or 1,796): batches planned side by side finish
    together."""
    if not paths:
        return []
    count = -(-len(paths) // max(1, size))
    cuts = [len(paths) * i // count for i in range(count + 1)]
    return [list(paths[a:b]) for a, b in itertools.pairwise(cuts)]


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
    files = [ReceivedFile.from_path(path) for path in paths]
    known = warehouse.known_sha256([f.sha256 for f in files])
    return register_batch(warehouse, plan_batch(files, config, archive, known, received_at))


@dataclass(frozen=True)
class PlannedBatch:
    """A batch archived and validated, not yet registered: what a worker hands back
    (the files' bytes stay in the archive)."""

    files: list[FileRef]
    batch: IntakeBatch


def plan_batch(
    files: Sequence[ReceivedFile],
    config: Config,
    archive: Path,
    known: set[str],
    received_at: dt.datetime | None = None,
) -> PlannedBatch:
    """Archive and validate a batch without touching the warehouse, so batches can be
    planned in parallel (``known``: the SHA-256 of files received before this batch)."""
    received_at = received_at or dt.datetime.now(dt.UTC)
    # the files are written to the archive while they are read and validated
    with archive_files(archive, files):
        batch = plan_intake(files, read_all(files), config, known, received_at)
    # a rejected workbook gets an annotated copy the commune can correct (beside the archive)
    write_feedback(feedback_folder(archive), files, batch)
    return PlannedBatch([received.ref for received in files], batch)


@dataclass(frozen=True)
class BatchJob:
    """One batch to plan, as plain values a worker process or a Dask worker receives:
    the files at ``paths`` (relative ones to ``workdir``; they keep the names they were
    given, which receipts and the warehouse show), the configuration, the archive, the
    hashes received before the batch (``known``) and when it was received."""

    paths: list[str]
    workdir: str
    config_dir: str
    archive: str
    known: set[str]
    received_at: dt.datetime

    def plan(self) -> PlannedBatch:
        """`plan_batch` of the job's files, here."""
        files = [
            ReceivedFile.from_bytes(p, (Path(self.workdir) / p).read_bytes()) for p in self.paths
        ]
        config = load_config(self.config_dir)
        return plan_batch(files, config, Path(self.archive), self.known, self.received_at)


def _plan(job: BatchJob) -> PlannedBatch:
    return job.plan()


class IntakeWorkers:
    """Where intake batches are planned: in this process, or in worker processes, one
    per core, when an intake has several batches (`chitieu.settings.intake_processes`).

    Reading a file is Python holding the interpreter's lock, so threads take turns;
    processes read side by side. Each worker is started (a fresh interpreter, about a
    second of imports) when the pool opens, while this process lists and fingerprints
    the files, and loads the configuration once. Registration stays here, in order.
    """

    def __init__(self, processes: int, config_dir: str) -> None:
        self.processes = processes if processes > 1 else 0
        self._pool: ProcessPoolExecutor | None = None
        if self.processes:
            context = multiprocessing.get_context("spawn")  # never fork polars' threads
            self._pool = ProcessPoolExecutor(self.processes, mp_context=context)
            for _ in range(self.processes):
                self._pool.submit(load_config, config_dir)  # start and warm each worker

    def plan(self, job: BatchJob) -> Future[PlannedBatch]:
        """The job planned by a worker, or here (done before this returns)."""
        if self._pool is not None:
            return self._pool.submit(_plan, job)
        done: Future[PlannedBatch] = Future()
        try:
            done.set_result(job.plan())
        except BaseException as error:
            done.set_exception(error)
        return done

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> IntakeWorkers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_CURRENT_WORKERS: ContextVar[IntakeWorkers | None] = ContextVar(
    "chitieu_intake_workers", default=None
)


@contextmanager
def intake_workers(batch_count: int, config_dir: str) -> Iterator[IntakeWorkers]:
    """Worker processes for an intake of ``batch_count`` batches: none for one batch (a
    district's month), else one per core up to the number of batches. While open, they
    are the ones `plan_with_workers` uses (in this context: a flow's tasks run in a copy
    of it)."""
    wanted = settings.intake_processes()
    with IntakeWorkers(min(wanted, batch_count), config_dir) as workers:
        token = _CURRENT_WORKERS.set(workers)
        try:
            yield workers
        finally:
            _CURRENT_WORKERS.reset(token)


def plan_with_workers(job: BatchJob) -> PlannedBatch:
    """The job planned by the open `intake_workers`, or here when none is open (a Dask
    worker)."""
    workers = _CURRENT_WORKERS.get()
    return job.plan() if workers is None else workers.plan(job).result()


def register_batch(warehouse: Warehouse, planned: PlannedBatch) -> IntakeResult:
    """Record a planned batch in one transaction. DuckDB admits one writer: batches are
    registered one at a time, in arrival order."""
    registered = warehouse.register_intake(planned.batch)
    issues = planned.batch.issues
    return IntakeResult(outcomes(planned.files, registered, issues), registered, issues)


def known_before(batch_hashes: Sequence[Sequence[str]], received: set[str]) -> list[set[str]]:
    """For each batch, the hashes it must treat as already received: those in the
    warehouse and those of every earlier batch (the same bytes twice in one intake are a
    duplicate the second time, whichever batch they fall in)."""
    seen = set(received)
    known = []
    for hashes in batch_hashes:
        known.append(seen & set(hashes))
        seen |= set(hashes)
    return known


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
    keep_results: bool = True,
) -> PreparedReview:
    """Roll up the accepted values and run the quality gate; nothing is published.

    With ``keep_results`` the gate keeps its run in the GX project beside the warehouse
    and builds the run's Data Docs page; without (a dry run), nothing is written at all.
    """
    reports = warehouse.accepted_reports()
    rollup = roll_up(
        config,
        warehouse.accepted_values(),
        review_period,
        root,
        reports=reports.select("org_unit_code", "period"),
    )
    folders = GateFolders.beside(warehouse.url) if keep_results else None
    checks = run_gate(rollup, config, folders)
    draft = draft_snapshot(rollup, config, reports, checks.passed, flow_run_id)
    return PreparedReview(rollup, checks, draft, checks.data_docs)


def publish_review(warehouse: Warehouse, prepared: PreparedReview) -> Published:
    """Publish the revision (nothing new when the inputs are unchanged) and keep the
    gate's result beside it. Raises `QualityGateFailed` when a critical check failed."""
    if not prepared.checks.passed:
        raise QualityGateFailed(prepared.checks)
    published = warehouse.publish(prepared.draft)
    draft = prepared.draft
    write_result(
        GateFolders.beside(warehouse.url),
        draft.review_period,
        draft.root_org_unit,
        published.revision,
        prepared.checks,
        replace=published.created,
    )
    return published


def next_revision(warehouse: Warehouse, draft: SnapshotDraft) -> tuple[int, bool]:
    """The revision publishing ``draft`` would give and whether it would be new: the
    rule of `Warehouse.publish` (same inputs and configuration: nothing new)."""
    revisions = warehouse.list_snapshots(draft.review_period, draft.root_org_unit)
    if revisions.is_empty():
        return 1, True
    latest = revisions.sort("revision").row(-1, named=True)
    unchanged = (latest["inputs_sha256"], latest["catalog_sha256"]) == (
        draft.inputs_sha256,
        draft.catalog_sha256,
    )
    return (latest["revision"], False) if unchanged else (latest["revision"] + 1, True)


def fingerprints(paths: Sequence[Path]) -> list[str]:
    """The SHA-256 of each file, read in chunks: what intake compares with the warehouse
    before handing batches out."""
    digests = []
    for path in paths:
        with path.open("rb") as f:
            digests.append(hashlib.file_digest(f, "sha256").hexdigest())
    return digests


REPORT_LANGS = ("vi", "en")


def write_reports(
    config: Config, warehouse: Warehouse, review_period: str, root: str, folder: Path
) -> list[Path]:
    """The published revision's report: Markdown in Vietnamese and English, and JSON,
    as ``<period>-<root>-<lang>.md`` and ``<period>-<root>.json`` in ``folder``."""
    models = load_reports(config, warehouse, review_period, root, langs=REPORT_LANGS)
    stem = folder / f"{review_period}-{root}"
    written = [write_report(models[lang], "md", Path(f"{stem}-{lang}.md")) for lang in REPORT_LANGS]
    return [*written, write_report(models[REPORT_LANGS[0]], "json", Path(f"{stem}.json"))]


def write_document(
    config: Config, warehouse: Warehouse, review_period: str, root: str, path: Path
) -> Path:
    """The published revision's review document (SPEC §6) as a Word file, from the
    configuration's ``report_template.docx`` when it has one."""
    model = load_reports(config, warehouse, review_period, root)["vi"]
    return write_report(model, "docx", path, config.folder)
