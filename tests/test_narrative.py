"""check-text's pure functions on short drafts, one per form a report writes a figure in,
against a hand-made revision holding the article's figures (no warehouse here: the
command on the example's warehouse is tests/test_check_text_cli.py)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from chitieu.errors import DraftError
from chitieu.narrative import check_draft, read_draft
from chitieu.narrative.draft import read_text
from chitieu.narrative.figures import ABOUT, ABOVE, BELOW, EXACT, Percent
from chitieu.narrative.numbers import detect_lang, parse_number
from chitieu.narrative.revision import Published, RevisionFigures
from chitieu.narrative.verdicts import FigureCheck, judge
from chitieu.rollup.summary import ClassCounts


def published(
    code: str, name: str, actual: float, target: float, unit: str = "", name_en: str = ""
) -> Published:
    percent = round(actual / target * 100, 2)
    klass = "exceeded" if percent >= 100 else "on_track"
    return Published(code, name, name_en, unit, "increase", actual, target, percent, klass)


INDICATORS = (
    published("CT01", "Kết nạp đảng viên mới", 102, 130, "đảng viên", "New party members"),
    published("CT02", "Chi bộ ấp, khu phố đạt trong sạch, vững mạnh toàn diện", 23, 15),
    published(
        "CT05",
        "Giá trị sản xuất công nghiệp - tiểu thủ công nghiệp",
        1752,
        3300,
        "tỷ đồng",
        "Industrial and handicraft production value",
    ),
    published("CT15", "Xã đạt chuẩn nông thôn mới", 12, 20, "xã"),
    published("CT16", "Xã đạt chuẩn nông thôn mới nâng cao", 3, 5, "xã"),
    published("CT20", "Giải quyết việc làm mới", 1807, 2800, "lao động", "New jobs"),
    published("CT24", "Xây dựng, bàn giao nhà tình nghĩa", 42, 30, "căn"),
    published("CT28", "Tỷ lệ dân số tham gia bảo hiểm y tế", 92.04, 94.5, "%"),
    published("CT30", "Trường đạt chuẩn quốc gia (công nhận mới)", 3, 5, "trường"),
)
COUNTS = ClassCounts(
    total=31,
    exceeded=2,
    basically_achieved=4,
    on_track=15,
    below_half=7,
    not_started=2,
    year_end=3,
    no_target=0,
)
REVISION = RevisionFigures(
    review_period="2024S1",
    root_org_unit="834",
    org_unit_code="834",
    revision=1,
    status="published",
    created_at=dt.datetime(2024, 6, 17, tzinfo=dt.UTC),
    content_sha256="0" * 64,
    resolution_org_unit="834",
    indicators=INDICATORS,
    counts=COUNTS,
    on_track=50.0,
)


def check(text: str) -> list[FigureCheck]:
    return list(check_draft(read_text("draft.txt", text.encode()), REVISION).figures)


def verdicts(text: str) -> list[tuple[str, str]]:
    """(indicator code, or class of a class count, or "-"; verdict) per figure."""
    return [
        ((f.indicator.code if f.indicator else f.figure.class_name) or "-", f.verdict)
        for f in check(text)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "huyện đã kết nạp 102/130 đảng viên (đạt 78,46% NQ).",
            [("CT01", "agrees")],
            id="pair-with-percent",
        ),
        pytest.param(
            "Cho chủ trương công nhận 23/15 chi bộ ấp, khu phố đạt trong sạch, vững mạnh toàn "
            "diện (đạt 153,33% NQ)…",
            [("CT02", "agrees")],
            id="pair-above-100",
        ),
        pytest.param(
            "giải quyết việc làm mới cho 1.807/2.800 lao động (đạt hơn 64,5% NQ)",
            [("CT20", "agrees_as_written")],
            id="thousands-and-hon",
        ),
        pytest.param(
            "Đã bàn giao 135/50 căn nhà tình thương (đạt 270% kế hoạch)",
            [("-", "not_matched")],
            id="plan-figure-of-no-indicator",
        ),
        pytest.param(
            "Đến nay, toàn huyện có 12/20 xã đạt chuẩn NTM (các xã còn lại đạt từ 12 tiêu chí).",
            [("CT15", "agrees")],
            id="pair-without-percent",
        ),
        pytest.param(
            "42/30 căn nhà tình nghĩa (đạt 140% NQ)", [("CT24", "agrees")], id="no-words-before"
        ),
        pytest.param("thực hiện vượt 2/31 chỉ tiêu (CT)", [("exceeded", "agrees")], id="vuot"),
        pytest.param("cơ bản đạt 4/31 CT", [("basically_achieved", "agrees")], id="co-ban-dat"),
        pytest.param("15/31 CT đạt từ 50% trở lên", [("on_track", "agrees")], id="from-50-up"),
        pytest.param(
            "7/31 CT đạt dưới 50%, trong đó có 2 CT chưa thực hiện",
            [("below_half", "agrees")],
            id="below-50-of-which-not-started",
        ),
        pytest.param(
            "3/31 CT đánh giá vào cuối năm", [("year_end", "agrees")], id="judged-at-year-end"
        ),
        pytest.param(
            "Kết nạp đảng viên mới đạt gần 78,5% NQ; giải quyết việc làm mới đạt trên 64,5% NQ; "
            "kết nạp đảng viên mới đạt khoảng 78% NQ.",
            [("CT01", "agrees_as_written")] * 1
            + [("CT20", "agrees_as_written"), ("CT01", "agrees_as_written")],
            id="percent-alone-gan-tren-khoang",
        ),
        pytest.param(
            "Tỷ lệ dân số tham gia bảo hiểm y tế đạt 92,04%.",
            [("CT28", "agrees")],
            id="a-rate-is-its-own-value",
        ),
        pytest.param(
            "In six months the district admitted 102/130 new party members (78.46% of the "
            "target) and exceeded 2/31 indicators; 7/31 below 50%, of which 2 not started.",
            [("CT01", "agrees"), ("exceeded", "agrees"), ("below_half", "agrees")],
            id="english",
        ),
    ],
)
def test_each_form_is_found_matched_and_judged(text: str, expected: list[tuple[str, str]]) -> None:
    assert verdicts(text) == expected


def test_the_articles_slip_is_understated_by_0_89_points() -> None:
    [found] = check(
        "Giá trị sản xuất ước đạt 1.752/3.300 tỷ đồng, đạt hơn 52,2% NQ (tăng 15% so với cùng kỳ)."
    )
    assert (found.indicator and found.indicator.code, found.verdict) == ("CT05", "disagrees")
    assert found.difference is not None
    assert round(found.difference, 2) == Decimal("0.89")
    [note] = found.notes
    assert note.vi == "“hơn 52,2%” thấp hơn giá trị 53,09 % 0,89 điểm phần trăm"
    assert note.en == "“hơn 52,2%” understates 53,09 % by 0,89 points"
    assert found.trace == "chitieu trace 2024S1 CT05 --revision 1"
    assert found.published == "1.752/3.300 = 53,09 %"
    assert found.figure.quoted == "1.752/3.300 tỷ đồng, đạt hơn 52,2% NQ"


@pytest.mark.parametrize(
    ("qualifier", "stated", "value", "agrees"),
    [
        (ABOVE, "64,5", "64.5357", True),  # hơn 64,5 % for 64,54 %
        (ABOVE, "52,2", "53.0909", False),  # above, but not at the precision written
        (ABOVE, "60", "60", False),  # exactly, not more
        (ABOVE, "53,1", "53.0909", False),  # rounds to it, but is not above it
        (BELOW, "78,5", "78.4615", True),  # gần 78,5 %
        (BELOW, "65", "64.5357", True),
        (BELOW, "64,6", "64.5357", False),  # below it, but 64,5 at one decimal
        (BELOW, "53,1", "53.0909", True),
        (BELOW, "78,4", "78.4615", False),
        (ABOUT, "78", "78.4615", True),
        (ABOUT, "79", "78.4615", False),
        (EXACT, "78,46", "78.4615", True),
        (EXACT, "78,5", "78.4615", True),  # at the one decimal written
        (EXACT, "78,47", "78.4615", False),
        (EXACT, "153,33", "153.3333", True),
        (EXACT, "0,5", "0.45", True),  # half away from zero, as SPEC §3.5 rounds
    ],
)
def test_a_percent_is_read_at_the_precision_written(
    qualifier: str, stated: str, value: str, agrees: bool
) -> None:
    percent = Percent(parse_number(stated, "vi"), qualifier, True, 0, 0)
    assert judge(percent, Decimal(value)).agrees is agrees


def test_numbers_are_read_the_way_the_draft_writes_them() -> None:
    assert parse_number("1.752", "vi").value == 1752
    assert parse_number("12.345,6", "vi").value == Decimal("12345.6")
    assert parse_number("78,46", "vi").decimals == 2
    assert parse_number("1,752", "en").value == 1752
    assert parse_number("78.46", "en").value == Decimal("78.46")
    assert (
        detect_lang(
            Path(__file__)
            .with_name("data")
            .joinpath("narrative", "seed-article-vi.txt")
            .read_text("utf-8")
        )
        == "vi"
    )
    assert detect_lang("The district of Giồng Trôm admitted 102/130 new members.") == "en"


def test_a_percent_of_change_a_date_and_a_threshold_are_not_figures() -> None:
    text = (
        "Ngày 17/06/2024, huyện họp sơ kết; lễ kỷ niệm ngày 27/7 và tháng 06/2024. Doanh thu "
        "tăng hơn 15% so với cùng kỳ, giảm 2% còn lại. Phấn đấu 50% xã đạt chuẩn."
    )
    assert check(text) == []


LONG = "1" + "0" * 40  # 41 digits
TINY = "0," + "0" * 40 + "1"  # 41 decimals


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            f"Kết nạp đảng viên mới đạt 1{'0' * 28},5% NQ", [], id="a-percent-of-30-digits"
        ),
        pytest.param(
            f"Kết nạp {LONG}/130 đảng viên mới (đạt 78,46% NQ)",
            [("CT01", "agrees")],  # the percent alone is a figure
            id="a-pair-with-a-long-actual",
        ),
        pytest.param(
            f"kết nạp 102/130 đảng viên (đạt {TINY}% NQ)",
            [("CT01", "agrees")],  # the pair without a percent
            id="a-percent-of-41-decimals",
        ),
        pytest.param(
            f"7/31 CT đạt dưới 50%, trong đó có {LONG} CT chưa thực hiện",
            [("below_half", "agrees")],  # no count of the not started
            id="a-long-count-of-the-not-started",
        ),
        pytest.param(
            "| Mã | Chỉ tiêu | Thực hiện | Kế hoạch năm | Tỷ lệ |\n|---|---|---|---|---|\n"
            f"| CT01 | Kết nạp đảng viên mới | {LONG} | 130 | 78,46 % |\n"
            f"| CT02 | Chi bộ đạt trong sạch | 23 | 15 | 153,{'3' * 40} % |\n",
            [("CT02", "agrees")],  # a row without figures; a row without a percent
            id="long-cells-of-a-markdown-table",
        ),
    ],
)
def test_a_number_no_figure_can_be_is_text(text: str, expected: list[tuple[str, str]]) -> None:
    """More than 15 significant digits or decimals: text, as a date is, not a crash."""
    assert verdicts(text) == expected


def test_a_figure_has_at_most_15_significant_digits_and_15_decimals() -> None:
    said = "Kết nạp đảng viên mới đạt {}% NQ"
    assert verdicts(said.format("78,4615384615385")) == [("CT01", "agrees")]
    assert verdicts(said.format("78,46153846153846")) == []
    [found] = check(said.format("0,000000000000001"))
    assert found.notes[0].en == "“0,000000000000001%” understates 78,46 % by 78,46 points"
    assert verdicts(said.format("0,0000000000000001")) == []
    assert verdicts(said.format("100.000.000.000.000")) == [("CT01", "disagrees")]
    assert verdicts(said.format("1.000.000.000.000.000")) == []


def test_rounding_takes_the_precision_a_value_needs() -> None:
    """A revision's value of many digits at a draft's many decimals: past the default
    context's 28 digits, where ``quantize`` raised."""
    from chitieu.narrative.numbers import round_half_away

    assert round_half_away(Decimal("1E+20"), 15) == Decimal("1E+20")
    assert str(round_half_away(Decimal("12345678901234567890.5"), 12)) == (
        "12345678901234567890.500000000000"
    )
    assert round_half_away(Decimal("2.5"), 0) == 3


def test_two_indicators_with_the_same_numbers_are_told_apart_by_the_words() -> None:
    text = "Có 3/5 xã đạt chuẩn nông thôn mới nâng cao; 3/5 trường đạt chuẩn quốc gia."
    assert verdicts(text) == [("CT16", "agrees"), ("CT30", "agrees")]
    for unclear in ("Đã đạt 3/5.", "Có 3/5 xã, trường đạt chuẩn."):  # no words; both
        [alone] = check(unclear)
        assert alone.verdict == "not_matched"
        assert alone.notes[0].en == "matches several indicators equally: CT16, CT30"


def test_numbers_that_are_not_the_revisions_are_matched_by_words_and_flagged() -> None:
    [found] = check("Huyện kết nạp 100/130 đảng viên mới (đạt 78,46% NQ).")
    assert (found.indicator and found.indicator.code, found.method) == ("CT01", "words")
    assert found.verdict == "disagrees"
    assert [n.en for n in found.notes] == [
        "actual written 100, the revision has 102",
        "“78,46%” is not the ratio 100/130 = 76,92 %",
    ]


def test_class_counts_that_differ_name_the_revisions_count() -> None:
    found = check(
        "Trong đó, thực hiện vượt 3/31 chỉ tiêu (CT); 7/31 CT đạt dưới 50%, trong đó có 3 CT "
        "chưa thực hiện; 3/30 CT đánh giá vào cuối năm."
    )
    assert [f.verdict for f in found] == ["disagrees"] * 3
    assert found[0].notes[0].vi == ("ghi 3/31, bản công bố có 2/31 chỉ tiêu thực hiện vượt")
    assert found[1].notes[0].en == "written 3 not started, the revision has 2"
    assert (
        found[2].notes[0].en == "written 3/30, the revision has 3/31 indicators judged at year end"
    )


def test_an_indicator_table_is_read_row_by_row_by_its_code_column() -> None:
    text = (
        "Kết quả:\n\n"
        "| Mã | Chỉ tiêu | Đơn vị tính | Thực hiện | Kế hoạch năm | Tỷ lệ | Cùng kỳ |\n"
        "|---|---|---|---|---|---|---|\n"
        "| **Xây dựng Đảng** | | | | | | |\n"
        "| CT01 | Kết nạp đảng viên mới | đảng viên | 102 | 130 | 78,46 % | 90 |\n"
        "| CT05 | Giá trị sản xuất | tỷ đồng | 1.752 | 3.300 | 52,20 % | 1.500 |\n"
        "| CT99 | Một chỉ tiêu khác | hộ | 10 | 20 | 50 % | |\n"
    )
    found = check(text)
    assert [(f.line, f.figure.kind, f.method, f.verdict) for f in found] == [
        (6, "row", "code", "agrees"),
        (7, "row", "code", "disagrees"),
        (8, "row", "", "not_matched"),
    ]
    assert found[1].notes[0].en == "“52,20%” understates 53,09 % by 0,89 points"


def test_a_table_without_an_indicator_header_is_prose() -> None:
    text = (
        "| Lĩnh vực | Kết quả |\n|---|---|\n| Đảng | kết nạp 102/130 đảng viên (đạt 78,46% NQ) |\n"
    )
    assert verdicts(text) == [("CT01", "agrees")]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bao-cao.pdf", b"%PDF-1.7", r"not a text or Word draft \(\.pdf\): .*save it as \.docx"),
        ("bao-cao.doc", b"\xd0\xcf\x11\xe0", r"save it as \.docx"),
        ("bao-cao.txt", b"PK\x03\x04\x00\x00binary", r"not a text file \(it holds binary data\)"),
        ("bao-cao.md", b"dong mot\n\xf0\xe3t 78,46%\n", r"dòng / line 2: .*not UTF-8"),
        ("bao-cao.docx", "kết nạp 102/130".encode(), r"cannot read it as a Word document"),
    ],
)
def test_a_file_that_is_not_a_readable_draft_is_refused(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DraftError, match=message):
        read_draft(path)
    with pytest.raises(DraftError, match="no such file"):
        read_draft(tmp_path / "missing.txt")


def test_a_text_draft_of_more_paragraphs_than_any_report_is_refused() -> None:
    """200,001 one-line paragraphs (600 KB): each would be looked at for figures."""
    from chitieu.narrative.draft import MAX_PARAGRAPHS

    with pytest.raises(
        DraftError,
        match=r"^du-thao: bản thảo dài hơn mọi báo cáo \(hơn 200\.000 đoạn văn\) / longer "
        r"than any report draft \(more than 200,000 paragraphs\)$",
    ):
        read_text("du-thao", b"1\n\n" * (MAX_PARAGRAPHS + 1), "md")
    draft = read_text("du-thao", b"\n" * 1_000_000 + b"1\n\n" * MAX_PARAGRAPHS, "md")
    assert (len(draft.segments), draft.segments[0].where.line) == (MAX_PARAGRAPHS, 1_000_001)


def test_a_draft_quoting_more_figures_than_any_report_is_refused() -> None:
    """50,001 percents in 1.9 MB: each would be matched to the indicators' names."""
    with pytest.raises(
        DraftError,
        match=r"^draft.txt: bản thảo có hơn 50\.000 số liệu, nhiều hơn mọi báo cáo / the draft "
        r"quotes more than 50,000 figures, more than any report$",
    ):
        check("Kết nạp đảng viên mới đạt 78,46% NQ; " * 50_001)


def test_a_paragraph_quoting_more_figures_than_any_report_is_refused_from_its_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """600,000 percents on one line (11 MB): refused once its first windows hold more than
    50,000, without reading the rest (finding them all took 15 s and 1.1 GB)."""
    from chitieu.narrative import figures

    read: list[int] = []

    class Finder(figures._Finder):
        def __init__(self, text: str, lang: str, indicator_count: int, half: str) -> None:
            read.append(len(text))
            super().__init__(text, lang, indicator_count, half)

    monkeypatch.setattr(figures, "_Finder", Finder)
    paragraph = "đạt 78,46% NQ; " * 600_000
    with pytest.raises(DraftError, match=r"the draft quotes more than 50,000 figures"):
        check(paragraph)
    assert sum(read) < 1_500_000  # of 9 million characters: 50,000 figures are 750,000


def test_a_long_paragraph_read_a_window_at_a_time_finds_the_same_figures() -> None:
    """A paragraph longer than a window (in NFD, as a Mac saves it: where each figure is
    written is mapped back) finds what reading it whole does, across the windows' edges."""
    from chitieu.narrative import figures

    clauses = (
        "huyện đã kết nạp 102/130 đảng viên (đạt 78,46% NQ); thực hiện vượt 2/31 chỉ tiêu "
        "(CT), 7/31 CT đạt dưới 50%, trong đó có 2 CT chưa thực hiện; giải quyết việc làm mới "
        "đạt hơn 64,5% NQ, tăng 15% so với cùng kỳ, ngày 17/06/2024 có 12/20 xã đạt chuẩn. "
    )
    paragraph = unicodedata.normalize("NFD", clauses * 1_500)  # 3 windows and a bit
    assert len(paragraph) > 3 * figures._WINDOW

    def stated(found: list[figures.Figure]) -> list[figures.Figure]:
        """What each says and where: a percent's own span is in the text it was read in."""
        return [replace(f, percent=f.percent and replace(f.percent, start=0, end=0)) for f in found]

    windowed = figures.find_figures(paragraph, "vi", 31, "50")
    assert stated(windowed) == stated(figures._find(paragraph, "vi", 31, "50"))
    assert len(windowed) == 5 * 1_500
    assert len(figures.find_figures(paragraph, "vi", 31, "50", limit=10)) < 5 * 1_500


@pytest.mark.parametrize(
    ("heading", "unit"),
    [
        ("### 28987 Xã Phong Nẫm", "28987"),
        ("## 2. 28987 - Xã Phong Nẫm:", "28987"),
        ("II. Xã  PHONG NẪM (28987)", "28987"),
        ("Xã Phong Nẫm", "28987"),  # its name alone: no other unit bears it
        ("# Thị trấn \\*Một\\*", "T1"),  # Markdown's escapes, as the report writes names
        ("Xã Tân Hào", None),  # two units bear the name: only with the code
        ("29008 Xã Tân Hào", "29008"),
        ("Kết quả của Xã Phong Nẫm", None),
        ("28987", None),
        ("Xã Phong 2. Nẫm", None),  # numbering only where the heading begins
    ],
)
def test_a_heading_names_a_unit_by_code_and_name_or_its_own_name(
    heading: str, unit: str | None
) -> None:
    from chitieu.narrative.sections import unit_namer

    named = unit_namer(
        {
            "28987": "Xã Phong Nẫm",
            "29008": "Xã Tân Hào",
            "29035": "Xã Tân Hào",
            "T1": "Thị trấn *Một*",
        }
    )
    assert named(heading) == unit


def test_a_units_section_ends_at_the_next_heading_of_its_level() -> None:
    from chitieu.narrative.sections import unit_sections

    draft = read_text(
        "d.md",
        "# Báo cáo\n\nA\n\n## 28987 Xã Phong Nẫm\n\nB\n\n### Chi tiết\n\nC\n\n"
        "| Mã | Thực hiện |\n|---|---|\n| 29008 Xã Tân Hào | |\n| CT01 | 3 |\n\n"
        "## Toàn huyện\n\nD\n".encode(),
        "md",
    )
    named = {"28987 xã phong nẫm": "28987", "29008 xã tân hào": "29008"}
    sections = unit_sections(draft, lambda text: named.get(text.strip("# ").casefold()))
    units = {s.text: sections.get(s.where) for s in draft.segments if s.heading is None}
    assert units == {
        "A": None,
        "B": "28987",
        "C": "28987",  # a lower heading naming no unit stays inside the section
        "| Mã | Thực hiện |": "28987",
        "|---|---|": "28987",
        "| 29008 Xã Tân Hào | |": "28987",
        "| CT01 | 3 |": "29008",  # after the table's row naming a unit
        "D": None,
    }


def test_a_heading_with_figures_and_a_code_block_in_a_markdown_draft() -> None:
    """A sub-heading is in the section it opens (its own figures are the unit's); a `#`
    line of a fenced code block is no heading."""
    from chitieu.narrative.sections import unit_sections

    draft = read_text(
        "d.md",
        "## 28987 Xã Phong Nẫm\n\n### Kết nạp 7/7 đảng viên\n\n"
        "```\n# 29008 Xã Tân Hào\n```\n\nB\n".encode(),
        "md",
    )
    named = {"28987 xã phong nẫm": "28987", "29008 xã tân hào": "29008"}
    sections = unit_sections(draft, lambda text: named.get(text.strip("# ").casefold()))
    headings = [(s.text, s.heading) for s in draft.segments if s.heading is not None]
    assert headings == [("## 28987 Xã Phong Nẫm", 2), ("### Kết nạp 7/7 đảng viên", 3)]
    assert {sections.get(s.where) for s in draft.segments} == {"28987"}
    assert draft.segments[-1].text == "B"


def test_word_headings_by_style_outline_level_or_the_style_they_are_based_on(
    tmp_path: Path,
) -> None:
    """A heading style, a style of the team's own based on one, a paragraph given an
    outline level; a heading inside a table cell opens nothing (it would outlast the
    table), and outline level 9 is body text."""
    import docx
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    from chitieu.narrative.draft import read_word

    document = docx.Document()
    document.add_heading("Heading style", level=1)
    own = document.styles.add_style("Tên xã", WD_STYLE_TYPE.PARAGRAPH)
    own.base_style = document.styles["Heading 2"]
    document.add_paragraph("Based on Heading 2", style=own)
    for text, level in (("Outline level 3", "2"), ("Body text level", "9")):
        paragraph = document.add_paragraph(text)
        outline = OxmlElement("w:outlineLvl")
        outline.set(qn("w:val"), level)
        paragraph._p.get_or_add_pPr().append(outline)
    document.add_table(rows=1, cols=1).cell(0, 0).paragraphs[0].style = "Heading 2"
    document.add_paragraph("Plain")
    path = tmp_path / "d.docx"
    document.save(path)
    draft = read_word("d.docx", path.read_bytes())
    levels = [(s.where.table is not None, s.heading) for s in draft.segments]
    assert levels == [
        (False, 1),
        (False, 2),
        (False, 3),
        (False, None),
        (True, None),
        (False, None),
    ]


def test_a_clause_names_a_unit_by_its_whole_name_the_last_one_written() -> None:
    from chitieu.narrative.sections import unit_mentioner

    mentioned = unit_mentioner(
        {
            "28987": "Xã Phong Nẫm",
            "29008": "Xã Tân Hào",
            "29035": "Xã Tân Hào",
            "834": "Huyện Giồng Trôm",
            "VN": "Thành phố Hồ Chí Minh",
        }
    )
    assert mentioned("Huyện kết nạp") is None
    assert mentioned(", trong đó xã  PHONG Nẫm kết nạp") == "28987"
    assert mentioned("huyện Giồng Trôm, xã Phong Nẫm,") == "28987"  # the nearest the figure
    assert mentioned("xã Phong Nẫm và huyện Giồng Trôm") == "834"
    assert mentioned("Phong Nẫm kết nạp") is None  # the whole name, its level word included
    assert mentioned("xã Tân Hào kết nạp") is None  # two units bear it
    assert mentioned("tại Thành phố Hồ Chí Minh đạt") == "VN"


def test_a_long_or_looping_chain_of_word_styles_is_read_without_recursion(
    tmp_path: Path,
) -> None:
    """A hostile draft: 1,500 styles each based on the next (deeper than Python's
    recursion), the last on Heading 2; two styles based on each other."""
    import docx
    from docx.enum.style import WD_STYLE_TYPE

    from chitieu.narrative.draft import read_word

    document = docx.Document()
    base = document.styles["Heading 2"]
    for n in range(1500):
        style = document.styles.add_style(f"Chain {n}", WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = base
        base = style
    one = document.styles.add_style("Loop A", WD_STYLE_TYPE.PARAGRAPH)
    other = document.styles.add_style("Loop B", WD_STYLE_TYPE.PARAGRAPH)
    one.base_style, other.base_style = other, one
    document.add_paragraph("Deep", style=base)
    document.add_paragraph("Looping", style=one)
    path = tmp_path / "d.docx"
    document.save(path)
    draft = read_word("d.docx", path.read_bytes())
    assert [(s.text, s.heading) for s in draft.segments] == [("Deep", 2), ("Looping", None)]


NFD_SLIP = "giải quyết việc làm mới cho 1.807/2.800 lao động (đạt hơn 65% NQ)"


def test_a_draft_saved_on_a_mac_reads_as_the_same_words() -> None:
    """NFD (``ơ`` as ``o`` and a mark) reads as NFC: "hơn 65%" keeps its qualifier, so
    the verdict is the same (it overstates 64,54 % either way)."""
    composed = check(NFD_SLIP)
    decomposed = check(unicodedata.normalize("NFD", NFD_SLIP))
    assert [(f.indicator and f.indicator.code, f.verdict) for f in decomposed] == [
        ("CT20", "disagrees")
    ]
    assert [n.en for n in decomposed[0].notes] == [n.en for n in composed[0].notes]
    assert decomposed[0].figure.percent == composed[0].figure.percent


@pytest.mark.parametrize("hidden", ["\u200b", "\u00ad", "\u2060", "\ufeff", "\u200e"])
def test_a_character_that_shows_nothing_does_not_cut_a_number(hidden: str) -> None:
    """A zero-width space, a soft hyphen (Word hides it), a word joiner, a BOM or a
    direction mark inside "150/130" reads as the 150/130 the page shows."""
    text = f"Kết nạp 1{hidden}50{hidden}/130 đảng viên mới (đạt 115,38% NQ)."
    [found] = check(text)
    actual, target = found.figure.actual, found.figure.target
    assert (actual and actual.text, target and target.text) == ("150", "130")
    assert found.notes[0].en == "actual written 150, the revision has 102"
    # marked where it is written: from its first digit to the end of its words
    assert text[found.figure.start :].startswith(f"1{hidden}50")
