"""``chitieu hierarchy from-crosswalk``: the 2025 reform as org_units.csv and
successions.csv, on the real data of ``../shared/data/`` (checked in under ``benchmarks/``:
Giồng Trôm, the country) and on a small real extract (``data/reform_base/``) whose broken variants
(``data/reform_errors/<case>/``, one replaced file and an ``expected.txt`` of one
regular expression per problem) must each fail with exactly those problems."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from chitieu.cli import cli
from chitieu.config import load_config
from chitieu.errors import ConfigProblem, ReformDataError
from chitieu.hierarchy_reform import ReformTables, build, write

DATA = Path(__file__).parent / "data"
BASE = DATA / "reform_base"
CASES = sorted(p for p in (DATA / "reform_errors").iterdir() if p.is_dir())
# the real files of ../shared/data/, checked in beside the benchmarks' generator so that a
# clone anywhere (CI's) runs these tests
REAL = Path(__file__).resolve().parents[1] / "benchmarks"
UNITS = REAL / "vn_admin_units_2025-03-01.csv"
CROSSWALK = REAL / "vn_admin_crosswalk_2025-07-01.csv"
REFORM = dt.date(2025, 7, 1)
EXAMPLE_2025 = Path(__file__).parents[1] / "examples" / "giong_trom_2025"


def frames(tables: ReformTables) -> tuple[pl.DataFrame, pl.DataFrame]:
    """org_units with dates, successions with a numeric share, as the files read back."""
    org = tables.org_units.with_columns(pl.col("valid_from", "valid_to").str.to_date())
    successions = tables.successions.with_columns(
        pl.col("date").str.to_date(), pl.col("share").cast(pl.Float64)
    )
    return org, successions


@pytest.fixture(scope="module")
def country() -> tuple[pl.DataFrame, pl.DataFrame]:
    return frames(build(UNITS, CROSSWALK, country=True))


# ---- the real Giồng Trôm ----------------------------------------------------------


def test_giong_trom_21_communes_become_8_all_whole_7_codes_reused() -> None:
    org, successions = frames(build(UNITS, CROSSWALK, province="86"))
    old_communes = org.filter(
        (pl.col("parent_code") == "834") & (pl.col("valid_to") == dt.date(2025, 6, 30))
    )
    assert old_communes.height == 21
    taken = successions.join(old_communes.select(pl.col("code").alias("old_code")), on="old_code")
    assert taken.height == 21  # each old commune went whole to exactly one new one
    assert taken.get_column("share").to_list() == [1.0] * 21
    assert (taken.get_column("date") == REFORM).all()
    new_codes = set(taken.get_column("new_code"))
    assert len(new_codes) == 8
    reused = new_codes & set(old_communes.get_column("code"))
    assert reused == {"28984", "28987", "28993", "28996", "29020", "29029", "29044"}
    # Sơn Phú goes to a ward of the old provincial capital, outside the district
    assert taken.filter(pl.col("old_code") == "29014").get_column("new_code").to_list() == ["28777"]
    an_hoi = successions.filter(pl.col("new_code") == "28777").get_column("old_code")
    assert set(an_hoi) - set(old_communes.get_column("code")) == {"28777", "28792", "28798"}
    # the district itself is dissolved into the new province, whole
    district = successions.filter(pl.col("old_code") == "834")
    assert district.select("new_code", "share").rows() == [("86", 1.0)]


def test_a_reused_code_is_two_rows_one_before_one_from_the_reform() -> None:
    org, _ = frames(build(UNITS, CROSSWALK, province="86"))
    rows = org.filter(pl.col("code") == "28984").sort("valid_from")
    assert rows.select("name", "level", "parent_code", "valid_from", "valid_to").rows() == [
        ("Thị trấn Giồng Trôm", "commune", "834", dt.date(2025, 1, 1), dt.date(2025, 6, 30)),
        ("Xã Giồng Trôm", "commune", "86", REFORM, None),
    ]
    province = org.filter(pl.col("code") == "86").sort("valid_from")
    assert province.get_column("valid_to").to_list() == [dt.date(2025, 6, 30), None]


def test_vinh_long_holds_its_three_old_provinces_and_every_unit_named() -> None:
    org, successions = frames(build(UNITS, CROSSWALK, province="86"))
    old = org.filter(pl.col("valid_to").is_not_null())
    new = org.filter(pl.col("valid_to").is_null())
    assert set(old.filter(pl.col("level") == "province").get_column("code")) == {"83", "84", "86"}
    assert new.filter(pl.col("level") == "commune").height == 124
    assert (new.filter(pl.col("level") == "commune").get_column("parent_code") == "86").all()
    # every old commune of the three provinces is there, and every parent exists
    codes = set(org.get_column("code"))
    assert set(org.get_column("parent_code").drop_nulls()) <= codes
    assert set(successions.get_column("old_code")) <= set(old.get_column("code"))
    assert set(successions.get_column("new_code")) <= set(new.get_column("code"))


# ---- the country ------------------------------------------------------------------


def test_the_country_10047_communes_become_3321(
    country: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    org, _ = country
    old = org.filter(pl.col("valid_to") == dt.date(2025, 6, 30))
    new = org.filter(pl.col("valid_from") == REFORM)
    assert dict(old.group_by("level").len().iter_rows()) == {
        "province": 63,
        "district": 696,
        "commune": 10047,
    }
    assert dict(new.group_by("level").len().iter_rows()) == {"province": 34, "commune": 3321}
    root = org.filter(pl.col("level") == "country")
    assert root.select("code", "valid_to").rows() == [("VN", None)]
    assert (org.filter(pl.col("level") == "province").get_column("parent_code") == "VN").all()


def test_the_country_every_crosswalk_row_a_succession_partial_ones_without_share(
    country: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    org, successions = country
    crosswalk = pl.read_csv(CROSSWALK, infer_schema=False)
    assert crosswalk.height == 10667
    levels = org.filter(pl.col("valid_to").is_not_null()).select(
        pl.col("code").alias("old_code"), pl.col("level").alias("old_level")
    )
    listed = successions.join(levels, on="old_code").join(
        crosswalk.select("old_code", "new_code", "type"), on=("old_code", "new_code"), how="left"
    )
    from_crosswalk = listed.filter(pl.col("type").is_not_null())
    assert from_crosswalk.height == 10667
    assert from_crosswalk.filter(pl.col("type") == "partial").height == 1012
    assert from_crosswalk.filter(pl.col("type") == "partial").get_column("share").null_count() == (
        1012
    )
    assert (from_crosswalk.filter(pl.col("type") == "full").get_column("share") == 1.0).all()
    # the rest are the districts: each into its province(s); the five island districts
    # without communes are in the crosswalk (into their special zones)
    districts = listed.filter(pl.col("type").is_null())
    assert set(districts.get_column("old_level")) == {"district"}
    assert districts.get_column("old_code").n_unique() == 696 - 5
    split = districts.filter(pl.col("share").is_null())
    # one district's communes went to two provinces (a commune of An Giang's to Đồng Tháp)
    assert split.height == 2
    assert split.get_column("old_code").n_unique() == 1


def test_the_country_shares_of_an_old_unit_add_up_to_at_most_1(
    country: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    _, successions = country
    per_old = successions.group_by("old_code").agg(
        pl.col("share").sum().alias("total"), pl.col("share").null_count().alias("unknown")
    )
    assert per_old.get_column("total").max() == 1.0
    # a unit that went whole somewhere went nowhere else
    whole = per_old.filter(pl.col("total") == 1.0)
    assert (whole.get_column("unknown") == 0).all()
    old = set(successions.get_column("old_code"))
    assert len(old) == 63 + 696 + 10047  # every old unit has a successor


def test_the_country_every_new_unit_valid_on_the_reform_date_no_code_twice_a_day(
    country: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    org, successions = country
    valid_on = org.filter(
        (pl.col("valid_from") <= REFORM)
        & (pl.col("valid_to").is_null() | (pl.col("valid_to") >= REFORM))
    )
    assert set(successions.get_column("new_code")) <= set(valid_on.get_column("code"))
    assert valid_on.filter(pl.col("level") != "country").height == 34 + 3321
    ended = org.filter(pl.col("valid_to") == REFORM - dt.timedelta(days=1))
    assert set(successions.get_column("old_code")) <= set(ended.get_column("code"))
    assert (successions.get_column("date") == REFORM).all()
    ordered = org.sort("code", "valid_from").with_columns(
        pl.col("valid_to").shift(1).over("code").alias("previous_to")
    )
    assert ordered.filter(pl.col("previous_to") >= pl.col("valid_from")).is_empty()
    twice = org.filter(pl.col("code").is_duplicated())
    assert twice.group_by("code").len().get_column("len").max() == 2
    # every new province reuses an old province's code (Lào Cai took Yên Bái's 15), and
    # 3,316 new communes an old commune's: 3,314 one of their own predecessors', two
    # (Ia Băng 23710, Ia Mơ 23737) a code whose old unit went elsewhere
    assert dict(twice.filter(pl.col("valid_from") == REFORM).group_by("level").len().rows()) == {
        "province": 34,
        "commune": 3316,
    }


# ---- the small extract ------------------------------------------------------------


def test_a_partial_split_has_no_share_and_the_district_follows_its_communes() -> None:
    org, successions = frames(build(BASE / "units.csv", BASE / "crosswalk.csv", province="86"))
    tam_binh = successions.filter(pl.col("old_code") == "29719").sort("new_code")
    assert tam_binh.select("new_code", "share").rows() == [("29719", None), ("29836", None)]
    assert successions.filter(pl.col("old_code").is_in(["829", "834", "860", "862"])).select(
        "new_code", "share"
    ).unique().rows() == [("86", 1.0)]
    assert org.height == 16 + 1 + 4  # the old units, the new province, its 4 communes


def test_valid_from_is_the_callers_and_must_come_before_the_reform() -> None:
    org, _ = frames(
        build(
            BASE / "units.csv", BASE / "crosswalk.csv", country=True, valid_from=dt.date(2024, 1, 1)
        )
    )
    assert set(org.filter(pl.col("valid_to").is_not_null()).get_column("valid_from")) == {
        dt.date(2024, 1, 1)
    }
    with pytest.raises(ReformDataError, match="must be before the reform's date 2025-07-01"):
        build(BASE / "units.csv", BASE / "crosswalk.csv", country=True, valid_from=REFORM)


def test_an_old_province_code_is_answered_with_the_new_one() -> None:
    with pytest.raises(
        ReformDataError,
        match=r"83 is not a province after the reform; province 83 is now part "
        r"of 86: use --province 86 \(provinces: 86\)",
    ):
        build(BASE / "units.csv", BASE / "crosswalk.csv", province="83")


def expected_patterns(case: Path) -> list[str]:
    lines = (case / "expected.txt").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def test_there_are_error_cases() -> None:
    assert len(CASES) >= 10


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_case(case: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    shutil.copytree(BASE, folder)
    for replaced in case.iterdir():
        if replaced.name != "expected.txt":
            shutil.copy(replaced, folder / replaced.name)
    patterns = expected_patterns(case)
    with pytest.raises(ReformDataError) as err:
        build(folder / "units.csv", folder / "crosswalk.csv", country=True)
    problems = [str(p) for p in err.value.problems]
    assert len(problems) == len(patterns), "\n".join(problems)
    unmatched = list(problems)
    for pattern in patterns:
        hit = next((p for p in unmatched if re.search(pattern, p)), None)
        assert hit is not None, f"{pattern!r} matches none of:\n" + "\n".join(unmatched)
        unmatched.remove(hit)


@pytest.mark.parametrize(
    ("name", "first", "problem"),
    [
        (
            "units",
            "00004,",
            "'code': mã 00004 xuất hiện nhiều lần / code 00004 appears more than once",
        ),
        (
            "crosswalk",
            "province,01,",
            "'old_code': cặp 01 → 01 lặp lại / the pair 01 → 01 is repeated",
        ),
    ],
)
def test_a_row_twice_in_a_whole_national_file_is_reported_not_a_panic(
    name: str, first: str, problem: str, tmp_path: Path
) -> None:
    """The real national file with one of its first rows again at the end. Polars reads
    it in several chunks; the two rows flagged, in the first and the last, left an empty
    chunk between them on which ``pl.format`` (the bilingual message) panicked with
    ``assertion failed: i < self.len()``, where 1,000 lines gave the message."""
    real = {"units": UNITS, "crosswalk": CROSSWALK}[name]
    lines = real.read_text(encoding="utf-8").replace("\r", "").splitlines()
    repeated = next(i for i, line in enumerate(lines) if line.startswith(first))
    copy = tmp_path / real.name
    copy.write_text("\n".join([*lines, lines[repeated]]) + "\n", encoding="utf-8")
    inputs = {"units": UNITS, "crosswalk": CROSSWALK, name: copy}
    with pytest.raises(ReformDataError) as err:
        build(inputs["units"], inputs["crosswalk"], country=True)
    assert [str(p) for p in err.value.problems] == [
        f"{copy}: line {line}, key {problem}" for line in (repeated + 1, len(lines) + 1)
    ]


# ---- the command ------------------------------------------------------------------


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chitieu", "hierarchy", "from-crosswalk", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_command_writes_both_files_and_keeps_them_without_force(tmp_path: Path) -> None:
    inputs = ["--units", str(BASE / "units.csv"), "--crosswalk", str(BASE / "crosswalk.csv")]
    out = tmp_path / "config"
    first = run(*inputs, "--province", "86", "-o", str(out))
    assert first.returncode == 0, first.stderr
    assert "21 đơn vị / units" in first.stdout
    assert "(2 chưa rõ tỷ lệ / without a known share)" in first.stdout
    written = pl.read_csv(out / "successions.csv", infer_schema=False)
    assert written.columns == ["old_code", "new_code", "date", "share"]
    org_bytes = (out / "org_units.csv").read_bytes()
    assert org_bytes.startswith(
        b"code,name,level,parent_code,valid_from,valid_to,successor_code\n"
        b"83,T\xe1\xbb\x89nh B\xe1\xba\xbfn Tre,province,,2025-01-01,2025-06-30,\n"
    )

    again = run(*inputs, "--country", "-o", str(out))
    assert again.returncode == 2
    assert "org_units.csv: tệp đã có, không ghi đè" in again.stderr
    assert "not overwritten (add --force to replace it)" in again.stderr
    assert "Traceback" not in again.stderr
    assert (out / "org_units.csv").read_bytes() == org_bytes

    forced = run(*inputs, "--country", "-o", str(out), "--force")
    assert forced.returncode == 0, forced.stderr
    assert b"VN,Vi\xe1\xbb\x87t Nam,country" in (out / "org_units.csv").read_bytes()


def test_the_command_names_the_file_and_line_of_a_bad_row(tmp_path: Path) -> None:
    case = DATA / "reform_errors" / "crosswalk_unknown_codes"
    result = run(
        "--units",
        str(BASE / "units.csv"),
        "--crosswalk",
        str(case / "crosswalk.csv"),
        "--country",
        "-o",
        str(tmp_path / "out"),
    )
    assert result.returncode == 2
    assert "crosswalk.csv: line 7, key 'old_code': mã cũ 29018 không có trong" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_the_command_wants_a_province_or_the_country() -> None:
    result = CliRunner().invoke(
        cli,
        ["hierarchy", "from-crosswalk", "--units", "u.csv", "--crosswalk", "c.csv", "-o", "x"],
    )
    assert result.exit_code == 2
    assert "give --province CODE or --country" in result.output


def test_the_command_has_help() -> None:
    result = CliRunner().invoke(cli, ["hierarchy", "from-crosswalk", "--help"])
    assert result.exit_code == 0
    assert "successions.csv" in result.output
    assert "--force" in result.output


# ---- the generated configuration loads (config.successions, i12core) ---------------


def _configuration(folder: Path, tables: ReformTables, root: str) -> Path:
    """The generated hierarchy with the 2025 example's catalog for ``root`` and no target."""
    write(tables, folder)
    catalog = (EXAMPLE_2025 / "config" / "catalog.yaml").read_text(encoding="utf-8")
    (folder / "catalog.yaml").write_text(
        catalog.replace("org_unit: '28984'", f"org_unit: '{root}'"), encoding="utf-8"
    )
    (folder / "targets.csv").write_text(
        "indicator_code,org_unit_code,year,target,baseline\n", encoding="utf-8"
    )
    return folder


@pytest.mark.parametrize(
    ("scope", "root", "rows", "successions"),
    [({"province": "86"}, "86", 508, 389), ({"country": True}, "VN", 14162, 11359)],
    ids=["vinh-long", "country"],
)
def test_the_generated_configuration_loads(
    tmp_path: Path, scope: dict, root: str, rows: int, successions: int
) -> None:
    folder = _configuration(tmp_path / "config", build(UNITS, CROSSWALK, **scope), root)
    config = load_config(folder)
    assert config.org_units.height == rows
    loaded = config.successions
    assert loaded.height == successions
    assert loaded.get_column("share").null_count() == (12 if root == "86" else 1014)
    # each succession links the old row that ends on 30 June to the new row of 1 July
    units = config.org_units.select("unit_id", "code", "valid_from", "valid_to")
    linked = loaded.join(
        units.rename(lambda c: f"old_{c}"), left_on="old_id", right_on="old_unit_id"
    ).join(units.rename(lambda c: f"new_{c}"), left_on="new_id", right_on="new_unit_id")
    assert (linked.get_column("old_valid_to") == dt.date(2025, 6, 30)).all()
    assert (linked.get_column("new_valid_from") == REFORM).all()
    reused = linked.filter(pl.col("old_code") == pl.col("new_code"))
    assert reused.filter(pl.col("old_code") == "28984").height == 1


def test_the_problems_not_listed_are_counted_as_each_language_writes_numbers() -> None:
    problems = [ConfigProblem("c.csv", f"line {n}", "new_code", "unknown") for n in range(1030)]
    message = str(ReformDataError(problems)).splitlines()
    assert message[0].endswith("(1030):")
    assert message[-1] == "  ... và 1.000 lỗi khác / and 1,000 more"


def test_the_command_prints_counts_of_1000_and_more_without_a_thousands_mark(
    tmp_path: Path,
) -> None:
    """A generated province (no national data): 2,400 communes in two districts, merged
    two by two into 1,200. Its summary's counts are in plain digits, read alike in both
    halves of the line: neither "1,200" (an English mark) nor "1.200" (a Vietnamese one)."""
    old = [str(20000 + i) for i in range(2400)]
    units = ["code,name,level,parent_code", "90,Tỉnh Thử,province,"]
    units += ["901,Huyện Một,district,90", "902,Huyện Hai,district,90"]
    units += [f"{c},Xã {c},commune,{901 if i < 1200 else 902}" for i, c in enumerate(old)]
    crosswalk = ["level,new_code,new_name,new_parent_code,old_code,old_name,type"]
    crosswalk.append("province,90,Tỉnh Thử,,90,Tỉnh Thử,full")
    crosswalk += [
        f"commune,{old[i - i % 2]},Xã mới {i // 2},90,{c},Xã {c},full" for i, c in enumerate(old)
    ]
    (tmp_path / "units.csv").write_text("\n".join(units) + "\n", encoding="utf-8")
    (tmp_path / "crosswalk.csv").write_text("\n".join(crosswalk) + "\n", encoding="utf-8")
    out = tmp_path / "config"
    done = run(
        *("--units", str(tmp_path / "units.csv"), "--crosswalk", str(tmp_path / "crosswalk.csv")),
        *("--province", "90", "-o", str(out)),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"{out / 'org_units.csv'}: 3604 đơn vị / units (1 province, 2 district, 2400 commune "
        "đến / until 2025-06-30; 1 province, 1200 commune từ / from 2025-07-01)",
        f"{out / 'successions.csv'}: 2403 dòng kế thừa / successions (0 chưa rõ tỷ lệ / "
        "without a known share)",
    ]
    assert not re.search(r"\d[.,]\d{3}\b", done.stdout.replace(str(out), ""))
