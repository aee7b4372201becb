"""The HTML report: the same content as the Markdown one, every text escaped."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import polars as pl

from chitieu.config import load_config
from chitieu.report import build_report
from chitieu.report.html import render_html
from chitieu.report.markdown import render_markdown
from chitieu.rollup import roll_up
from chitieu.rollup.last_year import last_year, with_last_year

BASIC = Path(__file__).parent / "data" / "rollup_basic"


def _data(tmp_path: Path, lang: str):
    shutil.copytree(BASIC, tmp_path / "config")
    catalog = tmp_path / "config" / "catalog.yaml"
    catalog.write_text(
        catalog.read_text("utf-8").replace('"Kết nạp đảng viên"', '"<script>alert(1)</script>"'),
        "utf-8",
    )
    config = load_config(tmp_path / "config")
    values = pl.DataFrame(
        {
            "org_unit_code": ["C1", "C2"],
            "element_code": ["NEW_MEMBERS", "NEW_MEMBERS"],
            "period": ["2024M01", "2024M02"],
            "value": [1752.0, 3.0],
        }
    )
    rollup = roll_up(config, values, "2024S1")
    last = last_year(config, values, rollup.review_period, rollup.root)  # none: "–"
    header = {
        "review_period": "2024S1",
        "root_org_unit": "P1",
        "revision": 1,
        "created_at": dt.datetime(2024, 6, 20, tzinfo=dt.UTC),
        "completeness": 0.5,
        "content_sha256": "ab" * 32,
    }
    return build_report(config, header, with_last_year(rollup.indicators, last), lang)


def test_html_report_escapes_text_and_formats_numbers(tmp_path):
    page = render_html(_data(tmp_path, "vi"))
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<td class=num>1.755</td>" in page  # 1752 + 3, Vietnamese grouping
    assert "thực hiện vượt" in page
    assert 'lang="vi"' in page


def test_html_and_markdown_reports_carry_the_same_rows(tmp_path):
    data = _data(tmp_path, "en")
    page, text = render_html(data), render_markdown(data)
    for code in data.indicators.get_column("indicator_code"):
        assert f"<td>{code}</td>" in page
        assert f"| {code} |" in text
    assert "1,755" in page
    assert "1,755" in text
