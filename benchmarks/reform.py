"""The national 2025 year-end on the new hierarchy (``make bench ARGS="--only reform"``).

On 1 July 2025 Vietnam's 63 provinces, 696 districts and 10,047 communes became 34
provinces and 3,321 communes. The 2025 year-end review of the country rolls up the new
communes' July–December and, for January–June, the old units' reports carried to their
successors (SPEC §3 rule 7). This module generates that data set and times that review;
`benchmarks.run` runs it beside the 2024 review of today (``review``) and gives the ratio.

    python -m benchmarks.reform generate --scale 1 --out benchmarks/data
    python -m benchmarks.reform reform-review --data DIR --work DIR   # one run (run.py)

The data set, under ``<out>/reform-<scale>/``:

- ``config/``: ``org_units.csv`` and ``successions.csv`` as ``chitieu hierarchy
  from-crosswalk --country`` writes them from the real units and crosswalk (checked in
  beside this file), cut to the old units of the scale and the new units they went to;
  the catalog of `benchmarks.generate` (200 elements, 40 indicators) for 2025; targets
  at the root and each new province;
- ``warehouse.duckdb``: 2025M01–M06 reported by the old communes and districts,
  2025M07–M12 by the new communes, with the same rules as the 2024 data (1.5 % missing,
  2 % resubmitted, a few rejected), registered through ``Warehouse.register_intake``.
  District elements are reported only before the reform (there are no districts after).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl
import yaml

ROOT_DIR = Path(__file__).resolve().parents[1]
if str(ROOT_DIR) not in sys.path:  # run as a script: python benchmarks/reform.py
    sys.path.insert(0, str(ROOT_DIR))

from benchmarks import generate  # noqa: E402
from benchmarks.generate import DATA_DIR, ROOT_CODE, DataSet  # noqa: E402

CROSSWALK = ROOT_DIR / "benchmarks" / "vn_admin_crosswalk_2025-07-01.csv"
"""Which old units make up each new one from 1 July 2025 (the public dataset
dvhcvn/20250701), checked in beside the units so that a clone can generate its data."""
YEAR = 2025
REVIEW = str(YEAR)
SCENARIO = "reform-review"


def reform_dataset(scale: str, out: Path = DATA_DIR) -> DataSet:
    return DataSet(out / f"reform-{generate.scale_label(scale)}")


# ---- the hierarchy ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Hierarchy:
    org_units: pl.DataFrame
    """The configuration's rows (text), the VN root first."""
    successions: pl.DataFrame
    old: pl.DataFrame
    """code, level, parent_code of the units reporting January–June."""
    new: pl.DataFrame
    """code, level, parent_code of the units reporting July–December."""


def hierarchy(scale: str) -> Hierarchy:
    """The reform for the old units of ``scale`` (whole provinces, as the 2024 data
    takes them) and the new units they went to."""
    from chitieu.hierarchy_reform.inputs import CROSSWALK_COLUMNS, read_table
    from chitieu.hierarchy_reform.tables import reform_tables

    units = generate.admin_units()
    crosswalk = read_table(CROSSWALK, CROSSWALK_COLUMNS)
    tables = reform_tables(units, crosswalk, country=True)
    old_codes = generate.select_units(units, generate.scale_fraction(scale)).get_column("code")
    successions = tables.successions.filter(pl.col("old_code").is_in(old_codes.implode()))
    org = tables.org_units
    ended = pl.col("valid_to").is_not_null()
    new_communes = org.filter(
        ~ended
        & (pl.col("level") == "commune")
        & pl.col("code").is_in(successions.get_column("new_code").implode())
    )
    new_provinces = new_communes.get_column("parent_code").unique().implode()
    kept = org.filter(
        (pl.col("level") == "country")
        | (ended & pl.col("code").is_in(old_codes.implode()))
        | (~ended & pl.col("code").is_in(new_provinces))
    )
    kept = pl.concat([kept, new_communes])
    shape = ("code", "level", "parent_code")
    return Hierarchy(
        org_units=kept,
        successions=successions.filter(
            pl.col("new_code").is_in(kept.filter(~ended).get_column("code").implode())
        ),
        old=kept.filter(ended | (pl.col("level") == "country")).select(shape),
        new=kept.filter(~ended).select(shape),
    )


def write_config(folder: Path, reform: Hierarchy, seed: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    reform.org_units.write_csv(folder / "org_units.csv")
    reform.successions.write_csv(folder / "successions.csv")
    catalog = generate.elements()
    measures = generate.indicators(catalog)
    document = generate.catalog_document(catalog, measures)
    document["resolution"] = {
        "code": "NQ-QG-2025-BENCH",
        "title": "Nghị quyết (dữ liệu thử nghiệm toàn quốc) năm 2025, sau sắp xếp đơn vị",
        "org_unit": ROOT_CODE,
        "year": YEAR,
    }
    (folder / "catalog.yaml").write_text(
        "# Generated by benchmarks/reform.py: national-scale benchmark data, not a real"
        " resolution.\n" + yaml.safe_dump(document, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    # targets where the new hierarchy has an expected value (no district after the reform)
    targets = generate.targets_table(reform.new, catalog, measures, seed).filter(
        pl.col("target").is_finite() & (pl.col("target") != 0)
    )
    targets.with_columns(pl.lit(YEAR).alias("year")).write_csv(folder / "targets.csv")


# ---- the year -----------------------------------------------------------------------


def month_plan(org: pl.DataFrame, month: int, seed: int) -> generate.MonthPlan:
    """`benchmarks.generate.plan_month` (a 2024 month) moved to 2025."""
    plan = generate.plan_month(org, generate.elements(), month, seed)
    return dataclasses.replace(
        plan,
        period=f"{YEAR}M{month:02d}",
        reports=plan.reports.with_columns(pl.col("submitted_at").dt.offset_by("1y")),
    )


def load_year(reform: Hierarchy, url: str, seed: int) -> int:
    """January–June on the old units, July–December on the new; values written."""
    from chitieu.warehouse import open_warehouse

    written = 0
    with open_warehouse(url) as warehouse:
        for month in range(1, 13):
            org = reform.old if month <= 6 else reform.new
            batch = generate.intake_batch(month_plan(org, month, seed))
            warehouse.register_intake(batch)
            written += batch.values.height
    return written


def generate_reform(
    scale: str, out: Path = DATA_DIR, seed: int = 2024, force: bool = False
) -> DataSet:
    data = reform_dataset(scale, out)
    if force and data.folder.exists():
        shutil.rmtree(data.folder)
    if "values" in data.manifest():
        return data
    reform = hierarchy(scale)
    write_config(data.config, reform, seed)
    for path in (data.warehouse, data.warehouse.with_suffix(".duckdb.wal")):
        path.unlink(missing_ok=True)
    written = load_year(reform, f"duckdb:///{data.warehouse}", seed)
    levels = {
        "before": dict(reform.old.group_by("level").len().sort("level").iter_rows()),
        "after": dict(reform.new.group_by("level").len().sort("level").iter_rows()),
    }
    data._record(
        scale=scale,
        seed=seed,
        units=levels,
        successions=reform.successions.height,
        values=written,
    )
    return data


def ensure(scale: str, env: dict[str, str], folder: Path = DATA_DIR) -> DataSet:
    """The reform data set of ``scale``, generated in a child process when missing."""
    data = reform_dataset(scale, folder)
    if "values" in data.manifest():
        return data
    print(f"  generating reform {scale}...", flush=True)
    command = [sys.executable, "-m", "benchmarks.reform", "generate", "--scale", scale]
    command += ["--out", str(folder)]
    subprocess.run(command, cwd=ROOT_DIR, env=env, check=True, stdout=subprocess.DEVNULL)
    return data


# ---- the scenario -------------------------------------------------------------------


def reform_review(data: DataSet, work: Path) -> dict[str, Any]:
    """The 2025 year-end of the country as `benchmarks.scenarios.review` times the 2024
    one: load the configuration, read, roll up, gate, draft, publish, reports."""
    from benchmarks.scenarios import _review_phases, stopwatch
    from chitieu import pipeline
    from chitieu.config import load_config
    from chitieu.periods import Period
    from chitieu.warehouse import open_warehouse

    url = f"duckdb:///{work / 'warehouse.duckdb'}"
    phases = _review_phases()
    result: dict[str, Any] = {}
    with stopwatch(result):
        config = load_config(data.config)
        with open_warehouse(url) as warehouse:
            prepared = pipeline.prepare_review(config, warehouse, Period.parse(REVIEW), ROOT_CODE)
            published = pipeline.publish_review(warehouse, prepared)
            pipeline.write_reports(config, warehouse, REVIEW, ROOT_CODE, work / "reports")
    root = prepared.rollup.root_indicators()
    comparable = root.get_column("comparable") if "comparable" in root.columns else None
    return {
        **result,
        "phases": phases.as_dict(),
        "checks_passed": prepared.checks.passed,
        "revision": published.revision,
        "element_rows": prepared.draft.elements.height,
        "indicator_rows": prepared.draft.indicators.height,
        "root_classes": dict(sorted(root.group_by("class").len().iter_rows())),
        "not_comparable_at_root": None if comparable is None else int((~comparable).sum()),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["generate", SCENARIO])
    parser.add_argument("--scale", default="1", help="tiny, 1/16, 1/4, 1 (generate)")
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="where data sets go")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--force", action="store_true", help="regenerate from scratch")
    parser.add_argument("--data", type=Path, help="the data set (reform-review)")
    parser.add_argument("--work", type=Path, help="a scratch folder (reform-review)")
    parser.add_argument("--format", default="", help=argparse.SUPPRESS)  # as run.py passes
    parser.add_argument("--url", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.action == "generate":
        data = generate_reform(args.scale, args.out, args.seed, args.force)
        print(json.dumps({"folder": str(data.folder), **data.manifest()}, indent=2))
        return 0
    if args.data is None or args.work is None:
        parser.error("reform-review needs --data and --work")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    args.work.mkdir(parents=True, exist_ok=True)
    result = reform_review(DataSet(args.data), args.work)
    print(json.dumps({"scenario": SCENARIO, **result}, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
