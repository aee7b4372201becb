"""Commands for auditors: snapshots list, show, diff, verify; trace."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from chitieu import settings
from chitieu.cli._base import cli, common_options


@cli.group()
def snapshots() -> None:
    """For auditors: list, show, diff and verify published snapshots."""


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
    from chitieu.quality.results import GateFolders, read_result
    from chitieu.report.load import load_report
    from chitieu.report.markdown import render_markdown
    from chitieu.warehouse import open_warehouse

    config = load_config(config_dir)
    with open_warehouse(settings.warehouse_url(warehouse)) as store:
        root = org or config.catalog.resolution.org_unit
        snap = store.snapshot(Period.parse(period).code, root, revision, elements=False)
        model = load_report(config, store, str(snap.header["review_period"]), root, revision)
    for key, value in snap.header.items():
        click.echo(f"{key:<20} {value}")
    click.echo(f"{'inputs':<20} {snap.inputs.height} submissions")
    kept = read_result(
        GateFolders.beside(settings.warehouse_url(warehouse)),
        str(snap.header["review_period"]),
        str(snap.header["root_org_unit"]),
        int(str(snap.header["revision"])),
    )
    click.echo(f"{'data_docs':<20} {kept.describe() if kept else '-'}")
    click.echo("")
    click.echo(render_markdown(model, annexes=False), nl=False)


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


@snapshots.command("diff")
@common_options
@click.argument("period")
@click.argument("before", type=int)
@click.argument("after", type=int)
@click.option("--org", default=None, help="Root unit (default: the resolution's unit).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def snapshots_diff(
    config_dir: Path,
    warehouse: str | None,
    period: str,
    before: int,
    after: int,
    org: str | None,
    fmt: str,
    lang: str,
) -> None:
    """Indicators and elements whose value or class changed between revisions BEFORE and
    AFTER, with the submissions added or removed that caused each change."""
    import polars as pl

    from chitieu.config import load_config
    from chitieu.lineage import diff_snapshots
    from chitieu.lineage.text import diff_json, render_diff
    from chitieu.periods import Period
    from chitieu.warehouse import open_warehouse

    config = load_config(config_dir)
    root = org or config.catalog.resolution.org_unit
    with open_warehouse(settings.warehouse_url(warehouse)) as store:
        reads = [store.snapshot(Period.parse(period).code, root, n) for n in (before, after)]
        ids = [read.snapshot_id for read in reads]
        submissions = pl.concat([store.input_submissions(i) for i in ids])
        values = pl.concat([store.input_values(i) for i in ids])
    diff = diff_snapshots(config, reads[0], reads[1], submissions, values)
    click.echo(diff_json(diff) if fmt == "json" else render_diff(diff, lang), nl=False)


@cli.command()
@common_options
@click.argument("period")
@click.argument("indicator")
@click.option("--org", default=None, help="The unit whose figure to trace (default: the root).")
@click.option("--root", default=None, help="The review's root unit (default: the resolution's).")
@click.option("--revision", type=int, default=None, help="Default: the published revision.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def trace(
    config_dir: Path,
    warehouse: str | None,
    period: str,
    indicator: str,
    org: str | None,
    root: str | None,
    revision: int | None,
    fmt: str,
    lang: str,
) -> None:
    """Where a published figure came from: INDICATOR's formula, each element's value at
    the unit, the child units' contributions, down to the submissions (file, SHA-256,
    submitted_at) and their values, each recomputed from the revision's inputs."""
    from chitieu.config import load_config
    from chitieu.lineage import trace_indicator
    from chitieu.lineage.text import render_trace, trace_json
    from chitieu.periods import Period
    from chitieu.warehouse import open_warehouse

    config = load_config(config_dir)
    root = root or config.catalog.resolution.org_unit
    with open_warehouse(settings.warehouse_url(warehouse)) as store:
        snap = store.snapshot(Period.parse(period).code, root, revision)
        submissions = store.input_submissions(snap.snapshot_id)
        values = store.input_values(snap.snapshot_id)
    found = trace_indicator(config, snap, submissions, values, indicator, org or root, lang)
    click.echo(trace_json(found) if fmt == "json" else render_trace(found, lang), nl=False)
