"""`snapshots verify` against an owner who tampers behind chitieu's back, on DuckDB and
PostgreSQL: a rollback, a swapped archive file, an edited value or SHA-256 of a used
submission, a shortened or edited heads log, and the heads an auditor holds on paper."""

from __future__ import annotations

import hashlib
import json

import pytest
from tampering_fixtures import (  # noqa: F401
    Tampered,
    make_config,
    overwrite,
    publish_review,
    tampered_fixture,
    write_report,
)
from warehouse_fixtures import warehouse_url_fixture  # noqa: F401

from chitieu import pipeline
from chitieu.config import load_config

INTACT = "2 bản đã kiểm tra, toàn vẹn / revisions verified, chain intact"
NOT_CHECKED = "2 bản đã kiểm tra, không thấy sai lệch"


def mismatches(result_output: str) -> list[str]:
    return [line for line in result_output.splitlines() if line.startswith("SAI / MISMATCH")]


def verify_mismatches(tampered: Tampered) -> list[str]:
    """The mismatch lines of `chitieu snapshots verify`, which found some (exit 1) and
    said so without a traceback."""
    result = tampered.verify()
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return mismatches(result.output)


def roll_back(tampered: Tampered) -> None:
    """Delete revision 2 and publish revision 1 again: a chain consistent by itself."""
    latest = tampered.published[1].snapshot_id
    for table in ("snapshot_elements", "snapshot_indicators", "snapshot_inputs", "snapshots"):
        tampered.execute(f"DELETE FROM {table} WHERE snapshot_id = $1", latest)
    tampered.execute("UPDATE snapshots SET status = 'published' WHERE revision = 1")


def test_an_untouched_warehouse_verifies_whole(tampered: Tampered) -> None:
    result = tampered.verify()
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == INTACT
    assert f"heads log {tampered.heads_log}: 2 line(s) for this warehouse since" in result.output
    assert "4 received file(s) re-hashed" in result.output
    assert "2 revision(s) recomputed from their inputs" in result.output


def test_a_rollback_is_caught_by_the_heads_log(tampered: Tampered) -> None:
    roll_back(tampered)
    with tampered.open() as wh:
        by_itself = [p for p in wh.verify() if p.check != "rollback"]
    assert by_itself == []  # the chain alone looks intact: that is what a rollback leaves
    result = tampered.verify()
    assert result.exit_code == 1
    head = tampered.published[1].content_sha256
    [problem] = mismatches(result.output)
    assert problem.startswith(
        "SAI / MISMATCH: 2024S1 D revision 2: rollback: the heads log (line 2,"
    )
    assert (
        f"records revision 2 (content_sha256 {head}); the database has none, its chain ends "
        "at revision 1: published revisions were removed"
    ) in problem
    assert "sai lệch / mismatches: the warehouse is not what was published" in result.output


def test_a_head_from_a_printed_report_catches_a_rollback_the_log_does_not(
    tampered: Tampered,
) -> None:
    head = tampered.published[1].content_sha256
    intact = tampered.verify("--head", head, "--head", tampered.published[0].content_sha256[:16])
    assert intact.exit_code == 0, intact.output
    assert f"checked: head {head}: revision 2 of 2024S1 D (published)" in intact.output
    roll_back(tampered)
    tampered.heads_log.unlink()  # an owner who also removes the log
    without_head = tampered.verify()
    assert without_head.exit_code == 0  # what verify cannot see without a head or a log
    assert f"CHƯA KIỂM / NOT CHECKED: heads log: none at {tampered.heads_log}" in (
        without_head.output
    )
    assert INTACT not in without_head.output
    with_head = tampered.verify("--head", head)
    assert with_head.exit_code == 1
    assert mismatches(with_head.output) == [
        f"SAI / MISMATCH: rollback: no revision has content_sha256 {head}: the revision of "
        "the report that printed it is not in this warehouse (removed, or another warehouse)"
    ]


def test_a_head_must_look_like_one(tampered: Tampered) -> None:
    result = tampered.verify("--head", "841a064d")
    assert result.exit_code == 2
    assert "not a content_sha256 (16 to 64 hexadecimal digits)" in result.output


@pytest.mark.parametrize("how", ["replaced", "removed"])
def test_a_swapped_archive_file_is_caught(tampered: Tampered, how: str) -> None:
    submission_id, sha = tampered.submission("C2_2024M01.csv")
    archived = tampered.archived(sha)
    if how == "replaced":
        overwrite(archived, archived.read_bytes().replace(b",3,", b",5,"))
    else:
        archived.unlink()
    result = tampered.verify()
    assert result.exit_code == 1
    found = mismatches(result.output)
    assert [line.split(": archive: ")[0] for line in found] == [
        "SAI / MISMATCH: 2024S1 D revision 1",  # both revisions used C2's report
        "SAI / MISMATCH: 2024S1 D revision 2",
    ]
    expected = (
        f"its archived bytes now hash to {hashlib.sha256(archived.read_bytes()).hexdigest()}, "
        f"not {sha}: replaced"
        if how == "replaced"
        else f"missing from the archive ({archived})"
    )
    assert all(f"#{submission_id} " in line and expected in line for line in found)


def test_every_received_file_with_archive(tampered: Tampered) -> None:
    """A rejected report is archived too, but no revision used it: only --archive
    re-hashes it."""
    rejected = write_report(tampered.folder / "inbox", "C3_2024M03.csv", "C3", "2024M3", 1, "")
    with tampered.open() as wh:
        config = load_config(tampered.config_dir)
        [outcome] = pipeline.ingest_batch([rejected], config, wh, wh.archive).outcomes
    assert outcome.status == "rejected"
    submission_id, sha = tampered.submission("C3_2024M03.csv")
    overwrite(tampered.archived(sha), b"something else")
    assert tampered.verify().exit_code == 0
    every = tampered.verify("--archive")
    assert every.exit_code == 1
    [problem] = mismatches(every.output)
    assert problem.startswith(f"SAI / MISMATCH: archive: #{submission_id} {rejected}: ")
    assert "5 received file(s) re-hashed" in every.output


def test_an_edited_value_is_caught_by_recomputing(tampered: Tampered) -> None:
    submission_id, _ = tampered.submission("C2_2024M01.csv")
    tampered.execute(
        "UPDATE submission_values SET value = 5 WHERE submission_id = $1", submission_id
    )
    result = tampered.verify()
    assert result.exit_code == 1
    found = mismatches(result.output)
    assert len(found) == 2  # C2's report is an input of both revisions
    assert found[1] == (
        "SAI / MISMATCH: 2024S1 D revision 2: recomputed: rolled up again from its 3 input "
        "submissions, 6 figure(s) differ: C2 CT01 actual 3 (recomputed 5); D CT01 actual 8 "
        "(recomputed 10); D CT01 percent 80 (recomputed 100); D CT01 class on_track "
        "(recomputed exceeded); C2 E1 value 3 (recomputed 5); and 1 more"
    )
    trace = tampered.run("trace", "2024S1", "CT01")
    assert trace.exit_code == 1
    assert "✗ SAI / MISMATCH" in trace.output


def test_a_changed_sha256_of_a_used_submission(tampered: Tampered) -> None:
    submission_id, sha = tampered.submission("C3_2024M02.csv")
    forged = "f" * 64
    tampered.execute(
        "UPDATE submissions SET sha256 = $1 WHERE submission_id = $2", forged, submission_id
    )
    result = tampered.verify()
    assert result.exit_code == 1
    found = mismatches(result.output)
    assert [line.split(": submissions: ")[0] for line in found] == [
        "SAI / MISMATCH: 2024S1 D revision 1",
        "SAI / MISMATCH: 2024S1 D revision 2",
    ]
    assert (
        f"#{submission_id} now says {forged} C3 2024M02, published as {sha} C3 2024M02"
    ) in found[0]


def test_a_shortened_heads_log_is_said(tampered: Tampered) -> None:
    log = tampered.heads_log
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(b"".join(lines[:-1]))
    result = tampered.verify()
    assert result.exit_code == 0
    assert (
        "CHƯA KIỂM / NOT CHECKED: 2024S1 D: revision(s) 2 not in the heads log: published "
        "before the log began, by a process that stopped before logging it, or with another "
        "data folder (CHITIEU_DATA_DIR)"
    ) in result.output
    assert result.output.splitlines()[-1].startswith(NOT_CHECKED)


@pytest.mark.parametrize("line", [1, 2])
def test_an_edited_heads_log_is_caught(tampered: Tampered, line: int) -> None:
    log = tampered.heads_log
    lines = log.read_text("utf-8").splitlines(keepends=True)
    published = tampered.published[line - 1].content_sha256
    lines[line - 1] = lines[line - 1].replace(published, "0" * 64)
    log.write_text("".join(lines), "utf-8")
    result = tampered.verify()
    assert result.exit_code == 1
    found = mismatches(result.output)
    assert (
        f"SAI / MISMATCH: 2024S1 D revision {line}: rollback: the heads log (line {line}, "
    ) in found[-1]
    assert f"records content_sha256 {'0' * 64}; the database holds {published}" in found[-1]
    if line == 1:  # the line after it no longer follows it
        assert found[0] == (
            f"SAI / MISMATCH: heads-log: {log} line 2: does not follow the line before it: "
            "a line before it was edited, removed or inserted"
        )


def test_another_configuration_is_said_not_mismatched(tampered: Tampered) -> None:
    other = make_config(tampered.folder / "config-b", note="a later edit")
    result = tampered.verify(config_dir=other)
    assert result.exit_code == 0, result.output
    notes = [line for line in result.output.splitlines() if line.startswith("CHƯA KIỂM")]
    assert [n.split(": not recomputed: ")[0] for n in notes] == [
        "CHƯA KIỂM / NOT CHECKED: 2024S1 D revision 1",
        "CHƯA KIỂM / NOT CHECKED: 2024S1 D revision 2",
    ]
    assert f"--config {other} is " in notes[0]
    assert "(give --config the folder it was published with)" in notes[0]
    assert result.output.splitlines()[-1].startswith(NOT_CHECKED)
    missing = tampered.verify(config_dir=tampered.folder / "khong-co")
    assert "CHƯA KIỂM / NOT CHECKED: configuration: no folder" in missing.output


def test_a_warehouse_without_a_log_begins_one_at_its_next_publication(
    tampered: Tampered,
) -> None:
    """An existing warehouse from before the heads log: verify says so; the next
    publication adopts the revisions already there, then logs its own."""
    tampered.heads_log.unlink()
    result = tampered.verify()
    assert "CHƯA KIỂM / NOT CHECKED: heads log: none at" in result.output
    assert "the next publication on this machine begins it" in result.output
    config = load_config(tampered.config_dir)
    late = write_report(tampered.folder / "inbox", "C3_2024M03.csv", "C3", "2024M03", 2, "")
    with tampered.open() as wh:
        pipeline.ingest_batch([late], config, wh, wh.archive)
        assert publish_review(config, wh).revision == 3
    lines = tampered.heads_log.read_text("utf-8").splitlines()
    assert [json.loads(line)["kind"] for line in lines] == ["adopt", "adopt", "publish"]
    again = tampered.verify()
    assert again.exit_code == 0, again.output
    assert again.output.splitlines()[-1] == INTACT.replace("2 bản", "3 bản")
    assert "begun by adopting 2 revision(s) already published" in again.output


def test_an_unknown_content_version_is_a_mismatch_not_a_crash(tampered: Tampered) -> None:
    if tampered.url.startswith("postgresql"):  # the owner drops the CHECK first
        tampered.execute("ALTER TABLE snapshots DROP CONSTRAINT snapshots_content_version_check")
    tampered.execute("UPDATE snapshots SET content_version = content_version + 1")
    assert verify_mismatches(tampered) == [
        f"SAI / MISMATCH: 2024S1 D revision {revision}: content: its content_version 5 is no "
        "definition of content_sha256 (known: 1, 2, 3, 4): its rows cannot be hashed; the header "
        "was changed after publication"
        for revision in (1, 2)
    ]


def test_a_line_nested_thousands_deep_in_the_heads_log_is_a_mismatch(tampered: Tampered) -> None:
    log = tampered.heads_log
    with log.open("ab") as f:
        f.write(b"[" * 2000 + b"]" * 2000 + b"\n")
    assert verify_mismatches(tampered) == [
        f"SAI / MISMATCH: heads-log: {log} line 3: not a heads-log line (nested too deeply "
        "to be a JSON object of the log)"
    ]


HEADER_EDITS = {
    "created_at": "UPDATE snapshots SET created_at = created_at - INTERVAL '30 days' "
    "WHERE revision = 1",
    "flow_run_id": "UPDATE snapshots SET flow_run_id = 'another-run' WHERE revision = 1",
}


@pytest.mark.parametrize("field", list(HEADER_EDITS))
def test_an_edited_header_field_outside_the_hash_is_caught_by_the_heads_log(
    tampered: Tampered, field: str
) -> None:
    """created_at and flow_run_id are not in content_sha256 (a function of the content
    alone): the heads log's line for the revision records them."""
    with tampered.open() as wh:
        before = wh.snapshot("2024S1", "D", 1).header[field]
    intact = tampered.verify()
    assert "created_at and flow_run_id of 2 revision(s) against it" in intact.output
    tampered.execute(HEADER_EDITS[field])
    result = tampered.verify()
    assert result.exit_code == 1, result.output
    with tampered.open() as wh:
        after = wh.snapshot("2024S1", "D", 1).header[field]
    if field == "created_at":
        before, after = (moment.isoformat(timespec="microseconds") for moment in (before, after))
    [problem] = mismatches(result.output)
    assert problem.startswith(
        f"SAI / MISMATCH: 2024S1 D revision 1: header: its {field} is {after}; the heads log "
        "(line 1, "
    )
    assert problem.endswith(
        f"records {before}: the revision's header was changed after publication"
    )


def test_a_log_begun_later_vouches_for_the_headers_it_adopted(tampered: Tampered) -> None:
    tampered.heads_log.unlink()
    config = load_config(tampered.config_dir)
    late = write_report(tampered.folder / "inbox", "C3_2024M03.csv", "C3", "2024M03", 2, "")
    with tampered.open() as wh:
        pipeline.ingest_batch([late], config, wh, wh.archive)
        assert publish_review(config, wh).revision == 3
    adopted = json.loads(tampered.heads_log.read_text("utf-8").splitlines()[1])
    assert (adopted["kind"], adopted["revision"]) == ("adopt", 2)
    assert adopted["created_at"] == tampered.published[1].created_at.isoformat(
        timespec="microseconds"
    )
    tampered.execute("UPDATE snapshots SET flow_run_id = 'rewritten' WHERE revision = 2")
    result = tampered.verify()
    assert result.exit_code == 1, result.output
    [problem] = mismatches(result.output)
    assert problem.startswith(
        "SAI / MISMATCH: 2024S1 D revision 2: header: its flow_run_id is rewritten; the heads "
        "log (line 2, "
    )


@pytest.mark.parametrize(
    ("column", "value", "why"),
    [
        ("review_period", "2024S9", "kỳ báo cáo '2024S9' không hợp lệ: dùng một trong các dạng"),
        ("root_org_unit", "NOPE", "đơn vị NOPE không tồn tại / unknown org unit NOPE"),
    ],
)
def test_a_header_the_configuration_cannot_roll_up_is_a_mismatch(
    tampered: Tampered, column: str, value: str, why: str
) -> None:
    """Not an error that stops verify (exit 2) before it says anything else."""
    tampered.execute(f"UPDATE snapshots SET {column} = $1 WHERE revision = 1", value)
    result = tampered.verify()
    assert result.exit_code == 1, result.output
    review = "2024S9 D" if column == "review_period" else "2024S1 NOPE"
    expected = (
        f"SAI / MISMATCH: {review} revision 1: recomputed: cannot be rolled up again from its "
        f"3 input submissions with the configuration it was published with: {why}"
    )
    assert any(line.startswith(expected) for line in mismatches(result.output))
    assert f"SAI / MISMATCH: {review} revision 1: content: its rows hash to" in result.output


def test_a_null_sha256_of_an_input_is_a_mismatch(tampered: Tampered) -> None:
    submission_id, _ = tampered.submission("C3_2024M02.csv")
    tampered.execute("ALTER TABLE snapshot_inputs ALTER COLUMN sha256 DROP NOT NULL")
    tampered.execute(
        "UPDATE snapshot_inputs SET sha256 = NULL WHERE submission_id = $1", submission_id
    )
    result = tampered.verify()
    assert result.exit_code == 1, result.output
    found = mismatches(result.output)
    for revision in (1, 2):
        assert (
            f"SAI / MISMATCH: 2024S1 D revision {revision}: archive: #{submission_id}: None is "
            "not a SHA-256"
        ) in found
