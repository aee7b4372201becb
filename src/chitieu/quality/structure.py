"""Gate checks on the review's shape: every unit in the root's subtree, unique keys,
completeness at or above the catalog's minimum."""

from __future__ import annotations

from typing import Final

import polars as pl

from chitieu.quality.checks import CRITICAL, Check
from chitieu.rollup import Rollup

UNITS: Final = "units"
KEYS: Final = "keys"
ROOT: Final = "root"

FRAME_KEYS: Final = {
    "units": ("org_unit_code",),
    "elements": ("org_unit_code", "element_code"),
    "indicators": ("org_unit_code", "indicator_code"),
    "completeness": ("org_unit_code",),
}
"""The key of each frame of a review: one row per key."""

UNITS_INSIDE_ROOT_SUBTREE: Final = Check(
    name="units_inside_root_subtree",
    severity=CRITICAL,
    description="units_inside_root_subtree (critical): every unit of the review's frames is "
    "at or below the root, in the hierarchy valid at the review's end; outside_subtree "
    "names the units that are not.",
    expectation="ExpectColumnValuesToBeNull",
    arguments={"column": "outside_subtree"},
)
UNIQUE_KEYS: Final = Check(
    name="unique_keys",
    severity=CRITICAL,
    description="unique_keys (critical): one row per key in each frame (units: unit; "
    "elements: unit × element; indicators: unit × indicator; completeness: unit).",
    expectation="ExpectColumnPairValuesToBeEqual",
    arguments={"column_A": "key_rows", "column_B": "distinct_keys"},
)
COMPLETENESS_AT_LEAST_MINIMUM: Final = Check(
    name="completeness_at_least_minimum",
    severity=CRITICAL,
    description="completeness_at_least_minimum (critical): the root's completeness (reports "
    "received / expected) is at least the catalog's quality.min_completeness (default 0).",
    expectation="ExpectColumnValuesToBeBetween",
    arguments={"column": "completeness", "max_value": 1},
    configured=lambda config: {"min_value": config.catalog.quality.min_completeness},
)
CHECKS: Final = (UNITS_INSIDE_ROOT_SUBTREE, UNIQUE_KEYS, COMPLETENESS_AT_LEAST_MINIMUM)


def _frames(rollup: Rollup) -> dict[str, pl.DataFrame]:
    return {
        "units": rollup.units,
        "elements": rollup.elements,
        "indicators": rollup.indicators,
        "completeness": rollup.completeness,
    }


def unit_part(rollup: Rollup, units: pl.DataFrame) -> pl.DataFrame:
    """One row per unit named in any frame of the review, with the frames naming it
    (``units``: the root's subtree, from the configuration)."""
    code = pl.col("org_unit_code").cast(pl.String)
    # a frame's rows come unit by unit: its runs of one unit are few, and have every
    # unit in them (7x cheaper than the unique codes of 2 M element rows; right in any order)
    found = pl.concat(
        [
            frame.select(
                code.rle().struct.field("value").unique().alias("org_unit_code")
            ).with_columns(pl.lit(name).alias("frame"))
            for name, frame in _frames(rollup).items()
        ]
    )
    return (
        found.group_by("org_unit_code")
        .agg(pl.col("frame").sort().str.join(", ").alias("found_in"))
        .join(
            units.select("org_unit_code", pl.lit(True).alias("inside")),
            on="org_unit_code",
            how="left",
        )
        .select(
            pl.lit(UNITS).alias("part"),
            pl.col("org_unit_code").alias("subject"),
            # concat_str, not pl.format: polars 2.1's pl.format panics on a column a
            # filter left with an empty chunk between rows (as in pola-rs/polars#25187)
            pl.concat_str(pl.lit("in "), "found_in").alias("detail"),
            pl.when(pl.col("inside").is_null())
            .then(pl.col("org_unit_code"))
            .alias("outside_subtree"),
        )
        .sort("subject")
    )


def key_part(rollup: Rollup) -> pl.DataFrame:
    """One row per frame: its rows and distinct keys, and a duplicated key if any."""
    rows = []
    for name, frame in _frames(rollup).items():
        key = list(FRAME_KEYS[name])
        detail = f"key ({', '.join(key)})"
        if _distinct_in_order(frame, key):
            distinct = frame.height
        else:
            # Hashes: 5x faster than grouping millions of rows. Equal keys have equal
            # hashes, so a duplicate is never missed; on a (10^-7) collision the exact
            # count below decides.
            distinct = frame.select(pl.struct(key).hash().n_unique()).item()
        if distinct < frame.height:
            counts = frame.group_by(key).len()
            distinct = counts.height
            repeated = counts.filter(pl.col("len") > 1).sort(key).head(1)
            if repeated.height:
                row = repeated.row(0)
                detail += f", e.g. {' '.join(map(str, row[:-1]))} × {row[-1]}"
        rows.append(
            {
                "part": KEYS,
                "subject": name,
                "detail": detail,
                "key_rows": frame.height,
                "distinct_keys": distinct,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "part": pl.String,
            "subject": pl.String,
            "detail": pl.String,
            "key_rows": pl.Int64,
            "distinct_keys": pl.Int64,
        },
    )


def _distinct_in_order(frame: pl.DataFrame, key: list[str]) -> bool:
    """Whether a two-column key is distinct on every row, seen cheaply in the order the
    roll-up writes its frames (unit by unit, codes ascending within a unit): each unit in
    one run of rows, and within it the second code strictly increasing. False when the
    frame is not in that order (then hashes decide), never when a key repeats."""
    if len(key) != 2:
        return False
    first, second = pl.col(key[0]), pl.col(key[1])
    runs, units, increasing, nulls = frame.select(
        first.ne_missing(first.shift()).sum().alias("runs"),
        first.rle().struct.field("value").n_unique().alias("units"),
        (first.ne_missing(first.shift()) | (second > second.shift()).fill_null(False))
        .all()
        .alias("increasing"),
        (first.null_count() + second.null_count()).alias("nulls"),
    ).row(0)
    return bool(runs == units and increasing and nulls == 0)


def root_part(rollup: Rollup) -> pl.DataFrame:
    """The root's completeness (null when it expects no report at all)."""
    row = rollup.completeness.filter(pl.col("org_unit_code") == rollup.root)
    received, expected = (
        (row.item(0, "received"), row.item(0, "expected")) if row.height else (0, 0)
    )
    return pl.DataFrame(
        {
            "part": [ROOT],
            "subject": [rollup.root],
            "detail": [f"{received}/{expected} reports"],
            "completeness": [rollup.root_completeness()],
        },
        schema={
            "part": pl.String,
            "subject": pl.String,
            "detail": pl.String,
            "completeness": pl.Float64,
        },
    )
