"""`snapshots verify` whole: the warehouse's own checks (hashes, chains, input
submissions, heads log, archive: `Warehouse.verification`) and, for each revision, its
figures recomputed from its inputs with the roll-up and the configuration.

A revision published with another configuration (its ``catalog_sha256`` is not the one
of ``--config``) is not recomputed: the difference would be the configuration's, not a
tampering. Verify says so for each such revision instead of reporting false mismatches.

A revision of content version 2 also holds the same period last year: it is recomputed
from the revision's own inputs (last year's submissions are among them) and, where the
revision recorded a history.csv (``history_sha256``), from that file when ``--config``
holds the same one; with another one, last year's figures are not compared, and a note
says so. A revision of version 1 holds no last-year figures to compare.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import polars as pl

from chitieu.config import Config, load_config
from chitieu.errors import ChitieuError
from chitieu.lineage.last_year import compares_last_year, history_config
from chitieu.periods import Period
from chitieu.rollup import roll_up
from chitieu.rollup.last_year import last_year, with_last_year
from chitieu.warehouse import Verification, VerifyNote, VerifyProblem, Warehouse
from chitieu.warehouse.models import (
    SNAPSHOT_ELEMENTS_SCHEMA,
    SNAPSHOT_INDICATORS_SCHEMA,
    SnapshotRead,
)

RELATIVE_TOLERANCE: Final = 1e-9
"""Numbers that differ by less than this share are the same figure: a sum of the same
floats in another order may differ in its last bit."""
SHOWN: Final = 5
"""Differing figures named in one problem; the rest are counted."""


def _same(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    close = (a == b) | ((a - b).abs() <= RELATIVE_TOLERANCE * pl.max_horizontal(a.abs(), b.abs()))
    both = a.is_not_null() & b.is_not_null()
    return (a.is_null() & b.is_null()) | (both & (close | (a.is_nan() & b.is_nan())))


def _text(value: object) -> str:
    return "–" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def _differences(
    published: pl.DataFrame, recomputed: pl.DataFrame, keys: list[str], columns: list[str]
) -> list[str]:
    """One line per key whose columns differ, or that only one side has."""
    joined = published.with_columns(pl.lit(True).alias("_published")).join(
        recomputed.with_columns(pl.lit(True).alias("_recomputed")),
        on=keys,
        how="full",
        coalesce=True,
        suffix="_again",
    )
    same = {
        f"_same_{c}": (
            _same(pl.col(c), pl.col(f"{c}_again"))
            if published.schema[c].is_numeric()
            else pl.col(c).eq_missing(pl.col(f"{c}_again"))
        ).fill_null(False)
        for c in columns
    }
    flagged = joined.with_columns(**same)
    differing = flagged.filter(~pl.all_horizontal(list(same))).sort(keys)
    lines = []
    for row in differing.iter_rows(named=True):
        key = " ".join(str(row[k]) for k in keys)
        if not row["_published"]:
            lines.append(f"{key} recomputed but not published")
        elif not row["_recomputed"]:
            lines.append(f"{key} published but not recomputed")
        else:
            lines += [
                f"{key} {c} {_text(row[c])} (recomputed {_text(row[f'{c}_again'])})"
                for c in columns
                if not row[f"_same_{c}"]
            ]
    return lines


ROLLUP_COLUMNS: Final = ["level", "actual", "target", "percent", "class"]
LAST_YEAR_COLUMNS: Final = ["comparable", "last_actual", "last_comparable"]


def differences(
    config: Config, read: SnapshotRead, submissions: pl.DataFrame, values: pl.DataFrame
) -> list[str]:
    """Where a revision's figures differ from a roll-up of its own inputs (``submissions``,
    ``values``: `Warehouse.input_submissions`, `input_figures`) with ``config``; last
    year's too when `compares_last_year`."""
    header = read.header
    period = Period.parse(str(header["review_period"]))
    root = str(header["root_org_unit"])
    figures = values.select("org_unit_code", "element_code", "period", "value")
    again = roll_up(
        config,
        figures,
        period,
        root,
        reports=submissions.select("org_unit_code", "period"),
    )
    rows, columns = again.indicators, ROLLUP_COLUMNS
    if compares_last_year(config, header):
        history = history_config(config, header)
        rows = with_last_year(rows, last_year(history, figures, period, root))
        columns = ROLLUP_COLUMNS + LAST_YEAR_COLUMNS
    keys = ["org_unit_code", "indicator_code"]
    indicators = rows.select(
        *(pl.col(n).cast(t) for n, t in SNAPSHOT_INDICATORS_SCHEMA.items() if n in keys + columns)
    )
    elements = again.elements.select(pl.col(n).cast(t) for n, t in SNAPSHOT_ELEMENTS_SCHEMA.items())
    found = _differences(read.indicators, indicators, keys, columns)
    found += _differences(read.elements, elements, ["org_unit_code", "element_code"], ["value"])
    schema = {"of": pl.String, "value": pl.Float64}
    published, recomputed = (
        pl.DataFrame({"of": ["completeness"], "value": [value]}, schema=schema)
        for value in (header["completeness"], again.root_completeness())
    )
    return _differences(published, recomputed, ["of"], ["value"]) + found


@dataclass
class Recomputation:
    """The check `Warehouse.verification` runs on each revision: recompute it from its
    inputs when it was published with this configuration."""

    store: Warehouse
    config: Config
    recomputed: int = 0

    def __call__(self, read: SnapshotRead, submissions: pl.DataFrame) -> Verification:
        header = read.header
        review = f"{header['review_period']} {header['root_org_unit']}"
        revision = int(str(header["revision"]))
        published_with = str(header["catalog_sha256"])
        if published_with != self.config.catalog_sha256:
            return Verification(
                notes=[
                    VerifyNote(
                        f"{review} revision {revision}",
                        f"not recomputed: published with configuration {published_with[:16]}…, "
                        f"--config {self.config.folder} is {self.config.catalog_sha256[:16]}… "
                        "(give --config the folder it was published with)",
                    )
                ]
            )
        self.recomputed += 1
        notes = []
        if compares_last_year(self.config, header) is False:
            notes.append(
                VerifyNote(
                    f"{review} revision {revision}",
                    "same period last year not recomputed: it used history.csv "
                    f"{str(header['history_sha256'])[:16]}…, --config {self.config.folder} "
                    f"holds {(self.config.history_sha256 or 'none')[:16]}…",
                )
            )
        values = self.store.input_figures(read.snapshot_id)
        try:
            found = differences(self.config, read, submissions, values)
        except ChitieuError as error:
            # the configuration it was published with cannot roll up what its header
            # now names (a period or unit edited): a mismatch, not a reason to stop
            message = (
                f"cannot be rolled up again from its {submissions.height} input "
                f"submissions with the configuration it was published with: {error}"
            )
        else:
            if not found:
                return Verification(notes=notes)
            more = f"; and {len(found) - SHOWN} more" if len(found) > SHOWN else ""
            message = (
                f"rolled up again from its {submissions.height} input submissions, "
                f"{len(found)} figure(s) differ: " + "; ".join(found[:SHOWN]) + more
            )
        return Verification(
            notes=notes,
            problems=[
                VerifyProblem(
                    str(header["review_period"]),
                    str(header["root_org_unit"]),
                    revision,
                    "recomputed",
                    message,
                )
            ],
        )


def verify_warehouse(
    store: Warehouse,
    config_dir: Path,
    expected_heads: tuple[str, ...] = (),
    every_file: bool = False,
) -> Verification:
    """Everything `snapshots verify` checks. Without a configuration folder at
    ``config_dir``, nothing is recomputed, and a note says so."""
    config = load_config(config_dir) if config_dir.is_dir() else None
    recompute = Recomputation(store, config) if config is not None else None
    found = store.verification(expected_heads, every_file, recompute)
    if recompute is None:
        if found.revisions:
            found.notes.append(
                VerifyNote(
                    "configuration",
                    f"no folder {config_dir}: no revision was recomputed from its inputs "
                    "(give --config the folder the revisions were published with)",
                )
            )
    else:
        found.checked.append(
            f"{recompute.recomputed} revision(s) recomputed from their inputs with "
            f"configuration {recompute.config.catalog_sha256[:16]}…"
        )
    return found
