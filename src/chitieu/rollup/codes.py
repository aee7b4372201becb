"""Codes as polars ``Enum``s for the roll-up of one review.

A national review reads some 24 million values, each naming a unit, an element and a
period as text. Encoded once as ``Enum`` (small integers over a fixed list of
categories), every later join and ``group_by`` compares integers instead of hashing
text. Categories are sorted, so sorting by an encoded code sorts by its text.

A code outside the categories (a unit the hierarchy does not know, an element the
catalog does not have, a period outside the review) encodes as null: exactly the
values the roll-up would have dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import polars as pl

from chitieu.config import Config
from chitieu.periods import Period

MAX_UNITS: Final = 2**24 - 1
MAX_ELEMENTS: Final = 2**16
"""What the packed sort keys of `chitieu.rollup.elements` have room for (the last unit
number is kept for the values a unit holds whole after its children)."""


def periods_within(review: Period) -> list[Period]:
    """Every period a review can draw on: its months, quarters and halves, the year."""
    spans = ((1, 12), (3, 4), (6, 2), (12, 1))
    found = [
        Period(review.year, (i * span) + 1, (i + 1) * span)
        for span, count in spans
        for i in range(count)
    ]
    return [p for p in found if review.contains(p)]


@dataclass(frozen=True)
class Codes:
    units: pl.Enum
    elements: pl.Enum
    periods: pl.Enum
    levels: pl.Enum

    @classmethod
    def of(cls, config: Config, review: Period) -> Codes:
        org = config.org_units
        units = org.get_column("code").unique().sort()
        elements = sorted({e.code for e in config.catalog.elements})
        if units.len() > MAX_UNITS or len(elements) > MAX_ELEMENTS:
            raise ValueError(
                f"the roll-up handles up to {MAX_UNITS:,} unit codes and {MAX_ELEMENTS:,} "
                f"elements, not {units.len():,} and {len(elements):,}"
            )
        return cls(
            units=pl.Enum(units),
            elements=pl.Enum(elements),
            periods=pl.Enum(sorted(p.code for p in periods_within(review))),
            levels=pl.Enum(org.get_column("level").unique().sort()),
        )

    def period_table(self, review: Period) -> pl.DataFrame:
        """``period, p_first, p_last, p_span, p_end`` of every period of the review."""
        inside = periods_within(review)
        return pl.DataFrame(
            {
                "period": [p.code for p in inside],
                "p_first": [p.first_month for p in inside],
                "p_last": [p.last_month for p in inside],
                "p_span": [p.last_month - p.first_month + 1 for p in inside],
                "p_end": [p.end for p in inside],
            },
            schema={
                "period": self.periods,
                "p_first": pl.Int32,
                "p_last": pl.Int32,
                "p_span": pl.Int32,
                "p_end": pl.Date,
            },
        )


def encoded(column: str, dtype: pl.Enum) -> pl.Expr:
    """``column`` as ``dtype``; null where its text is not a category."""
    return pl.col(column).cast(pl.String).cast(dtype, strict=False)
