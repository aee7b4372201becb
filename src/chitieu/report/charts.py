"""What the charts show, as plain data: the class counts, each indicator's percent of
target against the classification's bands, and completeness by unit and month. The HTML
report draws them as inline SVG (`chitieu.report.svg`), the Word document as pictures
(`chitieu.report.png`)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from chitieu.config.catalog import Classification
from chitieu.report.completeness import CompletenessAnnex
from chitieu.report.labels import month_label
from chitieu.rollup.summary import ClassCounts

CLASS_COLOURS = {
    "exceeded": "#1a7f37",
    "basically_achieved": "#57ab5a",
    "on_track": "#d4a72c",
    "below_half": "#e16f24",
    "not_started": "#b62324",
    "year_end": "#8c959f",
    "no_target": "#d0d7de",
}
"""Green for achieved through red for not started; grey for what is not judged yet."""


@dataclass(frozen=True)
class Bar:
    key: str
    label: str
    value: float | None
    group: str = ""


@dataclass(frozen=True)
class Heatmap:
    rows: list[str]
    columns: list[str]
    values: list[list[float | None]]
    """Received / expected, 0..1; None where nothing was due."""


@dataclass(frozen=True)
class Charts:
    classes: list[Bar]
    """One bar per class, ``below_half`` without ``not_started`` (its own bar)."""
    bands: list[Bar]
    """One bar per indicator (``key``: its class), percent of target, grouped by field."""
    thresholds: Classification
    completeness: Heatmap


def class_bars(counts: ClassCounts, labels: dict[str, str]) -> list[Bar]:
    values = counts.as_dict()
    values["below_half"] -= values["not_started"]
    names = ["exceeded", "basically_achieved", "on_track", "below_half", "not_started"]
    names += ["year_end"] + (["no_target"] if values["no_target"] else [])
    return [Bar(name, labels[name], values[name]) for name in names]


def band_bars(indicators: pl.DataFrame) -> list[Bar]:
    """``indicators``: the root's rows in catalog order (``indicator_code, group, percent,
    class``)."""
    return [
        Bar(row["class"] or "no_target", row["indicator_code"], row["percent"], row["group"])
        for row in indicators.iter_rows(named=True)
    ]


def completeness_heatmap(annex: CompletenessAnnex, lang: str) -> Heatmap:
    cells = annex.cells.with_columns(
        pl.when(pl.col("expected") > 0).then(pl.col("received") / pl.col("expected")).alias("rate")
    )
    rates = {(u, p): r for u, p, r in cells.select("org_unit_code", "period", "rate").iter_rows()}
    units = annex.units.filter(~pl.col("is_root"))
    return Heatmap(
        rows=[name or code for code, name in units.select("org_unit_code", "name").iter_rows()],
        columns=[month_label(m, lang) for m in annex.months],
        values=[
            [rates.get((code, m.code)) for m in annex.months]
            for code in units.get_column("org_unit_code")
        ],
    )
