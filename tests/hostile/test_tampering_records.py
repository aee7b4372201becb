"""`snapshots verify` against an owner who edits what the intake recorded of a revision's
inputs, which its document shows but the inputs' bytes do not fix: when a report was
sent or received (Phụ lục II's on time or late), who sent it, its file name, its warnings
(the quality section) and its values' notes (the Excel sheet of notes). On DuckDB and
PostgreSQL; each edit is caught as the revision's ``records`` check, and only the
revision's inputs are covered (a rejected report's records are not a revision's)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from rollup_helpers import TREE_DISTRICT, catalog, element, indicator, write_config
from tampering_fixtures import RECEIVED, publish_review
from warehouse_fixtures import warehouse_url_fixture  # noqa: F401

from chitieu import pipeline
from chitieu.cli import cli
from chitieu.config import load_config
from chitieu.warehouse import audit, open_warehouse
from chitieu.warehouse.audit import intake_records
from chitieu.warehouse.hashing import (
    CONTENT_VERSION,
    content_sha256,
    records_sha256,
    report_records,
)

HEADER = "org_unit_code,element_code,period,value,note,submitted_at,submitted_by\n"
USED = (  # C1's January: a note, a breach of the warning rule (E2 > E1), a sender
    "C1,E1,2024M01,2,ghi chú gốc,2024-02-15T08:00:00+07:00,Nguyễn Văn A\n"
    "C1,E2,2024M01,5,,2024-02-15T08:00:00+07:00,Nguyễn Văn A\n"
)
REJECTED = "C2,E1,2024M01,abc,,2024-02-15T08:00:00+07:00,Trần Thị B\n"
CLEAN = (  # C3's January: nothing to warn of, no note
    "C3,E1,2024M01,3,,2024-02-14T08:00:00+07:00,Lê Văn C\n"
    "C3,E2,2024M01,1,,2024-02-14T08:00:00+07:00,Lê Văn C\n"
)
RULE = {
    "code": "R01",
    "left": "E2",
    "operator": "<=",
    "right": "E1",
    "severity": "warning",
    "message": "E2 lớn hơn E1, kiểm tra lại",
    "message_en": "E2 exceeds E1, check it",
}


@pytest.fixture(name="published")
def published_fixture(warehouse_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A warehouse whose review 2024S1 of D (revision 1) used C1's report (#1), with its
    note, warning and sender, and C3's (#3); C2's report (#2) was rejected."""
    monkeypatch.setenv("CHITIEU_DATA_DIR", str(tmp_path / "data"))
    doc = catalog([element("E1"), element("E2")], [indicator("CT01", "E1")], "D")
    doc["rules"] = [RULE]
    config = load_config(write_config(tmp_path / "config", doc, TREE_DISTRICT))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "C1_2024M01.csv").write_text(HEADER + USED, "utf-8")
    (inbox / "C2_2024M01.csv").write_text(HEADER + REJECTED, "utf-8")
    (inbox / "C3_2024M01.csv").write_text(HEADER + CLEAN, "utf-8")
    with open_warehouse(warehouse_url) as wh:
        pipeline.ingest_batch(sorted(inbox.iterdir()), config, wh, wh.archive, RECEIVED)
        assert wh.submissions()["status"].to_list() == ["accepted", "rejected", "accepted"]
        [warning] = wh.issues(1).to_dicts()
        assert (warning["severity"], warning["check"]) == ("warning", "rule_R01")
        assert publish_review(config, wh).revision == 1
    return warehouse_url


def verify(url: str) -> Result:
    return CliRunner().invoke(cli, ["snapshots", "verify", "--warehouse", url])


def edit(url: str, sql: str, *params: object) -> None:
    """Change the database behind chitieu's back, as its owner could."""
    with open_warehouse(url) as wh:
        wh.backend.execute(sql, list(params))


def test_a_revision_records_what_its_document_reads_of_its_inputs(published: str) -> None:
    with open_warehouse(published) as wh:
        header = wh.snapshot("2024S1", "D").header
    assert header["content_version"] == CONTENT_VERSION == 4
    assert len(str(header["records_sha256"])) == 64
    with open_warehouse(published) as wh:
        each = wh.backend.rows(
            "SELECT submission_id, records_sha256 FROM snapshot_inputs ORDER BY submission_id"
        )
    assert [sid for sid, _ in each] == [1, 3]
    assert all(len(digest) == 64 for _, digest in each)
    assert each[0][1] != each[1][1]
    result = verify(published)
    assert result.exit_code == 0, result.output
    assert "no mismatch found" in result.output.splitlines()[-1]


LATER = dt.datetime(2024, 2, 20, 1, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("what", "sql", "params"),
    [
        ("sent later", "UPDATE submissions SET submitted_at = $1 WHERE submission_id = 1", [LATER]),
        (
            "sent when unknown",
            "UPDATE submissions SET submitted_at = NULL WHERE submission_id = 1",
            [],
        ),
        (
            "received later",
            "UPDATE submissions SET received_at = $1 WHERE submission_id = 1",
            [LATER],
        ),
        (
            "another sender",
            "UPDATE submissions SET submitted_by = 'Lê C' WHERE submission_id = 1",
            [],
        ),
        (
            "another file name",
            "UPDATE submissions SET source_name = 'x.csv' WHERE submission_id = 1",
            [],
        ),
        (
            "a warning reworded",
            "UPDATE validation_issues SET message_vi = 'Đúng' WHERE submission_id = 1",
            [],
        ),
        (
            "a warning made an error",
            "UPDATE validation_issues SET severity = 'error' WHERE submission_id = 1",
            [],
        ),
        ("a warning removed", "DELETE FROM validation_issues WHERE submission_id = 1", []),
        (
            "a note reworded",
            "UPDATE submission_values SET note = 'khác' WHERE note IS NOT NULL",
            [],
        ),
        ("a note removed", "UPDATE submission_values SET note = NULL WHERE submission_id = 1", []),
        (
            "a note added",
            "UPDATE submission_values SET note = 'thêm' "
            "WHERE element_code = 'E2' AND submission_id = 1",
            [],
        ),
    ],
)
def test_an_edited_intake_record_of_an_input_is_a_mismatch(
    published: str, what: str, sql: str, params: list[object]
) -> None:
    edit(published, sql, *params)
    result = verify(published)
    assert result.exit_code == 1, (what, result.output)
    mismatches = [line for line in result.output.splitlines() if line.startswith("SAI")]
    assert len(mismatches) == 1, (what, mismatches)
    assert mismatches[0].startswith(
        "SAI / MISMATCH: 2024S1 D revision 1: records: what the intake recorded of 1 of its "
        "2 reports no longer hashes to the records_sha256 each was published with: "
    )
    assert "were changed after publication" in mismatches[0]
    named = "x.csv" if what == "another file name" else "C1_2024M01.csv"
    assert mismatches[0].endswith(f"{named} (C1 2024M01, #1)"), mismatches[0]


@pytest.mark.parametrize(
    "sql",
    [
        # the rejected report is no input of the revision
        "UPDATE submissions SET submitted_at = NULL, submitted_by = 'X' WHERE submission_id = 2",
        "UPDATE validation_issues SET message_vi = 'Đúng' WHERE submission_id = 2",
        # a used report's status is not read: a later correction supersedes it
        "UPDATE submissions SET status = 'superseded' WHERE submission_id = 1",
    ],
)
def test_what_no_document_of_the_revision_reads_is_not_its_record(published: str, sql: str) -> None:
    edit(published, sql)
    result = verify(published)
    assert result.exit_code == 0, result.output


def test_a_records_hash_removed_from_the_header_is_a_mismatch(published: str) -> None:
    edit(published, "UPDATE snapshots SET records_sha256 = NULL")
    result = verify(published)
    assert result.exit_code == 1
    mismatches = [line for line in result.output.splitlines() if line.startswith("SAI")]
    assert [line.split(": ")[2] for line in mismatches] == ["content", "records"]
    assert mismatches[1].endswith(
        "records: records_sha256 is null in a revision of content_version 4: the header "
        "was changed after publication"
    )


def test_every_report_whose_records_changed_is_named(published: str) -> None:
    edit(published, "UPDATE submissions SET submitted_by = 'X' WHERE submission_id IN (1, 3)")
    [mismatch] = [line for line in verify(published).output.splitlines() if "SAI" in line]
    assert ": what the intake recorded of 2 of its 2 reports " in mismatch
    assert mismatch.endswith("/C3_2024M01.csv (C3 2024M01, #3)")
    assert "/C1_2024M01.csv (C1 2024M01, #1); " in mismatch


def test_a_reports_own_records_hash_edited_is_a_mismatch_of_those_hashes(published: str) -> None:
    edit(
        published,
        "UPDATE snapshot_inputs SET records_sha256 = $1 WHERE submission_id = 3",
        "0" * 64,
    )
    [mismatch] = [line for line in verify(published).output.splitlines() if "SAI" in line]
    assert ": records: its inputs' own records_sha256 (snapshot_inputs) hash to " in mismatch
    assert mismatch.endswith(
        "they were changed after publication; the records themselves hash as published"
    )
    edit(published, "UPDATE snapshot_inputs SET records_sha256 = NULL")
    [mismatch] = [line for line in verify(published).output.splitlines() if "SAI" in line]
    assert "they were changed after publication; the records" in mismatch


def test_records_edited_with_their_reports_hash_still_fail_the_revisions(published: str) -> None:
    """An owner who edits a report's records and writes its new own hash in
    snapshot_inputs: the header's records_sha256 (under content_sha256) no longer
    matches, and which report changed cannot be told from hashes an owner rewrote."""
    with open_warehouse(published) as wh:
        read = wh.snapshot("2024S1", "D")
        edit(published, "UPDATE submissions SET submitted_by = 'Lê C' WHERE submission_id = 1")
        records = intake_records(wh.backend, read.snapshot_id, read.inputs)
        [forged] = report_records(*records).filter(submission_id=1)["records_sha256"]
    edit(
        published, "UPDATE snapshot_inputs SET records_sha256 = $1 WHERE submission_id = 1", forged
    )
    [mismatch] = [line for line in verify(published).output.splitlines() if "SAI" in line]
    assert ": records: its inputs' own records_sha256 (snapshot_inputs) match what the " in (
        mismatch
    )
    assert mismatch.endswith(
        "either both were changed after publication (which report's records cannot be "
        "told), or the header's records_sha256 was (its content check then fails too)"
    )


def test_a_revision_hashed_by_records_v1_is_still_checked_by_it(published: str) -> None:
    """A revision of content_version 3 (published before each input held its own records
    hash) is checked as it was: one hash over every input's records."""
    with open_warehouse(published) as wh:
        read = wh.snapshot("2024S1", "D")
        records = intake_records(wh.backend, read.snapshot_id, read.inputs)
        header = {**read.header, "content_version": 3, "records_sha256": records_sha256(*records)}
        content = content_sha256(header, read.indicators, read.elements, read.inputs)
        wh.backend.execute(
            "UPDATE snapshots SET content_version = 3, records_sha256 = $1, content_sha256 = $2",
            [header["records_sha256"], content],
        )
        wh.backend.execute("UPDATE snapshot_inputs SET records_sha256 = NULL")
        # the heads log holds the revision's content_sha256 as published: not read here
        assert audit.verify(wh.backend) == []
        edit(published, "UPDATE submissions SET submitted_by = 'X' WHERE submission_id = 3")
        [mismatch] = audit.verify(wh.backend)
    assert (mismatch.check, mismatch.revision) == ("records", 1)
    assert mismatch.message.startswith("what the intake recorded of its inputs hashes to ")


@pytest.mark.parametrize("warehouse_url", ["duckdb"], indirect=True)  # it reads a DuckDB file
def test_the_records_benchmark_times_both_definitions_on_a_revision(published: str) -> None:
    """`benchmarks/bench_records.py`, which the README's figures for records v2 came from."""
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.bench_records",
            "--warehouse",
            published.removeprefix("duckdb:///"),
            "--repeat",
            "1",
        ],
        cwd=root,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(root), str(root / "src")])},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("2024S1 D revision 1: 2 inputs, 1 warnings, 1 notes")
    assert "| records v1: one hash over every input's records | " in done.stdout
    assert "| records v2: each input's digest, then one over those | " in done.stdout


def test_a_header_whose_records_hash_alone_was_changed_is_said_so(published: str) -> None:
    """Neither a report's records nor its own hash changed: verify does not say they did
    (the content check names the header)."""
    edit(published, "UPDATE snapshots SET records_sha256 = $1", "f" * 64)
    mismatches = [line for line in verify(published).output.splitlines() if "SAI" in line]
    assert [line.split(": ")[2] for line in mismatches] == ["content", "records"]
    assert mismatches[1].endswith(
        f"not the published records_sha256 {'f' * 64}: either both were changed after "
        "publication (which report's records cannot be told), or the header's "
        "records_sha256 was (its content check then fails too)"
    )
    assert "file names, senders" not in mismatches[1]
