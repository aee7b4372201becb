"""Configuration errors name the file, the entry and the key, and come all at once.

Each folder of ``data/config_errors/`` holds only the file(s) that differ from the
valid ``data/config_base/`` and an ``expected.txt``: one regular expression per
expected problem (``#`` starts a comment). The case must fail with exactly that
many problems, each regex matching a different one.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import unicodedata
from pathlib import Path

import polars as pl
import pytest

from chitieu import formula
from chitieu.config import load_config
from chitieu.errors import ConfigError

DATA = Path(__file__).parent / "data"
BASE = DATA / "config_base"
CASES = sorted(p for p in (DATA / "config_errors").iterdir() if p.is_dir())


def overlay(tmp_path: Path, case_files: dict[str, bytes | str]) -> Path:
    """The base configuration copied to ``tmp_path`` with some files replaced."""
    folder = tmp_path / "config"
    shutil.copytree(BASE, folder)
    for name, content in case_files.items():
        if isinstance(content, str):
            (folder / name).write_text(content, encoding="utf-8")
        else:
            (folder / name).write_bytes(content)
    return folder


def base_text(name: str) -> str:
    return (BASE / name).read_text(encoding="utf-8")


def expected_patterns(case: Path) -> list[str]:
    lines = (case / "expected.txt").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def test_there_are_cases() -> None:
    assert len(CASES) >= 20


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_config_error_case(case: Path, tmp_path: Path) -> None:
    files = {f.name: f.read_bytes() for f in case.iterdir() if f.name != "expected.txt"}
    assert files, f"{case.name} replaces no file"
    patterns = expected_patterns(case)
    assert patterns, f"{case.name}/expected.txt is empty"

    with pytest.raises(
        ConfigError, match=rf"^lỗi cấu hình / configuration error \({len(patterns)}\):"
    ) as err:
        load_config(overlay(tmp_path, files))

    problems = [str(p) for p in err.value.problems]
    unmatched = list(problems)
    for pattern in patterns:
        hit = next((p for p in unmatched if re.search(pattern, p)), None)
        assert hit is not None, f"no problem matches {pattern!r} in {problems}"
        unmatched.remove(hit)
    # the message shown to the user lists every problem, one per line
    for problem in problems:
        assert f"  - {problem}" in str(err.value)


def test_the_base_loads(tmp_path: Path) -> None:
    config = load_config(overlay(tmp_path, {}))
    assert [e.code for e in config.catalog.elements] == [
        "MEMBERS",
        "POOR_HH",
        "HOUSEHOLDS",
        "INDUSTRY",
    ]
    assert config.lowest_level == "commune"
    assert config.collected_at(config.catalog.element("POOR_HH")) == "commune"
    assert config.collected_at(config.catalog.element("INDUSTRY")) == "district"
    assert config.submitting_levels() == {"commune", "district"}
    assert config.targets.filter(pl.col("indicator_code") == "CT02").row(0, named=True) == {
        "line": 3,
        "indicator_code": "CT02",
        "org_unit_code": "D",
        "year": 2024,
        "target": 10.0,
        "baseline": 30.0,
        "valid_from": None,  # issue 12: which row of a reused code (optional)
        "unit_id": 1,  # the unit row the target names: D's
    }


def test_a_reused_code_with_non_overlapping_validity_is_accepted(tmp_path: Path) -> None:
    config = load_config(overlay(tmp_path, {}))
    reused = config.org_units.filter(pl.col("code") == "C2").sort("valid_from")
    assert reused.select("name", "valid_from", "valid_to", "successor_code").rows() == [
        ("Xã Hai (cũ)", dt.date(2020, 1, 1), dt.date(2024, 3, 31), "C1"),
        ("Xã Hai (mới)", dt.date(2024, 4, 1), None, None),
    ]
    # two rows, two units
    assert reused.get_column("unit_id").n_unique() == 2


def test_the_day_after_is_not_an_overlap_but_the_same_day_is(tmp_path: Path) -> None:
    org = base_text("org_units.csv")
    same_day = org.replace("commune,D,2024-04-01", "commune,D,2024-03-31")
    with pytest.raises(
        ConfigError,
        match=r"line 6 \(C2\), key 'valid_from': thời gian hiệu lực trùng .* / validity overlaps",
    ):
        load_config(overlay(tmp_path, {"org_units.csv": same_day}))


def test_a_parent_may_be_several_consecutive_rows_of_its_code(tmp_path: Path) -> None:
    """A reused parent code covers its children when its rows together leave no day out:
    a row ending on 2022-12-31 and the next starting 2023-01-01 leave none (valid_to is the
    last day of validity)."""
    org = base_text("org_units.csv").replace(
        "P,Tỉnh,province,,2020-01-01,,",
        "P,Tỉnh,province,,2020-01-01,2022-12-31,\nP,Tỉnh (tái lập),province,,2023-01-01,,",
    )
    config = load_config(overlay(tmp_path, {"org_units.csv": org}))
    assert config.org_units.filter(pl.col("code") == "P").height == 2
    one_day_out = org.replace(",2023-01-01,,", ",2023-01-02,,")
    with pytest.raises(
        ConfigError,
        match=r"line 4 \(D\), key 'parent_code': đơn vị cấp trên P không có hiệu lực ngày "
        r"2023-01-01: .* / parent P is not valid on 2023-01-01:",
    ):
        load_config(overlay(tmp_path / "gap", {"org_units.csv": one_day_out}))


def test_indicators_may_reference_indicators(tmp_path: Path) -> None:
    config = load_config(overlay(tmp_path, {}))
    inlined = config.catalog.formula_tree("CT05")
    assert inlined == formula.parse("MEMBERS + POOR_HH * 100 / HOUSEHOLDS / 2")
    assert formula.elements(inlined) == {"MEMBERS", "POOR_HH", "HOUSEHOLDS"}


def test_classification_defaults_when_omitted(tmp_path: Path) -> None:
    catalog = re.sub(r"classification:\n(  .*\n)+", "", base_text("catalog.yaml"))
    assert "classification" not in catalog
    thresholds = load_config(overlay(tmp_path, {"catalog.yaml": catalog})).catalog.classification
    assert (thresholds.exceeded, thresholds.basically_achieved, thresholds.on_track) == (
        100,
        90,
        50,
    )


def test_byte_order_marks_are_allowed(tmp_path: Path) -> None:
    bom = b"\xef\xbb\xbf"
    folder = overlay(
        tmp_path,
        {name: bom + (BASE / name).read_bytes() for name in ("catalog.yaml", "org_units.csv")},
    )
    config = load_config(folder)
    assert config.org_units.columns[:3] == ["unit_id", "line", "code"]
    assert config.catalog.resolution.code == "NQ-TEST-2024"


def test_catalog_hash_follows_every_file(tmp_path: Path) -> None:
    first = load_config(overlay(tmp_path / "a", {})).catalog_sha256
    same = load_config(overlay(tmp_path / "b", {})).catalog_sha256
    changed = load_config(
        overlay(tmp_path / "c", {"targets.csv": base_text("targets.csv") + "CT03,C1,2024,4,\n"})
    ).catalog_sha256
    assert first == same
    assert changed != first


@pytest.mark.parametrize("missing", ["catalog.yaml", "org_units.csv", "targets.csv"])
def test_a_missing_file(tmp_path: Path, missing: str) -> None:
    folder = overlay(tmp_path, {})
    (folder / missing).unlink()
    with pytest.raises(ConfigError, match=rf"{re.escape(missing)}: thiếu tệp / file is missing"):
        load_config(folder)


def test_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="configuration folder not found"):
        load_config(tmp_path / "nowhere")


def test_several_mistakes_in_the_catalog_entries_are_reported_at_once(tmp_path: Path) -> None:
    catalog = (
        base_text("catalog.yaml")
        .replace("time_aggregation: last}", "time_aggregation: last, colected_at: commune}", 1)
        .replace("value_type: integer, time_aggregation: last}", "value_type: text}", 1)
        .replace('{code: CT05, name: "Tổng hợp", ', "{code: CT05, ")
    )
    org = base_text("org_units.csv").replace("C1,Xã Một,commune,D,", "C1,Xã Một,commune,DD,")
    targets = base_text("targets.csv").replace("CT01,D,2024,130,", "CT01,D,2024,1.752.5,")
    folder = overlay(
        tmp_path, {"catalog.yaml": catalog, "org_units.csv": org, "targets.csv": targets}
    )
    with pytest.raises(ConfigError, match=r"^lỗi cấu hình / configuration error \(5\):") as err:
        load_config(folder)
    assert [(p.file, p.entry, p.key) for p in err.value.problems] == [
        ("catalog.yaml", "elements[2] POOR_HH", "colected_at"),
        ("catalog.yaml", "elements[3] HOUSEHOLDS", "value_type"),
        ("catalog.yaml", "indicators[5] CT05", "name"),
        ("org_units.csv", "line 4 (C1)", "parent_code"),
        ("targets.csv", "line 2 (CT01)", "target"),
    ]


def test_several_rule_breaks_across_entries_are_reported_at_once(tmp_path: Path) -> None:
    catalog = base_text("catalog.yaml").replace(
        '{code: CT05, name: "Tổng hợp", formula: "CT01 + CT03 / 2"}',
        '{code: CT05, name: "Tổng hợp", formula: "CT06 + MEMBRES / 0"}\n'
        '  - {code: CT06, name: "Vòng", formula: "CT05"}\n'
        '  - {code: CT01, name: "Trùng", formula: "MEMBERS"}',
    )
    org = base_text("org_units.csv").replace(",commune,D,2020-01-01,,", ",commune,D,2020-13-01,,")
    with pytest.raises(ConfigError, match=r"^lỗi cấu hình / configuration error \(6\):") as err:
        load_config(overlay(tmp_path, {"catalog.yaml": catalog, "org_units.csv": org}))
    cycle = "nằm trong vòng lặp giữa các chỉ tiêu / is part of a cycle of indicators"
    assert sorted((p.entry, p.key, p.message) for p in err.value.problems) == [
        ("indicators[5] CT05", "formula", "chia cho số 0 / divides by a literal zero"),
        ("indicators[5] CT05", "formula", cycle),
        (
            "indicators[5] CT05",
            "formula",
            "phần tử MEMBRES không có trong danh mục / unknown element MEMBRES",
        ),
        ("indicators[6] CT06", "formula", cycle),
        (
            "indicators[7] CT01",
            "code",
            "mã chỉ tiêu trùng, đã dùng ở indicators[1] / "
            "duplicate code, already used by indicators[1]",
        ),
        (
            "line 4 (C1)",
            "valid_from",
            "không phải ngày theo dạng ISO (YYYY-MM-DD) / not an ISO date (YYYY-MM-DD)",
        ),
    ]


def test_a_decrease_target_above_its_baseline_is_refused_at_its_line(tmp_path: Path) -> None:
    """SPEC §3.4 divides by baseline − target: past the baseline a unit that brought the
    figure down would get a negative percent ("not started")."""
    targets = base_text("targets.csv") + "CT02,C1,2024,12.5,12\n"
    with pytest.raises(ConfigError, match=r"^lỗi cấu hình / configuration error \(1\):") as err:
        load_config(overlay(tmp_path, {"targets.csv": targets}))
    [problem] = err.value.problems
    assert (problem.file, problem.entry, problem.key) == ("targets.csv", "line 7 (CT02)", "target")
    vietnamese, english = problem.message.split(" / ")
    assert vietnamese.startswith(
        "kế hoạch 12.5 của chỉ tiêu CT02 (giảm) cho đơn vị C1 cao hơn mức cơ sở 12:"
    )
    assert english.startswith(
        "the target 12.5 of indicator CT02 (direction 'decrease') for unit C1 is above its "
        "baseline 12:"
    )


def test_a_decrease_target_equal_to_its_baseline_or_zero_is_allowed(tmp_path: Path) -> None:
    """Equal: "keep it where it is" (a target no percent measures, classed by the roll-up);
    0 under a baseline; an increase indicator's baseline is ignored, whatever it is."""
    targets = base_text("targets.csv") + "CT02,C1,2024,12,12\nCT02,P,2024,0,4\nCT01,P,2024,50,9\n"
    config = load_config(overlay(tmp_path, {"targets.csv": targets}))
    assert config.targets.filter(pl.col("line") >= 7).select("target", "baseline").rows() == [
        (12.0, 12.0),
        (0.0, 4.0),
        (50.0, 9.0),
    ]


def test_blank_lines_in_the_tables_are_not_rows(tmp_path: Path) -> None:
    org = base_text("org_units.csv").replace("\nC1,", "\n\nC1,") + "\n"
    targets = base_text("targets.csv").replace("\nCT02,", "\n\nCT02,") + "\n\n"
    config = load_config(overlay(tmp_path, {"org_units.csv": org, "targets.csv": targets}))
    assert config.org_units.height == 5
    assert config.targets.height == 5


def test_lines_are_counted_across_blank_lines(tmp_path: Path) -> None:
    org = base_text("org_units.csv").replace("\nC1,Xã Một,commune,D,", "\n\nC1,Xã Một,commune,DD,")
    with pytest.raises(ConfigError, match=r"org_units\.csv: line 5 \(C1\), key 'parent_code'"):
        load_config(overlay(tmp_path, {"org_units.csv": org}))


def test_a_folder_loaded_again_is_checked_again_only_when_its_bytes_changed(
    tmp_path: Path,
) -> None:
    folder = overlay(tmp_path, {})
    first = load_config(folder)
    assert load_config(folder).catalog is first.catalog  # the same bytes: checked once
    targets = folder / "targets.csv"
    targets.write_text(targets.read_text("utf-8").replace(",10,", ",12,"), "utf-8")
    changed = load_config(folder)
    assert changed.catalog_sha256 != first.catalog_sha256
    assert changed.targets.filter(pl.col("indicator_code") == "CT02").item(0, "target") == 12.0
    (folder / "catalog.yaml").write_text("resolution: [", "utf-8")
    with pytest.raises(ConfigError, match=r"catalog\.yaml"):
        load_config(folder)


REPO = Path(__file__).parents[1]
CATALOGS = sorted(
    [*REPO.glob("examples/*/config/catalog.yaml"), *DATA.glob("**/catalog.yaml")], key=str
)


@pytest.mark.parametrize("path", CATALOGS, ids=[str(p.relative_to(REPO)) for p in CATALOGS])
def test_libyaml_reads_every_catalog_as_pyyaml_does(path: Path) -> None:
    """Catalogs are parsed by libyaml (a national one in 0.02 s instead of 0.2): every
    catalog here gives the document, or the problem, PyYAML's own loader gives."""
    import yaml

    from chitieu.config import catalog

    text = path.read_text(encoding="utf-8-sig")
    assert issubclass(catalog._FastUniqueKeyLoader, yaml.CSafeLoader)
    try:
        expected = yaml.load(text, Loader=catalog._UniqueKeyLoader)  # a SafeLoader
    except yaml.YAMLError as exc:
        problem = exc.problem if isinstance(exc, yaml.MarkedYAMLError) else str(exc)
        with pytest.raises(yaml.YAMLError):
            yaml.load(text, Loader=catalog._FastUniqueKeyLoader)  # a SafeLoader
    else:  # libyaml itself read it (no fallback), and read it alike
        assert yaml.load(text, Loader=catalog._FastUniqueKeyLoader) == expected  # a SafeLoader
        assert catalog._load_yaml(text) == expected
        return
    assert catalog.parse_catalog(text)[1][0].message == (
        f"không phải YAML hợp lệ / not valid YAML: {problem}"
    )


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("a: 1\na: 2\n", "line 2", "key 'a' appears twice in the same mapping"),
        ("a: [1\n", "line 2", "expected ',' or ']', but got '<stream end>'"),
        ("a:\n\t- 1\n", "line 2", "found character '\\t' that cannot start any token"),
        ("- a\nb: 1\n", "line 2", "expected <block end>, but found '?'"),
    ],
)
def test_yaml_mistakes_read_as_they_always_did(text: str, line: str, problem: str) -> None:
    from chitieu.config.catalog import parse_catalog

    catalog, problems = parse_catalog(text)
    assert catalog is None
    assert [(p.entry, p.message) for p in problems] == [
        (line, f"không phải YAML hợp lệ / not valid YAML: {problem}")
    ]


def catalog_with(formulas: dict[str, str], extra: list[tuple[str, str]] = ()) -> str:  # type: ignore[assignment]
    """The base catalog with some indicators' formulas replaced and indicators added
    (code, formula) at the top of the list."""
    text = base_text("catalog.yaml")
    for code, new in formulas.items():
        text = re.sub(rf'(\{{code: {code}, .*formula: )"[^"]*"', rf'\1"{new}"', text)
    added = "".join(f'  - {{code: {code}, name: "x", formula: "{f}"}}\n' for code, f in extra)
    return text.replace("indicators:\n", "indicators:\n" + added, 1)


def chain(length: int, prefix: str = "X") -> list[tuple[str, str]]:
    """``length`` indicators each naming the next, the last naming MEMBERS, listed in
    reverse order (a catalog where every reference points to an entry above it)."""
    links = [
        (f"{prefix}{i}", f"{prefix}{i + 1}" if i + 1 < length else "MEMBERS") for i in range(length)
    ]
    return links[::-1]


@pytest.mark.parametrize(
    ("catalog", "entry", "message"),
    [
        (
            catalog_with({"CT01": "(" * 250 + "MEMBERS" + ")" * 250}),
            "indicators[1] CT01",
            "công thức lồng dấu ngoặc và dấu +/- quá 20 tầng / "
            "formula nests parentheses and signs more than 20 deep",
        ),
        (
            catalog_with({"CT01": " + ".join(["MEMBERS"] * 1200)}),
            "indicators[1] CT01",
            "công thức có quá 100 số hạng (số và mã) / "
            "formula has more than 100 terms (numbers and codes)",
        ),
        (
            catalog_with({}, chain(1500)),
            "indicators[12] X1488",
            "gọi các chỉ tiêu lồng nhau 11 tầng (X1488 → X1489 → X1490 → X1491 → … → X1499), "
            "quá 10 tầng: hãy viết công thức trực tiếp bằng các phần tử / "
            "names indicators 11 deep (X1488 → X1489 → X1490 → X1491 → … → X1499), more than 10: "
            "write the formula with the elements themselves",
        ),
        (
            catalog_with({"CT05": "X0"}, chain(3000)),
            "indicators[12] X2988",
            "gọi các chỉ tiêu lồng nhau 11 tầng (X2988 → X2989 → X2990 → X2991 → … → X2999), "
            "quá 10 tầng: hãy viết công thức trực tiếp bằng các phần tử / "
            "names indicators 11 deep (X2988 → X2989 → X2990 → X2991 → … → X2999), more than 10: "
            "write the formula with the elements themselves",
        ),
        (  # 10 indicators deep, each naming the next 4 times: 4^10 terms written out
            catalog_with(
                {},
                [
                    (f"M{i}", " + ".join([f"M{i + 1}" if i < 9 else "MEMBERS"] * 4))
                    for i in range(10)
                ][::-1],
            ),
            "indicators[4] M6",
            "có 256 số hạng khi thay công thức của các chỉ tiêu được gọi vào, quá 100 / "
            "has 256 terms with the formulas of the indicators it names written out, more than 100",
        ),
    ],
    ids=["parentheses", "terms", "chain_1500", "chain_3000", "terms_written_out"],
)
def test_a_deep_or_long_formula_is_a_configuration_error(
    tmp_path: Path, catalog: str, entry: str, message: str
) -> None:
    """Every command loads the configuration: these were a RecursionError in each."""
    with pytest.raises(ConfigError, match=r"^lỗi cấu hình / configuration error \(1\):") as err:
        load_config(overlay(tmp_path, {"catalog.yaml": catalog}))
    [problem] = err.value.problems
    assert (problem.file, problem.entry, problem.key, problem.message) == (
        "catalog.yaml",
        entry,
        "formula",
        message,
    )


def test_a_long_cycle_of_indicators_is_reported_without_recursion(tmp_path: Path) -> None:
    links = [(f"X{i}", f"X{(i + 1) % 1500}") for i in range(1500)]
    catalog = catalog_with({}, links)
    with pytest.raises(ConfigError, match=r"^lỗi cấu hình / configuration error \(1500\):") as err:
        load_config(overlay(tmp_path, {"catalog.yaml": catalog}))
    assert {p.message for p in err.value.problems} == {
        "nằm trong vòng lặp giữa các chỉ tiêu / is part of a cycle of indicators"
    }
    assert err.value.problems[0].entry == "indicators[1] X0"


def test_every_indicator_on_a_cycle_is_reported(tmp_path: Path) -> None:
    """C is on the cycle A → C → B → A though a walk from A meets B first."""
    catalog = catalog_with({}, [("A", "B + C"), ("B", "A"), ("C", "B"), ("D", "C")])
    with pytest.raises(ConfigError) as err:
        load_config(overlay(tmp_path, {"catalog.yaml": catalog}))
    assert [p.entry for p in err.value.problems] == [
        "indicators[1] A",
        "indicators[2] B",
        "indicators[3] C",
    ]


def test_formulas_at_the_limits_are_written_out_and_computed(tmp_path: Path) -> None:
    """A chain 10 deep and a formula of 100 terms written out load and compute."""
    from chitieu.config.catalog import MAX_CHAIN
    from chitieu.rollup.indicators import indicator_actuals

    links = chain(MAX_CHAIN + 1)  # X0 names X1 ... X10 names MEMBERS: 10 deep
    wide = [("W", " + ".join(["X1"] * 50 + ["MEMBERS"] * 50))]
    config = load_config(overlay(tmp_path, {"catalog.yaml": catalog_with({}, links + wide)}))
    assert config.catalog.formula_tree("X0") == formula.Element("MEMBERS")
    values = pl.DataFrame(
        {"org_unit_code": ["C1"], "element_code": ["MEMBERS"], "value": [2.0]},
    )
    actuals = indicator_actuals(values, config.catalog)
    assert actuals.filter(pl.col("indicator_code") == "W").item(0, "actual") == 200.0


def test_a_printed_name_with_a_character_that_does_not_show_is_refused(tmp_path: Path) -> None:
    """A bell or a right-to-left override in a name the review prints (the signer, an
    indicator) is refused where it is written, as `approve --by` refuses it; a name
    typed on a Mac (NFD) is kept in NFC."""
    decomposed = unicodedata.normalize("NFD", "Kết nạp đảng viên")
    catalog = (
        base_text("catalog.yaml")
        .replace('name: "Kết nạp đảng viên"', f'name: "{decomposed}"')
        .replace('name: "Tổng hợp"', 'name: "Tổng hợp\\u202e"')
        + 'report:\n  signer_name: "Nguyễn Văn A\\x07"\n'
    )
    with pytest.raises(ConfigError) as err:
        load_config(overlay(tmp_path, {"catalog.yaml": catalog}))
    assert [(p.file, p.entry, p.key) for p in err.value.problems] == [
        ("catalog.yaml", "report", "signer_name"),
        ("catalog.yaml", "indicators[5] CT05", "name"),
    ]
    assert "ký tự không hiển thị '\\x07' ở vị trí 13" in str(err.value)
    assert "a character that does not show, '\\u202e', at position 9" in str(err.value)
    fixed = catalog.replace("\\u202e", "").replace("\\x07", "")
    config = load_config(overlay(tmp_path / "fixed", {"catalog.yaml": fixed}))
    assert config.catalog.indicator("CT01").name == "Kết nạp đảng viên"  # NFC


def test_a_unit_name_with_a_character_that_does_not_show_is_refused(tmp_path: Path) -> None:
    org = base_text("org_units.csv").replace("C1,Xã Một,", "C1,Xã Một\u202e\u0007,", 1)
    with pytest.raises(ConfigError) as err:
        load_config(overlay(tmp_path, {"org_units.csv": org}))
    assert [(p.file, p.entry, p.key) for p in err.value.problems] == [
        ("org_units.csv", "line 4 (C1)", "name")
    ]
    assert "tên có ký tự không hiển thị" in str(err.value)


@pytest.mark.parametrize(
    "blank",
    ["", "   ", "\u0301", "\u3164\u3164", "\u2800"],
    ids=["empty", "spaces", "a mark alone", "hangul fillers", "empty braille"],
)
def test_a_printed_name_that_would_print_as_nothing_is_refused(tmp_path: Path, blank: str) -> None:
    """An indicator or a unit whose name prints as nothing would leave its row of the
    document without a word (as a sign-off's blank name is refused: `approve --by`)."""
    catalog = base_text("catalog.yaml").replace('name: "Tổng hợp"', f'name: "{blank}"')
    org = base_text("org_units.csv").replace("C1,Xã Một,", f"C1,{blank or 'ㅤ'},", 1)
    with pytest.raises(ConfigError) as err:
        load_config(overlay(tmp_path, {"catalog.yaml": catalog, "org_units.csv": org}))
    assert [(p.file, p.entry, p.key) for p in err.value.problems] == [
        ("catalog.yaml", "indicators[5] CT05", "name"),
        ("org_units.csv", "line 4 (C1)", "name"),
    ]
    assert "tên trống: không có chữ, số hay ký hiệu nào hiện ra / the name is blank" in str(
        err.value
    )


def test_an_optional_name_written_empty_is_left_out_as_it_always_was(tmp_path: Path) -> None:
    """``name_en: ""`` or ``group: "  "`` was read as no English name, no group: blank
    names are refused where a name is required, not where one may be left out."""
    catalog = base_text("catalog.yaml").replace(
        'name: "Tổng hợp"', 'name: "Tổng hợp", name_en: "", group: "  "'
    )
    config = load_config(overlay(tmp_path, {"catalog.yaml": catalog}))
    indicator = config.catalog.indicator("CT05")
    assert (indicator.name_en, indicator.group) == (None, None)
    shown_blank = catalog.replace('name_en: ""', 'name_en: "\u3164"')
    with pytest.raises(ConfigError) as err:
        load_config(overlay(tmp_path / "blank", {"catalog.yaml": shown_blank}))
    assert [(p.entry, p.key) for p in err.value.problems] == [("indicators[5] CT05", "name_en")]
