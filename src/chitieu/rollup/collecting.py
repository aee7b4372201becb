"""From accepted values to one value per collecting unit and element (SPEC §3.1).

A value's report (unit code × period) decides everything about it but its element and
figure: the unit row the code names on the period's last day, the unit of the root's
subtree that holds that row's history at the review's end, that unit's level, and the
period's months. So those facts are worked out once per possible report, in a dense
table indexed by the two codes' category numbers (`report_table`), and each of the
millions of values picks its row by index (a ``gather``), never by a join.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

import polars as pl

from chitieu.config import Config
from chitieu.periods import Period
from chitieu.rollup.codes import Codes, encoded
from chitieu.rollup.elements import (
    combine_in_order,
    combine_merged_units,
    drop_covered_periods,
    over_time,
    over_time_keyed,
    time_key_base,
)
from chitieu.rollup.hierarchy import SHARE_ONE, attribute, lowest_common_ancestor, valid_on


@dataclass(frozen=True)
class Collected:
    """What the collecting units hold of a review (codes encoded)."""

    own: pl.DataFrame
    """``org_unit_code, element_code, value``: one value per collecting unit and element."""
    whole: pl.DataFrame
    """``org_unit_code, element_code, value``: split units' values needing a share that
    does not exist, taken whole (over time) at the lowest unit holding all the successors
    missing it; added to that unit's children's values by the element's
    ``org_aggregation``, after them."""
    not_comparable: pl.DataFrame
    """``org_unit_code, element_code, holder``: a collecting unit whose value lacks part
    of a split unit's (SPEC §3.7: not comparable), and the unit holding that part whole
    (null: none in the subtree). Not comparable either: every unit above it strictly
    below the holder."""


def _number(column: str) -> pl.Expr:
    return pl.col(column).to_physical().cast(pl.UInt32)


def report_table(
    config: Config, review: Period, codes: Codes, units: pl.DataFrame, as_of: dt.date
) -> pl.DataFrame:
    """One row per (unit code, review period) pair, in category order (row ``u × P + p``
    for code ``u`` and period ``p`` of ``P``): ``unit_id``, ``effective_code`` and its
    ``level`` (null outside the root's subtree), the ``share`` of the unit's history it
    holds, ``p_first, p_last, p_span``, and ``heir_code, heir_level``: the unit holding
    it inside the subtree or not (a split unit's successor may lie outside); a pair whose
    unit was split has one row per unit holding part of it (then the rows are no longer
    indexed by pair: `has_splits`).

    ``units``: the root's subtree, encoded."""
    periods = codes.period_table(review).sort("period")
    combos = (
        pl.DataFrame({"code": codes.units.categories})
        .join(periods, how="cross", maintain_order="left_right")
        .with_row_index("row")
    )
    attributed = attribute(
        combos.select(pl.col("code").alias("org_unit_code"), "p_end").unique(),
        config.org_units,
        as_of,
        config.successions,
    )
    heirs = config.org_units.filter(valid_on(as_of)).select(
        pl.col("code").alias("effective_code"), encoded("level", codes.levels).alias("heir_level")
    )
    table = (
        combos.join(
            attributed,
            left_on=["code", "p_end"],
            right_on=["org_unit_code", "p_end"],
            how="left",
        )
        .join(heirs, on="effective_code", how="left")
        .with_columns(encoded("effective_code", codes.units))
        .join(
            units.select(pl.col("org_unit_code").alias("effective_code"), "level"),
            on="effective_code",
            how="left",
        )
        .sort("row", "effective_code")
    )
    return table.select(
        encoded("code", codes.units).alias("org_unit_code"),
        pl.col("unit_id").cast(pl.UInt32),
        pl.when(pl.col("level").is_not_null())
        .then(pl.col("effective_code"))
        .alias("effective_code"),
        "level",
        "share",
        pl.col("effective_code").alias("heir_code"),
        "heir_level",
        "period",
        "p_first",
        "p_last",
        "p_span",
    )


def has_splits(table: pl.DataFrame, codes: Codes) -> bool:
    """Whether some report of `report_table` goes to several units, or to one unit with a
    share other than 1 (a split unit's history): then values are joined to the table
    and weighed by their share, not looked up by index."""
    pairs = len(codes.units.categories) * len(codes.periods.categories)
    partial = table.select(
        (pl.col("effective_code").is_not_null() & (pl.col("share") != 1).fill_null(True)).any()
    ).item()
    return table.height != pairs or bool(partial)


def at_collecting_units(
    values: pl.DataFrame,
    config: Config,
    review: Period,
    codes: Codes,
    units: pl.DataFrame,
    elements: pl.DataFrame,
    as_of: dt.date,
) -> Collected:
    """One value per (collecting unit, element) over the review's periods, and where a
    value needed a succession share that does not exist (SPEC §3.7): `Collected`.

    Each value goes to the unit holding its report's history, if that unit collects
    the element; a longer period replaces the months it covers, per unit row; units
    merged into one combine their values of a period; then each element's
    ``time_aggregation``. Without longer periods or merged units (the usual case), the
    values go straight from the index lookups to `over_time`.

    ``values``: ``org_unit_code, element_code, period`` (encoded, not null), ``value``.
    ``units``: the root's subtree, ``elements`` the catalog's, both encoded."""
    table = report_table(config, review, codes, units, as_of)
    if elements.height != len(codes.elements.categories):
        raise ValueError("elements must hold every element of the catalog once")
    if has_splits(table, codes):
        return _with_shares(values, table, elements, units)
    n_periods = len(codes.periods.categories)
    row = _number("org_unit_code") * n_periods + _number("period")

    def looked_up(column: str) -> pl.Expr:
        return pl.lit(table.get_column(column)).gather(row).alias(column)

    # a value counts where its report's unit (in the subtree) collects its element;
    # levels compared by category number, the cheapest lookup there is
    level = table.select(_number("level")).to_series()
    collected_at = elements.sort("element_code").select(_number("collected_at")).to_series()
    collects = pl.lit(level).gather(row) == pl.lit(collected_at).gather(_number("element_code"))
    if not _needs_care(values, table):
        base = table.select(
            time_key_base(
                pl.col("effective_code").to_physical(), pl.col("p_last"), pl.col("p_span")
            )
        ).to_series()
        rows = values.lazy().select(
            pl.lit(base).gather(row).alias("key"), "element_code", "value", collects.alias("ok")
        )
        own = over_time_keyed(rows.filter(pl.col("ok")).drop("ok"), elements, codes.units)
        return _without_splits(own)
    frame = (
        values.lazy()
        .filter(collects)
        .with_columns(
            looked_up("effective_code"),
            looked_up("unit_id"),
            looked_up("p_first"),
            looked_up("p_last"),
            looked_up("p_span"),
        )
        .collect()
    )
    return _without_splits(_over_units_and_time(frame, elements))


def _without_splits(own: pl.DataFrame) -> Collected:
    keys = own.select("org_unit_code", "element_code").clear()
    return Collected(own, own.clear(), keys.with_columns(pl.col("org_unit_code").alias("holder")))


def _over_units_and_time(frame: pl.DataFrame, elements: pl.DataFrame) -> pl.DataFrame:
    """``frame``: values with their ``effective_code, unit_id, p_first, p_last, p_span``."""
    # a unit's longer period replaces its own months before a merger mixes the merged
    # unit's reports with its successor's (keyed by the unit row, not the code)
    frame = drop_covered_periods(frame, keys=("unit_id", "effective_code", "element_code"))
    own = frame.select(
        pl.col("effective_code").alias("org_unit_code"),
        "element_code",
        "period",
        "unit_id",
        "value",
        "p_last",
        "p_span",
    )
    return over_time(combine_merged_units(own, elements), elements)


def shareable() -> pl.Expr:
    """Elements whose value divides between a split unit's successors by their share
    (SPEC §3.7): summed over time and over units, not a boolean (a count of communes
    meeting a standard cannot be split). Every other element goes only where the
    share is 1."""
    return (
        (pl.col("time_aggregation") == "sum")
        & (pl.col("org_aggregation") == "sum")
        & (pl.col("value_type") != "boolean")
    )


def usable() -> pl.Expr:
    """A split unit's history goes to a successor: whole where its share is 1, times its
    share for a `shareable` element whose share is known; otherwise it needs a share that
    does not exist."""
    return (pl.col("share") == 1).fill_null(False) | (
        pl.col("shareable") & pl.col("share").is_not_null()
    )


WHOLE_RULES: Final = ("sum", "max", "min")
"""Over-units rules by which an old unit's value can be taken whole at a unit holding
all its successors (a sum holds every part; a maximum or minimum over the whole is the
same however it was divided). An average cannot: it would weigh the old unit as one
more unit."""


def _holders(table: pl.DataFrame, rules: pl.DataFrame, units: pl.DataFrame) -> pl.DataFrame:
    """Per (split unit row, element) whose value needs a share that does not exist: the
    unit where its value can be taken whole (SPEC §3.7), and how much of it.

    ``unit_id, element_code``; ``anchor``: one of the successors missing a share (the
    value's row there is the one moved); ``holder``: the lowest unit of the subtree
    holding every successor missing a share, null if one lies outside the subtree or
    the element is averaged over units; ``rest``: the part of the value no known share
    carries (1 when none is known); ``holder_collects``: whether the holder collects the
    element itself (a single successor missing its share: then it takes the rest as
    its own value)."""
    # the unit rows split (a share other than 1) with a successor inside the subtree
    ids = (
        table.filter((pl.col("share") != 1).fill_null(True))
        .select("unit_id")
        .unique()
        .join(table.filter(pl.col("effective_code").is_not_null()), on="unit_id", how="semi")
    )
    fates = (
        table.filter(pl.col("heir_code").is_not_null())
        .join(ids, on="unit_id", how="semi")
        .select("unit_id", "effective_code", "heir_code", "heir_level", "share")
        .unique()
        .join(rules, left_on="heir_level", right_on="collected_at")
        .with_columns(usable().alias("usable"))
    )
    groups = (
        fates.group_by("unit_id", "element_code")
        .agg(
            (~pl.col("usable")).any().alias("needs"),
            pl.col("share").filter(pl.col("usable")).sum().alias("known"),
            (pl.col("effective_code").is_null() & ~pl.col("usable")).any().alias("outside"),
            pl.col("effective_code").filter(~pl.col("usable")).drop_nulls().min().alias("anchor"),
            pl.col("org_aggregation").first(),
        )
        .filter(pl.col("needs"))
        .with_columns(
            pl.when(pl.col("known") <= 1 - SHARE_ONE)
            .then(1.0)
            .otherwise((1 - pl.col("known")).clip(0, 1))
            .alias("rest")
        )
    )
    whole = groups.filter(~pl.col("outside") & pl.col("org_aggregation").is_in(WHOLE_RULES))
    missing = fates.filter(~pl.col("usable") & pl.col("effective_code").is_not_null()).join(
        whole.select("unit_id", "element_code"), on=["unit_id", "element_code"], how="semi"
    )
    found = lowest_common_ancestor(
        missing.select("unit_id", "element_code", pl.col("effective_code").alias("org_unit_code")),
        units,
        ["unit_id", "element_code"],
    ).rename({"ancestor_code": "holder"})
    return (
        groups.join(found, on=["unit_id", "element_code"], how="left")
        .join(
            units.select(pl.col("org_unit_code").alias("holder"), pl.col("level").alias("at")),
            on="holder",
            how="left",
        )
        .join(rules.select("element_code", "collected_at"), on="element_code")
        .select(
            "unit_id",
            "element_code",
            "anchor",
            "holder",
            "rest",
            (pl.col("at") == pl.col("collected_at")).fill_null(False).alias("holder_collects"),
        )
    )


def _with_shares(
    values: pl.DataFrame, table: pl.DataFrame, elements: pl.DataFrame, units: pl.DataFrame
) -> Collected:
    """`at_collecting_units` where some history is split: each value joined to every unit
    holding part of its report's history, times the share for a `shareable` element,
    whole where the share is 1.

    A value that needed a share that does not exist (none known, or a share below 1 of
    an element that cannot be divided) is left out at those successors, which are not
    comparable; the part no known share carries goes whole to the lowest unit holding
    every such successor (`_holders`), comparable there and above, not between."""
    rules = elements.select(
        "element_code", "collected_at", "org_aggregation", shareable().alias("shareable")
    )
    placed = (
        values.lazy()
        .join(
            table.lazy()
            .filter(pl.col("effective_code").is_not_null())
            .drop("heir_code", "heir_level"),
            on=["org_unit_code", "period"],
        )
        .join(rules.lazy().drop("org_aggregation"), on="element_code")
        .filter(pl.col("level") == pl.col("collected_at"))
        .select(
            "org_unit_code",
            "element_code",
            "period",
            "value",
            "effective_code",
            "unit_id",
            "share",
            "p_first",
            "p_last",
            "p_span",
            usable().alias("usable"),
        )
        .collect()
    )
    holders = _holders(table, rules, units)
    unplaced = placed.filter(~pl.col("usable")).join(
        holders, on=["unit_id", "element_code"], how="left"
    )
    missing = (
        unplaced.select(pl.col("effective_code").alias("org_unit_code"), "element_code", "holder")
        .unique()
        .sort("org_unit_code", "element_code", "holder")
    )
    columns = (
        "org_unit_code",
        "element_code",
        "period",
        "value",
        "effective_code",
        "unit_id",
        "p_first",
        "p_last",
        "p_span",
    )
    kept = placed.filter(pl.col("usable")).with_columns(
        # whole where the share is 1: a merger's values stay exactly what was reported
        pl.when(pl.col("share") == 1)
        .then(pl.col("value"))
        .otherwise(pl.col("value") * pl.col("share"))
        .alias("value")
    )
    # the rest of a value, once (at its anchor's row), to the unit holding it whole
    rests = unplaced.filter(
        pl.col("holder").is_not_null()
        & (pl.col("effective_code") == pl.col("anchor"))
        & (pl.col("rest") > 0)
    ).with_columns(
        pl.when(pl.col("rest") == 1)
        .then(pl.col("value"))
        .otherwise(pl.col("value") * pl.col("rest"))
        .alias("value")
    )
    # a holder collecting the element is the one successor missing its share: the rest
    # is its own, as a merged unit's value would be
    own = _over_units_and_time(
        pl.concat(
            [
                kept.select(columns),
                rests.filter(pl.col("holder_collects"))
                .with_columns(pl.col("holder").alias("effective_code"))
                .select(columns),
            ]
        ),
        elements,
    )
    # elsewhere each old unit is one more child of its holder: over time on its own
    # reports, then with the other old units the holder holds, in code order
    held = rests.filter(~pl.col("holder_collects"))
    per_old = _over_units_and_time(
        held.with_columns(pl.col("org_unit_code").alias("effective_code")).select(columns),
        elements,
    )
    whole = combine_in_order(
        per_old.join(
            held.select("org_unit_code", "element_code", "holder").unique(),
            on=["org_unit_code", "element_code"],
        ).select(
            pl.col("holder").alias("org_unit_code"),
            "element_code",
            pl.col("org_unit_code").alias("old"),
            "value",
        ),
        elements,
        ["org_unit_code", "element_code"],
        "old",
    )
    return Collected(own, whole, missing)


def _needs_care(values: pl.DataFrame, table: pl.DataFrame) -> bool:
    """Whether a value may be replaced by a longer period (one is present among the
    values) or combined with a merged unit's (two unit rows hand their history to one
    unit for the same period)."""
    spans = table.filter(pl.col("p_span") > 1).get_column("period").unique()
    longer = (
        values.select(pl.col("period").is_in(spans.implode()).any()).item()
        if spans.len()
        else False
    )
    merged = (
        table.filter(pl.col("effective_code").is_not_null())
        .group_by("effective_code", "period")
        .agg(pl.col("unit_id").n_unique().alias("rows"))
        .select((pl.col("rows") > 1).any())
        .item()
    )
    return bool(longer or merged)
