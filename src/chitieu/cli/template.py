"""The workbook a unit fills in: ``chitieu template PERIOD --org CODE -o FILE.xlsx``."""

from __future__ import annotations

import os
from pathlib import Path

import click

from chitieu.cli._base import UNIT_CODE, cli, common_options
from chitieu.cli._output import FILE_SUFFIX, names_folder


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
    type=click.Path(path_type=str),
    metavar="FILE.xlsx|FOLDER",
    help="A .xlsx file for one unit, or a folder for every submitting unit below --org "
    "(named CODE_PERIOD.xlsx; made if missing). A name ending with / is a folder "
    "(mau.xlsx/); one with another file's suffix (out.csv) is refused unless it ends "
    "with / or is a folder already; a .xlsx name without / is never a folder.",
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
    output: str,
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
    # a .xlsx name is one workbook, never an existing folder's (refused by `writable`),
    # unless it ends with a separator: then it names a folder (mau.xlsx/)
    if not names_folder(output) and Path(output).suffix.lower() == ".xlsx":
        writable(Path(output), replace=force)
        write_atomically(Path(output), template_workbook(config, root, parsed))
        click.echo(output)
        return
    folder = _workbooks_folder(output)
    units = submitting_units(config, root, parsed)
    paths = [folder / f"{unit.code}_{parsed.code}.xlsx" for unit in units]
    for path in paths:  # every one checked before any is written
        writable(path, replace=force)
    for unit, path in zip(units, paths, strict=True):
        write_atomically(path, template_workbook(config, unit.code, parsed))
        click.echo(f"{path}  {unit.name}")
    click.echo(f"{len(units)} tệp / workbooks: {folder}")


def _workbooks_folder(output: str) -> Path:
    """The folder ``-o`` names for one workbook per unit; an `OutputError` for a name that
    looks like another kind of file (``out.csv``: the workbooks went into a new folder
    of that name), unless it ends with ``/`` or is a folder already."""
    from chitieu.errors import OutputError
    from chitieu.shown import clipped

    folder = Path(output)
    # os.path.isdir, not Path.is_dir: a name too long for the system is no folder here,
    # and `writable` says why, where Path.is_dir raised
    if names_folder(output) or os.path.isdir(folder) or not FILE_SUFFIX.fullmatch(folder.suffix):
        return folder
    named = clipped(output)
    raise OutputError(
        f"{named}: mẫu báo cáo là tệp .xlsx; ghi TÊN.xlsx cho một đơn vị, hoặc một thư mục "
        f"cho mỗi đơn vị ({named}/ nếu đúng là thư mục) / a template is an .xlsx workbook: "
        f"name FILE.xlsx for one unit's, or a folder for one per unit ({named}/ if a folder "
        "is meant)"
    )
