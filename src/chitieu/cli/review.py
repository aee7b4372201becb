"""Commands of the data team's review: demo, review, report."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from chitieu import settings
from chitieu.cli._base import cli, common_options


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
