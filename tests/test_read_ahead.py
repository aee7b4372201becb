"""``chitieu intake`` reads the files while Prefect starts (`chitieu.flows.read_ahead`):
the run records exactly what it records when its tasks read everything themselves, takes
a batch read ahead only when it is its very job, and reads for itself when the reader
is gone.

The reader is forked before anything threaded is imported, so these tests run it in
subprocesses (this one has polars imported: it never forks)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest
from prefect_fixtures import prefect_api_url, prefect_env  # noqa: F401

EXAMPLE = Path(__file__).parents[1] / "examples" / "giong_trom_2024"
READ_AHEAD_LOG = "read ahead while Prefect started"

pytestmark = pytest.mark.slow


def _folder(root: Path) -> Path:
    root.mkdir()
    shutil.copytree(EXAMPLE / "config", root / "config")
    shutil.copytree(EXAMPLE / "submissions" / "2024M01", root / "inbox" / "2024M01")
    shutil.copytree(EXAMPLE / "submissions" / "2024M04", root / "inbox" / "2024M04")
    return root


def _run(argv: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=cwd, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def _received(database: Path) -> list[tuple[object, ...]]:
    """What the warehouse recorded of each file and its values, without ids and times."""
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(
            "SELECT s.source_name, s.sha256, s.status, s.org_unit_code, s.period, "
            "count(v.submission_id), (SELECT count(*) FROM validation_issues i "
            "WHERE i.submission_id = s.submission_id) "
            "FROM submissions s LEFT JOIN submission_values v USING (submission_id) "
            "GROUP BY ALL ORDER BY ALL"
        ).fetchall()


def test_an_intake_read_ahead_records_what_one_read_by_its_tasks_does(
    tmp_path: Path,
    prefect_env: dict[str, str],  # noqa: F811
) -> None:
    results = {}
    for name, read_ahead in (("ahead", "1"), ("tasks", "0")):
        root = _folder(tmp_path / name)
        env = dict(prefect_env, CHITIEU_READ_AHEAD=read_ahead)  # "1": even on a busy machine
        argv = [sys.executable, "-m", "chitieu", "intake", "inbox"]
        for _ in range(2):  # the second time, every file is a duplicate the reader knew
            done = _run(argv, env, root)
        results[name] = (done, _received(root / "warehouse.duckdb"), root)
    ahead, tasks = results["ahead"], results["tasks"]
    assert READ_AHEAD_LOG in ahead[0].stdout + ahead[0].stderr
    assert READ_AHEAD_LOG not in tasks[0].stdout + tasks[0].stderr
    assert ahead[0].stdout == tasks[0].stdout
    assert "trùng lặp / duplicate" in ahead[0].stdout
    assert ahead[1] == tasks[1]
    assert sorted(p.name for p in (ahead[2] / "warehouse.archive").rglob("*")) == sorted(
        p.name for p in (tasks[2] / "warehouse.archive").rglob("*")
    )


SCRIPT = textwrap.dedent(
    """
    import json, os, signal, sys
    from pathlib import Path

    from chitieu.flows.read_ahead import reading_ahead

    case, url = sys.argv[1], f"duckdb:///{Path('warehouse.duckdb').resolve()}"
    with reading_ahead(["inbox"], "config", url) as ahead:
        assert ahead is not None, "no reader started"
        if case == "killed":
            os.kill(ahead.pid, signal.SIGKILL)
            from chitieu.flows.intake import intake_flow

            receipts = intake_flow(["inbox"], "config", url)
            print(json.dumps({"statuses": sorted(r.status for r in receipts)}))
        else:
            import dataclasses
            import datetime as dt

            from chitieu import pipeline, settings

            found, refused, seconds = ahead.gathered()
            ahead.release()
            job = pipeline.BatchJob(
                [path for path, _ in found],
                str(Path.cwd()),
                str(Path("config").resolve()),
                str(settings.beside_warehouse(url, "archive").resolve()),
                set(),
                ahead.received_at,
            )
            later = dataclasses.replace(job, received_at=dt.datetime.now(dt.UTC))
            print(json.dumps({
                "files": len(found),
                "other job": ahead.planned(later) is None,
                "its job": ahead.planned(job) is not None,
            }))
    """
)


def test_a_batch_read_ahead_is_taken_only_for_its_very_job(tmp_path: Path) -> None:
    root = _folder(tmp_path / "job")
    env = dict(os.environ, CHITIEU_READ_AHEAD="1")
    done = _run([sys.executable, "-c", SCRIPT, "job"], env, root)
    found = json.loads(done.stdout.splitlines()[-1])
    assert found == {"files": 45, "other job": True, "its job": True}


def test_an_intake_whose_reader_died_reads_for_itself(
    tmp_path: Path,
    prefect_env: dict[str, str],  # noqa: F811
) -> None:
    root = _folder(tmp_path / "killed")
    env = dict(prefect_env, CHITIEU_READ_AHEAD="1")
    done = _run([sys.executable, "-c", SCRIPT, "killed"], env, root)
    statuses = json.loads(done.stdout.splitlines()[-1])["statuses"]
    assert len(statuses) == 45
    assert {"accepted", "rejected"} <= set(statuses)
    assert READ_AHEAD_LOG not in done.stdout + done.stderr
