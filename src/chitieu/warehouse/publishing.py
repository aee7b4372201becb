"""Publishing a review as a snapshot revision, chained to the one before it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import NamedTuple

import polars as pl

from chitieu.errors import SnapshotConflict, WarehouseError
from chitieu.periods import Period, refuse_unbegun
from chitieu.warehouse.audit import intake_records
from chitieu.warehouse.backend import Backend, WriteConflict
from chitieu.warehouse.faults import fault_point
from chitieu.warehouse.frames import conform
from chitieu.warehouse.hashing import (
    CONTENT_VERSION,
    content_sha256,
    inputs_sha256,
    report_records,
    reports_records_sha256,
)
from chitieu.warehouse.models import (
    SNAPSHOT_ELEMENTS_SCHEMA,
    SNAPSHOT_INDICATORS_SCHEMA,
    SNAPSHOT_INPUTS_SCHEMA,
    Published,
    SnapshotDraft,
)
from chitieu.warehouse.queries import query
from chitieu.warehouse.signoff import refuse_if_approved


def _sql(backend: Backend, name: str) -> str:
    return query(f"publish/{name}", backend.dialect)


class _Latest(NamedTuple):
    snapshot_id: int
    revision: int
    status: str
    created_at: dt.datetime
    catalog_sha256: str
    inputs_sha256: str
    content_sha256: str
    history_sha256: str | None


def _latest(backend: Backend, review_period: str, root: str) -> _Latest | None:
    found = backend.rows(_sql(backend, "latest_revision"), [review_period, root])
    return _Latest(*found[0]) if found else None


def publish(
    backend: Backend, draft: SnapshotDraft, confirm: Callable[[], None] | None = None
) -> Published:
    """Publish revision n+1 of the draft's review, or nothing if its inputs are unchanged.

    Unchanged means the same ``inputs_sha256``, ``catalog_sha256`` and ``history_sha256``
    (this year's and last year's submissions, the configuration, the history.csv figures
    used) as revision n. A new revision is hashed with `CONTENT_VERSION`.
    An approved review publishes nothing: `ReviewLocked`.
    One transaction: a crash or an error anywhere leaves the warehouse as it was. Under
    the review's lock, so two publications of one review at once give n+1 then n+2 (or
    n+1 and nothing, when the second finds its inputs already published).

    ``confirm``: called once a new revision is written, before it is committed; what it
    raises rolls the transaction back and is raised here (the quality gate's verdict,
    awaited there while the rows were written: `chitieu.pipeline.prepare_review`).
    """
    what = f"snapshot {draft.review_period} {draft.root_org_unit}"
    refuse_unbegun(Period.parse(draft.review_period))
    indicators = conform(draft.indicators, SNAPSHOT_INDICATORS_SCHEMA, f"{what} indicators")
    elements = conform(draft.elements, SNAPSHOT_ELEMENTS_SCHEMA, f"{what} elements")
    inputs = conform(draft.inputs, SNAPSHOT_INPUTS_SCHEMA, f"{what} inputs")
    if inputs_sha256(inputs) != draft.inputs_sha256:
        raise WarehouseError(
            f"{what}: inputs_sha256 {draft.inputs_sha256} is not the hash of its inputs "
            "(compute it with chitieu.warehouse.hashing.inputs_sha256)"
        )
    try:
        with backend.transaction():
            # concurrent reviews of one period take turns: the second sees the first's revision
            backend.lock("publish", draft.review_period, draft.root_org_unit)
            # an approved review publishes nothing until it is reopened (SPEC §8)
            refuse_if_approved(backend, draft.review_period, draft.root_org_unit)
            previous = _latest(backend, draft.review_period, draft.root_org_unit)
            if previous is not None:
                if previous.status != "published":
                    raise SnapshotConflict(
                        f"{what}: its latest revision {previous.revision} is "
                        f"{previous.status}, not published: the chain is broken "
                        "(run `chitieu snapshots verify`)"
                    )
                if (
                    previous.inputs_sha256,
                    previous.catalog_sha256,
                    previous.history_sha256,
                ) == (draft.inputs_sha256, draft.catalog_sha256, draft.history_sha256):
                    return Published(
                        snapshot_id=previous.snapshot_id,
                        revision=previous.revision,
                        content_sha256=previous.content_sha256,
                        created=False,
                        superseded_revision=None,
                        created_at=previous.created_at,
                    )
            backend.lock(
                "snapshot_id"
            )  # ids are shared by every review; taken last, held to commit
            [(last_id,)] = backend.rows(_sql(backend, "last_snapshot_id"))
            snapshot_id = last_id + 1
            revision = 1 if previous is None else previous.revision + 1
            prev_content = None if previous is None else previous.content_sha256
            created_at = dt.datetime.now(dt.UTC)
            # the rows first: what the document will read of the inputs' intake records
            # is read back through them, as the document reads it, and hashed in the header
            _insert(backend, "indicators", indicators, snapshot_id)
            fault_point("publish:after_indicators")
            _insert(backend, "elements", elements, snapshot_id)
            fault_point("publish:after_elements")
            _insert(backend, "inputs", inputs, snapshot_id)
            records = report_records(*intake_records(backend, snapshot_id, inputs))
            with backend.staged("staged_input_records", records):
                backend.execute(_sql(backend, "record_inputs"), [snapshot_id])
            fault_point("publish:after_inputs")
            header = {
                "review_period": draft.review_period,
                "root_org_unit": draft.root_org_unit,
                "revision": revision,
                "catalog_sha256": draft.catalog_sha256,
                "inputs_sha256": draft.inputs_sha256,
                "prev_content_sha256": prev_content,
                "completeness": draft.completeness,
                "checks_passed": draft.checks_passed,
                "content_version": CONTENT_VERSION,
                "history_sha256": draft.history_sha256,
                "records_sha256": reports_records_sha256(
                    inputs.join(records, on="submission_id", how="left")
                ),
            }
            content = content_sha256(header, indicators, elements, inputs)
            backend.execute(
                _sql(backend, "insert_snapshot"),
                [
                    snapshot_id,
                    draft.review_period,
                    draft.root_org_unit,
                    revision,
                    created_at,
                    draft.flow_run_id,
                    draft.catalog_sha256,
                    draft.inputs_sha256,
                    content,
                    prev_content,
                    draft.completeness,
                    draft.checks_passed,
                    CONTENT_VERSION,
                    draft.history_sha256,
                    header["records_sha256"],
                ],
            )
            fault_point("publish:after_header")
            if previous is not None:
                backend.execute(_sql(backend, "supersede_snapshot"), [previous.snapshot_id])
            fault_point("publish:before_commit")
            if confirm is not None:
                confirm()
    except WriteConflict as error:
        raise SnapshotConflict(
            f"{what}: another publication was written at the same time; run the review again"
        ) from error
    return Published(
        snapshot_id=snapshot_id,
        revision=revision,
        content_sha256=content,
        created=True,
        superseded_revision=None if previous is None else previous.revision,
        created_at=created_at,
        prev_content_sha256=prev_content,
    )


def _insert(backend: Backend, table: str, rows: pl.DataFrame, snapshot_id: int) -> None:
    with backend.staged(f"staged_{table}", rows):
        backend.execute(_sql(backend, f"insert_{table}"), [snapshot_id])
