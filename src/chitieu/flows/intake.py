"""The intake flow: gather → validate batches (in parallel) → register them (in order).

A task is a batch of files (`pipeline.INTAKE_BATCH_FILES`), never a file or a commune.
Validation touches no database, so batches are planned side by side: in worker processes
of this machine, one per core (`pipeline.IntakeWorkers`), or on a Dask cluster;
registration runs in the flow's own process, one batch at a time, because a DuckDB
warehouse admits a single writer and supersession follows arrival order.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from uuid import UUID

from prefect import get_run_logger, task
from prefect.artifacts import (
    create_progress_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.tasks import exponential_backoff

from chitieu import pipeline, settings
from chitieu.config import Config, load_config, resolution_unit
from chitieu.flows import read_ahead
from chitieu.flows.intake_views import IntakeViews
from chitieu.flows.read_ahead import ReadAhead
from chitieu.flows.runners import configured_task_runner
from chitieu.flows.support import (
    Posting,
    command_flow,
    fails_on_domain_errors,
    quiet_domain_tracebacks,
    tag_run,
    transient_io,
    unwalked,
)
from chitieu.periods import Period
from chitieu.receipts import Receipts, status_counts
from chitieu.shown import shown
from chitieu.warehouse import Warehouse, open_warehouse
from chitieu.warehouse.archive import remove_stale_parts


def _run_name() -> str:
    """``intake-2024M06-834`` when the run is told its month; else ``intake-834`` until it
    knows the periods of the files it received (`IntakeViews.publish` renames it)."""
    parameters = flow_run.parameters
    month = parameters.get("month")
    name = f"intake-{Period.parse(month).code}" if month else "intake"
    # the catalog alone: the run loads and checks the whole configuration while its
    # workers start, and reports its problems
    root = resolution_unit(parameters.get("config_dir") or settings.DEFAULT_CONFIG)
    return f"{name}-{root}" if root else name


@task(
    name="gather submissions",
    retries=3,
    retry_delay_seconds=exponential_backoff(backoff_factor=10),
    retry_condition_fn=transient_io,
    cache_policy=NO_CACHE,
)
def gather_submissions(
    inputs: list[str], own: list[str], ahead: ReadAhead | None = None
) -> tuple[list[tuple[str, str]], Receipts]:
    """Every submission file under the inputs, with its SHA-256, and the receipts of
    the entries not read (a link, a pipe, a file too large, chitieu's ``own``...). The
    inbox may be a network share: listing and reading it are retried. What the command
    read ahead of the run (`chitieu.flows.read_ahead`) is this."""
    read = ahead.gathered() if ahead is not None else None
    if read is not None:
        found, refused, seconds = read
        get_run_logger().info(
            "Đọc trước khi Prefect khởi động, trong %.2f s / read ahead while Prefect "
            "started, in %.2f s",
            seconds,
            seconds,
        )
        return found, Receipts(refused)
    found, refused = pipeline.fingerprint_inbox([Path(i) for i in inputs], list(map(Path, own)))
    return found, Receipts(refused)


@task(name="check earlier receipts", cache_policy=NO_CACHE)
def received_before(warehouse: Warehouse, hashes: list[str]) -> set[str]:
    return warehouse.known_sha256(hashes)


@task(
    name="validate batch",
    task_run_name="validate-batch-{number}",
    retries=2,
    retry_delay_seconds=exponential_backoff(backoff_factor=10),
    retry_condition_fn=transient_io,
    cache_policy=NO_CACHE,
)
def validate_batch(
    number: int,
    paths: list[str],
    workdir: str,
    config_dir: str,
    archive: str,
    known: set[str],
    received_at: dt.datetime,
    ahead: ReadAhead | None = None,
) -> pipeline.PlannedBatch:
    """Archive and validate one batch; safe to retry (the archive is content-addressed).

    ``paths`` keep the names they were given (relative ones to ``workdir``, the flow's
    folder): that is how receipts and the warehouse name them, wherever this runs. The
    batch the command planned ahead of the run, when it is this very job, is this.
    """
    quiet_domain_tracebacks()  # this may run in a Dask worker's process
    job = pipeline.BatchJob(paths, workdir, config_dir, archive, known, received_at)
    done = ahead.planned(job) if ahead is not None else None
    if done is not None:
        planned, seconds = done
        get_run_logger().info(
            "Kiểm tra và lưu trữ trước khi Prefect khởi động, trong %.2f s / validated and "
            "archived ahead, while Prefect started, in %.2f s",
            seconds,
            seconds,
        )
        return planned
    return pipeline.plan_with_workers(job)


@task(name="register batch", task_run_name="register-batch-{number}", cache_policy=NO_CACHE)
def register_batch(
    number: int, warehouse: Warehouse, planned: pipeline.PlannedBatch, config: Config
) -> pipeline.IntakeResult:
    """One transaction, on the intake's own connection to the warehouse (a DuckDB file
    checkpoints each time its last connection closes: once per intake, not per batch);
    not retried (a retry after a lost commit would register twice)."""
    return pipeline.register_batch(warehouse, planned, config)


def _register_all(
    number: int, warehouse: Warehouse, planned: pipeline.PlannedBatch, config: Config
) -> pipeline.IntakeResult:
    """Register a planned batch, then, while it left files past its budget
    (`pipeline.MAX_BATCH_ROWS`), plan and register those, before the next batch: in
    arrival order."""
    results = [register_batch(number, warehouse, unwalked(planned), unwalked(config))]
    while planned.rest is not None:
        job = planned.rest
        planned = validate_batch(
            number,
            unwalked(job.paths),
            job.workdir,
            job.config_dir,
            job.archive,
            unwalked(job.known),
            job.received_at,
        )
        results.append(register_batch(number, warehouse, unwalked(planned), unwalked(config)))
    return pipeline.IntakeResult.joined(results)


@command_flow(
    name="chitieu-intake",
    flow_run_name=_run_name,
    task_runner=configured_task_runner(),
    log_prints=False,
)
@fails_on_domain_errors
def intake_flow(
    inputs: list[str],
    config_dir: str = settings.DEFAULT_CONFIG,
    warehouse_url: str | None = None,
    month: str | None = None,
    batch_files: int = pipeline.INTAKE_BATCH_FILES,
) -> Receipts:
    """Ingest files or folders of commune submissions into the warehouse.

    Args:
        inputs: Files or folders (walked recursively) of CSV, JSON and XLSX submissions.
        config_dir: The configuration folder: catalog.yaml, org_units.csv, targets.csv.
        warehouse_url: By default ``CHITIEU_WAREHOUSE``, else ./warehouse.duckdb. Never
            with a password (the flow run keeps its parameters): PGPASSWORD or ~/.pgpass.
        month: The month the intake is about: it names the run
            (``intake-2024M06-834``) and the reporting status it publishes; by default
            the periods of the files received (``intake-2024M01..2024-834``), or, with
            no file, the month whose cut-off passed last before the run was scheduled.
            Every file is ingested, whatever its period.
        batch_files: Files per validation task.
    """
    logger = get_run_logger()
    config_path = Path(config_dir).resolve()
    if month:
        month = Period.parse(month).code
    url = settings.flow_warehouse(warehouse_url)
    settings.check_beside(url, *settings.INTAKE_FOLDERS)  # a file in the way: before any work
    # the files the command read while Prefect started, if it did (`read_ahead`)
    intake = read_ahead.Intake.of(list(inputs), config_dir, warehouse_url)
    ahead = read_ahead.claim(ReadAhead, intake)
    received_at = ahead.received_at if ahead is not None else dt.datetime.now(dt.UTC)

    # on Dask, the cluster's workers plan the batches; otherwise worker processes here,
    # started while the configuration is loaded and the files are fingerprinted (a
    # second or so each to be ready)
    local = settings.task_runner_choice().kind == "threads"
    own = intake.own
    expected = (
        pipeline.expected_batches([Path(i) for i in inputs], max(1, batch_files), own)
        if local and ahead is None  # read ahead: the files are fingerprinted already
        else 0
    )
    with pipeline.intake_workers(expected, str(config_path)) as workers:
        config = load_config(config_path)
        root = config.catalog.resolution.org_unit
        tag_run("chitieu", "intake", f"unit:{root}", *([f"period:{month}"] if month else []))
        found, refused = gather_submissions(list(inputs), list(map(str, own)), unwalked(ahead))
        hash_of = dict(found)
        logger.info("Nhận %d tệp / received %d files", len(found), len(found))
        for outcome in refused:
            logger.warning(
                "Không đọc / not read: %s — %s", shown(outcome.source_name), outcome.first_problem
            )
        groups = pipeline.batches([p for p, _ in found], max(1, batch_files))
        hashes = [[hash_of[p] for p in group] for group in groups]
        progress: UUID = create_progress_artifact(  # type: ignore[assignment]
            0.0,
            description=f"Tiếp nhận / intake {month or ''} {root}: {len(found)} tệp / files",
        )

        archive = str(settings.beside_warehouse(url, "archive").resolve())
        stale = remove_stale_parts(Path(archive), received_at)
        if stale:
            logger.info(
                "Xóa %d tệp tạm của lần tiếp nhận bị ngắt / removed %d temporary files an "
                "interrupted intake left in the archive",
                stale,
                stale,
            )
        workdir = str(Path.cwd())
        views = IntakeViews(config)
        if ahead is not None:
            ahead.release()  # the reader no longer holds the warehouse
        with open_warehouse(url) as opened:
            warehouse = unwalked(opened)  # the intake's one connection, for its tasks here
            known = pipeline.known_before(
                hashes, received_before(warehouse, unwalked([h for _, h in found]))
            )
            workers.at_least(len(groups) if local else 0)
            # handed to the workers in batch order, whichever task's thread starts first
            workers.queue(
                [
                    pipeline.BatchJob(group, workdir, str(config_path), archive, seen, received_at)
                    for group, seen in zip(groups, known, strict=True)
                ]
                if local
                else []
            )
            # Prefect walks a task's inputs twice, when it is submitted and when it starts:
            # 0.08 s for a national month's paths and hashes, not walked here (on Dask
            # nothing is quoted: its serialisation hands Prefect's quote over as a plain
            # tuple; a batch is planned there in a worker, never ahead)
            futures = [
                validate_batch.submit(
                    n,
                    unwalked(group) if local else group,
                    workdir,
                    str(config_path),
                    archive,
                    unwalked(seen) if local else seen,
                    received_at,
                    unwalked(ahead) if local else None,
                )
                for n, (group, seen) in enumerate(zip(groups, known, strict=True), 1)
            ]
            # the progress posted in order by a thread of its own: registering the next
            # batch does not wait for the server
            with Posting(1) as post:
                for number, future in enumerate(futures, 1):
                    result = _register_all(number, warehouse, future.result(), config)
                    views.add(result)
                    logger.info(
                        "Lô / batch %d/%d: %d tệp / files — %s",
                        number,
                        len(futures),
                        len(result.outcomes),
                        status_counts(result.outcomes),
                    )
                    done = 100.0 * len(views.outcomes) / max(1, len(found))
                    post(update_progress_artifact, progress, done)
            workers.close(wait=False)  # every batch is planned: they end while the views are made
            if not futures:
                update_progress_artifact(progress, 100.0)
            views.outcomes += refused
            views.publish(opened, month, root, received_at)
    return Receipts(views.outcomes)
