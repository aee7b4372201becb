"""A reporting configuration is a folder: catalog.yaml, org_units.csv, targets.csv and,
optionally, successions.csv and history.csv (`chitieu.config.history`).

`load_config` reads all three, checks each file and the rules between them, and
raises one `ConfigError` listing every problem found.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import polars as pl

from chitieu.config.catalog import CATALOG_FILE, Catalog, ElementSpec, IndicatorSpec, parse_catalog
from chitieu.config.history import HISTORY_FILE, history_sha256, load_history, no_history
from chitieu.config.rules import RuleSpec, check_rule_levels
from chitieu.config.successions import SUCCESSIONS_FILE, load_successions
from chitieu.config.tables import (
    LINE,
    ORG_UNITS_FILE,
    TARGETS_FILE,
    load_org_units,
    load_targets,
    problems_where,
)
from chitieu.config.wording import (
    FILE_MISSING,
    both,
    unknown_indicator,
    unknown_level,
    unknown_unit,
)
from chitieu.errors import ConfigError, ConfigProblem

__all__ = ["Catalog", "Config", "ElementSpec", "IndicatorSpec", "RuleSpec", "load_config"]


@dataclass(frozen=True)
class Config:
    """A loaded, checked configuration."""

    folder: Path
    catalog: Catalog
    org_units: pl.DataFrame
    """code, name, level, parent_code, valid_from, valid_to, successor_code, unit_id, line"""
    targets: pl.DataFrame
    """indicator_code, org_unit_code, year, target, baseline, valid_from, line, unit_id:
    the unit row the target names (`target_units`)."""
    catalog_sha256: str
    """Hash over the files' bytes: which configuration a snapshot was made with."""
    successions: pl.DataFrame
    """old_id, new_id, date, share (null: unknown): who took over which unit row, from
    successions.csv and org_units.csv's successor_code (share 1)."""
    history: pl.DataFrame = dataclasses.field(default_factory=no_history)
    """history.csv's rows (``HISTORY_SCHEMA``): last year's figures the warehouse lacks."""
    history_sha256: str | None = None
    """The SHA-256 of history.csv's bytes, None without one: a revision that used one of
    its figures records it (``snapshots.history_sha256``); not in ``catalog_sha256``."""

    @property
    def lowest_level(self) -> str:
        return lowest_level(self.org_units)

    def collected_at(self, element: ElementSpec) -> str:
        return element.collected_at or self.lowest_level

    def elements_frame(self) -> pl.DataFrame:
        """One row per element with its rules, ``collected_at`` resolved."""
        return pl.DataFrame(
            [
                {
                    "element_code": e.code,
                    "value_type": e.value_type,
                    "time_aggregation": e.time_aggregation,
                    "org_aggregation": e.org_aggregation,
                    "collected_at": self.collected_at(e),
                    "min": e.min,
                    "max": e.max,
                }
                for e in self.catalog.elements
            ],
            schema={
                "element_code": pl.String,
                "value_type": pl.String,
                "time_aggregation": pl.String,
                "org_aggregation": pl.String,
                "collected_at": pl.String,
                "min": pl.Float64,
                "max": pl.Float64,
            },
        )

    def submitting_levels(self) -> set[str]:
        return {self.collected_at(e) for e in self.catalog.elements}


def lowest_level(org_units: pl.DataFrame) -> str:
    """The level name of the deepest units (by parent chain)."""
    depth = unit_depths(org_units)
    return str(depth.sort("depth", "level", descending=[True, False]).item(0, "level"))


def unit_depths(org_units: pl.DataFrame) -> pl.DataFrame:
    """``code``, ``level``, ``depth`` (0 for units without a parent), one row per code."""
    edges = org_units.unique("code", keep="last").select("code", "level", "parent_code")
    depth = edges.select(
        "code", "level", pl.col("parent_code").alias("ancestor"), pl.lit(0).alias("depth")
    )
    for _ in range(edges.height):
        pending = depth.filter(pl.col("ancestor").is_not_null())
        if pending.is_empty():
            break
        depth = pl.concat(
            [
                depth.filter(pl.col("ancestor").is_null()),
                pending.join(
                    edges.select("code", "parent_code"),
                    left_on="ancestor",
                    right_on="code",
                    how="left",
                ).select(
                    "code", "level", pl.col("parent_code").alias("ancestor"), pl.col("depth") + 1
                ),
            ]
        )
    return depth.select("code", "level", "depth")


def _sha256_of(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0")
        digest.update(path.read_bytes() if path.exists() else b"")
        digest.update(b"\0")
    return digest.hexdigest()


_LOADED: dict[tuple[Path, str, str | None], Config] = {}
"""Configurations checked in this process, by folder and the hash of their bytes: a
flow and its tasks each load the configuration, and a national one (10,000 units)
takes a fifth of a second to check. The same bytes give the same `Config` (frozen,
its frames immutable); a changed file is loaded and checked afresh."""
_KEEP_LOADED: Final = 8


def resolution_unit(folder: str | Path) -> str | None:
    """The unit the resolution is about, read from the catalog alone (0.03 s: a run's
    name, before the run loads and checks the whole configuration); None when the
    catalog cannot tell."""
    try:
        text = (Path(folder) / CATALOG_FILE).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    catalog, _ = parse_catalog(text)
    return catalog.resolution.org_unit if catalog is not None else None


def load_config(folder: str | Path) -> Config:
    """Load and check a configuration folder; raises `ConfigError` with every problem."""
    folder = Path(folder)
    if not folder.is_dir():
        not_found = both("không tìm thấy thư mục cấu hình", "configuration folder not found")
        raise ConfigError([ConfigProblem(str(folder), "", "", not_found)])
    catalog_path = folder / CATALOG_FILE
    files = [catalog_path, folder / ORG_UNITS_FILE, folder / TARGETS_FILE]
    if (folder / SUCCESSIONS_FILE).exists():  # hashed when present: older hashes stand
        files.append(folder / SUCCESSIONS_FILE)
    key = (folder.resolve(), _sha256_of(files), history_sha256(folder))
    if key in _LOADED:
        return dataclasses.replace(_LOADED[key], folder=folder)
    config = _load(folder, key[1], key[2])
    if len(_LOADED) >= _KEEP_LOADED:
        _LOADED.pop(next(iter(_LOADED)))
    _LOADED[key] = config
    return config


def _load(folder: Path, catalog_sha256: str, history_hash: str | None = None) -> Config:
    problems: list[ConfigProblem] = []
    catalog_path = folder / CATALOG_FILE
    if catalog_path.exists():
        catalog, found = parse_catalog(catalog_path.read_text(encoding="utf-8-sig"))
        problems += found
    else:
        catalog = None
        problems.append(ConfigProblem(CATALOG_FILE, "", "", FILE_MISSING))
    org_units, found = load_org_units(folder / ORG_UNITS_FILE)
    problems += found
    targets, found = load_targets(folder / TARGETS_FILE)
    problems += found
    successions = None
    if org_units is not None:
        successions, found = load_successions(folder / SUCCESSIONS_FILE, org_units)
        problems += found
    if catalog is not None and org_units is not None:
        problems += _check_catalog_against_units(catalog, org_units)
    if catalog is not None and org_units is not None and targets is not None:
        problems += _check_targets(catalog, org_units, targets)
        targets, found = target_units(targets, org_units)
        problems += found
    history, found = load_history(folder / HISTORY_FILE, catalog, org_units)
    problems += found
    if problems or catalog is None or org_units is None or targets is None or successions is None:
        raise ConfigError(problems)
    return Config(
        folder=folder,
        catalog=catalog,
        org_units=org_units,
        targets=targets,
        catalog_sha256=catalog_sha256,
        successions=successions,
        history=history,
        history_sha256=history_hash,
    )


def _check_catalog_against_units(catalog: Catalog, org_units: pl.DataFrame) -> list[ConfigProblem]:
    levels = set(org_units.get_column("level"))
    problems = []
    for index, element in enumerate(catalog.elements, start=1):
        if element.collected_at is not None and element.collected_at not in levels:
            problems.append(
                ConfigProblem(
                    CATALOG_FILE,
                    f"elements[{index}] {element.code}",
                    "collected_at",
                    unknown_level(element.collected_at, levels, ORG_UNITS_FILE),
                )
            )
    if catalog.resolution.org_unit not in set(org_units.get_column("code")):
        problems.append(
            ConfigProblem(
                CATALOG_FILE,
                "resolution",
                "org_unit",
                both(
                    f"đơn vị {catalog.resolution.org_unit} không có trong {ORG_UNITS_FILE}",
                    f"unit {catalog.resolution.org_unit} does not exist in {ORG_UNITS_FILE}",
                ),
            )
        )
    problems += check_rule_levels(catalog.rules, levels, CATALOG_FILE, ORG_UNITS_FILE)
    return problems


def target_units(
    targets: pl.DataFrame, org_units: pl.DataFrame
) -> tuple[pl.DataFrame, list[ConfigProblem]]:
    """Each target with the ``unit_id`` of the one unit it names (SPEC §1: a reused code
    names several units). With ``valid_from``, the code's row that starts that day;
    without, the latest row of the code that exists during the target's year (the unit
    the year-end review judges), or the code's only row."""
    rows = org_units.select(
        pl.col("code").alias("org_unit_code"),
        pl.col("unit_id").alias("row_id"),
        pl.col("valid_from").alias("row_from"),
        pl.col("valid_to").alias("row_to"),
    )
    candidates = targets.select(LINE, "org_unit_code", "year", "valid_from").join(
        rows, on="org_unit_code"
    )
    named = candidates.filter(pl.col("row_from") == pl.col("valid_from"))
    overlaps = (pl.col("row_from") <= pl.date(pl.col("year"), 12, 31)) & (
        pl.col("row_to").is_null() | (pl.col("row_to") >= pl.date(pl.col("year"), 1, 1))
    )
    latest = (
        candidates.filter(pl.col("valid_from").is_null())
        .sort(LINE, overlaps, "row_from", descending=[False, True, True])
        .unique(LINE, keep="first")
    )
    chosen = pl.concat([named, latest]).select(LINE, pl.col("row_id").alias("unit_id"))
    resolved = targets.join(chosen, on=LINE, how="left")
    problems = problems_where(
        resolved,
        pl.col("valid_from").is_not_null()
        & pl.col("unit_id").is_null()
        & pl.col("org_unit_code").is_in(org_units.get_column("code").unique().implode()),
        TARGETS_FILE,
        "valid_from",
        both(
            pl.lit(f"trong {ORG_UNITS_FILE} không có dòng nào của đơn vị ")
            + pl.col("org_unit_code")
            + pl.lit(" bắt đầu từ ngày ")
            + pl.col("valid_from").dt.to_string("%Y-%m-%d"),
            pl.lit("no row of unit ")
            + pl.col("org_unit_code")
            + pl.lit(f" in {ORG_UNITS_FILE} starts on ")
            + pl.col("valid_from").dt.to_string("%Y-%m-%d"),
        ),
    )
    problems += problems_where(
        resolved.filter(pl.col("unit_id").is_not_null()),
        pl.struct("indicator_code", "unit_id", "year").is_duplicated(),
        TARGETS_FILE,
        "org_unit_code",
        both(
            pl.lit("hai kế hoạch cho cùng một đơn vị (")
            + pl.col("org_unit_code")
            + pl.lit(") và năm: dùng valid_from để chỉ rõ đơn vị nào của mã dùng lại"),
            pl.lit("two targets for the same unit (")
            + pl.col("org_unit_code")
            + pl.lit(") and year: valid_from tells the units of a reused code apart"),
        ),
    )
    return resolved.sort(LINE), problems


def _check_targets(
    catalog: Catalog, org_units: pl.DataFrame, targets: pl.DataFrame
) -> list[ConfigProblem]:
    indicators = [i.code for i in catalog.indicators]
    decreasing = [i.code for i in catalog.indicators if i.direction == "decrease"]
    problems = problems_where(
        targets,
        ~pl.col("indicator_code").is_in(indicators),
        TARGETS_FILE,
        "indicator_code",
        unknown_indicator(pl.col("indicator_code")),
    )
    problems += problems_where(
        targets,
        ~pl.col("org_unit_code").is_in(org_units.get_column("code").unique().implode()),
        TARGETS_FILE,
        "org_unit_code",
        unknown_unit(pl.col("org_unit_code")),
    )
    problems += problems_where(
        targets,
        pl.col("indicator_code").is_in(decreasing) & pl.col("baseline").is_null(),
        TARGETS_FILE,
        "baseline",
        both(
            pl.lit("chỉ tiêu ")
            + pl.col("indicator_code")
            + pl.lit(" có direction 'decrease' (giảm) nên cần mức cơ sở (baseline)"),
            pl.lit("indicator ")
            + pl.col("indicator_code")
            + pl.lit(" has direction 'decrease' and needs a baseline"),
        ),
    )
    # SPEC §3.4 divides by baseline − target: past the baseline that is negative, and a
    # unit that brought the figure down would read "not started". Equal is a target
    # no percent measures (a rule of the roll-up), not a mistake.
    target, baseline = (
        pl.col(c).cast(pl.String).str.replace(r"\.0$", "") for c in ("target", "baseline")
    )
    problems += problems_where(
        targets,
        pl.col("indicator_code").is_in(decreasing) & (pl.col("target") > pl.col("baseline")),
        TARGETS_FILE,
        "target",
        both(
            pl.lit("kế hoạch ")
            + target
            + pl.lit(" của chỉ tiêu ")
            + pl.col("indicator_code")
            + pl.lit(" (giảm) cho đơn vị ")
            + pl.col("org_unit_code")
            + pl.lit(" cao hơn mức cơ sở ")
            + baseline
            + pl.lit(
                ": đơn vị đã giảm được vẫn bị tính tỷ lệ âm; kế hoạch phải thấp hơn hoặc bằng "
                "mức cơ sở"
            ),
            pl.lit("the target ")
            + target
            + pl.lit(" of indicator ")
            + pl.col("indicator_code")
            + pl.lit(" (direction 'decrease') for unit ")
            + pl.col("org_unit_code")
            + pl.lit(" is above its baseline ")
            + baseline
            + pl.lit(
                ": a unit that brought the figure down would get a negative percent; "
                "the target must be at or below the baseline"
            ),
        ),
    )
    return problems
