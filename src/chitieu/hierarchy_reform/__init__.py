"""The 2025 reform as a configuration: ``chitieu hierarchy from-crosswalk``.

Turns the pre-reform units (``vn_admin_units_2025-03-01.csv``) and the crosswalk of
1 July 2025 (``vn_admin_crosswalk_2025-07-01.csv``) into a configuration's
``org_units.csv`` and ``successions.csv`` (SPEC §1), for one new province or for the
country. `inputs` reads and checks the files, `tables` builds the tables (pure polars);
this module chooses and writes.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from chitieu.config.successions import SUCCESSIONS_FILE
from chitieu.config.tables import ORG_UNITS_FILE
from chitieu.errors import ConfigProblem, ReformDataError
from chitieu.files import output_refused, write_atomically
from chitieu.hierarchy_reform.inputs import read_crosswalk, read_units
from chitieu.hierarchy_reform.tables import (
    COUNTRY_CODE,
    DEFAULT_VALID_FROM,
    REFORM_DATE,
    ReformTables,
    reform_tables,
)

__all__ = [
    "COUNTRY_CODE",
    "DEFAULT_VALID_FROM",
    "REFORM_DATE",
    "ReformTables",
    "Written",
    "build",
    "reform_tables",
    "write",
]


def build(
    units_path: Path,
    crosswalk_path: Path,
    *,
    province: str | None = None,
    country: bool = False,
    valid_from: dt.date = DEFAULT_VALID_FROM,
    reform_date: dt.date = REFORM_DATE,
) -> ReformTables:
    """Read and check both files, then build the tables; raises `ReformDataError`."""
    if valid_from >= reform_date:
        raise ReformDataError(
            [
                ConfigProblem(
                    "--valid-from",
                    "",
                    "",
                    f"ngày {valid_from} phải trước ngày sắp xếp {reform_date} / {valid_from} "
                    f"must be before the reform's date {reform_date}",
                )
            ]
        )
    units = read_units(units_path)
    crosswalk = read_crosswalk(crosswalk_path, units, units_path)
    if province is not None:
        _check_province(province, units, crosswalk, crosswalk_path)
    return reform_tables(
        units,
        crosswalk,
        province=province,
        country=country,
        valid_from=valid_from,
        reform_date=reform_date,
    )


def _check_province(
    province: str, units: pl.DataFrame, crosswalk: pl.DataFrame, crosswalk_path: Path
) -> None:
    provinces = crosswalk.filter(pl.col("level") == "province")
    if province in set(provinces.get_column("new_code")):
        return
    became = provinces.filter(pl.col("old_code") == province).get_column("new_code").to_list()
    if became:
        to = became[0]
        hint_vi = f"; tỉnh {province} nay thuộc tỉnh {to}: dùng --province {to}"
        hint_en = f"; province {province} is now part of {to}: use --province {to}"
    else:
        hint_vi = hint_en = ""
    listed = ", ".join(sorted(provinces.get_column("new_code").unique()))
    raise ReformDataError(
        [
            ConfigProblem(
                str(crosswalk_path),
                "",
                "--province",
                f"{province} không phải mã tỉnh sau sắp xếp (các tỉnh: {listed}){hint_vi} / "
                f"{province} is not a "
                f"province after the reform{hint_en} (provinces: {listed})",
            )
        ]
    )


@dataclass(frozen=True)
class Written:
    org_units: Path
    successions: Path


def write(tables: ReformTables, folder: Path, *, force: bool = False) -> Written:
    """Write both files into ``folder`` (atomically); an existing non-empty one is
    replaced only with ``force`` (checked for both before either is written)."""
    targets = (folder / ORG_UNITS_FILE, folder / SUCCESSIONS_FILE)
    with output_refused(folder):  # a name too long for the system, say
        if folder.exists() and not folder.is_dir():
            raise ReformDataError(
                [ConfigProblem(str(folder), "", "", "không phải thư mục / not a folder")]
            )
        kept = [p for p in targets if p.exists() and p.stat().st_size > 0]
    if kept and not force:
        raise ReformDataError(
            [
                ConfigProblem(
                    str(path),
                    "",
                    "",
                    "tệp đã có, không ghi đè (thêm --force để ghi đè) / the file exists and is "
                    "not empty: not overwritten (add --force to replace it)",
                )
                for path in kept
            ]
        )
    for frame, path in zip((tables.org_units, tables.successions), targets, strict=True):
        buffer = io.BytesIO()
        frame.write_csv(buffer)
        write_atomically(path, buffer.getvalue())
    return Written(*targets)
