"""Commands for submissions: intake and validate."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from chitieu import settings
from chitieu.cli._base import (
    cli,
    common_options,
    ephemeral_option,
    settled_imports,
    start_prefect,
)
from chitieu.receipts import STATUS_WORDS, more_problems, status_counts
from chitieu.shown import count_en, count_vi, shown


@cli.command()
@common_options
@ephemeral_option
@click.argument("inbox", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--month",
    default=None,
    metavar="PERIOD",
    help="The month the intake is about (its run's name and tag, the status it "
    "publishes); by default the periods of the files received.",
)
def intake(
    config_dir: Path,
    warehouse: str | None,
    ephemeral: bool,
    inbox: tuple[Path, ...],
    month: str | None,
) -> None:
    """Ingest files or folders of submissions (CSV, JSON, XLSX). A rejected workbook gets
    an annotated copy (faulty cells marked red) in the feedback folder beside the
    warehouse, and so does an accepted one with warnings (cells to check marked yellow)."""
    from chitieu.flows.read_ahead import reading_ahead

    inputs, flow_warehouse = [str(p) for p in inbox], settings.warehouse_for_flow(warehouse)
    settings.check_beside(flow_warehouse, *settings.INTAKE_FOLDERS)  # a file in the way: said first
    # first thing: the files are read while Prefect is imported and the run starts
    with reading_ahead(inputs, str(config_dir), flow_warehouse):
        with settled_imports():
            from chitieu.config import load_config
            from chitieu.periods import Period

        if month is not None:
            Period.parse(month)
        load_config(config_dir)
        start_prefect(ephemeral)  # before Prefect is imported
        with settled_imports():
            from chitieu.flows.intake import intake_flow
            from chitieu.flows.support import attended

        with attended():
            outcomes = intake_flow(inputs, str(config_dir), flow_warehouse, month=month)
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
    return f"\n    phản hồi / feedback: {shown(str(path))}" if path.is_file() else ""


def format_outcome(outcome: Any) -> str:
    """The lines printed for one file: its status and name, its reports, its first
    problem and how many more, its first warning and how many more; every text from the
    file escaped (`chitieu.shown`)."""
    line = f"{STATUS_WORDS[outcome.status]:<36} {shown(outcome.source_name)}"
    if outcome.reports:
        line += "  [" + shown("; ".join(outcome.reports)) + "]"
    if outcome.first_problem:
        more = outcome.problem_count - 1
        line += f"\n    {shown(outcome.first_problem)}" + (
            f"  ({more_problems(more)})" if more > 0 else ""
        )
    if outcome.warning_count:
        more = outcome.warning_count - 1
        line += f"\n    cảnh báo / warning: {shown(outcome.first_warning)}" + (
            f"  ({more_warnings(more)})" if more > 0 else ""
        )
    return line


def more_warnings(count: int) -> str:
    """``"… và 12 cảnh báo khác / and 12 more"``: the warnings not printed."""
    return f"… và {count_vi(count)} cảnh báo khác / and {count_en(count)} more"


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
    from chitieu.problems import NOT_KEPT, PROBLEMS_KEPT
    from chitieu.sources import read_submission
    from chitieu.sources.inbox import Refused, receive

    if annotate_to is not None and file.suffix.lower() != ".xlsx":
        raise click.UsageError("--annotate chỉ dùng cho tệp .xlsx / --annotate needs an .xlsx file")
    if annotate_to is not None:
        from chitieu.files import writable

        writable(annotate_to, reads=file)  # never over the officer's own workbook
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
    issues = _with_history_warnings(batch, config, settings.warehouse_url(warehouse))
    error = pl.col("severity") == "error"
    # the problems and warnings intake keeps (`chitieu.problems`), then how many more
    not_kept = issues.filter(pl.col("check") == NOT_KEPT)
    issues_shown = issues.filter(pl.col("check") != NOT_KEPT)
    errors, warned = issues_shown.filter(error), issues_shown.filter(~error)
    more_errors = sum(int(n) for n in not_kept.filter(error)["value"])
    more_warned = sum(int(n) for n in not_kept.filter(~error)["value"])
    _echo_reports(batch.submissions, warned)
    name = shown(file.name)
    for location, vi, en in errors.select("location", "message_vi", "message_en").iter_rows():
        click.echo(f"  {name}{' ' + location if location else ''}: {vi} / {en}")
    if more_errors:
        click.echo(f"  {more_problems(more_errors)}")
    # outliers are not among the problems kept: as many are printed at most
    printed = warned.head(PROBLEMS_KEPT)
    for location, vi, en in printed.select("location", "message_vi", "message_en").iter_rows():
        click.echo(f"  cảnh báo / warning: {name}{' ' + location if location else ''}: {vi} / {en}")
    if more_warned + warned.height - printed.height:
        click.echo(f"  {more_warnings(more_warned + warned.height - printed.height)}")
    if annotate_to is not None and not issues.is_empty():
        _write_annotated(received.content, issues, annotate_to)
    total, warnings = errors.height + more_errors, warned.height + more_warned
    if total:
        click.echo(f"{count_vi(total)} lỗi / {count_en(total)} problems")
        sys.exit(1)
    if warnings:
        click.echo(
            f"hợp lệ, {count_vi(warnings)} cảnh báo cần kiểm tra / valid, "
            f"{count_en(warnings)} warnings to check"
        )
    else:
        click.echo("hợp lệ / valid")


def _echo_reports(submissions: Any, warned: Any) -> None:
    """One line per report of the file (the first `REPORTS_SHOWN`): its verdict, its
    values and its warnings."""
    import polars as pl

    reports = submissions.filter(pl.col("org_unit_code").is_not_null())
    counts = warned.group_by("batch_seq").agg(pl.len().alias("warnings"))
    shown_reports = (
        reports.head(REPORTS_SHOWN)
        .join(counts, on="batch_seq", how="left", maintain_order="left")
        .select("org_unit_code", "period", "status", "n_values", "warnings")
    )
    for unit, period, status, n, mine in shown_reports.iter_rows():
        words = STATUS_WORDS.get(status, status)
        extra = f", {mine} cảnh báo / warnings" if mine else ""
        click.echo(f"{shown(unit)} {shown(period or '')}: {words}, {n} giá trị / values{extra}")
    if reports.height > REPORTS_SHOWN:
        more = reports.height - REPORTS_SHOWN
        click.echo(f"… và {count_vi(more)} báo cáo khác / and {count_en(more)} more reports")


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
        with open_warehouse(url, create=False) as opened:
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
    from chitieu.files import write_atomically

    write_atomically(target, content)
    click.echo(f"phản hồi / feedback: {target}")
