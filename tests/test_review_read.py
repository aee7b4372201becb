"""A review reads the warehouse's values of the periods its roll-ups can use, its own
and last year's apart (`Warehouse.accepted_values` with periods), on DuckDB and
PostgreSQL: what it rolls up must be exactly what every value read gives."""

from __future__ import annotations

import polars as pl
import pytest
from example_fixtures import Example, example_fixture  # noqa: F401
from polars.testing import assert_frame_equal

from chitieu import pipeline
from chitieu.periods import Period
from chitieu.rollup.codes import periods_within
from chitieu.warehouse import open_warehouse

KEY = ["submission_id", "org_unit_code", "element_code", "period"]


@pytest.mark.parametrize("code", ["2024S1", "2024", "2023S1"])
def test_the_values_of_some_periods_are_those_of_every_value_read(
    example: Example, code: str
) -> None:
    periods = [p.code for p in periods_within(Period.parse(code))]
    with open_warehouse(example.url) as wh:
        some = wh.accepted_values(periods)
        every = wh.accepted_values()
    assert some.schema == every.schema
    assert_frame_equal(some.sort(KEY), every.filter(pl.col("period").is_in(periods)).sort(KEY))
    if code == "2023S1":  # the example's last year is in its history.csv, not its warehouse
        assert some.is_empty()
    elif code == "2024S1":
        assert 0 < some.height < every.height
    else:
        assert some.height == every.height


@pytest.mark.parametrize("code", ["2024S1", "2024"])
def test_a_review_reading_its_periods_is_the_review_of_every_value(
    example: Example, code: str
) -> None:
    period = Period.parse(code)
    with open_warehouse(example.url) as wh:
        its_periods = pipeline.prepare_review(example.config, wh, period, keep_results=False)
        every = pipeline.prepare_review(
            example.config,
            wh,
            period,
            keep_results=False,
            inputs=(wh.accepted_reports(), wh.accepted_values()),
        )
    for part in ("elements", "indicators", "inputs"):
        assert_frame_equal(getattr(its_periods.draft, part), getattr(every.draft, part))
    assert_frame_equal(its_periods.rollup.completeness, every.rollup.completeness)
    assert its_periods.draft.inputs_sha256 == every.draft.inputs_sha256
    assert its_periods.checks.passed
    assert its_periods.draft.indicators.filter(pl.col("actual").is_not_null()).height > 0
