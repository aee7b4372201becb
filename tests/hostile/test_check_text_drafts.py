"""`chitieu check-text` on Word drafts a script or a hostile user wrote: markup Word never
writes is read as Word would, or refused in one line; never a crash (exit 70)."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from test_narrative import REVISION

from chitieu.narrative import check_draft, read_draft


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


@pytest.mark.parametrize("span", ["abc", "", "-5", "0", "٣", " 2x"])
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


@pytest.mark.parametrize("level", ["²", "abc", "-1"])
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
