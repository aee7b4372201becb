"""The hierarchy on a given day: which units are active, the root's subtree, and where
the history of a merged or dissolved unit goes (its successor chain).

Official codes are reused after mergers, so a unit is a row of org_units.csv
(``unit_id``), and a code names the row valid on the day in question.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from chitieu.errors import ChitieuError


class ReviewError(ChitieuError):
    """A review that cannot be computed as asked (unknown root, root not active...)."""

    exit_code = 2


def valid_on(day: dt.date | pl.Expr) -> pl.Expr:
    """Rows of org_units valid on ``day`` (a date or a date column)."""
    when = pl.lit(day) if isinstance(day, dt.date) else day
    return (pl.col("valid_from") <= when) & (
        pl.col("valid_to").is_null() | (pl.col("valid_to") >= when)
    )


def subtree(org_units: pl.DataFrame, root: str, day: dt.date) -> pl.DataFrame:
    """Units active on ``day`` at or below ``root``.

    Columns: ``org_unit_code, name, level, parent_code, depth`` (root depth 0),
    ordered by depth then code. One join per level of depth, never per unit.
    """
    active = org_units.filter(valid_on(day)).select(
        pl.col("code").alias("org_unit_code"), "name", "level", "parent_code"
    )
    top = active.filter(pl.col("org_unit_code") == root)
    if top.is_empty():
        known = org_units.filter(pl.col("code") == root)
        if known.is_empty():
            raise ReviewError(f"đơn vị không tồn tại / unknown org unit {root}")
        raise ReviewError(
            f"đơn vị {root} không hoạt động vào ngày / org unit {root} is not active on "
            f"{day.isoformat()}"
        )
    levels = [top.with_columns(pl.lit(0, pl.Int32).alias("depth"))]
    frontier = top
    depth = 0
    while not frontier.is_empty():
        depth += 1
        frontier = active.join(
            frontier.select(pl.col("org_unit_code").alias("parent_code")), on="parent_code"
        )
        if depth > active.height:  # a cycle would have been refused when loading
            break
        levels.append(frontier.with_columns(pl.lit(depth, pl.Int32).alias("depth")))
    return pl.concat(levels).sort("depth", "org_unit_code")


def ancestors(units: pl.DataFrame) -> pl.DataFrame:
    """Closure of a subtree: ``org_unit_code, ancestor_code`` with each unit its own ancestor."""
    parents = units.select("org_unit_code", "parent_code")
    pairs = units.select("org_unit_code", pl.col("org_unit_code").alias("ancestor_code"))
    frontier = pairs
    known = set(units.get_column("org_unit_code"))
    for _ in range(units.height):
        frontier = (
            frontier.join(parents, left_on="ancestor_code", right_on="org_unit_code")
            .select("org_unit_code", pl.col("parent_code").alias("ancestor_code"))
            .filter(pl.col("ancestor_code").is_in(list(known)))
        )
        if frontier.is_empty():
            break
        pairs = pl.concat([pairs, frontier])
    return pairs


def successor_map(org_units: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    """For every unit row, the code of the unit that holds its history on ``day``.

    A row valid on ``day`` maps to its own code; a row that ended maps through
    ``successor_code`` (the successor row valid on the day after it ended), as
    many steps as the chain has. Rows with no successor reaching ``day`` map to null.
    Columns: ``unit_id, effective_code``.
    """
    rows = org_units.select("unit_id", "code", "valid_from", "valid_to", "successor_code")
    step = rows.join(
        rows.select(
            pl.col("code").alias("successor_code"),
            pl.col("unit_id").alias("next_id"),
            pl.col("valid_from").alias("next_from"),
            pl.col("valid_to").alias("next_to"),
        ),
        on="successor_code",
    ).filter(
        (pl.col("next_from") <= pl.col("valid_to") + pl.duration(days=1))
        & (
            pl.col("next_to").is_null()
            | (pl.col("next_to") >= pl.col("valid_to") + pl.duration(days=1))
        )
    )
    step = step.select("unit_id", "next_id").unique("unit_id", keep="first")
    alive = rows.filter(valid_on(day)).select(pl.col("unit_id").alias("at_id"), "code")
    chain = rows.select("unit_id", pl.col("unit_id").alias("at_id"))
    resolved: list[pl.DataFrame] = []
    for _ in range(rows.height + 1):
        hit = chain.join(alive, on="at_id")
        resolved.append(hit.select("unit_id", pl.col("code").alias("effective_code")))
        chain = (
            chain.join(hit.select("unit_id"), on="unit_id", how="anti")
            .join(step.rename({"unit_id": "at_id"}), on="at_id")
            .select("unit_id", pl.col("next_id").alias("at_id"))
        )
        if chain.is_empty():
            break
    found = pl.concat(resolved)
    return rows.select("unit_id").join(found, on="unit_id", how="left")


def attribute(pairs: pl.DataFrame, org_units: pl.DataFrame, review_end: dt.date) -> pl.DataFrame:
    """Map each (``org_unit_code``, ``p_end``) to the unit holding its history at the review.

    A code in a submission names the unit valid on the last day of its period
    (``p_end``). Adds ``unit_id`` and ``effective_code`` (null where no unit matches).
    """
    matched = (
        pairs.join(
            org_units.select(
                pl.col("code").alias("org_unit_code"), "unit_id", "valid_from", "valid_to"
            ),
            on="org_unit_code",
            how="left",
        )
        .filter(pl.col("unit_id").is_null() | valid_on(pl.col("p_end")))
        .drop("valid_from", "valid_to")
    )
    matched = pairs.join(matched, on=pairs.columns, how="left")
    return matched.join(successor_map(org_units, review_end), on="unit_id", how="left")
