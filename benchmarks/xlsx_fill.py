"""Workbooks as commune officers send them back: ``chitieu template``'s workbook of each
unit, its value cells filled in (numbers as numbers, the rejected attempt's ``-1`` too)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl

from chitieu.config import load_config
from chitieu.excel.template import template_workbook
from chitieu.periods import Period


def fill_workbooks(
    period: str,
    rows: pl.DataFrame,
    folder: Path,
    config_dir: Path,
    name: Callable[[str, str, int, str], str],
) -> int:
    """One workbook per report of ``rows`` (``seq, unit, version, element_code,
    value``) in ``folder``; returns how many."""
    config = load_config(config_dir)
    when = Period.parse(period)
    reports = rows.group_by("seq", maintain_order=True).agg(
        pl.col("unit").first(),
        pl.col("version").first(),
        pl.col("element_code"),
        pl.col("value").cast(pl.Float64),
    )
    for unit, version, codes, values in reports.select(
        "unit", "version", "element_code", "value"
    ).iter_rows():
        figures = {
            code: int(v) if v.is_integer() else v for code, v in zip(codes, values, strict=True)
        }
        content = template_workbook(config, unit, when, figures)
        (folder / name(unit, period, version, "xlsx")).write_bytes(content)
    return reports.height
