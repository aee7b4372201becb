"""Roll-up test helpers: configuration folders written from Python, value frames, lookups.

Tests say only what matters to them (the elements, the indicators, the tree);
`write_config` fills in the rest, and the ``make_config`` fixture of conftest.py
loads it with the real loader, so every configuration a test uses has passed the
same checks as a user's.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from chitieu.config import Config
from chitieu.rollup import Rollup
from chitieu.rollup.review import VALUES_SCHEMA

MakeConfig = Callable[..., Config]
"""The ``make_config`` fixture: ``make_config(elements, indicators, org_units=..., ...)``."""

ORG_UNITS_HEADER = "code,name,level,parent_code,valid_from,valid_to,successor_code"
TARGETS_HEADER = "indicator_code,org_unit_code,year,target,baseline"
SUCCESSIONS_HEADER = "old_code,new_code,date,share"

# province P → districts D1, D2 → communes → hamlets (the deepest tree the tests use)
TREE_4_LEVELS = """
P,Tỉnh,province,,2020-01-01,,
D1,Huyện Một,district,P,2020-01-01,,
D2,Huyện Hai,district,P,2020-01-01,,
C11,Xã 11,commune,D1,2020-01-01,,
C12,Xã 12,commune,D1,2020-01-01,,
C21,Xã 21,commune,D2,2020-01-01,,
H111,Ấp 111,hamlet,C11,2020-01-01,,
H112,Ấp 112,hamlet,C11,2020-01-01,,
H121,Ấp 121,hamlet,C12,2020-01-01,,
H211,Ấp 211,hamlet,C21,2020-01-01,,
H212,Ấp 212,hamlet,C21,2020-01-01,,
H213,Ấp 213,hamlet,C21,2020-01-01,,
"""

# a commune merged into C1 at the end of March 2024
MERGER = """
D,Huyện,district,,2020-01-01,,
C1,Xã Một,commune,D,2020-01-01,,
CA,Xã A (sáp nhập vào Xã Một),commune,D,2020-01-01,2024-03-31,C1
C3,Xã Ba,commune,D,2020-01-01,,
"""

# code X reused: the old town (under D1) merged into Y, then X names a new commune of D2
REUSED_CODE = """
P,Tỉnh,province,,2020-01-01,,
D1,Huyện Một,district,P,2020-01-01,,
D2,Huyện Hai,district,P,2020-01-01,,
Y,Xã Y,commune,D1,2020-01-01,,
X,Thị trấn X (cũ),commune,D1,2020-01-01,2024-03-31,Y
X,Xã X (mới),commune,D2,2024-04-01,,
"""

# district D → communes C1, C2, C3 (the shape of the article's review)
TREE_DISTRICT = """
D,Huyện,district,,2020-01-01,,
C1,Xã Một,commune,D,2020-01-01,,
C2,Xã Hai,commune,D,2020-01-01,,
C3,Xã Ba,commune,D,2020-01-01,,
"""


def element(code: str, **rules: Any) -> dict[str, Any]:
    """A catalog element: ``time_aggregation``, ``org_aggregation``... as keyword arguments."""
    return {"code": code, "name": f"Chỉ số {code}", **rules}


def indicator(code: str, formula: str, **rules: Any) -> dict[str, Any]:
    return {"code": code, "name": f"Chỉ tiêu {code}", "formula": formula, **rules}


def catalog(
    elements: Sequence[dict[str, Any]],
    indicators: Sequence[dict[str, Any]],
    org_unit: str = "P",
    year: int = 2024,
) -> dict[str, Any]:
    return {
        "resolution": {"code": "NQ-TEST", "title": "Test", "org_unit": org_unit, "year": year},
        "elements": list(elements),
        "indicators": list(indicators),
    }


def table(header: str, rows: str | Iterable[Sequence[object]]) -> str:
    if isinstance(rows, str):
        body = textwrap.dedent(rows).strip()
    else:
        body = "\n".join(",".join("" if c is None else str(c) for c in row) for row in rows)
    return f"{header}\n{body}\n" if body else f"{header}\n"


def write_config(
    folder: Path,
    catalog_doc: dict[str, Any] | str,
    org_units: str | Iterable[Sequence[object]],
    targets: str | Iterable[Sequence[object]] = "",
    successions: str | Iterable[Sequence[object]] | None = None,
) -> Path:
    """Write catalog.yaml, org_units.csv, targets.csv and, when given, successions.csv
    (rows without their header)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = (
        catalog_doc
        if isinstance(catalog_doc, str)
        else yaml.safe_dump(catalog_doc, allow_unicode=True, sort_keys=False)
    )
    (folder / "catalog.yaml").write_text(text, encoding="utf-8")
    (folder / "org_units.csv").write_text(table(ORG_UNITS_HEADER, org_units), encoding="utf-8")
    (folder / "targets.csv").write_text(table(TARGETS_HEADER, targets), encoding="utf-8")
    if successions is not None:
        text = table(SUCCESSIONS_HEADER, successions)
        (folder / "successions.csv").write_text(text, encoding="utf-8")
    return folder


def values(*rows: tuple[str, str, str, float | None]) -> pl.DataFrame:
    """Accepted values: ``(org_unit_code, element_code, period, value)`` rows."""
    return pl.DataFrame(rows, schema=VALUES_SCHEMA, orient="row")


def element_value(rollup: Rollup, unit: str, element_code: str) -> float | None:
    """The rolled-up value of one element at one unit (error if the row is absent)."""
    row = rollup.elements.filter(
        (pl.col("org_unit_code") == unit) & (pl.col("element_code") == element_code)
    )
    assert row.height == 1, f"expected one row for {unit}/{element_code}, got {row.height}"
    return row.item(0, "value")


def element_values(rollup: Rollup, element_code: str) -> dict[str, float | None]:
    """``{unit: value}`` of one element over the whole subtree."""
    rows = rollup.elements.filter(pl.col("element_code") == element_code)
    return dict(rows.select("org_unit_code", "value").iter_rows())


def indicator_row(rollup: Rollup, unit: str, indicator_code: str) -> dict[str, Any]:
    """``actual, target, percent, class`` of one indicator at one unit."""
    rows = rollup.indicators.filter(
        (pl.col("org_unit_code") == unit) & (pl.col("indicator_code") == indicator_code)
    )
    assert rows.height == 1, f"expected one row for {unit}/{indicator_code}, got {rows.height}"
    return rows.row(0, named=True)
