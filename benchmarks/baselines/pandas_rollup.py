"""The roll-up of SPEC §3 in plain pandas, as a data team would write it without chitieu.

Standalone on purpose: it reads the configuration folder itself (YAML and CSV) and
imports nothing from chitieu, so that agreeing with chitieu on the example
(tests/test_bench_baselines.py) says something. Idiomatic, not deliberately slow:
periods are parsed once per distinct code, each step is a vectorised merge or
``groupby``, and a rule per element picks among the aggregates (``np.select``).

What it computes: every unit × element value and every unit × indicator (actual,
target, percent, class) of the root's subtree. Not completeness (chitieu's roll-up
does that too).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

PERIOD = re.compile(r"^(\d{4})(?:M(\d{2})|Q(\d)|S(\d))?$")
THRESHOLDS = {"exceeded": 100.0, "basically_achieved": 90.0, "on_track": 50.0}


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
    parent = dict(zip(org["code"], org["parent_code"], strict=False))
    depth = {}
    for code in org["code"]:
        d, at = 0, parent.get(code)
        while isinstance(at, str):
            d, at = d + 1, parent.get(at)
        depth[code] = d
    deepest = max(depth.values())
    return str(org.loc[org["code"].map(depth) == deepest, "level"].iloc[0])


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


def _valid_on(frame: pd.DataFrame, day: Any) -> pd.Series:
    return (frame["valid_from"] <= day) & (frame["valid_to"].isna() | (frame["valid_to"] >= day))


def subtree(org: pd.DataFrame, root: str, day: dt.date) -> pd.DataFrame:
    """Units active on ``day`` at or below ``root``, with their depth."""
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
    """unit_id → the code of the unit holding its history on ``day`` (via successors)."""
    when = pd.Timestamp(day)
    alive = org[_valid_on(org, when)]
    alive_code = dict(zip(alive["unit_id"], alive["code"], strict=True))
    rows = org.set_index("unit_id")
    result: dict[int, Any] = {}
    for unit_id in org["unit_id"]:
        at, seen = unit_id, set()
        while at not in alive_code and at not in seen:
            seen.add(at)
            row = rows.loc[at]
            nxt = row["successor_code"]
            if not isinstance(nxt, str):
                break
            after = row["valid_to"] + pd.Timedelta(days=1)
            following = org[(org["code"] == nxt) & _valid_on(org, after)]
            if following.empty:
                break
            at = following["unit_id"].iloc[0]
        result[unit_id] = alive_code.get(at)
    return pd.Series(result)


def _pick(rules: pd.Series, columns: dict[str, pd.Series]) -> np.ndarray:
    """Per row, the aggregate its rule names."""
    return np.select(
        [rules.to_numpy() == name for name in columns],
        [col.to_numpy(dtype=float) for col in columns.values()],
        default=np.nan,
    )


def _aggregate(frame: pd.DataFrame, keys: list[str], rule_col: str, last: bool) -> pd.DataFrame:
    grouped = frame.groupby(keys, sort=False)
    agg = grouped["value"].agg(["sum", "mean", "max", "min", "count"])
    agg["sum"] = agg["sum"].where(agg["count"] > 0)
    agg[rule_col] = grouped[rule_col].first()
    columns = {"sum": agg["sum"], "average": agg["mean"], "max": agg["max"], "min": agg["min"]}
    if last:  # frame sorted by period end, then span: the latest period's value
        latest = frame.drop_duplicates(keys, keep="last").set_index(keys)["value"]
        columns["last"] = latest.reindex(agg.index)
    agg["value"] = _pick(agg[rule_col], columns)
    return agg[["value"]].reset_index()


def element_values(setup: Setup, values: pd.DataFrame, review: str, root: str) -> pd.DataFrame:
    """``org_unit_code, element_code, value`` for every unit of the subtree and every
    element it is responsible for (null where nothing was reported)."""
    year, first, last = parse_period(review)
    end = dt.date(year, last, 14)
    units = subtree(setup.org_units, root, end)

    periods = pd.DataFrame({"period": values["period"].unique()})
    parsed = [parse_period(p) for p in periods["period"]]
    periods["p_year"] = [p[0] for p in parsed]
    periods["p_first"] = [p[1] for p in parsed]
    periods["p_last"] = [p[2] for p in parsed]
    periods = periods[
        (periods["p_year"] == year) & (periods["p_first"] >= first) & (periods["p_last"] <= last)
    ].copy()
    periods["span"] = periods["p_last"] - periods["p_first"] + 1
    periods["p_end"] = pd.to_datetime(
        {"year": periods["p_year"], "month": periods["p_last"], "day": 14}
    )
    df = values.merge(periods, on="period")

    # a code names the unit valid on the period's last day; its history goes to the
    # unit holding it at the review's end
    pairs = df[["org_unit_code", "p_end"]].drop_duplicates()
    org = setup.org_units[["code", "unit_id", "valid_from", "valid_to"]]
    matched = pairs.merge(org, left_on="org_unit_code", right_on="code")
    matched = matched[
        (matched["valid_from"] <= matched["p_end"])
        & (matched["valid_to"].isna() | (matched["valid_to"] >= matched["p_end"]))
    ]
    matched["effective_code"] = matched["unit_id"].map(effective_codes(setup.org_units, end))
    df = df.merge(
        matched[["org_unit_code", "p_end", "unit_id", "effective_code"]],
        on=["org_unit_code", "p_end"],
    )

    # a longer period (quarter, half, the year) replaces the months it covers
    for span in (3, 6, 12):
        covering = df.loc[df["span"] == span, ["unit_id", "element_code", "p_first"]]
        if covering.empty:
            continue
        covering = covering.drop_duplicates().rename(columns={"p_first": "block"})
        df["block"] = (df["p_first"] - 1) // span * span + 1
        df = df.merge(
            covering.assign(covered=True), on=["unit_id", "element_code", "block"], how="left"
        )
        df = df[~(df["covered"].fillna(False).astype(bool) & (df["span"] < span))]
        df = df.drop(columns=["block", "covered"])

    # only the level that collects an element submits it
    level_of = units.set_index("code")["level"]
    rules = setup.elements.set_index("element_code")
    df["level"] = df["effective_code"].map(level_of)
    df = df[df["level"] == df["element_code"].map(rules["collected_at"])]

    # units merged into one successor combine their values of a period as children do
    # (checked on the reports, not on the values: far fewer rows)
    keys = ["effective_code", "element_code", "period"]
    rows_per_unit = matched.groupby(["effective_code", "p_end"])["unit_id"].nunique()
    if (rows_per_unit > 1).any():
        merged = df.assign(org_aggregation=df["element_code"].map(rules["org_aggregation"]))
        combined = _aggregate(merged, keys, "org_aggregation", last=False)
        firsts = df.groupby(keys, sort=False)[["p_last", "span"]].first().reset_index()
        df = combined.merge(firsts, on=keys)

    # over time
    df = df.sort_values(["p_last", "span"], kind="stable")
    df["time_aggregation"] = df["element_code"].map(rules["time_aggregation"])
    own = _aggregate(df, ["effective_code", "element_code"], "time_aggregation", last=True)
    own = own.rename(columns={"effective_code": "org_unit_code"})

    # up the hierarchy, one level at a time
    grid = units.merge(
        setup.elements[["element_code", "collected_at"]], left_on="level", right_on="collected_at"
    )
    result = grid[["code", "element_code", "depth"]].rename(columns={"code": "org_unit_code"})
    result = result.merge(own, on=["org_unit_code", "element_code"], how="left")
    parents = units.set_index("code")["parent_code"]
    for depth in range(int(units["depth"].max()), 0, -1):
        children = result[result["depth"] == depth].copy()
        if children.empty:
            continue
        children["parent"] = children["org_unit_code"].map(parents)
        children["org_aggregation"] = children["element_code"].map(rules["org_aggregation"])
        lifted = _aggregate(children, ["parent", "element_code"], "org_aggregation", last=False)
        lifted = lifted.rename(columns={"parent": "org_unit_code"})
        present = result.set_index(["org_unit_code", "element_code"]).index
        lifted = lifted[~lifted.set_index(["org_unit_code", "element_code"]).index.isin(present)]
        result = pd.concat([result, lifted.assign(depth=depth - 1)], ignore_index=True)
    return result[["org_unit_code", "element_code", "value"]]


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
    df["class"] = np.select(
        [
            mid_year & (df["review"] == "year_end"),
            df["target"].isna(),
            percent.isna() | (percent <= 0),
            percent >= t["exceeded"],
            percent >= t["basically_achieved"],
            percent >= t["on_track"],
        ],
        ["year_end", "no_target", "not_started", "exceeded", "basically_achieved", "on_track"],
        default="below_half",
    )
    return df[["org_unit_code", "indicator_code", "actual", "target", "percent", "class"]]


def roll_up(
    setup: Setup, values: pd.DataFrame, review: str, root: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(element values, indicators) of every unit of ``root``'s subtree for ``review``.

    ``values``: accepted values, ``org_unit_code, element_code, period, value``."""
    elements = element_values(setup, values, review, root)
    return elements, indicators(setup, elements, review)
