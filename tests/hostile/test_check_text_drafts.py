"""`chitieu check-text` on Word drafts a script or a hostile user wrote: markup Word never
writes is read as Word would, or refused in one line; never a crash (exit 70)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from test_narrative import REVISION

from chitieu.errors import DraftError
from chitieu.narrative import check_draft, read_draft
from chitieu.narrative.annotate import annotated_copy


def table_with_span(path: Path, span: str) -> Path:
    """One row: a cell whose ``w:gridSpan`` says ``span``, then a cell with a figure."""
    document = docx.Document()
    table = document.add_table(rows=1, cols=2)
    first, second = table.rows[0].cells
    first.text = "Việc làm"
    second.text = "Giải quyết việc làm mới cho 1.807/2.800 lao động (đạt hơn 64,5% NQ)."
    grid_span = OxmlElement("w:gridSpan")
    grid_span.set(qn("w:val"), span)
    first._tc.get_or_add_tcPr().append(grid_span)
    document.save(path)
    return path


@pytest.mark.parametrize("span", ["abc", "", "-5", "0", "٣", " 2x", "1_0", "9" * 5000])
def test_a_cell_span_that_is_no_whole_number_counts_one_column(tmp_path: Path, span: str) -> None:
    """``w:gridSpan="abc"`` ended check-text with "unexpected error" (exit 70); "-5"
    counted the next cell's column backwards."""
    draft = read_draft(table_with_span(tmp_path / "bao-cao.docx", span))
    [figure] = check_draft(draft, REVISION).figures
    assert figure.where == "bảng / table 1, hàng / row 1, cột / column 2"
    assert figure.indicator is not None
    assert figure.indicator.code == "CT20"


def test_a_cell_spanning_columns_moves_the_next_one(tmp_path: Path) -> None:
    draft = read_draft(table_with_span(tmp_path / "bao-cao.docx", "3"))
    [figure] = check_draft(draft, REVISION).figures
    assert figure.where == "bảng / table 1, hàng / row 1, cột / column 4"


@pytest.mark.parametrize("level", ["²", "abc", "-1", "9" * 5000])
def test_an_outline_level_that_is_no_number_makes_no_heading(tmp_path: Path, level: str) -> None:
    """``w:outlineLvl="²"``: a digit to ``str.isdigit``, not to ``int`` (exit 70)."""
    document = docx.Document()
    paragraph = document.add_paragraph("Kết nạp 102/130 đảng viên (đạt 78,46% NQ)")
    outline = OxmlElement("w:outlineLvl")
    outline.set(qn("w:val"), level)
    paragraph._p.get_or_add_pPr().append(outline)
    document.save(tmp_path / "bao-cao.docx")
    draft = read_draft(tmp_path / "bao-cao.docx")
    assert [s.heading for s in draft.segments] == [None]
    [figure] = check_draft(draft, REVISION).figures
    assert figure.indicator is not None
    assert figure.indicator.code == "CT01"


def with_comment_id(path: Path, comment_id: str) -> Path:
    """A draft holding one reviewer's comment, its ``w:id`` rewritten to ``comment_id``,
    and a figure that disagrees (100/130 new party members: the revision has 102)."""
    document = docx.Document()
    noted = document.add_paragraph("Báo cáo sơ kết 6 tháng đầu năm 2024")
    document.add_comment(noted.runs, text="Xem lại tiêu đề", author="Tổ tổng hợp")
    document.add_paragraph("Kết nạp 100/130 đảng viên (đạt 76,92% NQ)")
    plain = path.with_suffix(".plain.docx")
    document.save(plain)
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name in ("word/comments.xml", "word/document.xml"):
                data = data.replace(b'w:id="0"', f'w:id="{comment_id}"'.encode())
            target.writestr(name, data)
    return path


def test_an_annotated_copy_numbers_its_comments_after_the_drafts(tmp_path: Path) -> None:
    draft = read_draft(with_comment_id(tmp_path / "bao-cao.docx", "7"))
    content, count = annotated_copy(draft, check_draft(draft, REVISION).figures)
    assert count == 1
    copy = docx.Document(io.BytesIO(content))
    assert sorted(c.comment_id for c in copy.comments) == [7, 8]


@pytest.mark.parametrize("number", ["abc", "--5", "9" * 5000, "99999999999"])
def test_a_comment_id_that_is_no_number_is_refused_not_a_crash(tmp_path: Path, number: str) -> None:
    """python-docx numbers a new comment after the draft's highest id, with ``int()``:
    ``w:id="abc"``, ``"--5"`` or 5,000 digits ended ``check-text --annotate`` in exit 70."""
    draft = read_draft(with_comment_id(tmp_path / "bao-cao.docx", number))
    checked = check_draft(draft, REVISION)  # checking it needs no comment ids
    assert [f.verdict for f in checked.figures] == ["disagrees"]
    with pytest.raises(DraftError, match=r"bao-cao.docx: .* id that is no number \('"):
        annotated_copy(draft, checked.figures)
