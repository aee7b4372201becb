"""The roll-up does not depend on the order of its input rows, to the last bit.

Float sums depend on the order of their terms ((0.1 + 0.2) + 0.3 is not 0.1 + (0.2 +
0.3)), and the warehouse returns values in no particular order (DuckDB and PostgreSQL
differ), so a careless roll-up could publish the same inputs with another
content_sha256. Sums over time add the periods in order, sums up the hierarchy the
children in code order."""

from __future__ import annotations

import random

import polars as pl
from polars.testing import assert_frame_equal
from rollup_helpers import TREE_4_LEVELS, MakeConfig, element, indicator, values

from chitieu.rollup import roll_up

HAMLETS = ("H111", "H112", "H121", "H211", "H212", "H213")
# one tenth, two tenths...: no order of these adds up to the same float as every other
FIGURES = (0.1, 0.2, 0.3, 0.7, 1e-3, 0.6, 2.675, 1 / 3)


def test_shuffled_rows_give_identical_frames(make_config: MakeConfig) -> None:
    config = make_config(
        [
            element("FLOW", time_aggregation="sum"),
            element("MEAN", value_type="percent", time_aggregation="average"),
            element("LEVEL", time_aggregation="last", org_aggregation="average"),
        ],
        [indicator("CT01", "FLOW"), indicator("CT02", "MEAN"), indicator("CT03", "FLOW / LEVEL")],
        org_units=TREE_4_LEVELS,
    )
    rows = [
        (hamlet, code, f"2024M{month:02d}", FIGURES[(h + month + k) % len(FIGURES)] * (k + 1))
        for h, hamlet in enumerate(HAMLETS)
        for month in range(1, 7)
        for k, code in enumerate(("FLOW", "MEAN", "LEVEL"))
    ]
    first = roll_up(config, values(*rows), "2024S1")
    for seed in range(5):
        shuffled = rows[:]
        random.Random(seed).shuffle(shuffled)
        again = roll_up(config, values(*shuffled), "2024S1")
        assert_frame_equal(first.elements, again.elements, check_exact=True)
        assert_frame_equal(first.indicators, again.indicators, check_exact=True)
    # the sums are the plain ones, to the last bits
    flow = first.elements.filter(
        (pl.col("org_unit_code") == "P") & (pl.col("element_code") == "FLOW")
    ).item(0, "value")
    assert abs(flow - sum(v for _, code, _, v in rows if code == "FLOW")) < 1e-12
