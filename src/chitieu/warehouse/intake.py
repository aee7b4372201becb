"""Recording an intake batch: submissions, their values and issues, then supersession."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import polars as pl

from chitieu.errors import WarehouseError
from chitieu.warehouse.backend import Backend
from chitieu.warehouse.faults import fault_point
from chitieu.warehouse.frames import conform
from chitieu.warehouse.models import (
    HISTORY_ROWS_SCHEMA,
    INTAKE_ISSUES_SCHEMA,
    INTAKE_SUBMISSIONS_SCHEMA,
    INTAKE_VALUES_SCHEMA,
    ISSUES_SCHEMA,
    SUBMISSIONS_SCHEMA,
    HistoryCheck,
    IntakeBatch,
)
from chitieu.warehouse.queries import query

INTAKE_STATUSES = ("accepted", "rejected", "duplicate")
REGISTERED_SCHEMA = {"batch_seq": pl.Int64(), **SUBMISSIONS_SCHEMA}
WARNINGS_SCHEMA = {"batch_seq": pl.Int64(), **ISSUES_SCHEMA}


def known_sha256(backend: Backend, shas: Sequence[str]) -> set[str]:
    if not shas:
        return set()
    found = backend.rows(query_for(backend, "known_sha256"), [list(shas)])
    return {sha for (sha,) in found}


def query_for(backend: Backend, name: str) -> str:
    return query(f"intake/{name}", backend.dialect)


def _problems(subs: pl.DataFrame, values: pl.DataFrame, issues: pl.DataFrame) -> list[str]:
    problems = []
    if subs["batch_seq"].null_count() or subs["batch_seq"].n_unique() != subs.height:
        problems.append("batch_seq must be set and unique per submission")
    for name in ("sha256", "source_name", "received_at", "status"):
        if subs[name].null_count():
            problems.append(f"every submission needs {name}")
    unknown = set(subs["status"].drop_nulls()) - set(INTAKE_STATUSES)
    if unknown:
        problems.append(f"status must be one of {', '.join(INTAKE_STATUSES)}, not {unknown}")
    accepted = subs.filter(pl.col("status") == "accepted")
    if accepted["org_unit_code"].null_count() or accepted["period"].null_count():
        problems.append("an accepted submission needs org_unit_code and period")
    seqs = subs["batch_seq"].implode()
    for what, frame in (("values", values), ("issues", issues)):
        if frame.filter(~pl.col("batch_seq").is_in(seqs)).height:
            problems.append(f"{what} refer to a batch_seq with no submission")
    return problems


def _fresh_shas(subs: pl.DataFrame) -> list[str]:
    return subs.filter(pl.col("status") != "duplicate")["sha256"].unique().to_list()


def _late_duplicates(
    subs: pl.DataFrame, values: pl.DataFrame, issues: pl.DataFrame, known: set[str]
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Files recorded by a concurrent intake since the batch was planned become one
    ``duplicate`` row each, as `chitieu.intake.plan_intake` would have made them."""
    late = subs.filter(pl.col("sha256").is_in(list(known)) & (pl.col("status") != "duplicate"))
    if late.is_empty():
        return subs, values, issues
    dropped = late["batch_seq"].implode()
    kept = (
        late.sort("batch_seq")
        .unique("sha256", keep="first", maintain_order=True)
        .with_columns(
            pl.lit(None, pl.String).alias("org_unit_code"),
            pl.lit(None, pl.String).alias("period"),
            pl.lit(None, pl.Datetime("us", "UTC")).alias("submitted_at"),
            pl.lit(None, pl.String).alias("submitted_by"),
            pl.lit("duplicate").alias("status"),
            pl.lit(0, pl.Int64).alias("n_values"),
        )
    )
    return (
        pl.concat([subs.filter(~pl.col("batch_seq").is_in(dropped)), kept]).sort("batch_seq"),
        values.filter(~pl.col("batch_seq").is_in(dropped)),
        issues.filter(~pl.col("batch_seq").is_in(dropped)),
    )


def _with_severity(issues: pl.DataFrame) -> pl.DataFrame:
    """Issues made without a severity (before SPEC §7) are errors."""
    if "severity" in issues.columns:
        return issues
    return issues.with_columns(pl.lit("error", pl.String).alias("severity"))


def register_intake(
    backend: Backend,
    batch: IntakeBatch,
    hold: Callable[[Backend, pl.DataFrame], list[int]] | None = None,
    history: HistoryCheck | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Record the batch in one transaction; its submissions with id and final status, and
    the warnings ``history`` found (``batch_seq`` + ``ISSUES_SCHEMA``, recorded with it).

    Under the intake lock; a file that a concurrent intake recorded first comes back as
    one ``duplicate`` row. ``hold(backend, accepted)`` names the accepted reports that an
    approved review holds: they are recorded ``held`` and supersede nothing.
    """
    subs = conform(batch.submissions, INTAKE_SUBMISSIONS_SCHEMA, "intake submissions")
    values = conform(batch.values, INTAKE_VALUES_SCHEMA, "intake values")
    issues = conform(_with_severity(batch.issues), INTAKE_ISSUES_SCHEMA, "intake issues")
    problems = _problems(subs, values, issues)
    if problems:
        raise WarehouseError("intake batch: " + "; ".join(problems))
    if subs.is_empty():
        return pl.DataFrame(schema=REGISTERED_SCHEMA), pl.DataFrame(schema=WARNINGS_SCHEMA)
    with backend.transaction():
        # one intake at a time: ids continue max + 1, and a file another intake recorded
        # since this batch was planned is a duplicate now
        backend.lock("intake")
        subs, values, issues = _late_duplicates(
            subs, values, issues, known_sha256(backend, _fresh_shas(subs))
        )
        [(last,)] = backend.rows(query_for(backend, "last_submission_id"))
        # submission ids continue the warehouse's numbering, in batch_seq order
        ids = subs.sort("batch_seq").with_columns(
            submission_id=pl.int_range(last + 1, last + 1 + subs.height, dtype=pl.Int64)
        )
        held = [] if hold is None else hold(backend, ids.filter(pl.col("status") == "accepted"))
        if held:
            ids = ids.with_columns(
                pl.when(pl.col("submission_id").is_in(held))
                .then(pl.lit("held"))
                .otherwise(pl.col("status"))
                .alias("status")
            )
        to_id = ids.select("batch_seq", "submission_id")
        with backend.staged("staged_submissions", ids):
            backend.execute(query_for(backend, "insert_submissions"))
        fault_point("intake:after_submissions")
        with backend.staged("staged_values", values.join(to_id, on="batch_seq")):
            backend.execute(query_for(backend, "insert_values"))
        fault_point("intake:after_values")
        numbered = issues.with_row_index("issue_no").with_columns(pl.col("issue_no").cast(pl.Int64))
        with backend.staged("staged_issues", numbered.join(to_id, on="batch_seq")):
            backend.execute(query_for(backend, "insert_issues"))
        backend.execute(query_for(backend, "resolve_supersession"), [last + 1])
        warnings = _history_warnings(backend, history, to_id, numbered.height)
        fault_point("intake:before_commit")
        registered = backend.frame(
            query_for(backend, "batch_submissions"), [last + 1], SUBMISSIONS_SCHEMA
        )
    fault_point("intake:after_commit")
    return (
        to_id.join(registered, on="submission_id")
        .select(list(REGISTERED_SCHEMA))
        .sort("submission_id"),
        warnings,
    )


def _history_warnings(
    backend: Backend, history: HistoryCheck | None, to_id: pl.DataFrame, issues_before: int
) -> pl.DataFrame:
    """Read the history ``history`` asks for, record the warnings it finds (numbered
    after the batch's own issues) and return them."""
    if history is None:
        return pl.DataFrame(schema=WARNINGS_SCHEMA)
    with (
        backend.staged("staged_history_units", history.units),
        backend.staged("staged_history_elements", history.elements),
        backend.staged("staged_history_window", history.window),
    ):
        rows = backend.frame(
            query("checks/history_values", backend.dialect), (), HISTORY_ROWS_SCHEMA
        )
    found = conform(history.verdict(rows), INTAKE_ISSUES_SCHEMA, "history warnings")
    found = (
        found.join(to_id, on="batch_seq", maintain_order="left")
        .with_row_index("issue_no", offset=issues_before)
        .with_columns(pl.col("issue_no").cast(pl.Int64))
    )
    if not found.is_empty():
        with backend.staged("staged_issues", found):
            backend.execute(query_for(backend, "insert_issues"))
    return found.select(list(WARNINGS_SCHEMA))
