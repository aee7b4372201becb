"""The review flow: roll up → quality checks → publish."""

from __future__ import annotations

from dataclasses import dataclass

from prefect import flow, get_run_logger, task
from prefect.runtime import flow_run

from chitieu import pipeline
from chitieu.config import load_config
from chitieu.periods import Period
from chitieu.rollup import class_counts, summary_sentence
from chitieu.warehouse import open_warehouse
from chitieu.warehouse.models import Published


@dataclass(frozen=True)
class ReviewOutcome:
    review_period: str
    root: str
    summary_vi: str
    summary_en: str
    checks_passed: bool
    failed_checks: list[str]
    published: Published | None


def _run_name() -> str:
    """``review-2024S1-834``: what a person filters by in the UI."""
    parameters = flow_run.parameters
    root = parameters.get("root")
    if root is None:
        root = load_config(parameters["config_dir"]).catalog.resolution.org_unit
    return f"review-{parameters['review_period']}-{root}"


@task(name="roll up and check")
def prepare(
    config_dir: str, warehouse_url: str, review_period: str, root: str | None
) -> pipeline.PreparedReview:
    config = load_config(config_dir)
    warehouse = open_warehouse(warehouse_url)
    try:
        return pipeline.prepare_review(
            config, warehouse, Period.parse(review_period), root, flow_run_id=_flow_run_id()
        )
    finally:
        warehouse.close()


@task(name="publish snapshot")
def publish(warehouse_url: str, prepared: pipeline.PreparedReview) -> Published:
    warehouse = open_warehouse(warehouse_url)
    try:
        return pipeline.publish_review(warehouse, prepared)
    finally:
        warehouse.close()


def _flow_run_id() -> str | None:
    run_id = flow_run.id
    return str(run_id) if run_id else None


@flow(name="chitieu-review", flow_run_name=_run_name)
def review_flow(
    review_period: str, config_dir: str, warehouse_url: str, root: str | None = None
) -> ReviewOutcome:
    """Roll up a review period, check it, and publish a snapshot revision."""
    logger = get_run_logger()
    config = load_config(config_dir)
    prepared = prepare(config_dir, warehouse_url, review_period, root)
    rollup = prepared.rollup
    counts = class_counts(rollup.root_indicators())
    mid_year = not rollup.review_period.is_year
    thresholds = config.catalog.classification
    outcome = ReviewOutcome(
        review_period=rollup.review_period.code,
        root=rollup.root,
        summary_vi=summary_sentence(counts, "vi", thresholds, mid_year),
        summary_en=summary_sentence(counts, "en", thresholds, mid_year),
        checks_passed=prepared.checks.passed,
        failed_checks=[f"{o.name}: {o.detail}" for o in prepared.checks.failures()],
        published=None,
    )
    if not prepared.checks.passed:
        logger.error(
            "Kiểm tra chất lượng không đạt / quality checks failed: %s", outcome.failed_checks
        )
        return outcome
    published = publish(warehouse_url, prepared)
    if published.created:
        logger.info(
            "Công bố bản %d của %s %s / published revision %d",
            published.revision,
            outcome.review_period,
            outcome.root,
            published.revision,
        )
    else:
        logger.info("Không có gì mới: bản %d giữ nguyên / nothing new", published.revision)
    logger.info(outcome.summary_vi)
    return ReviewOutcome(**{**outcome.__dict__, "published": published})
