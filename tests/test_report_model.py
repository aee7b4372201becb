"""The report's model: same period last year, units named as at the review's end, the
completeness annex (from the reporting status or from the revision), the document's
particulars and its signature. Built from constructed frames, as the renderers get it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import docx
import polars as pl
import pytest
from rollup_helpers import MakeConfig, element, indicator, write_config

from chitieu.config import Config, load_config
from chitieu.config.catalog import ReportSection
from chitieu.periods import Period
from chitieu.report import build_report
from chitieu.report.cells import indicator_cells
from chitieu.report.completeness import annex_rows
from chitieu.report.document import Approval, document_info
from chitieu.report.numbers import date_line
from chitieu.report.output import render_text, write_report
from chitieu.rollup.last_year import with_comparable as with_last_year
from chitieu.signoff import approval_of
from chitieu.warehouse.models import APPROVALS_SCHEMA

UNITS = """
D,Huyện Đông,district,,2020-01-01,,
C1,Xã Một,commune,D,2020-01-01,,
C2,Xã Hai,commune,D,2020-01-01,2025-06-30,
C2,Xã Hai Mới,commune,D,2025-07-01,,
"""
HEADER = {
    "snapshot_id": 7,
    "review_period": "2024S1",
    "root_org_unit": "D",
    "revision": 2,
    "status": "published",
    "created_at": dt.datetime(2024, 6, 16, 20, 30, tzinfo=dt.UTC),  # 17/06 03:30 in Vietnam
    "content_sha256": "ab" * 32,
    "completeness": 0.75,
}


def indicators(**extra: list[Any]) -> pl.DataFrame:
    """Two indicators at the district and a commune, as a revision holds them; ``extra``:
    its last-year columns (by default none, as in a revision of content version 1)."""
    last_year = {"comparable": [None] * 4, "last_actual": [None] * 4, "last_comparable": [None] * 4}
    return pl.DataFrame(
        {
            "org_unit_code": ["D", "D", "C1", "C2"],
            "level": ["district", "district", "commune", "commune"],
            "indicator_code": ["CT01", "CT02", "CT01", "CT01"],
            "actual": [102.0, 5.0, 8.0, 3.0],
            "target": [130.0, 10.0, 7.0, None],
            "percent": [78.46, 50.0, 114.29, None],
            "class": ["on_track", "on_track", "exceeded", "no_target"],
            **{**last_year, **extra},
        },
        schema_overrides={
            "comparable": pl.Boolean,
            "last_actual": pl.Float64,
            "last_comparable": pl.Boolean,
        },
    )


@pytest.fixture
def config(make_config: MakeConfig) -> Config:
    return make_config(
        [element("MEMBERS"), element("HOUSES")],
        [
            indicator("CT01", "MEMBERS", group="Xây dựng Đảng", unit="đảng viên"),
            indicator("CT02", "HOUSES", group="An sinh xã hội"),
        ],
        UNITS,
        targets=[
            ("CT01", "D", 2024, 130, ""),
            ("CT02", "D", 2024, 10, ""),
            ("CT01", "C1", 2024, 7, ""),
        ],
    )


def test_a_revision_before_last_year_reads_as_comparable_with_no_last_year_figure() -> None:
    frame = with_last_year(indicators())
    assert frame.get_column("comparable").to_list() == [True] * 4
    assert frame.get_column("last_actual").null_count() == 4
    assert frame.get_column("last_comparable").null_count() == 4
    given = indicators(last_actual=[85.0, None, 9.0, 0.0])
    assert with_last_year(given).get_column("last_actual").to_list() == [85.0, None, 9.0, 0.0]


def test_change_against_last_year_and_what_is_never_printed(config: Config) -> None:
    frame = indicators(
        comparable=[True, True, True, False],
        last_actual=[85.0, 0.0, 10.0, 2.0],
        last_comparable=[True, True, False, True],
    )
    model = build_report(config, HEADER, frame, "vi")
    rows = {r["indicator_code"]: r for r in model.indicators.iter_rows(named=True)}
    assert rows["CT01"]["change"] == pytest.approx(20.0)  # (102 − 85) / 85
    assert rows["CT02"]["change"] is None  # last year was zero
    cells = indicator_cells(rows["CT01"], "vi", model.class_labels)
    assert (cells["last_actual"], cells["change"]) == ("85", "+20,00 %")
    annexed = {u.org_unit_code: u.rows.row(0, named=True) for u in model.annex}
    c1 = indicator_cells(annexed["C1"], "vi", model.class_labels)
    assert (c1["actual"], c1["last_actual"], c1["change"]) == (
        "8",
        "không so sánh được",
        "không so sánh được",
    )
    english = indicator_cells(annexed["C1"], "en", model.class_labels)
    assert english["last_actual"] == "not comparable"
    lost = indicator_cells(
        {**rows["CT01"], "comparable": False, "last_actual": None}, "vi", model.class_labels
    )
    assert (lost["actual"], lost["percent"], lost["change"]) == ("không so sánh được",) * 3
    assert lost["last_actual"] == "–"  # no figure: a dash, never 0


def test_groups_in_catalog_order_and_the_annex_of_units_with_targets(config: Config) -> None:
    model = build_report(config, HEADER, indicators(), "vi")
    assert [(g.number, g.name) for g in model.groups] == [
        (1, "Xây dựng Đảng"),
        (2, "An sinh xã hội"),
    ]
    assert model.groups[1].rows.get_column("stt").to_list() == [2]
    assert [(u.org_unit_code, u.rows.height) for u in model.annex] == [("C1", 1)]
    assert model.untargeted == [("C2", "Xã Hai")]
    assert model.summary.startswith("thực hiện vượt 0/2 chỉ tiêu")


def test_units_are_named_as_at_the_end_of_the_review_period(config: Config) -> None:
    """C2 is "Xã Hai" in 2024 and "Xã Hai Mới" from July 2025 (a reused code)."""
    first_half = build_report(config, HEADER, indicators(), "vi")
    names = dict(first_half.completeness.units.select("org_unit_code", "name").iter_rows())
    assert names["C2"] == "Xã Hai"
    later = {**HEADER, "review_period": "2025"}
    assert (
        dict(
            build_report(config, later, indicators(), "vi")
            .completeness.units.select("org_unit_code", "name")
            .iter_rows()
        )["C2"]
        == "Xã Hai Mới"
    )


def status_totals() -> pl.DataFrame:
    """``chitieu.status.totals`` as issue 14 defines it, for D's six months."""
    rows = []
    for month in Period.parse("2024S1").months():
        late = month.last_month == 3
        missing = month.last_month == 5
        rows += [
            ("C1", "Xã Một", month.code, 1, 0 if late else 1, 1 if late else 0, 0, 0, 0),
            ("C2", "Xã Hai", month.code, 1, 0 if missing else 1, 0, 1 if missing else 0, 0, 0),
            (
                "D",
                "Huyện Đông",
                month.code,
                2,
                1 + (not missing) - late,
                int(late),
                int(missing),
                0,
                0,
            ),
        ]
    return pl.DataFrame(
        rows,
        schema=["org_unit_code", "name", "period", "expected", "on_time", "late", "missing",
                "rejected", "held"],
        orient="row",
    )  # fmt: skip


def test_the_completeness_annex_from_the_reporting_status(config: Config) -> None:
    model = build_report(config, HEADER, indicators(), "vi", status_totals=status_totals())
    annex = model.completeness
    assert annex.source == "status"
    rows = {code: texts for code, _, texts in annex_rows(annex, "vi")}
    assert rows["C1"] == [
        "đúng hạn",
        "đúng hạn",
        "trễ hạn",
        "đúng hạn",
        "đúng hạn",
        "đúng hạn",
        "6/6 (100,00 %)",
    ]
    assert rows["C2"][4] == "chưa gửi"
    assert rows["D"][2:5] == ["100,00 %", "100,00 %", "50,00 %"]  # a rate: units below it
    assert rows["D"][-1] == "11/12 (91,67 %)"
    assert list(rows) == ["C1", "C2", "D"]  # the units below the root, then the root
    english = {code: texts for code, _, texts in annex_rows(annex, "en")}
    assert english["C1"][2] == "late"


def test_the_completeness_annex_from_the_revision_says_received_or_not(config: Config) -> None:
    reports = pl.DataFrame(
        {
            "org_unit_code": ["C1"] * 6 + ["C2"] * 2,
            "period": [m.code for m in Period.parse("2024S1").months()] + ["2024Q1", "2024M05"],
        }
    )
    model = build_report(config, HEADER, indicators(), "vi", reports=reports)
    annex = model.completeness
    assert annex.source == "revision"
    rows = {code: texts for code, _, texts in annex_rows(annex, "vi")}
    assert rows["C1"][:6] == ["đã nhận"] * 6
    # a quarter's report covers its three months (SPEC §3.6)
    assert rows["C2"][:6] == ["đã nhận", "đã nhận", "đã nhận", "chưa nhận", "đã nhận", "chưa nhận"]
    assert annex.root_counts() == (12, 10)
    assert model.charts.completeness.values[1] == [1.0, 1.0, 1.0, 0.0, 1.0, 0.0]


def test_the_charts_count_not_started_once() -> None:
    from chitieu.report.charts import class_bars
    from chitieu.rollup.summary import ClassCounts

    counts = ClassCounts(31, 2, 4, 15, 7, 2, 3, 0)
    bars = {b.key: b.value for b in class_bars(counts, {k: k for k in counts.as_dict()})}
    assert bars == {"exceeded": 2, "basically_achieved": 4, "on_track": 15, "below_half": 5,
                    "not_started": 2, "year_end": 3}  # fmt: skip
    assert sum(v or 0 for v in bars.values()) == 31


@pytest.mark.parametrize(
    ("day", "line"),
    [
        (dt.date(2024, 6, 17), "Giồng Trôm, ngày 17 tháng 6 năm 2024"),
        (dt.date(2024, 2, 5), "Giồng Trôm, ngày 05 tháng 02 năm 2024"),
        (dt.date(2024, 12, 9), "Giồng Trôm, ngày 09 tháng 12 năm 2024"),
    ],
)
def test_the_date_line(day: dt.date, line: str) -> None:
    assert date_line("Giồng Trôm", day) == line


def test_a_party_committee_and_a_peoples_committee_number_and_sign_their_reports() -> None:
    party = ReportSection(
        body_type="party",
        issuing_body="HUYỆN ỦY GIỒNG TRÔM",
        symbol="BC/HU",
        signer_on_behalf="T/M BAN THƯỜNG VỤ",
        signer_title="BÍ THƯ",
        signer_name="Nguyễn Văn A",
        recipients=["Ban Thường vụ Tỉnh ủy", "- Lưu Văn phòng Huyện ủy."],
    )
    review = Period.parse("2024S1")
    info = document_info(party, review, "Nghị quyết X", "Huyện Giồng Trôm", number="123",
                         day=dt.date(2024, 6, 17))  # fmt: skip
    assert info.number_line == "Số 123-BC/HU"
    assert info.place == "Giồng Trôm"
    assert info.recipients == ["- Ban Thường vụ Tỉnh ủy,", "- Lưu Văn phòng Huyện ủy."]
    assert info.reference == "Báo cáo số 123-BC/HU ngày 17/06/2024"
    assert info.subject == "Sơ kết 6 tháng đầu năm 2024 thực hiện các chỉ tiêu Nghị quyết X"
    state = ReportSection(body_type="state", symbol="BC-UBND", recipients=["Như trên", "Lưu: VT"])
    blank = document_info(state, review, "NQ", "Huyện Giồng Trôm", day=dt.date(2024, 6, 17))
    assert blank.number_line == "Số:       /BC-UBND"  # for the office to fill in
    assert blank.issuing_body == "HUYỆN GIỒNG TRÔM"
    assert blank.recipients == ["- Như trên;", "- Lưu: VT."]
    dated = ReportSection(date=dt.date(2024, 6, 18))
    assert document_info(dated, review, "NQ", "Xã A", day=None).date == dt.date(2024, 6, 18)
    assert document_info(dated, review, "NQ", "Xã A", day=dt.date(2024, 6, 19)).date == dt.date(
        2024, 6, 19
    )


def approvals(*rows: tuple[int, str, str, str | None, int]) -> pl.DataFrame:
    """``Warehouse.approvals`` rows: (revision, action, by_name, title, day of June)."""
    return pl.DataFrame(
        [
            (i, "2024S1", "D", i, action, revision, "ab" * 32, who, title, None,
             dt.datetime(2024, 6, day, 2, tzinfo=dt.UTC), None, f"{i:064x}")
            for i, (revision, action, who, title, day) in enumerate(rows, start=1)
        ],
        schema=APPROVALS_SCHEMA,
        orient="row",
    )  # fmt: skip


def test_the_signature_names_the_approver_of_the_revision(tmp_path: Path) -> None:
    frame = approvals(
        (1, "approve", "Trần Thị B", "Phó Bí thư", 17),
        (1, "reopen", "Trần Thị B", None, 18),
        (2, "approve", "Lê Văn C", "Phó Bí thư Thường trực", 19),
    )
    approval = Approval.of(approval_of(frame, 2))
    assert approval is not None
    assert (approval.by, approval.title) == ("Lê Văn C", "Phó Bí thư Thường trực")
    assert Approval.of(approval_of(frame, 3)) is None
    folder = write_config(
        tmp_path / "config",
        {
            "resolution": {"code": "NQ", "title": "NQ", "org_unit": "D", "year": 2024},
            "report": {
                "body_type": "party",
                "signer_title": "BÍ THƯ",
                "signer_name": "Nguyễn Văn A",
            },
            "elements": [element("MEMBERS"), element("HOUSES")],
            "indicators": [indicator("CT01", "MEMBERS"), indicator("CT02", "HOUSES")],
        },
        UNITS,
    )
    config = load_config(folder)
    signed = build_report(config, HEADER, indicators(), "vi", approval=approval)
    signature = signed.document.signature
    assert (signature.title, signature.name) == ("PHÓ BÍ THƯ THƯỜNG TRỰC", "Lê Văn C")
    assert (signed.approved_by, signed.approved_title) == ("Lê Văn C", "Phó Bí thư Thường trực")
    assert signed.approved_at == dt.datetime(2024, 6, 19, 2, tzinfo=dt.UTC)
    approved = "Lê Văn C, Phó Bí thư Thường trực (19/06/2024 09:00)"
    assert f"- Phê duyệt: {approved}\n" in render_text(signed, "md")
    assert "phê duyệt Lê Văn C, Phó Bí thư Thường trực 19/06/2024 09:00" in render_text(
        signed, "html"
    )
    unsigned = build_report(config, HEADER, indicators(), "vi").document.signature
    assert (unsigned.title, unsigned.name, unsigned.approved_at) == ("BÍ THƯ", "Nguyễn Văn A", None)


def test_names_from_the_configuration_are_printed_escaped(
    make_config: MakeConfig, tmp_path: Path
) -> None:
    """A unit, an indicator and a group named with a terminal escape, a bidi override and
    a NUL: every format prints them escaped (`chitieu.shown.shown`), and the Word document
    is still written. The configuration refuses such names (`load_config`); the report
    escapes them all the same, so they are put past it here."""
    loaded = make_config(
        [element("MEMBERS"), element("HOUSES")],
        [
            indicator("CT01", "MEMBERS", group="Xây dựng Đảng", unit="đảng viên"),
            indicator("CT02", "HOUSES", name="Nhà ở"),
        ],
        UNITS,
        targets=[("CT01", "D", 2024, 130, ""), ("CT01", "C1", 2024, 7, "")],
    )
    first, second = loaded.catalog.indicators
    hostile = loaded.catalog.model_copy(
        update={
            "indicators": [
                first.model_copy(update={"group": "Xây dựng\x00 Đảng"}),
                second.model_copy(update={"name": "Nhà\u202e ở"}),
            ]
        }
    )
    config = dataclasses.replace(
        loaded,
        catalog=hostile,
        org_units=loaded.org_units.with_columns(
            pl.col("name").str.replace("Xã Một", "Xã Một\x1b[2J")
        ),
    )
    model = build_report(config, HEADER, indicators(), "vi")
    assert [(u.org_unit_code, u.name) for u in model.annex] == [("C1", "Xã Một\\x1b[2J")]
    assert [g.name for g in model.groups] == ["Xây dựng\\x00 Đảng", "Các chỉ tiêu khác"]
    assert model.indicators.get_column("name").to_list()[1] == "Nhà\\u202e ở"
    for fmt in ("md", "html", "json"):
        text = render_text(model, fmt)
        assert not any(char in text for char in "\x00\x1b\u202e"), fmt
    document = docx.Document(str(write_report(model, "docx", tmp_path / "d.docx")))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert any("Xã Một\\x1b[2J" in text for text in cells)


def test_a_revision_is_reported_with_its_own_indicators_whatever_the_catalog_became(
    make_config: MakeConfig,
) -> None:
    """CT02 removed from the catalog after the revision was published, CT03 added: the
    report shows CT01 and CT02, as published (CT02 under its code, marked), never CT03,
    and its tables count what its summary counts."""
    config = make_config(
        [element("MEMBERS"), element("HOUSES")],
        [
            indicator("CT03", "HOUSES", group="An sinh xã hội"),
            indicator("CT01", "MEMBERS", group="Xây dựng Đảng", unit="đảng viên"),
        ],
        UNITS,
        targets=[("CT01", "D", 2024, 130, ""), ("CT03", "D", 2024, 10, "")],
    )
    for lang, marked in (("vi", "không còn trong danh mục"), ("en", "no longer in the catalog")):
        model = build_report(config, HEADER, indicators(), lang)
        table = model.indicators.select("stt", "indicator_code", "name", "actual")
        assert table.rows() == [
            (1, "CT01", "Chỉ tiêu CT01", 102.0),
            (2, "CT02", f"CT02 ({marked})", 5.0),
        ]
        assert (
            sum(model.counts[k] for k in model.counts if k != "total") == model.counts["total"] == 2
        )
        assert [g.rows.height for g in model.groups] == [1, 1]
        assert "CT03" not in render_text(model, "md")
        assert f"| CT02 | CT02 \\({marked}\\) |" in render_text(model, "md")
