"""The benchmark's baselines compute what chitieu computes: on the Giồng Trôm example,
the pandas roll-up and the DuckDB SQL roll-up give every unit's indicators (actual,
target, percent, class) and element values as `chitieu.rollup.roll_up` does, at the
six-month and the year-end review. Otherwise the benchmark would compare unlike work."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest
from test_example_rollup import EXAMPLE, _accepted_values

from chitieu.config import load_config
from chitieu.rollup import Rollup, roll_up

sys.path.insert(0, str(Path(__file__).parents[1]))  # benchmarks/ sits beside src/

from benchmarks.baselines import duckdb_rollup, pandas_rollup

ROOT = "834"
INDICATOR_KEY = ["org_unit_code", "indicator_code"]
ELEMENT_KEY = ["org_unit_code", "element_code"]


@pytest.fixture(scope="module")
def values() -> pl.DataFrame:
    return _accepted_values()


@pytest.fixture(scope="module")
def ours(values: pl.DataFrame) -> dict[str, Rollup]:
    config = load_config(EXAMPLE / "config")
    return {period: roll_up(config, values, period) for period in ("2024S1", "2024")}


def _same(
    got: pl.DataFrame, want: pl.DataFrame, key: list[str], numbers: list[str], texts: list[str]
) -> None:
    """Every row of ``want`` in ``got`` and back, numbers equal to 1e-9, texts equal."""
    joined = want.join(got, on=key, how="full", suffix="_got", coalesce=True)
    assert joined.height == want.height == got.height
    for column in numbers:
        a, b = pl.col(column), pl.col(f"{column}_got")
        wrong = joined.filter((a.is_null() != b.is_null()) | ((a - b).abs() > 1e-9))
        assert wrong.is_empty(), wrong
    for column in texts:
        wrong = joined.filter(pl.col(column) != pl.col(f"{column}_got"))
        assert wrong.is_empty(), wrong


def _check(rollup: Rollup, elements: pl.DataFrame, indicators: pl.DataFrame) -> None:
    want = rollup.indicators.select(*INDICATOR_KEY, "actual", "target", "percent", "class")
    root = want.filter(pl.col("org_unit_code") == ROOT)
    assert root.height == 31
    assert root.get_column("class").n_unique() >= 4  # classes spread: not a degenerate case
    _same(indicators, want, INDICATOR_KEY, ["actual", "target", "percent"], ["class"])
    _same(elements, rollup.elements.select(*ELEMENT_KEY, "value"), ELEMENT_KEY, ["value"], [])


@pytest.mark.parametrize("period", ["2024S1", "2024"])
def test_pandas_baseline_gives_chitieus_numbers(
    values: pl.DataFrame, ours: dict[str, Rollup], period: str
) -> None:
    setup = pandas_rollup.load_setup(EXAMPLE / "config")
    elements, indicators = pandas_rollup.roll_up(setup, values.to_pandas(), period, ROOT)
    _check(ours[period], pl.from_pandas(elements), pl.from_pandas(indicators))


@pytest.mark.parametrize("period", ["2024S1", "2024"])
def test_duckdb_sql_baseline_gives_chitieus_numbers(
    values: pl.DataFrame, ours: dict[str, Rollup], period: str
) -> None:
    with duckdb.connect() as con:
        catalog = duckdb_rollup.load(con, EXAMPLE / "config", values)
        elements, indicators = duckdb_rollup.roll_up(con, catalog, period, ROOT)
    _check(ours[period], elements, indicators)
