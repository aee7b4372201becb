"""Commands for submissions: intake and validate."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from chitieu import settings
from chitieu.cli._base import cli, common_options, ephemeral_option, start_prefect
from chitieu.receipts import STATUS_WORDS, more_problems, status_counts
from chitieu.shown import count_en, count_vi, shown


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
            [str(p) for p in inbox], str(config_dir), settings.warehouse_for_flow(warehouse)
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
    return f"\n    phản hồi / feedback: {shown(str(path))}" if path.is_file() else ""


def format_outcome(outcome: Any) -> str:
    """The lines printed for one file: its status and name, its reports, its first
    problem and how many more; every text from the file escaped (`chitieu.shown`)."""
    line = f"{STATUS_WORDS[outcome.status]:<36} {shown(outcome.source_name)}"
    if outcome.reports:
        line += "  [" + shown("; ".join(outcome.reports)) + "]"
    if outcome.first_problem:
        more = outcome.problem_count - 1
        line += f"\n    {shown(outcome.first_problem)}" + (
            f"  ({more_problems(more)})" if more > 0 else ""
        )
    return line


REPORTS_SHOWN = 100
"""Reports of one file that ``validate`` names (a district's month bundles some 20)."""


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
    import polars as pl

    from chitieu.config import load_config
    from chitieu.intake import plan_intake
    from chitieu.problems import NOT_KEPT
    from chitieu.sources import read_submission
    from chitieu.sources.inbox import Refused, receive

    if annotate_to is not None and file.suffix.lower() != ".xlsx":
        raise click.UsageError("--annotate chỉ dùng cho tệp .xlsx / --annotate needs an .xlsx file")
    config = load_config(config_dir)
    received = receive(file)
    if isinstance(received, Refused):
        click.echo(f"{STATUS_WORDS['not read']}: {shown(str(file))}: {received.message}")
        sys.exit(1)
    batch = plan_intake(
        [received],
        [read_submission(received)],
        config,
        set(),
        dt.datetime.now(dt.UTC),
        engine="polars",  # the same checks without pandera's start-up cost
    )
    reports = batch.submissions.filter(pl.col("org_unit_code").is_not_null())
    columns = ("org_unit_code", "period", "status", "n_values")
    for unit, period, status, n in reports.head(REPORTS_SHOWN).select(columns).iter_rows():
        words = STATUS_WORDS.get(status, status)
        click.echo(f"{shown(unit)} {shown(period or '')}: {words}, {n} giá trị / values")
    if reports.height > REPORTS_SHOWN:
        more = reports.height - REPORTS_SHOWN
        click.echo(f"… và {count_vi(more)} báo cáo khác / and {count_en(more)} more reports")
    # the problems intake keeps (`chitieu.problems`), then how many more there are
    issues = batch.issues.filter(pl.col("check") != NOT_KEPT)
    more = sum(int(n) for n in batch.issues.filter(pl.col("check") == NOT_KEPT)["value"])
    name = shown(file.name)
    for location, vi, en in issues.select("location", "message_vi", "message_en").iter_rows():
        click.echo(f"  {name}{' ' + location if location else ''}: {vi} / {en}")
    if more:
        click.echo(f"  {more_problems(more)}")
    total = issues.height + more
    if total:
        click.echo(f"{count_vi(total)} lỗi / {count_en(total)} problems")
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
