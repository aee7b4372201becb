"""The check that catches a rollback: the database's chains against the heads log, and
against the heads an auditor holds on paper (``snapshots verify --head HASH``).

A chain is checked by itself elsewhere (`audit`); a rollback leaves one that is
consistent. Here: every head the log records must still be in the database, at its
revision, with its content hash; and every head an auditor names must be some revision's.
A revision newer than the log's last line for its review is only a note: it may have been
published by a process that died before it could log it, or with another data folder.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import polars as pl

from chitieu.warehouse.heads import HEAD_KINDS, HEADER_FIELDS, HeadLine, HeadsLog, moment_text
from chitieu.warehouse.models import Verification, VerifyNote, VerifyProblem

MIN_HEAD_DIGITS = 16
"""The shortest prefix of a content_sha256 `--head` takes (what `snapshots list` shows)."""


def _review(key: tuple[str, str]) -> str:
    return f"{key[0]} {key[1]}"


def _log_problems(log: HeadsLog) -> list[VerifyProblem]:
    return [
        VerifyProblem("", "", 0, "heads-log", f"{log.path} line {number}: {message}")
        for number, message in log.problems
    ]


def _logged(lines: list[HeadLine]) -> dict[tuple[str, str], dict[int, list[HeadLine]]]:
    found: dict[tuple[str, str], dict[int, list[HeadLine]]] = defaultdict(lambda: defaultdict(list))
    for line in lines:
        if line.kind in HEAD_KINDS:
            found[line.review][line.revision].append(line)
    return found


def _logged_value(line: HeadLine, name: str) -> object:
    value = line.fields[name]
    if name == "created_at" and isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


def _header_problems(
    key: tuple[str, str], revision: int, row: dict[str, Any], lines: list[HeadLine]
) -> list[VerifyProblem]:
    """The revision's header fields that its content hash does not cover (created_at,
    flow_run_id) against what its line of the log records, when the line records them."""
    problems = []
    for name in HEADER_FIELDS:
        line = next((line for line in lines if name in line.fields), None)
        if line is None:  # a line written before chitieu logged them
            continue
        held = row.get(name)
        if _logged_value(line, name) != held:
            shown = moment_text(held) if isinstance(held, dt.datetime) else held
            problems.append(
                VerifyProblem(
                    *key,
                    revision,
                    "header",
                    f"its {name} is {shown}; the heads log (line {line.number}, {line.at}) "
                    f"records {line.fields[name]}: the revision's header was changed after "
                    "publication",
                )
            )
    return problems


def _review_against_log(
    key: tuple[str, str], held: dict[int, dict[str, Any]], logged: dict[int, list[HeadLine]]
) -> Verification:
    found = Verification()
    last = max(held, default=None)
    for revision, lines in sorted(logged.items()):
        contents = sorted({line.content_sha256 for line in lines})
        if len(contents) > 1:
            numbers = ", ".join(str(line.number) for line in lines)
            found.problems.append(
                VerifyProblem(
                    *key,
                    revision,
                    "heads-log",
                    f"the heads log records different heads for it (lines {numbers})",
                )
            )
        line = lines[0]
        where = f"the heads log (line {line.number}, {line.at})"
        if revision not in held:
            ends = f"ends at revision {last}" if last else "is empty"
            found.problems.append(
                VerifyProblem(
                    *key,
                    revision,
                    "rollback",
                    f"{where} records revision {revision} (content_sha256 "
                    f"{line.content_sha256}); the database has none, its chain {ends}: "
                    "published revisions were removed",
                )
            )
        elif held[revision]["content_sha256"] not in contents:
            found.problems.append(
                VerifyProblem(
                    *key,
                    revision,
                    "rollback",
                    f"{where} records content_sha256 {line.content_sha256}; the database "
                    f"holds {held[revision]['content_sha256']}: the revision was replaced",
                )
            )
        else:
            found.problems += _header_problems(key, revision, held[revision], lines)
    unlogged = sorted(r for r in held if r > max(logged, default=0))
    if unlogged:
        found.notes.append(
            VerifyNote(
                _review(key),
                f"revision(s) {', '.join(map(str, unlogged))} not in the heads log: "
                "published before the log began, by a process that stopped before logging "
                "it, or with another data folder (CHITIEU_DATA_DIR)",
            )
        )
    return found


def check_log(headers: pl.DataFrame, log: HeadsLog, warehouse: str) -> Verification:
    """The database's revisions (``SNAPSHOTS_SCHEMA`` headers) against the heads log's
    lines about ``warehouse``."""
    found = Verification(problems=_log_problems(log))
    held: dict[tuple[str, str], dict[int, dict[str, Any]]] = defaultdict(dict)
    for row in headers.iter_rows(named=True):
        held[(row["review_period"], row["root_org_unit"])][row["revision"]] = row
    if not log.exists:
        if not headers.is_empty():
            found.notes.append(
                VerifyNote(
                    "heads log",
                    f"none at {log.path}: rollbacks, and the revisions' created_at and "
                    "flow_run_id, are not checked against it (the next publication on this "
                    "machine begins it; an auditor checks printed reports with --head)",
                )
            )
        return found
    if log.unreadable:
        found.notes.append(
            VerifyNote(
                "heads log",
                f"{log.path} cannot be read ({log.unreadable}): rollbacks, and the "
                "revisions' created_at and flow_run_id, are not checked against it",
            )
        )
        return found
    lines = log.about(warehouse)
    logged = _logged(lines)
    for key in sorted(set(held) | set(logged)):
        found.add(_review_against_log(key, held.get(key, {}), logged.get(key, {})))
    adopted = sum(1 for line in lines if line.kind == "adopt")
    since = f" since {lines[0].at}" if lines else ""
    began = f", begun by adopting {adopted} revision(s) already published" if adopted else ""
    covered = sum(
        1
        for key, revisions in held.items()
        for revision in revisions
        if any(
            set(HEADER_FIELDS) & set(line.fields) for line in logged.get(key, {}).get(revision, [])
        )
    )
    found.checked.append(
        f"heads log {log.path}: {len(lines)} line(s) for this warehouse{since}{began}; "
        f"created_at and flow_run_id of {covered} revision(s) against it"
    )
    return found


SIGNOFF_KINDS = ("approve", "reopen")
"""The kinds of line a sign-off appends (`Warehouse.approve`, `Warehouse.reopen`)."""


def check_signoff_log(approvals: pl.DataFrame, log: HeadsLog, warehouse: str) -> Verification:
    """Every sign-off the heads log records must still be a row of ``approvals``
    (``APPROVALS_SCHEMA``), with its hash: the rows chain each other, so only the log
    shows that the newest approval or reopening of a review was deleted."""
    found = Verification()
    if not log.exists:
        return found
    held = set(approvals.select("review_period", "root_org_unit", "sha256").iter_rows())
    for line in log.about(warehouse):
        if line.kind not in SIGNOFF_KINDS:
            continue
        sha = str(line.fields.get("sha256", ""))
        if (*line.review, sha) not in held:
            found.problems.append(
                VerifyProblem(
                    *line.review,
                    line.revision,
                    "rollback",
                    f"the heads log (line {line.number}, {line.at}) records the {line.kind} "
                    f"by {line.fields.get('by_name')} (sha256 {sha}); the database has no such "
                    "sign-off: it was removed or changed",
                )
            )
    return found


def check_expected(headers: pl.DataFrame, expected: Sequence[str]) -> Verification:
    """Each head an auditor holds (a content_sha256, or its first 16+ hex digits) must be
    one of the database's revisions."""
    found = Verification()
    for given in expected:
        head = given.strip().lower()
        matches = headers.filter(pl.col("content_sha256").str.starts_with(head))
        if matches.height == 1:
            row = matches.row(0, named=True)
            found.checked.append(
                f"head {head}: revision {row['revision']} of {row['review_period']} "
                f"{row['root_org_unit']} ({row['status']})"
            )
        elif matches.is_empty():
            found.problems.append(
                VerifyProblem(
                    "",
                    "",
                    0,
                    "rollback",
                    f"no revision has content_sha256 {head}: the revision of the report "
                    "that printed it is not in this warehouse (removed, or another warehouse)",
                )
            )
        else:
            found.problems.append(
                VerifyProblem(
                    "", "", 0, "head", f"{head} begins several content_sha256: give it whole"
                )
            )
    return found


def valid_head(given: str) -> bool:
    """Whether ``given`` can name a head: 16 to 64 hexadecimal digits."""
    text = given.strip().lower()
    return MIN_HEAD_DIGITS <= len(text) <= 64 and all(c in "0123456789abcdef" for c in text)
