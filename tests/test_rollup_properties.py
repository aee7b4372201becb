"""Properties of the roll-up over random trees: sums and maxima of the leaves reach the
root whatever the tree's shape, and the order of the input rows changes nothing."""

from __future__ import annotations

import random
import tempfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from rollup_helpers import catalog, element, indicator, values, write_config

from chitieu.config import Config, load_config
from chitieu.rollup import roll_up

# no example database: nothing written outside tmp, every run draws afresh
PROPERTY_SETTINGS = settings(deadline=None, max_examples=30, database=None)


@dataclass(frozen=True)
class Tree:
    """``parent[code]`` (root ``R`` has none) and the leaves' level name ``leaf``."""

    parent: dict[str, str | None]
    leaves: tuple[str, ...]

    def rows(self) -> list[tuple[str, ...]]:
        depth = {code: self.depth(code) for code in self.parent}
        return [
            (
                code,
                f"Đơn vị {code}",
                "leaf" if code in self.leaves else f"level{depth[code]}",
                parent or "",
                "2020-01-01",
                "",
                "",
            )
            for code, parent in self.parent.items()
        ]

    def depth(self, code: str) -> int:
        parent = self.parent[code]
        return 0 if parent is None else 1 + self.depth(parent)

    def below(self, code: str) -> list[str]:
        """The leaves at or below ``code``."""
        return [leaf for leaf in self.leaves if leaf == code or code in self.ancestors(leaf)]

    def ancestors(self, code: str) -> list[str]:
        parent = self.parent[code]
        return [] if parent is None else [parent, *self.ancestors(parent)]


@st.composite
def trees(draw: st.DrawFn) -> Tree:
    """Trees of depth 1 to 4, leaves possibly at different depths, at most ~40 units."""
    max_depth = draw(st.integers(1, 4))
    parent: dict[str, str | None] = {"R": None}
    leaves: list[str] = []

    def grow(code: str, depth: int) -> None:
        if depth == max_depth:
            leaves.append(code)
            return
        fan_out = draw(st.integers(1 if depth == 0 else 0, 3 if len(parent) < 30 else 0))
        if fan_out == 0:
            leaves.append(code)
        for i in range(fan_out):
            child = f"{code}{i}"
            parent[child] = code
            grow(child, depth + 1)

    grow("R", 0)
    return Tree(parent, tuple(leaves))


@st.composite
def tree_and_values(draw: st.DrawFn) -> tuple[Tree, list[tuple[str, str, str, float]]]:
    tree = draw(trees())
    rows = []
    for leaf in tree.leaves:
        for month in draw(st.sets(st.integers(1, 6), max_size=6)):
            value = float(draw(st.integers(0, 1000)))
            rows += [(leaf, code, f"2024M{month:02d}", value) for code in ("S", "MX", "MN")]
    return tree, rows


def config_for(tree: Tree, folder: Path) -> Config:
    doc = catalog(
        [
            element("S", time_aggregation="sum", org_aggregation="sum"),
            element("MX", time_aggregation="max", org_aggregation="max"),
            element("MN", time_aggregation="min", org_aggregation="min"),
        ],
        [indicator("CT01", "S"), indicator("CT02", "MX * 100 / S")],
        org_unit="R",
    )
    return load_config(write_config(folder, doc, tree.rows(), [("CT01", "R", 2024, 500, "")]))


def rolled_up(tree: Tree, rows: list[tuple[str, str, str, float]]) -> dict[str, dict]:
    with tempfile.TemporaryDirectory() as folder:
        config = config_for(tree, Path(folder))
        assert config.lowest_level == "leaf"
        result = roll_up(config, values(*rows), "2024S1")
    by_element: dict[str, dict] = {}
    for unit, _level, code, value, _comparable in result.elements.iter_rows():
        by_element.setdefault(code, {})[unit] = value
    return by_element


@PROPERTY_SETTINGS
@given(tree_and_values())
def test_a_sum_is_the_sum_of_the_leaves_below(case: tuple[Tree, list]) -> None:
    tree, rows = case
    got = rolled_up(tree, rows)["S"]
    assert set(got) == set(tree.parent) - {code for code in tree.parent if not tree.below(code)}
    for unit, value in got.items():
        leaves = set(tree.below(unit))
        reported = [v for u, code, _, v in rows if code == "S" and u in leaves]
        assert value == (sum(reported) if reported else None), unit


@PROPERTY_SETTINGS
@given(tree_and_values())
def test_max_and_min_are_those_of_the_leaves_below(case: tuple[Tree, list]) -> None:
    tree, rows = case
    got = rolled_up(tree, rows)
    for code, pick in (("MX", max), ("MN", min)):
        for unit, value in got[code].items():
            leaves = set(tree.below(unit))
            reported = [v for u, c, _, v in rows if c == code and u in leaves]
            assert value == (pick(reported) if reported else None), (code, unit)


@PROPERTY_SETTINGS
@given(tree_and_values(), st.randoms(use_true_random=False))
def test_shuffling_the_rows_changes_nothing(case: tuple[Tree, list], rng: random.Random) -> None:
    tree, rows = case
    shuffled = list(rows)
    rng.shuffle(shuffled)
    with tempfile.TemporaryDirectory() as folder:
        config = config_for(tree, Path(folder))
        first = roll_up(config, values(*rows), "2024S1")
        second = roll_up(config, values(*shuffled), "2024S1")
    for name, keys in (
        ("units", ["org_unit_code"]),
        ("elements", ["org_unit_code", "element_code"]),
        ("indicators", ["org_unit_code", "indicator_code"]),
        ("completeness", ["org_unit_code"]),
    ):
        a, b = getattr(first, name), getattr(second, name)
        # the published order is fixed as well, not only the content
        assert_frame_equal(a, b, check_exact=True)
        assert_frame_equal(a.sort(keys), b.sort(keys), check_exact=True)
    assert pl.Series(first.indicators["indicator_code"]).n_unique() == 2
