"""``chitieu check-text`` on the example's warehouse (every backend): the seed article
against revision 1 of 2024S1, the same article against the corrected revision 2, a
commune's draft, a Word draft annotated, and the errors that stop it writing anything."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner, Result
from example_fixtures import (
    CONFIG_DIR,
    CORRECTED_UNIT,
    Example,
    example_fixture,  # noqa: F401
)
from test_narrative_word import commented, with_empty_paragraphs, word_draft

from chitieu.cli import cli
from chitieu.errors import ChitieuError, DraftError, WarehouseError

SEED = Path(__file__).parent / "data" / "narrative" / "seed-article-vi.txt"


def run(example: Example, *args: str) -> Result:
    return CliRunner().invoke(
        cli, ["check-text", *args, "--config", str(CONFIG_DIR), "--warehouse", example.url]
    )


def figures(example: Example, *args: str) -> list[dict]:
    result = run(example, *args, "--format", "json")
    assert result.exit_code in (0, 1), result.output + repr(result.exception)
    document = json.loads(result.stdout)
    assert document["agrees"] is (result.exit_code == 0)
    return document["figures"]


def test_the_seed_article_against_revision_1(example: Example) -> None:
    found = figures(example, str(SEED), "2024S1", "--revision", "1")
    by_indicator = {f["indicator_code"]: f for f in found if f["indicator_code"]}
    assert set(by_indicator) >= {"CT01", "CT02", "CT05", "CT15", "CT20", "CT21", "CT24"}
    classes = [(f["class"], f["verdict"]) for f in found if f["kind"] == "class_count"]
    assert classes == [
        ("exceeded", "agrees"),
        ("basically_achieved", "agrees"),
        ("on_track", "agrees"),
        ("below_half", "agrees"),
        ("year_end", "agrees"),
    ]
    counts = [(f["stated"]["count"]["value"], f["published"]["count"]) for f in found[:5]]
    assert counts == [(2, 2), (4, 4), (15, 15), (7, 7), (3, 3)]
    assert found[3]["stated"]["not_started"]["value"] == found[3]["published"]["not_started"] == 2
    assert by_indicator["CT01"]["verdict"] == "agrees"
    assert by_indicator["CT01"]["stated"]["percent"]["text"] == "78,46"
    assert by_indicator["CT02"]["verdict"] == "agrees"
    assert by_indicator["CT02"]["published"]["percent"] == 153.33
    assert by_indicator["CT20"]["verdict"] == "agrees_as_written"
    slip = by_indicator["CT05"]
    assert (slip["verdict"], slip["difference_points"]) == ("disagrees", 0.89)
    assert slip["quoted"] == "1.752/3.300 tỷ đồng, đạt hơn 52,2% NQ"
    assert slip["trace"] == "chitieu trace 2024S1 CT05 --revision 1"
    assert slip["line"] == 17
    assert [f["verdict"] for f in found if f["kind"] == "pair" and not f["indicator_code"]] == [
        "not_matched"  # 135/50 charity houses: a plan figure, not an indicator
    ]


def test_the_seed_article_as_a_table_in_the_terminal(example: Example) -> None:
    result = run(example, str(SEED), "2024S1", "--revision", "1")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[1].startswith("đối chiếu với / checked against: 2024S1 834, bản / revision 1")
    assert lines[3].split("  ")[0] == "vị trí / where"
    slip = lines.index(next(line for line in lines if "1.752/3.300" in line))
    assert "KHÔNG KHỚP / disagrees" in lines[slip]
    assert "“hơn 52,2%” understates 53,09 % by 0,89 points" in lines[slip + 1]
    assert lines[slip + 2].strip() == "xem / see: chitieu trace 2024S1 CT05 --revision 1"
    assert lines[-1] == (
        "13 số liệu / figures: 9 khớp / agree, 2 khớp theo cách viết / agree as written, "
        "1 KHÔNG KHỚP / disagree, 1 không rõ chỉ tiêu / not matched"
    )


def test_the_published_revision_has_the_corrected_party_members(example: Example) -> None:
    """Revision 2 took in Phong Nẫm's corrected May report: 104 new members, not 102."""
    found = figures(example, str(SEED), "2024S1")
    ct01 = next(f for f in found if f["indicator_code"] == "CT01")
    assert ct01["verdict"] == "disagrees"
    assert ct01["published"]["actual"] == 104
    assert ct01["notes"][0]["en"] == "actual written 102, the revision has 104"
    assert ct01["trace"] == "chitieu trace 2024S1 CT01 --revision 2"


def test_a_draft_whose_figures_all_agree_exits_0(example: Example, tmp_path: Path) -> None:
    draft = tmp_path / "du-thao.md"
    draft.write_text(
        "# Sơ kết\n\nHuyện kết nạp 102/130 đảng viên (đạt 78,46% NQ); giải quyết việc làm mới "
        "cho 1.807/2.800 lao động (đạt hơn 64,5% NQ).\n",
        "utf-8",
    )
    result = run(example, str(draft), "2024S1", "--revision", "1")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        "2 số liệu / figures: 1 khớp / agree, 1 khớp theo cách viết / agree as written"
    )


def test_a_number_no_figure_can_be_is_read_as_text(example: Example, tmp_path: Path) -> None:
    """A hostile draft's 30-digit percent, a 41-digit actual and a percent of 41
    decimals: no traceback, the figures around them checked."""
    draft = tmp_path / "du-thao.txt"
    draft.write_text(
        f"Kết nạp đảng viên mới đạt 1{'0' * 28},5% NQ\n\nKết nạp 1{'0' * 40}/130 đảng viên "
        f"mới (đạt 78,46% NQ); 1.752/3.300 tỷ đồng (đạt 0,{'0' * 40}1% NQ).\n",
        "utf-8",
    )
    result = run(example, str(draft), "2024S1", "--revision", "1")
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "2 số liệu / figures: 2 khớp / agree"


def test_a_communes_draft_is_checked_against_its_figures_in_the_district_review(
    example: Example, tmp_path: Path
) -> None:
    draft = tmp_path / "xa-phong-nam.txt"
    draft.write_text("Xã đã kết nạp 6/7 đảng viên mới (đạt 85,71% NQ).\n", "utf-8")
    [found] = figures(example, str(draft), "2024S1", "--revision", "1", "--org", CORRECTED_UNIT)
    assert (found["indicator_code"], found["verdict"]) == ("CT01", "agrees")
    assert found["trace"] == f"chitieu trace 2024S1 CT01 --revision 1 --org {CORRECTED_UNIT}"


def test_a_word_draft_gets_an_annotated_copy_and_stays_as_it_was(
    example: Example, tmp_path: Path
) -> None:
    path = word_draft(tmp_path / "bao-cao.docx")
    before = path.read_bytes()
    out = tmp_path / "bao-cao.ghi-chu.docx"
    result = run(example, str(path), "2024S1", "--revision", "1", "--annotate", str(out))
    assert result.exit_code == 1
    assert f"bản có ghi chú / annotated copy: {out} (4 ghi chú / comments)" in result.output
    assert path.read_bytes() == before
    assert sorted(commented(docx.Document(out)).values()) == [
        "1.752/3.300 tỷ đồng, đạt hơn 52,2% NQ",
        "1.807/2.800 lao động (đạt hơn 65,5% NQ)",
        "100/130 đảng viên (đạt 76,92% NQ)",
        "13",
    ]
    as_json = run(
        example, str(path), "2024S1", "--revision", "1", "--format", "json", "--annotate", str(out)
    )
    assert json.loads(as_json.stdout)["counts"]["disagrees"] == 4  # the line went to stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{txt}", "2023S1"], r"no revision of 2023S1 has been published for 834"),
        (["{txt}", "2024X1"], r"invalid period '2024X1'"),
        (["{txt}", "2024S1", "--revision", "7"], r"has no revision 7 \(có / there are: 1, 2\)$"),
        (["{txt}", "2024S1", "--org", "99999"], r"unit 99999 is not in revision 2 of 2024S1 834"),
        (["{docx}", "2024S1", "--annotate", "{docx}"], r"never writes over the draft itself"),
        (["{txt}", "2024S1", "--annotate", "{out}.docx"], r"--annotate needs a \.docx draft"),
        (["{docx}", "2024S1", "--annotate", "{out}.txt"], r"and an OUT\.docx"),
    ],
)
def test_bad_requests_are_refused_with_nothing_written(
    example: Example, tmp_path: Path, args: list[str], message: str
) -> None:
    txt = tmp_path / "du-thao.txt"
    txt.write_text("kết nạp 100/130 đảng viên\n", "utf-8")
    drafts = {"txt": txt, "docx": word_draft(tmp_path / "du-thao.docx")}
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    result = run(example, *[a.format(out=tmp_path / "out", **drafts) for a in args])
    assert isinstance(result.exception, ChitieuError), result.output
    assert result.exception.exit_code == 2
    assert re.search(message, str(result.exception))
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_an_error_is_one_bilingual_line_and_exit_2(example: Example, tmp_path: Path) -> None:
    draft = tmp_path / "bao-cao.pdf"
    draft.write_bytes(b"%PDF-1.7")
    command = [sys.executable, "-m", "chitieu", "check-text", str(draft), "2024S1"]
    done = subprocess.run(
        [*command, "--config", str(CONFIG_DIR), "--warehouse", example.url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        "chitieu: bao-cao.pdf: không phải bản thảo văn bản hoặc Word (.pdf): lưu lại dạng "
        ".docx / not a text or Word draft (.pdf): save it as .docx\n"
    )


def test_a_word_draft_longer_than_any_report_is_refused_in_one_line(
    example: Example, tmp_path: Path
) -> None:
    """The hostile probe's 41 KB draft of 524,288 empty paragraphs (23 s and 608 MB
    before it was bounded)."""
    draft = with_empty_paragraphs(word_draft(tmp_path / "bao-cao.docx"), 524_288)
    command = [sys.executable, "-m", "chitieu", "check-text", str(draft), "2024S1"]
    done = subprocess.run(
        [*command, "--config", str(CONFIG_DIR), "--warehouse", example.url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "chitieu: bao-cao.docx: bản thảo dài hơn mọi báo cáo (hơn 200.000 đoạn văn) / longer "
        "than any report draft (more than 200,000 paragraphs)\n"
    )


def test_a_draft_with_tracked_changes_is_refused_by_the_command(
    example: Example, tmp_path: Path
) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    path = word_draft(tmp_path / "bao-cao.docx")
    document = docx.Document(path)
    run_element = document.paragraphs[1].runs[0]._r
    deleted = OxmlElement("w:del", {qn("w:id"): "1", qn("w:author"): "x"})
    run_element.addprevious(deleted)
    document.save(path)
    out = tmp_path / "out.docx"
    result = run(example, str(path), "2024S1", "--annotate", str(out))
    assert isinstance(result.exception, DraftError)
    assert "tracked changes" in str(result.exception)
    assert not out.exists()


def test_a_missing_warehouse_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "khong-co.duckdb"
    result = CliRunner().invoke(
        cli,
        [
            "check-text",
            str(SEED),
            "2024S1",
            "--config",
            str(CONFIG_DIR),
            "--warehouse",
            str(missing),
        ],
    )
    assert isinstance(result.exception, WarehouseError)
    assert "no warehouse at" in str(result.exception)
    assert not missing.exists()


PROBE = """
import json, sys
from chitieu.cli import cli
from chitieu.errors import ChitieuError, DraftError, WarehouseError
seen = {}
for name, args in json.loads(sys.argv[1]).items():
    try:
        cli.main(args, standalone_mode=False)
    except SystemExit:
        pass
    seen[name] = sorted(m for m in ("prefect", "docx", "great_expectations") if m in sys.modules)
print(json.dumps(seen))
"""


def test_it_starts_no_prefect_and_loads_word_only_for_a_word_draft(
    example: Example, tmp_path: Path
) -> None:
    options = ["--config", str(CONFIG_DIR), "--warehouse", example.url, "--revision", "1"]
    commands = {
        "text": ["check-text", str(SEED), "2024S1", *options],
        "word": ["check-text", str(word_draft(tmp_path / "d.docx")), "2024S1", *options],
    }
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(commands)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "53,09 %" in probe.stdout  # it did run
    assert json.loads(probe.stdout.splitlines()[-1]) == {"text": [], "word": ["docx"]}


def test_check_text_has_help() -> None:
    result = CliRunner().invoke(cli, ["check-text", "--help"])
    assert result.exit_code == 0
    assert "--annotate OUT.docx" in result.output
    assert "Exit 0 when every figure matched" in result.output


@pytest.mark.parametrize("fmt", ["md", "docx"])
def test_the_review_report_agrees_with_its_own_revision(
    example: Example, tmp_path: Path, fmt: str
) -> None:
    """The report chitieu writes of the published revision: its annex is a table for each
    commune, under the commune's heading (Markdown) or after a row naming it (Word), and
    each of those figures is judged against the commune's own, not the district's."""
    path = tmp_path / f"bao-cao.{fmt}"
    where = ["--config", str(CONFIG_DIR), "--warehouse", example.url]
    made = CliRunner(env={"CHITIEU_DATA_DIR": str(example.data)}).invoke(
        cli, ["report", "2024S1", "--format", fmt, "-o", str(path), *where]
    )
    assert made.exit_code == 0, made.output
    found = figures(example, str(path), "2024S1")
    assert [f for f in found if f["verdict"] == "disagrees"] == []
    matched = [f for f in found if f["indicator_code"]]
    by_unit = {f["org_unit_code"] for f in matched}
    assert {"834", CORRECTED_UNIT} < by_unit
    commune = next(
        f for f in matched if (f["org_unit_code"], f["indicator_code"]) == (CORRECTED_UNIT, "CT01")
    )
    assert commune["published"]["actual"] == 8  # its corrected May: 6 + 2, in revision 2
    assert commune["verdict"] == "agrees"


def test_a_section_of_a_draft_is_checked_against_the_unit_it_names(
    example: Example, tmp_path: Path
) -> None:
    """A commune's part of a district's draft: its figures against the commune's, up to
    the next heading of its level; the command to trace a disagreement names the unit."""
    draft = tmp_path / "du-thao.md"
    draft.write_text(
        "# Sơ kết 6 tháng\n\n"
        "## 1. Kết quả của các xã\n\n"
        "### 1.1. Xã Phong Nẫm\n\n"
        "Xã kết nạp 7/7 đảng viên mới (đạt 100% NQ).\n\n"
        "## 2. Toàn huyện\n\n"
        "Huyện kết nạp 102/130 đảng viên (đạt 78,46% NQ).\n",
        "utf-8",
    )
    commune, district = figures(example, str(draft), "2024S1", "--revision", "1")
    assert (commune["org_unit_code"], commune["indicator_code"]) == (CORRECTED_UNIT, "CT01")
    assert commune["verdict"] == "disagrees"
    assert commune["notes"][0]["en"] == "actual written 7, the revision has 6"
    assert commune["trace"] == f"chitieu trace 2024S1 CT01 --revision 1 --org {CORRECTED_UNIT}"
    assert (district["org_unit_code"], district["verdict"]) == ("834", "agrees")
    result = run(example, str(draft), "2024S1", "--revision", "1")
    row = next(line for line in result.output.splitlines() if "7/7" in line)
    assert f"[{CORRECTED_UNIT}] CT01 Kết nạp đảng viên mới" in row


def test_a_word_heading_or_a_table_row_names_the_unit_of_what_follows(
    example: Example, tmp_path: Path
) -> None:
    """In Word: a paragraph in a heading style naming a commune, up to the next heading
    of its level; in a table, a row of merged cells naming a commune, up to the next."""
    document = docx.Document()
    document.add_heading("Xã Phong Nẫm (28987)", level=2)
    document.add_paragraph("Xã kết nạp 6/7 đảng viên mới (đạt 85,71% NQ).")
    document.add_heading("Toàn huyện", level=2)
    document.add_paragraph("Huyện kết nạp 6/7 đảng viên mới (đạt 85,71% NQ).")
    table = document.add_table(rows=3, cols=5)
    rows = [
        ["STT", "Mã", "Chỉ tiêu", "Kế hoạch năm", "Thực hiện"],
        ["1", "CT01", "Kết nạp đảng viên mới", "7", "6"],
    ]
    for row, cells in zip((table.rows[0], table.rows[2]), rows, strict=True):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    table.cell(1, 0).merge(table.cell(1, 4)).text = "28987 Xã Phong Nẫm"
    path = tmp_path / "du-thao.docx"
    document.save(path)
    found = figures(example, str(path), "2024S1", "--revision", "1")
    units = [(f["org_unit_code"], f["indicator_code"], f["verdict"]) for f in found]
    assert units == [
        (CORRECTED_UNIT, "CT01", "agrees"),
        ("834", "CT01", "disagrees"),  # the district's 102/130, not 6/7
        (CORRECTED_UNIT, "CT01", "agrees"),
    ]


def test_a_heading_naming_the_drafts_own_unit_changes_nothing(
    example: Example, tmp_path: Path
) -> None:
    draft = tmp_path / "xa-phong-nam.md"
    draft.write_text("## 28987 Xã Phong Nẫm\n\nXã đã kết nạp 6/7 đảng viên mới.\n", "utf-8")
    [found] = figures(example, str(draft), "2024S1", "--revision", "1", "--org", CORRECTED_UNIT)
    assert (found["org_unit_code"], found["verdict"]) == (CORRECTED_UNIT, "agrees")
    assert found["trace"] == f"chitieu trace 2024S1 CT01 --revision 1 --org {CORRECTED_UNIT}"
    result = run(example, str(draft), "2024S1", "--revision", "1", "--org", CORRECTED_UNIT)
    assert "[28987]" not in result.output  # the draft's own unit is named once, at the top


def test_a_figure_whose_clause_names_a_commune_is_the_communes(
    example: Example, tmp_path: Path
) -> None:
    """A district's draft quoting a commune in its prose: the figure after "xã Phong Nẫm"
    in its clause is the commune's; the district's own, before it, stays the district's."""
    draft = tmp_path / "du-thao.md"
    draft.write_text(
        "Huyện kết nạp 102/130 đảng viên mới (đạt 78,46% NQ), trong đó xã Phong Nẫm kết nạp "
        "6/7 đảng viên (đạt 85,71% NQ).\n\nXã Phong Nẫm kết nạp 8/7 đảng viên mới.\n",
        "utf-8",
    )
    found = figures(example, str(draft), "2024S1", "--revision", "1")
    verdicts = [(f["org_unit_code"], f["indicator_code"], f["verdict"]) for f in found]
    assert verdicts == [
        ("834", "CT01", "agrees"),
        (CORRECTED_UNIT, "CT01", "agrees"),
        (CORRECTED_UNIT, "CT01", "disagrees"),
    ]
    assert found[2]["notes"][0]["en"] == "actual written 8, the revision has 6"
