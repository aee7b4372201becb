"""What an intake run shows once its batches are registered: its name and tags (from the
periods of the files it received), the rejected reports, the warnings, who has reported
for its months (a table artifact and ``chitieu.report.missing`` events) and its summary.

Part of the intake flow (`chitieu.flows.intake`); the data comes from
`chitieu.dashboard` and `chitieu.dashboard_checks`, built without Prefect.
"""

from __future__ import annotations

import datetime as dt
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import polars as pl
from prefect import get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from chitieu import dashboard, dashboard_checks, status
from chitieu.config import Config
from chitieu.flows.support import Posting, emit, name_run, scheduled_time
from chitieu.inert import inert
from chitieu.periods import Period
from chitieu.pipeline import IntakeResult
from chitieu.receipts import FileOutcome, status_counts
from chitieu.shown import shown
from chitieu.warehouse import Warehouse


@dataclass
class IntakeViews:
    """What the batches of one intake add up to, as they are registered."""

    config: Config
    outcomes: list[FileOutcome] = field(default_factory=list)
    registered: list[pl.DataFrame] = field(default_factory=list)
    rejected: list[pl.DataFrame] = field(default_factory=list)
    warnings: list[pl.DataFrame] = field(default_factory=list)

    def add(self, result: IntakeResult) -> None:
        """A registered batch: its rejected reports are announced at once (an event each)."""
        org_units = self.config.org_units
        self.outcomes += result.outcomes
        self.registered.append(result.submissions.select("org_unit_code", "period"))
        batch_rejected = pl.concat(
            [
                dashboard.rejected_reports(result.submissions, result.issues, org_units),
                dashboard_checks.still_rejected_reports(result.still_rejected, org_units),
            ]
        )
        self.rejected.append(batch_rejected)
        self.warnings.append(
            dashboard_checks.warning_reports(result.submissions, result.issues, org_units)
        )
        for spec in dashboard.rejected_events(batch_rejected):
            emit(spec)

    def publish(self, warehouse: Warehouse, month: str | None, root: str, now: dt.datetime) -> None:
        """Name the run after what it received; its artifacts and events. The new name
        and the artifacts are posted by threads of their own while the reporting status
        is computed (each is a round trip to the server, at the end of the run); the
        events, which the server digests one by one, once the artifacts are posted."""
        logger = get_run_logger()
        registered = (
            pl.concat(self.registered)
            if self.registered
            else pl.DataFrame(schema={"org_unit_code": pl.String, "period": pl.String})
        )
        periods = dashboard_checks.received_periods(registered)
        label = dashboard_checks.intake_label(month, periods, scheduled_time())
        tags = [f"period:{p.code}" for p in periods] if not month else [f"period:{label}"]
        key = dashboard.artifact_key("intake", label, root)
        about = f"{label} {inert(root)}"  # the UI renders a description as Markdown
        rejected = (
            pl.concat(self.rejected)
            if self.rejected
            else pl.DataFrame(schema=dashboard.REJECTED_SCHEMA)
        )
        warned = pl.concat(self.warnings) if self.warnings else pl.DataFrame()
        with Posting(2) as post:
            post(name_run, f"intake-{label}-{root}", *tags)
            post(
                create_table_artifact,
                dashboard.rejected_rows(rejected),
                key=dashboard.artifact_key(key, "rejected"),
                description=f"Báo cáo bị từ chối / rejected reports — {about}",
            )
            post(
                create_table_artifact,
                dashboard_checks.table_rows(warned, dashboard_checks.WARNING_COLUMNS)
                if warned.height
                else [],
                key=dashboard.artifact_key(key, "warnings"),
                description=f"Cảnh báo cần kiểm tra / warnings to check — {about}",
            )
            totals, states = self._status(warehouse, month, periods, root)
            if states is not None:
                post(
                    create_table_artifact,
                    dashboard_checks.status_rows(states),
                    key=dashboard.artifact_key(key, "status"),
                    description=f"Tình trạng báo cáo / reporting status — {about}",
                )
            post(
                create_markdown_artifact,
                dashboard.intake_markdown(
                    label,
                    root,
                    dashboard.unit_name(self.config.org_units, root, None),
                    len(self.outcomes),
                    status_counts(self.outcomes),
                    rejected.height,
                    warned.height,
                    totals,
                ),
                key=key,
                description=f"Tiếp nhận / intake {about}",
            )
        if states is not None:
            for spec in dashboard_checks.missing_events(states, now):
                emit(spec)
        logger.info(
            "%d tệp / files: %s",
            len(self.outcomes),
            status_counts(self.outcomes) or "không có / none",
        )
        held = [shown(o.source_name) for o in self.outcomes if o.status in ("held", "partly held")]
        if held:
            logger.warning(
                "%d tệp có báo cáo bị giữ lại vì kỳ đánh giá đã được duyệt (cần `chitieu reopen` "
                "để đưa vào) / %d files hold reports for an approved review, kept out of it "
                "until it is reopened: %s",
                len(held),
                len(held),
                ", ".join(held),
            )
        if rejected.height:
            logger.warning(
                "%d báo cáo bị từ chối, đơn vị phải gửi lại / %d rejected reports to be resent: %s",
                rejected.height,
                rejected.height,
                ", ".join(sorted({shown(u or "?") for u in rejected.get_column("org_unit_code")})),
            )
        if warned.height:
            logger.warning(
                "%d cảnh báo cần kiểm tra / %d warnings to check (artifact %s)",
                warned.height,
                warned.height,
                dashboard.artifact_key(key, "warnings"),
            )

    def _status(
        self, warehouse: Warehouse, month: str | None, periods: list[Period], root: str
    ) -> tuple[list[str], pl.DataFrame | None]:
        """Who has reported for the intake's months: each unit's state (the table of
        whom to chase, and a ``chitieu.report.missing`` event per unit still missing
        after a month's due date), and the root's totals for the summary; no states
        when the intake has no month."""
        months = dashboard_checks.status_months(month, periods)
        if not months:
            return [], None
        submissions = warehouse.submissions().join(
            warehouse.warning_counts(), on="submission_id", how="left"
        )

        def of_months(one: Period) -> tuple[pl.DataFrame, pl.DataFrame]:
            found = status.month_states(self.config, submissions, one, root)
            return found, status.totals(found, self.config, one, root)

        span = status.steady_span(self.config, months)
        if span is not None:  # one hierarchy through them: at once (a year's, 0.02 s)
            computed = [of_months(span)]
        else:
            # each on its month's hierarchy, a vectorised pass of small frames: side by
            # side (polars lets go of the interpreter's lock while it computes; a year's
            # twelve take 0.21 s instead of 0.3-0.4 on two cores)
            with ThreadPoolExecutor(min(len(months), os.cpu_count() or 1)) as threads:
                computed = list(threads.map(of_months, months))
        lines = [
            line for _, totals in computed for line in dashboard_checks.totals_lines(totals, root)
        ]
        return lines, pl.concat([states for states, _ in computed])
