"""The quality gate out of the command's process: in its own worker process
(`chitieu.quality.worker`) and in the gate kept warm beside the local server
(`chitieu.quality.service`): the same suite with the same verdicts as in the command's own
process, every critical check still failing its broken case, a national review's summary
decided by the command, and a worker that died replaced by the gate running here."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from test_quality_gate import BROKEN, example, first_half  # noqa: F401

from chitieu.quality import run_gate, worker
from chitieu.quality.service import GateService


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GateService]:
    """A gate kept warm under a Prefect home of this module's own."""
    started = GateService(tmp_path_factory.mktemp("prefect-home"))
    assert started.start()
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
def warm_worker(monkeypatch: pytest.MonkeyPatch) -> Iterator[worker.GateWorker]:
    """A worker of this test's own, even though GX is imported in the test process."""
    started = worker.GateWorker()
    monkeypatch.setattr(worker, "_WORKER", started)
    try:
        yield started
    finally:
        started.close()


@pytest.fixture
def kept_warm(service: GateService, monkeypatch: pytest.MonkeyPatch) -> worker.ServiceWorker:
    """This test's command finds the service under its Prefect home, as `warm()` does."""
    monkeypatch.setenv("PREFECT_HOME", str(service.home))
    monkeypatch.delenv("CHITIEU_PREFECT_SERVER", raising=False)
    found = worker._kept_warm()
    assert isinstance(found, worker.ServiceWorker)
    monkeypatch.setattr(worker, "_WORKER", found)
    return found


@pytest.fixture(params=["own worker", "kept warm"])
def elsewhere(request: pytest.FixtureRequest) -> object:
    """The gate out of this process: each test runs with each kind."""
    return request.getfixturevalue("warm_worker" if request.param == "own worker" else "kept_warm")


def test_the_example_passes_the_same_suite_in_the_worker(
    first_half,  # noqa: F811
    elsewhere,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with monkeypatch.context() as here_only:
        here_only.setattr(worker, "_WORKER", None)
        here = run_gate(*first_half)
    assert "worker" not in here.timings
    there = run_gate(*first_half)
    assert "worker" in there.timings  # it ran in the worker, after waiting for GX there
    assert there.passed
    assert there.outcomes == here.outcomes
    assert there.run_name == here.run_name


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_critical_check_fails_in_the_worker(first_half, elsewhere, name) -> None:  # noqa: F811
    doctor, evidence = BROKEN[name]
    result = run_gate(*doctor(*first_half))
    assert "worker" in result.timings
    assert not result.passed
    assert [o.name for o in result.failures()] == [name]
    assert evidence in result.reason()


def test_a_worker_that_died_leaves_the_gate_to_this_process(first_half, warm_worker) -> None:  # noqa: F811
    warm_worker._process.kill()
    warm_worker._process.join()
    doctor, evidence = BROKEN["percent_matches_formula"]
    result = run_gate(*doctor(*first_half))
    assert "worker" not in result.timings
    assert [o.name for o in result.failures()] == ["percent_matches_formula"]
    assert evidence in result.reason()


def test_warm_starts_no_worker_where_gx_is_already_imported(monkeypatch) -> None:
    import great_expectations  # noqa: F401  (the test process has it: nothing to overlap)

    monkeypatch.setattr(worker, "_WORKER", None)
    worker.warm()
    assert worker._WORKER is None


def test_a_large_review_keeps_its_summary_in_the_worker(
    first_half,  # noqa: F811
    elsewhere,
    monkeypatch,
) -> None:
    """How much of the failing rows a result names is decided by the command (a national
    review's summary), not by the worker's own copy of the limit."""
    from chitieu.quality import gate

    monkeypatch.setattr(gate, "COMPLETE_UP_TO_ROWS", 10)
    doctor, _ = BROKEN["percent_matches_formula"]
    result = run_gate(*doctor(*first_half))
    assert "worker" in result.timings
    assert result.validation is not None
    (failed,) = [r for r in result.validation["results"] if not r["success"]]
    assert "unexpected_index_list" not in failed["result"]
    assert failed["result"]["partial_unexpected_index_list"]


def test_the_frame_handed_to_a_worker_is_the_one_built(first_half) -> None:  # noqa: F811
    """A job pickles its frame as compressed Arrow IPC: what the worker reads back (and
    makes a pandas frame of for GX) is the frame built, column types and nulls included."""
    import pickle
    from multiprocessing.reduction import ForkingPickler

    from chitieu.quality.gate import GateJob
    from chitieu.quality.suite import gate_frame

    rollup, config = first_half
    frame = gate_frame(rollup, config)
    job = GateJob(frame, config, "review-2024S1-834", None, {"frame": 0.1}, True)
    received = pickle.loads(ForkingPickler.dumps(job))
    assert received.frame.schema == frame.schema
    assert received.frame.equals(frame)
    assert received.frame.to_pandas().equals(frame.to_pandas())
    others = [f.name for f in dataclasses.fields(GateJob) if f.name not in ("frame", "config")]
    assert [getattr(received, n) for n in others] == [getattr(job, n) for n in others]
    assert received.config.catalog == job.config.catalog
