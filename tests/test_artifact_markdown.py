"""Text from outside is inert in what the Prefect UI renders as Markdown: every artifact
built from a hostile unit name, file name, cell value, rule message or approver's note
shows it as written, with no image (a beacon), no link (``javascript:``) and no broken
table. The artifacts are rendered by a CommonMark parser with tables and raw HTML on,
as the UI's renderer reads them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from markdown_it import MarkdownIt

from chitieu import dashboard, dashboard_checks, signoff
from chitieu.config import Config, load_config
from chitieu.examples import example_dir
from chitieu.inert import code_span, inert, inert_cell
from chitieu.periods import Period
from chitieu.rollup import ClassCounts
from chitieu.shown import shown

HOSTILE = (
    "x | y ![b](http://attacker.example/b.png) [l](javascript:alert(1)) "
    "<img src=x onerror=alert(1)> <javascript:alert(1)> `tick` a\\[b](c)\nsecond line"
)
"""Every way a text could turn into Markdown: a table's pipe, an image, a link, inline
HTML, an autolink, a code span, an escape of its own, and a line break."""
HOSTILE_FILE = "29017_2024M04 ![b](http:attacker.example) [l](javascript:alert(1)) | `x`.csv"
"""A file name can hold all of it but a slash."""
AS_WRITTEN = " ".join(HOSTILE.splitlines())

_PARSER = MarkdownIt("commonmark", {"html": True}).enable("table")
# the UI's renderer checks no link's scheme: neither does this one, to see every link
_PARSER.validateLink = lambda url: True  # type: ignore[method-assign]
_TAG = re.compile(r"<[^>]*>")


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(example_dir() / "config")


def rendered(text: str) -> str:
    return _PARSER.render(text)


def assert_inert(text: str) -> None:
    """No image, link, raw HTML or code span comes out of ``text``; the ``file:`` links
    to reports are chitieu's own."""
    out = rendered(text)
    assert "<img" not in out, out
    assert re.findall(r"<code>(?!chitieu reopen )", out) == [], out
    assert re.findall(r'<a href="(?!file:)', out) == [], out
    assert 'href="javascript' not in out, out


def table_widths(text: str) -> list[int]:
    """The number of cells of every row of every table in ``text``."""
    widths, cells = [], 0
    for token in _PARSER.parse(text):
        if token.type in ("th_open", "td_open"):
            cells += 1
        elif token.type == "tr_close":
            widths.append(cells)
            cells = 0
    return widths


def assert_cells_inert(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        for value in row.values():
            if isinstance(value, str):
                assert_inert(value)
                assert "\n" not in value


def shown_text(markdown: str) -> str:
    """What a reader sees of ``markdown``: its rendered text."""
    return html.unescape(_TAG.sub("", rendered(markdown))).strip()


# ---------------------------------------------------------------- the function


def test_inert_text_reads_as_written() -> None:
    assert_inert(inert(HOSTILE))
    assert shown_text(inert(HOSTILE)) == AS_WRITTEN


def test_inert_leaves_emphasis_codes_and_plain_text_alone() -> None:
    assert inert("DANG_VIEN_MOI: Giá trị '-4' *x*") == "DANG_VIEN_MOI: Giá trị '-4' *x*"
    assert inert("Xã Bình Hoà") == "Xã Bình Hoà"


def test_a_cell_is_inert_text_a_number_or_empty() -> None:
    assert inert_cell("a | b") == "a \\| b"
    assert inert_cell(3) == 3
    assert inert_cell(None) == ""


@pytest.mark.parametrize("text", ["chitieu reopen 834", "a`b", "`a``", "a\nb"])
def test_a_code_span_holds_any_text(text: str) -> None:
    span = code_span(text)
    assert rendered(span) == f"<p><code>{html.escape(' '.join(text.splitlines()))}</code></p>\n"


# ---------------------------------------------------------------- markdown artifacts


def test_the_review_summary_shows_hostile_names_and_messages_as_written() -> None:
    period = Period.parse("2024S1")
    view = dashboard.ReviewView(
        review_period=period,
        root=HOSTILE,
        root_name=HOSTILE,
        summary_vi=HOSTILE,
        summary_en=HOSTILE,
        counts=ClassCounts(3, 1, 1, 1, 0, 0, 0, 0),
        completeness=1.0,
        checks_passed=True,
        failed_checks=[HOSTILE],
        published=None,
        reports=(Path("/tmp/x](javascript:alert(1)) ![b](http:b).md"),),
    )
    text = dashboard.review_markdown(view)
    assert_inert(text)
    assert set(table_widths(text)) == {3}
    assert shown_text(text).count(AS_WRITTEN) == 5  # heading (twice), summaries, warning
    assert "x](javascript:alert(1)) ![b](http:b).md</a>" in rendered(text)


def test_the_intake_summary_shows_a_hostile_unit_name_as_written() -> None:
    text = dashboard.intake_markdown("2024M06", HOSTILE, HOSTILE, 2, "", 1)
    assert_inert(text)
    assert (
        text.splitlines()[0]
        == f"# Tiếp nhận báo cáo kỳ 2024M06 — {inert(HOSTILE)} ({inert(HOSTILE)})"
    )


def test_the_locked_summary_shows_approver_texts_and_held_files_as_written() -> None:
    at = dt.datetime(2024, 6, 20, 8, 0, tzinfo=dt.UTC)
    approval = {"revision": 2, "by_name": HOSTILE, "title": HOSTILE, "note": HOSTILE, "at": at}
    held = pl.DataFrame(
        {
            "org_unit_code": [HOSTILE, "28987"],
            "period": ["2024M05", "2024M05"],
            "source_name": [f"/srv/inbox/{HOSTILE_FILE}", "/srv/inbox/28987_2024M05.csv"],
            "submitted_at": [at, None],
            "received_at": [at, at],
        }
    )
    text = signoff.locked_markdown("2024S1", HOSTILE, HOSTILE, approval, held)
    assert_inert(text)
    assert table_widths(text) == [4, 4, 4]
    assert "/srv/inbox" not in text  # the file's name, as the other tables show it
    assert "| 28987 | 2024M05 | 28987_2024M05.csv | 2024-06-20 08:00 UTC |" in text
    cells = re.findall(r"<td>(.*?)</td>", rendered(text))
    assert html.unescape(cells[2]) == HOSTILE_FILE
    # the command to reopen stays one code span, whatever the unit's code holds
    assert "<code>chitieu reopen 2024S1 --org" in rendered(text)


# ---------------------------------------------------------------- table artifacts


def test_rejected_reports_show_a_hostile_file_name_and_value_as_written(config: Config) -> None:
    registered = pl.DataFrame(
        {"batch_seq": [0], "status": ["rejected"], "org_unit_code": ["28987"],
         "period": ["2024M05"], "source_name": [f"inbox/{HOSTILE_FILE}"], "sha256": ["ab" * 32]}
    )  # fmt: skip
    issues = pl.DataFrame(
        {"batch_seq": [0], "location": ["line 2"], "check": ["value_not_number"],
         "value": [HOSTILE], "message_vi": [f"Giá trị '{HOSTILE}' không phải là số"],
         "message_en": [f"'{HOSTILE}' is not a number"], "severity": ["error"]}
    )  # fmt: skip
    rejected = dashboard.rejected_reports(registered, issues, config.org_units)
    [row] = dashboard.rejected_rows(rejected)
    assert_cells_inert([row])
    assert list(row) == list(dashboard.REJECTED_COLUMNS.values())
    assert row["Số lỗi / problems"] == 1  # a number stays a number
    assert shown_text(row["Tệp / file"]) == HOSTILE_FILE
    assert AS_WRITTEN in shown_text(row["Lỗi đầu tiên / first problem"])
    # the event is data for automations, which write it into their own formats: as sent
    [event] = dashboard.rejected_events(rejected)
    assert event.payload["file"] == HOSTILE_FILE
    assert event.payload["first_problem"].startswith(f"line 2: Giá trị '{HOSTILE}'")


def test_the_shipped_automation_writes_no_chat_link_or_ping_from_a_commune() -> None:
    """automations/report-rejected.yaml quotes the file's name and first problem, which
    come from outside: a chat channel reads ``<https://…|bấm>`` as a link and
    ``<!channel>`` as a ping of everyone (apprise's Slack, even escaped as &lt;). Its
    body, rendered by Prefect's own renderer of automation templates, has no < or >."""
    import yaml
    from prefect.server.utilities.user_templates import render_user_template_sync

    automation = Path(__file__).parents[1] / "automations" / "report-rejected.yaml"
    body = yaml.safe_load(automation.read_text("utf-8"))["actions"][0]["body"]

    class Resource(dict[str, str]):
        id = "chitieu.org_unit.29029"

    event = {
        "resource": Resource({"prefect.resource.name": "Xã A", "chitieu.period": "2024M04"}),
        "payload": {
            "file": "<!channel>.xlsx",
            "first_problem": "line 2: Giá trị '<https://evil.example|bấm>' không phải là số",
        },
    }
    text = render_user_template_sync(body, {"event": event})
    assert "<" not in text
    assert ">" not in text
    assert "tệp / file ‹!channel›.xlsx: line 2: Giá trị '‹https://evil.example|bấm›'" in text


def test_a_file_sent_again_shows_its_name_and_problem_as_written(config: Config) -> None:
    still = pl.DataFrame(
        {"org_unit_code": [HOSTILE], "period": ["2024M05"], "source_name": [HOSTILE_FILE],
         "problems": [1], "location": ["line 2"], "message_vi": [HOSTILE],
         "message_en": [HOSTILE], "sha256": ["ab" * 32],
         "received_at": [dt.datetime(2024, 6, 20, tzinfo=dt.UTC)]}
    )  # fmt: skip
    listed = dashboard_checks.still_rejected_reports(still, config.org_units)
    [row] = dashboard.rejected_rows(listed)
    assert_cells_inert([row])
    assert shown_text(row["Đơn vị / unit"]) == AS_WRITTEN


def test_warnings_show_hostile_names_and_messages_as_written(config: Config) -> None:
    registered = pl.DataFrame(
        {"batch_seq": [0], "org_unit_code": ["28987"], "period": ["2024M05"],
         "source_name": [f"inbox/{HOSTILE_FILE}"]}
    )  # fmt: skip
    issues = pl.DataFrame(
        {"batch_seq": [0], "location": [HOSTILE], "element_code": ["DANG_VIEN_MOI"],
         "message_vi": [HOSTILE], "message_en": [HOSTILE], "severity": ["warning"]}
    )  # fmt: skip
    warned = dashboard_checks.warning_reports(registered, issues, config.org_units)
    [row] = dashboard_checks.table_rows(warned, dashboard_checks.WARNING_COLUMNS)
    assert_cells_inert([row])
    assert row["Chỉ tiêu / element"] == "DANG_VIEN_MOI"
    assert shown_text(row["Tệp / file"]) == HOSTILE_FILE


def test_the_status_table_shows_a_hostile_unit_name_as_written() -> None:
    states = pl.DataFrame(
        {"org_unit_code": ["28987"], "name": [HOSTILE], "period": ["2024M05"],
         "state": ["late"], "submitted_at": [dt.datetime(2024, 6, 20, tzinfo=dt.UTC)],
         "warnings": [2]}
    )  # fmt: skip
    [row] = dashboard_checks.status_rows(states)
    assert_cells_inert([row])
    assert shown_text(row["Tên / name"]) == AS_WRITTEN
    assert row["Cảnh báo / warnings"] == 2


def test_the_indicator_table_shows_a_hostile_indicator_name_as_written(config: Config) -> None:
    first, *rest = config.catalog.indicators
    catalog = config.catalog.model_copy(
        update={"indicators": [first.model_copy(update={"name": HOSTILE}), *rest]}
    )
    hostile = dataclasses.replace(config, catalog=catalog)
    indicators = pl.DataFrame(
        {"org_unit_code": ["834"], "indicator_code": [first.code], "actual": [1.0],
         "target": [2.0], "percent": [50.0], "class": ["on_track"],
         "last_actual": [None], "comparable": [True], "last_comparable": [None]},
        schema_overrides={"last_actual": pl.Float64, "last_comparable": pl.Boolean},
    )  # fmt: skip
    rows = dashboard.indicator_rows(hostile, "834", indicators)
    assert_cells_inert(rows)
    # the catalog's names are `shown` (a line break as "\\n"), then made inert
    assert shown_text(rows[0]["Chỉ tiêu / indicator"]) == shown(HOSTILE)
