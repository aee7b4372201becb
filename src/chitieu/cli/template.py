"""The workbook a unit fills in: ``chitieu template PERIOD --org CODE -o FILE.xlsx``."""

from __future__ import annotations

from pathlib import Path

import click

from chitieu.cli._base import UNIT_CODE, cli, common_options


@cli.command()
@common_options
@click.argument("period")
@click.option(
    "--org",
    "org",
    type=UNIT_CODE,
    default=None,
    metavar="CODE",
    help="The unit that fills the workbook in (default: the resolution's unit). With -o "
    "FOLDER, a parent unit: one workbook per submitting unit at or below it.",
)
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(path_type=Path),
    metavar="FILE.xlsx|FOLDER",
    help="A .xlsx file for one unit, or a folder for every submitting unit below --org "
    "(named CODE_PERIOD.xlsx).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace workbooks that are there (by default a workbook that exists, perhaps "
    "filled in, is never written over).",
)
def template(
    config_dir: Path,
    warehouse: str | None,
    period: str,
    org: str | None,
    output: Path,
    force: bool,
) -> None:
    """Write the Excel workbook a unit fills in for PERIOD (2024M05, 2024Q2, 2024S1, 2024):
    its elements, validated value cells, everything else locked."""
    from chitieu.config import load_config
    from chitieu.excel.template import submitting_units, template_workbook
    from chitieu.files import writable, write_atomically
    from chitieu.periods import Period

    config = load_config(config_dir)
    parsed = Period.parse(period)
    root = org or config.catalog.resolution.org_unit
    if output.suffix.lower() == ".xlsx":
        writable(output, replace=force)
        write_atomically(output, template_workbook(config, root, parsed))
        click.echo(str(output))
        return
    units = submitting_units(config, root, parsed)
    paths = [output / f"{unit.code}_{parsed.code}.xlsx" for unit in units]
    for path in paths:  # every one checked before any is written
        writable(path, replace=force)
    for unit, path in zip(units, paths, strict=True):
        write_atomically(path, template_workbook(config, unit.code, parsed))
        click.echo(f"{path}  {unit.name}")
    click.echo(f"{len(units)} tệp / workbooks: {output}")
