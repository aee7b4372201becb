"""A review date: the intake after the review's cut-off, then the review itself.

What the six-month and year-end deployments run; the intake and the review show in
the UI as two child runs of ``review-date-2024S1-834``.
"""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from chitieu import settings
from chitieu.credentials import refuse_secret_parameter
from chitieu.errors import ChitieuError
from chitieu.flows.intake import intake_flow
from chitieu.flows.review import ReviewOutcome, resolve_period, resolve_root, review_flow
from chitieu.flows.support import fails_on_domain_errors, tag_run
from chitieu.periods import Period
from chitieu.receipts import status_counts


def _run_name() -> str:
    parameters = flow_run.parameters
    name = f"review-date-{resolve_period(parameters.get('review_period')).code}"
    try:
        return f"{name}-{resolve_root(parameters.get('config_dir'), parameters.get('root'))}"
    except ChitieuError:
        return name


@flow(name="chitieu-review-date", flow_run_name=_run_name)
@fails_on_domain_errors
def review_date_flow(
    review_period: str | None = None,
    inputs: list[str] | None = None,
    config_dir: str = settings.DEFAULT_CONFIG,
    warehouse_url: str | None = None,
    root: str | None = None,
) -> ReviewOutcome:
    """Ingest the inbox, then roll up, check, publish and report the review.

    Args:
        review_period: ``2024S1`` or ``2024``; by default the review whose cut-off
            (14 June, 14 December) passed last before the run was scheduled.
        inputs: Files or folders of submissions; none: skip the intake.
        config_dir: The configuration folder: catalog.yaml, org_units.csv, targets.csv.
        warehouse_url: By default ``CHITIEU_WAREHOUSE``, else ./warehouse.duckdb. Never
            with a password (the flow run keeps its parameters): PGPASSWORD or ~/.pgpass.
        root: The root unit; by default the resolution's own.
    """
    logger = get_run_logger()
    refuse_secret_parameter(warehouse_url)
    period = resolve_period(review_period)
    unit = resolve_root(config_dir, root)
    tag_run("chitieu", "review", f"period:{period.code}", f"unit:{unit}")
    if inputs:
        last_month = Period(period.year, period.last_month, period.last_month)
        outcomes = intake_flow(inputs, config_dir, warehouse_url, month=last_month.code)
        logger.info("Tiếp nhận / intake: %s", status_counts(outcomes) or "không có / none")
    return review_flow(period.code, config_dir, warehouse_url, unit)
