"""A review reads the warehouse's values by their codes' positions
(`Warehouse.accepted_values_at`, `chitieu.rollup.codes.from_positions`): the review's
own and last year's, on DuckDB and PostgreSQL. What it rolls up must be exactly what the
values read as text give."""

from __future__ import annotations

import polars as pl
import pytest
from example_fixtures import Example, example_fixture  # noqa: F401
from polars.testing import assert_frame_equal

from chitieu import pipeline
from chitieu.periods import Period
from chitieu.rollup.codes import Codes, code_lists, encoded, from_positions
from chitieu.warehouse import open_warehouse

KEY = ["submission_id", "org_unit_code", "element_code", "period"]


@pytest.mark.parametrize("code", ["2024S1", "2024", "2023S1"])
def test_values_read_by_position_are_the_periods_values_as_the_roll_up_encodes_them(
    example: Example, code: str
) -> None:
    codes = Codes.of(example.config, Period.parse(code))
    with open_warehouse(example.url) as wh:
        by_position = from_positions(wh.accepted_values_at(*code_lists(codes)), codes)
        as_text = wh.accepted_values()
    expected = (
        as_text.select(
            "submission_id",
            encoded("org_unit_code", codes.units),
            encoded("element_code", codes.elements),
            encoded("period", codes.periods),
            "value",
        )
        .drop_nulls(KEY)
        .sort(KEY)
    )
    assert by_position.schema == expected.schema  # the roll-up keeps these Enums as they are
    assert_frame_equal(by_position.sort(KEY), expected)
    if code == "2023S1":  # the example's last year is in its history.csv, not its warehouse
        assert by_position.is_empty()
    else:
        assert by_position.height > 0
        assert by_position.height < as_text.height or code == "2024"


@pytest.mark.parametrize("code", ["2024S1", "2024"])
def test_a_review_read_by_position_is_the_review_read_as_text(example: Example, code: str) -> None:
    period = Period.parse(code)
    with open_warehouse(example.url) as wh:
        by_position = pipeline.prepare_review(example.config, wh, period, keep_results=False)
        as_text = pipeline.prepare_review(
            example.config,
            wh,
            period,
            keep_results=False,
            inputs=(wh.accepted_reports(), wh.accepted_values()),
        )
    for part in ("elements", "indicators", "inputs"):
        assert_frame_equal(getattr(by_position.draft, part), getattr(as_text.draft, part))
    assert_frame_equal(by_position.rollup.completeness, as_text.rollup.completeness)
    assert by_position.draft.inputs_sha256 == as_text.draft.inputs_sha256
    assert by_position.checks.passed and as_text.checks.passed
    assert by_position.draft.indicators.filter(pl.col("actual").is_not_null()).height > 0
