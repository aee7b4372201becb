"""The reform as a configuration's tables: pure polars, the whole country at once.

`org_units` (SPEC §1 ``org_units.csv``): the pre-reform provinces, districts and
communes valid until the day before the reform, the new provinces and communes valid
from its date. A code the reform reused (``28984`` the old town, then the new commune
of Giồng Trôm) is two rows of non-overlapping validity.

`successions` (SPEC §1 ``successions.csv``): one row per old unit and new unit that
took over (part of) it on the reform's date:

- every row of the crosswalk (provinces into provinces, communes into communes, the
  five island districts that had no communes into their special zones); ``full``
  rows have share 1, ``partial`` rows an empty share, since nobody knows it;
- every other district, dissolved, into the new province(s) its communes went to:
  share 1 where that is one province, empty where its communes went to several.

`select_province` keeps what one new province needs: the province, its communes,
the old units they took over and the units above those.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

import polars as pl

from chitieu.config.successions import SUCCESSION_COLUMNS
from chitieu.config.tables import ORG_UNIT_COLUMNS

REFORM_DATE: Final = dt.date(2025, 7, 1)
DEFAULT_VALID_FROM: Final = dt.date(2025, 1, 1)
"""The units of the March 2025 catalogue are taken as valid from 1 January 2025 (the
year whose January–June the new units' reviews need); an earlier start is the user's
choice (``--valid-from``): some of these units were formed by mergers in 2024."""
COUNTRY_CODE: Final = "VN"
COUNTRY_NAME: Final = "Việt Nam"
_OLD_RANK: Final = {"province": 0, "district": 1, "commune": 2}


@dataclass(frozen=True)
class ReformTables:
    """The two files of a configuration, as text columns ready to be written."""

    org_units: pl.DataFrame
    """code, name, level, parent_code, valid_from, valid_to, successor_code"""
    successions: pl.DataFrame
    """old_code, new_code, date, share ("1" or null)"""


def _iso(day: dt.date) -> pl.Expr:
    return pl.lit(day.isoformat(), pl.String)


def old_units(units: pl.DataFrame, valid_from: dt.date, reform_date: dt.date) -> pl.DataFrame:
    """The pre-reform units, ending the day before the reform."""
    return units.select(
        "code",
        "name",
        "level",
        "parent_code",
        _iso(valid_from).alias("valid_from"),
        _iso(reform_date - dt.timedelta(days=1)).alias("valid_to"),
        pl.lit(None, pl.String).alias("successor_code"),
    )


def new_units(crosswalk: pl.DataFrame, reform_date: dt.date) -> pl.DataFrame:
    """The new provinces, then the new communes, in the crosswalk's order."""
    first_rows = crosswalk.unique(["level", "new_code"], keep="first", maintain_order=True)
    return (
        first_rows.with_columns(
            (pl.col("level") != "province").alias("below"),
            pl.int_range(pl.len()).alias("order"),
        )
        .sort("below", "order")
        .select(
            pl.col("new_code").alias("code"),
            pl.col("new_name").alias("name"),
            "level",
            pl.when(pl.col("level") == "province")
            .then(pl.lit(None, pl.String))
            .otherwise(pl.col("new_parent_code"))
            .alias("parent_code"),
            _iso(reform_date).alias("valid_from"),
            pl.lit(None, pl.String).alias("valid_to"),
            pl.lit(None, pl.String).alias("successor_code"),
        )
    )


def successions(units: pl.DataFrame, crosswalk: pl.DataFrame, reform_date: dt.date) -> pl.DataFrame:
    """Every succession of the reform, with ``old_level`` (dropped when written):
    provinces, then districts, then communes."""
    old_level = units.select(pl.col("code").alias("old_code"), pl.col("level").alias("old_level"))
    listed = crosswalk.join(old_level, on="old_code", how="left").select(
        "old_code",
        "new_code",
        pl.when(pl.col("type") == "full").then(pl.lit("1")).alias("share"),
        "old_level",
    )
    # a district goes to the new province(s) its communes' successors lie in
    commune_district = units.filter(pl.col("level") == "commune").select(
        pl.col("code").alias("old_code"), pl.col("parent_code").alias("district")
    )
    district_provinces = (
        crosswalk.filter(pl.col("level") == "commune")
        .join(commune_district, on="old_code")
        .select("district", pl.col("new_parent_code").alias("new_code"))
        .unique()
        .join(listed.select(pl.col("old_code").alias("district")), on="district", how="anti")
        .with_columns(pl.len().over("district").alias("provinces"))
        .sort("district", "new_code")
        .select(
            pl.col("district").alias("old_code"),
            "new_code",
            pl.when(pl.col("provinces") == 1).then(pl.lit("1")).alias("share"),
            pl.lit("district").alias("old_level"),
        )
    )
    return (
        pl.concat([listed, district_provinces])
        .with_columns(
            pl.col("old_level").replace_strict(_OLD_RANK, return_dtype=pl.Int8).alias("rank"),
            pl.int_range(pl.len()).alias("order"),
        )
        .sort("rank", "order")
        .select(
            "old_code",
            "new_code",
            _iso(reform_date).alias("date"),
            pl.col("share").cast(pl.String),
            "old_level",
        )
    )


def reform_tables(
    units: pl.DataFrame,
    crosswalk: pl.DataFrame,
    *,
    province: str | None = None,
    country: bool = False,
    valid_from: dt.date = DEFAULT_VALID_FROM,
    reform_date: dt.date = REFORM_DATE,
) -> ReformTables:
    """The configuration's org units and successions for one new ``province`` (its
    code after the reform) or, with ``country``, for the whole country under a
    ``VN`` root. ``units`` and ``crosswalk`` are the checked input frames."""
    if (province is None) == (not country):
        raise ValueError("give exactly one of province or country")
    old = old_units(units, valid_from, reform_date)
    new = new_units(crosswalk, reform_date)
    handed_over = successions(units, crosswalk, reform_date)
    if province is not None:
        old, new, handed_over = select_province(old, new, handed_over, province)
    else:
        old, new = _under_country(old, new, valid_from)
    return ReformTables(
        org_units=pl.concat([old, new]).select(ORG_UNIT_COLUMNS),
        successions=handed_over.select(SUCCESSION_COLUMNS),
    )


def _under_country(
    old: pl.DataFrame, new: pl.DataFrame, valid_from: dt.date
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One root above the provinces before and after the reform: the national review's."""
    root = pl.DataFrame(
        {
            "code": [COUNTRY_CODE],
            "name": [COUNTRY_NAME],
            "level": ["country"],
            "parent_code": [None],
            "valid_from": [valid_from.isoformat()],
            "valid_to": [None],
            "successor_code": [None],
        },
        schema=dict.fromkeys(ORG_UNIT_COLUMNS, pl.String),
    )
    to_root = pl.when(pl.col("level") == "province").then(pl.lit(COUNTRY_CODE))
    return (
        pl.concat([root, old.with_columns(to_root.otherwise("parent_code").alias("parent_code"))]),
        new.with_columns(to_root.otherwise("parent_code").alias("parent_code")),
    )


def select_province(
    old: pl.DataFrame, new: pl.DataFrame, handed_over: pl.DataFrame, province: str
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """What the new ``province`` needs: itself and its communes; the old units they
    took over (in whole or in part) and every unit above those; the successions
    between the two."""
    kept_new = new.filter((pl.col("code") == province) | (pl.col("parent_code") == province))
    new_codes = kept_new.get_column("code").implode()
    into = handed_over.filter(pl.col("new_code").is_in(new_codes))
    # the old units that went into the province (districts follow from their communes)
    seeds = into.filter(pl.col("old_level") != "district").select(pl.col("old_code").alias("code"))
    kept_old = seeds
    parents = old.select("code", "parent_code")
    while not seeds.is_empty():  # once per level above the communes
        seeds = (
            seeds.join(parents, on="code")
            .select(pl.col("parent_code").alias("code"))
            .drop_nulls()
            .unique()
            .join(kept_old, on="code", how="anti")
        )
        kept_old = pl.concat([kept_old, seeds])
    old_codes = kept_old.get_column("code").implode()
    return (
        old.filter(pl.col("code").is_in(old_codes)),
        kept_new,
        into.filter(pl.col("old_code").is_in(old_codes)),
    )
