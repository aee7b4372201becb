"""The roll-up of SPEC §3 in plain pandas, as a data team would write it without chitieu.

Standalone on purpose: it reads the configuration folder itself (YAML and CSV) and
imports nothing from chitieu, so that agreeing with chitieu on the example
(tests/test_bench_baselines.py) says something.

Written as a pandas engineer would defend it: each text code column of the 23 M values
is made categorical once (pyarrow's dictionary encoding under pandas' string dtype) and
every later step works on the integer codes. What follows from the review and the
hierarchy (the at most 19 periods, every possible report: unit code × period) is worked
out on the small tables, and each value finds its report by position (``take`` on the
report table), never by a ``merge`` of the values. Over time, each element's rule is
applied to the rows of the elements that have it (``groupby(...).sum(min_count=1)``,
``mean``, ``max``, ``min``; ``last`` by a stable sort and ``duplicated``), never every
aggregate for every group, never ``apply``. Up the hierarchy, each depth's children are
grouped by parent and element the same way, and the parents that collect the element
themselves are left out by comparing level numbers. The general paths (a quarter, half
or year report replacing the months it covers; units merged into one successor) are
kept, and taken only when the data has them.

What it computes: every unit × element value and every unit × indicator (actual,
target, percent, class) of the root's subtree. Not completeness (chitieu's roll-up
does that too).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

PERIOD = re.compile(r"^(\d{4})(?:M(\d{2})|Q(\d)|S(\d))?$")
THRESHOLDS = {"exceeded": 100.0, "basically_achieved": 90.0, "on_track": 50.0}
TIME_RULES = ("sum", "average", "max", "min", "last")
ORG_RULES = ("sum", "average", "max", "min")


@dataclass(frozen=True)
class Setup:
    """The configuration folder, as frames."""

    org_units: pd.DataFrame  # code, name, level, parent_code, valid_from, valid_to, successor_code
    elements: pd.DataFrame  # element_code, time_aggregation, org_aggregation, collected_at
    indicators: list[dict[str, Any]]
    targets: pd.DataFrame  # indicator_code, org_unit_code, year, target, baseline
    thresholds: dict[str, float]


def load_setup(folder: str | Path) -> Setup:
    folder = Path(folder)
    catalog = yaml.safe_load((folder / "catalog.yaml").read_text(encoding="utf-8-sig"))
    org = pd.read_csv(folder / "org_units.csv", dtype=str, encoding="utf-8-sig")
    org.columns = [c.strip() for c in org.columns]
    for column in ("valid_from", "valid_to"):
        org[column] = pd.to_datetime(org[column])
    org["unit_id"] = np.arange(len(org))
    lowest = _lowest_level(org)
    elements = pd.DataFrame(
        {
            "element_code": [e["code"] for e in catalog["elements"]],
            "time_aggregation": [e.get("time_aggregation", "sum") for e in catalog["elements"]],
            "org_aggregation": [e.get("org_aggregation", "sum") for e in catalog["elements"]],
            "collected_at": [e.get("collected_at") or lowest for e in catalog["elements"]],
        }
    )
    targets = pd.read_csv(
        folder / "targets.csv",
        dtype={"indicator_code": str, "org_unit_code": str},
        encoding="utf-8-sig",
    )
    return Setup(
        org_units=org,
        elements=elements,
        indicators=list(catalog["indicators"]),
        targets=targets,
        thresholds={**THRESHOLDS, **(catalog.get("classification") or {})},
    )


def _lowest_level(org: pd.DataFrame) -> str:
    """The level of the deepest units (by the parent chain, one merge per depth)."""
    frontier = org.loc[org["parent_code"].isna(), ["code", "level"]]
    deepest = frontier
    while not frontier.empty:
        deepest = frontier
        frontier = org.loc[org["parent_code"].isin(frontier["code"]), ["code", "level"]]
    return str(deepest["level"].iloc[0])


def parse_period(code: str) -> tuple[int, int, int]:
    """(year, first month, last month) of ``2024M05``, ``2024Q2``, ``2024S1``, ``2024``."""
    m = PERIOD.match(code)
    if m is None:
        raise ValueError(f"bad period {code!r}")
    year = int(m[1])
    if m[2]:
        return year, int(m[2]), int(m[2])
    if m[3]:
        return year, 3 * int(m[3]) - 2, 3 * int(m[3])
    if m[4]:
        return year, 6 * int(m[4]) - 5, 6 * int(m[4])
    return year, 1, 12


def review_periods(year: int, first: int, last: int) -> pd.DataFrame:
    """The periods inside a review, from the review itself (at most 19): ``period,
    p_first, p_last, p_span, p_end, p_order`` (the latest last; on the same last
    month, the longer after the shorter)."""
    rows = []
    for kind, span in (("M", 1), ("Q", 3), ("S", 6), ("", 12)):
        for number in range(1, 12 // span + 1):
            p_last = number * span
            code = f"{year}M{number:02d}" if kind == "M" else f"{year}{kind}{number}"
            rows.append((code if kind else str(year), p_last - span + 1, p_last, span))
    periods = pd.DataFrame(rows, columns=["period", "p_first", "p_last", "p_span"])
    periods = periods[(periods["p_first"] >= first) & (periods["p_last"] <= last)]
    periods = periods.sort_values(["p_last", "p_span"], ignore_index=True)
    periods["p_end"] = pd.to_datetime(
        pd.DataFrame({"year": year, "month": periods["p_last"], "day": 14})
    )
    periods["p_order"] = periods["p_last"] * 16 + periods["p_span"]
    return periods


def _valid_on(frame: pd.DataFrame, day: Any) -> pd.Series:
    return (frame["valid_from"] <= day) & (frame["valid_to"].isna() | (frame["valid_to"] >= day))


def subtree(org: pd.DataFrame, root: str, day: dt.date) -> pd.DataFrame:
    """Units active on ``day`` at or below ``root``, with their depth (one step per depth)."""
    active = org[_valid_on(org, pd.Timestamp(day))]
    level = active[active["code"] == root].assign(depth=0)
    found = [level]
    while len(level):
        level = active[active["parent_code"].isin(level["code"])].assign(
            depth=level["depth"].iloc[0] + 1
        )
        found.append(level)
    return pd.concat(found)[["code", "level", "parent_code", "depth"]]


def effective_codes(org: pd.DataFrame, day: dt.date) -> pd.Series:
    """unit_id → the code of the unit holding its history on ``day``: its own code if it
    is active then, else its successor's (the row of ``successor_code`` valid the day
    after it ended), as many steps as the chain has. One merge per step, not per unit."""
    when = pd.Timestamp(day)
    alive = pd.Series(org["code"].to_numpy(), index=org["unit_id"])[_valid_on(org, when).to_numpy()]
    following = org[["unit_id", "successor_code", "valid_to"]].dropna(subset=["successor_code"])
    following = following.merge(
        org[["code", "unit_id", "valid_from", "valid_to"]],
        left_on="successor_code",
        right_on="code",
        suffixes=("", "_next"),
    )
    after = following["valid_to"] + pd.Timedelta(days=1)
    following = following[
        (following["valid_from"] <= after)
        & (following["valid_to_next"].isna() | (following["valid_to_next"] >= after))
    ]
    step = following.groupby("unit_id")["unit_id_next"].min()
    at = pd.Series(org["unit_id"].to_numpy(), index=org["unit_id"])
    result = at.map(alive)
    for _ in range(len(org)):
        open_ = result.isna() & at.isin(step.index)
        if not open_.any():
            break
        at = at.where(~open_, at.map(step))
        result = result.where(~open_, at.map(alive))
    return result


@contextmanager
def _step(profile: dict[str, float] | None, name: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    if profile is not None:
        profile[name] = profile.get(name, 0.0) + time.perf_counter() - started


def _by_rule(
    values: np.ndarray,
    keys: np.ndarray,
    rule_of_row: np.ndarray,
    rules: tuple[str, ...],
    order: np.ndarray | None = None,
) -> pd.Series:
    """Per key, the aggregate its rule names (a sum of nothing but NaN is NaN), each
    rule applied to its own rows only. ``last``: the value of the row with the largest
    ``order`` (null or not)."""
    parts = []
    for number, rule in enumerate(rules):
        mask = rule_of_row == number
        if not mask.any():
            continue
        series = pd.Series(values[mask], index=keys[mask])
        if rule == "last":
            assert order is not None
            latest = np.argsort(order[mask], kind="stable")
            series = series.iloc[latest]
            parts.append(series[~series.index.duplicated(keep="last")])
            continue
        grouped = series.groupby(level=0, sort=False)
        if rule == "sum":
            parts.append(grouped.sum(min_count=1))
        elif rule == "average":
            parts.append(grouped.mean())
        else:
            parts.append(grouped.max() if rule == "max" else grouped.min())
    return pd.concat(parts) if parts else pd.Series(dtype=float)


def element_values(
    setup: Setup,
    values: pd.DataFrame,
    review: str,
    root: str,
    profile: dict[str, float] | None = None,
) -> pd.DataFrame:
    """``org_unit_code, element_code, value`` for every unit of the subtree and every
    element it is responsible for (NaN where nothing was reported); codes categorical."""
    year, first, last = parse_period(review)
    end = dt.date(year, last, 14)
    org = setup.org_units
    rules = setup.elements

    with _step(profile, "hierarchy and reports"):
        units = subtree(org, root, end).sort_values("code", ignore_index=True)
        levels = pd.Index(sorted(org["level"].unique()))
        unit_index = pd.Index(units["code"])
        unit_level = levels.get_indexer(units["level"])
        parent_no = unit_index.get_indexer(units["parent_code"])
        element_index = pd.Index(rules["element_code"])
        n_elements = len(element_index)
        time_rule = pd.Index(TIME_RULES).get_indexer(rules["time_aggregation"])
        org_rule = pd.Index(ORG_RULES).get_indexer(rules["org_aggregation"])
        collected = levels.get_indexer(rules["collected_at"])

        # every possible report: unit code × period, the row its code names on the
        # period's last day and the unit of the subtree holding that row's history
        periods = review_periods(year, first, last)
        period_index = pd.Index(periods["period"])
        n_periods = len(periods)
        code_index = pd.Index(org["code"].unique())
        combos = pd.DataFrame(
            {
                "code": np.repeat(code_index.to_numpy(), n_periods),
                "period_no": np.tile(np.arange(n_periods), len(code_index)),
            }
        )
        combos["p_end"] = periods["p_end"].to_numpy()[combos["period_no"]]
        matched = combos.reset_index().merge(org[["code", "unit_id", "valid_from", "valid_to"]])
        matched = matched[_valid_on(matched, matched["p_end"])]
        effective = effective_codes(org, end)
        matched["unit_no"] = unit_index.get_indexer(effective.reindex(matched["unit_id"]))
        report_unit = np.full(len(combos), -1)
        report_unit[matched["index"]] = matched["unit_no"]
        report_row = np.full(len(combos), -1)
        report_row[matched["index"]] = matched["unit_id"]

    with _step(profile, "codes of the values"):
        # each text column made categorical once; its few categories placed among ours
        # (a missing or unknown code is -1: the lookup's last entry)
        def positions(column: str, known: pd.Index) -> np.ndarray:
            categorical = values[column].astype("category").cat
            lookup = np.append(known.get_indexer(categorical.categories), -1).astype(np.int32)
            return lookup[categorical.codes.to_numpy()]

        code_no = positions("org_unit_code", code_index)
        period_no = positions("period", period_index)
        element_no = positions("element_code", element_index)
        report = code_no * n_periods + period_no
        report[(code_no < 0) | (period_no < 0)] = len(report_unit)
        unit_no = np.append(report_unit, -1).astype(np.int32)[report]
        kept = (unit_no >= 0) & (element_no >= 0)
        # packed keys below multiply these: 64 bits from here on
        unit_no, element_no = unit_no[kept].astype(np.int64), element_no[kept].astype(np.int64)
        period_no, report = period_no[kept].astype(np.int64), report[kept]
        value = values["value"].to_numpy(dtype=float)[kept]
        p_span = periods["p_span"].to_numpy()[period_no]

    longer = bool((p_span > 1).any())
    merged = bool(
        matched[matched["unit_no"] >= 0]
        .groupby(["unit_no", "period_no"])["unit_id"]
        .nunique()
        .gt(1)
        .any()
    )
    if longer:
        with _step(profile, "longer periods replace months"):
            # (unit row, element, period) a longer period of the same row covers
            row_of = report_row[report]
            held = pd.DataFrame(
                {"unit_id": row_of, "element_no": element_no, "period_no": period_no}
            )[p_span > 1].drop_duplicates()
            inside = held.merge(periods.reset_index(names="period_no"), on="period_no").merge(
                periods.reset_index(names="inner_no"), how="cross", suffixes=("", "_in")
            )
            inside = inside[
                (inside["p_first_in"] >= inside["p_first"])
                & (inside["p_last_in"] <= inside["p_last"])
                & (inside["p_span_in"] < inside["p_span"])
            ]
            covered = pd.Index(
                (inside["unit_id"] * n_elements + inside["element_no"]) * n_periods
                + inside["inner_no"]
            )
            here = (row_of * n_elements + element_no) * n_periods + period_no
            keep = ~pd.Index(here).isin(covered)
            unit_no, element_no, period_no = unit_no[keep], element_no[keep], period_no[keep]
            value = value[keep]
    if merged:
        with _step(profile, "merged units combine"):
            key = (unit_no * n_elements + element_no) * n_periods + period_no
            combined = _by_rule(value, key, org_rule[element_no], ORG_RULES)
            key = combined.index.to_numpy()
            value = combined.to_numpy()
            period_no = key % n_periods
            element_no = key // n_periods % n_elements
            unit_no = key // n_periods // n_elements

    with _step(profile, "over time"):
        own = _by_rule(
            value,
            unit_no * n_elements + element_no,
            time_rule[element_no],
            TIME_RULES,
            periods["p_order"].to_numpy()[period_no],
        )

    with _step(profile, "up the hierarchy"):
        # every unit × element it collects, with its own value
        grid_unit, grid_element = np.nonzero(unit_level[:, None] == collected[None, :])
        grid_value = own.reindex(grid_unit * n_elements + grid_element).to_numpy()
        depth = units["depth"].to_numpy()
        at_depth: dict[int, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}
        for d in np.unique(depth):
            here = depth[grid_unit] == d
            at_depth[int(d)] = [(grid_unit[here], grid_element[here], grid_value[here])]
        for d in range(int(depth.max()), 0, -1):
            child_unit, child_element, child_value = (
                np.concatenate(column) for column in zip(*at_depth.get(d, []), strict=True)
            )
            parent = parent_no[child_unit]
            # a parent that collects the element keeps its own value
            lifts = unit_level[parent] != collected[child_element]
            lifted = _by_rule(
                child_value[lifts],
                parent[lifts] * n_elements + child_element[lifts],
                org_rule[child_element[lifts]],
                ORG_RULES,
            )
            key = lifted.index.to_numpy()
            part = (key // n_elements, key % n_elements, lifted.to_numpy())
            at_depth.setdefault(d - 1, []).append(part)
        parts = [part for parts_at in at_depth.values() for part in parts_at]
        all_unit = np.concatenate([p[0] for p in parts])
        all_element = np.concatenate([p[1] for p in parts])
        # codes as categoricals over their integer codes (no text built here)
        result = pd.DataFrame(
            {
                "org_unit_code": pd.Categorical.from_codes(all_unit, categories=unit_index),
                "element_code": pd.Categorical.from_codes(all_element, categories=element_index),
                "value": np.concatenate([p[2] for p in parts]).astype(float),
            }
        )
    return result


def _round_half_away(x: pd.Series) -> pd.Series:
    # a relative nudge so that ties such as 1.005 (stored a hair below) round up
    nudged = x + np.sign(x) * x.abs() * 1e-12
    return np.sign(nudged) * np.floor(nudged.abs() * 100 + 0.5) / 100


def indicators(setup: Setup, elements: pd.DataFrame, review: str) -> pd.DataFrame:
    """``org_unit_code, indicator_code, actual, target, percent, class`` per unit."""
    year, first, last = parse_period(review)
    mid_year = (first, last) != (1, 12)
    wide = elements.pivot(index="org_unit_code", columns="element_code", values="value")
    wide = wide.reindex(columns=list(setup.elements["element_code"]))
    wide.index = wide.index.astype(str)
    pending = list(setup.indicators)
    while pending:  # an indicator may use another one: evaluate those first
        progress = []
        for ind in pending:
            try:
                wide[ind["code"]] = wide.eval(ind["formula"], engine="python")
            except pd.errors.UndefinedVariableError:
                continue
            progress.append(ind)
        if not progress:
            raise ValueError("indicator formulas refer to unknown names")
        pending = [i for i in pending if i not in progress]
    codes = [i["code"] for i in setup.indicators]
    actual = (
        wide[codes]
        .replace([np.inf, -np.inf], np.nan)
        .reset_index()
        .melt(id_vars="org_unit_code", var_name="indicator_code", value_name="actual")
    )
    meta = pd.DataFrame(
        {
            "indicator_code": codes,
            "direction": [i.get("direction", "increase") for i in setup.indicators],
            "review": [i.get("review", "mid_year") for i in setup.indicators],
        }
    )
    targets = setup.targets[setup.targets["year"] == year][
        ["indicator_code", "org_unit_code", "target", "baseline"]
    ]
    df = actual.merge(meta, on="indicator_code").merge(
        targets, on=["indicator_code", "org_unit_code"], how="left"
    )
    increase = (df["actual"] / df["target"] * 100).where(df["target"] != 0)
    gap = df["baseline"] - df["target"]
    decrease = ((df["baseline"] - df["actual"]) / gap * 100).where(gap != 0)
    df["percent"] = _round_half_away(increase.where(df["direction"] != "decrease", decrease))
    t = setup.thresholds
    percent = df["percent"]
    # a target no percent measures (0, or a decrease's baseline), met by the actual
    decreasing = df["direction"] == "decrease"
    reached_unmeasured = np.where(
        decreasing,
        (df["baseline"] == df["target"]) & (df["actual"] <= df["target"]),
        (df["target"] == 0) & (df["actual"] >= df["target"]),
    )
    df["class"] = np.select(
        [
            mid_year & (df["review"] == "year_end"),
            df["target"].isna(),
            percent.isna() & reached_unmeasured,
            percent.isna() | (percent <= 0),
            percent >= t["exceeded"],
            percent >= t["basically_achieved"],
            percent >= t["on_track"],
        ],
        [
            "year_end",
            "no_target",
            "exceeded",
            "not_started",
            "exceeded",
            "basically_achieved",
            "on_track",
        ],
        default="below_half",
    )
    return df[["org_unit_code", "indicator_code", "actual", "target", "percent", "class"]]


def roll_up(
    setup: Setup,
    values: pd.DataFrame,
    review: str,
    root: str,
    profile: dict[str, float] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(element values, indicators) of every unit of ``root``'s subtree for ``review``.

    ``values``: accepted values, ``org_unit_code, element_code, period, value``.
    ``profile``: filled with the seconds of each step."""
    elements = element_values(setup, values, review, root, profile)
    with _step(profile, "indicators"):
        indicator_rows = indicators(setup, elements, review)
    with _step(profile, "codes as text"):  # as the other roll-ups return them
        elements = elements.astype({"org_unit_code": str, "element_code": str})
    return elements, indicator_rows
