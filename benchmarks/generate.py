"""National-scale benchmark data on the real hierarchy (63 provinces, 696 districts,
10,047 communes): a configuration, a month of submission files, a year of accepted values.

    python -m benchmarks.generate --scale 1/16 --formats csv,xlsx [--out benchmarks/data]

writes, under ``<out>/<scale>/``:

- ``config/``: ``org_units.csv`` (a ``VN`` root above the real provinces of the scale),
  ``catalog.yaml`` (200 elements: sum / last / average / max / min over time, sum /
  average / max / min over units, booleans, percents, 8 collected by districts; 40
  indicators: plain, sums, ratios, counts of communes, two ``decrease``, two
  ``year_end``) and ``targets.csv`` (every indicator at the root, each province and
  each district);
- ``inbox/<format>/2024M12/``: one national month of files, one per commune (and per
  district), with 1.5 % missing, 2 % resubmitted later with corrections, and a few
  rejected (a negative count) then resent;
- ``warehouse.duckdb``: the year 2024 (the same rules, month by month) registered
  through ``Warehouse.register_intake``, the way intake records it, so the review
  reads chitieu's own tables; ``accepted_values.parquet`` and
  ``accepted_reports.parquet``: what the warehouse returns for them (the baselines'
  in-memory input).

A scale is a fraction of the communes, taken as whole provinces in code order (so the
hierarchy stays real); below one province (``tiny``) whole districts of the first one.
Everything is seeded: the same arguments give the same bytes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import math
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import yaml

ROOT_DIR = Path(__file__).resolve().parents[1]
if str(ROOT_DIR) not in sys.path:  # run as a script: python benchmarks/generate.py
    sys.path.insert(0, str(ROOT_DIR))

ADMIN_UNITS = ROOT_DIR / "benchmarks" / "vn_admin_units_2025-03-01.csv"
"""The real hierarchy before the 2025 reform (63 provinces, 696 districts, 10,047
communes: the statistics office's catalogue of 1 March 2025, as compiled in the public
dataset dvhcvn), checked in so that a clone anywhere can generate its data."""
DATA_DIR = ROOT_DIR / "benchmarks" / "data"
YEAR = 2024
INTAKE_MONTH = 12
ROOT_CODE = "VN"
VALID_FROM = "2020-01-01"
N_ELEMENTS = 200
N_DISTRICT_ELEMENTS = 8
N_INDICATORS = 40
MISSING_RATE = 0.015
RESUBMIT_RATE = 0.02
REJECT_RATE = 0.0005
SCALES = {
    "tiny": Fraction(1, 500),
    "1/16": Fraction(1, 16),
    "1/4": Fraction(1, 4),
    "1": Fraction(1),
}
FORMATS = ("csv", "json", "xlsx")
LOCAL = dt.timezone(dt.timedelta(hours=7))


def scale_label(scale: str) -> str:
    """``1/16`` → ``1-16``: a folder name."""
    return scale.replace("/", "-")


def scale_fraction(scale: str) -> Fraction:
    if scale in SCALES:
        return SCALES[scale]
    return Fraction(scale)


# ---- the hierarchy ------------------------------------------------------------------


def admin_units(path: Path = ADMIN_UNITS) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False)


def select_units(units: pl.DataFrame, fraction: Fraction) -> pl.DataFrame:
    """Whole provinces in code order until ``fraction`` of the communes is reached; below
    one province, whole districts of the first province."""
    communes = units.filter(pl.col("level") == "commune")
    districts = units.filter(pl.col("level") == "district")
    wanted = max(1, math.ceil(fraction * communes.height))
    per_district = communes.group_by(pl.col("parent_code").alias("code")).len()
    per_province = (
        districts.join(per_district, on="code")
        .group_by(pl.col("parent_code").alias("code"))
        .agg(pl.col("len").sum())
        .sort("code")
    )
    first = per_province.item(0, "len")
    if wanted >= first:
        cumulative = per_province.with_columns(pl.col("len").cum_sum().alias("upto"))
        keep = cumulative.filter(pl.col("upto").shift(1, fill_value=0) < wanted)
        provinces = set(keep.get_column("code"))
        kept_districts = districts.filter(pl.col("parent_code").is_in(provinces))
    else:
        province = per_province.item(0, "code")
        ranked = (
            districts.filter(pl.col("parent_code") == province)
            .join(per_district, on="code")
            .sort("code")
            .with_columns(pl.col("len").cum_sum().alias("upto"))
        )
        kept_districts = ranked.filter(pl.col("upto").shift(1, fill_value=0) < wanted)
        provinces = {province}
    district_codes = set(kept_districts.get_column("code"))
    return pl.concat(
        [
            units.filter(pl.col("code").is_in(provinces)),
            units.filter(pl.col("code").is_in(district_codes)),
            communes.filter(pl.col("parent_code").is_in(district_codes)),
        ]
    )


def org_units_table(selected: pl.DataFrame) -> pl.DataFrame:
    root = pl.DataFrame(
        {"code": [ROOT_CODE], "name": ["Việt Nam"], "level": ["country"], "parent_code": [None]},
        schema=dict.fromkeys(("code", "name", "level", "parent_code"), pl.String),
    )
    return pl.concat(
        [
            root,
            selected.with_columns(
                pl.when(pl.col("level") == "province")
                .then(pl.lit(ROOT_CODE))
                .otherwise(pl.col("parent_code"))
                .alias("parent_code")
            ),
        ]
    ).with_columns(
        pl.lit(VALID_FROM).alias("valid_from"),
        pl.lit(None, pl.String).alias("valid_to"),
        pl.lit(None, pl.String).alias("successor_code"),
    )


# ---- the catalog --------------------------------------------------------------------


@dataclass(frozen=True)
class Element:
    code: str
    kind: str  # how values are drawn: see _KINDS
    value_type: str
    time_aggregation: str
    org_aggregation: str
    collected_at: str
    min: float
    max: float
    mean: float  # of a commune's (district's) monthly value, or of its base level

    @property
    def district(self) -> bool:
        return self.collected_at == "district"

    def spec(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": f"Số liệu thành phần {self.code[1:]} ({self.kind})",
            "name_en": f"Data element {self.code[1:]} ({self.kind})",
            "unit": {"boolean": "đạt/không", "percent": "%"}.get(self.value_type, "đơn vị"),
            "value_type": self.value_type,
            "time_aggregation": self.time_aggregation,
            "org_aggregation": self.org_aggregation,
            "collected_at": self.collected_at,
            "min": self.min,
            "max": self.max,
        }


# kind → value_type, time_aggregation, org_aggregation, min, max
_KINDS: dict[str, tuple[str, str, str, float, float]] = {
    "flag": ("boolean", "max", "sum", 0, 1),
    "pct_last": ("percent", "last", "average", 0, 100),
    "pct_avg": ("percent", "average", "average", 0, 100),
    "stock": ("integer", "last", "sum", 0, 100_000),
    "peak": ("integer", "max", "max", 0, 10_000),
    "low": ("number", "min", "min", 0, 10_000),
    "flow": ("integer", "sum", "sum", 0, 10_000),
    "d_flow": ("number", "sum", "sum", 0, 1_000_000),
    "d_stock": ("integer", "last", "sum", 0, 1_000_000),
}
_COMMUNE_CYCLE = ("flag", "pct_last", "pct_avg", "stock", "stock", "stock", "stock", "peak", "low")


def elements(n: int = N_ELEMENTS, n_district: int = N_DISTRICT_ELEMENTS) -> list[Element]:
    """Per 20 commune elements: 1 boolean, 2 percents (last, average), 4 stocks (last),
    1 max, 1 min and 11 flows (sum); the last ``n_district`` are district figures."""
    found = []
    for i in range(1, n + 1):
        district = i > n - n_district
        if district:
            kind = "d_flow" if i % 2 else "d_stock"
        else:
            r = i % 20
            kind = _COMMUNE_CYCLE[r] if r < len(_COMMUNE_CYCLE) else "flow"
        value_type, over_time, over_units, low, high = _KINDS[kind]
        mean = {
            "flow": 1 + (i * 7) % 20,
            "stock": 2750 + 10 * (i % 5),
            "pct_last": 72.5,
            "pct_avg": 72.5,
            "flag": 12 / 29,
            "peak": 50,
            "low": 30,
            "d_flow": 550,
            "d_stock": 30000 + 10 * (i % 5),
        }[kind]
        found.append(
            Element(
                f"E{i:03d}",
                kind,
                value_type,
                over_time,
                over_units,
                "district" if district else "commune",
                low,
                high,
                mean,
            )
        )
    return found


@dataclass(frozen=True)
class Indicator:
    code: str
    formula: str
    group: str
    direction: str = "increase"
    review: str = "mid_year"

    def spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "code": self.code,
            "name": f"Chỉ tiêu {self.code[2:]}",
            "name_en": f"Indicator {self.code[2:]}",
            "group": self.group,
            "unit": "",
            "formula": self.formula,
        }
        if self.direction != "increase":
            spec["direction"] = self.direction
        if self.review != "mid_year":
            spec["review"] = self.review
        return spec


def indicators(catalog: Sequence[Element], n: int = N_INDICATORS) -> list[Indicator]:
    """Plain flows, sums of flows, ratios of stocks (two of them ``decrease``), counts of
    communes meeting a standard, average percents, district figures, ``year_end`` ones."""
    by = {kind: [e.code for e in catalog if e.kind == kind] for kind in _KINDS}
    flows, stocks, flags = by["flow"], by["stock"], by["flag"]
    pcts = by["pct_last"] + by["pct_avg"]
    d_flows, d_stocks = by["d_flow"], by["d_stock"]
    made: list[tuple[str, str, str, str]] = []  # formula, group, direction, review
    made += [(flows[k], "Kinh tế", "increase", "mid_year") for k in range(16)]
    made += [
        (f"{flows[16 + 2 * k]} + {flows[17 + 2 * k]}", "Kinh tế", "increase", "mid_year")
        for k in range(4)
    ]
    made += [
        (f"{stocks[2 * k]} * 100 / {stocks[2 * k + 1]}", "Xã hội", "increase", "mid_year")
        for k in range(4)
    ]
    made += [
        (f"{stocks[8 + 2 * k]} * 100 / {stocks[9 + 2 * k]}", "Xã hội", "decrease", "mid_year")
        for k in range(2)
    ]
    made += [(flags[k], "Nông thôn mới", "increase", "mid_year") for k in range(4)]
    made += [(pcts[k], "Y tế", "increase", "mid_year") for k in range(3)]
    made += [(d_flows[0], "Công nghiệp", "increase", "mid_year")]
    made += [(d_flows[1], "Công nghiệp", "increase", "mid_year")]
    made += [(f"{d_flows[2]} + {d_flows[3]}", "Công nghiệp", "increase", "mid_year")]
    made += [(f"{d_stocks[0]} * 100 / {d_stocks[1]}", "Xây dựng Đảng", "increase", "mid_year")]
    made += [(flows[24 + k], "Văn hóa", "increase", "year_end") for k in range(2)]
    made += [(f"{flows[26]} * 1000 / {d_stocks[2]}", "Xây dựng Đảng", "increase", "mid_year")]
    if len(made) < n:
        raise ValueError(f"only {len(made)} indicator shapes for {n} indicators")
    return [
        Indicator(f"CT{k + 1:02d}", formula, group, direction, review)
        for k, (formula, group, direction, review) in enumerate(made[:n])
    ]


def catalog_document(catalog: Sequence[Element], measures: Sequence[Indicator]) -> dict[str, Any]:
    return {
        "resolution": {
            "code": "NQ-QG-2024-BENCH",
            "title": "Nghị quyết (dữ liệu thử nghiệm toàn quốc) năm 2024",
            "org_unit": ROOT_CODE,
            "year": YEAR,
        },
        "elements": [e.spec() for e in catalog],
        "indicators": [i.spec() for i in measures],
    }


def expected_values(org: pl.DataFrame, catalog: Sequence[Element]) -> pl.DataFrame:
    """Roughly what a year-end review finds per unit (for targets that classes spread
    over): one column per element, one row per unit above the communes."""
    units = org.filter(pl.col("level") != "commune")
    communes = org.filter(pl.col("level") == "commune")
    districts = org.filter(pl.col("level") == "district")
    parent_of = dict(org.select("code", "parent_code").iter_rows())
    below: dict[str, list[int]] = {code: [0, 0] for code in units.get_column("code")}
    for code in districts.get_column("code"):
        below[code][1] = 1  # a district reports its own district figures
    for level, frame in ((0, communes), (1, districts)):
        for code in frame.get_column("code"):
            parent = parent_of[code]
            while parent is not None:
                below[parent][level] += 1
                parent = parent_of[parent]
    n_communes = [below[c][0] for c in units.get_column("code")]
    n_districts = [below[c][1] for c in units.get_column("code")]
    present = 1 - MISSING_RATE
    columns: dict[str, Any] = {"org_unit_code": units.get_column("code")}
    for e in catalog:
        n = n_districts if e.district else n_communes
        if e.kind in ("flow", "d_flow"):
            columns[e.code] = [12 * e.mean * k * present for k in n]
        elif e.kind in ("stock", "d_stock", "flag"):
            columns[e.code] = [e.mean * k for k in n]
        else:
            columns[e.code] = [e.mean for _ in n]
    return pl.DataFrame(columns)


def targets_table(
    org: pl.DataFrame, catalog: Sequence[Element], measures: Sequence[Indicator], seed: int
) -> pl.DataFrame:
    """A target for every indicator at the root, each province and each district: the
    expected year-end value × a factor of 0.7-1.6 (so classes spread); a ``decrease``
    indicator gets a baseline 15 % above the expected value."""
    from chitieu import formula

    expected = expected_values(org, catalog)
    actual = expected.select(
        "org_unit_code",
        *[formula.to_expr(formula.parse(m.formula)).alias(m.code) for m in measures],
    ).unpivot(index="org_unit_code", variable_name="indicator_code", value_name="expected")
    rng = np.random.default_rng(seed)
    factor = rng.uniform(0.7, 1.6, actual.height)
    near = rng.uniform(0.9, 1.05, actual.height)
    decreasing = pl.col("indicator_code").is_in(
        [m.code for m in measures if m.direction == "decrease"]
    )
    return (
        actual.with_columns(
            pl.Series("factor", factor), pl.Series("near", near), pl.lit(YEAR).alias("year")
        )
        .select(
            "indicator_code",
            "org_unit_code",
            "year",
            pl.when(decreasing)
            .then(pl.col("expected") * pl.col("near"))
            .otherwise(pl.col("expected") * pl.col("factor"))
            .round(2)
            .alias("target"),
            pl.when(decreasing).then((pl.col("expected") * 1.15).round(2)).alias("baseline"),
        )
        .filter(pl.col("target").is_not_null())
    )  # a district without communes has no ratio


def write_config(folder: Path, org: pl.DataFrame, seed: int) -> list[Element]:
    folder.mkdir(parents=True, exist_ok=True)
    catalog = elements()
    measures = indicators(catalog)
    org.write_csv(folder / "org_units.csv")
    document = catalog_document(catalog, measures)
    (folder / "catalog.yaml").write_text(
        "# Generated by benchmarks/generate.py: national-scale benchmark data, not a real"
        " resolution.\n" + yaml.safe_dump(document, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    targets_table(org, catalog, measures, seed).write_csv(folder / "targets.csv")
    return catalog


# ---- data quality: rules across elements and outlier tests (SPEC §7) ----------------


def checks_document(document: dict[str, Any], catalog: Sequence[Element]) -> dict[str, Any]:
    """The generated catalog with a few rules across elements and outlier settings: two
    error rules that the generated values keep (a sum of flows at least one of them, a
    percent at most 100), three warning rules that a few units break (a flow above eight
    times its mean, a ratio of stocks, the district's stocks), a stricter threshold on
    the flows, a looser one on the percents, and the test off for the district's flows.
    Every other element keeps the default test (booleans: none)."""
    by = {kind: [e for e in catalog if e.kind == kind] for kind in _KINDS}
    flows, stocks, pcts = by["flow"], by["stock"], by["pct_last"]
    d_stocks = by["d_stock"]
    busy = max(flows, key=lambda e: e.mean)
    rules = [
        ("R01", f"{flows[0].code} + {flows[1].code}", ">=", flows[0].code, "error", None),
        ("R02", pcts[0].code, "<=", "100", "error", None),
        ("R03", busy.code, "<=", f"{8 * busy.mean:g}", "warning", None),
        ("R04", f"{stocks[0].code} * 100 / {stocks[1].code}", "<", "900", "warning", None),
        ("R05", d_stocks[0].code, ">=", f"{d_stocks[1].code} / 2", "warning", ["district"]),
    ]
    outlier = {e.code: {"threshold": 3.0} for e in flows[:20]}
    outlier |= {e.code: {"threshold": 5.0, "min_history": 3} for e in pcts}
    outlier |= {e.code: "off" for e in by["d_flow"]}
    elements = [
        {**spec, "outlier": outlier[spec["code"]]} if spec["code"] in outlier else spec
        for spec in document["elements"]
    ]
    return {
        **document,
        "elements": elements,
        "rules": [
            {
                "code": code,
                "left": left,
                "operator": operator,
                "right": right,
                "severity": severity,
                **({"levels": levels} if levels else {}),
                "message": f"Quy tắc thử nghiệm {code}",
                "message_en": f"Benchmark rule {code}",
            }
            for code, left, operator, right, severity, levels in rules
        ],
    }


def plain_document(document: dict[str, Any]) -> dict[str, Any]:
    """The generated catalog with no rule and every outlier test off: intake as it was
    before SPEC §7, for comparison."""
    return {
        **document,
        "elements": [{**spec, "outlier": "off"} for spec in document["elements"]],
        "rules": [],
    }


def write_variant(config: Path, target: Path, variant: str) -> Path:
    """A copy of the configuration folder ``config`` whose catalog is the ``checks`` or
    the ``plain`` variant; returns ``target``."""
    shutil.copytree(config, target, dirs_exist_ok=True)
    document = yaml.safe_load((config / "catalog.yaml").read_text(encoding="utf-8"))
    changed = (
        checks_document(document, elements()) if variant == "checks" else plain_document(document)
    )
    (target / "catalog.yaml").write_text(
        f"# benchmarks/generate.py: the generated catalog, {variant} variant.\n"
        + yaml.safe_dump(changed, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    return target


# ---- monthly values -----------------------------------------------------------------


def _base(seed: int, shape: tuple[int, int], low: float, high: float) -> np.ndarray:
    """Per unit × element levels that hold across the year (stocks, percents)."""
    return np.random.default_rng(seed).uniform(low, high, shape)


def month_values(
    units: Sequence[str], catalog: Sequence[Element], month: int, seed: int
) -> np.ndarray:
    """The true values of every unit × element (``len(units)`` × ``len(catalog)``)."""
    n = len(units)
    rng = np.random.default_rng(seed * 1000 + month)
    kinds = [e.kind for e in catalog]
    out = np.empty((n, len(catalog)), dtype=np.float64)
    stock_base = _base(seed + 1, (n, len(catalog)), 500, 5000)
    pct_base = _base(seed + 2, (n, len(catalog)), 50, 95)
    achieved = np.random.default_rng(seed + 3).integers(1, 30, (n, len(catalog)))
    d_base = _base(seed + 4, (n, len(catalog)), 10_000, 50_000)
    for j, (kind, e) in enumerate(zip(kinds, catalog, strict=True)):
        if kind == "flow":
            out[:, j] = rng.poisson(e.mean, n)
        elif kind == "stock":
            out[:, j] = np.floor(stock_base[:, j]) + month * (j % 5)
        elif kind in ("pct_last", "pct_avg"):
            out[:, j] = np.clip(np.round(pct_base[:, j] + rng.normal(0, 3, n), 1), 0, 100)
        elif kind == "flag":
            out[:, j] = (achieved[:, j] <= month).astype(np.float64)
        elif kind == "peak":
            out[:, j] = rng.poisson(e.mean, n)
        elif kind == "low":
            out[:, j] = np.round(rng.uniform(10, 50, n), 1)
        elif kind == "d_flow":
            out[:, j] = np.round(rng.uniform(100, 1000, n), 1)
        else:  # d_stock
            out[:, j] = np.floor(d_base[:, j]) + month * (j % 5)
    return out


@dataclass(frozen=True)
class MonthPlan:
    """Who reports what in one month: one row per report, in arrival order.

    ``reports``: ``unit, level, version`` (0 = first or only, 1 = the correction of a
    resubmitted report, -1 = a rejected attempt, resent as version 0), ``status``,
    ``submitted_at`` (UTC); ``commune_values`` / ``district_values``: the true values.
    """

    period: str
    reports: pl.DataFrame
    communes: list[str]
    districts: list[str]
    commune_elements: list[Element]
    district_elements: list[Element]
    commune_values: np.ndarray
    district_values: np.ndarray


def plan_month(org: pl.DataFrame, catalog: Sequence[Element], month: int, seed: int) -> MonthPlan:
    communes = org.filter(pl.col("level") == "commune").get_column("code").to_list()
    districts = org.filter(pl.col("level") == "district").get_column("code").to_list()
    commune_elements = [e for e in catalog if not e.district]
    district_elements = [e for e in catalog if e.district]
    rng = np.random.default_rng(seed * 7919 + month)
    period_end = dt.datetime(YEAR, month, 14, 17, 0, tzinfo=LOCAL)
    rows: list[dict[str, Any]] = []
    for level, codes in (("commune", communes), ("district", districts)):
        present = rng.random(len(codes)) >= MISSING_RATE
        resubmit = rng.random(len(codes)) < RESUBMIT_RATE
        reject = rng.random(len(codes)) < REJECT_RATE
        if level == "commune" and not reject[present].any():
            reject[int(np.flatnonzero(present)[0])] = True  # at least one per month
        hours = rng.uniform(0, 48, len(codes))
        for i, code in enumerate(codes):
            if not present[i]:
                continue
            first = period_end + dt.timedelta(hours=float(hours[i]))
            if reject[i] and level == "commune":
                rows.append({"unit": code, "level": level, "version": -1, "at": first})
                first += dt.timedelta(hours=6)
            rows.append({"unit": code, "level": level, "version": 0, "at": first})
            if resubmit[i]:
                rows.append(
                    {"unit": code, "level": level, "version": 1, "at": first + dt.timedelta(days=2)}
                )
    reports = pl.DataFrame(
        rows,
        schema={
            "unit": pl.String,
            "level": pl.String,
            "version": pl.Int8,
            "at": pl.Datetime("us", "UTC"),
        },
    ).with_columns(
        pl.when(pl.col("version") == -1)
        .then(pl.lit("rejected"))
        .otherwise(pl.lit("accepted"))
        .alias("status")
    )
    return MonthPlan(
        period=f"{YEAR}M{month:02d}",
        reports=reports.rename({"at": "submitted_at"}),
        communes=communes,
        districts=districts,
        commune_elements=commune_elements,
        district_elements=district_elements,
        commune_values=month_values(communes, commune_elements, month, seed),
        district_values=month_values(districts, district_elements, month, seed + 17),
    )


def _value_text(values: pl.Expr, element_types: pl.Expr) -> pl.Expr:
    """As a person or a spreadsheet writes it: ``12`` for counts, ``12.5`` for numbers."""
    return (
        pl.when(element_types.is_in(["integer", "boolean"]))
        .then(values.cast(pl.Int64).cast(pl.String))
        .otherwise(values.round(1).cast(pl.String))
    )


def report_rows(plan: MonthPlan) -> pl.DataFrame:
    """One row per value of every report of the month, with the report's ``seq``
    (arrival order): ``seq, unit, version, status, submitted_at, line, element_code,
    value`` (text as written). The first version of a resubmitted report is off by one
    in its first flow (the correction fixes it); a rejected attempt has a negative count
    there."""
    resubmitted = plan.reports.filter(pl.col("version") == 1).get_column("unit").implode()
    parts = []
    for level, codes, catalog, matrix in (
        ("commune", plan.communes, plan.commune_elements, plan.commune_values),
        ("district", plan.districts, plan.district_elements, plan.district_values),
    ):
        if not codes:
            continue
        index = {code: i for i, code in enumerate(codes)}
        reports = (
            plan.reports.with_row_index("seq")
            .filter(pl.col("level") == level)
            .with_columns(
                pl.col("unit").replace_strict(index, return_dtype=pl.Int64).alias("ui"),
                ((pl.col("version") == 0) & pl.col("unit").is_in(resubmitted)).alias("wrong"),
            )
        )
        n_elements = len(catalog)
        grid = pl.DataFrame(
            {
                "ui": np.repeat(np.arange(len(codes), dtype=np.int64), n_elements),
                "ei": np.tile(np.arange(n_elements, dtype=np.int64), len(codes)),
                "true": matrix.ravel(),
            }
        )
        rules = pl.DataFrame(
            {
                "ei": np.arange(n_elements, dtype=np.int64),
                "element_code": [e.code for e in catalog],
                "value_type": [e.value_type for e in catalog],
            }
        )
        first_flow = next((j for j, e in enumerate(catalog) if e.kind == "flow"), -1)
        at_first = pl.col("ei") == first_flow
        parts.append(
            reports.join(grid, on="ui")
            .join(rules, on="ei")
            .with_columns(
                pl.when(pl.col("wrong") & at_first)
                .then(pl.col("true") + 1)
                .otherwise(pl.col("true"))
                .alias("value_num")
            )
            .select(
                "seq",
                "unit",
                "version",
                "status",
                "submitted_at",
                (pl.col("ei") + 2).alias("line"),
                "element_code",
                pl.when((pl.col("version") == -1) & at_first)
                .then(pl.lit("-1"))
                .otherwise(_value_text(pl.col("value_num"), pl.col("value_type")))
                .alias("value"),
            )
        )
    return pl.concat(parts).sort("seq", "line")


def source_name(unit: str, period: str, version: int, suffix: str) -> str:
    tail = {-1: "_loi", 0: "", 1: "_gui_lai"}[version]
    return f"{unit}_{period}{tail}.{suffix}"


# ---- files --------------------------------------------------------------------------


def _iso_local(moment: pl.Expr) -> pl.Expr:
    return moment.dt.convert_time_zone("Asia/Ho_Chi_Minh").dt.strftime("%Y-%m-%dT%H:%M:%S+07:00")


def write_month_files(plan: MonthPlan, folder: Path, fmt: str, config_dir: Path) -> int:
    """One file per report of the month in ``folder``; returns how many."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = report_rows(plan).with_columns(_iso_local(pl.col("submitted_at")).alias("at_text"))
    if fmt == "csv":
        return _write_csv(plan, rows, folder)
    if fmt == "json":
        return _write_json(plan, rows, folder)
    if fmt == "xlsx":
        return _write_xlsx(plan, rows, folder, config_dir)
    raise ValueError(f"unknown format {fmt!r}: {', '.join(FORMATS)}")


def _files(rows: pl.DataFrame, body: pl.Expr) -> pl.DataFrame:
    return rows.group_by("seq", maintain_order=True).agg(
        pl.col("unit").first(), pl.col("version").first(), body.str.join("").alias("body")
    )


def _write_csv(plan: MonthPlan, rows: pl.DataFrame, folder: Path) -> int:
    line = pl.concat_str(
        [
            pl.col("unit"),
            pl.col("element_code"),
            pl.lit(plan.period),
            pl.col("value"),
            pl.lit(""),
            pl.col("at_text"),
        ],
        separator=",",
    ) + pl.lit("\n")
    header = "org_unit_code,element_code,period,value,note,submitted_at\n"
    files = _files(rows, line)
    for unit, version, body in files.select("unit", "version", "body").iter_rows():
        (folder / source_name(unit, plan.period, version, "csv")).write_text(
            header + body, encoding="utf-8"
        )
    return files.height


def _write_json(plan: MonthPlan, rows: pl.DataFrame, folder: Path) -> int:
    entry = pl.concat_str(
        [
            pl.lit('{"element_code": "'),
            pl.col("element_code"),
            pl.lit('", "value": '),
            pl.col("value"),
            pl.lit("}"),
        ]
    )
    files = rows.group_by("seq", maintain_order=True).agg(
        pl.col("unit").first(),
        pl.col("version").first(),
        pl.col("at_text").first(),
        entry.str.join(", ").alias("body"),
    )
    for unit, version, at, body in files.select("unit", "version", "at_text", "body").iter_rows():
        text = (
            f'{{"org_unit_code": "{unit}", "period": "{plan.period}", '
            f'"submitted_at": "{at}", "submitted_by": "benchmark", "values": [{body}]}}\n'
        )
        (folder / source_name(unit, plan.period, version, "json")).write_text(
            text, encoding="utf-8"
        )
    return files.height


def _write_xlsx(plan: MonthPlan, rows: pl.DataFrame, folder: Path, config_dir: Path) -> int:
    """Workbooks as a commune officer returns them: chitieu's own template, filled in."""
    from benchmarks.xlsx_fill import fill_workbooks

    return fill_workbooks(plan.period, rows, folder, config_dir, source_name)


# ---- a year straight into the warehouse ---------------------------------------------


def intake_batch(plan: MonthPlan, received_delay: dt.timedelta = dt.timedelta(minutes=5)) -> Any:
    """The month as `chitieu.intake.plan_intake` would record it: accepted reports with
    their values, rejected ones with their issue (a negative count)."""
    from chitieu.warehouse import IntakeBatch

    rows = report_rows(plan)
    reports = plan.reports.with_row_index("seq").with_columns(pl.col("seq").cast(pl.Int64))
    names = [
        source_name(unit, plan.period, version, "csv")
        for unit, version in reports.select("unit", "version").iter_rows()
    ]
    shas = [hashlib.sha256(f"bench|{name}".encode()).hexdigest() for name in names]
    n_values = rows.group_by("seq").agg(pl.len().cast(pl.Int64).alias("n_values"))
    submissions = (
        reports.with_columns(
            pl.Series("sha256", shas),
            pl.Series("source_name", names),
            pl.lit("csv").alias("format"),
            pl.lit(plan.period).alias("period"),
            pl.lit("benchmark").alias("submitted_by"),
            (pl.col("submitted_at") + received_delay).alias("received_at"),
        )
        .join(n_values.with_columns(pl.col("seq").cast(pl.Int64)), on="seq", how="left")
        .select(
            pl.col("seq").alias("batch_seq"),
            "sha256",
            "source_name",
            "format",
            pl.col("unit").alias("org_unit_code"),
            "period",
            "submitted_at",
            "submitted_by",
            "received_at",
            "status",
            "n_values",
        )
    )
    accepted = rows.filter(pl.col("status") == "accepted")
    values = accepted.select(
        pl.col("seq").cast(pl.Int64).alias("batch_seq"),
        pl.col("unit").alias("org_unit_code"),
        "element_code",
        pl.lit(plan.period).alias("period"),
        pl.col("value").cast(pl.Float64),
        pl.lit(None, pl.String).alias("note"),
        (pl.lit("line ") + pl.col("line").cast(pl.String)).alias("location"),
    )
    bad = rows.filter((pl.col("status") == "rejected") & (pl.col("value") == "-1"))
    issues = bad.select(
        pl.col("seq").cast(pl.Int64).alias("batch_seq"),
        (pl.lit("line ") + pl.col("line").cast(pl.String)).alias("location"),
        "element_code",
        "value",
        pl.lit("value_below_min").alias("check"),
        pl.lit("Giá trị -1 nhỏ hơn mức tối thiểu 0").alias("message_vi"),
        pl.lit("value -1 is below the minimum 0").alias("message_en"),
    )
    return IntakeBatch(submissions=submissions, values=values, issues=issues)


def load_year(org: pl.DataFrame, catalog: Sequence[Element], warehouse_url: str, seed: int) -> int:
    """Register the twelve months of ``YEAR``, one intake batch per month; returns the
    number of value rows written (superseded reports included)."""
    from chitieu.warehouse import open_warehouse

    written = 0
    with open_warehouse(warehouse_url) as warehouse:
        for month in range(1, 13):
            batch = intake_batch(plan_month(org, catalog, month, seed))
            warehouse.register_intake(batch)
            written += batch.values.height
    return written


# ---- the whole data set -------------------------------------------------------------


@dataclass(frozen=True)
class DataSet:
    folder: Path

    @property
    def config(self) -> Path:
        return self.folder / "config"

    @property
    def warehouse(self) -> Path:
        return self.folder / "warehouse.duckdb"

    @property
    def values(self) -> Path:
        return self.folder / "accepted_values.parquet"

    @property
    def reports(self) -> Path:
        return self.folder / "accepted_reports.parquet"

    @property
    def manifest_path(self) -> Path:
        return self.folder / "manifest.json"

    def inbox(self, fmt: str) -> Path:
        return self.folder / "inbox" / fmt / f"{YEAR}M{INTAKE_MONTH:02d}"

    def manifest(self) -> dict[str, Any]:
        if not self.manifest_path.exists():
            return {}
        return dict(json.loads(self.manifest_path.read_text(encoding="utf-8")))

    def _record(self, **facts: Any) -> None:
        manifest = self.manifest()
        manifest.update(facts)
        self.manifest_path.write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def dataset(scale: str, out: Path = DATA_DIR) -> DataSet:
    return DataSet(out / scale_label(scale))


def generate(
    scale: str,
    formats: Sequence[str] = ("csv",),
    out: Path = DATA_DIR,
    seed: int = 2024,
    warehouse: bool = True,
    force: bool = False,
) -> DataSet:
    """Generate what is missing of the data set (everything with ``force``)."""
    data = dataset(scale, out)
    if force and data.folder.exists():
        shutil.rmtree(data.folder)
    manifest = data.manifest()
    if manifest.get("seed") not in (None, seed):
        raise ValueError(f"{data.folder} was generated with seed {manifest['seed']}: use --force")
    fraction = scale_fraction(scale)
    org = org_units_table(select_units(admin_units(), fraction))
    if not (data.config / "catalog.yaml").exists():
        write_config(data.config, org, seed)
        levels = dict(org.group_by("level").len().iter_rows())
        data._record(scale=scale, seed=seed, units=levels, elements=N_ELEMENTS)
    catalog = elements()
    for fmt in formats:
        inbox = data.inbox(fmt)
        if fmt not in data.manifest().get("inbox", {}):
            if inbox.exists():
                shutil.rmtree(inbox)
            plan = plan_month(org, catalog, INTAKE_MONTH, seed)
            files = write_month_files(plan, inbox, fmt, data.config)
            data._record(inbox={**data.manifest().get("inbox", {}), fmt: files})
    if warehouse and "values" not in data.manifest():
        for path in (data.warehouse, data.warehouse.with_suffix(".duckdb.wal")):
            path.unlink(missing_ok=True)
        written = load_year(org, catalog, f"duckdb:///{data.warehouse}", seed)
        dump_inputs(data)
        accepted = pl.scan_parquet(data.values).select(pl.len()).collect().item()
        data._record(values_written=written, values=accepted)
    return data


def dump_inputs(data: DataSet) -> None:
    """The warehouse's accepted values and reports as parquet: the baselines' input."""
    from chitieu.warehouse import open_warehouse

    with open_warehouse(f"duckdb:///{data.warehouse}") as warehouse:
        warehouse.accepted_reports().write_parquet(data.reports)
        warehouse.accepted_values().write_parquet(data.values)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="1/16", help="tiny, 1/16, 1/4, 1 or a fraction")
    parser.add_argument("--formats", default="csv", help=f"comma separated: {', '.join(FORMATS)}")
    parser.add_argument("--out", type=Path, default=DATA_DIR)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--no-warehouse", action="store_true", help="files only")
    parser.add_argument("--force", action="store_true", help="regenerate from scratch")
    args = parser.parse_args(argv)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    data = generate(
        args.scale, formats, args.out, args.seed, warehouse=not args.no_warehouse, force=args.force
    )
    print(json.dumps({"folder": str(data.folder), **data.manifest()}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
