"""A review rolled up and checked, as `chitieu.pipeline` prepares it and a flow run shows
it: kept apart from the pipeline, so that a process that only shows and publishes it
(the review command, whose reader prepared it: `chitieu.flows.read_ahead`) does not
import the pipeline's intake, workbook, outlier and report modules to receive it (a
tenth of a second of the command's start)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl

from chitieu.quality import CheckResult
from chitieu.rollup import Rollup
from chitieu.warehouse.models import Published, SnapshotDraft


@dataclass(frozen=True)
class PreparedReview:
    rollup: Rollup
    checks: CheckResult
    draft: SnapshotDraft
    data_docs: Path | None = None
    """The quality gate's Data Docs page of this run, when it built one."""
    published: Published | None = None
    """What `prepare_review` published with ``publish`` (None: nothing, the gate failed)."""


@dataclass(frozen=True)
class CheckedAhead:
    """A review rolled up and checked before its flow run started
    (`chitieu.flows.read_ahead`), and what it was made of."""

    prepared: PreparedReview
    """`check_review` of what was read, keeping the gate's results; nothing published."""
    reports: pl.DataFrame
    """The accepted reports read (``ACCEPTED_REPORTS_SCHEMA``), in the warehouse's order."""
    history_sha256: str | None
    """The configuration's history.csv then (its other files: ``draft.catalog_sha256``)."""

    def for_run(
        self, flow_run_id: str | None, published: Published | None = None
    ) -> PreparedReview:
        """The review as the run ``flow_run_id`` publishes it: its draft records the run
        (its content hash never holds it), with what was ``published``."""
        draft = replace(self.prepared.draft, flow_run_id=flow_run_id)
        return replace(self.prepared, draft=draft, published=published)
