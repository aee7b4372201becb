"""What a draft is checked against: one unit's indicators in one published revision."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl

from chitieu.config import Config
from chitieu.periods import Period
from chitieu.rollup.summary import ClassCounts, class_counts


@dataclass(frozen=True)
class Published:
    """One indicator of the unit as the revision published it, with its catalog names."""

    code: str
    name: str
    name_en: str
    unit: str
    direction: str
    actual: float | None
    target: float | None
    percent: float | None
    class_name: str | None


@dataclass(frozen=True)
class RevisionFigures:
    review_period: str
    root_org_unit: str
    org_unit_code: str
    revision: int
    status: str
    created_at: Any
    content_sha256: str
    resolution_org_unit: str
    indicators: tuple[Published, ...]
    counts: ClassCounts
    on_track: float
    """The catalog's on-track threshold (50), which the summary sentence names."""

    def trace_command(self, code: str) -> str:
        """The command that shows where the unit's figure of ``code`` came from."""
        command = f"chitieu trace {self.review_period} {code} --revision {self.revision}"
        if self.org_unit_code != self.root_org_unit:
            command += f" --org {self.org_unit_code}"
        if self.root_org_unit != self.resolution_org_unit:
            command += f" --root {self.root_org_unit}"
        return command


def revision_figures(
    config: Config, header: dict[str, Any], indicators: pl.DataFrame, unit: str
) -> RevisionFigures:
    """The unit's rows of a revision (``snapshot_indicators``), in catalog order."""
    mine = indicators.filter(pl.col("org_unit_code") == unit)
    rows = {r["indicator_code"]: r for r in mine.iter_rows(named=True)}
    published = tuple(
        Published(
            code=spec.code,
            name=spec.name,
            name_en=spec.name_en or "",
            unit=spec.unit,
            direction=spec.direction,
            actual=rows[spec.code]["actual"],
            target=rows[spec.code]["target"],
            percent=rows[spec.code]["percent"],
            class_name=rows[spec.code]["class"],
        )
        for spec in config.catalog.indicators
        if spec.code in rows
    )
    return RevisionFigures(
        review_period=str(header["review_period"]),
        root_org_unit=str(header["root_org_unit"]),
        org_unit_code=unit,
        revision=int(str(header["revision"])),
        status=str(header["status"]),
        created_at=header["created_at"],
        content_sha256=str(header["content_sha256"]),
        resolution_org_unit=config.catalog.resolution.org_unit,
        indicators=published,
        counts=class_counts(mine),
        on_track=config.catalog.classification.on_track,
    )


@dataclass(frozen=True)
class RevisionUnits:
    """The units of a revision a draft may speak of (`chitieu.narrative.sections`): their
    names as the review names them, and each one's figures, built when asked for."""

    names: dict[str, str]
    """``org_unit_code`` → name, for every unit the revision has figures of."""
    figures: Callable[[str], RevisionFigures]


def revision_units(
    config: Config, header: dict[str, Any], indicators: pl.DataFrame
) -> RevisionUnits:
    """Every unit of a revision (``snapshot_indicators``), named as on the review's last
    day (a reused code by its name then)."""
    from chitieu.report.model import unit_names

    day = Period.parse(str(header["review_period"])).end
    codes = indicators.select("org_unit_code").unique()
    named = codes.join(unit_names(config.org_units, day), on="org_unit_code", how="left")
    by_unit: dict[str, pl.DataFrame] = {}

    def build(unit: str) -> RevisionFigures:
        if not by_unit:  # split once: a national annex names thousands of units
            parts = indicators.partition_by("org_unit_code", as_dict=True)
            by_unit.update((str(key[0]), part) for key, part in parts.items())
        return revision_figures(config, header, by_unit.get(unit, indicators.clear()), unit)

    return RevisionUnits({code: name or code for code, name in named.iter_rows()}, build)
