"""The job end to end through the command line, on the bundled example in a temporary
folder: intake, reviews, reports, supersession, duplicates, revisions, tampering and a
crash in the middle of publishing.

CLI subprocesses run their flows on one Prefect test server for the session.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest
from prefect_fixtures import prefect_api_url, prefect_env  # noqa: F401

EXAMPLE = Path(__file__).parents[1] / "examples" / "giong_trom_2024"
ARTICLE_SUMMARY = (
    "thực hiện vượt 2/31 chỉ tiêu; cơ bản đạt 4/31 chỉ tiêu; 15/31 chỉ tiêu đạt từ 50% "
    "trở lên; 7/31 chỉ tiêu đạt dưới 50%, trong đó có 2 chỉ tiêu chưa thực hiện; "
    "3/31 chỉ tiêu đánh giá vào cuối năm"
)
TABLES = (
    "submissions",
    "submission_values",
    "validation_issues",
    "snapshots",
    "snapshot_indicators",
    "snapshot_elements",
    "snapshot_inputs",
)

pytestmark = pytest.mark.slow


def chitieu(
    *args: str, env: dict[str, str], cwd: Path, check: bool = True
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "chitieu", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"chitieu {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def outcome_line(output: str, source_name: str) -> str:
    """The line ``chitieu intake`` printed for one file."""
    matches = [  # the path as given or resolved: " inbox/x.csv" or "/tmp/.../inbox/x.csv"
        line
        for line in output.splitlines()
        if any(
            line.endswith(f"{sep}{source_name}") or f"{sep}{source_name}  [" in line
            for sep in (" ", "/")
        )
    ]
    assert len(matches) == 1, (source_name, matches)
    return matches[0]


def dump(database: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, in a fixed order: the warehouse's whole state."""
    with duckdb.connect(str(database), read_only=True) as con:
        return {
            table: sorted(con.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
            for table in TABLES
        }


@pytest.fixture(scope="module")
def job(tmp_path_factory: pytest.TempPathFactory, prefect_api_url: str) -> dict[str, object]:  # noqa: F811
    """The example ingested and both reviews published once, shared by the tests."""
    root = tmp_path_factory.mktemp("job")
    shutil.copytree(EXAMPLE / "config", root / "config")
    shutil.copytree(EXAMPLE / "submissions", root / "inbox")
    env = dict(os.environ, PREFECT_API_URL=prefect_api_url)
    env.pop("CHITIEU_WAREHOUSE", None)
    intake = chitieu("intake", "inbox", env=env, cwd=root)
    reviews = {p: chitieu("review", p, env=env, cwd=root) for p in ("2024S1", "2024")}
    return {"root": root, "env": env, "intake": intake, "reviews": reviews}


def test_intake_says_what_happened_to_each_file(job):
    out = job["intake"].stdout
    special = json.loads((EXAMPLE / "expected.json").read_text("utf-8"))["intake"]
    assert f"{special['files']} tệp / files" in out
    for name, status in special["special_files"].items():
        assert f"/ {status}" in outcome_line(out, name.replace("submissions/", "inbox/")), name
    rejected = out.splitlines()
    at = rejected.index(
        outcome_line(out, "inbox/2024M04/29017_2024M04_rejected_negative_value.csv")
    )
    assert "line" in rejected[at + 1]
    assert "VIEC_LAM_MOI" in rejected[at + 1]


def test_example_reproduces_the_article(job):
    assert ARTICLE_SUMMARY in job["reviews"]["2024S1"].stdout
    assert "published revision 1" in job["reviews"]["2024S1"].stdout
    report = chitieu("report", "2024S1", "--format", "json", env=job["env"], cwd=job["root"]).stdout
    document = json.loads(report)
    assert document["summary"] == ARTICLE_SUMMARY
    assert document["counts"]["exceeded"] == 2
    assert document["counts"]["not_started"] == 2
    rows = {r["indicator_code"]: r for r in document["indicators"]}
    assert (rows["CT01"]["actual"], rows["CT01"]["percent"]) == (102, 78.46)


def test_markdown_report_uses_vietnamese_number_format(job):
    text = chitieu("report", "2024S1", "--lang", "vi", env=job["env"], cwd=job["root"]).stdout
    assert "| CT05 |" in text
    assert "1.752" in text
    assert "3.300" in text
    assert "53,09 %" in text
    assert "78,46 %" in text
    english = chitieu("report", "2024S1", "--lang", "en", env=job["env"], cwd=job["root"]).stdout
    assert "1,752" in english
    assert "53.09 %" in english
    assert "exceeded 2/31" in english


def test_resubmission_supersedes_and_rejected_resubmission_does_not(job):
    with duckdb.connect(str(job["root"] / "warehouse.duckdb"), read_only=True) as con:
        status = dict(
            con.execute(
                "SELECT regexp_extract(source_name, '[^/]+$'), status FROM submissions"
            ).fetchall()
        )
    assert status["29005_2024M03.csv"] == "superseded"
    assert status["29005_2024M03_resubmission_corrected.csv"] == "accepted"
    assert status["29029_2024M05.csv"] == "accepted"
    assert status["29029_2024M05_correction_rejected.csv"] == "rejected"


def test_every_received_file_is_archived_byte_for_byte(job):
    archive = job["root"] / "warehouse.archive"
    archived = {p.name for p in archive.rglob("*") if p.is_file()}
    import hashlib

    for path in (job["root"] / "inbox").rglob("*.*"):
        assert hashlib.sha256(path.read_bytes()).hexdigest() in archived, path


def test_second_review_and_duplicate_intake_change_nothing(job):
    database = job["root"] / "warehouse.duckdb"
    before = dump(database)
    again = chitieu("review", "2024S1", env=job["env"], cwd=job["root"]).stdout
    assert "inputs unchanged, revision 1 stands" in again
    assert dump(database) == before
    duplicate = chitieu("intake", "inbox/2024M01", env=job["env"], cwd=job["root"]).stdout
    assert "trùng lặp / duplicate" in duplicate
    assert "/ accepted" not in duplicate
    after = dump(database)
    for table in TABLES:
        if table != "submissions":
            assert after[table] == before[table], table
    new_rows = [r for r in after["submissions"] if r not in before["submissions"]]
    assert new_rows
    assert all("duplicate" in r for r in new_rows)


def test_changed_input_publishes_revision_2_and_tampering_is_caught(job, tmp_path):
    root, env = job["root"], job["env"]
    correction = tmp_path / "28987_2024M05_correction.csv"
    correction.write_text(
        "org_unit_code,element_code,period,value,note,submitted_at\n"
        "28987,DANG_VIEN_MOI,2024M05,9,sửa số liệu,2024-06-20T09:00:00+07:00\n",
        encoding="utf-8",
    )
    intake = chitieu("intake", str(correction), env=env, cwd=root)
    assert "/ accepted" in intake.stdout
    review = chitieu("review", "2024S1", env=env, cwd=root).stdout
    assert "published revision 2" in review
    listing = chitieu("snapshots", "list", "--period", "2024S1", env=env, cwd=root).stdout
    assert any(" 1 superseded" in line for line in listing.splitlines())
    assert any(" 2 published" in line for line in listing.splitlines())
    assert chitieu("snapshots", "verify", env=env, cwd=root).returncode == 0

    with duckdb.connect(str(root / "warehouse.duckdb")) as con:
        con.execute(
            "UPDATE snapshot_elements SET value = value + 1 WHERE snapshot_id = "
            "(SELECT snapshot_id FROM snapshots WHERE review_period = '2024S1' AND revision = 1)"
            " AND element_code = 'DANG_VIEN_MOI' AND org_unit_code = '834'"
        )
    verify = chitieu("snapshots", "verify", env=env, cwd=root, check=False)
    assert verify.returncode != 0
    assert "2024S1" in verify.stdout
    assert "revision 1" in verify.stdout


def test_a_crash_while_publishing_leaves_the_warehouse_as_it_was(job, tmp_path):
    root = tmp_path / "crash"
    shutil.copytree(job["root"] / "config", root / "config")
    shutil.copy(job["root"] / "warehouse.duckdb", root / "warehouse.duckdb")
    before = dump(root / "warehouse.duckdb")
    env = dict(job["env"], CHITIEU_FAULT_AT="publish:after_elements")
    crashed = chitieu("review", "2024Q2", env=env, cwd=root, check=False)
    assert crashed.returncode == 75, crashed.stderr
    assert dump(root / "warehouse.duckdb") == before
    # and the warehouse still works. (Another review of 2024Q2 itself would first wait
    # for the crashed run's Prefect concurrency lease to lapse, by design.)
    env.pop("CHITIEU_FAULT_AT")
    assert "published revision 1" in chitieu("review", "2024Q1", env=env, cwd=root).stdout


BAD_INPUTS = Path(__file__).parent / "data" / "bad_inputs"
INTAKE_CONFIG = Path(__file__).parent / "data" / "intake_config"


def test_an_intake_of_the_team_folder_reads_none_of_chitieus_own_files(job, tmp_path):
    """``chitieu intake .`` where the warehouse, its archive, reports, gate results, heads
    log and the configuration lie: each of those is one line, not read; only the inbox's
    files are received (each again: a duplicate, or still rejected)."""
    root = tmp_path / "team"
    shutil.copytree(job["root"], root)
    own = sorted(p.name for p in root.iterdir() if p.name != "inbox")
    assert {"config", "warehouse.duckdb", "warehouse.archive", "warehouse.heads.log"} <= set(own)
    assert {"warehouse.reports", "warehouse.quality", "warehouse.datadocs"} <= set(own)
    before = dump(root / "warehouse.duckdb")

    out = chitieu("intake", ".", env=job["env"], cwd=root).stdout
    not_read = [line.split()[-1] for line in out.splitlines() if "không đọc / not read " in line]
    assert sorted(not_read) == own
    assert out.count("chitieu's own") == len(own)
    inbox = [p for p in (root / "inbox").rglob("*") if p.is_file()]
    statuses = out.splitlines()[-1]
    assert f"{len(inbox) + len(own)} tệp / files" in statuses
    assert "chấp nhận / accepted" not in statuses
    after = dump(root / "warehouse.duckdb")
    assert after["submission_values"] == before["submission_values"]
    assert after["snapshots"] == before["snapshots"]


def test_bad_inputs_are_rejected_with_their_message_and_store_nothing(tmp_path, prefect_env):  # noqa: F811
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    cases = sorted(p for p in BAD_INPUTS.iterdir() if not p.name.endswith(".expected.json"))
    for case in cases:
        shutil.copy(case, inbox / case.name)
    result = chitieu(
        "intake", "inbox", "--config", str(INTAKE_CONFIG), env=prefect_env, cwd=tmp_path
    )
    lines = result.stdout.splitlines()
    for case in cases:
        expected = json.loads((BAD_INPUTS / f"{case.name}.expected.json").read_text("utf-8"))
        at = lines.index(outcome_line(result.stdout, f"inbox/{case.name}"))
        assert "từ chối / rejected" in lines[at], (case.name, lines[at])
        problem = lines[at + 1]
        assert pl.Series([problem]).str.contains(expected["message"]).item(), (case, problem)
    state = dump(tmp_path / "warehouse.duckdb")
    assert state["submission_values"] == []
    assert state["snapshots"] == []
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        statuses = {row[0] for row in con.execute("SELECT status FROM submissions").fetchall()}
    assert statuses == {"rejected"}
