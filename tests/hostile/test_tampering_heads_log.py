"""The heads log as a file: its line format, appends from processes at once, a line
torn by a crash, other kinds of lines (sign-off), and what its reader reports."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import polars as pl
import pytest

from chitieu.warehouse.heads import append_head, read_heads
from chitieu.warehouse.rollback import check_log

HEAD = {
    "warehouse": "duckdb",
    "review_period": "2024S1",
    "root_org_unit": "834",
    "revision": 1,
    "content_sha256": "a" * 64,
}


def test_each_line_is_one_json_object_chained_to_the_one_before(tmp_path: Path) -> None:
    log = tmp_path / "w.heads.log"
    append_head(log, kind="publish", **HEAD, prev_content_sha256=None)
    append_head(
        log,
        kind="publish",
        **{**HEAD, "revision": 2, "content_sha256": "b" * 64},
        prev_content_sha256="a" * 64,
    )
    raw = log.read_bytes()
    assert raw.endswith(b"\n")
    assert raw.count(b"\n") == 2
    first, second = (json.loads(line) for line in raw.splitlines())
    assert list(first) == [
        "v",
        "kind",
        "at",
        "warehouse",
        "review_period",
        "root_org_unit",
        "revision",
        "content_sha256",
        "prev_content_sha256",
        "prev_line_sha256",
    ]
    assert (first["v"], first["prev_line_sha256"]) == (1, None)
    assert first["at"].endswith("+00:00")
    assert (
        second["prev_line_sha256"] == hashlib.sha256(raw.splitlines(keepends=True)[0]).hexdigest()
    )
    read = read_heads(log)
    assert read.problems == []
    assert [(line.number, line.revision) for line in read.lines] == [(1, 1), (2, 2)]


APPENDER = """
import sys
from pathlib import Path
from chitieu.warehouse.heads import append_head
for n in range(25):
    append_head(Path(sys.argv[1]), kind="publish", warehouse="duckdb", review_period="2024S1",
                root_org_unit=sys.argv[2], revision=n + 1, content_sha256="c" * 64)
"""


def test_processes_appending_at_once_interleave_whole_chained_lines(tmp_path: Path) -> None:
    log = tmp_path / "heads.log"
    writers = [
        subprocess.Popen([sys.executable, "-c", APPENDER, str(log), f"U{i}"]) for i in range(4)
    ]
    assert [w.wait(timeout=120) for w in writers] == [0, 0, 0, 0]
    read = read_heads(log)
    assert read.problems == []
    assert len(read.lines) == 100
    for unit in ("U0", "U1", "U2", "U3"):
        mine = [line.revision for line in read.lines if line.review == ("2024S1", unit)]
        assert mine == list(range(1, 26))


def test_a_line_torn_by_a_crash_is_reported_and_the_next_starts_afresh(tmp_path: Path) -> None:
    log = tmp_path / "heads.log"
    append_head(log, kind="publish", **HEAD)
    with log.open("ab") as f:
        f.write(b'{"v":1,"kind":"publish","at":"2024-')  # the process died here
    assert read_heads(log).problems == [
        (2, "the last line is incomplete (a crash while writing it)")
    ]
    append_head(log, kind="publish", **{**HEAD, "revision": 2})
    read = read_heads(log)
    assert [line.revision for line in read.lines] == [1, 2]
    assert read.problems == [(2, "not a heads-log line (not a JSON object)")]


def test_other_kinds_carry_their_own_fields_and_are_not_heads(tmp_path: Path) -> None:
    """What sign-off (approve, reopen) would append: the rollback check skips it."""
    log = tmp_path / "heads.log"
    append_head(log, kind="publish", **HEAD)
    append_head(log, kind="approve", **HEAD, by_name="Nguyễn Văn A", note="dòng 1\ndòng 2")
    lines = log.read_text("utf-8").splitlines()
    assert len(lines) == 2  # a newline in a note stays inside its JSON string
    approval = json.loads(lines[1])
    assert list(approval)[-3:] == ["by_name", "note", "prev_line_sha256"]
    assert approval["by_name"] == "Nguyễn Văn A"
    database = pl.DataFrame([HEAD]).drop("warehouse")  # the one revision it holds
    found = check_log(database, read_heads(log), "duckdb")
    assert (found.problems, found.notes) == ([], [])


def test_a_new_log_adopts_first_in_the_same_write(tmp_path: Path) -> None:
    log = tmp_path / "heads.log"
    adopted = [{**HEAD, "prev_content_sha256": None}]
    calls = []

    def adopt() -> list[dict[str, object]]:
        calls.append(1)
        return adopted

    append_head(log, kind="publish", **{**HEAD, "revision": 2}, adopt=adopt)
    append_head(log, kind="publish", **{**HEAD, "revision": 3}, adopt=adopt)
    assert len(calls) == 1  # only for the new log
    kinds = [line.kind for line in read_heads(log).lines]
    assert kinds == ["adopt", "publish", "publish"]


def logged_around(log: Path, line: bytes) -> None:
    """A revision logged, ``line`` appended behind chitieu's back, another logged."""
    append_head(log, kind="publish", **HEAD)
    with log.open("ab") as f:
        f.write(line)
    append_head(log, kind="publish", **{**HEAD, "revision": 2})


MALFORMED = {
    "nested": (
        b"[" * 2000 + b"]" * 2000 + b"\n",
        "nested too deeply to be a JSON object of the log",
    ),
    "not utf-8": (b'{"v":1,"kind":"\xff\xfe"}\n', "not UTF-8 text"),
    "true revision": (
        b'{"v":1,"kind":"publish","at":"","warehouse":"duckdb","review_period":"2024S1",'
        b'"root_org_unit":"834","revision":true,"content_sha256":"","prev_line_sha256":null}\n',
        "revision is not a number",
    ),
    "too long": (b'{"v":"' + b"x" * (2 << 20) + b'"}\n', "longer than 1048576 bytes"),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_a_malformed_line_is_reported_by_its_number(tmp_path: Path, name: str) -> None:
    """Whatever a line holds, it is a problem of its line, and the line after it still
    follows it (its link is the SHA-256 of the line's bytes, however long)."""
    line, why = MALFORMED[name]
    log = tmp_path / "heads.log"
    logged_around(log, line)
    read = read_heads(log)
    assert read.problems == [(2, f"not a heads-log line ({why})")]
    assert [(line.number, line.revision) for line in read.lines] == [(1, 1), (3, 2)]


def test_a_long_line_is_never_held_whole(tmp_path: Path) -> None:
    log = tmp_path / "heads.log"
    logged_around(log, b"[" * (64 << 20) + b"\n")
    tracemalloc.start()
    try:
        read = read_heads(log)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert read.problems == [(2, "not a heads-log line (longer than 1048576 bytes)")]
    assert [line.number for line in read.lines] == [1, 3]
    assert peak < 8 << 20, f"{peak >> 20} MiB for a 64 MiB line"


def test_a_long_last_line_without_its_newline(tmp_path: Path) -> None:
    log = tmp_path / "heads.log"
    append_head(log, kind="publish", **HEAD)
    with log.open("ab") as f:
        f.write(b"x" * (3 << 20))
    assert read_heads(log).problems == [(2, "not a heads-log line (longer than 1048576 bytes)")]


def test_lines_with_problems_are_listed_up_to_a_limit(tmp_path: Path) -> None:
    log = tmp_path / "heads.log"
    logged_around(log, b"\n" * 250)
    problems = read_heads(log).problems
    assert len(problems) == 101
    assert problems[:2] == [
        (2, "not a heads-log line (not a JSON object)"),
        (3, "not a heads-log line (not a JSON object)"),
    ]
    assert problems[-1] == (102, "150 line(s) from this one on are wrong too, not listed")


def test_an_unreadable_log_is_said_not_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "heads.log"
    append_head(log, kind="publish", **HEAD)

    def refused(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", refused)  # tests run as root, whom chmod does not stop
    read = read_heads(log)
    monkeypatch.undo()
    assert (read.exists, read.unreadable, read.lines) == (True, "Permission denied", [])
    found = check_log(pl.DataFrame([HEAD]).drop("warehouse"), read, "duckdb")
    assert found.problems == []
    assert [str(note) for note in found.notes] == [
        f"heads log: {log} cannot be read (Permission denied): rollbacks, and the "
        "revisions' created_at and flow_run_id, are not checked against it"
    ]


def _last_line_sha256(existing: bytes) -> str | None:
    """The link the next line carries, as the format defines it: the SHA-256 of the log's
    last line with its newline (one added to a line torn by a crash)."""
    if not existing:
        return None
    ended = existing if existing.endswith(b"\n") else existing + b"\n"
    return hashlib.sha256(ended[ended[:-1].rfind(b"\n") + 1 :]).hexdigest()


@pytest.mark.parametrize(
    "existing",
    [
        b"",
        b"   \n\n",  # blank: a new log, which adopts
        b"x",
        b"{}\n",
        b"{}\n" + b"y" * 200_000,  # a torn last line longer than a chunk
        b"z" * 150_000 + b"\n",  # one long line
        b"{}\n" + b" " * 140_000 + b"\n",  # whitespace after a line: not blank
        b"{}" + b"\n" * 70_000,  # a line, then empty lines across chunks
    ],
    ids=["empty", "blank", "torn", "one", "long-torn", "long", "spaces", "newlines"],
)
def test_an_append_links_to_the_last_line_as_the_format_says(
    tmp_path: Path, existing: bytes
) -> None:
    log = tmp_path / "heads.log"
    log.write_bytes(existing)
    adopted = [{**HEAD, "revision": 0, "prev_content_sha256": None}]
    append_head(log, kind="publish", **HEAD, adopt=lambda: adopted)
    written = log.read_bytes()[len(existing) :]
    torn = bool(existing) and not existing.endswith(b"\n")
    assert written.startswith(b"\n") == torn
    lines = [json.loads(line) for line in written.splitlines() if line]
    assert [line["kind"] for line in lines] == (
        ["adopt", "publish"] if not existing.strip() else ["publish"]
    )
    assert lines[0]["prev_line_sha256"] == _last_line_sha256(existing)


def test_an_append_to_a_huge_log_reads_only_its_end(tmp_path: Path) -> None:
    """A log of any size (a tampered one: 200 MiB of lines) costs an append its last
    line, not the whole file in memory."""
    log = tmp_path / "heads.log"
    append_head(log, kind="publish", **HEAD)
    with log.open("ab") as f:
        line = b'{"v":1}\n' * (1 << 17)  # 1 MiB
        for _ in range(200):
            f.write(line)
    existing = log.read_bytes()
    tracemalloc.start()
    try:
        append_head(log, kind="publish", **{**HEAD, "revision": 2})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20, f"{peak >> 20} MiB to append to a 200 MiB log"
    last = json.loads(log.read_bytes()[len(existing) :])
    assert last["revision"] == 2
    assert last["prev_line_sha256"] == _last_line_sha256(existing)
