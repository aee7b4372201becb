"""The hostile corpus (`make_files`), file by file: what each is told, what is stored.

Each case asserts the outcome and the message; the memory each costs is asserted in
``test_hostile_files_memory.py``, the command line's lines in
``test_hostile_files_cli.py``.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import threading
from pathlib import Path

import polars as pl
import pytest
from warehouse_fixtures import dump, warehouse_url_fixture  # noqa: F401

sys.path.insert(0, str(Path(__file__).parent))  # the generator beside this file
import make_files

from chitieu import pipeline, settings
from chitieu.config import Config, load_config
from chitieu.intake import plan_intake
from chitieu.problems import NOT_KEPT, PROBLEMS_KEPT, kept_issues
from chitieu.receipts import FileOutcome
from chitieu.sources import FileRead, ReceivedFile, read_submission
from chitieu.sources._plain_xlsx import read_plain
from chitieu.sources.inbox import Refused, gather_inbox, receive
from chitieu.sources.xlsx_files import read_reference
from chitieu.warehouse import open_warehouse
from chitieu.warehouse.archive import remove_stale_parts
from chitieu.warehouse.models import INTAKE_ISSUES_SCHEMA

RECEIVED = dt.datetime(2024, 12, 19, 0, 0, tzinfo=dt.UTC)
TOO_LARGE = "the file is larger than a report can be"


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(make_files.CONFIG)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    files = make_files.make_files(folder / "inbox")
    return {**files, **make_files.make_entries(folder / "inbox", folder / "outside")}


def read(corpus: dict[str, Path], name: str) -> FileRead:
    received = receive(corpus[name])
    assert isinstance(received, ReceivedFile), received
    return read_submission(received)


def only_problem(read: FileRead) -> tuple[str, str, str]:
    assert read.rows.is_empty()
    [problem] = read.problems
    return problem.check, problem.message_en, problem.location


# ---- workbooks ------------------------------------------------------------------------
def test_a_zip_bomb_lying_about_its_size_stops_at_the_first_byte_over(
    corpus: dict[str, Path],
) -> None:
    """3 GB of zeros in 3 MB, the headers declaring 129 KB: inflating stops at 4 MB."""
    check, message, _ = only_problem(read(corpus, "bomb_lying_size.xlsx"))
    assert check == "file_too_large"
    assert message.startswith(TOO_LARGE)
    assert "part xl/worksheets/sheet1.xml inflates to more than 4 MB, limit 4 MB" in message


def test_a_part_declaring_gigabytes_is_refused_before_a_byte_is_inflated(
    corpus: dict[str, Path],
) -> None:
    check, message, _ = only_problem(read(corpus, "bomb_declared.xlsx"))
    assert (check, TOO_LARGE in message) == ("file_too_large", True)
    assert "sheet1.xml inflates to 3 GB, limit 4 MB" in message


def test_a_sheet_of_195_mb_is_too_large(corpus: dict[str, Path]) -> None:
    """The issue's 14 MB workbook, read in 100 s and 5.9 GB and accepted: refused."""
    check, message, _ = only_problem(read(corpus, "big_sheet.xlsx"))
    assert check == "file_too_large"
    assert "part xl/worksheets/notes0.xml inflates to 195.1 MB, limit 4 MB" in message


def test_parts_under_their_limit_but_over_the_workbooks_together(
    corpus: dict[str, Path],
) -> None:
    check, message, _ = only_problem(read(corpus, "many_sheets.xlsx"))
    assert check == "file_too_large"
    assert "the workbook's parts inflate to 14.2 MB together, limit 12 MB" in message


@pytest.mark.parametrize(
    "name", ["bomb_lying_size.xlsx", "bomb_declared.xlsx", "big_sheet.xlsx", "many_sheets.xlsx"]
)
def test_both_workbook_readers_refuse_a_workbook_too_large_alike(
    corpus: dict[str, Path], name: str
) -> None:
    """The fast path answers itself (it would otherwise read the workbook twice): with
    the reference reader's answer, bit for bit."""
    received = receive(corpus[name])
    assert isinstance(received, ReceivedFile)
    plain, reference = read_plain(received), read_reference(received)
    assert plain is not None
    assert (plain.problems, plain.format) == (reference.problems, reference.format)
    assert plain.rows.is_empty()
    assert reference.rows.is_empty()


def test_a_part_no_reader_needs_is_never_inflated(corpus: dict[str, Path], config: Config) -> None:
    """A 195 MB part beside the report: the report is read (and rejected for its "n/a"),
    and no annotated copy is made (openpyxl would inflate every part)."""
    received = receive(corpus["big_unread_part.xlsx"])
    assert isinstance(received, ReceivedFile)
    batch = plan_intake([received], [read_submission(received)], config, set(), RECEIVED)
    [(location, check)] = batch.issues.select("location", "check").rows()
    assert (location, check) == ("BaoCao!D12", "value_not_number")
    from chitieu.excel.annotate import TooLarge, annotate

    with pytest.raises(TooLarge, match="an annotated copy needs less"):
        annotate(received.content, batch.issues)


# ---- CSV and JSON ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "size"), [("million_lines.csv", "25 MB"), ("huge_note.json", "150 MB")]
)
def test_a_file_larger_than_a_report_is_not_read(
    corpus: dict[str, Path], name: str, size: str
) -> None:
    refused = receive(corpus[name])
    assert isinstance(refused, Refused)
    assert refused.check == "file_too_large"
    assert refused.message_en.startswith(f"{TOO_LARGE} ({size}, limit 4 MB)")
    assert f"({size.replace('.', ',')}, giới hạn 4 MB)" in refused.message_vi


@pytest.mark.parametrize(
    ("name", "location"), [("too_many_rows.csv", "line 20002"), ("many_objects.json", "values")]
)
def test_more_rows_than_a_file_holds_stops_reading(
    corpus: dict[str, Path], name: str, location: str
) -> None:
    check, message, where = only_problem(read(corpus, name))
    assert (check, where) == ("file_too_large", location)
    assert "more than 20,000 rows of figures" in message


@pytest.mark.parametrize(
    ("name", "location", "length"),
    [("long_field.csv", "line 2", "200,000"), ("long_note.json", "values[0]", "1,000,000")],
)
def test_a_field_longer_than_a_cell_is_too_large_in_csv_and_json_alike(
    corpus: dict[str, Path], name: str, location: str, length: str
) -> None:
    """Today a CSV field over 128 KiB blamed the double quotes, and a JSON note of any
    length was stored: one limit, one message."""
    check, message, where = only_problem(read(corpus, name))
    assert (check, where) == ("file_too_large", location)
    assert f"{location} holds a field of {length} characters, limit 32,767" in message
    assert "quote" not in message


@pytest.mark.parametrize(
    ("name", "location"), [("nul_byte.csv", "line 2"), ("nul_escape.json", "values[0]")]
)
def test_a_nul_character_is_named_and_never_echoed(
    corpus: dict[str, Path], name: str, location: str
) -> None:
    check, message, where = only_problem(read(corpus, name))
    assert (check, where) == ("nul_character", location)
    assert "NUL character" in message
    assert "\x00" not in message


# ---- a row of no report -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "line", "what"),
    [
        ("unreadable_unit.csv", 4, "org unit '28987x', which is not in the list of units"),
        ("unreadable_period.csv", 5, "period '2024M13', which is not a period"),
    ],
)
def test_a_row_of_no_report_rejects_every_report_of_its_file(
    corpus: dict[str, Path], config: Config, name: str, line: int, what: str
) -> None:
    """Before: the row was a rejected "report" of its own, and 28987's report was
    accepted with all its values but that row's (22 of its 23)."""
    received = receive(corpus[name])
    assert isinstance(received, ReceivedFile)
    batch = plan_intake([received], [read_submission(received)], config, set(), RECEIVED)
    reports = batch.submissions.select("org_unit_code", "period", "status", "n_values").rows()
    assert reports == [("28987", "2024M05", "rejected", 22), (None, None, "rejected", 1)]
    assert batch.values.is_empty()
    named = batch.issues.filter(pl.col("check") == "row_without_report")
    [(seq, location, message)] = named.select("batch_seq", "location", "message_en").rows()
    assert (seq, location) == (0, f"line {line}")
    assert message.startswith(f"line {line} belongs to no report ({what}): every report")


# ---- a million problems -------------------------------------------------------------------
def test_the_first_problems_of_a_file_are_kept_and_the_rest_counted(
    corpus: dict[str, Path], config: Config
) -> None:
    received = receive(corpus["many_problems.csv"])
    assert isinstance(received, ReceivedFile)
    batch = plan_intake([received], [read_submission(received)], config, set(), RECEIVED)
    assert batch.issues.height == PROBLEMS_KEPT + 1
    last = batch.issues.row(-1, named=True)
    assert (last["check"], last["value"]) == (NOT_KEPT, "19499")
    assert last["message_en"] == (
        "… and 19,499 more problems of the file, not kept (the first 500 of each file are)"
    )
    assert "và 19.499 lỗi khác" in last["message_vi"]
    ref = [received.ref]
    registered = batch.submissions.with_columns(pl.lit(1, pl.Int64).alias("submission_id"))
    [outcome] = pipeline.outcomes(ref, registered, batch.issues)
    assert (outcome.status, outcome.problem_count) == ("rejected", 19_999)


def test_a_files_errors_are_kept_before_its_warnings_and_each_rest_counted() -> None:
    """A national file may carry thousands of warnings (a warning rule broken by many
    communes): its errors are kept first, and what is not kept is counted by severity,
    so an accepted report's count is of warnings, never of problems."""
    rows = [(0, "warning")] * (PROBLEMS_KEPT + 100) + [(0, "error")] * 3 + [(1, "warning")] * 600
    issues = pl.DataFrame(
        {
            "batch_seq": [seq for seq, _ in rows],
            "location": [f"line {i + 2}" for i in range(len(rows))],
            "element_code": None,
            "value": "1",
            "check": "a_rule",
            "message_vi": "…",
            "message_en": "…",
            "severity": [severity for _, severity in rows],
        },
        schema=INTAKE_ISSUES_SCHEMA,
    )
    files = pl.DataFrame({"batch_seq": [0, 1], "file_index": [0, 1]})
    kept = kept_issues(issues, files)
    first = kept.filter(pl.col("batch_seq") == 0)
    assert first.filter(pl.col("severity") == "error").height == 3  # all kept
    rest = kept.filter(pl.col("check") == NOT_KEPT).select("batch_seq", "severity", "value")
    assert sorted(rest.rows()) == [(0, "warning", "103"), (1, "warning", "100")]
    assert kept.filter(pl.col("check") != NOT_KEPT).height == 2 * PROBLEMS_KEPT
    [message] = kept.filter((pl.col("check") == NOT_KEPT) & (pl.col("batch_seq") == 1))[
        "message_en"
    ]
    assert (
        message == "… and 100 more warnings of the file, not kept (the first 500 of each file are)"
    )


# ---- the inbox ------------------------------------------------------------------------
def test_only_regular_files_inside_the_inbox_are_read(corpus: dict[str, Path]) -> None:
    inbox = corpus["real"].parent
    gathered = gather_inbox([inbox])
    names = {Path(p).name for p in gathered.paths}
    assert {"real.csv", "many_problems.csv"} <= names
    assert not names & {"shadow.csv", "secret.csv", "zero.csv", "again.csv", "pipe.csv"}
    assert all(inbox in p.parents for p in gathered.paths)  # nothing under elsewhere/
    refused = {Path(r.source_name).name: r.message_en for r in gathered.refused}
    assert refused == {
        "again.csv": "symbolic link to real.csv inside the inbox: links are not followed, "
        "the file itself is read under its own name",
        "elsewhere": f"symbolic link to {corpus['link_to_folder'].resolve()}, outside the "
        "inbox: no file outside the folders given is read",
        "pipe.csv": "a named pipe (FIFO), not a regular file: not opened",
        "secret.csv": f"symbolic link to {corpus['link_outside'].resolve()}, outside the "
        "inbox: no file outside the folders given is read",
        "shadow.csv": "symbolic link to /etc/shadow, outside the inbox: no file outside the "
        "folders given is read",
        "socket.csv": "a socket, not a regular file: not opened",
        "zero.csv": "symbolic link to /dev/zero, outside the inbox: no file outside the "
        "folders given is read",
    }


def test_chitieus_own_files_are_not_read_wherever_the_inbox_holds_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The warehouse's files met deep in a folder given, given by name, or by a path that
    names them otherwise (``x/../``); a file merely named like one is read."""
    monkeypatch.chdir(tmp_path)
    team = tmp_path / "team"
    (team / "data" / "w.archive" / "ab").mkdir(parents=True)
    (team / "data" / "w.archive" / "ab" / "abcd").write_text("archived")
    (team / "data" / "w.heads.log").write_text("{}\n")
    (team / "data" / "w.duckdb").write_text("")
    (team / "config").mkdir()
    (team / "config" / "org_units.csv").write_text("code\n")
    (team / "inbox" / "w.archive").mkdir(parents=True)  # not the warehouse's: read
    (team / "inbox" / "w.archive" / "r.csv").write_text("a\n")
    own = settings.kept_by_chitieu("duckdb:///team/data/w.duckdb", "team/config")

    gathered = gather_inbox([Path("team")], own)
    assert gathered.paths == [Path("team/inbox/w.archive/r.csv")]
    assert sorted(r.source_name for r in gathered.refused if r.check == "own") == [
        "team/config",
        "team/data/w.archive",
        "team/data/w.duckdb",
        "team/data/w.heads.log",
    ]
    given = [Path("team/data/w.archive"), Path("team/inbox/../config/org_units.csv")]
    gathered = gather_inbox([*given, Path("team/inbox/../config")], own)
    assert gathered.paths == [given[1]]  # a file of the configuration named by the user
    assert [r.check for r in gathered.refused] == ["own", "own"]


def test_every_folder_kept_beside_the_warehouse_is_chitieus_own() -> None:
    """The gate's folders and the heads log are named where they are written; an intake
    must not read them as reports (`settings.kept_by_chitieu` lists them by name)."""
    from chitieu.quality.results import DATA_DOCS_FOLDER, QUALITY_FOLDER
    from chitieu.warehouse.heads import LOG_NAME

    own = {p.name for p in settings.kept_by_chitieu("duckdb:////srv/w.duckdb")}
    for name in ("archive", "feedback", "reports", QUALITY_FOLDER, DATA_DOCS_FOLDER, LOG_NAME):
        assert f"w.{name}" in own


def test_a_device_given_by_name_is_not_opened() -> None:
    refused = receive(Path("/dev/zero"))
    assert isinstance(refused, Refused)
    assert refused.message_en == "a device, not a regular file: not opened"


def test_a_file_swapped_for_a_pipe_or_a_link_after_listing_is_not_read(tmp_path: Path) -> None:
    """Listed as a regular file, replaced before it is read: refused, and a pipe is never
    opened (opening one blocks until someone writes)."""
    pipe, link = tmp_path / "a.csv", tmp_path / "b.csv"
    for path in (pipe, link):
        path.write_bytes(make_files.report_csv())
    assert gather_inbox([tmp_path]).paths == [pipe, link]
    pipe.unlink()
    os.mkfifo(pipe)
    link.unlink()
    link.symlink_to("/etc/passwd")
    got: list[object] = []
    reader = threading.Thread(target=lambda: got.extend(map(receive, (pipe, link))), daemon=True)
    reader.start()
    reader.join(timeout=30)
    assert not reader.is_alive(), "receive opened the pipe and blocked"
    assert [r.check for r in got if isinstance(r, Refused)] == ["not_regular", "symlink"]


def test_the_hostile_inbox_is_ingested_and_nothing_refused_is_kept(
    corpus: dict[str, Path], config: Config, warehouse_url: str, tmp_path: Path
) -> None:
    """The whole corpus in one intake, on each backend: every file has an outcome, the
    refused ones are not archived and leave no row; names are stored as received (the
    one that is not UTF-8 with its bytes escaped), NUL-free."""
    inbox = corpus["real"].parent
    archive = tmp_path / "archive"
    found, refused = pipeline.fingerprint_inbox([inbox])
    with open_warehouse(warehouse_url) as warehouse:
        result = pipeline.ingest_batch(
            [Path(p) for p, _ in found], config, warehouse, archive, RECEIVED
        )
        rows = dump(warehouse)
    outcomes: list[FileOutcome] = result.outcomes + refused
    by_name = {Path(o.source_name).name: o for o in outcomes}
    assert {n for n, o in by_name.items() if o.status == "not read"} == {
        "again.csv",
        "elsewhere",
        "pipe.csv",
        "secret.csv",
        "shadow.csv",
        "socket.csv",
        "zero.csv",
        "million_lines.csv",
        "huge_note.json",
    }
    # four names of one report: the first read is accepted, the others are duplicates
    same = ["b\\xe1o c\\xe1o.csv", "name \x1b[31mred\x1b[0m.csv", "name\nwith newline.csv"]
    assert [by_name[n].status for n in [*same, "real.csv"]] == ["accepted"] + ["duplicate"] * 3
    assert by_name["unreadable_unit.csv"].status == "rejected"
    assert by_name["bomb_lying_size.xlsx"].first_problem.endswith(
        "check that this is the unit's report file, one report per file, and send it again"
    )
    stored = repr(rows)
    for name in ("secret.csv", "shadow.csv", "pipe.csv", "huge_note.json"):
        assert name not in stored
    assert "SECRET" not in stored
    assert "\\x00" not in stored
    archived = [p.read_bytes() for p in archive.rglob("*") if p.is_file()]
    assert not any(b"SECRET" in content for content in archived)
    assert len(archived) == len({o.sha256 for o in result.outcomes})


def test_a_batch_over_its_budget_is_planned_in_parts_in_order(
    config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch that would hold more rows than a planning step may (here 30: two reports
    of 23 rows) is planned in parts, each registered before the next is read: the
    warehouse is the one a single step gives."""
    paths = sorted((make_files.EXAMPLE / "submissions" / "2024M05").glob("*.csv"))
    with open_warehouse(f"duckdb:///{tmp_path / 'one.duckdb'}") as warehouse:
        whole = pipeline.ingest_batch(paths, config, warehouse, tmp_path / "a1", RECEIVED)
        expected = {k: v for k, v in dump(warehouse).items() if k != "schema_version"}
    monkeypatch.setattr(pipeline, "MAX_BATCH_ROWS", 30)
    job = pipeline.BatchJob(
        [str(p) for p in paths], ".", str(make_files.CONFIG), str(tmp_path / "a2"), set(), RECEIVED
    )
    planned = job.plan()
    assert len(planned.files) == 2  # 23 rows, then 46 > 30: the rest is another job
    assert planned.rest is not None
    assert planned.rest.paths == [str(p) for p in paths[2:]]
    with open_warehouse(f"duckdb:///{tmp_path / 'parts.duckdb'}") as warehouse:
        parts = pipeline.ingest_batch(paths, config, warehouse, tmp_path / "a3", RECEIVED)
        assert {k: v for k, v in dump(warehouse).items() if k != "schema_version"} == expected
    assert parts.outcomes == whole.outcomes
    assert parts.submissions.equals(whole.submissions)


def test_stale_temporary_files_of_an_interrupted_intake_are_removed(tmp_path: Path) -> None:
    """Only ours (named as the archive names them), older than the run, not being
    written (locked); never an archived file or anyone else's."""
    import fcntl

    folder = tmp_path / "archive" / "ab"
    folder.mkdir(parents=True)
    run_start = dt.datetime.now(dt.UTC)
    old = run_start.timestamp() - 3600
    names = {
        "stale": ".abcdef0123456789.x1y2z3.part",
        "writing": ".abcdef0123456789.q9w8e7.part",
        "new": ".abcdef0123456789.n3w4n5.part",
        "not_ours": ".notes.part",
        "archived": "ab" + "0" * 62,
    }
    for key, name in names.items():
        (folder / name).write_bytes(b"x")
        if key != "new":
            os.utime(folder / name, (old, old))
    with (folder / names["writing"]).open("rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # an intake writing it right now
        assert remove_stale_parts(tmp_path / "archive", run_start) == 1
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        name for key, name in names.items() if key != "stale"
    )


def test_a_file_gone_is_refused_and_a_failing_share_is_raised_for_a_retry(tmp_path: Path) -> None:
    """A file moved away between listing and reading is not read, with the reason; an
    I/O error (a network share that went away) is raised, so that the intake's task is
    retried rather than the file called unreadable."""
    gone = receive(tmp_path / "moved.csv")
    assert isinstance(gone, Refused)
    assert (
        gone.message_en
        == "cannot be read (No such file or directory): it was moved or deleted meanwhile"
    )
    from chitieu.sources import inbox

    with pytest.raises(OSError, match="Input/output error"):
        inbox._unreadable("x.csv", OSError(5, "Input/output error"))


def test_objects_and_numbers_count_together_against_the_limit() -> None:
    """12,000 values (fewer rows than a file holds), each with two empty objects beside
    it: 36,001 objects and 12,000 numbers, each under the 40,016 items a report may hold,
    together over it."""
    value = b'{"element_code": "DANG_VIEN_MOI", "value": 1, "a": {}, "b": {}}'
    content = b'{"org_unit_code": "28987", "period": "2024M05", "values": ['
    content += b",".join([value] * 12_000) + b"]}"
    check, message, where = only_problem(
        read_submission(ReceivedFile.from_bytes("objects.json", content))
    )
    assert (check, where) == ("file_too_large", "values")
    assert "more than 20,000 rows of figures" in message
