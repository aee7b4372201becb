"""Runs ``duckdb_rollup.sql``: the roll-up of SPEC §3 as DuckDB SQL.

Standalone like the pandas baseline (no chitieu import): `load` puts the configuration
folder and the accepted values into a DuckDB connection (before the clock starts),
`roll_up` runs the statements (the one pass over the values, or the general path when
the data has longer periods or merged units) and returns (element values, indicators)
as polars frames, with each statement's seconds in ``profile`` when given.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import yaml

from benchmarks.baselines.pandas_rollup import parse_period

SQL_FILE = Path(__file__).with_name("duckdb_rollup.sql")
_NAME = re.compile(r"^-- name: (\w+)\s*$", re.MULTILINE)
_PARAM = re.compile(r"\$(\w+)")
_CODE = re.compile(r"[A-Z][A-Z0-9_]*")
THRESHOLDS = {"exceeded": 100.0, "basically_achieved": 90.0, "on_track": 50.0}


def statements() -> dict[str, str]:
    """The named statements of the SQL file, in order."""
    text = SQL_FILE.read_text(encoding="utf-8")
    found = list(_NAME.finditer(text))
    return {
        m[1]: text[m.end() : found[i + 1].start() if i + 1 < len(found) else len(text)]
        for i, m in enumerate(found)
    }


def load(
    con: duckdb.DuckDBPyConnection, config_dir: str | Path, values: pl.DataFrame | Path
) -> dict[str, Any]:
    """Tables ``accepted_values, org_units, elements, indicators, targets``; returns the
    catalog (parsed YAML). ``values``: a frame or a parquet file."""
    folder = Path(config_dir)
    catalog = yaml.safe_load((folder / "catalog.yaml").read_text(encoding="utf-8-sig"))
    org = (
        pl.read_csv(folder / "org_units.csv", infer_schema=False)
        .with_row_index("unit_id")
        .with_columns(
            pl.col("unit_id").cast(pl.Int64),
            pl.col("valid_from").str.to_date(),
            pl.col("valid_to").str.to_date(),
        )
    )
    levels = _levels(org)
    elements = pl.DataFrame(
        {
            "element_code": [e["code"] for e in catalog["elements"]],
            "time_aggregation": [e.get("time_aggregation", "sum") for e in catalog["elements"]],
            "org_aggregation": [e.get("org_aggregation", "sum") for e in catalog["elements"]],
            "collected_at": [e.get("collected_at") or levels[-1] for e in catalog["elements"]],
        }
    )
    indicators = pl.DataFrame(
        {
            "indicator_code": [i["code"] for i in catalog["indicators"]],
            "direction": [i.get("direction", "increase") for i in catalog["indicators"]],
            "review": [i.get("review", "mid_year") for i in catalog["indicators"]],
        }
    )
    targets = pl.read_csv(
        folder / "targets.csv",
        schema_overrides={
            "indicator_code": pl.String,
            "org_unit_code": pl.String,
            "year": pl.Int32,
            "target": pl.Float64,
            "baseline": pl.Float64,
        },
    )
    for name, frame in (
        ("org_units", org),
        ("elements", elements),
        ("indicators", indicators),
        ("targets", targets),
    ):
        con.register(f"_{name}", frame.to_arrow())
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _{name}")
        con.unregister(f"_{name}")
    if isinstance(values, Path):
        con.execute(
            "CREATE OR REPLACE TABLE accepted_values AS "
            "SELECT org_unit_code, element_code, period, value FROM read_parquet($path)",
            {"path": str(values)},
        )
    else:
        con.register("_values", values.select("org_unit_code", "element_code", "period", "value"))
        con.execute("CREATE OR REPLACE TABLE accepted_values AS SELECT * FROM _values")
        con.unregister("_values")
    return dict(catalog)


def _levels(org: pl.DataFrame) -> list[str]:
    """Level names from the root down (by parent chain)."""
    parent = dict(zip(org["code"], org["parent_code"], strict=True))
    depth: dict[str, int] = {}
    for code in org["code"]:
        d, at = 0, parent.get(code)
        while at is not None:
            d, at = d + 1, parent.get(at)
        depth[code] = d
    by_depth = {depth[c]: lv for c, lv in zip(org["code"], org["level"], strict=True)}
    return [by_depth[d] for d in sorted(by_depth)]


def _run(
    con: duckdb.DuckDBPyConnection,
    name: str,
    sql: str,
    params: dict[str, Any],
    profile: dict[str, float] | None,
) -> list[tuple[Any, ...]]:
    """Run one statement; its seconds added to ``profile[name]``."""
    used = {key: params[key] for key in set(_PARAM.findall(sql))}
    started = time.perf_counter()
    rows = con.execute(sql, used).fetchall()
    if profile is not None:
        profile[name] = profile.get(name, 0.0) + time.perf_counter() - started
    return rows


def _formulas(catalog: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(indicator code, SQL expression over quoted element columns), indicators inlined."""
    by_code = {i["code"]: i["formula"] for i in catalog["indicators"]}

    def expand(text: str, seen: tuple[str, ...]) -> str:
        def name(match: re.Match[str]) -> str:
            code = match[0]
            if code in by_code and code not in seen:
                return f"({expand(by_code[code], (*seen, code))})"
            return f'"{code}"'

        return _CODE.sub(name, text)

    for code, text in by_code.items():
        yield code, expand(text, (code,))


def actuals_sql(catalog: dict[str, Any], numbers: dict[str, int]) -> str:
    """The indicators statement: the element values the formulas use pivoted wide (a
    column per element, found by its number), each formula, unpivoted.

    ``numbers``: element code → element_no."""
    formulas = list(_formulas(catalog))
    used = sorted({m[1] for _, expr in formulas for m in re.finditer(r'"(\w+)"', expr)})
    wanted = ", ".join(str(numbers[code]) for code in used)
    columns = ", ".join(f'{numbers[code]} AS "{code}"' for code in used)
    computed = ",\n        ".join(f'({expr}) AS "{code}"' for code, expr in formulas)
    names = ", ".join(f'"{code}"' for code, _ in formulas)
    return f"""
CREATE OR REPLACE TEMP TABLE actuals AS
WITH wide AS (
    PIVOT (SELECT unit_no, element_no, value FROM element_values WHERE element_no IN ({wanted}))
    ON element_no IN ({columns})
    USING first(value)
    GROUP BY unit_no
), computed AS (
    SELECT u.code AS org_unit_code,
        {computed}
    FROM units AS u LEFT JOIN wide USING (unit_no)
)
SELECT org_unit_code, indicator_code, CASE WHEN isfinite(actual) THEN actual END AS actual
FROM computed UNPIVOT INCLUDE NULLS (actual FOR indicator_code IN ({names}))
"""


def roll_up(
    con: duckdb.DuckDBPyConnection,
    catalog: dict[str, Any],
    review: str,
    root: str,
    profile: dict[str, float] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(element values, indicators) of every unit of ``root``'s subtree for ``review``.

    ``profile``: filled with the seconds of each statement (the per-statement profile
    `make bench` prints); ``lift`` is the sum over the depths."""
    year, first, last = parse_period(review)
    thresholds = {**THRESHOLDS, **(catalog.get("classification") or {})}
    params: dict[str, Any] = {
        "year": year,
        "first": first,
        "last": last,
        "review_end": dt.date(year, last, 14),
        "root": root,
        "mid_year": (first, last) != (1, 12),
        **thresholds,
    }
    steps = statements()

    def run(name: str, extra: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        return _run(con, name, steps[name], {**params, **(extra or {})}, profile)

    for name in ("periods", "levels", "element_rules", "units", "successors", "reports"):
        run(name)
    [(longer,)] = run("has_longer_periods")
    [(merged,)] = run("has_merged_units")
    if longer or merged:
        if not longer:
            run("nothing_covered")
            run("own_values_general")
        else:
            run("covered")
            run("own_values_general")
    else:
        run("own_values")
    run("grid")
    [(max_depth,)] = con.execute("SELECT max(depth) FROM units").fetchall()
    for depth in range(int(max_depth or 0), 0, -1):
        run("lift", {"depth": depth})
    started = time.perf_counter()
    numbers = dict(con.execute("SELECT element_code, element_no FROM element_rules").fetchall())
    con.execute(actuals_sql(catalog, numbers))
    if profile is not None:
        profile["actuals"] = time.perf_counter() - started
    run("classify")
    started = time.perf_counter()
    elements = con.sql(steps["element_rows"]).pl()
    indicators = con.sql("SELECT * FROM indicator_values").pl()
    if profile is not None:
        profile["results to polars"] = time.perf_counter() - started
    return elements, indicators
