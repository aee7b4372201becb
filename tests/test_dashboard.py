"""What the Prefect UI shows, built without Prefect: keys, the summary, the indicator
table, the rejected reports and the events, on the Giồng Trôm example."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from chitieu import dashboard, pipeline
from chitieu.config import load_config
from chitieu.examples import example_dir
from chitieu.periods import Period
from chitieu.problems import NOT_KEPT
from chitieu.rollup import class_counts, summary_sentence
from chitieu.warehouse import open_warehouse
from chitieu.warehouse.models import Published

EXAMPLE = example_dir()
ARTICLE_SUMMARY = (
    "thực hiện vượt 2/31 chỉ tiêu; cơ bản đạt 4/31 chỉ tiêu; 15/31 chỉ tiêu đạt từ 50% "
    "trở lên; 7/31 chỉ tiêu đạt dưới 50%, trong đó có 2 chỉ tiêu chưa thực hiện; "
    "3/31 chỉ tiêu đánh giá vào cuối năm"
)
PUBLISHED = Published(7, 2, "ab" * 32, True, 1, dt.datetime(2024, 6, 19, tzinfo=dt.UTC))


@pytest.fixture(scope="module")
def job(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The example ingested in one batch and rolled up for 2024S1."""
    folder = tmp_path_factory.mktemp("dashboard")
    config = load_config(EXAMPLE / "config")
    with open_warehouse(f"duckdb:///{folder / 'w.duckdb'}") as warehouse:
        intake = pipeline.ingest_batch(
            pipeline.gather_files([EXAMPLE / "submissions"]), config, warehouse, folder / "a"
        )
        prepared = pipeline.prepare_review(config, warehouse, Period.parse("2024S1"))
    return {"config": config, "intake": intake, "prepared": prepared}


def view_of(job: dict[str, object], **changes: object) -> dashboard.ReviewView:
    prepared = job["prepared"]
    assert isinstance(prepared, pipeline.PreparedReview)
    counts = class_counts(prepared.rollup.root_indicators())
    view = dashboard.ReviewView(
        review_period=prepared.rollup.review_period,
        root=prepared.rollup.root,
        root_name=dashboard.root_name(prepared.rollup),
        summary_vi=summary_sentence(counts, "vi"),
        summary_en=summary_sentence(counts, "en"),
        counts=counts,
        completeness=prepared.rollup.root_completeness(),
        checks_passed=True,
        failed_checks=[],
        published=PUBLISHED,
    )
    return dataclasses.replace(view, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("parts", "key"),
    [
        (("review", "2024S1", "834"), "review-2024s1-834"),
        (("review-2024s1-834", "report", "-vi.md"), "review-2024s1-834-report-vi-md"),
        (("intake", "2024M06", "Giồng Trôm"), "intake-2024m06-gi-ng-tr-m"),
    ],
)
def test_artifact_keys_are_lowercase_letters_digits_and_dashes(
    parts: tuple[str, ...], key: str
) -> None:
    assert dashboard.artifact_key(*parts) == key


def test_the_summary_reads_as_the_article(job: dict[str, object]) -> None:
    text = dashboard.review_markdown(view_of(job))
    assert text.startswith("# Sơ kết 6 tháng đầu năm 2024 — Huyện Giồng Trôm (834)\n")
    assert f"**Tóm tắt:** {ARTICLE_SUMMARY}" in text
    assert "| Vượt | Exceeded | 2/31 |" in text
    assert "| Đạt dưới 50% | Below 50% | 7/31 |" in text
    assert "| – trong đó chưa thực hiện | – of which not started | 2/31 |" in text
    assert "| Đánh giá cuối năm | Judged at year end | 3/31 |" in text
    assert "Chưa giao chỉ tiêu" not in text  # no indicator lacks a target
    assert "revision 2 (mới / new)" in text


def test_a_failed_gate_says_nothing_was_published(job: dict[str, object]) -> None:
    view = view_of(job, checks_passed=False, failed_checks=["unique_keys: 2 duplicates"])
    text = dashboard.review_markdown(view)
    assert "quality checks failed, nothing published" in text
    assert "  - unique_keys: 2 duplicates" in text
    assert "revision" not in text


def test_the_indicator_table_is_in_catalog_order_with_vietnamese_numbers(
    job: dict[str, object],
) -> None:
    prepared = job["prepared"]
    assert isinstance(prepared, pipeline.PreparedReview)
    rows = dashboard.indicator_rows(
        job["config"],  # type: ignore[arg-type]
        prepared.rollup.root,
        prepared.draft.indicators,
    )
    assert len(rows) == 31
    assert list(rows[0]) == list(dashboard.INDICATOR_COLUMNS.values())
    first = rows[0]
    assert first["Mã / code"] == "CT01"
    assert first["Thực hiện / actual"] == "102"
    assert first["Kế hoạch năm / target"] == "130"
    assert first["Tỷ lệ / percent"] == "78,46 %"
    assert first["Đánh giá / class"] == "Đạt từ 50% trở lên"
    assert first["Cùng kỳ năm trước / same period last year"] == "91"  # history.csv, 2023S1
    assert first["So với cùng kỳ / change"] == "+12,09 %"


def test_the_indicator_table_compares_with_the_same_period_last_year(
    job: dict[str, object],
) -> None:
    """Last year's figure and the change, or "không so sánh được" where a restatement
    needed a share that does not exist."""
    prepared = job["prepared"]
    assert isinstance(prepared, pipeline.PreparedReview)
    known = {"CT01": (85.0, True), "CT02": (20.0, False)}
    last = prepared.draft.indicators.with_columns(
        pl.col("indicator_code")
        .replace_strict({k: v[0] for k, v in known.items()}, default=None, return_dtype=pl.Float64)
        .alias("last_actual"),
        pl.col("indicator_code")
        .replace_strict({k: v[1] for k, v in known.items()}, default=None, return_dtype=pl.Boolean)
        .alias("last_comparable"),
    )
    rows = dashboard.indicator_rows(job["config"], prepared.rollup.root, last)  # type: ignore[arg-type]
    compared = {r["Mã / code"]: r for r in rows}
    assert compared["CT01"]["Cùng kỳ năm trước / same period last year"] == "85"
    assert compared["CT01"]["So với cùng kỳ / change"] == "+20,00 %"
    assert compared["CT02"]["So với cùng kỳ / change"] == "không so sánh được"


def test_rejected_reports_by_unit_with_their_first_problem(job: dict[str, object]) -> None:
    intake = job["intake"]
    assert isinstance(intake, pipeline.IntakeResult)
    org_units = job["config"].org_units  # type: ignore[attr-defined]
    rejected = dashboard.rejected_reports(intake.submissions, intake.issues, org_units)
    assert rejected.select("org_unit_code", "name", "period").rows() == [
        ("29017", "Xã Bình Hoà", "2024M04"),
        ("29029", "Xã Tân Hào", "2024M05"),
    ]
    assert rejected["problems"].to_list() == [1, 1]
    assert all(" / " in first for first in rejected["first_problem"])
    rows = dashboard.rejected_rows(rejected)
    assert rows[0]["Tệp / file"] == "29017_2024M04_rejected_negative_value.csv"
    assert set(rows[0]) == set(dashboard.REJECTED_COLUMNS.values())


def test_a_rejected_reports_count_is_of_its_problems_not_its_warnings() -> None:
    """A rejected report with a warning first and problems not kept: the count and the
    first problem are its errors'."""
    registered = pl.DataFrame(
        {"batch_seq": [0], "status": ["rejected"], "org_unit_code": ["28987"],
         "period": ["2024M05"], "source_name": ["a/28987_2024M05.csv"], "sha256": ["ab" * 32]}
    )  # fmt: skip
    issues = pl.DataFrame(
        {"batch_seq": [0, 0, 0], "location": ["line 3", "line 4", None],
         "check": ["outlier", "value_not_number", NOT_KEPT], "value": ["9", "x", "600"],
         "message_vi": ["cảnh báo", "lỗi", "…"], "message_en": ["warning", "problem", "…"],
         "severity": ["warning", "error", "error"]}
    )  # fmt: skip
    config = load_config(example_dir() / "config")
    [row] = dashboard.rejected_reports(registered, issues, config.org_units).to_dicts()
    assert (row["problems"], row["first_problem"]) == (601, "line 4: lỗi / problem")


def test_a_rejected_report_becomes_an_event_on_its_unit(job: dict[str, object]) -> None:
    intake = job["intake"]
    assert isinstance(intake, pipeline.IntakeResult)
    org_units = job["config"].org_units  # type: ignore[attr-defined]
    events = dashboard.rejected_events(
        dashboard.rejected_reports(intake.submissions, intake.issues, org_units)
    )
    assert [e.event for e in events] == ["chitieu.report.rejected"] * 2
    first = events[0]
    assert first.resource["prefect.resource.id"] == "chitieu.org_unit.29017"
    assert first.resource["prefect.resource.name"] == "Xã Bình Hoà"
    assert first.resource["chitieu.period"] == "2024M04"
    assert first.resource["chitieu.problems"] == "1"
    assert first.related == [
        {"prefect.resource.id": "chitieu.period.2024M04", "prefect.resource.role": "period"}
    ]


def test_a_file_that_is_no_submission_is_an_event_on_the_file() -> None:
    rejected = pl.DataFrame(
        [{"org_unit_code": None, "name": "", "period": None, "file": "x.xls",
          "problems": 1, "first_problem": "legacy Excel", "sha256": "ab" * 32}],
        schema=dashboard.REJECTED_SCHEMA,
    )  # fmt: skip
    [event] = dashboard.rejected_events(rejected)
    assert event.event == "chitieu.file.rejected"
    assert event.resource["prefect.resource.id"] == f"chitieu.file.{'ab' * 32}"


def test_a_published_snapshot_carries_its_counts(job: dict[str, object]) -> None:
    event = dashboard.published_event(view_of(job))
    assert event.event == "chitieu.snapshot.published"
    resource = event.resource
    assert resource["prefect.resource.id"] == "chitieu.org_unit.834"
    assert resource["chitieu.period"] == "2024S1"
    assert resource["chitieu.revision"] == "2"
    assert (resource["chitieu.exceeded"], resource["chitieu.below_half"]) == ("2", "7")
    assert resource["chitieu.total"] == "31"
    related = {r["prefect.resource.id"]: r["prefect.resource.role"] for r in event.related}
    assert related == {
        "chitieu.period.2024S1": "period",
        "chitieu.snapshot.2024S1.834.2": "snapshot",
    }
    assert event.payload["summary_vi"] == ARTICLE_SUMMARY


def test_reports_are_linked_as_files(tmp_path: Path, job: dict[str, object]) -> None:
    report = tmp_path / "2024S1-834-vi.md"
    text = dashboard.review_markdown(view_of(job, reports=(report,)))
    assert f"[2024S1-834-vi.md]({report.as_uri()})" in text
    assert dashboard.file_link(report).startswith("file:///")


def test_the_intake_summary_counts_what_must_be_resent() -> None:
    text = dashboard.intake_markdown(
        "2024M06", "834", "Huyện Giồng Trôm", 270, "268 chấp nhận / accepted", 2, 4, ["- x"]
    )
    assert text.startswith("# Tiếp nhận báo cáo kỳ 2024M06 — Huyện Giồng Trôm (834)\n")
    assert "after the 14/06/2024 cut-off" in text
    assert "- 270 tệp / files: 268 chấp nhận / accepted" in text
    assert "- 2 báo cáo bị từ chối, đơn vị phải gửi lại" in text
    assert "- 4 cảnh báo cần kiểm tra / warnings to check" in text
    assert text.endswith("## Tình trạng báo cáo / reporting status\n\n- x\n")
    several = dashboard.intake_markdown("2024M01..2024", "834", "H", 270, "", 0)
    assert "*Intake of 2024M01 to 2024*" in several
