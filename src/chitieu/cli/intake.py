"""Commands for submissions: intake and validate."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from chitieu import settings
from chitieu.cli._base import cli, common_options
from chitieu.receipts import STATUS_WORDS, status_counts


@cli.command()
@common_options
@click.argument("inbox", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
def intake(config_dir: Path, warehouse: str | None, inbox: tuple[Path, ...]) -> None:
    """Ingest files or folders of submissions (CSV, JSON)."""
    from chitieu.config import load_config

    settings.prepare_prefect()
    from chitieu.flows.intake import intake_flow

    load_config(config_dir)
    outcomes = intake_flow(
        [str(p) for p in inbox], str(config_dir), settings.warehouse_url(warehouse)
    )
    for outcome in outcomes:
        click.echo(format_outcome(outcome))
    click.echo(f"{len(outcomes)} tệp / files: {status_counts(outcomes)}")


def format_outcome(outcome: Any) -> str:
    line = f"{STATUS_WORDS[outcome.status]:<36} {outcome.source_name}"
    if outcome.reports:
        line += "  [" + "; ".join(outcome.reports) + "]"
    if outcome.first_problem:
        more = outcome.problem_count - 1
        line += f"\n    {outcome.first_problem}" + (
            f"  (+{more} lỗi khác / more)" if more > 0 else ""
        )
    return line


@cli.command()
@common_options
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def validate(config_dir: Path, warehouse: str | None, file: Path) -> None:
    """Check one submission against the configuration; writes nothing."""
    from chitieu.config import load_config
    from chitieu.intake import plan_intake
    from chitieu.sources import ReceivedFile, read_submission

    config = load_config(config_dir)
    received = ReceivedFile.from_path(file)
    batch = plan_intake(
        [received],
        [read_submission(received)],
        config,
        set(),
        dt.datetime.now(dt.UTC),
        engine="polars",  # the same checks without pandera's start-up cost
    )
    reports = batch.submissions.select("org_unit_code", "period", "status", "n_values")
    for unit, period, status, n in reports.iter_rows():
        if unit is not None:
            click.echo(f"{unit} {period}: {STATUS_WORDS.get(status, status)}, {n} giá trị / values")
    for row in batch.issues.iter_rows(named=True):
        click.echo(f"  {file.name} {row['location']}: {row['message_vi']} / {row['message_en']}")
    if not batch.issues.is_empty():
        click.echo(f"{batch.issues.height} lỗi / problems")
        sys.exit(1)
    click.echo("hợp lệ / valid")
