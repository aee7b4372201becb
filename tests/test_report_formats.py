"""Markdown, HTML and JSON render the same model: indicators grouped by field with last
year's columns, the annexes, the revision's hash, names from the configuration escaped,
charts inline in a page that loads nothing."""

from __future__ import annotations

import datetime as dt
import json
import re

import polars as pl
import pytest
from rollup_helpers import MakeConfig, element, indicator

from chitieu.config import Config
from chitieu.report import ReportModel, build_report
from chitieu.report.html import render_html
from chitieu.report.json_ import render_json
from chitieu.report.markdown import render_markdown

UNITS = """
D,Huyện <b>Đông</b>,district,,2020-01-01,,
C1,<script>alert(1)</script>,commune,D,2020-01-01,,
C2,**x** [y](http://evil.example) | z,commune,D,2020-01-01,,
"""
HEADER = {
    "snapshot_id": 1,
    "review_period": "2024S1",
    "root_org_unit": "D",
    "revision": 3,
    "status": "published",
    "created_at": dt.datetime(2024, 6, 17, 2, 0, tzinfo=dt.UTC),
    "content_sha256": "9f" * 32,
    "completeness": 1.0,
}


@pytest.fixture
def config(make_config: MakeConfig) -> Config:
    return make_config(
        [element("MEMBERS"), element("OUTPUT")],
        [
            indicator("CT01", "MEMBERS", group="Xây dựng Đảng", unit="đảng viên"),
            indicator("CT05", "OUTPUT", group="Kinh tế # _1_", unit="tỷ đồng"),
        ],
        UNITS,
        targets=[("CT01", "D", 2024, 130, ""), ("CT05", "D", 2024, 3300, ""),
                 ("CT01", "C1", 2024, 7, ""), ("CT01", "C2", 2024, 6, "")],
    )  # fmt: skip


def model(
    config: Config, lang: str = "vi", status_totals: pl.DataFrame | None = None
) -> ReportModel:
    frame = pl.DataFrame(
        {
            "org_unit_code": ["D", "D", "C1", "C2"],
            "level": ["district", "district", "commune", "commune"],
            "indicator_code": ["CT01", "CT05", "CT01", "CT01"],
            "actual": [102.0, 1752.0, 8.0, 3.0],
            "target": [130.0, 3300.0, 7.0, 6.0],
            "percent": [78.46, 53.09, 114.29, 50.0],
            "class": ["on_track", "on_track", "exceeded", "on_track"],
            "comparable": [True, True, True, True],
            "last_actual": [85.0, None, 9.0, 4.0],
            "last_comparable": [True, None, True, False],
        }
    )
    reports = pl.DataFrame({"org_unit_code": ["C1", "C2"], "period": ["2024S1", "2024M01"]})
    return build_report(config, HEADER, frame, lang, reports=reports, status_totals=status_totals)


def test_markdown_groups_indicators_with_last_year_and_escapes_names(config: Config) -> None:
    text = render_markdown(model(config))
    assert "## 1. Xây dựng Đảng" in text
    assert r"## 2. Kinh tế \# \_1\_" in text
    assert (
        "| STT | Mã | Chỉ tiêu | ĐVT | Kế hoạch năm | Thực hiện | Tỷ lệ % kế hoạch "
        "| Cùng kỳ năm trước | So với cùng kỳ % | Đánh giá |"
    ) in text
    assert (
        "| 1 | CT01 | Chỉ tiêu CT01 | đảng viên | 130 | 102 | 78,46 % | 85 | +20,00 % "
        "| Đạt từ 50% trở lên |"
    ) in text
    assert "| 2 | CT05 | Chỉ tiêu CT05 | tỷ đồng | 3.300 | 1.752 | 53,09 % | – | – |" in text
    assert f"`{'9f' * 32}`" in text
    assert "<script>" not in text
    assert "<b>" not in text
    assert "### C1 &lt;script&gt;alert\\(1\\)&lt;/script&gt;" in text
    assert r"### C2 \*\*x\*\* \[y\]\(http://evil.example\) \| z" in text
    assert "| 1 | CT01 | Chỉ tiêu CT01 | đảng viên | 6 | 3 | 50,00 % | không so sánh được |" in text
    assert "## Phụ lục II: Tình hình gửi báo cáo" in text
    assert "| C1 &lt;script&gt;alert\\(1\\)&lt;/script&gt; | đã nhận |" in text
    root_part = render_markdown(model(config), annexes=False)
    assert "Phụ lục" not in root_part
    assert "| CT05 |" in root_part


def test_markdown_in_english(config: Config) -> None:
    text = render_markdown(model(config, "en"))
    assert "| 2 | CT05 | Chỉ tiêu CT05 | tỷ đồng | 3,300 | 1,752 | 53.09 % | – | – |" in text
    assert "| Same period last year | Change % |" in text
    assert "not comparable" in text


def test_html_is_one_page_that_loads_nothing_and_escapes_every_name(config: Config) -> None:
    page = render_html(model(config))
    assert "<script" not in page.replace("&lt;script", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Huyện &lt;b&gt;Đông&lt;/b&gt;" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)  # nothing fetched
    assert page.count("<svg") == 3  # class counts, percent of target, completeness
    assert "<h2>1. Xây dựng Đảng</h2>" in page
    assert "<td class=num>85</td><td class=num>+20,00 %</td>" in page
    assert f"sha256 {'9f' * 32}" in page
    assert "<td class=num>đã nhận</td>" in page


def test_json_carries_every_annex_unit_with_last_year_and_change(config: Config) -> None:
    document = json.loads(render_json(model(config)))
    assert document["content_sha256"] == "9f" * 32
    assert document["snapshot"]["created_at"] == "2024-06-17T02:00:00+00:00"
    root = {row["indicator_code"]: row for row in document["indicators"]}
    assert (root["CT01"]["last_actual"], round(root["CT01"]["change_percent"], 6)) == (85.0, 20.0)
    assert root["CT05"]["last_actual"] is None
    units = {u["org_unit_code"]: u for u in document["annex"]["units"]}
    assert units["C1"]["name"] == "<script>alert(1)</script>"  # JSON keeps the text as it is
    c1 = units["C1"]["indicators"][0]
    assert (c1["actual"], c1["target"], c1["percent"], c1["class"]) == (
        8.0,
        7.0,
        114.29,
        "exceeded",
    )
    assert round(c1["change_percent"], 2) == -11.11
    c2 = units["C2"]["indicators"][0]
    assert (c2["last_actual"], c2["last_comparable"], c2["change_percent"]) == (None, False, None)
    assert [g["indicators"] for g in document["groups"]] == [["CT01"], ["CT05"]]
    completeness = document["completeness"]
    assert completeness["source"] == "revision"
    assert [u["org_unit_code"] for u in completeness["units"]] == ["C1", "C2", "D"]
    assert (completeness["units"][1]["expected"], completeness["units"][1]["received"]) == (6, 1)
    assert document["document"]["number_line"].startswith("Số: ")


def test_the_completeness_annex_from_the_reporting_status_in_markdown_and_html(
    config: Config,
) -> None:
    """``chitieu.status.totals`` (issue 14) as a constructed frame: C1 late in March, C2's
    May report rejected; the district's rate."""
    rows = []
    for m in range(1, 7):
        month = f"2024M{m:02d}"
        c1 = (1, 0) if m == 3 else (0, 1)  # (late, on time)
        c2_rejected = int(m == 5)
        rows += [
            ("C1", "x", month, 1, c1[1], c1[0], 0, 0, 0),
            ("C2", "x", month, 1, 1 - c2_rejected, 0, 0, c2_rejected, 0),
            ("D", "x", month, 2, c1[1] + 1 - c2_rejected, c1[0], 0, c2_rejected, 0),
        ]
    totals = pl.DataFrame(
        rows,
        schema=["org_unit_code", "name", "period", "expected", "on_time", "late", "missing",
                "rejected", "held"],
        orient="row",
    )  # fmt: skip
    text = render_markdown(model(config, status_totals=totals))
    c1 = next(line for line in text.splitlines() if line.startswith("| C1 "))
    assert c1.split(" | ")[1:] == ["đúng hạn", "đúng hạn", "trễ hạn", "đúng hạn", "đúng hạn",
                                   "đúng hạn", "6/6 (100,00 %) |"]  # fmt: skip
    district = next(line for line in text.splitlines() if line.startswith("| D "))
    assert "| 50,00 % |" in district
    assert "không phân biệt đúng hạn" not in text  # the note of the fallback only
    page = render_html(model(config, "en", status_totals=totals))
    assert "<td class=num>rejected</td>" in page
    assert "<td class=num>late</td>" in page
