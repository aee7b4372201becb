"""How the checks of this package write numbers and elements in their messages: numbers
the Vietnamese way in Vietnamese (``3.061``, ``0,1``) and the English way in English
(``3,061``, ``0.1``); an element by its code and its name. Polars expressions, so that
a batch's messages are written in one pass however many there are."""

from __future__ import annotations

from typing import Final

import polars as pl

from chitieu.config import Config
from chitieu.periods import with_period_columns
from chitieu.rollup.hierarchy import valid_on

DECIMALS: Final = 6
"""Decimals kept before trailing zeros are dropped: more than any submitted figure has."""


def number(value: pl.Expr, lang: str, decimals: int = DECIMALS) -> pl.Expr:
    """``3061.0`` → ``3.061`` (vi) / ``3,061`` (en); ``0.1`` → ``0,1`` / ``0.1``; null → ``–``.
    At most ``decimals`` decimals, trailing zeros dropped."""
    rounded = value.cast(pl.Float64).round(decimals)
    whole = rounded.abs().floor()
    digits = whole.cast(pl.Int64).cast(pl.String)
    group, mark = (".", ",") if lang == "vi" else (",", ".")
    grouped = (
        digits.str.reverse()
        .str.replace_all(r"(\d{3})", "${1}" + group, literal=False)
        .str.reverse()
        .str.strip_chars_start(group)
    )
    fraction = (
        ((rounded.abs() - whole) * 10**decimals)
        .round(0)
        .cast(pl.Int64)
        .cast(pl.String)
        .str.zfill(decimals)
        .str.strip_chars_end("0")
    )
    sign = pl.when(rounded < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    text = pl.concat_str(
        sign,
        grouped,
        pl.when(fraction.str.len_chars() > 0).then(pl.lit(mark) + fraction).otherwise(pl.lit("")),
    )
    return pl.when(value.is_null()).then(pl.lit("–")).otherwise(text)


def element_names(config: Config) -> pl.DataFrame:
    """``element_code, element_vi, element_en``: ``DANG_VIEN_MOI (Số đảng viên mới…)`` and
    the same with the English name where the catalog has one."""
    return pl.DataFrame(
        {
            "element_code": [e.code for e in config.catalog.elements],
            "element_vi": [f"{e.code} ({e.name})" for e in config.catalog.elements],
            "element_en": [f"{e.code} ({e.name_en or e.name})" for e in config.catalog.elements],
        },
        schema={"element_code": pl.String, "element_vi": pl.String, "element_en": pl.String},
    )


def labelled(code: pl.Expr, config: Config, lang: str) -> pl.Expr:
    """An element code column as ``CODE (name)``; a code the catalog lacks stays as it is."""
    names = element_names(config)
    mapping = dict(zip(names["element_code"], names[f"element_{lang}"], strict=True))
    return code.replace_strict(mapping, default=code, return_dtype=pl.String)


def unit_names(frame: pl.DataFrame, org_units: pl.DataFrame) -> pl.Series:
    """The name of each row's unit (``org_unit_code``, ``period``) on its period's last
    day (codes are reused after mergers), in one join."""
    keyed = frame.select("org_unit_code", "period").with_row_index("row")
    ends = with_period_columns(keyed).with_columns(
        pl.date(pl.col("p_year"), pl.col("p_last"), 14).alias("p_end")
    )
    named = (
        ends.join(
            org_units.select(
                pl.col("code").alias("org_unit_code"), "name", "valid_from", "valid_to"
            ),
            on="org_unit_code",
            how="left",
        )
        .with_columns(
            pl.when(pl.col("p_end").is_null())
            .then(True)
            .otherwise(valid_on(pl.col("p_end")))
            .fill_null(False)
            .alias("current")
        )
        .sort("row", "current", "valid_from", nulls_last=False)
        .group_by("row", maintain_order=True)
        .agg(pl.col("name").last())
    )
    return keyed.join(named, on="row", how="left").sort("row").get_column("name").fill_null("")
