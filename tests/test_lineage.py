"""Trace and diff as pure functions: a revision's rows and its inputs in, lineage out."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl
import pytest
from rollup_helpers import MERGER, TREE_4_LEVELS, TREE_DISTRICT, MakeConfig, element, indicator

from chitieu import formula
from chitieu.config import Config, load_config
from chitieu.lineage import diff_snapshots, trace_indicator
from chitieu.lineage.text import diff_json, render_diff, render_trace, trace_json
from chitieu.lineage.trace import TraceError
from chitieu.periods import Period
from chitieu.rollup import roll_up
from chitieu.rollup.hierarchy import subtree
from chitieu.rollup.last_year import last_year
from chitieu.snapshot import draft_snapshot
from chitieu.warehouse.models import INPUT_SUBMISSIONS_SCHEMA, INPUT_VALUES_SCHEMA, SnapshotRead

SUM = element("S", collected_at="hamlet")
T0 = dt.datetime(2024, 6, 16, 2, 0, tzinfo=dt.UTC)


@dataclass
class Sub:
    """One input submission: ``values`` are element code -> value."""

    id: int
    org: str
    period: str
    values: dict[str, float | None] = field(default_factory=dict)
    note: str = ""


@dataclass(frozen=True)
class Revision:
    read: SnapshotRead
    submissions: pl.DataFrame
    values: pl.DataFrame


def revision(config: Config, subs: Sequence[Sub], period: str, number: int = 1) -> Revision:
    """A revision as the warehouse would give it back, published from ``subs``."""
    submissions = pl.DataFrame(
        [
            (s.id, f"{s.id:064x}", f"{s.org}_{s.period}_{s.id}.csv", "csv", s.org, s.period,
             T0 + dt.timedelta(hours=s.id), "cán bộ", T0, "accepted")
            for s in subs
        ],
        schema=INPUT_SUBMISSIONS_SCHEMA,
        orient="row",
    )  # fmt: skip
    values = pl.DataFrame(
        [
            (s.id, s.org, code, s.period, value, s.note, f"line {n}")
            for s in subs
            for n, (code, value) in enumerate(s.values.items(), start=2)
        ],
        schema=INPUT_VALUES_SCHEMA,
        orient="row",
    )
    reports = submissions.select("submission_id", "sha256", "org_unit_code", "period")
    rollup = roll_up(config, values, period, reports=reports.select("org_unit_code", "period"))
    last = last_year(config, values, rollup.review_period, rollup.root)
    draft = draft_snapshot(rollup, config, reports, checks_passed=True, last=last)
    header = {
        "snapshot_id": number,
        "review_period": draft.review_period,
        "root_org_unit": draft.root_org_unit,
        "revision": number,
        "status": "published",
        "created_at": T0,
        "catalog_sha256": draft.catalog_sha256,
        "inputs_sha256": draft.inputs_sha256,
        "content_sha256": f"{number}" * 64,
        "completeness": draft.completeness,
        "checks_passed": True,
    }
    read = SnapshotRead(header, draft.indicators, draft.elements, draft.inputs)
    return Revision(read, submissions, values)


@pytest.fixture
def deep(make_config: MakeConfig) -> Config:
    return make_config(
        [SUM, element("B", collected_at="hamlet", value_type="boolean")],
        [indicator("CT01", "S"), indicator("CT02", "S / B")],
        TREE_4_LEVELS,
        targets=[("CT01", "P", 2024, 100, "")],
    )


HAMLETS = [
    Sub(1, "H111", "2024M01", {"S": 1.5, "B": 1}),
    Sub(2, "H111", "2024M02", {"S": 2.5, "B": 1}),
    Sub(3, "H112", "2024M01", {"S": 10, "B": 0}),
    Sub(4, "H121", "2024M03", {"S": 4, "B": 1}),
    Sub(5, "H211", "2024M01", {"S": 7, "B": 1}),
    Sub(6, "H213", "2024M02", {"S": 0.25, "B": 0}),
]


def test_a_trace_goes_from_the_root_to_every_submitted_value(deep: Config) -> None:
    rev = revision(deep, HAMLETS, "2024S1")
    found = trace_indicator(deep, rev.read, rev.submissions, rev.values, "CT01", "P")
    assert (found.actual, found.target, found.percent, found.classification) == (
        25.25, 100.0, 25.25, "below_half"
    )  # fmt: skip
    assert found.matches
    assert found.config_matches
    [s] = found.elements
    assert (s.code, s.value, s.recomputed, s.collected_at) == ("S", 25.25, 25.25, "hamlet")
    assert [(c.org_unit_code, c.value) for c in s.children] == [("D1", 18.0), ("D2", 7.25)]
    d1 = s.children[0]
    assert [(v.submission_id, v.org_unit_code, v.value) for v in d1.sources] == [
        (1, "H111", 1.5),
        (3, "H112", 10.0),
        (2, "H111", 2.5),
        (4, "H121", 4.0),
    ]
    assert sum(v.value or 0 for v in d1.sources) == d1.value
    assert d1.sources[0].source_name == "H111_2024M01_1.csv"
    assert d1.sources[0].sha256 == f"{1:064x}"
    assert d1.sources[0].submitted_at == T0 + dt.timedelta(hours=1)
    assert s.own == []


def test_a_ratio_traces_every_element_of_its_formula(deep: Config) -> None:
    rev = revision(deep, HAMLETS, "2024S1")
    found = trace_indicator(deep, rev.read, rev.submissions, rev.values, "CT02", "D1")
    assert found.formula == "S / B"
    assert [e.code for e in found.elements] == ["S", "B"]
    assert [e.value for e in found.elements] == [18.0, 3.0]
    assert found.actual == 6.0  # a ratio of sums
    assert [c.org_unit_code for c in found.elements[1].children] == ["C11", "C12"]


def test_a_unit_collecting_the_element_shows_its_own_reports(deep: Config) -> None:
    rev = revision(deep, HAMLETS, "2024S1")
    found = trace_indicator(deep, rev.read, rev.submissions, rev.values, "CT01", "H111")
    [s] = found.elements
    assert s.children == []
    assert [(v.period, v.value) for v in s.own] == [("2024M01", 1.5), ("2024M02", 2.5)]


def test_months_covered_by_a_longer_report_are_shown_not_counted(make_config: MakeConfig) -> None:
    config = make_config([element("S")], [indicator("CT01", "S")], TREE_DISTRICT)
    subs = [
        Sub(1, "C1", "2024M01", {"S": 1}),
        Sub(2, "C1", "2024M02", {"S": 2}),
        Sub(3, "C1", "2024S1", {"S": 30}),
        Sub(4, "C2", "2024M01", {"S": 5}),
    ]
    rev = revision(config, subs, "2024S1")
    found = trace_indicator(config, rev.read, rev.submissions, rev.values, "CT01", "D")
    c1 = found.elements[0].children[0]
    assert c1.value == 30.0
    assert [(v.period, v.used) for v in c1.sources] == [
        ("2024M01", False),
        ("2024M02", False),
        ("2024S1", True),
    ]
    assert "(không tính / not counted)" in render_trace(found)


def test_a_merged_units_reports_count_under_its_successor(make_config: MakeConfig) -> None:
    config = make_config([element("S")], [indicator("CT01", "S")], MERGER)
    subs = [
        Sub(1, "CA", "2024M02", {"S": 4}),
        Sub(2, "C1", "2024M05", {"S": 1}),
        Sub(3, "C3", "2024M05", {"S": 2}),
    ]
    rev = revision(config, subs, "2024S1")
    found = trace_indicator(config, rev.read, rev.submissions, rev.values, "CT01", "D")
    children = {c.org_unit_code: c for c in found.elements[0].children}
    assert set(children) == {"C1", "C3"}
    assert children["C1"].value == 5.0
    assert [(v.org_unit_code, v.unit) for v in children["C1"].sources] == [
        ("CA", "C1"),
        ("C1", "C1"),
    ]
    assert "CA→C1" in render_trace(found)


def test_a_published_figure_that_disagrees_with_its_inputs_is_flagged(deep: Config) -> None:
    rev = revision(deep, HAMLETS, "2024S1")
    edited = rev.read.elements.with_columns(
        pl.when(pl.col("org_unit_code") == "D2")
        .then(pl.lit(99.0))
        .otherwise(pl.col("value"))
        .alias("value")
    )
    read = dataclasses.replace(rev.read, elements=edited)
    found = trace_indicator(deep, read, rev.submissions, rev.values, "CT01", "P")
    assert not found.matches
    d2 = found.elements[0].children[1]
    assert (d2.value, d2.recomputed) == (99.0, 7.25)
    assert "✗ SAI / MISMATCH" in render_trace(found)


def test_another_configuration_is_noted(deep: Config, make_config: MakeConfig) -> None:
    rev = revision(deep, HAMLETS, "2024S1")
    header = {**rev.read.header, "catalog_sha256": "0" * 64}
    read = dataclasses.replace(rev.read, header=header)
    found = trace_indicator(deep, read, rev.submissions, rev.values, "CT01", "P")
    assert not found.config_matches
    assert "not the one this revision was published with" in render_trace(found)


def test_unknown_indicator_or_unit_is_refused(deep: Config) -> None:
    rev = revision(deep, HAMLETS, "2024S1")
    with pytest.raises(TraceError, match=r"unknown indicator CT99 \(known: CT01, CT02\)"):
        trace_indicator(deep, rev.read, rev.submissions, rev.values, "CT99", "P")
    with pytest.raises(
        TraceError,
        match=r"^đơn vị X không có chỉ tiêu CT01 trong bản 1 của 2024S1 P \(các đơn vị của bản: "
        r"P, D1, .*, H213\) / unit X has no CT01 in 2024S1 P revision 1",
    ):
        trace_indicator(deep, rev.read, rev.submissions, rev.values, "CT01", "X")


def test_trace_json_is_complete_and_plain(deep: Config) -> None:
    rev = revision(deep, HAMLETS, "2024S1")
    found = trace_indicator(deep, rev.read, rev.submissions, rev.values, "CT01", "P")
    document = json.loads(trace_json(found))
    assert document["class"] == "below_half"
    assert document["matches"] is True
    source = document["elements"][0]["children"][0]["sources"][0]
    assert source == {
        "submission_id": 1,
        "source_name": "H111_2024M01_1.csv",
        "sha256": f"{1:064x}",
        "submitted_at": "2024-06-16T03:00:00+00:00",
        "submitted_by": "cán bộ",
        "org_unit_code": "H111",
        "unit": "H111",
        "period": "2024M01",
        "value": 1.5,
        "note": "",
        "location": "line 2",
        "share": 1.0,  # issue 12: the part of the value the unit holds
        "used": True,
    }


def test_a_diff_names_the_submissions_behind_each_change(deep: Config) -> None:
    corrected = Sub(7, "H111", "2024M02", {"S": 3.5, "B": 1})
    new_hamlet = Sub(8, "H212", "2024M03", {"S": 1, "B": 0})
    before = revision(deep, HAMLETS, "2024S1", 1)
    after_subs = [s for s in HAMLETS if s.id != 2] + [corrected, new_hamlet]
    after = revision(deep, after_subs, "2024S1", 2)
    both = pl.concat([before.submissions, after.submissions])
    values = pl.concat([before.values, after.values])
    found = diff_snapshots(deep, before.read, after.read, both, values)
    assert [s.submission_id for s in found.added] == [7, 8]
    assert [s.submission_id for s in found.removed] == [2]
    elements = {(c.org_unit_code, c.code): (c.added, c.removed) for c in found.elements}
    assert elements == {
        ("H111", "S"): ([7], [2]),
        ("C11", "S"): ([7], [2]),
        ("D1", "S"): ([7], [2]),
        ("H212", "S"): ([8], []),
        ("H212", "B"): ([8], []),
        ("C21", "S"): ([8], []),
        ("D2", "S"): ([8], []),
        ("P", "S"): ([7, 8], [2]),
    }
    change = next(c for c in found.elements if c.org_unit_code == "P")
    assert (change.before["value"], change.after["value"]) == (25.25, 27.25)
    indicators = {(c.org_unit_code, c.code) for c in found.indicators}
    assert ("P", "CT01") in indicators
    p = next(c for c in found.indicators if (c.org_unit_code, c.code) == ("P", "CT01"))
    assert (p.before["percent"], p.after["percent"], p.added, p.removed) == (
        25.25, 27.25, [7, 8], [2]
    )  # fmt: skip
    assert not found.catalog_changed
    text = render_diff(found)
    assert "+ #7 H111_2024M02_7.csv  H111 2024M02" in text
    assert "− #2 H111_2024M02_2.csv" in text
    assert "P        S                25,25 → 27,25  ← +#7 +#8 −#2" in text
    assert json.loads(diff_json(found))["elements"][0]["org_unit_code"] == "C11"


def test_a_diff_of_a_changed_configuration_says_so(deep: Config) -> None:
    before = revision(deep, HAMLETS, "2024S1", 1)
    after = revision(deep, HAMLETS, "2024S1", 2)
    header = {**after.read.header, "catalog_sha256": "0" * 64}
    found = diff_snapshots(
        deep,
        before.read,
        dataclasses.replace(after.read, header=header),
        before.submissions,
        before.values,
    )
    assert (found.added, found.removed, found.indicators, found.elements) == ([], [], [], [])
    assert found.catalog_changed
    assert "THAY ĐỔI / CHANGED" in render_diff(found)


SPLIT_WITH_SHARES = """
D,Huyện,district,,2020-01-01,,
C1,Xã Một,commune,D,2020-01-01,,
C2,Xã Hai,commune,D,2020-01-01,,
CA,Xã A,commune,D,2020-01-01,2024-03-31,
"""


def _placing_case(
    case: str, make_config: MakeConfig
) -> tuple[Config, list[Sub], str, dt.date | None]:
    """A configuration, its submissions, the review period and a restatement day for the
    placing tests: the split one restates the first quarter, when Xã A still existed, on
    the units of June, when its history is C1's and C2's."""
    period, as_of = "2024S1", None
    if case == "split as of June":
        period, as_of = "2024Q1", dt.date(2024, 6, 14)
    if case == "deep":
        config = make_config(
            [SUM, element("B", collected_at="hamlet", value_type="boolean")],
            [indicator("CT01", "S"), indicator("CT02", "S / B")],
            TREE_4_LEVELS,
        )
        subs = HAMLETS
    elif case == "covered":
        config = make_config([element("S")], [indicator("CT01", "S")], TREE_DISTRICT)
        subs = [
            Sub(1, "C1", "2024M01", {"S": 1}),
            Sub(2, "C1", "2024S1", {"S": 30}),
            Sub(3, "C2", "2024M01", {"S": 5}),
        ]
    elif case == "merger":
        config = make_config([element("S")], [indicator("CT01", "S")], MERGER)
        subs = [
            Sub(1, "CA", "2024M02", {"S": 4}),
            Sub(2, "C1", "2024M05", {"S": 1}),
            Sub(3, "C3", "2024M05", {"S": 2}),
        ]
    else:
        config = make_config(
            [element("S"), element("T")],
            [indicator("CT01", "S"), indicator("CT02", "T")],
            SPLIT_WITH_SHARES,
            successions="CA,C1,2024-04-01,0.6\nCA,C2,2024-04-01,0.4",
        )
        subs = [Sub(1, "CA", "2024M02", {"S": 10, "T": 5}), Sub(2, "C1", "2024M01", {"S": 1})]
    return config, list(subs), period, as_of


@pytest.mark.parametrize("case", ["deep", "covered", "merger", "split", "split as of June"])
def test_a_trace_places_a_units_values_as_among_all_values(
    case: str, make_config: MakeConfig
) -> None:
    """`held_within`, of one element's values: for every unit, the values a trace places
    (the unit, its share, whether the roll-up counted it, the branch they reach it by)
    are those placed among all the revision's values, element by element."""
    from chitieu.lineage.inputs import attributed, held_within, within
    from chitieu.periods import Period
    from chitieu.rollup.hierarchy import subtree

    config, subs, code, as_of = _placing_case(case, make_config)
    rev = revision(config, subs, code)
    period, root = Period.parse(code), str(rev.read.header["root_org_unit"])
    every = attributed(config, rev.values, period, root, as_of)
    # the units a trace may name: the revision's, or those of the restatement's day
    units = subtree(config.org_units, root, as_of or period.end)["org_unit_code"].to_list()
    assert len(units) > 2
    fewer = 0
    for org in units:
        tree = within(config, period, org, as_of)
        branch = tree.select("org_unit_code", "branch")
        for element_code in rev.values.get_column("element_code").unique():
            # a trace places the values of its formula's elements only
            traced = rev.values.filter(pl.col("element_code") == element_code)
            held = held_within(config, traced, period, tree, as_of)
            fewer += held.height < traced.height
            mine = attributed(config, held, period, root, as_of)
            expected = every.filter(pl.col("element_code") == element_code).join(
                branch, left_on="unit", right_on="org_unit_code"
            )
            found = mine.join(branch, left_on="unit", right_on="org_unit_code")
            assert found.sort(found.columns).equals(expected.sort(expected.columns)), (
                org,
                element_code,
            )
    assert fewer  # some unit's trace places only some of the values


@pytest.mark.parametrize("case", ["deep", "covered", "merger", "split", "split as of June"])
def test_a_diff_places_the_changed_submissions_as_among_all_values(
    case: str, make_config: MakeConfig
) -> None:
    """A diff's reach (each added or removed submission's values, the units they reach)
    is the one found by placing every value of both revisions, whichever submission
    changed, in the review and in last year's."""
    from chitieu.lineage.diff import _reach
    from chitieu.lineage.inputs import attributed
    from chitieu.periods import Period
    from chitieu.rollup.hierarchy import ancestors, subtree

    config, subs, code, as_of = _placing_case(case, make_config)
    rev = revision(config, subs, code)
    period, root = Period.parse(code), str(rev.read.header["root_org_unit"])
    ids = [s.id for s in subs]
    for added, removed in [({i}, set()) for i in ids] + [({ids[0]}, {ids[-1]})]:
        sides = {"added": added, "removed": removed}
        side = pl.lit(None, pl.String)
        for name, chosen in sides.items():
            side = (
                pl.when(pl.col("submission_id").is_in(sorted(chosen)))
                .then(pl.lit(name))
                .otherwise(side)
            )
        units = subtree(config.org_units, root, as_of or period.end)
        closure = ancestors(units.select("org_unit_code", "parent_code"))
        expected = (
            attributed(config, rev.values, period, root, as_of)
            .with_columns(side.alias("side"))
            .filter(pl.col("side").is_not_null() & pl.col("unit").is_not_null())
            .join(closure, left_on="unit", right_on="org_unit_code")
            .select(
                pl.col("ancestor_code").alias("org_unit_code"),
                "element_code",
                "submission_id",
                "side",
            )
            .unique()
        )
        found = _reach(config, rev.values, sides, period, root, as_of)
        assert found.height == expected.height > 0, (added, removed)
        assert found.sort(found.columns).equals(expected.sort(expected.columns)), (added, removed)


def _last_year_case(make_config: MakeConfig) -> tuple[Config, list[Sub]]:
    """The deep tree with last year's values of B only and history.csv rows of CT01 for
    some units: a trace of CT01 reads no value of last year, where its review had some
    (last year is rolled up, then filled from history.csv, rather than history.csv's
    alone); a hamlet reports B alone this year."""
    config = make_config(
        [SUM, element("B", collected_at="hamlet", value_type="boolean")],
        [indicator("CT01", "S"), indicator("CT02", "S / B")],
        TREE_4_LEVELS,
        targets=[("CT01", "P", 2024, 100, "")],
    )
    history = "indicator_code,org_unit_code,period,actual\n" + "".join(
        f"CT01,{unit},2023S1,{actual}\n" for unit, actual in [("C11", 7), ("C12", 3), ("P", 40)]
    )
    (config.folder / "history.csv").write_text(history, "utf-8")
    earlier = [
        Sub(11, "H111", "2023M02", {"B": 1}),
        Sub(12, "H211", "2023M03", {"B": 0}),
        Sub(13, "H212", "2024M04", {"B": 1}),
    ]
    return load_config(config.folder), [*HAMLETS, *earlier]


@pytest.mark.parametrize(
    "case", ["deep", "covered", "merger", "split", "split as of June", "last year"]
)
def test_a_trace_from_its_formulas_values_is_the_trace_from_all(
    case: str, make_config: MakeConfig
) -> None:
    """`chitieu trace` reads only the values and element rows of the formula's elements:
    for every unit and indicator, the trace (figures, recomputations, sources, last
    year's figure, its source and submissions; or the refusal) is the one made from all
    the revision's values and rows."""
    if case == "last year":
        config, subs = _last_year_case(make_config)
        code, as_of = "2024S1", None
    else:
        config, subs, code, as_of = _placing_case(case, make_config)
    rev = revision(config, subs, code)
    root = str(rev.read.header["root_org_unit"])
    units = subtree(config.org_units, root, as_of or Period.parse(code).end)["org_unit_code"]
    fewer = 0
    for spec in config.catalog.indicators:
        its = pl.col("element_code").is_in(config.catalog.formula_elements(spec.code))
        own = rev.values.filter(its)
        rows = dataclasses.replace(rev.read, elements=rev.read.elements.filter(its))
        fewer += own.height < rev.values.height
        for org in units:
            made = [
                _trace_or_error(config, read, rev.submissions, values, spec.code, org, as_of)
                for read, values in ((rev.read, rev.values), (rows, own))
            ]
            assert made[1] == made[0], (spec.code, org)
    assert bool(fewer) == (case not in ("covered", "merger"))  # CT01 reads S alone


def _trace_or_error(
    config: Config,
    read: SnapshotRead,
    submissions: pl.DataFrame,
    values: pl.DataFrame,
    code: str,
    org: str,
    as_of: dt.date | None,
) -> object:
    try:
        return trace_indicator(config, read, submissions, values, code, org, as_of=as_of)
    except TraceError as refused:
        return str(refused)


@pytest.mark.parametrize(
    "case", ["deep", "covered", "merger", "split", "split as of June", "last year"]
)
def test_a_diff_explains_each_change_by_the_submissions_reaching_it(
    case: str, make_config: MakeConfig
) -> None:
    """A correction of the first report (of last year's, in the last-year case, which then
    carries S as well) and the last report added: each changed element, indicator and
    last-year figure names the added and removed submissions whose values reach its
    unit through its element or one of its formula's (the first implementation, a
    filter of the reach for each changed row, kept as the reference)."""
    from chitieu.lineage.diff import _reach
    from chitieu.rollup.last_year import previous_period

    if case == "last year":
        config, subs = _last_year_case(make_config)
        code = "2024S1"
    else:
        config, subs, code, _ = _placing_case(case, make_config)
    first = next(s for s in subs if s.period.startswith("2023")) if case == "last year" else subs[0]
    corrected = Sub(99, first.org, first.period, {"S": 5, **first.values})
    corrected.values = {k: (v or 0) + 2 for k, v in corrected.values.items()}
    before = revision(config, subs[:-1], code, 1)
    after = revision(config, [corrected, *[s for s in subs if s is not first]], code, 2)
    values = pl.concat([before.values, after.values])
    found = diff_snapshots(
        config, before.read, after.read, pl.concat([before.submissions, after.submissions]), values
    )
    period, root = Period.parse(code), str(after.read.header["root_org_unit"])
    sides = {"added": {99, subs[-1].id}, "removed": {first.id}}
    reach = _reach(config, values, sides, period, root)
    last_reach = _reach(config, values, sides, previous_period(period), root, period.end)

    def formula_of(code: str) -> set[str]:
        return formula.elements(config.catalog.formula_tree(code))

    def expected(reached: pl.DataFrame, unit: str, elements: set[str]) -> tuple[list[int], ...]:
        mine = reached.filter(
            (pl.col("org_unit_code") == unit) & pl.col("element_code").is_in(sorted(elements))
        )
        return tuple(
            sorted(set(mine.filter(pl.col("side") == side)["submission_id"]))
            for side in ("added", "removed")
        )

    listed = [
        *[(c, reach, formula_of(c.code)) for c in found.indicators],
        *[(c, reach, {c.code}) for c in found.elements],
        *[(c, last_reach, formula_of(c.code)) for c in found.last_year],
    ]
    assert found.indicators
    assert found.elements
    assert bool(found.last_year) == (case == "last year")
    for change, reached, elements in listed:
        assert (change.added, change.removed) == expected(reached, change.org_unit_code, elements)
    assert any(c.added and c.removed for c, _, _ in listed)
