"""A review's sign-off chain as pure functions: the hash of each row, and every way a
chain can be wrong. No database here, so DuckDB and PostgreSQL rows give the same answers.

Hash (version 1). SHA-256 over UTF-8 text: the line ``chitieu-signoff v1``, a line of the
column names of ``HASHED`` (each in double quotes, comma separated), then the row's line
as `chitieu.warehouse.hashing.canonical_lines` writes it, with ``at`` as ISO 8601 text in
UTC to the microsecond (``2024-06-17T02:00:00.000000+00:00``). A row carries
``prev_sha256``, the hash of the row before it in its review's chain (null for the first),
and ``content_sha256``, the hash of the revision it names: editing or deleting a row
breaks the hash or the chain of the rows after it, and re-pointing a row at another
revision breaks its hash and its content.

`read_approvals` and `verify_signoffs` are the two reads of the chain: the rows as they
are stored, and every problem with them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any, Final

import polars as pl

from chitieu.warehouse.backend import Backend
from chitieu.warehouse.hashing import canonical_lines
from chitieu.warehouse.models import APPROVALS_SCHEMA, VerifyProblem
from chitieu.warehouse.queries import query

_NOT_HASHED = ("approval_id", "sha256")  # the warehouse's numbering, and the hash itself

HASHED: Final[dict[str, pl.DataType]] = {
    **{name: dtype for name, dtype in APPROVALS_SCHEMA.items() if name not in _NOT_HASHED},
    "at": pl.String(),  # as `at_text` writes it
}
"""The fields a row's hash covers, in this order: all but its own numbering and hash."""

Row = Mapping[str, Any]
Problem = tuple[int, str, str]
"""(revision the row names, check, message), as `chitieu.warehouse.audit` reports them."""


def at_text(moment: dt.datetime | None) -> str | None:
    """``at`` as the hash reads it: ISO 8601, UTC, microseconds (None for a null, which
    only a row changed by hand holds)."""
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def signoff_sha256(row: Row) -> str:
    """The hash a sign-off row's ``sha256`` holds (see the module docstring)."""
    fields = {name: row[name] for name in HASHED}
    fields["at"] = at_text(row["at"])
    line = canonical_lines(pl.DataFrame([fields], schema=HASHED), HASHED).item()
    names = ",".join(f'"{name}"' for name in HASHED)
    text = f"chitieu-signoff v1\n{names}\n{line}"
    return hashlib.sha256(text.encode()).hexdigest()


def describe(row: Row) -> str:
    """``sign-off 2 (approve of revision 2 by Nguyễn Văn A at 2024-06-17 02:00 UTC)``."""
    at = "no time" if row["at"] is None else f"{row['at']:%Y-%m-%d %H:%M:%S} UTC"
    return (
        f"sign-off {row['seq']} ({row['action']} of revision {row['revision']} by "
        f"{row['by_name']!r} at {at})"
    )


def _numbering(rows: Sequence[Row]) -> list[Problem]:
    numbers = [row["seq"] for row in rows]
    if numbers == list(range(1, len(rows) + 1)):
        return []
    return [
        (
            rows[-1]["revision"],
            "approval-chain",
            f"sign-offs are numbered {numbers}, not 1..{len(rows)}: a row was deleted "
            "or added out of its place",
        )
    ]


def _links(rows: Sequence[Row]) -> list[Problem]:
    """Each row's own hash, and its link to the row before it."""
    problems = []
    previous: Row | None = None
    for row in rows:
        recomputed = signoff_sha256(row)
        if recomputed != row["sha256"]:
            problems.append(
                (
                    row["revision"],
                    "approval",
                    f"{describe(row)}: its fields hash to {recomputed}, not its sha256 "
                    f"{row['sha256']}: the row was changed after it was recorded",
                )
            )
        expected = None if previous is None else previous["sha256"]
        if row["prev_sha256"] != expected:
            before = "none (the first)" if previous is None else f"{describe(previous)}'s sha256"
            problems.append(
                (
                    row["revision"],
                    "approval-chain",
                    f"{describe(row)}: prev_sha256 is {row['prev_sha256']}, expected "
                    f"{before}: a row before it was deleted or changed",
                )
            )
        previous = row
    return problems


def _content(rows: Sequence[Row], revisions: Mapping[int, Row]) -> list[Problem]:
    """Each row names a revision that exists, by that revision's content_sha256."""
    problems = []
    for row in rows:
        revision = revisions.get(row["revision"])
        if revision is None:
            known = sorted(revisions)
            problems.append(
                (
                    row["revision"],
                    "approval-content",
                    f"{describe(row)} names revision {row['revision']}, which does not "
                    f"exist (revisions {known})",
                )
            )
        elif revision["content_sha256"] != row["content_sha256"]:
            problems.append(
                (
                    row["revision"],
                    "approval-content",
                    f"{describe(row)} names content_sha256 {row['content_sha256']}, but "
                    f"revision {row['revision']}'s is {revision['content_sha256']}",
                )
            )
    return problems


def _out_of_turn(row: Row, approved: Row | None) -> str:
    if row["action"] == "approve":
        return (
            "" if approved is None else f"while {describe(approved)} stood: a reopening is missing"
        )
    if approved is None:
        return "reopens a review that was not approved: an approval is missing"
    if row["revision"] != approved["revision"]:
        return f"names another revision than {describe(approved)}"
    return ""


def _turns(rows: Sequence[Row]) -> list[Problem]:
    """Approvals and reopenings take turns: approve, reopen (the same revision), approve..."""
    problems = []
    approved: Row | None = None
    for row in rows:
        why = _out_of_turn(row, approved)
        if why:
            problems.append((row["revision"], "approval-rules", f"{describe(row)} {why}"))
        approved = row if row["action"] == "approve" else None
    return problems


def _fields(rows: Sequence[Row]) -> list[Problem]:
    """A name on every row, a reason on every reopening, times in chain order."""
    problems = []
    for previous, row in zip([None, *rows], rows, strict=False):
        missing = []
        if not (row["by_name"] or "").strip():
            missing.append("names nobody")
        if row["action"] == "reopen" and not (row["note"] or "").strip():
            missing.append("gives no reason")
        if row["at"] is None:
            missing.append("has no time")
        elif previous is not None and previous["at"] is not None and row["at"] < previous["at"]:
            missing.append(f"is dated before {describe(previous)}")
        if missing:
            problems.append(
                (row["revision"], "approval-rules", f"{describe(row)} {', '.join(missing)}")
            )
    return problems


def _timeline(rows: Sequence[Row], revisions: Mapping[int, Row]) -> list[Problem]:
    """An approval names the revision published at its time, and no revision is
    published while one is approved."""
    if any(r["created_at"] is None for r in revisions.values()):
        return []  # a revision changed by hand (verify says so) places nothing in time
    problems = []
    published = sorted(revisions.values(), key=lambda r: r["revision"])
    for position, row in enumerate(rows):
        if row["action"] != "approve" or row["at"] is None:
            continue
        then = [r for r in published if r["created_at"] <= row["at"]]
        if row["revision"] in revisions and (not then or then[-1]["revision"] != row["revision"]):
            latest = f"revision {then[-1]['revision']}" if then else "no revision"
            problems.append(
                (
                    row["revision"],
                    "approval-rules",
                    f"{describe(row)} approves a revision that was not the published one "
                    f"at that time ({latest} was)",
                )
            )
        reopened = next((r for r in rows[position + 1 :] if r["action"] == "reopen"), None)
        if reopened is not None and reopened["at"] is None:
            continue  # when it stood until is not known (that row's problem is said)
        until = None if reopened is None else reopened["at"]
        for revision in published:
            if row["at"] < revision["created_at"] and (
                until is None or revision["created_at"] < until
            ):
                problems.append(
                    (
                        revision["revision"],
                        "approval-rules",
                        f"revision {revision['revision']} was published at "
                        f"{revision['created_at']:%Y-%m-%d %H:%M:%S} UTC while {describe(row)} "
                        "stood: a reopening is missing",
                    )
                )
    return problems


def chain_problems(rows: Sequence[Row], revisions: Sequence[Row]) -> list[Problem]:
    """Everything wrong with one review's sign-off chain.

    ``rows``: its sign-offs (``APPROVALS_SCHEMA`` fields) in ``seq`` order;
    ``revisions``: its snapshot headers (``revision``, ``content_sha256``, ``created_at``).
    """
    by_number = {int(r["revision"]): r for r in revisions}
    return [
        *_numbering(rows),
        *_links(rows),
        *_content(rows, by_number),
        *_turns(rows),
        *_fields(rows),
        *_timeline(rows, by_number),
    ]


def read_approvals(
    backend: Backend, review_period: str | None = None, root: str | None = None
) -> pl.DataFrame:
    """Sign-off rows (``APPROVALS_SCHEMA``) of one review, or all, in chain order."""
    return backend.frame(
        query("signoff/approvals", backend.dialect), [review_period, root], APPROVALS_SCHEMA
    )


def verify_signoffs(backend: Backend, headers: pl.DataFrame) -> list[VerifyProblem]:
    """Every problem with every review's sign-offs; ``headers``: every revision's header
    (``SNAPSHOTS_SCHEMA``), as `chitieu.warehouse.audit.verify` read them."""
    rows = read_approvals(backend)
    problems: list[VerifyProblem] = []
    for (review_period, root), chain in rows.group_by(
        ["review_period", "root_org_unit"], maintain_order=True
    ):
        revisions = headers.filter(
            (pl.col("review_period") == review_period) & (pl.col("root_org_unit") == root)
        )
        found = chain_problems(chain.sort("seq").to_dicts(), revisions.to_dicts())
        problems += [
            VerifyProblem(str(review_period), str(root), revision, check, message)
            for revision, check, message in found
        ]
    return problems
