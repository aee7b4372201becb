"""Element values of a review: over time within each unit, then up the hierarchy (SPEC §3.1-2).

Every function here is DataFrame in, DataFrame out, over codes encoded as ``Enum``
(`chitieu.rollup.codes`). Aggregation rules differ per element, but each group of rows
holds a single element: one ``group_by`` computes every rule's aggregate (sum, mean,
max, min, last) and the element's rule picks one afterwards. Never a loop over units.

Sums are deterministic: a float sum depends on the order of its terms, and rows reach
a ``group_by`` in whatever order the warehouse and the joins left them, so the same
inputs could give results a last bit apart (and another ``content_sha256``) from one
run, or one backend, to the next. So the rows are sorted first, on one packed integer
key (group, then order inside it), and grouped by the sorted key: each group's terms
are added in a fixed order (periods by end, children by code).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import polars as pl

from chitieu.periods import Period, with_period_columns

_ELEMENT_BITS: Final = 16
_UNIT_BITS: Final = 24
_ORDER_BITS: Final = 8
"""Bits of the packed sort keys: up to 65,536 elements and 16 million units (checked in
`chitieu.rollup.codes`), an order inside a group below 256."""
ORDERED: Final = "in-memory"
"""The engine of the ordered ``group_by``s: it sums each sorted group's slice in row
order, whatever the number of threads; the streaming engine adds partial sums of
morsels, in whatever order they finish."""


def within_review(values: pl.LazyFrame, review: Period) -> pl.LazyFrame:
    """Values of periods inside the review, with ``p_first``, ``p_last``, ``p_span``, ``p_end``."""
    return (
        with_period_columns(values)
        .filter(
            (pl.col("p_year") == review.year)
            & (pl.col("p_first") >= review.first_month)
            & (pl.col("p_last") <= review.last_month)
        )
        .with_columns(
            (pl.col("p_last") - pl.col("p_first") + 1).alias("p_span"),
            pl.date(pl.col("p_year"), pl.col("p_last"), 14).alias("p_end"),
        )
    )


def drop_covered_periods(
    frame: pl.DataFrame, keys: Sequence[str] = ("org_unit_code", "element_code")
) -> pl.DataFrame:
    """Drop values whose period lies inside a longer period submitted for the same
    unit and element (``keys``): a value for the review itself (or a quarter, a half)
    replaces the months it covers instead of being added to them."""
    keys = list(keys)
    long_periods = frame.filter(pl.col("p_span") > 1).select(*keys, "p_first", "p_span")
    if long_periods.is_empty():
        return frame
    for span in (3, 6, 12):
        covering = (
            long_periods.filter(pl.col("p_span") == span)
            .select(*keys, pl.col("p_first").alias("block"))
            .unique()
        )
        if covering.is_empty():
            continue
        block = ((pl.col("p_first") - 1) // span) * span + 1
        frame = frame.with_columns(block.alias("block")).join(
            covering.with_columns(pl.lit(True).alias("covered")),
            on=[*keys, "block"],
            how="left",
        )
        frame = frame.filter(~(pl.col("covered").fill_null(False) & (pl.col("p_span") < span)))
        frame = frame.drop("block", "covered")
    return frame


# ---- aggregating in a fixed order ---------------------------------------------------


def _code(column: str, shift: int = 0) -> pl.Expr:
    """An encoded code's category number, shifted left by ``shift`` bits: a field of a
    packed sort key."""
    return pl.col(column).to_physical().cast(pl.UInt64) * pl.lit(2**shift, pl.UInt64)


def _field(packed: str, shift: int, bits: int) -> pl.Expr:
    """The category number in bits ``shift .. shift + bits`` of a packed key."""
    return (pl.col(packed) // pl.lit(2**shift, pl.UInt64)) % pl.lit(2**bits, pl.UInt64)


def _decoded(packed: str, shift: int, bits: int, dtype: pl.Enum) -> pl.Expr:
    """The code (of ``dtype``) whose category number a packed key holds."""
    return pl.lit(pl.Series(dtype.categories, dtype=dtype)).gather(_field(packed, shift, bits))


def _in_order(frame: pl.LazyFrame, order_bits: int) -> pl.LazyFrame:
    """``frame`` sorted by its ``key`` (a UInt64: the group in its high bits, the order
    inside the group in its low ``order_bits``), with ``group`` (the high bits) flagged
    sorted, so that ``group_by("group")`` takes each group's rows together and in that
    order (with the in-memory engine, `ORDERED`)."""
    group = pl.col("key") // pl.lit(2**order_bits, pl.UInt64)
    return frame.sort("key").with_columns(group.alias("group").set_sorted())


def _aggregates() -> list[pl.Expr]:
    """Every org rule's aggregate of a group's ``value`` (and ``n``, its non-null count)."""
    value = pl.col("value")
    return [
        value.count().alias("n"),
        value.sum().alias("sum"),
        value.mean().alias("average"),
        value.max().alias("max"),
        value.min().alias("min"),
    ]


def _by_rule(rule: str) -> pl.Expr:
    """The aggregate the rule in column ``rule`` names (a sum of nothing but nulls is
    null, not 0)."""
    picked: pl.Expr = pl.when(pl.col(rule) == "sum").then(
        pl.when(pl.col("n") > 0).then(pl.col("sum"))
    )
    for name in ("average", "max", "min"):
        picked = pl.when(pl.col(rule) == name).then(pl.col(name)).otherwise(picked)
    return picked.cast(pl.Float64).alias("value")


def _per_element(elements: pl.DataFrame, column: str) -> pl.Series:
    """``column`` of ``elements`` in the order of the element codes' categories: a
    lookup by category number."""
    return elements.sort("element_code").get_column(column)


# ---- the steps ----------------------------------------------------------------------


_ORDER_FREE: Final = ("max", "min", "last")
"""Rules whose result does not depend on the order of the rows (``last`` takes the
row of the latest period, wherever it is)."""


def over_time(frame: pl.DataFrame | pl.LazyFrame, elements: pl.DataFrame) -> pl.DataFrame:
    """One value per (unit, element): the element's ``time_aggregation`` over its periods
    (after `drop_covered_periods`, which the caller applies per submitting unit).

    ``frame``: ``org_unit_code, element_code`` (encoded), ``value, p_last, p_span``, one
    row per period; ``elements``: every element of the catalog, encoded."""
    rows = frame.lazy()
    schema = rows.collect_schema()
    units, codes = schema["org_unit_code"], schema["element_code"]
    assert isinstance(units, pl.Enum)
    assert isinstance(codes, pl.Enum)
    order = (pl.col("p_last") * 16 + pl.col("p_span")).cast(pl.UInt64)
    key = _code("org_unit_code", _ELEMENT_BITS + _ORDER_BITS) + order
    return over_time_keyed(rows.select(key.alias("key"), "element_code", "value"), elements, units)


def time_key_base(unit_number: pl.Expr, p_last: pl.Expr, p_span: pl.Expr) -> pl.Expr:
    """The unit and period fields of `over_time_keyed`'s key (the element's are added
    there): for callers that look them up per report rather than per value."""
    order = (p_last * 16 + p_span).cast(pl.UInt64)
    return (
        unit_number.cast(pl.UInt64) * pl.lit(2 ** (_ELEMENT_BITS + _ORDER_BITS), pl.UInt64) + order
    )


def over_time_keyed(rows: pl.LazyFrame, elements: pl.DataFrame, units: pl.Enum) -> pl.DataFrame:
    """`over_time` of ``rows``: ``key`` (`time_key_base`), ``element_code`` (encoded),
    ``value``. The rows are split by their element's rule and each part aggregated with
    that rule alone: ``sum`` and ``average`` over rows sorted by unit, element and period
    (latest end last, the longer period after the shorter on a tie); ``max``, ``min``
    and ``last`` (the row of the largest key) in any order."""
    codes = rows.collect_schema()["element_code"]
    assert isinstance(codes, pl.Enum)
    rules = _per_element(elements, "time_aggregation")
    # the rule as its number in TIME_RULES: comparing small integers, not text
    numbers = rules.replace_strict(TIME_RULES, list(range(len(TIME_RULES))), return_dtype=pl.UInt8)
    keyed = rows.select(
        (pl.col("key") + _code("element_code", _ORDER_BITS)).alias("key"),
        "value",
        pl.lit(numbers).gather(_code("element_code")).alias("rule"),
    ).collect()
    parts = [
        _by_one_rule(keyed.lazy().filter(pl.col("rule") == number).drop("rule"), rule)
        for number, rule in enumerate(TIME_RULES)
        if rule in set(rules)
    ]
    del keyed
    result = pl.concat(parts) if parts else _GROUPED.clear()
    return result.select(
        _decoded("group", _ELEMENT_BITS, _UNIT_BITS, units).alias("org_unit_code"),
        _decoded("group", 0, _ELEMENT_BITS, codes).alias("element_code"),
        "value",
    )


TIME_RULES: Final = ("sum", "average", "max", "min", "last")
_GROUPED: Final = pl.DataFrame(schema={"group": pl.UInt64, "value": pl.Float64})


def _by_one_rule(rows: pl.LazyFrame, rule: str) -> pl.DataFrame:
    """``group, value``: rows (``key, value``) of elements that share one rule,
    aggregated by it; ``sum`` and ``average`` in key order."""
    value = pl.col("value")
    if rule in _ORDER_FREE:
        picked = {"max": value.max(), "min": value.min(), "last": value.max_by("key")}[rule]
        group = (pl.col("key") // pl.lit(2**_ORDER_BITS, pl.UInt64)).alias("group")
        grouped = rows.group_by(group).agg(picked.cast(pl.Float64).alias("value"))
        return grouped.collect(engine="streaming")
    total = pl.when(value.count() > 0).then(value.sum()) if rule == "sum" else value.mean()
    ordered = _in_order(rows, _ORDER_BITS).group_by("group")
    return ordered.agg(total.cast(pl.Float64).alias("value")).collect(engine=ORDERED)


def combine_merged_units(frame: pl.DataFrame, elements: pl.DataFrame) -> pl.DataFrame:
    """Values of units merged into one successor, for the same period, combine by the
    element's ``org_aggregation``, as children do into their parent (in the order of
    the merged units' rows in org_units: ``unit_id``). Codes encoded."""
    return combine_in_order(frame, elements, ["org_unit_code", "element_code", "period"], "unit_id")


def combine_in_order(
    frame: pl.DataFrame, elements: pl.DataFrame, keys: list[str], order: str
) -> pl.DataFrame:
    """One row per ``keys`` (which hold ``element_code``): its ``value``s combined by the
    element's ``org_aggregation``, taken in ``order`` (a column, dropped); other columns
    as in the first row."""
    extra = [c for c in frame.columns if c not in (*keys, "value", order)]
    rules = _per_element(elements, "org_aggregation")
    combined = (
        frame.lazy()
        .sort(*keys, order)
        .with_columns(pl.struct(keys).rle_id().alias("group").set_sorted())
        .group_by("group")
        .agg(pl.col(*keys, *extra).first(), *_aggregates())
        .with_columns(
            pl.lit(rules).gather(_code("element_code")).alias("org_aggregation"),
        )
        .with_columns(_by_rule("org_aggregation"))
    )
    return combined.select(c for c in frame.columns if c != order).collect(engine=ORDERED)


class _Tree:
    """Lookups by a unit's category number (`chitieu.rollup.codes`): its parent's number
    and its level, for the units of the subtree (null for the others)."""

    def __init__(self, units: pl.DataFrame) -> None:
        dtype = units.schema["org_unit_code"]
        assert isinstance(dtype, pl.Enum)
        self.dtype = dtype
        numbered = pl.DataFrame({"number": pl.int_range(len(dtype.categories), eager=True)})
        table = numbered.join(
            units.select(
                pl.col("org_unit_code").to_physical().cast(pl.Int64).alias("number"),
                pl.col("parent_code").to_physical().cast(pl.UInt64).alias("parent"),
                "level",
            ),
            on="number",
            how="left",
        ).sort("number")
        self.parent = table.get_column("parent")
        self.level = table.get_column("level")


_AFTER_CHILDREN: Final = 2**_UNIT_BITS - 1
"""The order field of a split unit's whole value among its holder's children: after
them all (no unit code has this category number, `chitieu.rollup.codes.MAX_UNITS`)."""


def _lift(
    children: pl.LazyFrame,
    tree: _Tree,
    elements: pl.DataFrame,
    codes: pl.Enum,
    whole: pl.LazyFrame | None = None,
) -> pl.LazyFrame:
    """Children's values to their parent by the element's ``org_aggregation``, the
    children taken in code order: ``org_unit_code`` (the parent), ``element_code, value``,
    without the parents that collect the element themselves (they keep their own).

    ``children``: ``org_unit_code, element_code`` (encoded), ``value``; ``whole``: the
    same columns, values of split units the parent (``org_unit_code``) holds whole
    (`chitieu.rollup.collecting.Collected.whole`), taken after the children."""
    parent = pl.lit(tree.parent).gather(_code("org_unit_code"))
    key = (
        parent * pl.lit(2 ** (_ELEMENT_BITS + _UNIT_BITS), pl.UInt64)
        + _code("element_code", _UNIT_BITS)
        + _code("org_unit_code")
    )
    rows = children.select(key.alias("key"), "value")
    if whole is not None:
        held = (
            _code("org_unit_code", _ELEMENT_BITS + _UNIT_BITS)
            + _code("element_code", _UNIT_BITS)
            + pl.lit(_AFTER_CHILDREN, pl.UInt64)
        )
        rows = pl.concat([rows, whole.select(held.alias("key"), "value")])
    parent_number = _field("group", _ELEMENT_BITS, _UNIT_BITS)
    element_number = _field("group", 0, _ELEMENT_BITS)
    return (
        _in_order(rows, _UNIT_BITS)
        .group_by("group")
        .agg(*_aggregates())
        .filter(
            pl.lit(tree.level).gather(parent_number)
            != pl.lit(_per_element(elements, "collected_at")).gather(element_number)
        )
        .with_columns(
            pl.lit(_per_element(elements, "org_aggregation"))
            .gather(element_number)
            .alias("org_aggregation")
        )
        .select(
            _decoded("group", _ELEMENT_BITS, _UNIT_BITS, tree.dtype).alias("org_unit_code"),
            _decoded("group", 0, _ELEMENT_BITS, codes).alias("element_code"),
            _by_rule("org_aggregation"),
        )
    )


def up_the_hierarchy(
    own: pl.DataFrame,
    units: pl.DataFrame,
    elements: pl.DataFrame,
    whole: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Every unit × element it is responsible for: its own value where the element is
    collected at its level, else the ``org_aggregation`` of its children's values (and
    of the split units' values it holds whole: ``whole``, same columns as ``own``).

    ``own``: ``org_unit_code, element_code, value`` at the collecting units.
    ``units``: the subtree (``org_unit_code, level, parent_code, depth``).
    ``elements``: every element of the catalog (``element_code, collected_at,
    org_aggregation``). Codes encoded (`chitieu.rollup.codes`). Result:
    ``org_unit_code, element_code, value`` (null where nothing was reported).
    """
    codes = elements.schema["element_code"]
    assert isinstance(codes, pl.Enum)
    grid = units.select("org_unit_code", "level", "depth").join(
        elements.select("element_code", pl.col("collected_at").alias("level")), on="level"
    )
    collected = grid.join(own, on=["org_unit_code", "element_code"], how="left").select(
        "org_unit_code", "element_code", pl.col("value").cast(pl.Float64), "depth"
    )
    tree = _Tree(units)
    at_depth: dict[int, list[pl.DataFrame]] = {}
    for part in collected.partition_by("depth"):
        at_depth.setdefault(int(part.item(0, "depth")), []).append(part.drop("depth"))
    held: dict[int, pl.DataFrame] = {}
    if whole is not None and not whole.is_empty():
        placed = whole.join(units.select("org_unit_code", "depth"), on="org_unit_code")
        for part in placed.partition_by("depth"):
            held[int(part.item(0, "depth"))] = part.drop("depth")
    max_depth = units.height and int(units.get_column("depth").cast(pl.Int64).max())  # type: ignore[arg-type]
    for depth in range(max_depth, 0, -1):
        children = at_depth.get(depth)
        extra = held.get(depth - 1)
        if not children and extra is None:
            continue
        rows = pl.concat(children) if children else own.clear().select(collected.columns[:-1])
        lifted = _lift(
            rows.lazy(), tree, elements, codes, None if extra is None else extra.lazy()
        ).collect(engine=ORDERED)
        at_depth.setdefault(depth - 1, []).append(lifted)
    return pl.concat([part for parts in at_depth.values() for part in parts])
