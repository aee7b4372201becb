"""Intake in batches, validated apart and registered in order, leaves the warehouse exactly
as one batch does: the same submissions, ids, statuses, values and issues."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest

from chitieu import pipeline
from chitieu.config import Config, load_config
from chitieu.examples import example_dir
from chitieu.sources import ReceivedFile
from chitieu.warehouse import open_warehouse

EXAMPLE = example_dir()
RECEIVED = dt.datetime(2024, 12, 19, 0, 0, tzinfo=dt.UTC)
# issues are numbered within an intake batch: compared by their order in each submission
COMPARED = {
    "submissions": "*",
    "submission_values": "*",
    "validation_issues": "submission_id, "
    "row_number() OVER (PARTITION BY submission_id ORDER BY issue_no), "
    'location, element_code, value, "check", message_vi, message_en',
}


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(EXAMPLE / "config")


def ingest(paths: list[Path], config: Config, database: Path, size: int) -> list[str]:
    """The flow's way: hashes first, batches planned without the warehouse, then
    registered one at a time; returns each file's status."""
    url = f"duckdb:///{database}"
    groups = pipeline.batches(paths, size)
    hashes = [pipeline.fingerprints(group) for group in groups]
    with open_warehouse(url) as warehouse:
        received = warehouse.known_sha256([h for group in hashes for h in group])
    planned = [
        pipeline.plan_batch(
            [ReceivedFile.from_path(p) for p in group],
            config,
            database.with_suffix(".archive"),
            known,
            RECEIVED,
        )
        for group, known in zip(groups, pipeline.known_before(hashes, received), strict=True)
    ]
    statuses = []
    with open_warehouse(url) as warehouse:
        for batch in planned:
            statuses += [
                o.status for o in pipeline.register_batch(warehouse, batch, config).outcomes
            ]
    return statuses


def dump(database: Path) -> dict[str, list[tuple[object, ...]]]:
    with duckdb.connect(str(database), read_only=True) as con:
        return {
            table: sorted(con.execute(f"SELECT {columns} FROM {table}").fetchall(), key=repr)
            for table, columns in COMPARED.items()
        }


def test_known_before_counts_earlier_batches_and_the_warehouse() -> None:
    known = pipeline.known_before([["a", "b"], ["b", "c"], ["d", "a"]], {"d", "z"})
    assert known == [set(), {"b"}, {"d", "a"}]


def test_batches_leave_the_same_warehouse_as_one(config: Config, tmp_path: Path) -> None:
    paths = pipeline.gather_files([EXAMPLE / "submissions"])
    one = ingest(paths, config, tmp_path / "one.duckdb", len(paths))
    many = ingest(paths, config, tmp_path / "many.duckdb", 37)
    assert many == one
    assert sorted(set(one)) == ["accepted", "duplicate", "rejected", "superseded"]
    assert dump(tmp_path / "many.duckdb") == dump(tmp_path / "one.duckdb")


def test_the_same_bytes_in_a_later_batch_are_a_duplicate(config: Config, tmp_path: Path) -> None:
    month = EXAMPLE / "submissions" / "2024M02"
    original, copy = month / "28996_2024M02.csv", month / "28996_2024M02_duplicate (1).csv"
    assert original.read_bytes() == copy.read_bytes()
    statuses = ingest([original, copy], config, tmp_path / "w.duckdb", 1)
    assert statuses == ["accepted", "duplicate"]
    # and again, whole: everything was received before
    assert ingest([original, copy], config, tmp_path / "w.duckdb", 1) == ["duplicate"] * 2


def test_each_file_gets_its_outcome(tmp_path: Path) -> None:
    """A file of two reports, one refused (partly rejected, its problems counted and the
    first named), the same bytes again under another name (a duplicate), a resubmission
    (superseding: the earlier file's report is superseded), and a file that is not a
    submission at all."""
    config = load_config(Path(__file__).parent / "data" / "intake_config")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    header = "org_unit_code,element_code,period,value,submitted_at\n"
    two = (
        header + "28993,DANG_VIEN_MOI,2024M05,4,2024-05-16T09:00:00+07:00\n"
        "00101,DANG_VIEN_MOI,2024M05,-1,2024-05-16T09:00:00+07:00\n"
        "00101,DAT_NTM,2024M05,2,2024-05-16T09:00:00+07:00\n"
    )
    later = header + "28993,DANG_VIEN_MOI,2024M05,5,2024-05-17T09:00:00+07:00\n"
    files = {"two.csv": two, "copy.csv": two, "later.csv": later, "notes.txt": "xin chào"}
    for name, text in files.items():
        (inbox / name).write_text(text, "utf-8")
    paths = [inbox / name for name in files]
    with open_warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}") as warehouse:
        done = pipeline.ingest_batch(paths, config, warehouse, tmp_path / "archive", RECEIVED)
    by_name = {Path(o.source_name).name: o for o in done.outcomes}
    assert [Path(o.source_name).name for o in done.outcomes] == list(files)
    two_reports = by_name["two.csv"]
    assert two_reports.status == "partly rejected"
    assert two_reports.reports == ["28993 2024M05 (superseded)", "00101 2024M05 (rejected)"]
    assert two_reports.problem_count == 2
    assert two_reports.first_problem.startswith("line 3: ")
    assert (by_name["copy.csv"].status, by_name["copy.csv"].reports) == ("duplicate", [])
    assert by_name["later.csv"].status == "accepted"
    assert by_name["later.csv"].reports == ["28993 2024M05 (accepted)"]
    assert by_name["notes.txt"].status == "rejected"
    assert by_name["notes.txt"].problem_count == 1
    assert by_name["notes.txt"].reports == []


@pytest.mark.parametrize(
    ("files", "size", "sizes"),
    [
        (10_774, 2000, [1795, 1796, 1796, 1795, 1796, 1796]),
        (2001, 2000, [1000, 1001]),
        (2000, 2000, [2000]),
        (1, 2000, [1]),
        (0, 2000, []),
    ],
)
def test_batches_are_even_and_keep_the_order(files: int, size: int, sizes: list[int]) -> None:
    paths = [Path(f"{i:05d}.csv") for i in range(files)]
    groups = pipeline.batches(paths, size)
    assert [len(g) for g in groups] == sizes
    assert [p for g in groups for p in g] == paths


def test_worker_processes_plan_batches_as_this_process_does(
    config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two worker processes (spawned, as `chitieu intake` starts them for a national
    month) plan the example's batches: the warehouse is the one planning here gives."""
    paths = pipeline.gather_files([EXAMPLE / "submissions"])
    here = ingest(paths, config, tmp_path / "here.duckdb", 60)
    monkeypatch.setenv("CHITIEU_INTAKE_PROCESSES", "2")
    groups = pipeline.batches(paths, 60)
    config_dir = str((EXAMPLE / "config").resolve())
    url = f"duckdb:///{tmp_path / 'workers.duckdb'}"
    statuses = []
    with pipeline.intake_workers(len(groups), config_dir) as workers:
        assert workers.processes == 2
        with open_warehouse(url) as warehouse:
            hashes = [pipeline.fingerprints(group) for group in groups]
            known = pipeline.known_before(hashes, warehouse.known_sha256([]))
            planning = [
                workers.plan(
                    pipeline.BatchJob(
                        [str(p) for p in group],
                        ".",
                        config_dir,
                        str(tmp_path / "workers.archive"),
                        seen,
                        RECEIVED,
                    )
                )
                for group, seen in zip(groups, known, strict=True)
            ]
            for planned in planning:
                registered = pipeline.register_batch(
                    warehouse, planned.result(), load_config(config_dir)
                )
                statuses += [o.status for o in registered.outcomes]
    assert statuses == here
    assert dump(tmp_path / "workers.duckdb") == dump(tmp_path / "here.duckdb")
    archived = sorted(p.name for p in (tmp_path / "workers.archive").rglob("*") if p.is_file())
    assert archived == sorted(p.name for p in (tmp_path / "here.archive").rglob("*") if p.is_file())


def test_queued_batches_are_planned_in_their_order_whichever_task_asks_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The intake flow hands every batch to the workers in batch order (`queue`); its
    tasks, started side by side by the flow's threads, each take the plan of their own
    batch, whatever order they ask in, and a task asking again (a retry) has its batch
    planned again."""
    monkeypatch.setenv("CHITIEU_INTAKE_PROCESSES", "2")
    config_dir = str((EXAMPLE / "config").resolve())
    paths = [str(p) for p in pipeline.gather_files([EXAMPLE / "submissions"])][:8]
    jobs = [
        pipeline.BatchJob(
            paths[n : n + 2], ".", config_dir, str(tmp_path / "archive"), set(), RECEIVED
        )
        for n in range(0, 8, 2)
    ]
    with pipeline.intake_workers(len(jobs), config_dir) as workers:
        queued = workers.queue(jobs)
        assert len(queued) == len(jobs)
        with ThreadPoolExecutor(4) as threads:
            taken = list(threads.map(workers.plan, reversed(jobs)))
        assert taken[::-1] == queued  # the very plans queued, each to its own batch
        assert [p.files for p in (f.result() for f in taken[::-1])] == [
            p.files for p in (job.plan() for job in jobs)
        ]
        again = workers.plan(jobs[0])
        assert again not in queued
        assert again.result().files == taken[-1].result().files


def test_one_batch_is_planned_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHITIEU_INTAKE_PROCESSES", "4")
    with pipeline.intake_workers(1, ".") as workers:
        assert workers.processes == 0
    monkeypatch.setenv("CHITIEU_INTAKE_PROCESSES", "1")
    with pipeline.intake_workers(6, ".") as workers:
        assert workers.processes == 0


def test_workers_let_go_without_waiting_are_waited_for_when_the_intake_leaves_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The intake flow lets its workers go once every batch is planned, without waiting
    for their interpreters to end (its views are made meanwhile); leaving the workers'
    context waits for them, so no worker outlives the intake."""
    monkeypatch.setenv("CHITIEU_INTAKE_PROCESSES", "2")
    before = set(multiprocessing.active_children())
    with pipeline.intake_workers(2, str((EXAMPLE / "config").resolve())) as workers:
        assert workers.processes == 2
        ours = set(multiprocessing.active_children()) - before
        assert len(ours) == 2
        workers.close(wait=False)
        workers.close(wait=False)  # a second time: nothing more
    assert not [process for process in ours if process.is_alive()]
    workers.close()  # after the context: nothing to wait for


def test_receipts_read_like_the_list_of_outcomes_they_hold() -> None:
    """What the intake flow returns: a sequence Prefect does not walk, used as a list."""
    from prefect.utilities.collections import visit_collection

    from chitieu.receipts import FileOutcome, Receipts, status_counts

    outcomes = [
        FileOutcome(f"{i}.csv", f"{i:064x}", "accepted", [f"2898{i} 2024M05 (accepted)"], "", 0)
        for i in range(3)
    ]
    receipts = Receipts(outcomes)
    assert len(receipts) == 3
    assert list(receipts) == outcomes
    assert receipts[1] == outcomes[1]
    assert receipts[1:] == outcomes[1:]
    assert receipts == outcomes
    assert receipts == Receipts(outcomes)
    assert status_counts(receipts) == "3 chấp nhận / accepted"
    seen: list[object] = []
    visit_collection(receipts, seen.append)
    assert seen == [receipts]  # one leaf: Prefect does not walk into it
