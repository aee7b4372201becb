"""history.csv (optional): figures of earlier periods the warehouse does not hold.

``indicator_code,org_unit_code,period,actual``, copied from last year's printed report by
a team in its first year with chitieu (SPEC §1). Used only for the comparison with the
same period last year (SPEC §3 rule 8), never for a review's own figures. A code names
the unit valid on the last day of the row's period, as in a submission.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl

from chitieu.config.catalog import Catalog
from chitieu.config.tables import LINE, number_problems, problems_where, read_text_table
from chitieu.config.wording import VALUE_MISSING, both, unknown_indicator, unknown_unit
from chitieu.errors import ConfigProblem
from chitieu.periods import PERIOD_PATTERN, VALID_FORMS, period_columns

HISTORY_FILE = "history.csv"
HISTORY_COLUMNS = ("indicator_code", "org_unit_code", "period", "actual")
HISTORY_SCHEMA: dict[str, pl.DataType] = {
    "indicator_code": pl.String(),
    "org_unit_code": pl.String(),
    "period": pl.String(),
    "actual": pl.Float64(),
    LINE: pl.Int64(),
}


def no_history() -> pl.DataFrame:
    return pl.DataFrame(schema=HISTORY_SCHEMA)


def history_sha256(folder: Path) -> str | None:
    """The SHA-256 of the folder's history.csv bytes (what a revision records when it used
    a figure of it), None when there is no such file."""
    path = folder / HISTORY_FILE
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def load_history(
    path: Path, catalog: Catalog | None, org_units: pl.DataFrame | None
) -> tuple[pl.DataFrame, list[ConfigProblem]]:
    """The rows of ``path`` (``HISTORY_SCHEMA``; none when the file does not exist), and
    every problem: a missing or malformed cell, an unknown indicator, a unit that does not
    exist or is not active on the last day of the row's period, two rows for one figure."""
    if not path.exists():
        return no_history(), []
    frame, problems = read_text_table(path, HISTORY_COLUMNS, HISTORY_COLUMNS)
    if frame is None:
        return no_history(), problems
    file = path.name
    for key in HISTORY_COLUMNS:
        problems += problems_where(frame, pl.col(key).is_null(), file, key, VALUE_MISSING)
    problems += problems_where(
        frame,
        pl.col("period").is_not_null() & ~pl.col("period").str.contains(PERIOD_PATTERN),
        file,
        "period",
        pl.lit(both("không phải kỳ báo cáo", f"not a period ({VALID_FORMS}): ")) + pl.col("period"),
    )
    problems += number_problems(frame, file, "actual")
    if catalog is not None:
        known = [i.code for i in catalog.indicators]
        problems += problems_where(
            frame,
            pl.col("indicator_code").is_not_null() & ~pl.col("indicator_code").is_in(known),
            file,
            "indicator_code",
            unknown_indicator(pl.col("indicator_code")),
        )
    if org_units is not None:
        problems += _unknown_units(frame, org_units, file)
    if problems:
        return no_history(), problems
    frame = frame.with_columns(pl.col("actual").cast(pl.Float64))
    duplicated = pl.struct("indicator_code", "org_unit_code", "period").is_duplicated()
    problems += problems_where(
        frame,
        duplicated,
        file,
        "indicator_code",
        both(
            "hai dòng cho cùng một chỉ tiêu, đơn vị và kỳ",
            "two rows for the same indicator, unit and period",
        ),
    )
    if problems:
        return no_history(), problems
    return frame.select(list(HISTORY_SCHEMA)), []


def _unknown_units(frame: pl.DataFrame, org_units: pl.DataFrame, file: str) -> list[ConfigProblem]:
    """A code that no unit has, or that names no unit on the last day of the row's period
    (the 14th of its last month: the data cut-off)."""
    codes = org_units.get_column("code").unique().implode()
    problems = problems_where(
        frame,
        pl.col("org_unit_code").is_not_null() & ~pl.col("org_unit_code").is_in(codes),
        file,
        "org_unit_code",
        unknown_unit(pl.col("org_unit_code")),
    )
    dated = (
        frame.filter(
            pl.col("org_unit_code").is_in(codes) & pl.col("period").str.contains(PERIOD_PATTERN)
        )
        .with_columns(period_columns(pl.col("period")))
        .with_columns(pl.date(pl.col("p_year"), pl.col("p_last"), 14).alias("p_end"))
    )
    active = (
        dated.join(
            org_units.select(pl.col("code").alias("org_unit_code"), "valid_from", "valid_to"),
            on="org_unit_code",
        )
        .filter(
            (pl.col("valid_from") <= pl.col("p_end"))
            & (pl.col("valid_to").is_null() | (pl.col("valid_to") >= pl.col("p_end")))
        )
        .select(LINE)
    )
    problems += problems_where(
        dated.join(active, on=LINE, how="anti").sort(LINE),
        pl.lit(True),
        file,
        "org_unit_code",
        both(
            pl.lit("đơn vị ")
            + pl.col("org_unit_code")
            + pl.lit(" không hoạt động vào ngày ")
            + pl.col("p_end").dt.to_string("%Y-%m-%d")
            + pl.lit(", ngày cuối kỳ ")
            + pl.col("period"),
            pl.lit("unit ")
            + pl.col("org_unit_code")
            + pl.lit(" is not active on ")
            + pl.col("p_end").dt.to_string("%Y-%m-%d")
            + pl.lit(", the end of period ")
            + pl.col("period"),
        ),
    )
    return problems
