"""The review report's quality section (SPEC §7, issue 14): the warnings of the reports a
revision used and the quality gate's warnings, in every format. The example's year used
four values far from their units' history (Phong Nẫm's 3.500 households among them); its
six-month review used none. A team's template made before the section still works."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import openpyxl
import polars as pl
import pytest
from click.testing import CliRunner
from docx.document import Document
from example_fixtures import CONFIG_DIR, Example, example_fixture  # noqa: F401

from chitieu.cli import cli
from chitieu.quality.checks import CheckOutcome
from chitieu.quality.warnings import QualitySection, quality_section
from chitieu.report import ReportModel, build_report
from chitieu.report.html import render_html
from chitieu.report.json_ import render_json
from chitieu.report.markdown import render_markdown
from chitieu.report.output import write_report
from chitieu.report.quality import HASHED_RECORDS_NOTE
from chitieu.report.templates import build
from chitieu.warehouse import open_warehouse

HOUSEHOLDS_VI = (
    "| 28987 Xã Phong Nẫm | T9/2024 | TONG\\_SO\\_HO \\(Tổng số hộ dân cư cuối kỳ\\) | 3.500 "
    "| Giá trị 3.500 của chỉ tiêu TONG\\_SO\\_HO \\(Tổng số hộ dân cư cuối kỳ\\) khác xa các kỳ "
    "trước của đơn vị: tháng trước 3.056; trung vị 8 tháng 3.054,5. Kiểm tra lại số liệu; "
    "nếu đúng, ghi lý do vào cột ghi chú. | 28987\\_2024M09.csv, dòng 20 |"
)
COUNTS_VI = (
    "Các báo cáo đã dùng có 4 cảnh báo (4 giá trị khác xa các kỳ trước của đơn vị); "
    "kiểm tra chất lượng của bản công bố không có cảnh báo nào."
)
NO_WARNINGS_VI = "Không có cảnh báo nào về chất lượng dữ liệu."


def report(example: Example, period: str, *options: str) -> str:
    result = CliRunner(env={"CHITIEU_DATA_DIR": str(example.data)}).invoke(
        cli, ["report", period, *options, "--config", str(CONFIG_DIR), "--warehouse", example.url]
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def paragraphs(document: Document) -> list[str]:
    """Every paragraph's text, in the body and in its tables' cells, in order."""
    qn = docx.oxml.ns.qn
    return [
        "".join(t.text or "" for t in p.iter(qn("w:t"))).replace("\u00a0", " ")
        for p in document.element.body.iter(qn("w:p"))
    ]


def quality_table(document: Document) -> list[list[str]] | None:
    for table in document.tables:
        rows = [[cell.text for cell in row.cells] for row in table.rows]
        if rows and rows[0] == ["STT", "Đơn vị", "Kỳ", "Cảnh báo", "Vị trí"]:
            return rows
    return None


def test_the_markdown_report_lists_the_warnings_of_the_reports_used(example: Example) -> None:
    text = report(example, "2024")
    section = text[text.index("## Chất lượng dữ liệu") : text.index("## Phụ lục I")]
    assert COUNTS_VI in section
    assert "### Cảnh báo trong các báo cáo đã dùng" in section
    assert "| Đơn vị | Kỳ | Phần tử | Giá trị | Cảnh báo | Vị trí |" in section
    assert HOUSEHOLDS_VI in section
    rows = [line for line in section.splitlines() if "/2024 |" in line]
    assert [row.split(" | ")[0] for row in rows] == ["| 28984 Thị trấn Giồng Trôm",
        "| 28987 Xã Phong Nẫm", "| 28999 Xã Lương Hòa", "| 29026 Xã Long Mỹ"]  # fmt: skip
    assert "### Cảnh báo của kiểm tra chất lượng" not in section  # the gate found none
    english = report(example, "2024", "--lang", "en")
    part = english[english.index("## Data quality") : english.index("## Annex I")]
    assert (
        "| 28987 Xã Phong Nẫm | 09/2024 | TONG\\_SO\\_HO \\(Tổng số hộ dân cư cuối kỳ\\) | 3,500 "
        "| value 3,500 of TONG\\_SO\\_HO \\(Households at period end\\) is far from the unit's "
        "earlier periods: previous month 3,056; median of 8 months 3,054.5"
    ) in part
    assert "| 28987\\_2024M09.csv, line 20 |" in part


def test_a_review_without_warnings_says_so_in_one_line(example: Example) -> None:
    """The one line, then where the warnings of the reports used are read from (the
    intake's records, which the revision's records hash covers)."""
    text = report(example, "2024S1")
    section = text[text.index("## Chất lượng dữ liệu") : text.index("## Phụ lục I")]
    assert section.strip().splitlines() == [
        "## Chất lượng dữ liệu",
        "",
        NO_WARNINGS_VI,
        HASHED_RECORDS_NOTE["vi"],
    ]
    quality = json.loads(report(example, "2024S1", "--format", "json"))["quality"]
    assert (quality["total"], quality["warnings"], quality["gate"]) == (0, [], [])
    assert "<p>No warnings.</p>" in report(example, "2024S1", "--format", "html", "--lang", "en")


def test_json_carries_every_warning_with_its_counts(example: Example) -> None:
    quality = json.loads(report(example, "2024", "--format", "json"))["quality"]
    assert quality["warnings_read"]
    assert quality["checks_kept"]
    assert (quality["total"], quality["counts"], quality["gate"]) == (
        4,
        {"outlier": 4, "gate": 0},
        [],
    )
    households = [w for w in quality["warnings"] if w["element_code"] == "TONG_SO_HO"]
    assert households == [
        {
            "org_unit_code": "28987",
            "name": "Xã Phong Nẫm",
            "period": "2024M09",
            "element_code": "TONG_SO_HO",
            "element": "TONG_SO_HO (Tổng số hộ dân cư cuối kỳ)",
            "value": "3500",
            "check": "outlier",
            "message": households[0]["message"],
            "location": "28987_2024M09.csv, dòng 20",
        }
    ]
    assert "tháng trước 3.056; trung vị 8 tháng 3.054,5" in households[0]["message"]


def test_the_excel_report_has_a_quality_sheet(example: Example, tmp_path: Path) -> None:
    path = tmp_path / "bao-cao.xlsx"
    report(example, "2024", "--format", "xlsx", "-o", str(path))
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames[-1] == "Chất lượng dữ liệu"
    rows = list(workbook["Chất lượng dữ liệu"].iter_rows(values_only=True))
    assert rows[0][0] == "Chất lượng dữ liệu"
    assert rows[1][0] == COUNTS_VI
    heading = rows.index(
        ("Mã đơn vị", "Tên đơn vị", "Kỳ", "Phần tử", "Giá trị", "Kiểm tra", "Cảnh báo", "Vị trí")
    )
    warnings = rows[heading + 1 :]
    assert len(warnings) == 4
    households = next(row for row in warnings if row[0] == "28987")
    assert households[:6] == (
        "28987",
        "Xã Phong Nẫm",
        "2024M09",
        "TONG_SO_HO (Tổng số hộ dân cư cuối kỳ)",
        3500,  # a number, as Excel sums it
        "outlier",
    )
    assert households[7] == "28987_2024M09.csv, dòng 20"
    sheet = workbook["Chất lượng dữ liệu"]
    assert sheet.print_title_rows == f"${heading + 1}:${heading + 1}"  # repeated on each page


def test_the_review_document_has_a_short_quality_section(example: Example, tmp_path: Path) -> None:
    path = tmp_path / "bao-cao.docx"
    report(example, "2024", "--format", "docx", "-o", str(path))
    document = docx.Document(str(path))
    lines = paragraphs(document)
    heading = lines.index("IV. CHẤT LƯỢNG DỮ LIỆU")
    assert lines[heading + 1] == COUNTS_VI
    assert lines.index("III. TÌNH HÌNH GỬI BÁO CÁO") < heading
    assert heading < next(n for n, line in enumerate(lines) if line.startswith("Trên đây là"))
    table = quality_table(document)
    assert table is not None
    assert len(table) == 1 + 4
    households = next(row for row in table if row[1] == "28987 Xã Phong Nẫm")
    assert households[2] == "T9/2024"
    assert "tháng trước 3.056; trung vị 8 tháng 3.054,5" in households[3]
    assert households[4] == "28987_2024M09.csv, dòng 20"
    assert not any("cảnh báo khác" in line for line in lines)

    none = tmp_path / "bao-cao-6-thang.docx"
    report(example, "2024S1", "--format", "docx", "-o", str(none))
    quiet = docx.Document(str(none))
    lines = paragraphs(quiet)
    assert lines[lines.index("IV. CHẤT LƯỢNG DỮ LIỆU") + 1] == NO_WARNINGS_VI
    assert quality_table(quiet) is None


def test_a_template_made_before_the_quality_section_still_works(
    example: Example, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A team's report_template.docx restyled from the previous default (no ``quality``
    placeholder): the document is written, without the section."""
    config = tmp_path / "config"
    config.mkdir()
    for source in CONFIG_DIR.iterdir():
        (config / source.name).write_bytes(source.read_bytes())
    with monkeypatch.context() as patch:
        patch.setattr(build, "_quality", lambda document, fmt: None)
        build.build(build.PARTY).save(str(config / "report_template.docx"))
    path = tmp_path / "bao-cao.docx"
    result = CliRunner(env={"CHITIEU_DATA_DIR": str(example.data)}).invoke(
        cli,
        ["report", "2024", "--format", "docx", "-o", str(path), "--config", str(config),
         "--warehouse", example.url],
    )  # fmt: skip
    assert result.exit_code == 0, result.output + repr(result.exception)
    lines = paragraphs(docx.Document(str(path)))
    assert "I. KẾT QUẢ CHUNG" in lines
    assert not any("CHẤT LƯỢNG" in line or "cảnh báo" in line for line in lines)


# ---------------------------------------------------------------- built from a section


def section_of(
    example: Example, copies: int = 1, gate: list[CheckOutcome] | None = None
) -> QualitySection:
    """The year's warnings, ``copies`` times over, with ``gate`` as the gate's warnings."""
    with open_warehouse(example.url) as wh:
        year = wh.snapshot("2024", "834", elements=False)
        warned = wh.input_warnings(year.snapshot_id)
    section = quality_section(pl.concat([warned] * copies), None, example.config.org_units)
    return QualitySection(section.submission_warnings, gate or [], checks_kept=True)


def model_of(example: Example, section: QualitySection, lang: str = "vi") -> ReportModel:
    with open_warehouse(example.url) as wh:
        year = wh.snapshot("2024", "834", elements=False)
    return build_report(example.config, year.header, year.indicators, lang, quality=section)


def test_beyond_the_first_rows_the_report_says_how_many_more(
    example: Example, tmp_path: Path
) -> None:
    model = model_of(example, section_of(example, copies=6))  # 24 warnings
    text = render_markdown(model)
    assert "Các báo cáo đã dùng có 24 cảnh báo (24 giá trị khác xa" in text
    assert text.count("khác xa các kỳ trước của đơn vị: tháng trước") == 20
    assert "… và 4 cảnh báo khác (danh sách đầy đủ trong báo cáo Excel)." in text
    assert "… và 4 cảnh báo khác" in render_html(model)
    assert len(json.loads(render_json(model))["quality"]["warnings"]) == 24  # every one
    path = write_report(model, "docx", tmp_path / "bao-cao.docx")
    document = docx.Document(str(path))
    assert len(quality_table(document) or []) == 1 + 5
    assert "… và 19 cảnh báo khác (danh sách đầy đủ trong báo cáo Excel)." in paragraphs(document)


def test_the_gates_warnings_are_named_with_what_failed(example: Example, tmp_path: Path) -> None:
    broken = CheckOutcome(
        "warning_rules_hold", "warning", False, "R04 28987: AN_KHAM_PHA 12 > AN_HINH_SU <b>10</b>"
    )
    model = model_of(example, section_of(example, gate=[broken]))
    text = render_markdown(model)
    assert "kiểm tra chất lượng của bản công bố có 1 cảnh báo." in text
    assert "### Cảnh báo của kiểm tra chất lượng bản công bố" in text
    assert (
        "| Quy tắc giữa các phần tử \\(mức cảnh báo\\) không thỏa \\(warning\\_rules\\_hold\\) "
        "| R04 28987: AN\\_KHAM\\_PHA 12 &gt; AN\\_HINH\\_SU &lt;b&gt;10&lt;/b&gt; |"
    ) in text
    page = render_html(model)
    assert "AN_HINH_SU &lt;b&gt;10&lt;/b&gt;" in page
    assert "<b>10" not in page
    assert json.loads(render_json(model))["quality"]["gate"] == [
        {
            "check": "warning_rules_hold",
            "label": "Quy tắc giữa các phần tử (mức cảnh báo) không thỏa",
            "detail": "R04 28987: AN_KHAM_PHA 12 > AN_HINH_SU <b>10</b>",
        }
    ]
    english = render_markdown(model_of(example, section_of(example, gate=[broken]), "en"))
    assert "; the quality gate found 1 on the revision." in english
    path = write_report(model, "docx", tmp_path / "bao-cao.docx")
    assert (
        "- Quy tắc giữa các phần tử (mức cảnh báo) không thỏa (warning_rules_hold): "
        "R04 28987: AN_KHAM_PHA 12 > AN_HINH_SU <b>10</b>"
    ) in paragraphs(docx.Document(str(path)))


def test_what_could_not_be_read_is_said(example: Example) -> None:
    """The gate's result not kept beside this warehouse; a role that may not read the
    warnings (an auditor's granted before them): said, never taken for "no warnings"."""
    empty = quality_section(
        section_of(example).submission_warnings.clear(), None, example.config.org_units
    )
    text = render_markdown(model_of(example, empty))
    assert (
        "Kết quả kiểm tra chất lượng của bản công bố này không được lưu ở đây.\n"
        "Không có cảnh báo nào khác."
    ) in text
    assert NO_WARNINGS_VI not in text
    unread = QualitySection(empty.submission_warnings, [], checks_kept=True, warnings_read=False)
    text = render_markdown(model_of(example, unread))
    assert (
        "Vai trò này không được đọc cảnh báo của các báo cáo đã dùng (cấp lại quyền: "
        "chitieu warehouse grant-auditor)."
    ) in text
    assert json.loads(render_json(model_of(example, unread)))["quality"]["warnings_read"] is False


def test_a_report_built_without_the_section_prints_none(example: Example) -> None:
    with open_warehouse(example.url) as wh:
        year = wh.snapshot("2024", "834", elements=False)
    model = build_report(example.config, year.header, year.indicators)
    assert "Chất lượng dữ liệu" not in render_markdown(model)
    assert json.loads(render_json(model))["quality"] is None
