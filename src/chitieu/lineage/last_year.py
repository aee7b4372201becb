"""Where a revision's same-period-last-year figure came from: last year's submitted
values under the unit (the old units' files, placed on the units at the end of the
review), or the history.csv lines that filled it; recomputed beside the published one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import polars as pl

from chitieu.config import Config
from chitieu.config.history import no_history
from chitieu.lineage.inputs import attributed
from chitieu.periods import Period
from chitieu.rollup.hierarchy import ancestors, subtree
from chitieu.rollup.last_year import contributors, last_year


@dataclass(frozen=True)
class HistoryLine:
    """A row of history.csv behind a last-year figure."""

    line: int
    org_unit_code: str
    period: str
    actual: float


@dataclass(frozen=True)
class LastYearTrace:
    period: str
    """Last year's period (2023S1 for a 2024S1 review)."""
    as_of: dt.date
    """The day whose units last year was restated on: the end of the review."""
    comparable: bool | None
    """This year's figure's flag, as published (None in a revision of content version 1)."""
    last_actual: float | None
    last_comparable: bool | None
    recomputed_actual: float | None
    recomputed_comparable: bool | None
    source: str | None
    """``warehouse``, ``history`` (history.csv) or None where last year has no figure."""
    checked: bool
    """Whether the published figure is compared with the recomputed one: not for a
    revision of content version 1 (it holds none), nor with another history.csv."""
    submissions: list[dict[str, object]]
    """Last year's submitted values of the formula's elements under the unit (``SourceValue``
    fields: ``org_unit_code`` as the old report named it, ``unit`` who holds it now and
    the ``share`` of it that unit holds, null where nobody knows)."""
    history: list[HistoryLine]

    @property
    def matches(self) -> bool:
        return not self.checked or (
            self.last_actual == self.recomputed_actual
            and self.last_comparable == self.recomputed_comparable
        )


def trace_last_year(
    config: Config,
    header: dict[str, object],
    published: dict[str, object],
    submissions: pl.DataFrame,
    values: pl.DataFrame,
    indicator: str,
    org: str,
) -> LastYearTrace:
    """Last year's figure of ``indicator`` at ``org`` in a revision (``header``; its row
    ``published``), from the revision's inputs (``submissions``, ``values``: this year's
    and last year's, as `trace_indicator` gets them)."""
    period = Period.parse(str(header["review_period"]))
    root = str(header["root_org_unit"])
    checked = compares_last_year(config, header)
    used = config if checked is None else history_config(config, header)
    figures = values.select("org_unit_code", "element_code", "period", "value")
    last = last_year(used, figures, period, root)
    mine = last.figures.filter(
        (pl.col("org_unit_code") == org) & (pl.col("indicator_code") == indicator)
    )
    again = mine.row(0, named=True) if not mine.is_empty() else {}
    return LastYearTrace(
        period=last.period.code,
        as_of=last.as_of,
        comparable=_flag(published.get("comparable")),
        last_actual=_number(published.get("last_actual")),
        last_comparable=_flag(published.get("last_comparable")),
        recomputed_actual=again.get("last_actual"),
        recomputed_comparable=again.get("last_comparable"),
        source=again.get("source"),
        checked=bool(checked),
        submissions=_submitted(
            config, values, submissions, last.period, last.as_of, root, org, indicator
        ),
        history=_history_lines(used, last.period, last.as_of, org, indicator),
    )


def compares_last_year(config: Config, header: dict[str, object]) -> bool | None:
    """Whether a revision's last-year figures are recomputed with ``config``: None for a
    revision of content version 1 (it holds none), False when it used a history.csv
    other than ``config``'s."""
    if int(str(header.get("content_version") or 1)) < 2:
        return None
    used = header.get("history_sha256")
    return used is None or used == config.history_sha256


def history_config(config: Config, header: dict[str, object]) -> Config:
    """``config`` as a revision's last year is recomputed with: its history.csv counts
    only where the revision used one (else none of it filled a gap then)."""
    if header.get("history_sha256"):
        return config
    return dataclasses.replace(config, history=no_history(), history_sha256=None)


def _flag(value: object) -> bool | None:
    return None if value is None else bool(value)


def _number(value: object) -> float | None:
    return None if value is None else float(str(value))


def _submitted(
    config: Config,
    values: pl.DataFrame,
    submissions: pl.DataFrame,
    period: Period,
    as_of: dt.date,
    root: str,
    org: str,
    indicator: str,
) -> list[dict[str, object]]:
    elements = config.catalog.formula_elements(indicator)
    below = ancestors(subtree(config.org_units, root, as_of).select("org_unit_code", "parent_code"))
    under = below.filter(pl.col("ancestor_code") == org).select(
        pl.col("org_unit_code").alias("unit")
    )
    placed = (
        attributed(config, values, period, root, as_of)
        .filter(pl.col("element_code").is_in(elements))
        .join(under, on="unit", how="semi")
        .join(
            submissions.select(
                "submission_id", "source_name", "sha256", "submitted_at", "submitted_by"
            ),
            on="submission_id",
        )
    )
    columns = [
        "submission_id",
        "source_name",
        "sha256",
        "submitted_at",
        "submitted_by",
        "org_unit_code",
        "unit",
        "share",
        "element_code",
        "period",
        "value",
        "note",
        "location",
        "used",
    ]
    ordered = placed.sort("element_code", "org_unit_code", "period", "submission_id")
    return ordered.select(columns).to_dicts()


def _history_lines(
    config: Config, period: Period, as_of: dt.date, org: str, indicator: str
) -> list[HistoryLine]:
    theirs = contributors(config, period, as_of).filter(pl.col("unit") == org)
    rows = (
        config.history.filter(
            (pl.col("period") == period.code) & (pl.col("indicator_code") == indicator)
        )
        .join(theirs, on="org_unit_code", how="semi")
        .sort("line")
    )
    return [
        HistoryLine(row["line"], row["org_unit_code"], row["period"], row["actual"])
        for row in rows.iter_rows(named=True)
    ]
