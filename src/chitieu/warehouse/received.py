"""The checks of what revisions were made from: the submissions' rows, as each revision
recorded them, and the received files in the archive, byte for byte.

A revision records each input's ``sha256, org_unit_code, period`` (``snapshot_inputs``,
covered by its content hash). The ``submissions`` table must still say the same, and the
archive must still hold a file with those bytes: the archive is content-addressed, so a
file whose bytes were replaced no longer hashes to its own name.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import polars as pl

from chitieu.warehouse.archive import archived_digests, archived_path
from chitieu.warehouse.hashing import inputs_sha256
from chitieu.warehouse.models import SnapshotRead, Verification, VerifyNote, VerifyProblem

SHOWN: Final = 5
"""Files or submissions named in one problem; the rest are counted."""
_SHA256 = re.compile(r"[0-9a-f]{64}")
_KEY = ["sha256", "org_unit_code", "period"]


def listed(items: list[str], total: int | None = None) -> str:
    """The first `SHOWN` of ``items``, then how many more of ``total`` (all of ``items``
    when not given: a caller may pass only the first ones, named, and their count)."""
    total = len(items) if total is None else total
    more = f"; and {total - SHOWN} more" if total > SHOWN else ""
    return "; ".join(items[:SHOWN]) + more


def check_submissions(read: SnapshotRead, submissions: pl.DataFrame) -> list[VerifyProblem]:
    """A revision's inputs against the submissions' rows now (``INPUT_SUBMISSIONS_SCHEMA``):
    the inputs_sha256 they give must be the published one."""
    header = read.header
    now = read.inputs.select("submission_id").join(
        submissions.select("submission_id", *_KEY), on="submission_id", how="left"
    )
    if inputs_sha256(now.drop_nulls("sha256")) == header["inputs_sha256"] and (
        now["sha256"].null_count() == 0
    ):
        return []
    joined = read.inputs.join(now, on="submission_id", suffix="_now").sort("submission_id")
    changed = []
    for row in joined.iter_rows(named=True):
        if row["sha256_now"] is None:
            changed.append(f"#{row['submission_id']} is no longer in submissions")
        elif any(row[k] != row[f"{k}_now"] for k in _KEY):
            changed.append(
                f"#{row['submission_id']} now says {row['sha256_now']} {row['org_unit_code_now']} "
                f"{row['period_now']}, published as {row['sha256']} {row['org_unit_code']} "
                f"{row['period']}"
            )
    return [
        VerifyProblem(
            str(header["review_period"]),
            str(header["root_org_unit"]),
            int(str(header["revision"])),
            "submissions",
            f"its inputs as the submissions table holds them now hash to "
            f"{inputs_sha256(now.drop_nulls('sha256'))}, not the published inputs_sha256 "
            f"{header['inputs_sha256']}: {listed(changed)}",
        )
    ]


@dataclass(frozen=True)
class UsedFile:
    """A received file and who relies on it: a revision (review, revision), or none."""

    sha256: str
    submission_id: int
    source_name: str
    review_period: str = ""
    root_org_unit: str = ""
    revision: int = 0


def used_files(read: SnapshotRead, submissions: pl.DataFrame) -> list[UsedFile]:
    """The files behind a revision's inputs, named as the revision recorded them."""
    names = dict(submissions.select("submission_id", "source_name").iter_rows())
    h = read.header
    return [
        UsedFile(
            sha,
            sid,
            names.get(sid) or "?",
            str(h["review_period"]),
            str(h["root_org_unit"]),
            int(str(h["revision"])),
        )
        for sid, sha in read.inputs.select("submission_id", "sha256").iter_rows()
    ]


def _trouble(folder: Path, file: UsedFile, digest: str | None) -> str:
    where = f"#{file.submission_id} {file.source_name}"
    if digest is None:
        return f"{where}: missing from the archive ({archived_path(folder, file.sha256)})"
    return f"{where}: its archived bytes now hash to {digest}, not {file.sha256}: replaced"


def check_archive(folder: Path, files: Iterable[UsedFile]) -> Verification:
    """Re-hash each file once; one problem per revision (or for files no revision used)
    naming the files missing or replaced."""
    files = list(files)
    found = Verification()
    if not folder.is_dir():
        if files:
            found.notes.append(
                VerifyNote(
                    "archive",
                    f"none at {folder}: the received files were not re-hashed (the archive "
                    "is on the machine that runs intake: <warehouse>.archive beside a DuckDB "
                    "file, CHITIEU_DATA_DIR/archive for PostgreSQL)",
                )
            )
        return found
    readable = [f for f in files if _SHA256.fullmatch(f.sha256 or "")]
    digests = archived_digests(folder, (f.sha256 for f in readable))
    troubles: dict[tuple[str, str, int], list[str]] = defaultdict(list)
    for file in files:
        key = (file.review_period, file.root_org_unit, file.revision)
        if not _SHA256.fullmatch(file.sha256 or ""):  # a null too, in a row changed by hand
            troubles[key].append(f"#{file.submission_id}: {file.sha256!r} is not a SHA-256")
        elif digests[file.sha256] != file.sha256:
            troubles[key].append(_trouble(folder, file, digests[file.sha256]))
    for (period, root, revision), items in sorted(troubles.items()):
        found.problems.append(VerifyProblem(period, root, revision, "archive", listed(items)))
    found.checked.append(f"archive {folder}: {len(digests)} received file(s) re-hashed")
    return found
