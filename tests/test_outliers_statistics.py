"""The outlier test's numbers (SPEC §7) are those of its first implementation, bit for
bit: ``n_history``, ``previous``, ``median`` and ``mad`` from the history matrix (ties,
missing and NaN history, zero to twelve earlier periods, even and odd counts, judged
keys twice, history of keys not judged; by the lookup and by the binary search), and the
judged values, in the same order with the same settings. The reference below is that
implementation as it was before issue 14: a fresh sort of the deviations for the MAD,
the history placed by (line, lag), the values numbered by joins. Those joins left the
order of the judged values (and so of the warnings) to polars: it was the values' own in
batches of any real size (the national month's six batches, row for row), the periods'
in some of a few rows; the reference asks for the values' order, which is now kept."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chitieu.config import Config, load_config
from chitieu.datachecks import outliers
from chitieu.periods import period_columns
from chitieu.warehouse.models import HISTORY_ROWS_SCHEMA

CONFIG_DIR = Path(__file__).parent / "data" / "quality_config"
PROPERTY_SETTINGS = settings(deadline=None, max_examples=100, database=None)
HISTORY_VALUES = [0.0, -0.0, 0.1, 0.2, 0.30000000000000004, 1.0, 2.5, -3.0, 7.0, 1e300, -1e300]
HISTORY_VALUES += [float("inf"), float("-inf"), float("nan"), None]


# ---- the reference: the implementation before issue 14 ------------------------------


def reference_statistics(
    judge: pl.DataFrame, history: pl.DataFrame, dense_keys: int
) -> pl.DataFrame:
    n_elements = judge.get_column("element_idx").max() if judge.height else 0
    n_targets = judge.get_column("target_idx").max() if judge.height else 0
    n_units = judge.get_column("unit_idx").max() if judge.height else 0
    width_e, width_t = int(str(n_elements)) + 1, int(str(n_targets)) + 1

    def key(frame: pl.DataFrame) -> np.ndarray:
        unit = frame.get_column("unit_idx").to_numpy().astype(np.int64)
        element = frame.get_column("element_idx").to_numpy().astype(np.int64)
        target = frame.get_column("target_idx").to_numpy().astype(np.int64)
        return (unit * width_e + element) * width_t + target

    keys, line_of_row = np.unique(key(judge), return_inverse=True)
    matrix = np.full((len(keys), outliers.WINDOW), np.nan)
    if len(keys) and history.height:
        found = key(history)
        dense = (int(str(n_units)) + 1) * width_e * width_t
        if dense <= dense_keys:
            lookup = np.full(dense, -1, dtype=np.int64)
            lookup[keys] = np.arange(len(keys))
            line = lookup[found]
            hit = line >= 0
        else:
            line = np.searchsorted(keys, found).clip(0, len(keys) - 1)
            hit = keys[line] == found
        lags = history.get_column("lag").to_numpy().astype(np.int64) - 1
        values = history.get_column("value").to_numpy()
        if hit.all():
            matrix[line, lags] = values
        else:
            matrix[line[hit], lags[hit]] = values[hit]
    count = np.count_nonzero(~np.isnan(matrix), axis=1)
    median = reference_row_median(matrix, count)
    mad = reference_row_median(np.abs(matrix - median[:, None]), count)
    return judge.with_columns(
        pl.Series("n_history", count[line_of_row], pl.Int32),
        pl.Series("previous", matrix[line_of_row, 0], pl.Float64).fill_nan(None),
        pl.Series("median", median[line_of_row], pl.Float64).fill_nan(None),
        pl.Series("mad", mad[line_of_row], pl.Float64).fill_nan(None),
    )


def reference_row_median(matrix: np.ndarray, count: np.ndarray) -> np.ndarray:
    ordered = np.sort(matrix, axis=1)
    low = np.maximum((count - 1) // 2, 0)[:, None]
    high = np.maximum(count // 2, 0)[:, None]
    middle = (np.take_along_axis(ordered, low, 1) + np.take_along_axis(ordered, high, 1)) / 2
    return np.where(count > 0, middle[:, 0], np.nan)


def reference_judged(values: pl.DataFrame, config: Config) -> pl.DataFrame:
    rules = outliers.settings(config)
    chosen = values.join(rules, on="element_code", maintain_order="left").filter(
        pl.col("value").is_not_null()
    )
    targets = (
        chosen.select("period")
        .unique()
        .with_columns(*period_columns(pl.col("period")))
        .filter(pl.col("p_last").is_not_null())
        .sort("period")
        .with_row_index("target_idx")
        .with_columns(
            pl.col("target_idx").cast(pl.Int32),
            (pl.col("p_last") - pl.col("p_first") + 1).alias("span"),
        )
    )
    units = (
        chosen.select("org_unit_code")
        .unique()
        .sort("org_unit_code")
        .with_row_index("unit_idx")
        .with_columns(pl.col("unit_idx").cast(pl.Int32))
    )
    elements = (
        rules.select("element_code")
        .with_row_index("element_idx")
        .with_columns(pl.col("element_idx").cast(pl.Int32))
    )
    return (
        chosen.join(targets, on="period", maintain_order="left")
        .join(units, on="org_unit_code", maintain_order="left")
        .join(elements, on="element_code", maintain_order="left")
        .with_row_index("row_idx")
    )


# ---- generated batches --------------------------------------------------------------


@st.composite
def judged_and_history(draw: st.DrawFn) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Judged keys (some twice) and the history of every key up to the largest indices:
    each key with its own set of earlier periods (none to all twelve)."""
    n_units = draw(st.integers(1, 5))
    n_elements = draw(st.integers(1, 4))
    n_targets = draw(st.integers(1, 3))
    key = st.tuples(
        st.integers(0, n_units - 1), st.integers(0, n_elements - 1), st.integers(0, n_targets - 1)
    )
    judged = draw(st.lists(key, max_size=30))
    history = []
    if judged:
        largest = [max(k[i] for k in judged) for i in range(3)]
        for unit in range(largest[0] + 1):
            for element in range(largest[1] + 1):
                for target in range(largest[2] + 1):
                    lags = draw(st.lists(st.integers(1, outliers.WINDOW), unique=True))
                    for lag in lags:
                        value = draw(st.sampled_from(HISTORY_VALUES) | st.floats(-1e6, 1e6))
                        history.append((unit, target, lag, element, value))
    judge = pl.DataFrame(
        judged,
        schema={"unit_idx": pl.Int32, "element_idx": pl.Int32, "target_idx": pl.Int32},
        orient="row",
    ).with_row_index("row_idx")
    rows = pl.DataFrame(
        history,
        schema={
            "unit_idx": pl.Int32,
            "target_idx": pl.Int32,
            "lag": pl.Int32,
            "element_idx": pl.Int32,
            "value": pl.Float64,
        },
        orient="row",
    )
    return judge, rows.sample(fraction=1.0, shuffle=True, seed=draw(st.integers(0, 9)))


def assert_bit_identical(found: pl.DataFrame, expected: pl.DataFrame) -> None:
    assert found.columns == expected.columns
    assert found.equals(expected)  # nulls in the same places, equal values
    for name, dtype in expected.schema.items():
        if dtype == pl.Float64:
            bits = found[name].to_numpy().view(np.int64)
            assert np.array_equal(bits, expected[name].to_numpy().view(np.int64)), name


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # inf − inf
@pytest.mark.parametrize("dense_keys", [outliers.DENSE_KEYS, 0], ids=["lookup", "search"])
@PROPERTY_SETTINGS
@given(batch=judged_and_history())
def test_the_statistics_are_the_first_implementations_bit_for_bit(
    dense_keys: int, batch: tuple[pl.DataFrame, pl.DataFrame]
) -> None:
    judge, history = batch
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(outliers, "DENSE_KEYS", dense_keys)
        found = outliers.statistics(judge, history)
    assert_bit_identical(found, reference_statistics(judge, history, dense_keys))


def test_the_statistics_of_a_full_history_of_ties() -> None:
    """Twelve earlier periods, all the same but one: median and MAD of the ties."""
    judge = pl.DataFrame(
        {"unit_idx": [0], "element_idx": [0], "target_idx": [0]},
        schema={"unit_idx": pl.Int32, "element_idx": pl.Int32, "target_idx": pl.Int32},
    )
    history = pl.DataFrame(
        {
            "unit_idx": [0] * 12,
            "target_idx": [0] * 12,
            "lag": list(range(1, 13)),
            "element_idx": [0] * 12,
            "value": [0.1] * 11 + [25.0],
        },
        schema=HISTORY_ROWS_SCHEMA,
    )
    found = outliers.statistics(judge, history)
    assert found.select("n_history", "previous", "median", "mad").row(0) == (12, 0.1, 0.1, 0.0)
    assert_bit_identical(found, reference_statistics(judge, history, outliers.DENSE_KEYS))


@st.composite
def batch_values(draw: st.DrawFn) -> pl.DataFrame:
    """A batch's values: elements judged or not or unknown, valid and invalid periods,
    missing values, units and codes."""
    row = st.tuples(
        st.integers(0, 5),
        st.sampled_from(["001", "002", "010", "100", None]),
        st.sampled_from(["TONG_SO_HO", "DUONG_GTNT", "VIEC_LAM_MOI", "XKLD", "NOPE", None]),
        st.sampled_from(["2024M05", "2024M06", "2024Q2", "2024S1", "2024", "2024M13", None]),
        st.sampled_from([0.0, 1.5, 25.0, None]),
    )
    rows = draw(st.lists(row, max_size=40))
    return pl.DataFrame(
        rows,
        schema={
            "batch_seq": pl.Int64,
            "org_unit_code": pl.String,
            "element_code": pl.String,
            "period": pl.String,
            "value": pl.Float64,
        },
        orient="row",
    ).with_columns(pl.format("row {}", pl.int_range(pl.len())).alias("location"))


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(CONFIG_DIR)


@PROPERTY_SETTINGS
@given(values=batch_values())
def test_the_judged_values_are_the_first_implementations(
    config: Config, values: pl.DataFrame
) -> None:
    """The same rows in the same order, with the same settings, periods and numbers."""
    found = outliers.judged(values, config)
    expected = reference_judged(values, config)
    assert sorted(found.columns) == sorted(expected.columns)
    assert found.equals(expected.select(found.columns))
