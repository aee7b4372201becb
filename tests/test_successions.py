"""History across a reorganisation (SPEC §1 successions, §3.7): successions with shares,
a past period restated on a later hierarchy (``roll_up(..., as_of=...)``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rollup_helpers import (
    MERGER,
    TARGETS_HEADER,
    MakeConfig,
    catalog,
    element,
    element_values,
    indicator,
    indicator_row,
    values,
    write_config,
)

from chitieu.config import Config, load_config
from chitieu.errors import ConfigError
from chitieu.rollup import Rollup, roll_up
from chitieu.rollup.hierarchy import ReviewError
from chitieu.schemas import validate_rows
from chitieu.sources import ReceivedFile, read_submission


def test_a_past_period_restated_on_a_later_hierarchy(make_config: MakeConfig) -> None:
    """2024M01-03 on the hierarchy of 2024M03 keeps Xã A; as of June it is part of Xã Một."""
    config = make_config([element("A")], [indicator("CT01", "A")], org_units=MERGER)
    rows = values(
        ("CA", "A", "2024M01", 2.0), ("C1", "A", "2024M01", 3.0), ("C3", "A", "2024M02", 4.0)
    )
    then = roll_up(config, rows, "2024Q1")
    assert then.as_of == dt.date(2024, 3, 14)
    assert element_values(then, "A") == {"D": 9.0, "C1": 3.0, "CA": 2.0, "C3": 4.0}
    restated = roll_up(config, rows, "2024Q1", as_of=dt.date(2024, 6, 14))
    assert restated.as_of == dt.date(2024, 6, 14)
    assert element_values(restated, "A") == {"D": 9.0, "C1": 5.0, "C3": 4.0}
    assert restated.elements.get_column("comparable").all()
    assert restated.indicators.get_column("comparable").all()


def test_as_of_before_the_period_ends_is_refused(make_config: MakeConfig) -> None:
    config = make_config([element("A")], [indicator("CT01", "A")], org_units=MERGER)
    with pytest.raises(ReviewError, match="before the end of 2024Q1"):
        roll_up(config, values(), "2024Q1", as_of=dt.date(2024, 3, 1))


# Xã A ends on 31 March 2024 and is split between Xã Một and Xã Hai
SPLIT = """
D,Huyện,district,,2020-01-01,,
C1,Xã Một,commune,D,2020-01-01,,
C2,Xã Hai,commune,D,2020-01-01,,
CA,Xã A,commune,D,2020-01-01,2024-03-31,
"""
JUNE = dt.date(2024, 6, 14)
SUM_AND_STOCK = (
    [element("S"), element("K", time_aggregation="last")],
    [indicator("CT01", "S"), indicator("CT02", "K"), indicator("CT03", "S + K")],
)
AVERAGED_STOCK = (
    [element("S"), element("K", time_aggregation="last", org_aggregation="average")],
    SUM_AND_STOCK[1],
)
"""The stock averaged over units: a split unit's share is needed at every level, so its
figures stay not comparable up to the root."""
BEFORE_THE_SPLIT = values(
    ("CA", "S", "2024M01", 10.0),
    ("CA", "K", "2024M02", 100.0),
    ("C1", "S", "2024M01", 1.0),
    ("C1", "K", "2024M01", 5.0),
    ("C2", "K", "2024M03", 7.0),
)


def comparable(rollup: Rollup, frame: str, code: str) -> dict[str, bool]:
    rows = getattr(rollup, frame).filter(pl.col(f"{frame[:-1]}_code") == code)
    return dict(rows.select("org_unit_code", "comparable").iter_rows())


def test_a_sixty_forty_split_divides_a_sum_and_keeps_a_stock_whole_above_the_successors(
    make_config: MakeConfig,
) -> None:
    config = make_config(
        *SUM_AND_STOCK, org_units=SPLIT, successions="CA,C1,2024-04-01,0.6\nCA,C2,2024-04-01,0.4"
    )
    restated = roll_up(config, BEFORE_THE_SPLIT, "2024Q1", as_of=JUNE)
    assert element_values(restated, "S") == pytest.approx({"D": 11.0, "C1": 7.0, "C2": 4.0})
    assert comparable(restated, "elements", "S") == {"D": True, "C1": True, "C2": True}
    # households cannot be cut 60/40 by rule: not comparable in the new communes, but the
    # district holds both, so all of Xã A's households are its own
    assert element_values(restated, "K") == {"D": 112.0, "C1": 5.0, "C2": 7.0}
    assert comparable(restated, "elements", "K") == {"D": True, "C1": False, "C2": False}
    assert comparable(restated, "indicators", "CT01") == {"D": True, "C1": True, "C2": True}
    assert comparable(restated, "indicators", "CT02") == {"D": True, "C1": False, "C2": False}
    assert comparable(restated, "indicators", "CT03") == {"D": True, "C1": False, "C2": False}
    # on its own hierarchy the quarter needs no share: Xã A is there
    then = roll_up(config, BEFORE_THE_SPLIT, "2024Q1")
    assert element_values(then, "K") == {"D": 112.0, "C1": 5.0, "C2": 7.0, "CA": 100.0}
    assert then.elements.get_column("comparable").all()


def test_a_split_without_shares_is_not_comparable_in_the_successors(
    make_config: MakeConfig,
) -> None:
    """A `partial` row of the real crosswalk: nobody knows how much went where, but the
    district holding both successors holds all of Xã A."""
    config = make_config(
        *SUM_AND_STOCK, org_units=SPLIT, successions="CA,C1,2024-04-01,\nCA,C2,2024-04-01,"
    )
    restated = roll_up(config, BEFORE_THE_SPLIT, "2024Q1", as_of=JUNE)
    assert comparable(restated, "elements", "S") == {"D": True, "C1": False, "C2": False}
    assert comparable(restated, "indicators", "CT01") == {"D": True, "C1": False, "C2": False}
    # the successors' figures stay what is known, flagged: never passed off as the whole
    assert element_values(restated, "S") == {"D": 11.0, "C1": 1.0, "C2": None}


def test_a_split_unit_that_reported_nothing_needs_no_share(make_config: MakeConfig) -> None:
    config = make_config(
        *SUM_AND_STOCK, org_units=SPLIT, successions="CA,C1,2024-04-01,\nCA,C2,2024-04-01,"
    )
    rows = values(("C1", "S", "2024M01", 1.0), ("C2", "K", "2024M03", 7.0))
    assert roll_up(config, rows, "2024Q1", as_of=JUNE).elements.get_column("comparable").all()


def test_two_reforms_in_a_row_compose(make_config: MakeConfig) -> None:
    """X merges into Y on 1 April; Y is split half and half into Z and W on 1 July.
    Then P is split 60/40 into Z and W on 1 April, and both halves come back together
    in W on 1 July: all of P, so even its stock goes there."""
    org_units = """
    D,Huyện,district,,2020-01-01,,
    X,Xã X,commune,D,2020-01-01,2024-03-31,Y
    Y,Xã Y,commune,D,2020-01-01,2024-06-30,
    Z,Xã Z,commune,D,2020-01-01,,
    W,Xã W,commune,D,2020-01-01,,
    P,Xã P,commune,D,2020-01-01,2024-03-31,
    Q,Xã Q,commune,D,2024-04-01,2024-06-30,
    """
    successions = """
    Y,Z,2024-07-01,0.5
    Y,W,2024-07-01,0.5
    P,Q,2024-04-01,0.6
    P,W,2024-04-01,0.4
    Q,W,2024-07-01,1
    """
    config = make_config(*SUM_AND_STOCK, org_units=org_units, successions=successions)
    rows = values(
        ("X", "S", "2024M01", 10.0),
        ("Y", "S", "2024M02", 20.0),
        ("P", "S", "2024M03", 100.0),
        ("P", "K", "2024M03", 50.0),
    )
    restated = roll_up(config, rows, "2024Q1", as_of=dt.date(2024, 12, 14))
    assert element_values(restated, "S") == pytest.approx({"D": 130.0, "Z": 15.0, "W": 115.0})
    assert element_values(restated, "K") == {"D": 50.0, "Z": None, "W": 50.0}
    assert comparable(restated, "elements", "K") == {"D": True, "Z": True, "W": True}
    # on the hierarchy of June, P's stock was split: not comparable in Q and W (the
    # district holds both: all of P's stock)
    june = roll_up(config, rows, "2024Q1", as_of=JUNE)
    assert element_values(june, "K")["D"] == 50.0
    assert comparable(june, "elements", "K") == {
        "D": True,
        "Y": True,
        "Z": True,
        "W": False,
        "Q": False,
    }


# ---- where a split unit's value is whole: the lowest unit holding all its successors

# VN: provinces P1 (districts D1, D2) and P2 (district D3); D1 holds C1 and C2, D2 holds
# C3, D3 holds C4. Old communes A and B (district OD of P1) end on 31 March 2024.
NATION = """
VN,Việt Nam,country,,2020-01-01,,
P1,Tỉnh 1,province,VN,2020-01-01,,
P2,Tỉnh 2,province,VN,2020-01-01,,
D1,Huyện 1,district,P1,2020-01-01,,
D2,Huyện 2,district,P1,2020-01-01,,
D3,Huyện 3,district,P2,2020-01-01,,
OD,Huyện cũ,district,P1,2020-01-01,2024-03-31,
C1,Xã 1,commune,D1,2020-01-01,,
C2,Xã 2,commune,D1,2020-01-01,,
C3,Xã 3,commune,D2,2020-01-01,,
C4,Xã 4,commune,D3,2020-01-01,,
A,Xã A,commune,OD,2020-01-01,2024-03-31,
B,Xã B,commune,OD,2020-01-01,2024-03-31,
"""
WHOLE = (
    [
        element("S"),
        element("K", time_aggregation="last"),
        element("Y", value_type="boolean", time_aggregation="last"),
        element("M", time_aggregation="max", org_aggregation="max"),
        element("N", time_aggregation="min", org_aggregation="min"),
        element("G", time_aggregation="last", org_aggregation="average"),
    ],
    [
        indicator("CT01", "S"),
        indicator("CT02", "K"),
        indicator("CT03", "M - N"),
        indicator("CT04", "G"),
    ],
)
OLD_A = values(
    ("A", "S", "2024M01", 10.0),
    ("A", "S", "2024M02", 20.0),
    ("A", "K", "2024M02", 100.0),
    ("A", "Y", "2024M03", 1.0),
    ("A", "M", "2024M01", 90.0),
    ("A", "N", "2024M01", 2.0),
    ("A", "G", "2024M03", 40.0),
    ("C1", "S", "2024M01", 1.0),
    ("C1", "K", "2024M03", 5.0),
    ("C1", "Y", "2024M03", 0.0),
    ("C1", "M", "2024M02", 7.0),
    ("C1", "N", "2024M02", 7.0),
    ("C1", "G", "2024M03", 10.0),
    ("C3", "S", "2024M03", 2.0),
    ("C3", "K", "2024M03", 3.0),
    ("C3", "Y", "2024M03", 1.0),
    ("C3", "M", "2024M03", 8.0),
    ("C3", "N", "2024M03", 8.0),
    ("C3", "G", "2024M03", 20.0),
    ("C4", "S", "2024M03", 4.0),
    ("C4", "K", "2024M03", 6.0),
    ("C4", "M", "2024M03", 9.0),
    ("C4", "N", "2024M03", 9.0),
    ("C4", "G", "2024M03", 30.0),
)


def nation(make_config: MakeConfig, successions: str, root: str = "VN") -> Rollup:
    config = make_config(*WHOLE, org_units=NATION, successions=successions, org_unit="VN")
    return roll_up(config, OLD_A, "2024Q1", root, as_of=JUNE)


def flags(rollup: Rollup, element_code: str) -> dict[str, bool]:
    return {u: c for u, c in comparable(rollup, "elements", element_code).items() if u != "C2"}


def test_the_district_holding_both_successors_holds_the_old_commune_whole(
    make_config: MakeConfig,
) -> None:
    """A split without shares into C1 and C2 of D1: each successor's figure lacks part of
    A's (not comparable), D1 and everything above hold all of A."""
    restated = nation(make_config, "A,C1,2024-04-01,\nA,C2,2024-04-01,")
    then = nation_then(make_config)
    sums = element_values(restated, "S")
    assert (sums["C1"], sums["C2"], sums["D1"], sums["P1"], sums["VN"]) == (
        1.0,
        None,
        31.0,
        33.0,
        37.0,
    )
    assert sums["VN"] == element_values(then, "S")["VN"] == 37.0
    stock = element_values(restated, "K")
    assert (stock["C1"], stock["D1"], stock["P1"], stock["VN"]) == (5.0, 105.0, 108.0, 114.0)
    assert element_values(restated, "Y")["D1"] == 1.0  # a count of communes: A's yes counts
    for code in ("S", "K", "Y", "M", "N"):
        got = comparable(restated, "elements", code)
        assert got == {
            "VN": True, "P1": True, "P2": True, "D1": True, "D2": True, "D3": True,
            "C1": False, "C2": False, "C3": True, "C4": True,
        }, code  # fmt: skip
    assert comparable(restated, "indicators", "CT01")["D1"] is True
    assert comparable(restated, "indicators", "CT02")["C1"] is False


def nation_then(make_config: MakeConfig) -> Rollup:
    config = make_config(*WHOLE, org_units=NATION, successions="", org_unit="VN")
    return roll_up(config, OLD_A, "2024Q1", "VN")


def test_two_old_communes_held_whole_count_as_two_more_children(make_config: MakeConfig) -> None:
    """A and B both split into C1 and C2: D1's households are C1's and each old commune's
    last count, whatever month each last reported."""
    config = make_config(
        *WHOLE,
        org_units=NATION,
        successions="A,C1,2024-04-01,\nA,C2,2024-04-01,\nB,C1,2024-04-01,\nB,C2,2024-04-01,",
        org_unit="VN",
    )
    rows = values(
        ("A", "K", "2024M01", 100.0),
        ("B", "K", "2024M02", 50.0),
        ("C1", "K", "2024M03", 5.0),
        ("A", "S", "2024M01", 10.0),
        ("B", "S", "2024M01", 20.0),
    )
    restated = roll_up(config, rows, "2024Q1", "VN", as_of=JUNE)
    stock, sums = element_values(restated, "K"), element_values(restated, "S")
    assert (stock["C1"], stock["D1"], sums["C1"], sums["D1"]) == (5.0, 155.0, None, 30.0)
    assert comparable(restated, "elements", "K")["D1"] is True
    assert comparable(restated, "elements", "K")["C1"] is False


def test_the_gate_counts_a_value_held_whole_as_one_more_child(make_config: MakeConfig) -> None:
    """sum_elements_reconcile: D1's households are its children's and Xã A's, held whole."""
    from chitieu.quality import elements as element_checks
    from chitieu.rollup.hierarchy import subtree

    config = make_config(
        *WHOLE, org_units=NATION, successions="A,C1,2024-04-01,\nA,C2,2024-04-01,", org_unit="VN"
    )
    restated = roll_up(config, OLD_A, "2024Q1", "VN", as_of=JUNE)
    held = {(u, e): v for u, e, v in restated.held.iter_rows()}
    assert (held[("D1", "S")], held[("D1", "K")], held[("D1", "M")]) == (30.0, 100.0, 90.0)
    units = subtree(config.org_units, "VN", JUNE)
    rows = element_checks.reconciliation_part(restated, config, units)
    assert (rows.get_column("parent_value") == rows.get_column("children_sum")).all()
    assert rows.filter(pl.col("subject") == "D1 K").row(0, named=True)["children_sum"] == 105.0
    forgotten = dataclasses.replace(restated, held=restated.held.clear())
    rows = element_checks.reconciliation_part(forgotten, config, units)
    assert rows.filter(pl.col("subject") == "D1 K").row(0, named=True)["children_sum"] == 5.0


def test_a_unit_holding_only_some_of_the_successors_is_not_comparable(
    make_config: MakeConfig,
) -> None:
    """A split into C1 (D1) and C3 (D2): the districts each hold a part, P1 all of A."""
    restated = nation(make_config, "A,C1,2024-04-01,\nA,C3,2024-04-01,")
    for code in ("S", "K"):
        assert flags(restated, code) == {
            "VN": True, "P1": True, "P2": True, "D1": False, "D2": False, "D3": True,
            "C1": False, "C3": False, "C4": True,
        }, code  # fmt: skip
    sums = element_values(restated, "S")
    assert (sums["D1"], sums["D2"], sums["P1"]) == (1.0, 2.0, 33.0)
    assert element_values(restated, "K")["P1"] == 108.0


def test_a_split_across_two_provinces_is_comparable_only_in_the_country(
    make_config: MakeConfig,
) -> None:
    successions = "A,C1,2024-04-01,\nA,C4,2024-04-01,"
    restated = nation(make_config, successions)
    assert flags(restated, "S") == {
        "VN": True, "P1": False, "P2": False, "D1": False, "D2": True, "D3": False,
        "C1": False, "C3": True, "C4": False,
    }  # fmt: skip
    assert element_values(restated, "S")["VN"] == 37.0
    assert comparable(restated, "indicators", "CT01")["VN"] is True
    # reviewed from P1, part of A lies outside: P1 holds no whole value of it
    province = nation(make_config, successions, root="P1")
    assert comparable(province, "elements", "S")["P1"] is False
    assert element_values(province, "S")["P1"] == 3.0


def test_a_stock_split_by_known_shares_is_whole_where_both_parts_are(
    make_config: MakeConfig,
) -> None:
    """Households cannot be cut 60/40 by rule (SPEC §3.7), the activity can."""
    restated = nation(make_config, "A,C1,2024-04-01,0.6\nA,C3,2024-04-01,0.4")
    sums = element_values(restated, "S")
    assert (sums["C1"], sums["C3"], sums["P1"]) == pytest.approx((19.0, 14.0, 33.0))
    assert comparable(restated, "elements", "S")["C1"] is True
    assert flags(restated, "K") == {
        "VN": True, "P1": True, "P2": True, "D1": False, "D2": False, "D3": True,
        "C1": False, "C3": False, "C4": True,
    }  # fmt: skip
    assert element_values(restated, "K")["P1"] == 108.0


def test_a_maximum_and_a_minimum_take_the_old_unit_whole(make_config: MakeConfig) -> None:
    restated = nation(make_config, "A,C1,2024-04-01,\nA,C2,2024-04-01,")
    highest, lowest = element_values(restated, "M"), element_values(restated, "N")
    assert (highest["C1"], highest["D1"], highest["P1"], highest["VN"]) == (7.0, 90.0, 90.0, 90.0)
    assert (lowest["C1"], lowest["D1"], lowest["P1"], lowest["VN"]) == (7.0, 2.0, 2.0, 2.0)
    assert comparable(restated, "indicators", "CT03") == comparable(restated, "elements", "M")
    assert comparable(restated, "elements", "N")["D1"] is True


def test_an_average_over_units_stays_not_comparable_up_to_the_root(
    make_config: MakeConfig,
) -> None:
    """A's value cannot be one more unit in an average of the new communes: the average
    of D1 needs how A divided."""
    restated = nation(make_config, "A,C1,2024-04-01,\nA,C2,2024-04-01,")
    assert flags(restated, "G") == {
        "VN": False, "P1": False, "P2": True, "D1": False, "D2": True, "D3": True,
        "C1": False, "C3": True, "C4": True,
    }  # fmt: skip
    assert element_values(restated, "G")["D1"] == 10.0  # C1's own, flagged
    assert comparable(restated, "indicators", "CT04")["VN"] is False


# ---- the real Giồng Trôm mapping: 21 communes of district 834 → 8 units of Vĩnh Long (86)

EXAMPLE_CONFIG = Path(__file__).parents[1] / "examples" / "giong_trom_2024" / "config"


def giong_trom(tmp_path: Path, targets: str = "", catalog_text: str | None = None) -> Config:
    folder = tmp_path / "config"
    shutil.copytree(EXAMPLE_CONFIG, folder)
    (folder / "targets.csv").write_text(TARGETS_HEADER + ",valid_from\n" + targets)
    if catalog_text is not None:
        (folder / "catalog.yaml").write_text(catalog_text, encoding="utf-8")
    return load_config(folder)


def test_a_target_names_one_unit_of_a_reused_code(tmp_path: Path) -> None:
    """28984 is the old Thị trấn Giồng Trôm until 30 June 2025 and the new Xã Giồng Trôm
    from 1 July: the new commune's 2025 target is not the old town's in 2025S1."""
    config = giong_trom(
        tmp_path,
        "CT01,28984,2025,100,,\n"  # no valid_from: the unit of 28984 at the end of 2025
        "CT01,28984,2025,8,,2020-01-01\n",  # the old town's, for its six months
    )
    rows = values(
        ("28984", "DANG_VIEN_MOI", "2025M03", 4.0),
        ("29017", "DANG_VIEN_MOI", "2025M03", 3.0),
        ("29032", "DANG_VIEN_MOI", "2025M05", 2.0),
        ("28984", "DANG_VIEN_MOI", "2025M08", 11.0),
    )
    first_half = indicator_row(roll_up(config, rows, "2025S1", root="834"), "28984", "CT01")
    assert (first_half["actual"], first_half["target"], first_half["percent"]) == (4.0, 8.0, 50.0)
    year = indicator_row(roll_up(config, rows, "2025", root="86"), "28984", "CT01")
    assert (year["actual"], year["target"], year["percent"]) == (20.0, 100.0, 20.0)
    # 2025S1 restated on the new commune is judged against the new commune's target
    restated = roll_up(config, rows, "2025S1", root="86", as_of=dt.date(2025, 12, 14))
    assert indicator_row(restated, "28984", "CT01")["target"] == 100.0
    assert indicator_row(restated, "28984", "CT01")["actual"] == 9.0


def test_a_target_naming_no_unit_row_is_refused(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError,
        match=r"targets\.csv: line 2 \(CT01\), key 'valid_from': trong org_units\.csv không có "
        r"dòng nào của đơn vị 28984 bắt đầu từ ngày 2024-07-01 / "
        r"no row of unit 28984 in org_units\.csv starts on 2024-07-01",
    ):
        giong_trom(tmp_path, "CT01,28984,2025,8,,2024-07-01\n")


def test_completeness_of_a_province_review_across_july_2025(tmp_path: Path) -> None:
    """Vĩnh Long (86) reviews 2025 for the part that was Giồng Trôm: January to June the 21
    old communes report (each under the new unit that took it over, Sơn Phú under
    Phường An Hội), July to December the 8 new units. The province's own reports (83
    until June, then 86: an element collected at province level) are not its own
    reporters, nor is the district's (834 ends without a successor)."""
    text = (EXAMPLE_CONFIG / "catalog.yaml").read_text(encoding="utf-8")
    text = text.replace("collected_at: district", "collected_at: province", 1)
    config = giong_trom(tmp_path, catalog_text=text)
    assert "province" in config.submitting_levels()
    reports = pl.DataFrame(
        [
            ("28984", "2025M01"),
            ("29014", "2025M03"),  # Sơn Phú, now part of Phường An Hội
            ("29017", "2025S1"),  # six months of Bình Hoà, now part of Xã Giồng Trôm
            ("83", "2025M06"),
            ("86", "2025M07"),
            ("28984", "2025M07"),
            ("28777", "2025M12"),
        ],
        schema={"org_unit_code": pl.String, "period": pl.String},
        orient="row",
    )
    result = roll_up(config, values(), "2025", root="86", reports=reports)
    got = {c: (r, e) for c, r, e, _ in result.completeness.iter_rows()}
    assert got["86"] == (1 + 1 + 6 + 1 + 1, 21 * 6 + 8 * 6)
    # Xã Giồng Trôm answers for the old town, Bình Hoà and Bình Thành until June
    assert got["28984"] == (1 + 6 + 1, 3 * 6 + 6)
    assert got["28777"] == (2, 1 * 6 + 6)


# ---- intake: a dissolved code after its end


def validated_issue(config: Config, text: str, received: dt.datetime) -> dict[str, Any]:
    rows = read_submission(ReceivedFile.from_bytes("r.csv", text.encode("utf-8"))).rows
    result = validate_rows(
        rows.with_columns(pl.lit(0, pl.Int64).alias("file_index")), config, received
    )
    assert result.rejected_reports().height == 1
    return result.issues.row(0, named=True)


def test_an_august_2025_report_under_a_dissolved_code_names_its_successor(tmp_path: Path) -> None:
    config = giong_trom(tmp_path)
    issue = validated_issue(
        config,
        "org_unit_code,element_code,period,value,note\n29017,DANG_VIEN_MOI,2025M08,2,\n",
        dt.datetime(2025, 8, 16, 9, tzinfo=dt.timezone(dt.timedelta(hours=7))),
    )
    assert issue["check"] == "org_unit_inactive"
    assert (
        "Từ ngày 01/07/2025 đơn vị này do đơn vị 28984 kế thừa: báo cáo theo mã đơn vị kế thừa."
        in issue["message_vi"]
    )
    assert (
        "from 2025-07-01 it is succeeded by 28984, report under the successor's code"
        in (issue["message_en"])
    )


def test_a_report_under_a_split_code_names_every_successor(make_config: MakeConfig) -> None:
    config = make_config(
        *SUM_AND_STOCK, org_units=SPLIT, successions="CA,C1,2024-04-01,0.6\nCA,C2,2024-04-01,"
    )
    issue = validated_issue(
        config,
        "org_unit_code,element_code,period,value,note\nCA,S,2024M05,2,\n",
        dt.datetime(2024, 5, 16, 9, tzinfo=dt.timezone(dt.timedelta(hours=7))),
    )
    assert "do đơn vị C1 (60.0%), C2 kế thừa" in issue["message_vi"]
    assert "succeeded by C1 (60.0%), C2, report under" in issue["message_en"]


def test_review_refuses_as_of_without_dry_run(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from chitieu.cli import cli

    result = CliRunner().invoke(
        cli,
        [
            *("review", "2025S1", "--as-of", "2025-12-14"),
            *("--config", str(EXAMPLE_CONFIG), "--warehouse", str(tmp_path / "w")),
        ],
    )
    assert result.exit_code == 2
    assert "--as-of needs --dry-run" in result.output


# ---- property: restating keeps what the shares carry


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    shares=st.lists(
        st.lists(st.sampled_from([None, 0.25, 0.5, 1.0]), min_size=1, max_size=3),
        min_size=1,
        max_size=4,
    ),
    figures=st.lists(st.integers(0, 50), min_size=4, max_size=4),
)
def test_restating_sums_keeps_the_root_total_but_for_missing_shares(
    shares: list[list[float | None]], figures: list[int]
) -> None:
    """Old communes O0..On of province P split among new communes N0, N1 (district D1)
    and N2 (district D2) with the drawn shares (trimmed to add up to at most 1). An old
    commune's value goes to each successor times its known share; the part no known
    share carries goes whole to the lowest unit holding every successor whose share is
    unknown. So the province, holding them all, keeps the old total less what known
    shares below 1 leave out, and is comparable; a district is comparable unless it
    holds some but not all of an old commune's successors of unknown share."""
    olds = [f"O{i}" for i in range(len(shares))]
    district = {0: "D1", 1: "D1", 2: "D2"}
    lines = ["P,Tỉnh,province,,2020-01-01,,", "OD,Huyện cũ,district,P,2020-01-01,2024-06-30,"]
    lines += ["D1,Huyện 1,district,P,2020-01-01,,", "D2,Huyện 2,district,P,2020-01-01,,"]
    lines += [f"{o},Xã cũ {o},commune,OD,2020-01-01,2024-06-30," for o in olds]
    lines += [f"N{j},Xã mới {j},commune,{district[j]},2024-07-01,," for j in range(3)]
    rows: list[str] = []
    total_p = 0.0
    total_d = {"D1": 0.0, "D2": 0.0}
    comparable_d = {"D1": True, "D2": True}
    for old, drawn, figure in zip(olds, shares, figures, strict=False):
        kept: list[tuple[int, float | None]] = []
        known = 0.0
        for j, share in enumerate(drawn):
            if share is not None and known + share > 1:
                continue
            kept.append((j, share))
            known += share or 0.0
        rows += [f"{old},N{j},2024-07-01,{'' if s is None else s}" for j, s in kept]
        for j, share in kept:
            if share is not None:
                total_d[district[j]] += figure * share
        unknown = {district[j] for j, s in kept if s is None}
        if not unknown:
            total_p += figure * known
            continue
        total_p += figure  # every successor is in P: the whole old commune
        if len(unknown) == 1:  # one district holds them all: the rest is its own
            total_d[unknown.pop()] += figure * (1 - known if known else 1)
        else:
            comparable_d = {"D1": False, "D2": False}
    submitted = values(
        *[(o, "S", "2024M03", float(f)) for o, f in zip(olds, figures, strict=False)]
    )
    with tempfile.TemporaryDirectory() as folder:
        doc = catalog([element("S")], [indicator("CT01", "S")], "P")
        config = load_config(write_config(Path(folder), doc, "\n".join(lines), "", "\n".join(rows)))
        before = roll_up(config, submitted, "2024S1")
        after = roll_up(config, submitted, "2024S1", as_of=dt.date(2024, 12, 14))
    assert element_values(before, "S")["P"] == sum(figures[: len(olds)])
    found = {
        row["org_unit_code"]: row
        for row in after.elements.filter(pl.col("element_code") == "S").iter_rows(named=True)
    }
    assert (found["P"]["value"] or 0.0) == pytest.approx(total_p)
    assert found["P"]["comparable"] is True
    for unit in ("D1", "D2"):
        assert found[unit]["comparable"] is comparable_d[unit], unit
        if comparable_d[unit]:
            assert (found[unit]["value"] or 0.0) == pytest.approx(total_d[unit]), unit
    if all(s is not None for drawn in shares for s in drawn):
        assert after.elements.get_column("comparable").all()


# ---- trace: a restated figure down to the old units' files and the share applied


def test_trace_as_of_shows_the_old_units_files_and_their_share(make_config: MakeConfig) -> None:
    from test_lineage import Sub, revision

    from chitieu.lineage import trace_indicator
    from chitieu.lineage.text import render_trace, trace_json

    config = make_config(
        *AVERAGED_STOCK, org_units=SPLIT, successions="CA,C1,2024-04-01,0.6\nCA,C2,2024-04-01,0.4"
    )
    subs = [Sub(1, "CA", "2024M02", {"S": 10, "K": 100}), Sub(2, "C1", "2024M01", {"S": 1})]
    rev = revision(config, subs, "2024Q1")
    found = trace_indicator(
        config, rev.read, rev.submissions, rev.values, "CT01", "D", "en", as_of=JUNE
    )
    assert found.as_of == JUNE
    assert (found.actual, found.recomputed_actual, found.comparable) == (11.0, 11.0, True)
    [element_trace] = found.elements
    by_unit = {c.org_unit_code: c for c in element_trace.children}
    assert set(by_unit) == {"C1", "C2"}  # Xã A is gone: its file shows under both
    assert [(s.org_unit_code, s.unit, s.share, s.used) for s in by_unit["C2"].sources] == [
        ("CA", "C2", 0.4, True)
    ]
    assert by_unit["C2"].sources[0].source_name == "CA_2024M02_1.csv"
    text = render_trace(found, "en")
    assert "TÍNH LẠI theo địa giới ngày 2024-06-14 / RESTATED on the units of 2024-06-14" in text
    assert "CA→C2 × 0.4" in text
    stock = trace_indicator(
        config, rev.read, rev.submissions, rev.values, "CT02", "D", "en", as_of=JUNE
    )
    assert stock.comparable is False
    assert "not comparable" in render_trace(stock, "en")
    assert json.loads(trace_json(stock))["as_of"] == "2024-06-14"


# ---- report --as-of: a restated report, never a published revision


def test_report_as_of_is_restated_and_marks_what_is_not_comparable(
    make_config: MakeConfig, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from chitieu import pipeline
    from chitieu.cli import cli
    from chitieu.warehouse import open_warehouse

    config = make_config(
        *AVERAGED_STOCK,
        org_units=SPLIT,
        successions="CA,C1,2024-04-01,0.6\nCA,C2,2024-04-01,0.4",
        targets=[("CT01", "D", 2024, 20, "")],
    )
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    files = []
    for unit, element_code, month, value in (
        ("CA", "S", "2024M02", 10),
        ("CA", "K", "2024M03", 100),
        ("C1", "S", "2024M01", 1),
    ):
        path = inbox / f"{unit}_{element_code}_{month}.csv"
        path.write_text(
            f"org_unit_code,element_code,period,value,note\n{unit},{element_code},{month},{value},\n",
            encoding="utf-8",
        )
        files.append(path)
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    received = dt.datetime(2024, 3, 16, 9, tzinfo=dt.UTC)
    with open_warehouse(url) as store:
        pipeline.ingest_batch(files, config, store, tmp_path / "archive", received_at=received)
    common = ["--config", str(config.folder), "--warehouse", url, "--as-of", "2024-06-14"]
    md = CliRunner().invoke(cli, ["report", "2024Q1", "--format", "md", *common])
    assert md.exit_code == 0, md.output
    assert "SỐ LIỆU TÍNH LẠI theo địa giới hành chính ngày 14/06/2024" in md.output
    assert "không phải bản công bố" in md.output
    assert "không so sánh được" in md.output  # CT02, the averaged stock split 60/40
    dry = CliRunner().invoke(cli, ["review", "2024Q1", "--dry-run", *common])
    # the day in both halves (the Vietnamese once ended "theo địa giới ngày")
    assert "tính lại theo địa giới ngày 2024-06-14 / restated on the units of 2024-06-14;" in (
        dry.output
    ), dry.output
    document = json.loads(
        CliRunner()
        .invoke(cli, ["report", "2024Q1", "--format", "json", "--lang", "en", *common])
        .output
    )
    assert document["restated_as_of"] == "2024-06-14"
    by_code = {row["indicator_code"]: row for row in document["indicators"]}
    assert (by_code["CT01"]["actual"], by_code["CT01"]["comparable"]) == (11.0, True)
    assert by_code["CT02"]["comparable"] is False
    refused = CliRunner().invoke(cli, ["report", "2024Q1", "--revision", "1", *common])
    assert refused.exit_code == 2
    assert "no --revision" in refused.output
    docx = tmp_path / "restated.docx"
    written = CliRunner().invoke(
        cli, ["report", "2024Q1", "--format", "docx", "-o", str(docx), *common]
    )
    assert written.exit_code == 0, written.output
    import docx as python_docx

    text = "\n".join(p.text for p in python_docx.Document(str(docx)).paragraphs)
    assert "SỐ LIỆU TÍNH LẠI" in text


def test_the_real_giong_trom_mapping_carries_every_commune_whole(tmp_path: Path) -> None:
    """21 communes → 8 units of Vĩnh Long on 1 July 2025 (all `full`, 7 codes reused,
    Sơn Phú to Phường An Hội outside the old district): restated as of the year's end,
    the first half's total is the district's, each new unit's the sum of its old ones."""
    config = giong_trom(tmp_path)
    old = config.org_units.filter(
        (pl.col("level") == "commune") & (pl.col("valid_to") == dt.date(2025, 6, 30))
    )
    assert old.height == 21
    figures = {code: float(i + 1) for i, code in enumerate(old.get_column("code"))}
    rows = values(*[(c, "DANG_VIEN_MOI", "2025M04", v) for c, v in figures.items()])
    then = roll_up(config, rows, "2025S1", root="834")
    restated = roll_up(config, rows, "2025S1", root="86", as_of=dt.date(2025, 12, 14))
    before, after = element_values(then, "DANG_VIEN_MOI"), element_values(restated, "DANG_VIEN_MOI")
    assert after["86"] == before["834"] == sum(figures.values())
    successor = dict(old.select("code", "successor_code").iter_rows())
    for new in ("28984", "28987", "28993", "28996", "29020", "29029", "29044", "28777"):
        assert after[new] == sum(v for c, v in figures.items() if successor[c] == new), new
    assert after["28777"] == figures["29014"]  # Sơn Phú alone
    assert restated.elements.get_column("comparable").all()
