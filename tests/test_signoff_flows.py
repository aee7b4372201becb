"""The review flow on an approved review (a scheduled rerun, say), on the session's Prefect
test server: it publishes nothing and ends Completed, named ``Locked``, with the approval
and the held reports in its summary artifact; a review date's child run does the same."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from example_fixtures import CONFIG_DIR, build_example
from prefect.client.schemas.objects import StateType
from prefect_fixtures import prefect_api_url  # noqa: F401
from prefect_queries import artifacts_of, called, log_messages
from signoff_fixtures import late_correction

from chitieu import pipeline
from chitieu.config import load_config
from chitieu.flows.cycle import review_date_flow
from chitieu.flows.review import review_flow
from chitieu.warehouse import open_warehouse


@pytest.fixture(scope="module")
def approved(tmp_path_factory: pytest.TempPathFactory, prefect_api_url: str) -> dict[str, Any]:  # noqa: F811
    """The example on DuckDB, 2024S1 revision 2 approved, then a late correction held."""
    folder = tmp_path_factory.mktemp("signoff-flows")
    url = f"duckdb:///{folder / 'warehouse.duckdb'}"
    build_example(url, folder)
    with open_warehouse(url) as wh:
        wh.approve("2024S1", "834", "Nguyễn Văn A", title="Chủ tịch UBND huyện")
        pipeline.ingest_batch(
            [late_correction(folder)], load_config(CONFIG_DIR), wh, folder / "archive"
        )
        before = wh.list_snapshots().height
    return {"url": url, "folder": folder, "snapshots": before}


def test_a_rerun_on_an_approved_review_ends_locked_with_the_reason(
    approved: dict[str, Any],
) -> None:
    outcome, run = called(review_flow, "2024S1", str(CONFIG_DIR), approved["url"])
    assert outcome.published is None
    assert "2024S1 834 is approved (revision 2, Nguyễn Văn A" in outcome.locked
    assert run.state is not None
    assert (run.state.type, run.state_name) == (StateType.COMPLETED, "Locked")
    assert "reopen it first" in str(run.state.message)
    summary = str(artifacts_of(run.id)["review-2024s1-834"].data)
    assert "**Không công bố gì.**" in summary
    assert "**Nothing published.** The review is approved: revision 2, Nguyễn Văn A" in summary
    assert "Báo cáo đang bị giữ lại / reports held: 1" in summary
    assert "| 28987 | 2024M05 |" in summary
    assert "`chitieu reopen 2024S1 --org 834 --by … --reason …`" in summary
    messages = log_messages(run.id, waiting_for="nothing published")
    assert any("Không công bố gì / nothing published" in m for m in messages)
    with open_warehouse(approved["url"]) as wh:
        assert wh.list_snapshots().height == approved["snapshots"]


def test_a_review_date_on_an_approved_review_is_not_a_failure(approved: dict[str, Any]) -> None:
    outcome, run = called(review_date_flow, "2024S1", None, str(CONFIG_DIR), approved["url"])
    assert outcome.locked
    assert run.state is not None
    assert run.state.type == StateType.COMPLETED


def test_a_dry_run_flow_on_an_approved_review_publishes_nothing(
    approved: dict[str, Any], tmp_path: Path
) -> None:
    outcome = review_flow(
        "2024S1", str(CONFIG_DIR), approved["url"], dry_run=True, reports_dir=str(tmp_path)
    )
    assert outcome.published is None
    assert outcome.locked is None  # a dry run rolls up; it never publishes anyway
    assert not list(tmp_path.iterdir())
