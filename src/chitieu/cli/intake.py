"""Commands for submissions: intake and validate."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from chitieu import settings
from chitieu.cli._base import cli, common_options, ephemeral_option, start_prefect
from chitieu.receipts import STATUS_WORDS, status_counts


@cli.command()
@common_options
@ephemeral_option
@click.argument("inbox", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
def intake(
    config_dir: Path, warehouse: str | None, ephemeral: bool, inbox: tuple[Path, ...]
) -> None:
    """Ingest files or folders of submissions (CSV, JSON, XLSX). A rejected workbook gets
    an annotated copy (faulty cells marked) in the feedback folder beside the warehouse."""
    from chitieu.config import load_config

    load_config(config_dir)
    start_prefect(ephemeral)
    from chitieu.flows.intake import intake_flow
    from chitieu.flows.support import attended

    with attended():
        outcomes = intake_flow(
            [str(p) for p in inbox], str(config_dir), settings.warehouse_url(warehouse)
        )
    feedback = settings.beside_warehouse(settings.warehouse_url(warehouse), "feedback")
    for outcome in outcomes:
        click.echo(format_outcome(outcome) + _feedback_line(feedback, outcome))
    click.echo(f"{len(outcomes)} tệp / files: {status_counts(outcomes)}")


def _feedback_line(folder: Path, outcome: Any) -> str:
    """Where intake wrote the annotated copy of a rejected workbook, if it did."""
    from chitieu.excel.feedback import feedback_name

    if "rejected" not in outcome.status:
        return ""
    path = folder / feedback_name(outcome.source_name, outcome.sha256)
    return f"\n    phản hồi / feedback: {path}" if path.is_file() else ""


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
@click.option(
    "--annotate",
    "annotate_to",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="OUT.xlsx",
    help="For a workbook with problems: write a copy with each faulty cell marked and "
    "commented, and a first sheet listing every problem.",
)
def validate(config_dir: Path, warehouse: str | None, file: Path, annotate_to: Path | None) -> None:
    """Check one submission against the configuration; writes nothing (but the
    --annotate copy)."""
    from chitieu.config import load_config
    from chitieu.intake import plan_intake
    from chitieu.sources import ReceivedFile, read_submission

    if annotate_to is not None and file.suffix.lower() != ".xlsx":
        raise click.UsageError("--annotate chỉ dùng cho tệp .xlsx / --annotate needs an .xlsx file")
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
        if annotate_to is not None:
            _write_annotated(received.content, batch.issues, annotate_to)
        sys.exit(1)
    click.echo("hợp lệ / valid")


def _write_annotated(original: bytes, issues: Any, target: Path) -> None:
    from chitieu.excel.annotate import annotate

    try:
        content = annotate(original, issues)
    except Exception as exc:  # a damaged file: the problems above are the feedback
        click.echo(f"không ghi được bản phản hồi / cannot annotate this file: {exc}", err=True)
        return
    target.write_bytes(content)
    click.echo(f"phản hồi / feedback: {target}")
