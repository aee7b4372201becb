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
@click.option(
    "--month",
    default=None,
    metavar="PERIOD",
    help="The month the intake is about (its run's name and tag, the status it "
    "publishes); by default the periods of the files received.",
)
def intake(
    config_dir: Path, warehouse: str | None, inbox: tuple[Path, ...], month: str | None
) -> None:
    """Ingest files or folders of submissions (CSV, JSON, XLSX). A rejected workbook gets
    an annotated copy (faulty cells marked red) in the feedback folder beside the
    warehouse, and so does an accepted one with warnings (cells to check marked yellow)."""
    from chitieu.config import load_config
    from chitieu.periods import Period

    if month is not None:
        Period.parse(month)
    settings.prepare_prefect()
    from chitieu.flows.intake import intake_flow
    from chitieu.flows.support import attended

    load_config(config_dir)
    with attended():
        outcomes = intake_flow(
            [str(p) for p in inbox],
            str(config_dir),
            settings.warehouse_url(warehouse),
            month=month,
        )
    feedback = settings.beside_warehouse(settings.warehouse_url(warehouse), "feedback")
    for outcome in outcomes:
        click.echo(format_outcome(outcome) + _feedback_line(feedback, outcome))
    click.echo(f"{len(outcomes)} tệp / files: {status_counts(outcomes)}")


def _feedback_line(folder: Path, outcome: Any) -> str:
    """Where intake wrote the annotated copy of a workbook, if it did."""
    from chitieu.excel.feedback import feedback_name

    if "rejected" not in outcome.status and not outcome.warning_count:
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
    if outcome.warning_count:
        more = outcome.warning_count - 1
        line += f"\n    cảnh báo / warning: {outcome.first_warning}" + (
            f"  (+{more} cảnh báo khác / more)" if more > 0 else ""
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
    help="For a workbook with problems or warnings: write a copy with each cell concerned "
    "marked (red: to correct, yellow: to check) and commented, and a first sheet listing "
    "them all.",
)
def validate(config_dir: Path, warehouse: str | None, file: Path, annotate_to: Path | None) -> None:
    """Check one submission against the configuration, and its values against the units'
    history in the warehouse when there is one; writes nothing (but the --annotate copy).
    Exit 1 when the report would be rejected; warnings alone do not."""
    import polars as pl

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
    issues = _with_history_warnings(batch, config, settings.warehouse_url(warehouse))
    errors = issues.filter(pl.col("severity") == "error")
    warned = issues.filter(pl.col("severity") == "warning")
    reports = batch.submissions.select("batch_seq", "org_unit_code", "period", "status", "n_values")
    for seq, unit, period, status, n in reports.iter_rows():
        if unit is not None:
            mine = warned.filter(pl.col("batch_seq") == seq).height
            extra = f", {mine} cảnh báo / warnings" if mine else ""
            click.echo(
                f"{unit} {period}: {STATUS_WORDS.get(status, status)}, {n} giá trị / values{extra}"
            )
    for row in errors.iter_rows(named=True):
        click.echo(f"  {file.name} {row['location']}: {row['message_vi']} / {row['message_en']}")
    for row in warned.iter_rows(named=True):
        click.echo(
            f"  cảnh báo / warning: {file.name} {row['location']}: {row['message_vi']} / "
            f"{row['message_en']}"
        )
    if annotate_to is not None and not issues.is_empty():
        _write_annotated(received.content, issues, annotate_to)
    if not errors.is_empty():
        click.echo(f"{errors.height} lỗi / problems")
        sys.exit(1)
    if warned.height:
        click.echo(
            f"hợp lệ, {warned.height} cảnh báo cần kiểm tra / valid, {warned.height} "
            "warnings to check"
        )
    else:
        click.echo("hợp lệ / valid")


def _with_history_warnings(batch: Any, config: Any, url: str) -> Any:
    """The batch's issues and the warnings its accepted values earn against the units'
    history in the warehouse (read only; none when there is no warehouse yet)."""
    import polars as pl

    from chitieu.datachecks.outliers import history_check
    from chitieu.errors import WarehouseError

    check = history_check(batch.values, config)
    if check is None or (url.startswith("duckdb:") and not settings.duckdb_path(url).exists()):
        return batch.issues
    from chitieu.warehouse import open_warehouse

    try:
        with open_warehouse(url) as opened:
            found = check.verdict(opened.history(check))
    except WarehouseError as error:
        click.echo(
            "không đọc được kho dữ liệu, chưa so sánh với các kỳ trước / the warehouse could "
            f"not be read, values not compared with their history: {error}",
            err=True,
        )
        return batch.issues
    return pl.concat([batch.issues, found.select(batch.issues.columns)])


def _write_annotated(original: bytes, issues: Any, target: Path) -> None:
    from chitieu.excel.annotate import annotate

    try:
        content = annotate(original, issues)
    except Exception as exc:  # a damaged file: the problems above are the feedback
        click.echo(f"không ghi được bản phản hồi / cannot annotate this file: {exc}", err=True)
        return
    target.write_bytes(content)
    click.echo(f"phản hồi / feedback: {target}")
