"""A fault of chitieu's own that one file sets off while its batch is validated rejects that
file, kept in the archive, and takes in the others; a fault that is no one file's stops the
intake with nothing received.

No input is known to set off such a fault (each one found was mended: a period written in
full-width digits once did, tests/data/bad_inputs); the fault is put into the validation
here, the one way to see what chitieu does with a fault it does not know of yet."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from chitieu import intake, pipeline
from chitieu.config import Config, load_config
from chitieu.examples import example_dir
from chitieu.sources import ReceivedFile
from chitieu.warehouse import open_warehouse

EXAMPLE = example_dir()
MONTH = EXAMPLE / "submissions" / "2024M05"
RECEIVED = dt.datetime(2024, 6, 20, 3, 0, tzinfo=dt.UTC)
FAULTY_UNIT = "28993"


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(EXAMPLE / "config")


@pytest.fixture
def files() -> list[ReceivedFile]:
    names = ["28984_2024M05.csv", "28987_2024M05.csv", "28993_2024M05.csv", "29041_2024M05.json"]
    return [ReceivedFile.from_bytes(name, (MONTH / name).read_bytes()) for name in names]


def fault_on(
    monkeypatch: pytest.MonkeyPatch, when: pl.Expr, message: str = "index out of range"
) -> None:
    """Validation raises, as a fault of chitieu's would, for a batch holding rows ``when``."""
    validate = intake.validate_rows

    def faulty(rows: pl.DataFrame, *args: object, **kwargs: object) -> object:
        if not rows.filter(when).is_empty():
            raise IndexError(message)
        return validate(rows, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(intake, "validate_rows", faulty)


def statuses(batch: pipeline.PlannedBatch) -> list[tuple[str, str]]:
    return batch.batch.submissions.select("source_name", "status").rows()


def test_the_file_that_sets_off_a_fault_is_rejected_and_the_others_taken(
    config: Config, files: list[ReceivedFile], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clean = pipeline.plan_batch(files, config, tmp_path / "clean.archive", set(), RECEIVED)
    fault_on(monkeypatch, pl.col("org_unit_code") == FAULTY_UNIT)
    archive = tmp_path / "w.archive"
    planned = pipeline.plan_batch(files, config, archive, set(), RECEIVED)

    faulty = "28993_2024M05.csv"
    assert statuses(planned) == [
        (name, "rejected" if name == faulty else status) for name, status in statuses(clean)
    ]
    issues = planned.batch.issues.join(
        planned.batch.submissions.select("batch_seq", "source_name"), on="batch_seq"
    )
    (issue,) = issues.filter(pl.col("source_name") == faulty).to_dicts()
    assert issue["check"] == "unchecked"
    assert "IndexError: index out of range" in issue["message_vi"]
    assert "tổ dữ liệu" in issue["message_vi"]
    assert "district data team" in issue["message_en"]
    # the other files' values and issues are those of the batch without the fault
    others = pl.col("batch_seq") != statuses(planned).index((faulty, "rejected"))
    assert planned.batch.values.equals(clean.batch.values.filter(others))
    assert planned.batch.issues.filter(others).equals(clean.batch.issues.filter(others))

    with open_warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}") as warehouse:
        result = pipeline.register_batch(warehouse, planned, config)
        received = warehouse.known_sha256([f.sha256 for f in files])
    outcome = {o.source_name: o for o in result.outcomes}
    assert outcome[faulty].status == "rejected"
    assert "chitieu" in outcome[faulty].first_problem
    assert [o.status for name, o in outcome.items() if name != faulty] == ["accepted"] * 3
    assert received == {f.sha256 for f in files}  # every file received: none is lost
    kept = {p.read_bytes() for p in archive.rglob("*") if p.is_file()}
    assert {f.content for f in files} <= kept


def test_several_faulty_files_in_a_batch_are_each_found(
    config: Config, files: list[ReceivedFile], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fault_on(monkeypatch, pl.col("org_unit_code").is_in(["28984", "29041"]))
    planned = pipeline.plan_batch(files, config, tmp_path / "a", set(), RECEIVED)
    assert [status for _, status in statuses(planned)] == [
        "rejected",
        "accepted",
        "accepted",
        "rejected",
    ]


def test_a_fault_every_file_sets_off_stops_the_intake(
    config: Config, files: list[ReceivedFile], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fault of the configuration or of chitieu, not of a file: nothing is rejected for
    it, and the files stay where they are for the intake after the fault is mended."""
    fault_on(monkeypatch, pl.col("value").is_not_null())
    with pytest.raises(IndexError):
        pipeline.plan_batch(files, config, tmp_path / "a", set(), RECEIVED)


def test_a_fault_no_single_file_sets_off_stops_the_intake(
    config: Config, files: list[ReceivedFile], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two files together set it off, neither alone: no file is to blame."""
    unit = pl.col("org_unit_code")
    fault_on(monkeypatch, (unit == "28984").any() & (unit == "28987").any())
    with pytest.raises(IndexError):
        pipeline.plan_batch(files, config, tmp_path / "a", set(), RECEIVED)
