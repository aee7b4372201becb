"""Scale-out: with CHITIEU_TASK_RUNNER=dask, intake batches are validated on a Dask
cluster (here a local one of two worker processes), or with the default runner in worker
processes of this machine, and registered in order by the flow; the warehouse ends up
exactly as with one batch planned in the flow's process."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from prefect_fixtures import prefect_api_url  # noqa: F401
from prefect_queries import called, task_run_names

from chitieu.errors import ChitieuError
from chitieu.examples import example_dir
from chitieu.flows.intake import intake_flow

pytestmark = pytest.mark.slow

# received_at is the time of each intake, the one column that must differ; issues are
# numbered within an intake batch, and compared by their order within each submission
COMPARED = {
    "submissions": "submission_id, sha256, source_name, format, org_unit_code, period, "
    "submitted_at, submitted_by, status, n_values",
    "submission_values": "*",
    "validation_issues": "submission_id, "
    "row_number() OVER (PARTITION BY submission_id ORDER BY issue_no), "
    'location, element_code, value, "check", message_vi, message_en',
}


def dump(database: Path) -> dict[str, list[tuple[object, ...]]]:
    with duckdb.connect(str(database), read_only=True) as con:
        return {
            table: sorted(con.execute(f"SELECT {columns} FROM {table}").fetchall(), key=repr)
            for table, columns in COMPARED.items()
        }


def test_dask_spreads_batches_and_changes_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    prefect_api_url: str,  # noqa: F811
) -> None:
    shutil.copytree(example_dir() / "config", tmp_path / "config")
    shutil.copytree(example_dir() / "submissions", tmp_path / "inbox")
    inbox, config = [str(tmp_path / "inbox")], str(tmp_path / "config")

    monkeypatch.delenv("CHITIEU_TASK_RUNNER", raising=False)
    threads = intake_flow(inbox, config, f"duckdb:///{tmp_path / 'threads.duckdb'}")

    monkeypatch.setenv("CHITIEU_TASK_RUNNER", "dask")
    monkeypatch.setenv("CHITIEU_DASK_WORKERS", "2")
    dask, run = called(
        intake_flow, inbox, config, f"duckdb:///{tmp_path / 'dask.duckdb'}", batch_files=40
    )

    assert [(o.source_name, o.status, o.reports) for o in dask] == [
        (o.source_name, o.status, o.reports) for o in threads
    ]
    assert dump(tmp_path / "dask.duckdb") == dump(tmp_path / "threads.duckdb")
    names = task_run_names(run.id)
    assert sum(n.startswith("validate-batch-") for n in names) == 7  # 270 files / 40
    assert sum(n.startswith("register-batch-") for n in names) == 7


def test_worker_processes_plan_the_flows_batches_and_change_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    prefect_api_url: str,  # noqa: F811
) -> None:
    """The default runner with worker processes (a national month's way): the flow
    hands its batches to them in order (`IntakeWorkers.queue`) and its tasks take them;
    the warehouse ends up as with one batch planned here."""
    shutil.copytree(example_dir() / "config", tmp_path / "config")
    shutil.copytree(example_dir() / "submissions", tmp_path / "inbox")
    inbox, config = [str(tmp_path / "inbox")], str(tmp_path / "config")
    monkeypatch.delenv("CHITIEU_TASK_RUNNER", raising=False)
    monkeypatch.setenv("CHITIEU_INTAKE_PROCESSES", "1")
    alone = intake_flow(inbox, config, f"duckdb:///{tmp_path / 'alone.duckdb'}")

    monkeypatch.setenv("CHITIEU_INTAKE_PROCESSES", "2")
    workers, run = called(
        intake_flow, inbox, config, f"duckdb:///{tmp_path / 'workers.duckdb'}", batch_files=40
    )

    assert [(o.source_name, o.status, o.reports) for o in workers] == [
        (o.source_name, o.status, o.reports) for o in alone
    ]
    assert dump(tmp_path / "workers.duckdb") == dump(tmp_path / "alone.duckdb")
    names = task_run_names(run.id)
    assert sum(n.startswith("validate-batch-") for n in names) == 7  # 270 files / 40
    assert sum(n.startswith("register-batch-") for n in names) == 7


@pytest.mark.parametrize("address", ["tcp://[::1", "dask-scheduler", "tcp://127.0.0.1:0"])
def test_a_scheduler_that_cannot_be_reached_is_said_in_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    prefect_api_url: str,  # noqa: F811
    address: str,
) -> None:
    """An address that is not one, or where nothing answers, was Dask's traceback and
    exit 70 when the first batch was submitted: now one line naming the address and the
    variable, and nothing in the warehouse."""
    shutil.copytree(example_dir() / "config", tmp_path / "config")
    shutil.copytree(example_dir() / "submissions" / "2024M05", tmp_path / "inbox")
    monkeypatch.setenv("CHITIEU_TASK_RUNNER", "dask")
    monkeypatch.setenv("CHITIEU_DASK_ADDRESS", address)
    warehouse = tmp_path / "w.duckdb"
    with pytest.raises(ChitieuError) as raised:
        intake_flow([str(tmp_path / "inbox")], str(tmp_path / "config"), f"duckdb:///{warehouse}")
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"không kết nối được bộ điều phối Dask ở '{address}'")
    assert f"cannot reach the Dask scheduler at '{address}' (CHITIEU_DASK_ADDRESS)" in message
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM submissions").fetchone() == (0,)
