"""The command line (SPEC §4). Domain errors become one clear line and an exit code here,
and only here. Heavy modules (Prefect, Great Expectations) are imported inside the
commands that need them, so ``chitieu --help`` and the read-only commands start fast."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from chitieu import __version__, settings
from chitieu.errors import ChitieuError

F = TypeVar("F", bound=Callable[..., Any])

STATUS_WORDS = {
    "accepted": "chấp nhận / accepted",
    "rejected": "từ chối / rejected",
    "partly rejected": "từ chối một phần / partly rejected",
    "duplicate": "trùng lặp / duplicate",
}


def common_options(command: F) -> F:
    """``--config`` and ``--warehouse``, taken by every command."""
    command = click.option(
        "--warehouse",
        "warehouse",
        default=None,
        metavar="URL",
        help="duckdb:///file.duckdb (default ./warehouse.duckdb), a bare path, or "
        "postgresql://...; env CHITIEU_WAREHOUSE.",
    )(command)
    command = click.option(
        "--config",
        "config_dir",
        default=settings.DEFAULT_CONFIG,
        show_default=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="Configuration folder: catalog.yaml, org_units.csv, targets.csv.",
    )(command)
    return command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="chitieu")
def cli() -> None:
    """chitieu: tổng hợp báo cáo của xã vào đánh giá nghị quyết / consolidate commune
    reports into a resolution review."""


@cli.command()
@click.option(
    "--workdir",
    default="demo-output",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the demo's fresh warehouse, archive and reports.",
)
def demo(workdir: Path) -> None:
    """Run the whole job on the bundled Giồng Trôm 2024 example."""
    settings.prepare_prefect()
    from chitieu.flows.demo import demo_flow

    result = demo_flow(str(workdir))
    for line in result.lines:
        click.echo(line)


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
    counts = {s: sum(o.status == s for o in outcomes) for s in STATUS_WORDS}
    click.echo(
        f"{len(outcomes)} tệp / files: "
        + ", ".join(f"{n} {STATUS_WORDS[s]}" for s, n in counts.items() if n)
    )


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
        [received], [read_submission(received)], config, set(), dt.datetime.now(dt.UTC)
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


@cli.command()
@common_options
@click.argument("period")
@click.option("--org", default=None, help="Root unit (default: the resolution's unit).")
def review(config_dir: Path, warehouse: str | None, period: str, org: str | None) -> None:
    """Roll up, check and publish a snapshot revision of a review period."""
    from chitieu.config import load_config

    settings.prepare_prefect()
    from chitieu.flows.review import review_flow
    from chitieu.periods import Period

    Period.parse(period)
    load_config(config_dir)
    outcome = review_flow(period, str(config_dir), settings.warehouse_url(warehouse), org)
    click.echo(f"{outcome.review_period} {outcome.root}: {outcome.summary_vi}")
    if not outcome.checks_passed:
        click.echo(
            "kiểm tra chất lượng không đạt, không công bố / quality checks failed, "
            "nothing published: " + "; ".join(outcome.failed_checks),
            err=True,
        )
        sys.exit(4)
    published = outcome.published
    assert published is not None
    if published.created:
        click.echo(
            f"công bố bản {published.revision} / published revision {published.revision}"
            f" (sha256 {published.content_sha256[:16]}…)"
        )
    else:
        click.echo(
            f"không có gì mới, bản {published.revision} giữ nguyên / "
            f"inputs unchanged, revision {published.revision} stands"
        )


@cli.command()
@common_options
@click.argument("period")
@click.option("--org", default=None, help="Root unit (default: the resolution's unit).")
@click.option("--revision", type=int, default=None, help="Default: the published revision.")
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True)
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
def report(
    config_dir: Path,
    warehouse: str | None,
    period: str,
    org: str | None,
    revision: int | None,
    fmt: str,
    lang: str,
    output: Path | None,
) -> None:
    """The review report of a published revision."""
    from chitieu.config import load_config
    from chitieu.periods import Period
    from chitieu.report import render_json, render_markdown, report_data
    from chitieu.warehouse import open_warehouse

    period_code = Period.parse(period).code
    config = load_config(config_dir)
    with open_warehouse(settings.warehouse_url(warehouse)) as store:
        snap = store.snapshot(period_code, org or config.catalog.resolution.org_unit, revision)
    data = report_data(config, snap.header, snap.indicators, lang)
    text = render_json(data) if fmt == "json" else render_markdown(data)
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        click.echo(str(output))
    else:
        click.echo(text, nl=False)


@cli.group()
def snapshots() -> None:
    """For auditors: list, show and verify published snapshots."""


@snapshots.command("list")
@common_options
@click.option("--period", default=None)
@click.option("--org", default=None)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def snapshots_list(
    config_dir: Path, warehouse: str | None, period: str | None, org: str | None, as_json: bool
) -> None:
    """Every revision: period, unit, revision, status, when, flow run, completeness, checks."""
    from chitieu.warehouse import open_warehouse

    with open_warehouse(settings.warehouse_url(warehouse)) as store:
        frame = store.list_snapshots(period, org)
    if as_json:
        for row in frame.to_dicts():
            click.echo(json.dumps(row, default=str, ensure_ascii=False))
        return
    click.echo(
        f"{'period':<8} {'unit':<8} {'rev':>3} {'status':<10} {'created (UTC)':<19} "
        f"{'complete':>8} {'checks':<6} {'flow run':<36} content_sha256"
    )
    for row in frame.iter_rows(named=True):
        completeness = row["completeness"]
        click.echo(
            f"{row['review_period']:<8} {row['root_org_unit']:<8} {row['revision']:>3} "
            f"{row['status']:<10} {row['created_at']:%Y-%m-%d %H:%M:%S} "
            f"{'' if completeness is None else f'{completeness:.1%}':>8} "
            f"{'pass' if row['checks_passed'] else 'FAIL':<6} {row['flow_run_id'] or '-':<36} "
            f"{row['content_sha256'][:16]}…"
        )


@snapshots.command("show")
@common_options
@click.argument("period")
@click.option("--org", default=None)
@click.option("--revision", type=int, default=None)
def snapshots_show(
    config_dir: Path, warehouse: str | None, period: str, org: str | None, revision: int | None
) -> None:
    """One revision: its header, hashes, inputs and the root's indicators."""
    from chitieu.config import load_config
    from chitieu.periods import Period
    from chitieu.report import render_markdown, report_data
    from chitieu.warehouse import open_warehouse

    config = load_config(config_dir)
    with open_warehouse(settings.warehouse_url(warehouse)) as store:
        snap = store.snapshot(
            Period.parse(period).code, org or config.catalog.resolution.org_unit, revision
        )
    for key, value in snap.header.items():
        click.echo(f"{key:<20} {value}")
    click.echo(f"{'inputs':<20} {snap.inputs.height} submissions")
    click.echo("")
    click.echo(render_markdown(report_data(config, snap.header, snap.indicators, "vi")), nl=False)


@snapshots.command("verify")
@common_options
def snapshots_verify(config_dir: Path, warehouse: str | None) -> None:
    """Recompute every revision's hash and the chain; exit 1 on any mismatch."""
    from chitieu.warehouse import open_warehouse

    with open_warehouse(settings.warehouse_url(warehouse)) as store:
        problems = store.verify()
        count = store.list_snapshots().height
    if problems:
        for problem in problems:
            click.echo(f"SAI / MISMATCH: {problem}")
        sys.exit(1)
    click.echo(f"{count} bản đã kiểm tra, toàn vẹn / revisions verified, chain intact")


def main() -> None:
    """Console entry point: run the command, turning domain errors into messages."""
    try:
        code = cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except ChitieuError as exc:
        click.echo(f"chitieu: {exc}", err=True)
        sys.exit(exc.exit_code)
    sys.exit(code if isinstance(code, int) else 0)
