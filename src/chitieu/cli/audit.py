"""Commands for auditors: snapshots list, show, verify."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from chitieu import settings
from chitieu.cli._base import cli, common_options


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
