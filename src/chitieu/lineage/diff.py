"""What changed between two revisions of a review, and which submissions caused it.

Between revisions the inputs differ (reports added, or superseded by corrected ones) or
the configuration does. A changed element of unit U is explained by the added or removed
submissions that carry a value of that element from a unit in U's subtree; a changed
indicator by those touching any element of its formula there. A changed figure for the
same period last year is explained the same way by last year's submissions (placed on
the units at the end of the review), or by history.csv when the revisions used
different ones (``history_changed``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl

from chitieu.config import Config
from chitieu.lineage.inputs import attributed
from chitieu.periods import Period
from chitieu.rollup.hierarchy import ancestors, subtree
from chitieu.rollup.last_year import previous_period, with_comparable
from chitieu.warehouse.models import SnapshotRead


@dataclass(frozen=True)
class ChangedSubmission:
    submission_id: int
    source_name: str
    sha256: str
    org_unit_code: str
    period: str
    submitted_at: Any
    status: str
    """Its status now (a removed one is usually ``superseded``)."""


@dataclass(frozen=True)
class Change:
    """One unit's indicator or element whose value or class differs."""

    org_unit_code: str
    code: str
    before: dict[str, Any]
    after: dict[str, Any]
    added: list[int]
    """submission_id of the added submissions behind the change."""
    removed: list[int]


@dataclass(frozen=True)
class SnapshotDiff:
    review_period: str
    root_org_unit: str
    before: dict[str, Any]
    """Header of the older revision (``SNAPSHOTS_SCHEMA`` fields)."""
    after: dict[str, Any]
    added: list[ChangedSubmission]
    removed: list[ChangedSubmission]
    indicators: list[Change]
    elements: list[Change]
    signoffs: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    """The approvals and reopenings of the revisions from the older one up to (not
    including) the newer one, in chain order: why the figures were opened again."""
    last_year: list[Change] = dataclasses.field(default_factory=list)
    """Units' indicators whose same-period-last-year figure (or a comparable flag)
    differs, with last year's submissions behind the change."""

    @property
    def catalog_changed(self) -> bool:
        return bool(self.before["catalog_sha256"] != self.after["catalog_sha256"])

    @property
    def history_changed(self) -> bool:
        """Whether the history.csv whose figures entered the revisions differs."""
        return bool(self.before.get("history_sha256") != self.after.get("history_sha256"))


INDICATOR_VALUES = ["actual", "target", "percent", "class"]
LAST_YEAR_VALUES = ["comparable", "last_actual", "last_comparable"]


def _changed(old: pl.DataFrame, new: pl.DataFrame, key: str, compared: list[str]) -> pl.DataFrame:
    """Rows (``org_unit_code``, ``key``) whose ``compared`` columns differ between the
    revisions (a row on one side only differs), the new values as ``<column>_after``."""
    keys = ["org_unit_code", key]
    left = old.select(*keys, *compared).with_columns(pl.lit(True).alias("_old"))
    right = new.select(*keys, *compared).with_columns(pl.lit(True).alias("_new"))
    joined = left.join(right, on=keys, how="full", coalesce=True, suffix="_after")
    differs = pl.col("_old").is_null() | pl.col("_new").is_null()
    for column in compared:
        differs = differs | pl.col(column).ne_missing(pl.col(f"{column}_after"))
    after = [f"{column}_after" for column in compared]
    return joined.filter(differs).select(*keys, *compared, *after).sort(keys)


def _reach(
    config: Config,
    values: pl.DataFrame,
    sides: dict[str, set[int]],
    period: Period,
    root: str,
    as_of: dt.date | None = None,
) -> pl.DataFrame:
    """``org_unit_code, element_code, submission_id, side``: for each value of an added or
    removed submission of ``period``, every unit whose element value it reaches (its own
    unit's and every ancestor's up to the root) on the units of ``as_of``."""
    side = pl.lit(None, pl.String)
    for name, ids in sides.items():
        side = (
            pl.when(pl.col("submission_id").is_in(sorted(ids))).then(pl.lit(name)).otherwise(side)
        )
    # the changed submissions' values alone: where a value lands (its unit and share)
    # is its own unit's history, whatever the other values (they only decide whether the
    # roll-up counted it, which the reach does not ask); a national revision's inputs
    # are millions of values, a correction's a few dozen
    changed = values.filter(side.is_not_null())
    placed = (
        attributed(config, changed.unique(), period, root, as_of)
        .with_columns(side.alias("side"))
        .filter(pl.col("unit").is_not_null())
    )
    units = subtree(config.org_units, root, as_of or period.end)
    closure = ancestors(units.select("org_unit_code", "parent_code"), of=placed["unit"])
    return (
        placed.join(closure, left_on="unit", right_on="org_unit_code")
        .select(
            pl.col("ancestor_code").alias("org_unit_code"), "element_code", "submission_id", "side"
        )
        .unique()
    )


def _explained(
    rows: pl.DataFrame, key: str, reach: pl.DataFrame, elements_of: Callable[[str], list[str]]
) -> list[Change]:
    """One `Change` per row of `_changed`, with the added and removed submissions that
    reach its unit through one of ``elements_of(code)``: found by joins, for every row at
    once (a restated month changes thousands of rows, a reach holds millions)."""
    compared = [c.removesuffix("_after") for c in rows.columns if c.endswith("_after")]
    uses = pl.DataFrame(
        [(code, element) for code in rows[key].unique() for element in elements_of(code)],
        schema={"_code": pl.String, "element_code": pl.String},
        orient="row",
    )
    ids = pl.col("submission_id")
    behind = (
        rows.select("org_unit_code", pl.col(key).alias("_code"))
        .join(uses, on="_code")
        .join(reach, on=["org_unit_code", "element_code"])
        .group_by("org_unit_code", "_code")
        .agg(
            ids.filter(pl.col("side") == side).unique().sort().alias(side)
            for side in ("added", "removed")
        )
        .rename({"_code": key})
    )
    explained = rows.join(behind, on=["org_unit_code", key], how="left", maintain_order="left")
    return [
        Change(
            org_unit_code=row["org_unit_code"],
            code=row[key],
            before={c: row[c] for c in compared},
            after={c: row[f"{c}_after"] for c in compared},
            added=row["added"] or [],
            removed=row["removed"] or [],
        )
        for row in explained.iter_rows(named=True)
    ]


def _listed(submissions: pl.DataFrame, ids: set[int]) -> list[ChangedSubmission]:
    rows = submissions.unique("submission_id").filter(pl.col("submission_id").is_in(sorted(ids)))
    fields = list(ChangedSubmission.__dataclass_fields__)
    return [
        ChangedSubmission(**row)
        for row in rows.sort("submission_id").select(fields).iter_rows(named=True)
    ]


def changed_submissions(before: SnapshotRead, after: SnapshotRead) -> dict[str, set[int]]:
    """The input submissions ``added`` to revision ``after`` and ``removed`` from
    ``before``: the only ones whose values a diff reads."""
    old_ids = set(before.inputs["submission_id"])
    new_ids = set(after.inputs["submission_id"])
    return {"added": new_ids - old_ids, "removed": old_ids - new_ids}


def diff_snapshots(
    config: Config,
    before: SnapshotRead,
    after: SnapshotRead,
    submissions: pl.DataFrame,
    values: pl.DataFrame,
    signoffs: pl.DataFrame | None = None,
) -> SnapshotDiff:
    """Compare two revisions of one review. ``submissions`` and ``values``: the inputs of
    both (``INPUT_SUBMISSIONS_SCHEMA``, ``INPUT_VALUES_SCHEMA``), duplicates allowed; of
    the values, those of the `changed_submissions` are all it reads;
    ``signoffs``: the review's approvals and reopenings (``APPROVALS_SCHEMA``). The
    revisions may hold only their rows that differ (`Warehouse.snapshot_differences`):
    rows alike on both sides change nothing here."""
    period = Period.parse(str(after.header["review_period"]))
    root = str(after.header["root_org_unit"])
    sides = changed_submissions(before, after)
    reach = _reach(config, values, sides, period, root)
    known = {i.code for i in config.catalog.indicators}

    def formula_of(code: str) -> list[str]:
        return config.catalog.formula_elements(code) if code in known else []

    indicators = _changed(before.indicators, after.indicators, "indicator_code", INDICATOR_VALUES)
    elements = _changed(before.elements, after.elements, "element_code", ["value"])
    # a revision of content version 1 holds null flags: read as comparable, as reports do
    last = _changed(
        with_comparable(before.indicators),
        with_comparable(after.indicators),
        "indicator_code",
        LAST_YEAR_VALUES,
    )
    last_reach = _reach(config, values, sides, previous_period(period), root, period.end)
    return SnapshotDiff(
        review_period=period.code,
        root_org_unit=root,
        before=before.header,
        after=after.header,
        added=_listed(submissions, sides["added"]),
        removed=_listed(submissions, sides["removed"]),
        indicators=_explained(indicators, "indicator_code", reach, formula_of),
        elements=_explained(elements, "element_code", reach, lambda code: [code]),
        signoffs=_between(signoffs, before.header["revision"], after.header["revision"]),
        last_year=_explained(last, "indicator_code", last_reach, formula_of),
    )


def _between(signoffs: pl.DataFrame | None, one: object, other: object) -> list[dict[str, Any]]:
    """Sign-offs of the revisions from the older of the two up to the newer (excluded)."""
    if signoffs is None:
        return []
    low, high = sorted((int(str(one)), int(str(other))))
    found = signoffs.filter((pl.col("revision") >= low) & (pl.col("revision") < high))
    columns = ["seq", "action", "revision", "by_name", "title", "note", "at", "sha256"]
    return found.sort("seq").select(columns).to_dicts()
