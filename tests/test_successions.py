"""History across a reorganisation (SPEC §1 successions, §3.7): successions with shares,
a past period restated on a later hierarchy (``roll_up(..., as_of=...)``)."""

from __future__ import annotations

import datetime as dt

import pytest
from rollup_helpers import MERGER, MakeConfig, element, element_values, indicator, values

from chitieu.rollup import roll_up
from chitieu.rollup.hierarchy import ReviewError


def test_a_past_period_restated_on_a_later_hierarchy(make_config: MakeConfig) -> None:
    """2024M01-03 on the hierarchy of 2024M03 keeps Xã A; as of June it is part of Xã Một."""
    config = make_config([element("A")], [indicator("CT01", "A")], org_units=MERGER)
    rows = values(
        ("CA", "A", "2024M01", 2.0), ("C1", "A", "2024M01", 3.0), ("C3", "A", "2024M02", 4.0)
    )
    then = roll_up(config, rows, "2024Q1")
    assert then.as_of == dt.date(2024, 3, 14)
    assert element_values(then, "A") == {"D": 9.0, "C1": 3.0, "CA": 2.0, "C3": 4.0}
    restated = roll_up(config, rows, "2024Q1", as_of=dt.date(2024, 6, 14))
    assert restated.as_of == dt.date(2024, 6, 14)
    assert element_values(restated, "A") == {"D": 9.0, "C1": 5.0, "C3": 4.0}
    assert restated.elements.get_column("comparable").all()
    assert restated.indicators.get_column("comparable").all()


def test_as_of_before_the_period_ends_is_refused(make_config: MakeConfig) -> None:
    config = make_config([element("A")], [indicator("CT01", "A")], org_units=MERGER)
    with pytest.raises(ReviewError, match="before the end of 2024Q1"):
        roll_up(config, values(), "2024Q1", as_of=dt.date(2024, 3, 1))
