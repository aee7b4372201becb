"""Reading published revisions back, and checking that none was edited since."""

from __future__ import annotations

from typing import Any

import polars as pl

from chitieu.errors import WarehouseError
from chitieu.warehouse.backend import Backend
from chitieu.warehouse.hashing import content_sha256, inputs_sha256
from chitieu.warehouse.models import (
    INPUT_SUBMISSIONS_SCHEMA,
    INPUT_VALUES_SCHEMA,
    SNAPSHOT_ELEMENTS_SCHEMA,
    SNAPSHOT_INDICATORS_SCHEMA,
    SNAPSHOT_INPUTS_SCHEMA,
    SNAPSHOTS_SCHEMA,
    SnapshotRead,
    VerifyProblem,
)
from chitieu.warehouse.queries import query


def _sql(backend: Backend, name: str) -> str:
    return query(f"audit/{name}", backend.dialect)


def list_snapshots(
    backend: Backend, review_period: str | None = None, root: str | None = None
) -> pl.DataFrame:
    """Every revision's header (``SNAPSHOTS_SCHEMA``), by review period, root and revision."""
    return backend.frame(_sql(backend, "list_snapshots"), [review_period, root], SNAPSHOTS_SCHEMA)


# How a revision's rows are ordered when read back (by key, byte order on every backend).
_ROW_ORDER = {
    "snapshot_indicators": ["org_unit_code", "indicator_code"],
    "snapshot_elements": ["org_unit_code", "element_code"],
    "snapshot_inputs": ["sha256", "org_unit_code", "period"],
}


def _table(
    backend: Backend, name: str, snapshot_id: int, schema: dict[str, pl.DataType]
) -> pl.DataFrame:
    return backend.frame(_sql(backend, name), [snapshot_id], schema).sort(_ROW_ORDER[name])


def _rows(backend: Backend, header: dict[str, Any], elements: bool = True) -> SnapshotRead:
    snapshot_id = header["snapshot_id"]
    return SnapshotRead(
        header=header,
        indicators=_table(backend, "snapshot_indicators", snapshot_id, SNAPSHOT_INDICATORS_SCHEMA),
        elements=_table(backend, "snapshot_elements", snapshot_id, SNAPSHOT_ELEMENTS_SCHEMA)
        if elements
        else pl.DataFrame(schema=SNAPSHOT_ELEMENTS_SCHEMA),
        inputs=_table(backend, "snapshot_inputs", snapshot_id, SNAPSHOT_INPUTS_SCHEMA),
    )


def snapshot(
    backend: Backend,
    review_period: str,
    root: str,
    revision: int | None = None,
    *,
    elements: bool = True,
) -> SnapshotRead:
    """One revision with its rows: the published one unless ``revision`` is given;
    without its element rows (an empty frame) when ``elements`` is false."""
    found = backend.frame(
        _sql(backend, "snapshot_header"), [review_period, root, revision], SNAPSHOTS_SCHEMA
    )
    if found.is_empty():
        which = "a published revision" if revision is None else f"revision {revision}"
        existing = list_snapshots(backend, review_period, root)["revision"].to_list()
        known = f"revisions {existing}" if existing else "no revisions at all"
        raise WarehouseError(
            f"no snapshot {review_period} of {root} has {which} (there are {known})"
        )
    return _rows(backend, found.row(0, named=True), elements)


def input_submissions(backend: Backend, snapshot_id: int) -> pl.DataFrame:
    """The submissions a revision used (``INPUT_SUBMISSIONS_SCHEMA``), by submission_id."""
    return backend.frame(
        _sql(backend, "input_submissions"), [snapshot_id], INPUT_SUBMISSIONS_SCHEMA
    )


def input_values(backend: Backend, snapshot_id: int, notes_only: bool = False) -> pl.DataFrame:
    """The accepted values of those submissions (``INPUT_VALUES_SCHEMA``); with
    ``notes_only``, those that came with a note."""
    name = "input_notes" if notes_only else "input_values"
    return backend.frame(_sql(backend, name), [snapshot_id], INPUT_VALUES_SCHEMA).sort(
        "submission_id", "element_code", "period", "org_unit_code"
    )


def _recomputed(read: SnapshotRead) -> list[tuple[str, str]]:
    """(check, message) for rows that no longer match the header's hashes."""
    problems = []
    content = content_sha256(read.header, read.indicators, read.elements, read.inputs)
    if content != read.header["content_sha256"]:
        problems.append(
            (
                "content",
                f"its rows hash to {content}, not the published content_sha256 "
                f"{read.header['content_sha256']}: the revision was changed after publication",
            )
        )
    inputs = inputs_sha256(read.inputs)
    if inputs != read.header["inputs_sha256"]:
        problems.append(
            ("inputs", f"its inputs hash to {inputs}, not {read.header['inputs_sha256']}")
        )
    return problems


def _chain(revisions: list[dict[str, Any]]) -> list[tuple[int, str, str]]:
    """(revision, check, message) for numbering, chaining and status of one review's revisions."""
    problems = []
    numbers = [r["revision"] for r in revisions]
    if numbers != list(range(1, len(numbers) + 1)):
        problems.append(
            (numbers[-1], "numbering", f"revisions are {numbers}, not 1..{len(numbers)}")
        )
    previous: dict[str, Any] | None = None
    for position, current in enumerate(revisions):
        expected = None if previous is None else previous["content_sha256"]
        if current["prev_content_sha256"] != expected:
            after = (
                "none (first revision)"
                if previous is None
                else (f"revision {previous['revision']}'s content_sha256 {expected}")
            )
            problems.append(
                (
                    current["revision"],
                    "chain",
                    f"prev_content_sha256 is {current['prev_content_sha256']}, expected {after}",
                )
            )
        status = "published" if position == len(revisions) - 1 else "superseded"
        if current["status"] != status:
            problems.append(
                (current["revision"], "status", f"status is {current['status']}, expected {status}")
            )
        previous = current
    return problems


def verify(backend: Backend) -> list[VerifyProblem]:
    """Every problem with every revision: edited rows, broken chains, gaps, wrong statuses."""
    headers = list_snapshots(backend)
    problems: list[VerifyProblem] = []
    for (review_period, root), group in headers.group_by(
        ["review_period", "root_org_unit"], maintain_order=True
    ):
        revisions = group.sort("revision").to_dicts()
        found = [
            (r["revision"], c, m) for r in revisions for c, m in _recomputed(_rows(backend, r))
        ]
        found += _chain(revisions)
        problems += [
            VerifyProblem(str(review_period), str(root), revision, check, message)
            for revision, check, message in sorted(found, key=lambda p: p[0])
        ]
    return problems
