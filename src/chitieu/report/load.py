"""Read what a report needs from the warehouse, once, and build its model.

The only module of the report package that talks to the warehouse (through
`chitieu.warehouse.Warehouse`); the renderers get the model and nothing else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from chitieu import status
from chitieu.config import Config
from chitieu.periods import Period
from chitieu.quality.results import GateFolders, read_result
from chitieu.quality.warnings import QualitySection, quality_section
from chitieu.report.document import Approval
from chitieu.report.model import AuditTables, ReportModel, build_reports
from chitieu.signoff import approval_of
from chitieu.warehouse import SnapshotRead, Warehouse
from chitieu.warehouse.hashing import covers_records
from chitieu.warehouse.models import INPUT_WARNINGS_SCHEMA


def revision_status(
    config: Config, snap: SnapshotRead, used: pl.DataFrame, review_period: Period, root: str
) -> pl.DataFrame:
    """The reporting status of a revision (`chitieu.status.totals`), from its own inputs
    alone: each report it used (``snapshot_inputs``: unit and period as the revision
    recorded them) on time or late by its ``submitted_at`` (else when it was received),
    every other expected month missing. Never from the submissions received since, nor
    from their status now: a revision's document reads the same before and after later
    intakes (a correction taken in after it does not make its month late). ``used``:
    the input submissions' rows (``Warehouse.input_submissions``)."""
    reports = (
        snap.inputs.select("submission_id", "org_unit_code", "period")
        .join(
            used.select("submission_id", "submitted_at", "received_at"),
            on="submission_id",
            how="left",
        )
        .with_columns(pl.lit("accepted").alias("status"))
    )
    states = status.month_states(config, reports, review_period, root)
    return status.totals(states, config, review_period, root)


def approval(warehouse: Warehouse, header: Mapping[str, Any]) -> Approval | None:
    """Who approved the revision (`chitieu.signoff.approval_of` over the review's
    sign-offs, SPEC §8), or None when it is not approved."""
    review_period, root = str(header["review_period"]), str(header["root_org_unit"])
    approvals = warehouse.approvals(review_period, root)
    return Approval.of(approval_of(approvals, int(str(header["revision"]))))


def quality(config: Config, warehouse: Warehouse, header: Mapping[str, Any]) -> QualitySection:
    """The revision's quality section: the warnings of the submissions it used (from the
    view an auditor's role reads; none, and said so, for a role that may not read them)
    and the gate's warnings kept beside the warehouse (when they are kept there)."""
    review_period, root = str(header["review_period"]), str(header["root_org_unit"])
    kept = read_result(
        GateFolders.beside(warehouse.url), review_period, root, int(str(header["revision"]))
    )
    readable = warehouse.reads_warnings()
    warned = (
        warehouse.input_warnings(int(str(header["snapshot_id"])))
        if readable
        else pl.DataFrame(schema=INPUT_WARNINGS_SCHEMA)
    )
    return quality_section(
        warned,
        kept,
        config.org_units,
        warnings_read=readable,
        records_hashed=covers_records(header),
    )


def load_reports(
    config: Config,
    warehouse: Warehouse,
    review_period: str,
    root: str,
    revision: int | None = None,
    langs: Sequence[str] = ("vi",),
    *,
    audit: bool = False,
    number: str | None = None,
    day: dt.date | None = None,
) -> dict[str, ReportModel]:
    """The report of the published revision (or ``revision``) of a review, one model per
    language, from one read; with ``audit``, the tables only the Excel export shows
    (every unit, the inputs). Everything in it that comes from submissions comes from
    the revision's inputs (what an auditor's role reads too), never from reports
    received after it: the completeness annex is `revision_status`."""
    snap = warehouse.snapshot(review_period, root, revision, elements=False)
    period = Period.parse(review_period)
    snapshot_id = int(str(snap.header["snapshot_id"]))
    used = warehouse.input_submissions(snapshot_id)
    tables = None
    if audit:
        tables = AuditTables.of(
            config, period, snap.indicators, used, warehouse.input_notes(snapshot_id)
        )
    return build_reports(
        config,
        snap.header,
        snap.indicators,
        langs,
        status_totals=revision_status(config, snap, used, period, root),
        status_source="inputs",
        approval=approval(warehouse, snap.header),
        number=number,
        day=day,
        audit=tables,
        quality=quality(config, warehouse, snap.header),
    )


def load_report(
    config: Config,
    warehouse: Warehouse,
    review_period: str,
    root: str,
    revision: int | None = None,
    lang: str = "vi",
    **options: Any,
) -> ReportModel:
    """`load_reports` in one language."""
    return load_reports(config, warehouse, review_period, root, revision, (lang,), **options)[lang]


def load_restated_report(
    config: Config,
    warehouse: Warehouse,
    review_period: str,
    root: str,
    as_of: dt.date,
    lang: str = "vi",
    *,
    number: str | None = None,
    day: dt.date | None = None,
) -> ReportModel:
    """The report of ``review_period`` restated on the units of ``as_of`` (SPEC §3.7),
    rolled up from the reports the warehouse holds as accepted now: a restatement is
    never a published revision (it has no number and no hash), and says so."""
    from chitieu.rollup import roll_up
    from chitieu.rollup.last_year import last_year, with_last_year

    period = Period.parse(review_period)
    reports = warehouse.accepted_reports().select("org_unit_code", "period")
    values = warehouse.accepted_values()
    rollup = roll_up(config, values, period, root, reports=reports, as_of=as_of)
    # last year restated on the same units (SPEC §3.8)
    indicators = with_last_year(rollup.indicators, last_year(config, values, period, root, as_of))
    header = {
        "snapshot_id": None,
        "review_period": period.code,
        "root_org_unit": root,
        "revision": 0,
        "status": "restated",
        "created_at": dt.datetime.now(dt.UTC),
        "catalog_sha256": config.catalog_sha256,
        "inputs_sha256": "",
        "content_sha256": "",
        "completeness": rollup.root_completeness(),
        "checks_passed": None,
    }
    return build_reports(
        config,
        header,
        indicators,
        (lang,),
        reports=reports,
        number=number,
        day=day,
        as_of=as_of,
    )[lang]
