"""The hierarchy on a given day: which units are active, the root's subtree, and where
the history of a merged or dissolved unit goes (its successor chain).

Official codes are reused after mergers, so a unit is a row of org_units.csv
(``unit_id``), and a code names the row valid on the day in question.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import polars as pl

from chitieu.config.successions import from_org_units
from chitieu.errors import ChitieuError
from chitieu.shown import clipped


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
            raise ReviewError(
                f"đơn vị {clipped(root)} không tồn tại / unknown org unit {clipped(root)}"
            )
        raise ReviewError(
            f"đơn vị {root} không hoạt động vào ngày {day.isoformat()} / org unit {root} is "
            f"not active on {day.isoformat()}"
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


def ancestors(units: pl.DataFrame, of: pl.Series | None = None) -> pl.DataFrame:
    """Closure of a subtree: ``org_unit_code, ancestor_code`` with each unit its own
    ancestor; with ``of`` (codes), of those units of the subtree only (a few thousand
    units' chains up, where the whole closure of a national hierarchy is 40,000 pairs)."""
    parents = units.select("org_unit_code", "parent_code")
    pairs = units.select("org_unit_code", pl.col("org_unit_code").alias("ancestor_code"))
    if of is not None:
        pairs = pairs.filter(pl.col("org_unit_code").is_in(of.unique().implode()))
    frontier = pairs
    known = units.get_column("org_unit_code").implode()  # not a Python set: 2x the time
    for _ in range(units.height):
        frontier = (
            frontier.join(parents, left_on="ancestor_code", right_on="org_unit_code")
            .select("org_unit_code", pl.col("parent_code").alias("ancestor_code"))
            .filter(pl.col("ancestor_code").is_in(known))
        )
        if frontier.is_empty():
            break
        pairs = pl.concat([pairs, frontier])
    return pairs


def lowest_common_ancestor(
    members: pl.DataFrame, units: pl.DataFrame, keys: list[str]
) -> pl.DataFrame:
    """For each group of ``members`` (``keys`` and ``org_unit_code``, units of ``units``),
    the lowest unit of ``units`` whose subtree holds every member of the group:
    ``keys``, ``ancestor_code``. ``units``: a subtree (``org_unit_code, parent_code,
    depth``), codes of any one type. One join per level of depth, walking up from the
    members only (never the whole subtree's closure)."""
    parents = units.select("org_unit_code", "parent_code", "depth")
    members = members.select(*keys, "org_unit_code").unique()
    sizes = members.group_by(keys).agg(pl.len().alias("size"))
    frontier = members.with_columns(pl.col("org_unit_code").alias("ancestor_code"))
    chains = [frontier]
    for _ in range(units.height):
        frontier = (
            frontier.join(parents, left_on="ancestor_code", right_on="org_unit_code")
            .filter(pl.col("parent_code").is_not_null())
            .select(*keys, "org_unit_code", pl.col("parent_code").alias("ancestor_code"))
            .join(
                parents.select("org_unit_code"),
                left_on="ancestor_code",
                right_on="org_unit_code",
                how="semi",
            )
        )
        if frontier.is_empty():
            break
        chains.append(frontier)
    shared = (
        pl.concat(chains)
        .group_by(*keys, "ancestor_code")
        .agg(pl.len().alias("holds"))
        .join(sizes, on=keys)
        .filter(pl.col("holds") == pl.col("size"))
        .join(
            parents.select(pl.col("org_unit_code").alias("ancestor_code"), "depth"),
            on="ancestor_code",
        )
    )
    return (
        shared.sort("depth", descending=True)
        .group_by(keys, maintain_order=True)
        .agg(pl.col("ancestor_code").first())
    )


SHARE_ONE: Final = 1 - 1e-9
"""A composed share at least this is 1: shares written with a few decimals (0.6 then
0.4 back into one unit) add up to 1 within float rounding."""


def history_map(
    org_units: pl.DataFrame, day: dt.date, successions: pl.DataFrame | None = None
) -> pl.DataFrame:
    """For every unit row, the units valid on ``day`` that hold its history, and how much
    of it (SPEC §3.7): ``unit_id, effective_code, share`` (share null: not known).

    A row valid on ``day`` maps to its own code with share 1; a row that ended maps
    through its successions (the successor rows valid on the day after it ended),
    shares multiplied along a chain of reforms and added where two paths meet again
    (a split then merged back). One join per step of the chains, never a loop over
    units. Rows whose history reaches no unit on ``day`` map to one row with a null
    ``effective_code``. ``successions``: `Config.successions`; by default the
    ``successor_code`` column's (share 1).
    """
    edges = (from_org_units(org_units) if successions is None else successions).select(
        pl.col("old_id").alias("at_id"),
        pl.col("new_id").alias("next_id"),
        pl.col("share").alias("step_share"),
    )
    rows = org_units.select(pl.col("unit_id").cast(pl.UInt32), "code", "valid_from", "valid_to")
    alive = rows.filter(valid_on(day)).select(pl.col("unit_id").alias("at_id"), "code")
    chain = rows.select("unit_id", pl.col("unit_id").alias("at_id"), pl.lit(1.0).alias("share"))
    resolved: list[pl.DataFrame] = []
    for _ in range(rows.height + 1):  # one step of every chain at once
        hit = chain.join(alive, on="at_id")
        resolved.append(hit.select("unit_id", pl.col("code").alias("effective_code"), "share"))
        chain = (
            chain.join(hit.select("at_id"), on="at_id", how="anti")
            .join(edges, on="at_id")
            .select(
                "unit_id", pl.col("next_id").alias("at_id"), pl.col("share") * pl.col("step_share")
            )
        )
        if chain.is_empty():
            break
    found = (
        pl.concat(resolved)
        .group_by("unit_id", "effective_code", maintain_order=True)
        .agg(
            # a path of unknown share makes the whole unknown
            pl.when(pl.col("share").null_count() == 0).then(pl.col("share").sum()).alias("share")
        )
        .with_columns(
            pl.when(pl.col("share") >= SHARE_ONE)
            .then(1.0)
            .otherwise(pl.col("share"))
            .alias("share")
        )
    )
    return (
        rows.select("unit_id")
        .join(found, on="unit_id", how="left")
        .sort("unit_id", "effective_code")
    )


def successor_map(
    org_units: pl.DataFrame, day: dt.date, successions: pl.DataFrame | None = None
) -> pl.DataFrame:
    """`history_map` without the share: ``unit_id, effective_code`` (a split unit's row
    once per unit holding part of its history)."""
    return history_map(org_units, day, successions).select("unit_id", "effective_code")


def attribute(
    pairs: pl.DataFrame,
    org_units: pl.DataFrame,
    review_end: dt.date,
    successions: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Map each (``org_unit_code``, ``p_end``) to the units holding its history on
    ``review_end`` (`history_map`).

    A code in a submission names the unit valid on the last day of its period
    (``p_end``). Adds ``unit_id``, ``effective_code`` and ``share`` (null where no unit
    matches): one row per unit holding part of it, so a split unit's pair has several.
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
    history = history_map(org_units, review_end, successions)
    return matched.join(history, on="unit_id", how="left")
