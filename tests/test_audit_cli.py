"""The auditor's commands on the example, on every backend: snapshots list, show, diff,
verify, trace, and the Excel report."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import openpyxl
import polars as pl
import pytest
from click.testing import CliRunner, Result
from example_fixtures import (
    CONFIG_DIR,
    CORRECTED_UNIT,
    CORRECTION_NAME,
    Example,
    example_fixture,  # noqa: F401
)

from chitieu.cli import cli
from chitieu.errors import PeriodError
from chitieu.lineage import diff_snapshots
from chitieu.warehouse import open_warehouse
from chitieu.warehouse.queries import query


def run(example: Example, *args: str) -> Result:
    return CliRunner(env={"CHITIEU_DATA_DIR": str(example.data)}).invoke(
        cli, [*args, "--config", str(CONFIG_DIR), "--warehouse", example.url]
    )


def ok(example: Example, *args: str) -> str:
    result = run(example, *args)
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def test_list_shows_every_revision_with_its_story(example: Example) -> None:
    lines = ok(example, "snapshots", "list").splitlines()
    assert lines[0].split()[:6] == ["period", "unit", "rev", "status", "created", "(UTC)"]
    rows = [line.split()[:4] for line in lines[1:]]
    assert rows == [
        ["2024", "834", "1", "published"],
        ["2024S1", "834", "1", "superseded"],
        ["2024S1", "834", "2", "published"],
    ]
    assert all("100.0%" in line and " pass " in line for line in lines[1:])
    as_json = [json.loads(line) for line in ok(example, "snapshots", "list", "--json").splitlines()]
    assert [r["content_sha256"] for r in as_json[1:]] == [
        example.published["2024S1/1"].content_sha256,
        example.published["2024S1/2"].content_sha256,
    ]
    assert as_json[2]["prev_content_sha256"] == as_json[1]["content_sha256"]


@pytest.mark.parametrize("period", ["2024M13", "2024s1", "24S1", "2024S1x"])
def test_list_refuses_a_period_as_every_command_does(example: Example, period: str) -> None:
    """``snapshots list --period 2024M13`` listed nothing, where other commands refuse."""
    result = run(example, "snapshots", "list", "--period", period)
    assert isinstance(result.exception, PeriodError), result.output
    assert f"invalid period {period!r}" in str(result.exception)
    assert result.exception.exit_code == 2


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ["--org", "99999"],
            "chưa có bản công bố nào của đơn vị 99999 / no snapshots for unit 99999",
        ),
        (
            ["--period", "2024Q3"],
            "chưa có bản công bố nào của kỳ 2024Q3 / no snapshots for period 2024Q3",
        ),
        (
            ["--period", "2024S1", "--org", "28987"],
            "chưa có bản công bố nào của kỳ 2024S1, đơn vị 28987 / no snapshots for period "
            "2024S1, unit 28987",
        ),
    ],
)
def test_an_empty_list_says_what_it_has_none_of(
    example: Example, args: list[str], said: str
) -> None:
    assert ok(example, "snapshots", "list", *args) == said + "\n"
    assert ok(example, "snapshots", "list", "--json", *args) == ""  # no lines, no words


def test_show_gives_an_older_revision(example: Example) -> None:
    text = ok(example, "snapshots", "show", "2024S1", "--revision", "1")
    assert "revision             1" in text
    assert "status               superseded" in text
    assert example.published["2024S1/1"].content_sha256 in text
    assert "| 1 | CT01 | Kết nạp đảng viên mới | đảng viên | 130 | 102 | 78,46 % |" in text


@pytest.mark.parametrize(
    "args",
    [
        ["snapshots", "show", "2024S1", "--revision", "3000000000"],
        ["snapshots", "show", "2024S1", "--revision", "0"],
        ["snapshots", "diff", "2024S1", "1", "0"],
        ["trace", "2024S1", "CT01", "--revision", "2147483648"],
        ["report", "2024S1", "--revision", "0"],
    ],
)
def test_a_revision_number_no_revision_can_have_is_refused_by_the_option(
    example: Example, args: list[str]
) -> None:
    """Revisions count from 1 in a 32-bit integer: 3000000000 was the database's cast
    error (DuckDB: Conversion Error ... CAST($3 AS INTEGER))."""
    result = run(example, *args)
    assert result.exit_code == 2, result.output
    assert "is not in the range 1<=x<=2147483647" in result.output


def test_diff_names_the_correction_behind_each_change(example: Example) -> None:
    text = ok(example, "snapshots", "diff", "2024S1", "1", "2")
    document = json.loads(ok(example, "snapshots", "diff", "2024S1", "1", "2", "--format", "json"))
    [added] = document["added"]
    [removed] = document["removed"]
    assert added["source_name"].endswith(CORRECTION_NAME)
    assert removed["source_name"].endswith(f"{CORRECTED_UNIT}_2024M05.csv")
    assert (added["org_unit_code"], added["period"]) == (removed["org_unit_code"], "2024M05")
    assert removed["status"] == "superseded"
    causes = ([added["submission_id"]], [removed["submission_id"]])
    changed = {(c["org_unit_code"], c["code"]): c for c in document["elements"]}
    assert set(changed) == {(CORRECTED_UNIT, "DANG_VIEN_MOI"), ("834", "DANG_VIEN_MOI")}
    district = changed[("834", "DANG_VIEN_MOI")]
    assert (district["before"]["value"], district["after"]["value"]) == (102, 104)
    assert all((c["added"], c["removed"]) == causes for c in changed.values())
    indicators = {(c["org_unit_code"], c["code"]) for c in document["indicators"]}
    assert indicators == {(CORRECTED_UNIT, "CT01"), ("834", "CT01")}
    assert "834      CT01     102 → 104; 78,46 % → 80,00 %; on_track → on_track" in text
    assert f"+ #{added['submission_id']} " in text


def test_trace_follows_ct01_down_to_the_files(example: Example) -> None:
    document = json.loads(ok(example, "trace", "2024S1", "CT01", "--format", "json"))
    assert (document["actual"], document["target"], document["revision"]) == (104, 130, 2)
    assert document["matches"] is True
    [element] = document["elements"]
    assert element["code"] == "DANG_VIEN_MOI"
    assert len(element["children"]) == 21
    assert sum(c["value"] for c in element["children"]) == element["value"] == 104
    for child in element["children"]:
        assert sum(s["value"] for s in child["sources"] if s["used"]) == child["value"]
        assert all(len(s["sha256"]) == 64 for s in child["sources"])
    phong_nam = next(c for c in element["children"] if c["org_unit_code"] == CORRECTED_UNIT)
    may = next(s for s in phong_nam["sources"] if s["period"] == "2024M05")
    assert (may["value"], Path(may["source_name"]).name) == (5, CORRECTION_NAME)
    assert may["submitted_at"] == "2024-05-20T02:00:00+00:00"


def test_trace_of_an_older_revision_and_a_commune(example: Example) -> None:
    text = ok(example, "trace", "2024S1", "CT01", "--revision", "1", "--org", CORRECTED_UNIT)
    assert text.startswith(f"CT01 Kết nạp đảng viên mới — {CORRECTED_UNIT} Xã Phong Nẫm")
    assert "thực hiện / actual 6 đảng viên" in text
    assert "recomputed from the submissions used: 6, on_track ✓" in text
    assert f"{CORRECTED_UNIT}_2024M05.csv (line 2)" in text
    assert CORRECTION_NAME not in text


def test_trace_refuses_an_unknown_indicator(example: Example) -> None:
    result = run(example, "trace", "2024S1", "CT99")
    assert result.exit_code != 0
    assert "unknown indicator CT99" in str(result.exception)


def test_trace_of_an_indicator_removed_from_the_catalog_says_so(
    example: Example, tmp_path: Path
) -> None:
    """CT31 removed from catalog.yaml after revision 1 was published: the revision holds
    it, so the refusal says it was removed and tracing needs its formula, not that it
    does not exist."""
    import shutil

    import yaml

    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config)
    catalog = yaml.safe_load((config / "catalog.yaml").read_text("utf-8"))
    catalog["indicators"] = [i for i in catalog["indicators"] if i["code"] != "CT31"]
    (config / "catalog.yaml").write_text(yaml.safe_dump(catalog, allow_unicode=True), "utf-8")
    for name in ("targets.csv", "history.csv"):
        if (config / name).exists():
            lines = (config / name).read_text("utf-8").splitlines(keepends=True)
            (config / name).write_text("".join(x for x in lines if not x.startswith("CT31,")))
    arguments = ["trace", "2024S1", "CT31", "--revision", "1", "--config", str(config)]
    result = CliRunner(env={"CHITIEU_DATA_DIR": str(example.data)}).invoke(
        cli, [*arguments, "--warehouse", example.url]
    )
    assert result.exit_code != 0
    assert str(result.exception).endswith(
        "/ CT31 is in revision 1 but no longer in the catalog: tracing needs its formula; "
        "restore it in catalog.yaml to trace it"
    )


def test_trace_refuses_an_unknown_indicator_before_reading_the_warehouse(
    tmp_path: Path,
) -> None:
    """The catalog says CT99 does not exist before any revision is read (a national
    revision's inputs are millions of values): even with no warehouse there."""
    missing = f"duckdb:///{tmp_path / 'none.duckdb'}"
    result = CliRunner().invoke(
        cli, ["trace", "2024S1", "CT99", "--config", str(CONFIG_DIR), "--warehouse", missing]
    )
    assert result.exit_code != 0
    assert "unknown indicator CT99" in str(result.exception)
    assert not (tmp_path / "none.duckdb").exists()


def test_verify_names_the_tampered_revision(example: Example) -> None:
    assert "3 bản đã kiểm tra, toàn vẹn" in ok(example, "snapshots", "verify")
    tamper = (
        "UPDATE snapshot_elements SET value = value + $1 WHERE org_unit_code = '834' "
        "AND element_code = 'DANG_VIEN_MOI' AND snapshot_id = "
        "(SELECT snapshot_id FROM snapshots WHERE review_period = '2024S1' AND revision = 1)"
    )
    with open_warehouse(example.url) as owner:
        owner.backend.execute(tamper, [1.0])
    try:
        result = run(example, "snapshots", "verify")
        assert result.exit_code == 1
        assert "SAI / MISMATCH: 2024S1 834 revision 1: content:" in result.output
        assert "revision 2" not in result.output
    finally:
        with open_warehouse(example.url) as owner:
            owner.backend.execute(tamper, [-1.0])
    assert run(example, "snapshots", "verify").exit_code == 0


def test_the_excel_report_of_a_revision(example: Example, tmp_path: Path) -> None:
    path = tmp_path / "bao-cao.xlsx"
    assert ok(example, "report", "2024S1", "--format", "xlsx", "-o", str(path)).strip() == str(path)
    workbook = openpyxl.load_workbook(path)
    rows = list(workbook["Báo cáo"].iter_rows(values_only=True))
    assert (1, "CT01", "Kết nạp đảng viên mới", "đảng viên", 130, 104) in [r[:6] for r in rows]
    with open_warehouse(example.url) as store:
        snap = store.snapshot("2024S1", "834")
        values, notes = store.input_values(snap.snapshot_id), store.input_notes(snap.snapshot_id)
    assert workbook["Báo cáo đã dùng"].max_row == 1 + len(snap.inputs)
    noted = values.filter(pl.col("note").fill_null("").str.strip_chars() != "")
    assert notes.equals(noted)  # what the notes sheet needs, not every value
    assert 0 < notes.height < values.height
    assert workbook["Ghi chú"].max_row == 1 + notes.height


def test_a_revisions_rows_and_inputs_of_some_elements_are_theirs_alone(example: Example) -> None:
    """What `chitieu trace` reads of a revision: its formula's elements' rows and input
    values, every one of them and no other element's; and what a diff reads of its
    submissions: those it names, used by the revision."""
    chosen = ["DANG_VIEN_MOI", "HO_NGHEO"]
    with open_warehouse(example.url) as store:
        snap = store.snapshot("2024S1", "834")
        rows = store.snapshot("2024S1", "834", elements=chosen).elements
        every = store.input_values(snap.snapshot_id)
        some = store.input_values(snap.snapshot_id, elements=chosen)
    assert some.equals(every.filter(pl.col("element_code").is_in(chosen)))
    assert 0 < some.height < every.height
    assert rows.equals(snap.elements.filter(pl.col("element_code").is_in(chosen)))
    assert 0 < rows.height < snap.elements.height
    with open_warehouse(example.url) as store:
        used = store.input_submissions(snap.snapshot_id)
        ids = used["submission_id"].to_list()[1::3]
        named = store.input_submissions(snap.snapshot_id, [*ids, 10**9])  # one it never used
    assert named.equals(used.filter(pl.col("submission_id").is_in(ids)))
    assert 0 < named.height < used.height
    with open_warehouse(example.url) as store, pytest.raises(ValueError, match="not both"):
        store.input_values(snap.snapshot_id, [1], elements=chosen)


def test_a_diff_of_the_rows_that_differ_is_the_diff_of_the_revisions(example: Example) -> None:
    """What `chitieu snapshots diff` compares: each revision's rows that the other has not
    alike, found by the warehouse; for every pair of the example's revisions (of one
    review and, for the rows' sake, of two), exactly those rows, and the diff the whole
    revisions give."""
    revisions = [("2024S1", 1), ("2024S1", 2), ("2024", 1)]
    with open_warehouse(example.url) as store:
        reads = [store.snapshot(period, "834", n) for period, n in revisions]
        ids = [read.snapshot_id for read in reads]
        submissions = pl.concat([store.input_submissions(i) for i in ids])
        values = pl.concat([store.input_values(i) for i in ids])
        narrowed = {
            (a, b): store.snapshot_differences("2024S1", "834", a + 1, b + 1)
            for a in range(2)
            for b in range(2)
        }
        # against a revision that holds nothing: every row is of one side only
        alone = {
            part: store.backend.frame(
                query(f"audit/differing_{part}", store.backend.dialect), [ids[0], -1]
            )
            for part in ("elements", "indicators", "inputs")
        }
    for part in ("elements", "indicators"):
        assert alone[part].height == getattr(reads[0], part).height, part
        assert alone[part]["in_one"].all(), part
        assert not alone[part]["in_other"].any(), part
    assert alone["inputs"].height == reads[0].inputs.height
    assert alone["inputs"]["side"].to_list() == [1] * reads[0].inputs.height
    for (a, b), (one, other) in narrowed.items():
        assert (one.header, other.header) == (reads[a].header, reads[b].header)
        for part in ("indicators", "elements", "inputs"):
            mine, theirs = getattr(reads[a], part), getattr(reads[b], part)
            assert getattr(one, part).equals(_not_in(mine, theirs)), (a, b, part)
            assert getattr(other, part).equals(_not_in(theirs, mine)), (a, b, part)
        by_rows = diff_snapshots(example.config, reads[a], reads[b], submissions, values)
        assert diff_snapshots(example.config, one, other, submissions, values) == by_rows
    one, other = narrowed[0, 1]
    assert 0 < one.elements.height < reads[0].elements.height  # the correction's
    assert one.elements["element_code"].unique().to_list() == ["DANG_VIEN_MOI"]
    assert one.inputs.height == other.inputs.height == 1  # the report it replaced
    assert narrowed[1, 1][0].elements.is_empty()


def _not_in(rows: pl.DataFrame, other: pl.DataFrame) -> pl.DataFrame:
    """The rows of ``rows`` that ``other`` has not alike (every column, nulls alike)."""
    if "submission_id" in rows.columns:  # inputs: by the submission
        return rows.join(other, on="submission_id", how="anti", maintain_order="left")
    return rows.join(other, on=rows.columns, how="anti", nulls_equal=True, maintain_order="left")


def test_the_excel_report_names_units_as_in_the_review_period(
    example: Example, tmp_path: Path
) -> None:
    """28987 is Xã Phong Nẫm in 2024 and the merged Xã Lương Hòa from July 2025."""
    path = tmp_path / "bao-cao.xlsx"
    ok(example, "report", "2024S1", "--format", "xlsx", "-o", str(path))
    units = openpyxl.load_workbook(path)["Đơn vị"].iter_rows(values_only=True)
    names = {row[0]: row[1] for row in units}
    assert names["28987"] == "Xã Phong Nẫm"
    assert names["28984"] == "Thị trấn Giồng Trôm"


def test_the_review_document_of_a_revision(example: Example, tmp_path: Path) -> None:
    path = tmp_path / "bao-cao.docx"
    assert ok(example, "report", "2024S1", "--format", "docx", "-o", str(path)).strip() == str(path)
    footer = docx.Document(str(path)).sections[0].footer.paragraphs[0].text
    assert example.published["2024S1/2"].content_sha256 in footer


def test_the_excel_report_needs_a_file(example: Example) -> None:
    result = run(example, "report", "2024S1", "--format", "xlsx")
    assert result.exit_code == 2
    assert "--format xlsx writes a file: give -o FILE.xlsx" in result.output


@pytest.mark.parametrize("command", [["snapshots", "diff"], ["trace"], ["warehouse"]])
def test_the_new_commands_have_help(command: list[str]) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0
    assert len(result.output.splitlines()) > 5
