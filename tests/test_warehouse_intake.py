"""Recording intake batches: ids, values, issues, duplicates and supersession."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from warehouse_fixtures import (  # noqa: F401
    Report,
    at,
    batch,
    dump,
    file_sha,
    statuses,
    warehouse_url_fixture,
    wh_fixture,
)

from chitieu.errors import WarehouseError
from chitieu.warehouse import Warehouse, open_warehouse
from chitieu.warehouse.faults import FAULT_EXIT_CODE


def test_ids_follow_the_warehouse_in_batch_order(wh: Warehouse) -> None:
    first = wh.register_intake(batch(Report(org="C1"), Report(org="C2")))
    assert first["submission_id"].to_list() == [1, 2]
    assert first["batch_seq"].to_list() == [1, 2]
    second = wh.register_intake(batch(Report(org="C3"), Report(org="C1", period="2024M06")))
    assert second["submission_id"].to_list() == [3, 4]
    assert second["status"].to_list() == ["accepted", "accepted"]


def test_values_and_reports_of_accepted_submissions(wh: Warehouse) -> None:
    wh.register_intake(
        batch(
            Report(org="C1", values={"E1": 1.5, "E2": None}),
            Report(org="C2", status="rejected", issues=[("line 3", "range")]),
        )
    )
    values = wh.accepted_values()
    assert values.schema["value"] == pl.Float64
    assert values.rows() == [(1, "C1", "E1", "2024M05", 1.5), (1, "C1", "E2", "2024M05", None)]
    reports = wh.accepted_reports()
    assert reports["submission_id"].to_list() == [1]
    assert reports.schema["received_at"] == pl.Datetime("us", "UTC")


def test_issues_are_kept_in_found_order(wh: Warehouse) -> None:
    issues = [("line 10", "type"), ("line 9", "range"), ("D12", "required")]
    wh.register_intake(batch(Report(org="C1"), Report(org="C2", status="rejected", issues=issues)))
    found = wh.issues()
    assert found.select("submission_id", "location", "check").rows() == [
        (2, loc, check) for loc, check in issues
    ]
    assert found["message_vi"][0] == "Giá trị không hợp lệ"
    assert wh.issues(2).height == 3
    assert wh.issues(1).is_empty()


def test_timestamps_are_utc_end_to_end(wh: Warehouse) -> None:
    saigon = pl.Datetime("us", "Asia/Ho_Chi_Minh")
    received = batch(Report(submitted_at=at(1)))
    local = received.submissions.with_columns(pl.col("submitted_at").cast(saigon))
    wh.register_intake(type(received)(local, received.values, received.issues))
    stored = wh.submissions()
    assert stored.schema["submitted_at"] == pl.Datetime("us", "UTC")
    assert stored["submitted_at"].to_list() == [at(1)]


def test_a_later_submitted_at_supersedes(wh: Warehouse) -> None:
    wh.register_intake(batch(Report(submitted_at=at(1), values={"E1": 1.0})))
    result = wh.register_intake(batch(Report(submitted_at=at(2), values={"E1": 2.0})))
    assert result["status"].to_list() == ["accepted"]
    assert statuses(wh) == [(1, "superseded"), (2, "accepted")]
    assert wh.accepted_values()["value"].to_list() == [2.0]


def test_an_older_resubmission_arriving_later_is_superseded_at_once(wh: Warehouse) -> None:
    wh.register_intake(batch(Report(submitted_at=at(5), values={"E1": 5.0})))
    late = wh.register_intake(
        batch(Report(submitted_at=at(1), received_at=at(9), values={"E1": 1.0}))
    )
    assert late["status"].to_list() == ["superseded"]
    assert statuses(wh) == [(1, "accepted"), (2, "superseded")]
    assert wh.accepted_values()["value"].to_list() == [5.0]


def test_within_one_batch_the_latest_wins(wh: Warehouse) -> None:
    result = wh.register_intake(
        batch(Report(submitted_at=at(3)), Report(submitted_at=at(2)), Report(org="C2"))
    )
    assert result["status"].to_list() == ["accepted", "superseded", "accepted"]


def test_same_time_means_arrival_order(wh: Warehouse) -> None:
    wh.register_intake(batch(Report(submitted_at=at(1))))
    wh.register_intake(batch(Report(submitted_at=at(1))))
    assert statuses(wh) == [(1, "superseded"), (2, "accepted")]


def test_a_rejected_report_never_displaces(wh: Warehouse) -> None:
    wh.register_intake(batch(Report(submitted_at=at(1))))
    result = wh.register_intake(
        batch(Report(submitted_at=at(2), status="rejected", issues=[("line 2", "type")]))
    )
    assert result["status"].to_list() == ["rejected"]
    assert statuses(wh) == [(1, "accepted"), (2, "rejected")]


def test_without_submitted_at_received_at_decides(wh: Warehouse) -> None:
    wh.register_intake(batch(Report(submitted_at=None, received_at=at(4))))
    wh.register_intake(batch(Report(submitted_at=at(3), received_at=at(5))))
    assert statuses(wh) == [(1, "accepted"), (2, "superseded")]
    wh.register_intake(batch(Report(submitted_at=None, received_at=at(6))))
    assert statuses(wh) == [(1, "superseded"), (2, "superseded"), (3, "accepted")]


def test_other_units_and_periods_are_untouched(wh: Warehouse) -> None:
    wh.register_intake(batch(Report(org="C1"), Report(org="C2"), Report(period="2024M06")))
    wh.register_intake(batch(Report(org="C1", submitted_at=at(1))))
    assert statuses(wh) == [(1, "superseded"), (2, "accepted"), (3, "accepted"), (4, "accepted")]


def test_duplicates_are_recorded_and_known(wh: Warehouse) -> None:
    sha = file_sha("the same bytes")
    wh.register_intake(batch(Report(sha256=sha)))
    assert wh.known_sha256([sha, file_sha("new")]) == {sha}
    again = wh.register_intake(batch(Report(sha256=sha, status="duplicate", values={})))
    assert again["status"].to_list() == ["duplicate"]
    assert statuses(wh) == [(1, "accepted"), (2, "duplicate")]
    assert wh.known_sha256([]) == set()


def test_a_file_that_is_no_submission_is_recorded(wh: Warehouse) -> None:
    result = wh.register_intake(
        batch(Report(org=None, period=None, status="rejected", issues=[("", "format")]))
    )
    assert result.select("org_unit_code", "status").rows() == [(None, "rejected")]


def test_empty_batch_changes_nothing(wh: Warehouse) -> None:
    assert wh.register_intake(batch()).is_empty()
    assert wh.submissions().is_empty()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda b: b.submissions.drop("received_at"), "missing column.*received_at"),
        (lambda b: b.submissions.with_columns(status=pl.lit("maybe")), "status must be one of"),
        (lambda b: b.submissions.with_columns(batch_seq=pl.lit(1)), "batch_seq must be set"),
        (
            lambda b: b.submissions.with_columns(org_unit_code=pl.lit(None, pl.String)),
            "accepted submission needs org_unit_code",
        ),
    ],
)
def test_a_malformed_batch_is_refused(wh: Warehouse, change: object, message: str) -> None:
    good = batch(Report(org="C1"), Report(org="C2"))
    bad = type(good)(change(good), good.values, good.issues)  # type: ignore[operator]
    with pytest.raises(WarehouseError, match=message):
        wh.register_intake(bad)
    assert wh.submissions().is_empty()


def test_values_must_belong_to_a_submission(wh: Warehouse) -> None:
    good = batch(Report())
    orphan = good.values.with_columns(batch_seq=pl.lit(7, pl.Int64))
    with pytest.raises(WarehouseError, match="values refer to a batch_seq with no submission"):
        wh.register_intake(type(good)(good.submissions, orphan, good.issues))


CRASH_INTAKE = """
import sys
sys.path.insert(0, {tests!r})
from warehouse_fixtures import Report, batch, at
from chitieu.warehouse import open_warehouse
wh = open_warehouse({url!r})
wh.register_intake(batch(Report(submitted_at=at(9)), Report(org="C9")))
print("not reached")
"""


def test_a_crash_during_intake_leaves_the_warehouse_as_it_was(warehouse_url: str) -> None:
    with open_warehouse(warehouse_url) as wh:
        wh.register_intake(batch(Report(submitted_at=at(1))))
        before = dump(wh)
    code = CRASH_INTAKE.format(tests=str(Path(__file__).parent), url=warehouse_url)
    env = {**os.environ, "CHITIEU_FAULT_AT": "intake:after_submissions"}
    crashed = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert crashed.returncode == FAULT_EXIT_CODE, crashed.stderr
    assert "not reached" not in crashed.stdout
    with open_warehouse(warehouse_url) as wh:
        assert dump(wh) == before
        assert wh.register_intake(batch(Report(org="C2")))["submission_id"].to_list() == [2]
