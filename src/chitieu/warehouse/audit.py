"""Reading published revisions back, and checking that none was edited since.

`verification` composes the checks: each revision's rows against its hashes and its
chain (here), its input submissions (`received`), the heads log and the heads an auditor
holds (`rollback`), the archived files (`received`), and a check given from outside the
warehouse for each revision (the recomputation from inputs, `chitieu.lineage.verify`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import polars as pl

from chitieu.errors import WarehouseError
from chitieu.shown import clipped
from chitieu.warehouse.backend import Backend
from chitieu.warehouse.checks import input_warnings
from chitieu.warehouse.hashing import (
    UnknownContentVersion,
    content_sha256,
    covers_records,
    inputs_sha256,
    records_by_report,
    records_sha256,
    report_records,
    reports_records_sha256,
)
from chitieu.warehouse.heads import HeadsLog
from chitieu.warehouse.models import (
    INPUT_FIGURES_SCHEMA,
    INPUT_SUBMISSIONS_SCHEMA,
    INPUT_VALUES_SCHEMA,
    SNAPSHOT_ELEMENTS_SCHEMA,
    SNAPSHOT_INDICATORS_SCHEMA,
    SNAPSHOT_INPUTS_SCHEMA,
    SNAPSHOTS_SCHEMA,
    SnapshotRead,
    Verification,
    VerifyNote,
    VerifyProblem,
)
from chitieu.warehouse.queries import query
from chitieu.warehouse.received import (
    SHOWN,
    UsedFile,
    check_archive,
    check_submissions,
    listed,
    used_files,
)
from chitieu.warehouse.rollback import check_expected, check_log, check_signoff_log
from chitieu.warehouse.signoff_chain import read_approvals, verify_signoffs


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
    backend: Backend,
    name: str,
    snapshot_id: int,
    schema: dict[str, pl.DataType],
    query_name: str | None = None,
    *more: object,
) -> pl.DataFrame:
    found = backend.frame(_sql(backend, query_name or name), [snapshot_id, *more], schema)
    return found.sort(_ROW_ORDER[name])


def _rows(
    backend: Backend, header: dict[str, Any], elements: bool | Sequence[str] = True
) -> SnapshotRead:
    snapshot_id = header["snapshot_id"]
    name, schema = "snapshot_elements", SNAPSHOT_ELEMENTS_SCHEMA
    if elements is True:
        element_rows = _table(backend, name, snapshot_id, schema)
    elif elements is False:
        element_rows = pl.DataFrame(schema=schema)
    else:
        element_rows = _table(backend, name, snapshot_id, schema, f"{name}_of", list(elements))
    return SnapshotRead(
        header=header,
        indicators=_table(backend, "snapshot_indicators", snapshot_id, SNAPSHOT_INDICATORS_SCHEMA),
        elements=element_rows,
        inputs=_table(backend, "snapshot_inputs", snapshot_id, SNAPSHOT_INPUTS_SCHEMA),
    )


def snapshot(
    backend: Backend,
    review_period: str,
    root: str,
    revision: int | None = None,
    *,
    elements: bool | Sequence[str] = True,
) -> SnapshotRead:
    """One revision with its rows: the published one unless ``revision`` is given;
    without its element rows (an empty frame) when ``elements`` is false, with those of
    some elements only when it names them (codes)."""
    return _rows(backend, _header(backend, review_period, root, revision), elements)


def _header(
    backend: Backend, review_period: str, root: str, revision: int | None
) -> dict[str, Any]:
    found = backend.frame(
        _sql(backend, "snapshot_header"), [review_period, root, revision], SNAPSHOTS_SCHEMA
    )
    if found.is_empty():
        raise WarehouseError(_no_revision(backend, review_period, root, revision))
    return found.row(0, named=True)


_REVIEWS_NAMED: Final = 10


def _no_revision(backend: Backend, review_period: str, root: str, revision: int | None) -> str:
    """Why a revision asked for is not there, in Vietnamese and English, with what is:
    the review's revisions, or else the reviews that have some."""
    which_vi = "bản đã công bố" if revision is None else f"lần công bố {revision}"
    which = "a published revision" if revision is None else f"revision {revision}"
    existing = list_snapshots(backend, review_period, root)["revision"].to_list()
    if existing:
        known_vi, known = f"có các lần {existing}", f"there are revisions {existing}"
    else:
        reviews = (
            list_snapshots(backend)
            .unique(["review_period", "root_org_unit"], maintain_order=True)
            # concat_str, not pl.format: polars 2.1's pl.format panics on a column a
            # filter left with an empty chunk between rows (as in pola-rs/polars#25187)
            .select(pl.concat_str("review_period", "root_org_unit", separator=" "))
            .to_series()
            .to_list()
        )
        named = ", ".join(reviews[:_REVIEWS_NAMED]) + (
            " …" if len(reviews) > _REVIEWS_NAMED else ""
        )
        known_vi = (
            f"kỳ này chưa có lần công bố nào; đã công bố: {named}"
            if reviews
            else "kho chưa có bản công bố nào"
        )
        known = (
            f"this review has no revisions; reviews published: {named}"
            if reviews
            else "the warehouse has no revisions at all"
        )
    root = clipped(root)
    return (
        f"kỳ {review_period} của đơn vị {root} không có {which_vi} ({known_vi}) / no snapshot "
        f"{review_period} of {root} has {which} ({known})"
    )


def differences(
    backend: Backend, review_period: str, root: str, one: int, other: int
) -> tuple[SnapshotRead, SnapshotRead]:
    """Revisions ``one`` and ``other`` of a review, each with only its rows that the other
    has not (a row the other holds with a column different, or holds not at all): found
    by the database, a diff of these two is the diff of the whole revisions, whose
    millions of rows a correction leaves all but a few thousand alike."""
    headers = [_header(backend, review_period, root, n) for n in (one, other)]
    ids = [header["snapshot_id"] for header in headers]

    def sides(name: str, schema: dict[str, pl.DataType]) -> tuple[pl.DataFrame, ...]:
        keys = _ROW_ORDER[name][:2]
        values = [c for c in schema if c not in keys]
        found = backend.frame(
            _sql(backend, f"differing_{name.removeprefix('snapshot_')}"),
            ids,
            {
                **{key: schema[key] for key in keys},
                "in_one": pl.Boolean(),
                "in_other": pl.Boolean(),
                **{c: schema[c] for c in values},
                **{f"{c}_other": schema[c] for c in values},
            },
        )
        return tuple(
            found.filter(pl.col(f"in_{side}"))
            .select(*keys, *(pl.col(f"{c}{suffix}").alias(c) for c in values))
            .select(list(schema))
            .sort(_ROW_ORDER[name])
            for side, suffix in (("one", ""), ("other", "_other"))
        )

    elements = sides("snapshot_elements", SNAPSHOT_ELEMENTS_SCHEMA)
    indicators = sides("snapshot_indicators", SNAPSHOT_INDICATORS_SCHEMA)
    inputs = backend.frame(
        _sql(backend, "differing_inputs"), ids, {"side": pl.Int32(), **SNAPSHOT_INPUTS_SCHEMA}
    )
    reads = [
        SnapshotRead(
            header=header,
            indicators=indicators[n],
            elements=elements[n],
            inputs=inputs.filter(pl.col("side") == n + 1)
            .drop("side")
            .sort(_ROW_ORDER["snapshot_inputs"]),
        )
        for n, header in enumerate(headers)
    ]
    return reads[0], reads[1]


def input_submissions(
    backend: Backend, snapshot_id: int, submission_ids: Sequence[int] | None = None
) -> pl.DataFrame:
    """The submissions a revision used (``INPUT_SUBMISSIONS_SCHEMA``), by submission_id;
    with ``submission_ids``, those of them only."""
    if submission_ids is None:
        return backend.frame(
            _sql(backend, "input_submissions"), [snapshot_id], INPUT_SUBMISSIONS_SCHEMA
        )
    return backend.frame(
        _sql(backend, "input_submissions_of"),
        [snapshot_id, list(submission_ids)],
        INPUT_SUBMISSIONS_SCHEMA,
    )


def input_values(backend: Backend, snapshot_id: int, notes_only: bool = False) -> pl.DataFrame:
    """The accepted values of those submissions (``INPUT_VALUES_SCHEMA``); with
    ``notes_only``, those that came with a note."""
    name = "input_notes" if notes_only else "input_values"
    return _values(backend, name, [snapshot_id])


def input_values_of(
    backend: Backend, snapshot_id: int, submission_ids: Sequence[int]
) -> pl.DataFrame:
    """Those of `input_values` that belong to ``submission_ids``."""
    return _values(backend, "input_values_of", [snapshot_id, list(submission_ids)])


def input_values_for(backend: Backend, snapshot_id: int, elements: Sequence[str]) -> pl.DataFrame:
    """Those of `input_values` of ``elements`` (codes)."""
    return _values(backend, "input_values_for", [snapshot_id, list(elements)])


def _values(backend: Backend, name: str, params: list[Any]) -> pl.DataFrame:
    return backend.frame(_sql(backend, name), params, INPUT_VALUES_SCHEMA).sort(
        "submission_id", "element_code", "period", "org_unit_code"
    )


def input_figures(backend: Backend, snapshot_id: int) -> pl.DataFrame:
    """The values of those submissions as the roll-up reads them (``INPUT_FIGURES_SCHEMA``),
    in no particular order."""
    return backend.frame(_sql(backend, "input_figures"), [snapshot_id], INPUT_FIGURES_SCHEMA)


def _recomputed(read: SnapshotRead) -> list[tuple[str, str]]:
    """(check, message) for rows that no longer match the header's hashes."""
    problems = []
    try:
        content = content_sha256(read.header, read.indicators, read.elements, read.inputs)
    except UnknownContentVersion as error:
        problems.append(
            (
                "content",
                f"its content_version {error.version} is no definition of content_sha256 "
                f"(known: {error.known}): its rows cannot be hashed; the header was changed "
                "after publication",
            )
        )
    else:
        if content != read.header["content_sha256"]:
            problems.append(
                (
                    "content",
                    f"its rows hash to {content}, not the published content_sha256 "
                    f"{read.header['content_sha256']}: the revision was changed after "
                    "publication",
                )
            )
    inputs = inputs_sha256(read.inputs)
    if inputs != read.header["inputs_sha256"]:
        problems.append(
            ("inputs", f"its inputs hash to {inputs}, not {read.header['inputs_sha256']}")
        )
    return problems


IntakeRecords = tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]
"""A revision's inputs, their submissions, warnings and noted values: what
`chitieu.warehouse.hashing`'s records hashes read."""


def intake_records(
    backend: Backend,
    snapshot_id: int,
    inputs: pl.DataFrame,
    submissions: pl.DataFrame | None = None,
) -> IntakeRecords:
    """What revision ``snapshot_id``'s document reads of its inputs' intake records, read
    as the document reads it (the views an auditor's role reads); ``inputs`` its inputs'
    rows, ``submissions`` its `input_submissions` when already read."""
    return (
        inputs,
        input_submissions(backend, snapshot_id) if submissions is None else submissions,
        input_warnings(backend, snapshot_id),
        input_values(backend, snapshot_id, notes_only=True),
    )


def published_report_records(backend: Backend, read: SnapshotRead) -> pl.DataFrame:
    """The revision's inputs (``SNAPSHOT_INPUTS_SCHEMA``) with each one's
    ``records_sha256`` as published (`chitieu.warehouse.hashing.report_records`)."""
    stored = backend.frame(
        _sql(backend, "input_records"),
        [read.snapshot_id],
        schema={"submission_id": pl.Int64(), "records_sha256": pl.String()},
    )
    return read.inputs.join(stored, on="submission_id", how="left")


_RECORDS_CHANGED: Final = (
    "the file names, senders, times sent or received, warnings or notes of the reports "
    "it used were changed after publication (what its document shows of them, Phụ lục "
    "II's on time or late among it)"
)


def _records(
    backend: Backend, read: SnapshotRead, submissions: pl.DataFrame, found: Verification
) -> list[tuple[str, str]]:
    """(check, message) when what the intake recorded of the revision's inputs, as its
    document reads it, no longer hashes to its ``records_sha256``, naming the reports
    whose records changed where the revision recorded each one's (content_version 4);
    nothing for a revision published before there was one (content_version 1 or 2)."""
    header = read.header
    if not covers_records(header):
        return []
    recorded = header.get("records_sha256")
    if recorded is None:
        return [
            (
                "records",
                "records_sha256 is null in a revision of content_version "
                f"{header['content_version']}: the header was changed after publication",
            )
        ]
    [(readable,)] = backend.rows(query("reads/reads_warnings", backend.dialect))
    if not readable:
        found.notes.append(
            VerifyNote(
                f"{header['review_period']} {header['root_org_unit']} revision "
                f"{header['revision']}",
                "what the intake recorded of its inputs is not checked: this role may not "
                "read their warnings (the warehouse's owner grants it again: chitieu "
                "warehouse grant-auditor ROLE)",
            )
        )
        return []
    records = intake_records(backend, read.snapshot_id, read.inputs, submissions)
    if not records_by_report(header):
        now = records_sha256(*records)
        if now == recorded:
            return []
        return [
            (
                "records",
                f"what the intake recorded of its inputs hashes to {now}, not the published "
                f"records_sha256 {recorded}: {_RECORDS_CHANGED}",
            )
        ]
    return _reports_records(backend, read, submissions, records, str(recorded))


def _reports_records(
    backend: Backend,
    read: SnapshotRead,
    submissions: pl.DataFrame,
    records: IntakeRecords,
    recorded: str,
) -> list[tuple[str, str]]:
    """Records v2: each input's records against its own published ``records_sha256``,
    once those are known to be the published ones (they hash to the header's)."""
    published = published_report_records(backend, read)
    now = read.inputs.join(report_records(*records), on="submission_id", how="left")
    kept = reports_records_sha256(published)
    if kept != recorded:
        now_sha = reports_records_sha256(now)
        if now_sha == kept:  # the two agree: both rewritten, or the header's hash was
            return [
                (
                    "records",
                    f"its inputs' own records_sha256 (snapshot_inputs) match what the intake "
                    f"recorded of them but hash to {kept}, not the published records_sha256 "
                    f"{recorded}: either both were changed after publication (which report's "
                    "records cannot be told), or the header's records_sha256 was (its "
                    "content check then fails too)",
                )
            ]
        records_too = (
            f"; what the intake recorded of its inputs hashes to {now_sha}: "
            f"{_RECORDS_CHANGED}, and which report's cannot be told"
            if now_sha != recorded
            else "; the records themselves hash as published"
        )
        return [
            (
                "records",
                f"its inputs' own records_sha256 (snapshot_inputs) hash to {kept}, not the "
                f"published records_sha256 "
                f"{recorded}: they were changed after publication{records_too}",
            )
        ]
    changed = (
        published.join(now.select("submission_id", now="records_sha256"), on="submission_id")
        .filter(pl.col("records_sha256").ne_missing(pl.col("now")))
        .join(submissions.select("submission_id", "source_name"), on="submission_id", how="left")
        .sort("org_unit_code", "period", "submission_id")
    )
    if changed.is_empty():
        return []
    named = [
        f"{clipped(row['source_name'] or '?')} ({row['org_unit_code']} {row['period']}, "
        f"#{row['submission_id']})"
        for row in changed.head(SHOWN).iter_rows(named=True)
    ]
    return [
        (
            "records",
            f"what the intake recorded of {changed.height} of its {read.inputs.height} "
            f"reports no longer hashes to the records_sha256 each was published with: "
            f"{_RECORDS_CHANGED}: {listed(named, changed.height)}",
        )
    ]


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


RevisionCheck = Callable[[SnapshotRead, pl.DataFrame], Verification]
"""A check of one revision given its rows and input submissions, from outside the
warehouse (the recomputation of `chitieu.lineage.verify`)."""


@dataclass(frozen=True)
class VerifyScope:
    """What `verification` checks beyond the database's own rows: the heads log (``heads``,
    its lines about warehouse ``warehouse_id``), the heads an auditor holds
    (``expected_heads``), the archive's files (those the revisions used, or with
    ``every_file`` every received one), and ``each_revision``."""

    heads: HeadsLog | None = None
    warehouse_id: str = ""
    expected_heads: Sequence[str] = ()
    archive: Path | None = None
    every_file: bool = False
    each_revision: RevisionCheck | None = None


def _revision_problems(
    backend: Backend, header: dict[str, Any], scope: VerifyScope, found: Verification
) -> tuple[list[tuple[int, str, str]], list[UsedFile]]:
    read = _rows(backend, header)
    recomputed = _recomputed(read)
    problems = [(header["revision"], c, m) for c, m in recomputed]
    submissions = input_submissions(backend, read.snapshot_id)
    if all(check != "inputs" for check, _ in recomputed):  # else its reports are unknown
        problems += [
            (header["revision"], c, m) for c, m in _records(backend, read, submissions, found)
        ]
    problems += [(p.revision, p.check, p.message) for p in check_submissions(read, submissions)]
    if scope.each_revision is not None:
        more = scope.each_revision(read, submissions)
        problems += [(p.revision, p.check, p.message) for p in more.problems]
        found.notes += more.notes
        found.checked += more.checked
    return problems, used_files(read, submissions)


def _every_file(backend: Backend, used: list[UsedFile]) -> list[UsedFile]:
    """The received files no revision used (rejected, duplicate, not yet reviewed)."""
    seen = {file.submission_id for file in used}
    every = backend.frame(query("reads/submissions", backend.dialect))
    return [
        UsedFile(sha, sid, name)
        for sid, sha, name in every.select("submission_id", "sha256", "source_name").iter_rows()
        if sid not in seen
    ]


_KEY: Final = ("review_period", "root_org_unit", "revision")
"""What places a revision in its review's chain."""
_NOT_NULL: Final = (
    *_KEY,
    "status",
    "created_at",
    "catalog_sha256",
    "inputs_sha256",
    "content_sha256",
    "checks_passed",
)
"""The header columns the schema declares NOT NULL."""


def _nulls(headers: pl.DataFrame) -> tuple[pl.DataFrame, list[VerifyProblem]]:
    """The headers that can be placed in a chain, and a problem for each header that
    holds a null where the schema allows none (its NOT NULL constraint dropped first);
    one without its review or revision is not checked further."""
    problems = []
    nullable = headers.filter(pl.any_horizontal(pl.col(list(_NOT_NULL)).is_null()))
    for row in nullable.iter_rows(named=True):
        nulls = ", ".join(name for name in _NOT_NULL if row[name] is None)
        wrong = (
            f"{nulls} null, which the schema does not allow: the row was changed after publication"
        )
        if all(row[name] is not None for name in _KEY):
            period, root, revision = (row[name] for name in _KEY)
            problems.append(VerifyProblem(period, root, revision, "header", wrong))
            continue
        where = " ".join(str(row[name]) for name in _KEY)
        problems.append(
            VerifyProblem(
                "",
                "",
                0,
                "header",
                f"snapshot_id {row['snapshot_id']} ({where}): {wrong}; it cannot be placed "
                "in a chain, nor checked further",
            )
        )
    return headers.filter(pl.all_horizontal(pl.col(list(_KEY)).is_not_null())), problems


def verification(backend: Backend, scope: VerifyScope | None = None) -> Verification:
    """Every problem with every revision (edited rows, broken chains, gaps, wrong
    statuses, changed submissions), with what ``scope`` adds; and what was not checked."""
    scope = scope or VerifyScope()
    every = list_snapshots(backend)
    found = Verification(revisions=every.height)
    headers, found.problems = _nulls(every)
    files: list[UsedFile] = []
    for (review_period, root), group in headers.group_by(
        ["review_period", "root_org_unit"], maintain_order=True
    ):
        revisions = group.sort("revision").to_dicts()
        problems: list[tuple[int, str, str]] = []
        for header in revisions:
            more, used = _revision_problems(backend, header, scope, found)
            problems += more
            files += used
        problems += _chain(revisions)
        found.problems += [
            VerifyProblem(str(review_period), str(root), revision, check, message)
            for revision, check, message in sorted(problems, key=lambda p: p[0])
        ]
    found.problems += verify_signoffs(backend, headers)
    if scope.heads is not None:
        found.add(check_log(headers, scope.heads, scope.warehouse_id))
        found.add(check_signoff_log(read_approvals(backend), scope.heads, scope.warehouse_id))
    found.add(check_expected(headers, scope.expected_heads))
    if scope.archive is not None:
        if scope.every_file:
            files += _every_file(backend, files)
        found.add(check_archive(scope.archive, files))
    return found


def verify(backend: Backend) -> list[VerifyProblem]:
    """Every problem with every revision's rows, chain and input submissions, and with
    every approval and reopening."""
    return verification(backend).problems
