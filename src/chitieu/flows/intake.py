"""The intake flow: gather → (archive, validate, register) per batch of files."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task

from chitieu import pipeline, settings
from chitieu.config import load_config
from chitieu.receipts import FileOutcome, status_counts
from chitieu.warehouse import open_warehouse


@task(name="gather submissions")
def gather_submissions(inputs: list[str]) -> list[str]:
    return [str(p) for p in pipeline.gather_files([Path(i) for i in inputs])]


@task(name="ingest batch")
def ingest_batch(paths: list[str], config_dir: str, warehouse_url: str) -> list[FileOutcome]:
    config = load_config(config_dir)
    warehouse = open_warehouse(warehouse_url)
    try:
        result = pipeline.ingest_batch(
            [Path(p) for p in paths],
            config,
            warehouse,
            settings.beside_warehouse(warehouse_url, "archive"),
        )
    finally:
        warehouse.close()
    return result.outcomes


@flow(name="chitieu-intake", flow_run_name="intake", log_prints=False)
def intake_flow(inputs: list[str], config_dir: str, warehouse_url: str) -> list[FileOutcome]:
    """Ingest files or folders of commune submissions into the warehouse."""
    logger = get_run_logger()
    paths = gather_submissions(inputs)
    logger.info("Nhận %d tệp / received %d files", len(paths), len(paths))
    outcomes: list[FileOutcome] = []
    for batch in pipeline.batches([Path(p) for p in paths]):
        outcomes += ingest_batch([str(p) for p in batch], config_dir, warehouse_url)
    logger.info("%d tệp / files: %s", len(outcomes), status_counts(outcomes))
    return outcomes
