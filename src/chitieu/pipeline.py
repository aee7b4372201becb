"""The steps of the job, each a plain function over the pure code and the warehouse.

`chitieu.flows` wraps these in Prefect tasks and flows and adds nothing else, so
every step runs and is tested without Prefect.
"""

from __future__ import annotations

import datetime as dt
import itertools
import multiprocessing
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final, TypeVar

import polars as pl

from chitieu import settings, signoff
from chitieu.config import Config, load_config
from chitieu.datachecks.outliers import history_check
from chitieu.errors import ReviewOutsideResolution
from chitieu.excel.feedback import feedback_folder, write_feedback, write_warning_feedback
from chitieu.intake import STILL_REJECTED_SCHEMA, FileOutcome, outcomes, plan_intake, read_all
from chitieu.periods import Period
from chitieu.prepared import CheckedAhead, PreparedReview
from chitieu.quality import CheckResult, GateFolders, QualityGateFailed, run_gate, write_result
from chitieu.quality import worker as gate_worker
from chitieu.report.load import load_reports
from chitieu.report.output import write_report
from chitieu.rollup import roll_up
from chitieu.rollup.codes import periods_within
from chitieu.rollup.last_year import last_year, previous_period
from chitieu.snapshot import draft_snapshot
from chitieu.sources import FileRead, FileRef, ReceivedFile, gather, read_submission
from chitieu.sources.inbox import Refused, gather_inbox, receive, received_name
from chitieu.warehouse import Warehouse
from chitieu.warehouse.archive import archive_files
from chitieu.warehouse.models import (
    ACCEPTED_VALUES_SCHEMA,
    IntakeBatch,
    Published,
    SnapshotDraft,
)

P = TypeVar("P", Path, str)

INTAKE_BATCH_FILES = 2000
"""Files per intake task: coarse enough that 10,000 communes are five task runs."""
MAX_BATCH_ROWS: Final = 500_000
MAX_BATCH_BYTES: Final = 64_000_000
"""What one planning step holds at most (and one file more): a national batch is some
345,000 rows in 30 MB. Files past it are planned next, before the batch after, so
memory stays bounded whatever the files hold, and arrival order is kept."""


def gather_files(inputs: Sequence[Path]) -> list[Path]:
    return gather(inputs)


def refused_outcome(refused: Refused) -> FileOutcome:
    """The receipt of a file that is not read: no hash, nothing archived or stored."""
    return FileOutcome(refused.source_name, "", "not read", [], refused.message, 1)


def fingerprint_inbox(
    inputs: Sequence[Path], own: Collection[Path] = ()
) -> tuple[list[tuple[str, str]], list[FileOutcome]]:
    """Every file to read under ``inputs`` with its SHA-256, and the receipts of those
    refused (`chitieu.sources.inbox`; ``own``: chitieu's own files and folders,
    `settings.kept_by_chitieu`): what intake compares with the warehouse before handing
    batches out. Each file is read once here, within the limits."""
    gathered = gather_inbox(inputs, own)
    found, refused = [], [refused_outcome(r) for r in gathered.refused]
    for path in gathered.paths:
        received = receive(path)
        if isinstance(received, Refused):
            refused.append(refused_outcome(received))
        else:
            found.append((str(path), received.sha256))
    return found, refused


def batches(paths: Sequence[P], size: int = INTAKE_BATCH_FILES) -> list[list[P]]:
    """The paths (as `Path`, or as the text the flow passes on) in order, cut into
    batches of at most ``size`` files, as even as can be (10,774 files in six batches of
    1,795 or 1,796): batches planned side by side finish together."""
    if not paths:
        return []
    count = -(-len(paths) // max(1, size))
    cuts = [len(paths) * i // count for i in range(count + 1)]
    return [list(paths[a:b]) for a, b in itertools.pairwise(cuts)]


def expected_batches(
    inputs: Sequence[Path], size: int = INTAKE_BATCH_FILES, own: Collection[Path] = ()
) -> int:
    """How many batches the files under ``inputs`` make, listed but not read (0 when
    they cannot be listed now): enough to start an intake's workers while the files are
    fingerprinted, the second or so a worker takes to start."""
    try:
        return len(batches(gather_inbox(inputs, own).paths, size))
    except OSError:  # listed again, and retried, where the files are gathered
        return 0


@dataclass(frozen=True)
class IntakeResult:
    outcomes: list[FileOutcome]
    submissions: pl.DataFrame
    issues: pl.DataFrame
    """Every issue of the batch by ``batch_seq``: errors, and warnings (rules, outliers)."""
    still_rejected: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=STILL_REJECTED_SCHEMA)
    )
    """Files sent again, byte for byte, after a rejection (`STILL_REJECTED_SCHEMA`)."""

    @classmethod
    def joined(cls, results: Sequence[IntakeResult]) -> IntakeResult:
        """Batches registered one after the other as one result (``batch_seq``
        numbered on from batch to batch)."""
        if len(results) == 1:
            return results[0]
        submissions, issues, still, offset = [], [], [], 0
        for result in results:
            shift = pl.col("batch_seq") + offset
            submissions.append(result.submissions.with_columns(shift))
            issues.append(result.issues.with_columns(shift))
            still.append(result.still_rejected.with_columns(shift))
            offset += result.submissions.height
        return cls(
            [outcome for result in results for outcome in result.outcomes],
            pl.concat(submissions),
            pl.concat(issues),
            pl.concat(still),
        )


def ingest_batch(
    paths: Sequence[Path],
    config: Config,
    warehouse: Warehouse,
    archive: Path,
    received_at: dt.datetime | None = None,
) -> IntakeResult:
    """Archive every file byte for byte, validate the batch, register it atomically
    (in several transactions, in order, when it holds more than `MAX_BATCH_ROWS`)."""
    received_at = received_at or dt.datetime.now(dt.UTC)
    names = [str(path) for path in paths]
    results = []
    while names:
        planned, taken = plan_paths(
            names, Path("."), config, archive, warehouse.known_sha256, received_at
        )
        results.append(register_batch(warehouse, planned, config))
        names = names[taken:]
    return IntakeResult.joined(results)


@dataclass(frozen=True)
class PlannedBatch:
    """A batch archived and validated, not yet registered: what a worker hands back
    (the files' bytes stay in the archive). ``refused``: the receipts of its files
    that are not read; ``rest``: the files left for the next planning step when the
    batch reached `MAX_BATCH_ROWS` or `MAX_BATCH_BYTES`."""

    files: list[FileRef]
    batch: IntakeBatch
    refused: list[FileOutcome] = field(default_factory=list)
    rest: BatchJob | None = None
    archive: Path | None = None
    """Where the files' bytes are (annotated copies of accepted workbooks with warnings)."""


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
    with archive_files(archive, files) as writes:
        writes.all_added()  # made durable while the batch is validated
        batch = plan_intake(files, read_all(files), config, known, received_at)
    # a rejected workbook gets an annotated copy the commune can correct (beside the archive)
    write_feedback(feedback_folder(archive), files, batch)
    return PlannedBatch([received.ref for received in files], batch, archive=archive)


def plan_paths(
    paths: Sequence[str],
    workdir: Path,
    config: Config,
    archive: Path,
    known: Callable[[list[str]], set[str]],
    received_at: dt.datetime,
) -> tuple[PlannedBatch, int]:
    """`plan_batch` of the files at ``paths`` (relative ones to ``workdir``; each
    received under its name as given), read in order until the batch holds
    `MAX_BATCH_ROWS` rows or `MAX_BATCH_BYTES`; and how many paths it took. ``known``
    gives, for the hashes read, those received before."""
    files: list[ReceivedFile] = []
    reads: list[FileRead] = []
    refused: list[FileOutcome] = []
    rows = size = taken = 0
    with archive_files(archive, []) as writes:  # written while the files are read
        for name in paths:
            if rows > MAX_BATCH_ROWS or size > MAX_BATCH_BYTES:
                break
            taken += 1
            received = receive(workdir / name, received_name(name))
            if isinstance(received, Refused):
                refused.append(refused_outcome(received))
                continue
            writes.add(received)
            files.append(received)
            reads.append(read_submission(received))
            rows += reads[-1].rows.height
            size += len(received.content)
        writes.all_added()  # the last files made durable while the batch is validated
        batch = plan_intake(files, reads, config, known([f.sha256 for f in files]), received_at)
    write_feedback(feedback_folder(archive), files, batch)
    return PlannedBatch(
        [received.ref for received in files], batch, refused, archive=archive
    ), taken


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
        """`plan_paths` of the job's files, here; the files past the batch's budget
        come back as its ``rest``, a job for the same worker."""
        planned, taken = plan_paths(
            self.paths,
            Path(self.workdir),
            load_config(self.config_dir),
            Path(self.archive),
            lambda _: self.known,
            self.received_at,
        )
        if taken == len(self.paths):
            return planned
        seen = self.known | {f.sha256 for f in planned.files}  # read before the rest
        rest = replace(self, paths=self.paths[taken:], known=seen)
        return replace(planned, rest=rest)


def _plan(job: BatchJob) -> PlannedBatch:
    return job.plan()


def _warm(config_dir: str) -> None:
    """A worker made ready to plan while this process fingerprints the files: the
    configuration loaded, the workbook reader and the validation's schemas (pandera,
    half a second) imported."""
    import chitieu.schemas.model
    import chitieu.sources._plain_xlsx  # noqa: F401

    load_config(config_dir)


class IntakeWorkers:
    """Where intake batches are planned: in this process, or in worker processes, one
    per core, when an intake has several batches (`chitieu.settings.intake_processes`).

    Reading a file is Python holding the interpreter's lock, so threads take turns;
    processes read side by side. Each worker is started (a fresh interpreter, about a
    second of imports) when the pool opens, while this process lists and fingerprints
    the files, and loads the configuration once. Registration stays here, in order.
    """

    def __init__(self, processes: int, config_dir: str, most: int | None = None) -> None:
        self.processes = 0
        self._most = processes if most is None else most
        self._config_dir = config_dir
        self._pool: ProcessPoolExecutor | None = None
        self._closing: threading.Thread | None = None
        self._queued: list[tuple[BatchJob, Future[PlannedBatch]]] = []
        self._lock = threading.Lock()
        self.at_least(processes)

    def at_least(self, processes: int) -> None:
        """Start the workers for ``processes`` (up to the most this intake may have),
        unless they are started: an intake that knows its size only once its files are
        fingerprinted starts them then, one that could tell before has them ready."""
        processes = min(processes, self._most)
        if self._pool is not None or processes <= 1:
            return
        self.processes = processes
        context = multiprocessing.get_context("spawn")  # never fork polars' threads
        self._pool = ProcessPoolExecutor(processes, mp_context=context)
        for _ in range(processes):
            self._pool.submit(_warm, self._config_dir)  # start and warm each worker

    def queue(self, jobs: Sequence[BatchJob]) -> list[Future[PlannedBatch]]:
        """Hand the workers these jobs now, in this order, for `plan` to take (none
        without workers): a flow's tasks, started side by side by its threads, would reach
        the workers in any order, and registration, which goes in batch order, would wait
        for a batch handed over last while later ones lie planned."""
        if self._pool is None:
            return []
        with self._lock:
            queued = [(job, self._pool.submit(_plan, job)) for job in jobs]
            self._queued += queued
        return [future for _, future in queued]

    def plan(self, job: BatchJob) -> Future[PlannedBatch]:
        """The job planned by a worker (the one `queue` handed over, taken once: a retry
        plans it again), or here (done before this returns)."""
        with self._lock:
            for i, (queued, future) in enumerate(self._queued):
                if queued == job:
                    del self._queued[i]
                    return future
        if self._pool is not None:
            return self._pool.submit(_plan, job)
        done: Future[PlannedBatch] = Future()
        try:
            done.set_result(job.plan())
        except BaseException as error:
            done.set_exception(error)
        return done

    def close(self, wait: bool = True) -> None:
        """Let the workers go; ``wait=False``: they end (a second or so of tearing down
        interpreters) while this process does what is left of the intake, and a later
        `close` waits for them."""
        self._queued = []
        if self._pool is not None:
            pool, self._pool = self._pool, None
            self._closing = threading.Thread(
                target=pool.shutdown,
                kwargs={"wait": True, "cancel_futures": True},
                name="chitieu-intake-workers-closing",
            )
            self._closing.start()
        if wait and self._closing is not None:
            self._closing.join()
            self._closing = None

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
    district's month), else one per core up to the number of batches; ``batch_count``
    may be a first guess (`expected_batches`), and `IntakeWorkers.at_least` the number
    known later. While open, they are the ones `plan_with_workers` uses (in this
    context: a flow's tasks run in a copy of it)."""
    wanted = settings.intake_processes()
    with IntakeWorkers(batch_count, config_dir, most=wanted) as workers:
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


def register_batch(warehouse: Warehouse, planned: PlannedBatch, config: Config) -> IntakeResult:
    """Record a planned batch in one transaction, with the warnings its values earn
    against their units' history (read there, once for the batch: SPEC §7). DuckDB
    admits one writer: batches are registered one at a time, in arrival order.

    A report for a period of an approved review, from a unit of its subtree (by
    ``config``'s hierarchy), is recorded ``held`` (SPEC §8). A file sent again after it
    was rejected comes back ``still rejected``, with the reason; an accepted workbook
    with warnings gets an annotated copy (yellow cells)."""
    registered, warnings = warehouse.register_intake_checked(
        planned.batch, history_check(planned.batch.values, config), signoff.hold_rule(config)
    )
    issues = pl.concat([planned.batch.issues, warnings.select(planned.batch.issues.columns)]).sort(
        "batch_seq", maintain_order=True
    )
    duplicates = registered.filter(pl.col("status") == "duplicate")
    still = (
        duplicates.select("batch_seq", "sha256", "source_name")
        .join(warehouse.rejected_files(duplicates["sha256"].unique().to_list()), on="sha256")
        .select(list(STILL_REJECTED_SCHEMA))
    )
    if planned.archive is not None:
        write_warning_feedback(planned.archive, registered, issues)
    received = outcomes(planned.files, registered, issues, still)
    return IntakeResult(received + planned.refused, registered, issues, still)


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


ReviewInputs = tuple[pl.DataFrame, pl.DataFrame]
"""The reports (``ACCEPTED_REPORTS_SCHEMA``) and their values (``ACCEPTED_VALUES_SCHEMA``)
a review rolls up."""


def refuse_outside_resolution(config: Config, review_period: Period) -> None:
    """Raise `ReviewOutsideResolution` for a period neither of the resolution's year nor
    of a year targets.csv sets targets for (a catalog kept for the next year carries that
    year's targets): every indicator of its revision would be "no target", a revision of
    nothing, published and never taken back. A dry run may look at any period."""
    resolution = config.catalog.resolution
    year = review_period.year
    if year == resolution.year or (config.targets.get_column("year") == year).any():
        return
    raise ReviewOutsideResolution(
        f"kỳ {review_period.code} không thuộc năm {resolution.year} của nghị quyết "
        f"{resolution.code} (catalog.yaml, resolution.year) và targets.csv không giao chỉ "
        f"tiêu nào cho năm {year}: không công bố; xem trước bằng --dry-run / the period "
        f"{review_period.code} is not in {resolution.year}, the year of resolution "
        f"{resolution.code} (catalog.yaml, resolution.year), and targets.csv sets no "
        f"target for {year}: nothing is published; look at it with --dry-run"
    )


def prepare_review(
    config: Config,
    warehouse: Warehouse,
    review_period: Period,
    root: str | None = None,
    flow_run_id: str | None = None,
    keep_results: bool = True,
    inputs: ReviewInputs | None = None,
    as_of: dt.date | None = None,
    *,
    publish: bool = False,
) -> PreparedReview:
    """Roll up the accepted values and run the quality gate; with ``publish``, publish
    the revision too (`publish_review`'s rule), written while the gate runs and
    committed only when every critical check passed. The same period last year
    (`chitieu.rollup.last_year`) is rolled up too, and history.csv. The warehouse's
    values are read for the periods each roll-up can use, the review's and last year's
    apart (`rollup.codes.periods_within`): a six-month review reads half a year's
    values instead of every one.

    The gate (its frame, then the suite: in the warm worker process, else here) runs in
    a thread beside last year's roll-up, the draft and its publication: a national
    review's gate takes seconds that the rest fills. The draft is hashed and written as
    passed (a revision is only ever committed so); if a critical check fails, the
    transaction is rolled back, nothing is written, ``published`` is None and the draft
    says ``checks_passed`` False.

    With ``keep_results`` (a review, not a dry run) an approved review is refused
    (`ReviewLocked`), held reports that no approval holds any more are taken in (SPEC §8),
    and the gate keeps its run in the GX project beside the warehouse and builds the run's
    Data Docs page; without (a dry run), nothing is written at all. ``inputs``: what to
    roll up instead of the accepted reports (a dry run of a locked review). ``as_of``:
    the day whose hierarchy the period is rolled up on (a restatement, never published).
    """
    if publish and (not keep_results or inputs is not None or as_of is not None):
        raise ValueError("only a review of the accepted reports, keeping its results, publishes")
    if keep_results:
        refuse_outside_resolution(config, review_period)
    gate_worker.warm()  # GX imports in its own process while this one reads and rolls up
    if keep_results:
        warehouse.refuse_if_approved(review_period.code, root or config.catalog.resolution.org_unit)
        warehouse.release_held(signoff.hold_rule(config))
    last: pl.DataFrame | None = None
    if inputs is not None:
        reports, values = inputs
    else:
        reports = warehouse.accepted_reports()
        values, last = (
            warehouse.accepted_values([p.code for p in periods_within(review)])
            for review in (review_period, previous_period(review_period))
        )
    return check_review(
        config,
        reports,
        values,
        review_period,
        root,
        as_of=as_of,
        folders=GateFolders.beside(warehouse.url) if keep_results else None,
        flow_run_id=flow_run_id,
        publish_to=warehouse if publish else None,
        last_year_values=last,
    )


def check_review(
    config: Config,
    reports: pl.DataFrame,
    values: pl.DataFrame,
    review_period: Period,
    root: str | None = None,
    *,
    as_of: dt.date | None = None,
    folders: GateFolders | None = None,
    flow_run_id: str | None = None,
    publish_to: Warehouse | None = None,
    last_year_values: pl.DataFrame | None = None,
) -> PreparedReview:
    """`prepare_review` once the warehouse is read: ``values`` (of ``reports``) rolled
    up, the gate run in a thread beside last year's roll-up and the draft, and with
    ``publish_to`` the draft published there, committed only if the gate passed.
    ``folders``: where the gate keeps its run and Data Docs (none: a dry run).
    ``last_year_values``: last year's values, read apart (by default, those among
    ``values``)."""
    rollup = roll_up(
        config,
        values,
        review_period,
        root,
        reports=reports.select("org_unit_code", "period"),
        as_of=as_of,
    )
    published = None
    with ThreadPoolExecutor(1, thread_name_prefix="chitieu-gate") as beside:
        gate = beside.submit(run_gate, rollup, config, folders)
        last = last_year(
            config,
            values if last_year_values is None else last_year_values,
            review_period,
            rollup.root,
            rollup.as_of,
        )
        del values, last_year_values
        draft = draft_snapshot(rollup, config, reports, True, flow_run_id, last)
        if publish_to is not None:
            published = _published_if_passed(publish_to, draft, gate)
    checks = gate.result()
    prepared = PreparedReview(
        rollup, checks, replace(draft, checks_passed=checks.passed), checks.data_docs, published
    )
    if publish_to is not None and published is not None:
        _keep_gate_result(publish_to, prepared, published)
    return prepared


def publish_checked(
    config: Config, warehouse: Warehouse, checked: CheckedAhead, flow_run_id: str | None
) -> PreparedReview | None:
    """A review checked ahead, published as `prepare_review` with ``publish`` would
    have published it now: the same draft (its content hash never held the run), only
    if the gate passed, refused if the review is approved (`ReviewLocked`). None when it
    is not what the review would roll up now (the configuration or the accepted reports
    changed since, or held reports were released): then the review must be prepared
    again, from the warehouse as it is."""
    draft = checked.prepared.draft
    if (config.catalog_sha256, config.history_sha256) != (
        draft.catalog_sha256,
        checked.history_sha256,
    ):
        return None
    warehouse.refuse_if_approved(draft.review_period, draft.root_org_unit)
    if warehouse.release_held(signoff.hold_rule(config)):
        return None
    if not warehouse.accepted_reports().equals(checked.reports):
        return None
    prepared = checked.for_run(flow_run_id)
    if not prepared.checks.passed:
        return prepared
    return replace(prepared, published=publish_review(warehouse, prepared))


def _published_if_passed(
    warehouse: Warehouse, draft: SnapshotDraft, gate: Future[CheckResult]
) -> Published | None:
    """``draft`` published, its transaction committed only once ``gate`` has passed;
    None when a critical check failed (the transaction rolled back)."""

    def passed() -> None:
        checks = gate.result()
        if not checks.passed:
            raise QualityGateFailed(checks)

    try:
        published = warehouse.publish(draft, confirm=passed)
    except QualityGateFailed:
        return None
    # nothing new: the revision standing was checked when it was published; this run's
    # verdict still decides what the run says
    return published if gate.result().passed else None


def _keep_gate_result(warehouse: Warehouse, prepared: PreparedReview, published: Published) -> None:
    """The gate's result kept beside the revision it passed (SPEC §7)."""
    draft = prepared.draft
    write_result(
        GateFolders.beside(warehouse.url),
        draft.review_period,
        draft.root_org_unit,
        published.revision,
        prepared.checks,
        replace=published.created,
    )


def held_for(config: Config, warehouse: Warehouse, approval: dict[str, Any]) -> pl.DataFrame:
    """The held reports (``ACCEPTED_REPORTS_SCHEMA``) that this standing approval holds."""
    held = warehouse.held_reports()
    locks = pl.DataFrame([approval]).select("review_period", "root_org_unit")
    ids = signoff.holding(config, held, locks)["submission_id"].implode()
    return held.filter(pl.col("submission_id").is_in(ids))


def review_inputs(
    config: Config, warehouse: Warehouse, review_period: Period, root: str
) -> tuple[ReviewInputs, pl.DataFrame]:
    """What a review of (``review_period``, ``root``) rolls up, reopened if it is approved:
    the accepted reports and values with the held ones that no other approval holds
    taken in, in their original order (`chitieu.signoff.taken_in`); and those held
    reports (``ACCEPTED_REPORTS_SCHEMA``). Reads only: what a dry run shows."""
    accepted = (warehouse.accepted_reports(), warehouse.accepted_values())
    held = warehouse.held_reports()
    if held.is_empty():
        return accepted, held
    taken = signoff.held_by_others(
        config, held, warehouse.approved_reviews(), review_period.code, root
    )
    values = warehouse.report_values(taken["submission_id"].to_list())
    inputs = signoff.taken_in(*accepted, taken, values.select(list(ACCEPTED_VALUES_SCHEMA)))
    return inputs, taken


def publish_review(warehouse: Warehouse, prepared: PreparedReview) -> Published:
    """Publish the revision (nothing new when the inputs are unchanged) and keep the
    gate's result beside it. Raises `QualityGateFailed` when a critical check failed."""
    if not prepared.checks.passed:
        raise QualityGateFailed(prepared.checks)
    published = warehouse.publish(prepared.draft)
    _keep_gate_result(warehouse, prepared, published)
    return published


def next_revision(warehouse: Warehouse, draft: SnapshotDraft) -> tuple[int, bool]:
    """The revision publishing ``draft`` would give and whether it would be new: the
    rule of `Warehouse.publish` (same inputs and configuration: nothing new)."""
    revisions = warehouse.list_snapshots(draft.review_period, draft.root_org_unit)
    if revisions.is_empty():
        return 1, True
    latest = revisions.sort("revision").row(-1, named=True)
    unchanged = (latest["inputs_sha256"], latest["catalog_sha256"], latest["history_sha256"]) == (
        draft.inputs_sha256,
        draft.catalog_sha256,
        draft.history_sha256,
    )
    return (latest["revision"], False) if unchanged else (latest["revision"] + 1, True)


def fingerprints(paths: Sequence[Path]) -> list[str]:
    """The SHA-256 of each regular file (`fingerprint_inbox` for an inbox that may hold
    anything: this raises `FileRefused` for a file not read)."""
    return [ReceivedFile.from_path(path).sha256 for path in paths]


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
