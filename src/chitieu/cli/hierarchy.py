"""``chitieu hierarchy from-crosswalk``: the 2025 reform as a configuration's
``org_units.csv`` and ``successions.csv`` (SPEC §1), for one province or the country."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from chitieu.cli._base import cli


@cli.group()
def hierarchy() -> None:
    """Hệ thống đơn vị hành chính của cấu hình / the configuration's hierarchy."""


@hierarchy.command("from-crosswalk")
@click.option(
    "--units",
    "units_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE.csv",
    help="The units before the reform: code,name,level,parent_code "
    "(e.g. ../shared/data/vn_admin_units_2025-03-01.csv).",
)
@click.option(
    "--crosswalk",
    "crosswalk_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE.csv",
    help="Which old units make up each new one: level,new_code,new_name,new_parent_code,"
    "old_code,old_name,type (e.g. ../shared/data/vn_admin_crosswalk_2025-07-01.csv).",
)
@click.option(
    "--province",
    default=None,
    metavar="CODE",
    help="One province after the reform (e.g. 86, Vĩnh Long): it, its communes, and the "
    "old units they took over with the units above those.",
)
@click.option(
    "--country",
    is_flag=True,
    help="The whole country, under a root unit VN (Việt Nam) above the provinces.",
)
@click.option(
    "--valid-from",
    "valid_from",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    metavar="YYYY-MM-DD",
    help="Start of the old units' validity (default 2025-01-01: the units file is the "
    "catalogue of March 2025, some of its units formed by mergers in 2024).",
)
@click.option(
    "--reform-date",
    "reform_date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default="2025-07-01",
    show_default=True,
    metavar="YYYY-MM-DD",
    help="The day the new units start; the old ones end the day before.",
)
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    metavar="CONFIG_DIR",
    help="The configuration folder the two files are written into (made if missing).",
)
@click.option(
    "--force", is_flag=True, help="Replace org_units.csv / successions.csv that are there."
)
def from_crosswalk(
    units_path: Path,
    crosswalk_path: Path,
    province: str | None,
    country: bool,
    valid_from: dt.datetime | None,
    reform_date: dt.datetime,
    output: Path,
    force: bool,
) -> None:
    """Write org_units.csv and successions.csv for the 2025 reform: the old provinces,
    districts and communes until the day before REFORM_DATE, the new provinces and
    communes from it (a reused code is two rows), and who took over whom (share 1 for a
    whole unit, empty where only part of it went and nobody knows how much; a dissolved
    district goes to its province). Other files of CONFIG_DIR are left as they are."""
    from chitieu.hierarchy_reform import DEFAULT_VALID_FROM, build, write

    if (province is None) == (not country):
        raise click.UsageError("give --province CODE or --country (one of them)")
    tables = build(
        units_path,
        crosswalk_path,
        province=province,
        country=country,
        valid_from=valid_from.date() if valid_from else DEFAULT_VALID_FROM,
        reform_date=reform_date.date(),
    )
    written = write(tables, output, force=force)
    org, handed = tables.org_units, tables.successions
    old = org.filter(org["valid_to"].is_not_null())
    new = org.filter(org["valid_to"].is_null() & (org["level"] != "country"))
    click.echo(
        f"{written.org_units}: {org.height} đơn vị / units "
        f"({_levels(old)} đến / until {old.item(0, 'valid_to') if old.height else '-'}; "
        f"{_levels(new)} từ / from {reform_date.date()})"
    )
    unknown = handed["share"].null_count()
    click.echo(
        f"{written.successions}: {handed.height} dòng kế thừa / successions "
        f"({unknown} chưa rõ tỷ lệ / without a known share)"
    )


def _levels(frame: object) -> str:
    import polars as pl

    assert isinstance(frame, pl.DataFrame)
    counts = frame.group_by("level", maintain_order=True).len()
    # no thousands mark: the line is read in both languages, which group with . and ,
    return ", ".join(f"{n} {level}" for level, n in counts.iter_rows())
