"""Intake planning (SPEC §2): from received files to the receipts the warehouse records.

Pure functions: read every file as text, validate the whole batch in one pass,
then decide per report: ``accepted`` (no problem), ``rejected`` (any problem:
the report is refused whole) or ``duplicate`` (bytes already received).
Supersession among accepted reports is settled by the warehouse, atomically.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable, Sequence
from typing import Final, TypeAlias

import numpy as np
import polars as pl

from chitieu.config import Config
from chitieu.errors import fault_reason
from chitieu.problems import kept_issues, problem_total
from chitieu.receipts import FileOutcome
from chitieu.schemas.findings import with_reader_findings
from chitieu.schemas.issues import ERROR
from chitieu.schemas.submission import validate_rows
from chitieu.schemas.unattributed import with_unattributed_rows
from chitieu.sources import (
    ROW_SCHEMA,
    FileProblem,
    FileRead,
    FileRef,
    ReceivedFile,
    empty_rows,
    read_submission,
)
from chitieu.warehouse.models import (
    INTAKE_ISSUES_SCHEMA,
    INTAKE_SUBMISSIONS_SCHEMA,
    INTAKE_VALUES_SCHEMA,
    REJECTED_FILES_SCHEMA,
    IntakeBatch,
)

REPORT_KEY = ["file_index", "org_unit_code", "period"]
_ROWS: Final = pl.Schema(ROW_SCHEMA)
_AS_ROWS: Final = [pl.col(c).cast(pl.String) for c in ROW_SCHEMA]
_log: Final = logging.getLogger(__name__)


def _utc(moment: dt.datetime) -> dt.datetime:
    """A naive time is the machine's local time; stored as UTC."""
    return (moment if moment.tzinfo else moment.astimezone()).astimezone(dt.UTC)


def read_all(files: Sequence[ReceivedFile]) -> list[FileRead]:
    """Read every file as text rows (or the reason it is not a submission)."""
    return [read_submission(received) for received in files]


def plan_intake(
    files: Sequence[ReceivedFile],
    reads: Sequence[FileRead],
    config: Config,
    already_received: set[str],
    received_at: dt.datetime,
    engine: str = "pandera",
) -> IntakeBatch:
    """The receipts of one intake batch, in arrival order (``batch_seq``).

    ``engine``: how rows are validated (`chitieu.schemas.validate_rows`).

    A batch is validated in one pass over all its files' rows, so a fault of chitieu's
    own that one file sets off (an exception no check expects) would stop the whole
    batch, and every intake after it while the file waits in the inbox. Then the files
    that set it off are found (the batch halved until each part plans or is one file)
    and each is rejected, kept byte for byte in the archive as every received file is,
    with a problem that says chitieu could not check it (`unchecked`); the batch is then
    planned with the others. A fault that every file sets off is no file's: it is
    raised, and nothing is received."""
    plan = functools.partial(_planned, config=config, received_at=received_at, engine=engine)
    try:
        return plan(files, reads, already_received)
    except Exception as fault:
        faulty = _faulty(list(range(len(files))), fault, files, reads, plan)
        if not faulty or len(faulty) == len(files):  # no one file's, or every file's
            raise
        _log.warning(
            "%d file(s) of the batch could not be checked (%s), rejected: %s",
            len(faulty),
            fault_reason(fault),
            ", ".join(files[i].source_name for i in faulty),
        )
        kept = list(reads)
        for i, error in faulty.items():
            kept[i] = unchecked(reads[i], error)
        return plan(files, kept, already_received)


_Plan: TypeAlias = Callable[[Sequence[ReceivedFile], Sequence[FileRead], set[str]], IntakeBatch]


def _faulty(
    indices: list[int],
    fault: Exception,
    files: Sequence[ReceivedFile],
    reads: Sequence[FileRead],
    plan: _Plan,
) -> dict[int, Exception]:
    """The files among ``indices``, whose planning together raised ``fault``, that raise
    alone or in the smallest part of them that holds them (halved: a few plans for one
    faulty file in thousands, and the part that failed never planned again), with what
    each raised."""
    if len(indices) == 1:
        return {indices[0]: fault}
    found: dict[int, Exception] = {}
    half = len(indices) // 2
    for part in (indices[:half], indices[half:]):
        try:
            plan([files[i] for i in part], [reads[i] for i in part], set())
        except Exception as error:
            found |= _faulty(part, error, files, reads, plan)
    return found


def unchecked(read: FileRead, fault: Exception) -> FileRead:
    """A file that sets off a fault of chitieu's own when it is checked: rejected with
    what the fault was, never silently left out (the data team reads the log)."""
    reason = fault_reason(fault)
    problem = FileProblem(
        "unchecked",
        f"Chương trình chitieu gặp lỗi khi kiểm tra tệp này ({reason}), nên chưa nhận báo "
        "cáo: tệp đã được lưu nguyên vẹn. Hãy báo cho tổ dữ liệu của huyện, kèm tên tệp.",
        f"chitieu failed while checking this file ({reason}), so the report is not taken: "
        "the file is kept as received; tell the district data team, with the file's name",
    )
    return FileRead(read.source_name, read.format, empty_rows(), [problem])


def _planned(
    files: Sequence[ReceivedFile],
    reads: Sequence[FileRead],
    already_received: set[str],
    *,
    config: Config,
    received_at: dt.datetime,
    engine: str,
) -> IntakeBatch:
    """`plan_intake`, the batch validated in one pass."""
    duplicate, seen = [], set(already_received)
    for received in files:
        duplicate.append(received.sha256 in seen)
        seen.add(received.sha256)
    fresh = [i for i, dup in enumerate(duplicate) if not dup and not reads[i].problems]
    whole = [i for i, dup in enumerate(duplicate) if dup or reads[i].problems]
    rows = _batch_rows([reads[i].rows for i in fresh], fresh)
    names = {e.code: (e.name, e.name_en or e.name) for e in config.catalog.elements}
    validated = with_reader_findings(validate_rows(rows, config, received_at, engine), reads, names)
    validated = with_unattributed_rows(validated)
    reports = _reports(validated.values, validated.issues)

    meta = pl.DataFrame(
        {
            "file_index": list(range(len(files))),
            "sha256": [f.sha256 for f in files],
            "source_name": [f.source_name for f in files],
            "format": [r.format for r in reads],
        },
        schema={
            "file_index": pl.Int64,
            "sha256": pl.String,
            "source_name": pl.String,
            "format": pl.String,
        },
    )
    whole_files = pl.DataFrame(
        {
            "file_index": whole,
            "status": ["duplicate" if duplicate[i] else "rejected" for i in whole],
        },
        schema={"file_index": pl.Int64, "status": pl.String},
    ).with_columns(
        pl.lit(None, pl.String).alias("org_unit_code"),
        pl.lit(None, pl.String).alias("period"),
        pl.lit(None, pl.Datetime("us", "UTC")).alias("submitted_at"),
        pl.lit(None, pl.String).alias("submitted_by"),
        pl.lit(0, pl.Int64).alias("n_values"),
        pl.lit(0, pl.Int64).alias("order"),
    )
    submissions = (
        pl.concat([reports, whole_files.select(reports.columns)])
        .sort("file_index", "order")
        .with_row_index("batch_seq")
        .with_columns(
            pl.col("batch_seq").cast(pl.Int64),
            pl.lit(_utc(received_at), pl.Datetime("us", "UTC")).alias("received_at"),
        )
        .join(meta, on="file_index")
    )
    keys = submissions.select("batch_seq", *REPORT_KEY, "status")
    values = validated.values.join(
        keys.filter(pl.col("status") == "accepted"), on=REPORT_KEY, nulls_equal=True
    )
    file_issues = _file_problem_issues(reads, [i for i in range(len(files)) if not duplicate[i]])
    issues = pl.concat(
        [
            validated.issues.join(keys, on=REPORT_KEY, nulls_equal=True).select(
                list(INTAKE_ISSUES_SCHEMA)
            ),
            file_issues.join(keys.select("file_index", "batch_seq"), on="file_index").select(
                list(INTAKE_ISSUES_SCHEMA)
            ),
        ]
    )
    issues = kept_issues(
        _typed(issues, INTAKE_ISSUES_SCHEMA), submissions.select("batch_seq", "file_index")
    )
    return IntakeBatch(
        submissions=_typed(submissions, INTAKE_SUBMISSIONS_SCHEMA),
        values=_typed(values, INTAKE_VALUES_SCHEMA),
        issues=issues,
    )


def _batch_rows(frames: Sequence[pl.DataFrame], file_indices: Sequence[int]) -> pl.DataFrame:
    """Every file's rows in one frame, with the ``file_index`` of each. One concatenation
    and one contiguous frame: thousands of per-file polars calls, or a frame left in
    thousands of chunks, cost more than validating the whole batch."""
    if not frames:
        return pl.DataFrame(schema={**ROW_SCHEMA, "file_index": pl.Int64})
    rows = pl.concat(
        [
            frame if frame.schema == _ROWS else frame.select(_AS_ROWS)  # read as text: as is
            for frame in frames
        ],
        how="vertical",
        rechunk=True,
    )
    heights = [frame.height for frame in frames]
    index = np.repeat(np.asarray(file_indices, dtype=np.int64), heights)
    return rows.with_columns(pl.Series("file_index", index, dtype=pl.Int64))


def _typed(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return frame.select(pl.col(name).cast(dtype) for name, dtype in schema.items())


def _reports(values: pl.DataFrame, issues: pl.DataFrame) -> pl.DataFrame:
    """One row per (file, unit, period) report, in order of first appearance."""
    problems = (
        issues.filter(pl.col("severity") == ERROR)
        .group_by(REPORT_KEY)
        .agg(pl.len().alias("n_issues"))
    )
    return (
        values.with_row_index("order")
        .group_by(REPORT_KEY, maintain_order=True)
        .agg(
            pl.col("order").first().cast(pl.Int64),
            pl.col("submitted_at").drop_nulls().first(),
            pl.col("submitted_by").drop_nulls().first(),
            pl.len().cast(pl.Int64).alias("n_values"),
        )
        .join(problems, on=REPORT_KEY, how="left", nulls_equal=True)
        .with_columns(
            pl.when(pl.col("n_issues").fill_null(0) > 0)
            .then(pl.lit("rejected"))
            .otherwise(pl.lit("accepted"))
            .alias("status")
        )
        .select(*REPORT_KEY, "status", "submitted_at", "submitted_by", "n_values", "order")
    )


def _file_problem_issues(reads: Sequence[FileRead], indices: list[int]) -> pl.DataFrame:
    records = [
        {
            "file_index": i,
            "location": problem.location,
            "element_code": None,
            "value": None,
            "check": problem.check,
            "message_vi": problem.message_vi,
            "message_en": problem.message_en,
            "severity": ERROR,
        }
        for i in indices
        for problem in reads[i].problems
    ]
    schema: dict[str, pl.DataType] = {
        "file_index": pl.Int64(),
        **{k: v for k, v in INTAKE_ISSUES_SCHEMA.items() if k != "batch_seq"},
    }
    return pl.DataFrame(records, schema=schema)


STILL_REJECTED_SCHEMA: dict[str, pl.DataType] = {
    "batch_seq": pl.Int64(),
    "source_name": pl.String(),
    **REJECTED_FILES_SCHEMA,
}
"""A file sent again, byte for byte, after it was rejected: still rejected, and why."""


def _first(rows: pl.DataFrame, name: str, count: pl.Expr | None = None) -> pl.DataFrame:
    """Per ``batch_seq``: how many of ``rows`` (``count``, by default the problems they
    stand for: `problem_total`) and the first, as a line says it."""
    return (
        rows.sort("batch_seq", maintain_order=True)
        .group_by("batch_seq", maintain_order=True)
        .agg(
            (problem_total(pl.col("check"), pl.col("value")) if count is None else count).alias(
                f"n_{name}"
            ),
            (
                pl.col("location").fill_null("")
                + pl.lit(": ")
                + pl.col("message_vi")
                + pl.lit(" / ")
                + pl.col("message_en")
            )
            .first()
            .str.strip_prefix(": ")
            .alias(f"first_{name}"),
        )
    )


def outcomes(
    files: Sequence[FileRef],
    registered: pl.DataFrame,
    issues: pl.DataFrame,
    still_rejected: pl.DataFrame | None = None,
) -> list[FileOutcome]:
    """One outcome per file from the registered submissions (final statuses), their
    issues (errors and warnings) and the files that were sent again after a rejection
    (``STILL_REJECTED_SCHEMA``).

    The receipts are grouped by file once, in polars; the loop only builds each file's
    outcome from its group (a filter of the whole batch per file cost 0.5 ms a file)."""
    severity = pl.col("severity") if "severity" in issues.columns else pl.lit(ERROR)
    errors = _first(issues.filter(severity == ERROR), "problem")
    warned = _first(issues.filter(severity != ERROR), "warning")
    still = (
        still_rejected if still_rejected is not None else pl.DataFrame(schema=STILL_REJECTED_SCHEMA)
    )
    again = _first(
        still.select("batch_seq", "location", "message_vi", "message_en"), "again", pl.len()
    )
    rejected = pl.col("status") == "rejected"
    kept = pl.col("status").is_in(["accepted", "superseded", "held"])
    per_file = (
        registered.join(errors, on="batch_seq", how="left")
        .join(warned, on="batch_seq", how="left")
        .join(again, on="batch_seq", how="left")
        .join(still.select("batch_seq", "problems"), on="batch_seq", how="left")
        .sort("batch_seq")
        .group_by("sha256", "source_name", maintain_order=True)
        .agg(
            "status",
            "org_unit_code",
            "period",
            pl.col("first_problem").filter(rejected).drop_nulls().first(),
            pl.col("n_problem").filter(rejected).fill_null(0).sum().alias("problem_count"),
            pl.col("first_warning").filter(kept).drop_nulls().first(),
            pl.col("n_warning").filter(kept).fill_null(0).sum().alias("warning_count"),
            pl.col("first_again").drop_nulls().first(),
            pl.col("problems").drop_nulls().first().alias("again_count"),
        )
    )
    found = {(row["sha256"], row["source_name"]): row for row in per_file.iter_rows(named=True)}
    by_file: list[FileOutcome] = []
    for received in files:
        mine = found.get((received.sha256, received.source_name))
        states: list[str] = mine["status"] if mine else []
        statuses = set(states)
        if "rejected" in statuses:
            status = "rejected" if statuses == {"rejected"} else "partly rejected"
        elif "held" in statuses:
            status = "held" if statuses == {"held"} else "partly held"
        elif statuses == {"duplicate"}:
            status = "still rejected" if mine and mine["first_again"] else "duplicate"
        elif statuses == {"superseded"}:
            status = "superseded"
        else:
            status = "accepted"
        reports = (
            [
                f"{unit} {period} ({state})"
                for unit, period, state in zip(
                    mine["org_unit_code"], mine["period"], states, strict=True
                )
                if unit is not None
            ]
            if mine
            else []
        )
        problem, count = "", 0
        if mine and status == "still rejected":
            problem, count = mine["first_again"], int(mine["again_count"] or 0)
        elif mine:
            problem, count = mine["first_problem"] or "", int(mine["problem_count"] or 0)
        by_file.append(
            FileOutcome(
                source_name=received.source_name,
                sha256=received.sha256,
                status=status,
                reports=reports,
                first_problem=problem,
                problem_count=count,
                warning_count=int(mine["warning_count"] or 0) if mine else 0,
                first_warning=(mine["first_warning"] or "") if mine else "",
            )
        )
    return by_file
