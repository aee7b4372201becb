"""The benchmark's baselines compute what chitieu computes: on the Giồng Trôm example,
the pandas roll-up and the DuckDB SQL roll-up give every unit's indicators (actual,
target, percent, class) and element values as `chitieu.rollup.roll_up` does, at the
six-month and the year-end review. Otherwise the benchmark would compare unlike work.

The national data holds only months and no merger, so the baselines' general paths (a
longer period replacing the months it covers, units merged into one successor) are
proved here, on a variant of the example that has both: a commune merged into another
at the end of March (its months combine with its successor's; for half its elements, a
first quarter replaces its own months, not its successor's), and a commune's and the
district's second quarters replacing their months."""

from __future__ import annotations

import shutil
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
MERGED = "28990"
"""A commune of the variant, merged into 28987 at the end of March 2024."""
SUCCESSOR = "28987"
QUARTERLY = "28993"
"""A commune of the variant that also reports its second quarter."""
ZERO_GAP = {QUARTERLY: 1, "29008": 10_000, "28984": 0}
"""Decrease targets equal to their baselines, for communes of the variant."""
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


def _check(
    rollup: Rollup, elements: pl.DataFrame, indicators: pl.DataFrame, classes: int = 4
) -> None:
    want = rollup.indicators.select(*INDICATOR_KEY, "actual", "target", "percent", "class")
    root = want.filter(pl.col("org_unit_code") == ROOT)
    assert root.height == 31
    # classes spread: not a degenerate case
    assert root.get_column("class").n_unique() >= classes
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


# ---- the general paths: longer periods and a merged commune --------------------------


@pytest.fixture(scope="module")
def general(
    values: pl.DataFrame, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, pl.DataFrame]:
    """The example's configuration with a merged commune, and values with quarters."""
    config = tmp_path_factory.mktemp("general") / "config"
    shutil.copytree(EXAMPLE / "config", config)
    with (config / "org_units.csv").open("a", encoding="utf-8") as f:
        f.write(f"{MERGED},Xã Sáp Nhập,commune,{ROOT},2020-01-01,2024-03-31,{SUCCESSOR}\n")
    with (config / "targets.csv").open("a", encoding="utf-8") as f:
        # targets no percent measures: 0, and a decrease's target equal to its baseline
        # (one commune's figure at or under it, another's over it)
        for unit in (QUARTERLY, "29008", "28984"):
            f.write(f"CT02,{unit},2024,0,\nCT26,{unit},2024,{ZERO_GAP[unit]},{ZERO_GAP[unit]}\n")
    value = pl.col("value")
    first_quarter = values.filter(
        (pl.col("org_unit_code") == SUCCESSOR) & pl.col("period").is_in(["2024M01", "2024M02"])
    )
    merged_months = pl.concat(
        [
            first_quarter.with_columns(value * 0.5 + 1),
            values.filter(
                (pl.col("org_unit_code") == SUCCESSOR) & (pl.col("period") == "2024M03")
            ).with_columns(value * 0.5 + 1),
        ]
    ).with_columns(pl.lit(MERGED).alias("org_unit_code"))
    every_other = merged_months.get_column("element_code").unique().sort()[::2].implode()
    june = pl.col("period") == "2024M06"
    quarters = pl.concat(
        [
            # the merged commune's first quarter of half its elements: replaces its own
            # months, not its successor's (the other half's months combine with them)
            merged_months.filter(
                (pl.col("period") == "2024M03") & pl.col("element_code").is_in(every_other)
            ).with_columns(pl.lit("2024Q1").alias("period"), value * 2),
            values.filter((pl.col("org_unit_code") == QUARTERLY) & june).with_columns(
                pl.lit("2024Q2").alias("period"), value + 3
            ),
            values.filter((pl.col("org_unit_code") == ROOT) & june).with_columns(
                pl.lit("2024Q2").alias("period"), value * 3
            ),
        ]
    )
    return config, pl.concat([values, merged_months, quarters])


@pytest.fixture(scope="module")
def ours_general(general: tuple[Path, pl.DataFrame]) -> dict[str, Rollup]:
    config, values = general
    loaded = load_config(config)
    return {period: roll_up(loaded, values, period) for period in ("2024S1", "2024")}


def test_the_variant_takes_the_general_paths(
    ours: dict[str, Rollup], ours_general: dict[str, Rollup]
) -> None:
    """The merged commune's months reach its successor and the quarters replace months:
    the successor, the quarterly commune and the district change at the six-month review."""
    before, after = ours["2024S1"].elements, ours_general["2024S1"].elements
    changed = (
        before.join(after, on=ELEMENT_KEY, suffix="_after")
        .filter(pl.col("value").ne_missing(pl.col("value_after")))
        .get_column("org_unit_code")
        .unique()
    )
    assert {SUCCESSOR, QUARTERLY, ROOT} <= set(changed)
    # the targets no percent measures, met and not met, for the baselines to agree on
    unmeasured = ours_general["2024S1"].indicators.filter(
        pl.col("org_unit_code").is_in(list(ZERO_GAP))
        & pl.col("indicator_code").is_in(["CT02", "CT26"])
    )
    assert unmeasured.height == 6
    assert unmeasured.get_column("percent").is_null().all()
    assert unmeasured.get_column("class").value_counts().sort("class").rows() == [
        ("exceeded", 4),
        ("not_started", 2),
    ]


@pytest.mark.parametrize("period", ["2024S1", "2024"])
def test_pandas_baseline_general_paths(
    general: tuple[Path, pl.DataFrame], ours_general: dict[str, Rollup], period: str
) -> None:
    config, values = general
    profile: dict[str, float] = {}
    setup = pandas_rollup.load_setup(config)
    elements, indicators = pandas_rollup.roll_up(setup, values.to_pandas(), period, ROOT, profile)
    assert {"longer periods replace months", "merged units combine"} <= set(profile)
    _check(ours_general[period], pl.from_pandas(elements), pl.from_pandas(indicators), 3)


@pytest.mark.parametrize("period", ["2024S1", "2024"])
def test_duckdb_sql_baseline_general_paths(
    general: tuple[Path, pl.DataFrame], ours_general: dict[str, Rollup], period: str
) -> None:
    config, values = general
    profile: dict[str, float] = {}
    with duckdb.connect() as con:
        catalog = duckdb_rollup.load(con, config, values)
        elements, indicators = duckdb_rollup.roll_up(con, catalog, period, ROOT, profile)
    assert {"covered", "own_values_general"} <= set(profile)
    assert "own_values" not in profile
    _check(ours_general[period], elements, indicators, 3)


def test_duckdb_sql_baseline_takes_the_one_pass_without_them(values: pl.DataFrame) -> None:
    """Months only and no merger (the national data's shape): the one pass, nothing else."""
    months = values.filter(pl.col("period").str.contains("M"))
    profile: dict[str, float] = {}
    with duckdb.connect() as con:
        catalog = duckdb_rollup.load(con, EXAMPLE / "config", months)
        duckdb_rollup.roll_up(con, catalog, "2024S1", ROOT, profile)
    assert "own_values" in profile
    assert not {"covered", "own_values_general"} & set(profile)
