"""The flows on a Prefect server (the session's test server), in-process: names, tags,
coarse tasks, artifacts under stable keys, events, one-line domain errors, the review lock."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from prefect import flow
from prefect_fixtures import prefect_api_url  # noqa: F401
from prefect_queries import (
    artifact_history,
    artifacts_of,
    called,
    events,
    flow_runs_named,
    log_messages,
    task_run_names,
)

from chitieu import pipeline
from chitieu.errors import ChitieuError, FolderBlocked, SnapshotConflict
from chitieu.examples import example_dir
from chitieu.flows import support
from chitieu.flows.intake import gather_submissions, intake_flow
from chitieu.flows.review import review_flow
from chitieu.receipts import FileOutcome, Receipts
from chitieu.rollup.hierarchy import ReviewError

ARTICLE_SUMMARY = (
    "thực hiện vượt 2/31 chỉ tiêu; cơ bản đạt 4/31 chỉ tiêu; 15/31 chỉ tiêu đạt từ 50% "
    "trở lên; 7/31 chỉ tiêu đạt dưới 50%, trong đó có 2 chỉ tiêu chưa thực hiện; "
    "3/31 chỉ tiêu đánh giá vào cuối năm"
)


@pytest.fixture(scope="module")
def job(tmp_path_factory: pytest.TempPathFactory, prefect_api_url: str) -> dict[str, Any]:  # noqa: F811
    """The example ingested and its six-month review published, by the flows."""
    root = tmp_path_factory.mktemp("flows")
    shutil.copytree(example_dir() / "config", root / "config")
    shutil.copytree(example_dir() / "submissions", root / "inbox")
    url = f"duckdb:///{root / 'warehouse.duckdb'}"
    config = str(root / "config")
    outcomes, intake = called(intake_flow, [str(root / "inbox")], config, url, month="2024M06")
    review, review_run = called(review_flow, "2024S1", config, url)
    return {
        "root": root,
        "url": url,
        "config": config,
        "outcomes": outcomes,
        "intake_run": intake,
        "review": review,
        "review_run": review_run,
    }


def test_intake_is_a_few_coarse_tasks_named_and_tagged(job: dict[str, Any]) -> None:
    assert len(job["outcomes"]) == 270
    run = job["intake_run"]
    assert run.name == "intake-2024M06-834"
    assert run.state_name == "Completed"
    assert {"chitieu", "intake", "period:2024M06", "unit:834"} <= set(run.tags)
    names = task_run_names(run.id)
    assert [n for n in names if "batch" in n] == ["register-batch-1", "validate-batch-1"]
    assert len(names) == 4  # gather, check earlier receipts, validate, register


def test_intake_shows_its_rejected_reports_and_progress(job: dict[str, Any]) -> None:
    run = job["intake_run"]
    artifacts = artifacts_of(run.id)
    rejected = artifacts["intake-2024m06-834-rejected"]
    assert rejected.type == "table"
    assert "29017" in str(rejected.data)
    assert "29029" in str(rejected.data)
    assert "line" in str(rejected.data)
    assert artifacts["intake-2024m06-834"].type == "markdown"
    assert "2 báo cáo bị từ chối" in str(artifacts["intake-2024m06-834"].data)
    progress = artifacts[None]
    assert (progress.type, progress.data) == ("progress", 100.0)


def test_intake_emits_an_event_per_rejected_report(
    job: dict[str, Any],
    prefect_api_url: str,  # noqa: F811
) -> None:
    run = job["intake_run"]
    found = events(prefect_api_url, "chitieu.report.rejected", run.id, at_least=2)
    units = sorted(e["resource"]["prefect.resource.id"] for e in found)
    assert units == ["chitieu.org_unit.29017", "chitieu.org_unit.29029"]
    assert {e["resource"]["chitieu.period"] for e in found} == {"2024M04", "2024M05"}


def test_review_shows_summary_indicators_and_report(job: dict[str, Any]) -> None:
    assert job["review"].summary_vi == ARTICLE_SUMMARY
    run = job["review_run"]
    assert run.name == "review-2024S1-834"
    assert {"chitieu", "review", "period:2024S1", "unit:834"} <= set(run.tags)
    artifacts = artifacts_of(run.id)
    summary = artifacts["review-2024s1-834"]
    assert summary.type == "markdown"
    assert ARTICLE_SUMMARY in str(summary.data)
    assert "| Vượt | Exceeded | 2/31 |" in str(summary.data)
    table = artifacts["review-2024s1-834-indicators"]
    assert table.type == "table"
    assert str(table.data).count("CT") >= 31
    report = Path(job["root"] / "warehouse.reports" / "2024S1-834-vi.md")
    assert report.is_file()
    assert report.as_uri() in str(artifacts["review-2024s1-834-report"].data)
    assert [Path(p).name for p in job["review"].reports] == [
        "2024S1-834-vi.md",
        "2024S1-834-en.md",
        "2024S1-834.json",
    ]


def test_review_emits_snapshot_published(job: dict[str, Any], prefect_api_url: str) -> None:  # noqa: F811
    run = job["review_run"]
    [event] = events(prefect_api_url, "chitieu.snapshot.published", run.id)
    assert event["resource"]["prefect.resource.id"] == "chitieu.org_unit.834"
    assert event["resource"]["chitieu.period"] == "2024S1"
    assert event["resource"]["chitieu.revision"] == "1"
    assert event["resource"]["chitieu.exceeded"] == "2"


def test_a_rerun_adds_to_the_same_keys(job: dict[str, Any]) -> None:
    again, rerun = called(review_flow, "2024S1", job["config"], job["url"])
    assert again.published is not None
    assert not again.published.created
    history = artifact_history("review-2024s1-834", [job["review_run"].id, rerun.id])
    assert len(history) == 2
    assert any("revision 1 (giữ nguyên / unchanged)" in str(a.data) for a in history)


def test_a_domain_error_fails_the_run_in_one_line(job: dict[str, Any]) -> None:
    with pytest.raises(ReviewError, match="unknown org unit 99999"):
        review_flow("2024S1", job["config"], job["url"], root="99999")
    run = flow_runs_named("review-2024S1-99999")[0]
    assert run.state_name == "Failed"
    assert run.state is not None
    assert run.state.message == "đơn vị 99999 không tồn tại / unknown org unit 99999"
    messages = log_messages(run.id, waiting_for="unknown org unit 99999")
    assert any("unknown org unit 99999" in m for m in messages)
    assert not any("Traceback" in m for m in messages)


def test_two_reviews_of_one_period_never_run_at_once(
    job: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(support, "REVIEW_LOCK_WAIT_SECONDS", 3)
    with support.review_lock("chitieu-review-2024-834"):  # a year-end review is running
        with (
            pytest.raises(
                SnapshotConflict,
                match=r"^một lần đánh giá khác vẫn đang chạy \(chitieu-review-2024-834\); đã "
                r"chờ 0 phút / another review is still running \(chitieu-review-2024-834\)",
            ),
            support.review_lock("chitieu-review-2024-834"),
        ):
            pass
        with support.review_lock("chitieu-review-2024s1-834"):  # another period goes ahead
            pass
        # a run from the command line (no deployment) does not wait: the warehouse
        # itself refuses a second writer
        assert review_flow("2024", job["config"], job["url"]).checks_passed
    with support.review_lock("chitieu-review-2024-834"):  # released
        pass


def test_a_dry_run_publishes_nothing(job: dict[str, Any], tmp_path: Path) -> None:
    outcome = review_flow(
        "2024", job["config"], job["url"], dry_run=True, reports_dir=str(tmp_path / "r")
    )
    assert outcome.published is None
    assert outcome.reports == []
    assert not (tmp_path / "r").exists()


def test_data_docs_are_linked_when_the_gate_built_them(
    job: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    page = tmp_path / "validations" / "index.html"
    real = pipeline.prepare_review

    def with_docs(*args: Any, **kwargs: Any) -> pipeline.PreparedReview:
        return dataclasses.replace(real(*args, **kwargs), data_docs=page)

    monkeypatch.setattr(pipeline, "prepare_review", with_docs)
    outcome, run = called(review_flow, "2024S1", job["config"], job["url"], dry_run=True)
    assert outcome.data_docs == str(page)
    link = artifacts_of(run.id)["review-2024s1-834-data-docs"]
    assert page.as_uri() in str(link.data)


def test_an_empty_inbox_is_an_intake_of_nothing(job: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / "inbox").mkdir()
    outcomes, run = called(intake_flow, [str(tmp_path / "inbox")], job["config"], job["url"])
    assert outcomes == []
    artifacts = artifacts_of(run.id)
    assert artifacts[None].data == 100.0
    assert run.name.startswith("intake-")  # the month that closed last, today
    summary, rejected = artifacts[run.name.lower()], artifacts[f"{run.name.lower()}-rejected"]
    assert "0 tệp / files" in str(summary.data)
    assert (rejected.type, json.loads(str(rejected.data))) == ("table", [])


def test_reading_the_inbox_is_retried_only_after_io_errors(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    prefect_api_url: str,  # noqa: F811
) -> None:
    calls: list[str] = []

    def flaky(inputs: list[Path], own: object) -> tuple[list[tuple[str, str]], list[FileOutcome]]:
        calls.append("flaky")
        if len(calls) == 1:
            raise OSError("the network share went away")
        return [], []

    @flow
    def quick(inputs: list[str]) -> tuple[list[tuple[str, str]], Receipts]:
        return gather_submissions.with_options(retry_delay_seconds=0)(inputs, [])

    monkeypatch.setattr(pipeline, "fingerprint_inbox", flaky)
    found, refused = quick([str(tmp_path)])
    assert (found, list(refused)) == ([], [])
    assert calls == ["flaky", "flaky"]

    def wrong(inputs: list[Path], own: object) -> tuple[list[tuple[str, str]], list[FileOutcome]]:
        calls.append("wrong")
        raise ChitieuError("not a folder of submissions")

    monkeypatch.setattr(pipeline, "fingerprint_inbox", wrong)
    with pytest.raises(ChitieuError, match="not a folder"):
        quick([str(tmp_path)])
    assert calls.count("wrong") == 1  # a domain error fails the same way every time


def test_an_intake_is_named_after_the_periods_it_received(
    tmp_path: Path,
    prefect_api_url: str,  # noqa: F811
) -> None:
    """No month given: July's files name the run and tag it; its artifacts list the
    warnings, whom to chase for July (Hưng Lễ sent nothing) and the missing unit's event."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for path in sorted((example_dir() / "submissions" / "2024M07").iterdir()):
        if not path.name.startswith("29047"):
            shutil.copy(path, inbox / path.name)
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    config = str(example_dir() / "config")
    outcomes, run = called(intake_flow, [str(inbox)], config, url)
    assert len(outcomes) == 21
    assert run.name == "intake-2024M07-834"
    assert {"chitieu", "intake", "period:2024M07", "unit:834"} <= set(run.tags)
    artifacts = artifacts_of(run.id)
    status = artifacts["intake-2024m07-834-status"]
    assert status.type == "table"
    [chased] = json.loads(str(status.data))
    assert (chased["Tên / name"], chased["Tình trạng / state"]) == (
        "Xã Hưng Lễ",
        "chưa gửi / missing",
    )
    assert artifacts["intake-2024m07-834-warnings"].type == "table"
    summary = str(artifacts["intake-2024m07-834"].data)
    # the 21 communes (SPEC §3.6, issue 12: the district is not its own reporter)
    assert "- 2024M07: 20/21 đúng hạn / on time, 0 trễ / late, 1 chưa gửi / missing" in summary
    [missing] = events(prefect_api_url, "chitieu.report.missing", run.id, at_least=1)
    assert missing["resource"]["prefect.resource.id"] == "chitieu.org_unit.29047"
    assert missing["resource"]["chitieu.due"] == "2024-07-16"


def test_a_command_flow_records_its_parameters_as_prefect_records_them() -> None:
    """`support.CommandFlow` skips FastAPI's encoder for plain JSON only: the run's
    parameters are what Prefect's own encoding gives, whatever they hold."""
    from prefect import Flow

    plain = {
        "inputs": ["inbox/a.csv", "b"],
        "config_dir": "config",
        "warehouse_url": None,
        "batch_files": 2000,
        "pair": ("x", 1.5),
        "nested": {"k": [True, None]},
    }
    assert intake_flow.serialize_parameters(plain) == Flow.serialize_parameters(intake_flow, plain)
    other = {"inputs": [Path("inbox")], "month": None}
    assert intake_flow.serialize_parameters(other) == Flow.serialize_parameters(intake_flow, other)
    assert intake_flow.serialize_parameters(other) == {"inputs": ["inbox"], "month": None}


def test_a_command_flow_run_attended_sends_no_heartbeats(
    prefect_api_url: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`support.attended` turns heartbeats off for the runs inside it and changes no other
    setting; ``PREFECT_FLOWS_HEARTBEAT_FREQUENCY`` set by the user keeps them on."""
    from prefect.settings import get_current_settings

    @flow
    def seen() -> tuple[int | None, str | None]:
        settings = get_current_settings()  # what the run's engine reads
        return settings.flows.heartbeat_frequency, settings.api.url

    before = get_current_settings()
    monkeypatch.delenv(support.HEARTBEAT_ENV, raising=False)
    with support.attended():
        frequency, url = seen()
        inside = get_current_settings()
    assert frequency is None
    assert url == before.api.url == prefect_api_url
    assert inside.model_dump(exclude={"flows"}) == before.model_dump(exclude={"flows"})
    assert inside.flows.model_dump(exclude={"heartbeat_frequency"}) == before.flows.model_dump(
        exclude={"heartbeat_frequency"}
    )
    assert get_current_settings().flows.heartbeat_frequency == before.flows.heartbeat_frequency

    monkeypatch.setenv(support.HEARTBEAT_ENV, "60")
    with support.attended():
        assert get_current_settings() is before


def test_a_file_where_a_folder_is_kept_fails_the_run_in_one_line(
    job: dict[str, Any], tmp_path: Path
) -> None:
    """As a deployed run meets it (no command line to check first): before any work."""
    shutil.copy(job["root"] / "warehouse.duckdb", tmp_path / "w.duckdb")
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    (tmp_path / "w.quality").write_text("x")
    state = review_flow("2024", job["config"], url, return_state=True)
    assert state.is_failed()
    assert state.message is not None
    assert state.message.startswith(f"{tmp_path / 'w.quality'} là một tệp, không phải thư mục")
    assert "chitieu keeps the quality checks' results there" in state.message
    with pytest.raises(FolderBlocked):
        state.result()
    (tmp_path / "w.archive").write_text("x")
    with pytest.raises(FolderBlocked, match="chitieu keeps the archive of received files"):
        intake_flow([str(job["root"] / "inbox" / "2024M01")], job["config"], url)
    assert not (tmp_path / "w.reports").exists()
