"""Build the two default Word templates of the review document with python-docx.

    .venv/bin/python -m chitieu.report.templates.build     # writes party.docx, state.docx

``party.docx``: a party committee's report (Hướng dẫn 36-HD/VPTW, 2018): "ĐẢNG CỘNG SẢN VIỆT
NAM" at the right, the committee at the left with an asterisk below it, "Số 123-BC/HU".
``state.docx``: a people's committee's report (Decree 30/2020/NĐ-CP, Appendix I): the
national name and motto at the right, "Số: 45/BC-UBND". Both: A4, Times New Roman, the
margins and sizes of their format, page numbers at the top from page 2, the revision and
its content hash in the footer of every page.

The templates hold Jinja tags (docxtpl) where the figures go: a data team may restyle
them in Word (fonts, widths, wording, a logo) and save the result as
``report_template.docx`` in its configuration folder. The styles are named ("Nội dung",
"Bảng", "Tiêu đề bảng", "Mục") so that one change in Word restyles every paragraph of a
kind. This script is what makes the files reproducible: rerun it after editing it, and
commit the .docx files it writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docx
from docx.document import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph

HERE = Path(__file__).resolve().parent
FONT = "Times New Roman"
CENTER, LEFT, RIGHT, JUSTIFY = (
    WD_ALIGN_PARAGRAPH.CENTER,
    WD_ALIGN_PARAGRAPH.LEFT,
    WD_ALIGN_PARAGRAPH.RIGHT,
    WD_ALIGN_PARAGRAPH.JUSTIFY,
)
# STT, chỉ tiêu, ĐVT, kế hoạch năm, thực hiện, tỷ lệ %, cùng kỳ, so với cùng kỳ %, đánh giá
INDICATOR_WIDTHS = (10, 0, 13, 14, 14, 17, 14, 14, 17)
"""mm; the indicator's name takes what the text width leaves."""
CELL_MARGIN = 1.0
"""mm each side of a table cell's text (Word's default, 1.9 mm, costs a column)."""
INDICATOR_CELLS = (
    "row.stt", "row.name", "row.unit", "row.target", "row.actual", "row.percent",
    "row.last_actual", "row.change", "row.class",
)  # fmt: skip
QUALITY_WIDTHS = (10, 30, 18, 0, 30)
"""mm: STT, đơn vị, kỳ, cảnh báo (what the text width leaves), vị trí."""
QUALITY_CELLS = ("row.stt", "row.unit", "row.period", "row.message", "row.location")
QUALITY_HEADINGS = ("STT", "Đơn vị", "Kỳ", "Cảnh báo", "Vị trí")
INDICATOR_HEADINGS = (
    "STT", "Chỉ tiêu", "ĐVT", "Kế hoạch năm", "Thực hiện", "Tỷ lệ % kế hoạch",
    "Cùng kỳ năm trước", "So với cùng kỳ %", "Đánh giá",
)  # fmt: skip


@dataclass(frozen=True)
class Format:
    """One format in force: margins (mm) and type sizes (pt) of its parts."""

    name: str
    top: float
    bottom: float
    left: float
    right: float
    body: float
    heading: float
    """"ĐẢNG CỘNG SẢN VIỆT NAM" or "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"."""
    motto: float
    """"Độc lập - Tự do - Hạnh phúc" (state only)."""
    issuer: float
    number: float
    title: float
    """"BÁO CÁO"."""
    recipients_heading: float
    recipients: float
    left_share: float
    """The header block's left column, as a share of the text width."""

    @property
    def text_width(self) -> float:
        return 210 - self.left - self.right


PARTY = Format(
    "party", top=25, bottom=25, left=35, right=15, body=14, heading=15, motto=0, issuer=14,
    number=14, title=16, recipients_heading=14, recipients=12, left_share=0.45,
)  # fmt: skip
"""Hướng dẫn 36-HD/VPTW: title 15 bold, bodies 14, number 14, date 14 italic, "BÁO CÁO"
15-16 bold, text 14-15; "Nơi nhận:" 14 underlined, recipients 12."""
STATE = Format(
    "state", top=20, bottom=20, left=30, right=15, body=14, heading=12, motto=13, issuer=12,
    number=13, title=14, recipients_heading=12, recipients=11, left_share=0.38,
)  # fmt: skip
"""Decree 30/2020/NĐ-CP, Appendix I: national name 12-13 bold, motto 13-14 bold, bodies
12-13, number 13, date 13-14 italic, type name 13-14 bold, text 13-14; "Nơi nhận:" 12
bold italic, recipients 11."""


# ---------------------------------------------------------------- low-level helpers


def _fonts(element: Any) -> None:
    """Times New Roman for every script (Word picks the east-Asian or complex slot for
    some Vietnamese letters otherwise)."""
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), FONT)


def _style(document: Document, name: str, size: float, *, bold: bool = False,
           align: int | None = None, after: float = 0, first_line: float = 0,
           keep_next: bool = False) -> None:  # fmt: skip
    style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = document.styles["Normal"]
    style.font.size = Pt(size)
    style.font.bold = bold
    fmt = style.paragraph_format
    fmt.space_before, fmt.space_after = Pt(0), Pt(after)
    fmt.first_line_indent = Mm(first_line) if first_line else None
    fmt.keep_with_next = keep_next
    if align is not None:
        fmt.alignment = align


def _text(paragraph: Paragraph, text: str, size: float | None = None, *, bold: bool = False,
          italic: bool = False, underline: bool = False) -> Paragraph:  # fmt: skip
    run = paragraph.add_run(text)
    run.bold, run.italic, run.underline = bold or None, italic or None, underline or None
    if size is not None:
        run.font.size = Pt(size)
    return paragraph


def _para(
    container: Document | _Cell,
    text: str = "",
    style: str = "Nội dung",
    size: float | None = None,
    align: int | None = None,
    **kinds: bool,
) -> Paragraph:
    paragraph = container.add_paragraph(style=style)
    if align is not None:
        paragraph.alignment = align
    return _text(paragraph, text, size, **kinds) if text else paragraph


def _rule(
    container: Document | _Cell, length: float, width: float, after: float = 6, gap: float = 2
) -> None:
    """A centred horizontal line ``length`` mm long in a ``width`` mm column: the line
    under a heading, ``gap`` points below it (the bottom border of an empty paragraph
    that high, inset from both sides)."""
    paragraph = container.add_paragraph(style="Nội dung")
    inset = max((width - length) / 2, 0)
    fmt = paragraph.paragraph_format
    fmt.left_indent = fmt.right_indent = Mm(inset)
    fmt.first_line_indent = Mm(0)
    fmt.space_after, fmt.space_before = Pt(after), Pt(0)
    fmt.line_spacing = Pt(gap)
    borders = OxmlElement("w:pBdr")
    line = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", "6"), ("space", "0"), ("color", "000000")):
        line.set(qn(f"w:{key}"), value)
    borders.append(line)
    paragraph._p.get_or_add_pPr().append(borders)


def _widths(table: Table, widths: tuple[float, ...]) -> None:
    """Column widths for Word (each cell) and LibreOffice (the grid)."""
    table.autofit = False
    grid = table._tbl.tblGrid
    for column, width in zip(grid.findall(qn("w:gridCol")), widths, strict=True):
        column.set(qn("w:w"), str(int(Mm(width).twips)))
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=False):
            cell.width = Mm(width)


def _row_flags(row: _Row, *, header: bool = False) -> None:
    """A row never split across pages; a heading row repeated on every page."""
    trpr = row._tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:cantSplit"))
    if header:
        trpr.append(OxmlElement("w:tblHeader"))


def _cell(cell: _Cell, text: str, style: str = "Bảng", align: int | None = None) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.style = style
    if align is not None:
        paragraph.alignment = align
    paragraph.add_run(text)


def _field(paragraph: Paragraph, instruction: str) -> None:
    """A Word field (PAGE): the page number, filled in when the document is laid out."""
    simple = OxmlElement("w:fldSimple")
    simple.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    simple.append(run)
    paragraph._p.append(simple)


# ---------------------------------------------------------------- the document's parts


def _setup(fmt: Format) -> Document:
    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(fmt.body)
    _fonts(normal.element)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    _style(document, "Nội dung", fmt.body, align=JUSTIFY, after=6, first_line=12.7)
    document.styles["Nội dung"].paragraph_format.line_spacing = 1.15
    _style(document, "Mục", fmt.body, bold=True, align=JUSTIFY, after=6, first_line=12.7,
           keep_next=True)  # fmt: skip
    _style(document, "Bảng", 11, after=0)
    _style(document, "Tiêu đề bảng", 11, bold=True, align=CENTER, after=0)
    _style(document, "Bảng nhỏ", 9, align=CENTER, after=0)
    _style(document, "Hình", fmt.body, align=CENTER, after=6)
    _style(document, "Chân trang", 8, align=LEFT)
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(fmt.top), Mm(fmt.bottom)
    section.left_margin, section.right_margin = Mm(fmt.left), Mm(fmt.right)
    section.header_distance = section.footer_distance = Mm(10)
    return document


def _header_block(document: Document, fmt: Format) -> None:
    """The issuing body at the left, "ĐẢNG CỘNG SẢN VIỆT NAM" or the national name and
    motto at the right; the number under the body, the place and date under the right."""
    left = fmt.text_width * fmt.left_share
    right = fmt.text_width - left
    table = document.add_table(rows=2, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _widths(table, (left, right))
    body, nation = table.cell(0, 0), table.cell(0, 1)
    number, date = table.cell(1, 0), table.cell(1, 1)
    for cell in (body, nation, number, date):
        cell.paragraphs[0]._p.getparent().remove(cell.paragraphs[0]._p)
    _para(body, "{%p if doc.parent_body %}", "Normal")
    _para(body, "{{ doc.parent_body }}", "Normal", fmt.issuer, CENTER)
    _para(body, "{%p endif %}", "Normal")
    _para(body, "{{ doc.issuing_body }}", "Normal", fmt.issuer, CENTER, bold=True)
    if fmt.name == "party":
        _para(body, "*", "Normal", fmt.issuer, CENTER)
        _para(nation, "ĐẢNG CỘNG SẢN VIỆT NAM", "Normal", fmt.heading, CENTER, bold=True)
        _rule(nation, 66, right, gap=4)
    else:
        _rule(body, left * 0.4, left, gap=4)
        _para(nation, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Normal", fmt.heading, CENTER,
              bold=True)  # fmt: skip
        _para(nation, "Độc lập - Tự do - Hạnh phúc", "Normal", fmt.motto, CENTER, bold=True)
        _rule(nation, 60, right, gap=4)
    _para(number, "{{ doc.number_line }}", "Normal", fmt.number, CENTER)
    _para(date, "{{ doc.date_line }}", "Normal", fmt.body, CENTER, italic=True)


def _title(document: Document, fmt: Format) -> None:
    _para(document, "", "Normal")
    title = _para(document, "BÁO CÁO", "Normal", fmt.title, CENTER, bold=True)
    title.paragraph_format.space_before = Pt(12)
    _para(document, "{{ doc.subject }}", "Normal", fmt.body, CENTER, bold=True)
    _rule(document, 40, fmt.text_width, after=12, gap=6)


def _cell_margins(table: Table) -> None:
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        node = OxmlElement(f"w:{side}")
        node.set(qn("w:w"), str(int(Mm(CELL_MARGIN).twips)))
        node.set(qn("w:type"), "dxa")
        margins.append(node)
    table._tbl.tblPr.append(margins)


def _indicator_table(container: Document, fmt: Format, loop: str, unit_rows: bool = False) -> None:
    """The nine columns of SPEC §6; ``loop`` names the rows' list; with ``unit_rows``,
    a row naming each unit before its indicators (Phụ lục I)."""
    rows = 5 if unit_rows else 4
    table = container.add_table(rows=rows + (2 if unit_rows else 0), cols=9)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    rest = fmt.text_width - sum(INDICATOR_WIDTHS)
    _widths(table, tuple(w or rest for w in INDICATOR_WIDTHS))
    _cell_margins(table)
    for cell, heading in zip(table.rows[0].cells, INDICATOR_HEADINGS, strict=True):
        _cell(cell, heading, "Tiêu đề bảng")
    _row_flags(table.rows[0], header=True)
    at = 1
    if unit_rows:
        _cell(table.cell(at, 0), "{%tr for unit in annex_units %}")
        at += 1
        merged = table.cell(at, 0).merge(table.cell(at, 8))
        _cell(merged, "{{ unit.code }} {{ unit.name }}", "Tiêu đề bảng", LEFT)
        at += 1
        loop = "unit.rows"
    _cell(table.cell(at, 0), f"{{%tr for row in {loop} %}}")
    for column, name in enumerate(INDICATOR_CELLS):
        align = CENTER if column in (0, 2) else (LEFT if column in (1, 8) else RIGHT)
        _cell(table.cell(at + 1, column), f"{{{{ {name} }}}}", align=align)
    _row_flags(table.rows[at + 1])
    _cell(table.cell(at + 2, 0), "{%tr endfor %}")
    if unit_rows:
        _cell(table.cell(at + 3, 0), "{%tr endfor %}")


def _quality(document: Document, fmt: Format) -> None:
    """Section IV, the quality section (issue 14), printed only when the report has one
    (``quality.shown``): its lines, the gate's warnings and the first warnings of the
    reports used; a template without it prints none of it."""
    _para(document, "{%p if quality.shown %}", "Normal")
    _para(document, "IV. CHẤT LƯỢNG DỮ LIỆU", "Mục")
    _para(document, "{%p for line in quality.lines %}", "Normal")
    _para(document, "{{ line }}")
    _para(document, "{%p endfor %}", "Normal")
    _para(document, "{%p for line in quality.gate %}", "Normal")
    _para(document, "- {{ line }}")
    _para(document, "{%p endfor %}", "Normal")
    _para(document, "{%p if quality.rows %}", "Normal")
    table = document.add_table(rows=4, cols=len(QUALITY_CELLS))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    rest = fmt.text_width - sum(QUALITY_WIDTHS)
    _widths(table, tuple(w or rest for w in QUALITY_WIDTHS))
    _cell_margins(table)
    for cell, heading in zip(table.rows[0].cells, QUALITY_HEADINGS, strict=True):
        _cell(cell, heading, "Tiêu đề bảng")
    _row_flags(table.rows[0], header=True)
    _cell(table.cell(1, 0), "{%tr for row in quality.rows %}")
    for column, name in enumerate(QUALITY_CELLS):
        align = CENTER if column in (0, 2) else LEFT
        _cell(table.cell(2, column), f"{{{{ {name} }}}}", "Bảng nhỏ", align)
    _row_flags(table.rows[2])
    _cell(table.cell(3, 0), "{%tr endfor %}")
    _para(document, "{%p endif %}", "Normal")
    _para(document, "{%p if quality.more %}", "Normal")
    _para(document, "{{ quality.more }}", "Nội dung", 11, italic=True)
    _para(document, "{%p endif %}", "Normal")
    _para(document, "{%p endif %}", "Normal")


def _body(document: Document, fmt: Format) -> None:
    _para(
        document,
        "Kết quả thực hiện các chỉ tiêu {{ review.resolution }}, kỳ {{ review.code }} "
        "({{ review.span }}), theo số liệu bản công bố số {{ revision }} ngày "
        "{{ published }}, như sau:",
    )
    _para(document, "I. KẾT QUẢ CHUNG", "Mục")
    _para(document, "Trong tổng số {{ total }} chỉ tiêu: {{ summary }}.")
    _para(document, "{{ charts.classes }}", "Hình")
    _para(document, "II. KẾT QUẢ THỰC HIỆN TỪNG CHỈ TIÊU", "Mục")
    _para(document, "{%p for group in groups %}", "Normal")
    _para(document, "{{ group.number }}. {{ group.name }}", "Mục")
    _indicator_table(document, fmt, "group.rows")
    _para(document, "", "Normal")
    _para(document, "{%p endfor %}", "Normal")
    _para(document, "{{ charts.bands }}", "Hình")
    _para(document, "III. TÌNH HÌNH GỬI BÁO CÁO", "Mục")
    _para(
        document,
        "Mức đầy đủ báo cáo của các đơn vị: {{ completeness_line }}; chi tiết tại Phụ lục II.",
    )
    _quality(document, fmt)
    closing = _para(document, "Trên đây là báo cáo {{ doc.subject_sentence }}./.")
    closing.paragraph_format.keep_with_next = True


def _signature(document: Document, fmt: Format) -> None:
    """ "Nơi nhận:" at the left, the authority, title and name at the right, kept on the
    page of the closing paragraph (a page holding only a signature is refused)."""
    _para(document, "", "Normal").paragraph_format.keep_with_next = True
    left = fmt.text_width * 0.45
    table = document.add_table(rows=1, cols=2)
    _widths(table, (left, fmt.text_width - left))
    recipients, signer = table.cell(0, 0), table.cell(0, 1)
    for cell in (recipients, signer):
        cell.paragraphs[0]._p.getparent().remove(cell.paragraphs[0]._p)
    if fmt.name == "party":
        _para(recipients, "Nơi nhận:", "Normal", fmt.recipients_heading, underline=True)
    else:
        _para(recipients, "Nơi nhận:", "Normal", fmt.recipients_heading, bold=True, italic=True)
    _para(recipients, "{%p for line in recipients %}", "Normal")
    _para(recipients, "{{ line }}", "Normal", fmt.recipients)
    _para(recipients, "{%p endfor %}", "Normal")
    _para(signer, "{%p if signature.on_behalf %}", "Normal")
    _para(signer, "{{ signature.on_behalf }}", "Normal", fmt.body, CENTER, bold=True)
    _para(signer, "{%p endif %}", "Normal")
    _para(signer, "{{ signature.title }}", "Normal", fmt.body, CENTER, bold=True)
    for _ in range(4):  # room for the signature and the seal
        _para(signer, "", "Normal")
    _para(signer, "{{ signature.name }}", "Normal", fmt.body, CENTER, bold=True)


def _annex_heading(document: Document, fmt: Format, number: str, title: str, width: float) -> None:
    _para(document, f"PHỤ LỤC {number}", "Normal", fmt.body, CENTER, bold=True)
    _para(document, title, "Normal", fmt.body, CENTER, bold=True)
    _para(document, "(Kèm theo {{ doc.reference }})", "Normal", fmt.body, CENTER, italic=True)
    _rule(document, 40, width, after=12, gap=6)


def _annexes(document: Document, fmt: Format) -> None:
    document.add_section(WD_SECTION.NEW_PAGE)
    _annex_heading(
        document, fmt, "I", "KẾT QUẢ THỰC HIỆN CHỈ TIÊU CỦA CÁC ĐƠN VỊ TRỰC THUỘC", fmt.text_width
    )
    _indicator_table(document, fmt, "", unit_rows=True)
    _para(document, "{%p if untargeted %}", "Normal")
    _para(document, "{{ untargeted }}").paragraph_format.space_before = Pt(6)
    _para(document, "{%p endif %}", "Normal")

    landscape = document.add_section(WD_SECTION.NEW_PAGE)
    landscape.orientation = WD_ORIENT.LANDSCAPE
    landscape.page_width, landscape.page_height = Mm(297), Mm(210)
    width = 297 - fmt.left - fmt.right
    _annex_heading(document, fmt, "II", "TÌNH HÌNH GỬI BÁO CÁO CỦA CÁC ĐƠN VỊ", width)
    table = document.add_table(rows=4, cols=5)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _widths(table, (48, 2, (width - 48 - 34) / 12, 2, 30))  # twelve months fit
    _cell_margins(table)
    for column, text in enumerate(
        ("Đơn vị", "{%tc for month in months %}", "{{ month }}", "{%tc endfor %}", "Cả kỳ")
    ):
        _cell(table.cell(0, column), text, "Tiêu đề bảng")
    _row_flags(table.rows[0], header=True)
    _cell(table.cell(1, 0), "{%tr for unit in completeness %}")
    for column, text in enumerate(
        ("{{ unit.name }}", "{%tc for cell in unit.cells %}", "{{ cell }}", "{%tc endfor %}",
         "{{ unit.total }}")
    ):  # fmt: skip
        _cell(table.cell(2, column), text, "Bảng nhỏ", LEFT if column == 0 else CENTER)
    _row_flags(table.rows[2])
    _cell(table.cell(3, 0), "{%tr endfor %}")
    _para(document, "{{ completeness_note }}", "Nội dung", 11, italic=True)
    _para(document, "{{ charts.completeness }}", "Hình")


def _margins_and_footers(document: Document, fmt: Format) -> None:
    """Page numbers at the top centre from page 2 (Decree 30: not on the first page);
    the revision and its content hash at the foot of every page."""
    first = document.sections[0]
    first.different_first_page_header_footer = True
    number = first.header.paragraphs[0]
    number.alignment = CENTER
    _field(number, "PAGE")
    source = "Số liệu: {{ source_line }}; mã băm nội dung (SHA-256): {{ content_sha256 }}"
    for footer in (first.footer, first.first_page_footer):
        paragraph = footer.paragraphs[0]
        paragraph.style = "Chân trang"
        paragraph.add_run(source)
    for section in document.sections[1:]:
        section.top_margin, section.bottom_margin = first.top_margin, first.bottom_margin
        section.left_margin, section.right_margin = first.left_margin, first.right_margin
        section.header_distance = section.footer_distance = Mm(10)


def build(fmt: Format) -> Document:
    document = _setup(fmt)
    _header_block(document, fmt)
    _title(document, fmt)
    _body(document, fmt)
    _signature(document, fmt)
    _annexes(document, fmt)
    _margins_and_footers(document, fmt)
    document.core_properties.title = "{{ doc.subject }}"
    document.core_properties.author = "{{ doc.issuing_body }}"
    return document


def write(folder: Path = HERE) -> list[Path]:
    written = []
    for fmt in (PARTY, STATE):
        path = folder / f"{fmt.name}.docx"
        build(fmt).save(str(path))
        written.append(path)
    return written


if __name__ == "__main__":
    for written in write():
        print(written)
