"""A killed intake loses nothing it received: ``chitieu intake`` killed (SIGKILL, or the
crash switch at a fault point) at several moments, mid-archive among them, leaves a
warehouse that opens and verifies, whose every registered file is whole in the archive
under its SHA-256, an archive whose names all hold whole files; and the next intake of
the same folder takes every file once, as an uninterrupted intake does.

A kill is not a power loss: the kernel still writes what the process left in its cache.
What a power loss can lose is the archive's flush order, tested in
test_warehouse_archive.py; here, what the process leaves at each moment.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import duckdb
import pytest
from prefect_fixtures import prefect_api_url, prefect_env  # noqa: F401

from chitieu import pipeline
from chitieu.config import load_config
from chitieu.lineage.verify import verify_warehouse
from chitieu.warehouse import open_warehouse
from chitieu.warehouse.archive import archived_digests
from chitieu.warehouse.faults import FAULT_ENV, FAULT_EXIT_CODE

sys.path.insert(0, str(Path(__file__).parents[1]))  # benchmarks/ sits beside src/
from benchmarks.bench_xlsx_intake import write_inbox

EXAMPLE = Path(__file__).parents[1] / "examples" / "giong_trom_2024"
WORKBOOKS = 600
"""Filled commune workbooks beside the example's files: an intake of some seconds."""

pytestmark = pytest.mark.slow


def start_intake(root: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "chitieu", "intake", "inbox"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # killed with whatever it started
    )


def parts(archive: Path) -> list[Path]:
    return list(archive.glob("[0-9a-f][0-9a-f]/.*.part"))


def kill_mid_archive(root: Path, env: dict[str, str], delay: float) -> None:
    """SIGKILL the intake ``delay`` seconds after it writes its first temporary file (the
    archive is written a group of files at a time as they are read, and the files an
    intake killed before archived are not written again: some tenths of a second for
    the rest of these)."""
    archive = root / "warehouse.archive"
    left = set(parts(archive))  # by the intake killed before: this one removes them
    intake = start_intake(root, env)
    deadline = time.monotonic() + 120
    while not set(parts(archive)) - left and intake.poll() is None:
        assert time.monotonic() < deadline, "the intake wrote nothing in two minutes"
        time.sleep(0.02)
    time.sleep(delay)
    os.killpg(intake.pid, signal.SIGKILL)
    assert intake.wait(30) == -signal.SIGKILL, "the intake ended before it was killed"


def crash_at(point: str, root: Path, env: dict[str, str]) -> None:
    intake = start_intake(root, {**env, FAULT_ENV: point})
    _, err = intake.communicate(timeout=120)
    assert intake.returncode == FAULT_EXIT_CODE, err.decode()


def submissions(database: Path) -> list[tuple[object, ...]]:
    """(status, sha256, unit, period, values) of every submission, ids and times aside."""
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(
            "SELECT status, sha256, org_unit_code, period, n_values FROM submissions"
        ).fetchall()


def assert_nothing_received_is_lost(root: Path) -> set[str]:
    """The warehouse opens and verifies; every file it registered is whole in the archive;
    every archive name holds the whole file it names. The files it registered."""
    archive = root / "warehouse.archive"
    for kept in archive.glob("[0-9a-f][0-9a-f]/*"):
        if not kept.name.endswith(".part"):
            assert hashlib.sha256(kept.read_bytes()).hexdigest() == kept.name, kept
    with open_warehouse(f"duckdb:///{root / 'warehouse.duckdb'}", create=False) as store:
        found = verify_warehouse(store, root / "config", every_file=True)
    assert not found.problems, found.problems
    registered = {str(sha) for _, sha, *_ in submissions(root / "warehouse.duckdb")}
    digests = archived_digests(archive, registered)
    assert all(digests[sha] == sha for sha in registered), "a registered file is not archived"
    return registered


def test_a_killed_intake_loses_nothing_it_received(
    tmp_path: Path,
    prefect_env: dict[str, str],  # noqa: F811
) -> None:
    root = tmp_path / "office"
    shutil.copytree(EXAMPLE / "config", root / "config")
    shutil.copytree(EXAMPLE / "submissions", root / "inbox" / "example")
    config = load_config(root / "config")
    write_inbox(config, WORKBOOKS, tmp_path, "xlsxwriter")
    shutil.move(tmp_path / "xlsx", root / "inbox" / "workbooks")

    # on a fresh archive: the first group flushed, not renamed; then renamed, its
    # folders not flushed; then SIGKILLs as the next groups are written, and later
    for point in ("archive:after_flush", "archive:after_renames"):
        crash_at(point, root, prefect_env)
        assert not assert_nothing_received_is_lost(root), point
    rng = random.Random(16)
    for delay in (rng.uniform(0.05, 0.25), rng.uniform(0.25, 0.5)):
        kill_mid_archive(root, prefect_env, delay)
        assert not assert_nothing_received_is_lost(root), delay
    # in the warehouse's transaction, then right after it: the batch is whole or absent
    crash_at("intake:after_submissions", root, prefect_env)
    assert not assert_nothing_received_is_lost(root)
    crash_at("intake:after_commit", root, prefect_env)
    found, _ = pipeline.fingerprint_inbox([root / "inbox"])
    assert assert_nothing_received_is_lost(root) == {sha for _, sha in found}

    done = subprocess.run(
        [sys.executable, "-m", "chitieu", "intake", "inbox"],
        cwd=root,
        env=prefect_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert assert_nothing_received_is_lost(root) == {sha for _, sha in found}
    assert not parts(root / "warehouse.archive"), "the interrupted intakes' files are removed"

    # the same as one intake never interrupted, and each file once more, as a duplicate
    clean = tmp_path / "clean.duckdb"
    with open_warehouse(f"duckdb:///{clean}") as warehouse:
        pipeline.ingest_batch([Path(p) for p, _ in found], config, warehouse, tmp_path / "a")
    kept, expected = Counter(submissions(root / "warehouse.duckdb")), Counter(submissions(clean))
    again = Counter({row: n for row, n in kept.items() if row[0] == "duplicate"}) - expected
    assert kept - again == expected
    assert sorted(str(sha) for _, sha, *_ in again.elements()) == sorted(sha for _, sha in found)
