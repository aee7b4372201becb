"""Trace one published figure: an indicator of one unit, through its formula's elements
and the child units' contributions, down to the submitted values and their files.

Alongside each published number the trace recomputes it from the revision's own inputs
with the roll-up itself, so a figure that disagrees with its inputs shows at once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

import polars as pl

from chitieu.config import Config
from chitieu.errors import ChitieuError
from chitieu.lineage.inputs import attributed, held_within, within
from chitieu.lineage.last_year import LastYearTrace, trace_last_year
from chitieu.periods import Period
from chitieu.rollup import roll_up
from chitieu.shown import clipped
from chitieu.warehouse.models import SnapshotRead


class TraceError(ChitieuError):
    """A trace that cannot be made: unknown indicator, or a unit outside the revision."""

    exit_code = 2


@dataclass(frozen=True)
class SourceValue:
    """One submitted value: the file it came from and whether the roll-up counted it."""

    submission_id: int
    source_name: str
    sha256: str
    submitted_at: dt.datetime | None
    submitted_by: str | None
    org_unit_code: str
    """As the report named it; ``unit`` is who holds it at the review (after mergers)."""
    unit: str
    period: str
    value: float | None
    note: str | None
    location: str | None
    share: float | None
    """The part of the value ``unit`` holds: 1, or a split unit's share (SPEC §3.7; null
    where none is known)."""
    used: bool
    """False when a report for a longer period covers this month, which then counts, or
    when it needed a share that does not exist."""


@dataclass(frozen=True)
class Contribution:
    """A child unit's value of an element, and the submitted values beneath it."""

    org_unit_code: str
    name: str
    value: float | None
    recomputed: float | None
    sources: list[SourceValue]


@dataclass(frozen=True)
class ElementTrace:
    code: str
    name: str
    measure: str
    value: float | None
    recomputed: float | None
    collected_at: str
    time_aggregation: str
    org_aggregation: str
    own: list[SourceValue]
    """The unit's own submitted values, where the element is collected at its level."""
    children: list[Contribution]

    @property
    def matches(self) -> bool:
        return self.value == self.recomputed and all(c.value == c.recomputed for c in self.children)


@dataclass(frozen=True)
class Trace:
    review_period: str
    root_org_unit: str
    revision: int
    status: str
    created_at: dt.datetime
    content_sha256: str
    config_matches: bool
    """Whether the configuration at hand is the one the revision was published with."""
    org_unit_code: str
    org_unit_name: str
    level: str
    indicator_code: str
    indicator_name: str
    measure: str
    formula: str
    actual: float | None
    target: float | None
    percent: float | None
    classification: str | None
    recomputed_actual: float | None
    recomputed_class: str | None
    elements: list[ElementTrace]
    as_of: dt.date | None = None
    """Set for a period restated on the units of a later day (``trace --as-of``): the
    figures are then the restatement of the revision's inputs, not published ones."""
    comparable: bool = True
    """False where the figure needed a succession share that does not exist."""
    last_year: LastYearTrace | None = None
    """The same period last year: where the revision's figure came from."""

    @property
    def matches(self) -> bool:
        """Every published number here equals its recomputation from the inputs."""
        return (
            self.actual == self.recomputed_actual
            and self.classification == self.recomputed_class
            and all(e.matches for e in self.elements)
            and (self.last_year is None or self.last_year.matches)
        )


def _at(frame: pl.DataFrame, unit: str, key: str, code: str, column: str) -> Any:
    found = frame.filter((pl.col("org_unit_code") == unit) & (pl.col(key) == code))
    return None if found.is_empty() else found.item(0, column)


def _sources(frame: pl.DataFrame) -> list[SourceValue]:
    ordered = frame.sort("period", "submitted_at", "submission_id", nulls_last=True)
    return [SourceValue(**row) for row in ordered.select(SOURCE_FIELDS).iter_rows(named=True)]


SOURCE_FIELDS = list(SourceValue.__dataclass_fields__)


def known_indicator(config: Config, indicator: str) -> None:
    """Raise `TraceError` unless the catalog defines ``indicator``: checked before a
    trace reads a revision and its inputs (a national one's, millions of values)."""
    codes = [i.code for i in config.catalog.indicators]
    if indicator not in codes:
        raise TraceError(
            f"chỉ tiêu {clipped(indicator)} không có trong danh mục (các chỉ tiêu: "
            f"{', '.join(codes)}) / unknown indicator {clipped(indicator)} (known: "
            f"{', '.join(codes)})"
        )


def trace_indicator(
    config: Config,
    snapshot: SnapshotRead,
    submissions: pl.DataFrame,
    values: pl.DataFrame,
    indicator: str,
    org: str,
    lang: str = "vi",
    as_of: dt.date | None = None,
) -> Trace:
    """Trace ``indicator`` of unit ``org`` in ``snapshot``.

    ``submissions`` and ``values``: the revision's inputs (``INPUT_SUBMISSIONS_SCHEMA``,
    ``INPUT_VALUES_SCHEMA``), as `Warehouse.input_submissions`/`input_values` give them.
    ``values``, and ``snapshot``'s element rows, may be only those of the formula's
    elements (`Catalog.formula_elements`): a figure, its elements and last year's figure are
    rolled up from those elements' values alone (a last year without them gives what a
    first year gives: history.csv's row or none).
    ``as_of``: trace the revision's period restated on the units of that day (SPEC §3.7)
    from the same inputs: the figures are the restatement's, each source value shown
    with the unit that holds it now and the share applied.
    """
    header = snapshot.header
    period = Period.parse(str(header["review_period"]))
    root = str(header["root_org_unit"])
    where = f"{period.code} {root} revision {header['revision']}"
    known_indicator(config, indicator)
    if as_of is not None:
        snapshot = restated(config, snapshot, submissions, values, as_of)
    published = snapshot.indicators.filter(
        (pl.col("org_unit_code") == org) & (pl.col("indicator_code") == indicator)
    )
    if published.is_empty():
        units = snapshot.indicators["org_unit_code"].unique(maintain_order=True)
        raise TraceError(
            f"đơn vị {clipped(org)} không có chỉ tiêu {indicator} trong bản "
            f"{header['revision']} của {period.code} {root} (các đơn vị của bản: "
            f"{', '.join(units)}) / unit {clipped(org)} has no "
            f"{indicator} in {where} "
            f"(its units: {', '.join(units)})"
        )
    spec = config.catalog.indicator(indicator)
    element_codes = config.catalog.formula_elements(indicator)

    recomputed = roll_up(
        config,
        values.select("org_unit_code", "element_code", "period", "value"),
        period,
        org,
        reports=submissions.select("org_unit_code", "period"),
        as_of=as_of,
    )
    row = published.row(0, named=True)
    last = (
        None
        if as_of is not None  # a restatement is no revision: it holds no last year
        else trace_last_year(config, header, row, submissions, values, indicator, org)
    )
    tree = within(config, period, org, as_of)
    # the values of the formula's elements held below the unit: a value is placed and
    # counted by its own unit's values of its own element (`held_within`)
    traced = values.filter(pl.col("element_code").is_in(element_codes))
    placed = (
        attributed(config, held_within(config, traced, period, tree, as_of), period, root, as_of)
        .join(
            submissions.select(
                "submission_id", "source_name", "sha256", "submitted_at", "submitted_by"
            ),
            on="submission_id",
        )
        .join(tree.select("org_unit_code", "branch"), left_on="unit", right_on="org_unit_code")
    )
    children = tree.filter(
        (pl.col("org_unit_code") == pl.col("branch")) & (pl.col("branch") != org)
    )
    # the unit's and its children's rows of the formula's elements: `_element` looks
    # each one up, and a national revision holds two million
    near = pl.col("org_unit_code").is_in([org, *children["org_unit_code"]]) & pl.col(
        "element_code"
    ).is_in(element_codes)
    shown = dataclasses.replace(snapshot, elements=snapshot.elements.filter(near))
    again = recomputed.elements.filter(near)
    elements = [
        _element(config, shown, again, placed, children, org, code, lang) for code in element_codes
    ]
    unit = tree.filter(pl.col("org_unit_code") == org).row(0, named=True)
    return Trace(
        review_period=period.code,
        root_org_unit=root,
        revision=cast(int, header["revision"]),
        status=str(header["status"]),
        created_at=cast(dt.datetime, header["created_at"]),
        content_sha256=str(header["content_sha256"]),
        config_matches=header["catalog_sha256"] == config.catalog_sha256,
        org_unit_code=org,
        org_unit_name=unit["name"],
        level=unit["level"],
        indicator_code=indicator,
        indicator_name=(spec.name_en or spec.name) if lang == "en" else spec.name,
        measure=spec.unit,
        formula=spec.formula,
        actual=row["actual"],
        target=row["target"],
        percent=row["percent"],
        classification=row["class"],
        recomputed_actual=_at(recomputed.indicators, org, "indicator_code", indicator, "actual"),
        recomputed_class=_at(recomputed.indicators, org, "indicator_code", indicator, "class"),
        elements=elements,
        as_of=as_of,
        comparable=row.get("comparable") is not False,
        last_year=last,
    )


def restated(
    config: Config,
    snapshot: SnapshotRead,
    submissions: pl.DataFrame,
    values: pl.DataFrame,
    as_of: dt.date,
) -> SnapshotRead:
    """``snapshot`` with its figures replaced by its inputs rolled up on the units of
    ``as_of`` (for the whole root): what a trace of a restatement shows."""
    header = snapshot.header
    again = roll_up(
        config,
        values.select("org_unit_code", "element_code", "period", "value"),
        Period.parse(str(header["review_period"])),
        str(header["root_org_unit"]),
        reports=submissions.select("org_unit_code", "period"),
        as_of=as_of,
    )
    return dataclasses.replace(snapshot, indicators=again.indicators, elements=again.elements)


def _element(
    config: Config,
    snapshot: SnapshotRead,
    recomputed: pl.DataFrame,
    placed: pl.DataFrame,
    children: pl.DataFrame,
    org: str,
    code: str,
    lang: str,
) -> ElementTrace:
    spec = config.catalog.element(code)
    mine = placed.filter(pl.col("element_code") == code)
    contributions = []
    for child in children.sort("org_unit_code").iter_rows(named=True):
        unit = child["org_unit_code"]
        value = _at(snapshot.elements, unit, "element_code", code, "value")
        again = _at(recomputed, unit, "element_code", code, "value")
        sources = mine.filter(pl.col("branch") == unit)
        has_row = not snapshot.elements.filter(
            (pl.col("org_unit_code") == unit) & (pl.col("element_code") == code)
        ).is_empty()
        if has_row or again is not None or not sources.is_empty():
            contributions.append(Contribution(unit, child["name"], value, again, _sources(sources)))
    return ElementTrace(
        code=code,
        name=(spec.name_en or spec.name) if lang == "en" else spec.name,
        measure=spec.unit,
        value=_at(snapshot.elements, org, "element_code", code, "value"),
        recomputed=_at(recomputed, org, "element_code", code, "value"),
        collected_at=config.collected_at(spec),
        time_aggregation=spec.time_aggregation,
        org_aggregation=spec.org_aggregation,
        own=_sources(mine.filter(pl.col("branch") == org)),
        children=contributions,
    )
