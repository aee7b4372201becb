"""The review flow: roll up → quality gate → publish → report, and what the UI shows."""

from __future__ import annotations

import dataclasses
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from prefect import get_run_logger, task
from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_table_artifact,
)
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.states import Completed, State
from prefect.tasks import exponential_backoff

from chitieu import dashboard, settings, signoff
from chitieu.config import Config, load_config
from chitieu.errors import ChitieuError, ReviewLocked
from chitieu.flows import read_ahead
from chitieu.flows.read_ahead import ReviewAhead
from chitieu.flows.support import (
    command_flow,
    deployed,
    emit,
    fails_on_domain_errors,
    review_lock,
    scheduled_time,
    tag_run,
    transient_io,
    unwalked,
)
from chitieu.inert import inert
from chitieu.periods import Period
from chitieu.prepared import PreparedReview
from chitieu.rollup import class_counts, summary_sentence
from chitieu.schedule import due_review
from chitieu.warehouse import open_warehouse
from chitieu.warehouse.models import Published
from chitieu.warehouse.signoff import approved_message

if TYPE_CHECKING:
    import polars as pl

    Approval = tuple[dict[str, Any], pl.DataFrame]
    """A standing approval (``APPROVALS_SCHEMA`` fields) and the reports it holds."""


@dataclass(frozen=True)
class ReviewOutcome:
    review_period: str
    root: str
    summary_vi: str
    summary_en: str
    checks_passed: bool
    failed_checks: list[str]
    published: Published | None
    counts: dict[str, int] = field(default_factory=dict)
    reports: list[str] = field(default_factory=list)
    """The report files written for the published revision."""
    data_docs: str | None = None
    locked: str | None = None
    """Why nothing was published when the review is approved (SPEC §8), else None."""


def resolve_period(review_period: str | None) -> Period:
    return Period.parse(review_period) if review_period else due_review(scheduled_time())


def resolve_root(config_dir: str | None, root: str | None) -> str:
    return root or load_config(config_dir or settings.DEFAULT_CONFIG).catalog.resolution.org_unit


def _run_name() -> str:
    """``review-2024S1-834``: what a person filters by in the UI."""
    parameters = flow_run.parameters
    name = f"review-{resolve_period(parameters.get('review_period')).code}"
    try:
        return f"{name}-{resolve_root(parameters.get('config_dir'), parameters.get('root'))}"
    except ChitieuError:
        return name  # the run itself reports the configuration's problems


def _prepared(
    config_dir: str,
    warehouse_url: str,
    review_period: str,
    root: str,
    *,
    publish: bool,
    ahead: ReviewAhead | None = None,
    reports_folder: str | None = None,
) -> PreparedReview:
    config = load_config(config_dir)
    if ahead is not None and reports_folder is not None:
        checked = ahead.checked()
        done = ahead.publish(_flow_run_id(), reports_folder) if checked is not None else None
        if checked is not None and done is not None:
            log = get_run_logger()
            log.info(
                "Tổng hợp và kiểm tra trước khi Prefect khởi động, trong %.2f s / rolled "
                "up and checked ahead, while Prefect started, in %.2f s",
                checked[1],
                checked[1],
            )
            log.info(
                "Công bố bởi tiến trình đọc trước, trong %.2f s / published by the process "
                "that read ahead, in %.2f s",
                done[1],
                done[1],
            )
            return checked[0].for_run(_flow_run_id(), published=done[0])
    if ahead is not None and ahead.failed is not None:
        get_run_logger().warning(
            "Tiến trình đọc trước gặp lỗi, tác vụ tự làm lại / the process that read ahead "
            "failed, this task does the work itself: %s",
            ahead.failed,
        )
    from chitieu import pipeline  # here: a run whose review was read ahead never needs it

    with open_warehouse(warehouse_url) as warehouse:
        return pipeline.prepare_review(
            config,
            warehouse,
            Period.parse(review_period),
            root,
            flow_run_id=_flow_run_id(),
            keep_results=publish,
            publish=publish,
        )


@task(name="roll up and check", cache_policy=NO_CACHE)
def prepare(config_dir: str, warehouse_url: str, review_period: str, root: str) -> PreparedReview:
    """A dry run: roll up and run the quality gate, keeping nothing, not even its results."""
    return _prepared(config_dir, warehouse_url, review_period, root, publish=False)


@task(name="roll up, check and publish", cache_policy=NO_CACHE)
def prepare_and_publish(
    config_dir: str,
    warehouse_url: str,
    review_period: str,
    root: str,
    reports_folder: str,
    ahead: ReviewAhead | None = None,
) -> PreparedReview:
    """Roll up, run the quality gate and publish the snapshot revision, written while
    the gate runs and committed only if it passes. Not retried: a stale draft must never
    be published over a newer revision. The review the command rolled up and checked
    while Prefect started (`chitieu.flows.read_ahead`), when it is this very review of
    the warehouse as it is, is published instead, by the process that checked it (which
    then writes the report files into ``reports_folder``)."""
    return _prepared(
        config_dir,
        warehouse_url,
        review_period,
        root,
        publish=True,
        ahead=ahead,
        reports_folder=reports_folder,
    )


@task(
    name="write report",
    retries=2,
    retry_delay_seconds=exponential_backoff(backoff_factor=5),
    retry_condition_fn=transient_io,
    cache_policy=NO_CACHE,
)
def write_reports(
    config_dir: str,
    warehouse_url: str,
    review_period: str,
    root: str,
    folder: str,
    ahead: ReviewAhead | None = None,
) -> list[str]:
    """The published revision's report files (rewritten whole, so safe to retry); those
    the process that read ahead wrote, when it published the revision."""
    written = ahead.reports(folder) if ahead is not None else None
    if written is not None:
        get_run_logger().info(
            "Viết bởi tiến trình đọc trước, trong %.2f s / written by the process that read "
            "ahead, in %.2f s",
            written[1],
            written[1],
        )
        return written[0]
    from chitieu import pipeline

    config = load_config(config_dir)
    with open_warehouse(warehouse_url) as warehouse:
        paths = pipeline.write_reports(config, warehouse, review_period, root, Path(folder))
    return [str(p) for p in paths]


def _flow_run_id() -> str | None:
    run_id = flow_run.id
    return str(run_id) if run_id else None


def _view(config: Config, prepared: PreparedReview, dry_run: bool) -> dashboard.ReviewView:
    rollup = prepared.rollup
    counts = class_counts(rollup.root_indicators())
    thresholds = config.catalog.classification
    mid_year = not rollup.review_period.is_year
    return dashboard.ReviewView(
        review_period=rollup.review_period,
        root=rollup.root,
        root_name=dashboard.root_name(rollup),
        summary_vi=summary_sentence(counts, "vi", thresholds, mid_year),
        summary_en=summary_sentence(counts, "en", thresholds, mid_year),
        counts=counts,
        completeness=rollup.root_completeness(),
        checks_passed=prepared.checks.passed,
        failed_checks=[f"{o.name}: {o.detail}" for o in prepared.checks.failures()],
        published=None,
        dry_run=dry_run,
        on_track=thresholds.on_track,
    )


@command_flow(name="chitieu-review", flow_run_name=_run_name)
@fails_on_domain_errors
def review_flow(
    review_period: str | None = None,
    config_dir: str = settings.DEFAULT_CONFIG,
    warehouse_url: str | None = None,
    root: str | None = None,
    dry_run: bool = False,
    reports_dir: str | None = None,
) -> ReviewOutcome:
    """Roll up a review period, check it, publish a snapshot revision and its report.

    An approved review publishes nothing: the run ends Completed, named ``Locked``, with
    the approval and the reports it holds in its summary artifact (SPEC §8).

    Args:
        review_period: ``2024S1`` or ``2024``; by default the review whose cut-off
            (14 June, 14 December) passed last before the run was scheduled.
        config_dir: The configuration folder: catalog.yaml, org_units.csv, targets.csv.
        warehouse_url: By default ``CHITIEU_WAREHOUSE``, else ./warehouse.duckdb. Never
            with a password (the flow run keeps its parameters): PGPASSWORD or ~/.pgpass.
        root: The root unit; by default the resolution's own.
        dry_run: Roll up and check; publish nothing.
        reports_dir: Where the report files go; by default ``reports`` beside the warehouse.
    """
    logger = get_run_logger()
    config = load_config(config_dir)
    period = resolve_period(review_period)
    unit = root or config.catalog.resolution.org_unit
    url = settings.flow_warehouse(warehouse_url)
    if not dry_run:  # a file in the way: before any work
        beside = [n for n in settings.REVIEW_FOLDERS if n != "reports" or reports_dir is None]
        settings.check_beside(url, *beside)
    tag_run("chitieu", "review", f"period:{period.code}", f"unit:{unit}")
    key = dashboard.review_key(period.code, unit)
    logger.info(
        "Đánh giá kỳ %s (%s), đơn vị %s / review of %s for unit %s",
        period.code,
        period.vi_range(),
        unit,
        period.code,
        unit,
    )

    # Scheduled and UI-started runs wait for each other. A run from the command line
    # does not: a second writer finds the DuckDB file locked, and a racing publication
    # is refused (SnapshotConflict), so nothing is lost; and a command-line run that
    # crashed would hold the slot until its lease ran out.
    # what the command rolled up and checked while Prefect started, if it did
    ahead = (
        None
        if dry_run
        else read_ahead.claim(
            ReviewAhead,
            read_ahead.Review.of(review_period or period.code, config_dir, warehouse_url, root),
        )
    )
    with review_lock(f"chitieu-{key}") if deployed() else nullcontext():
        if ahead is not None:
            ahead.release()  # the reader no longer holds the warehouse
        # not approved when the command's reader looked: the publication checks it again
        told = ahead.approval() if ahead is not None else None
        unlocked = told is not None and told.locked is None
        approval = None if dry_run or unlocked else _approval(config, url, period.code, unit)
        if approval is not None:
            return _locked(config, period, unit, approval, key)
        folder = reports_dir or str(settings.beside_warehouse(url, "reports"))
        try:
            prepared = (
                prepare(config_dir, url, period.code, unit)
                if dry_run
                else prepare_and_publish(
                    config_dir, url, period.code, unit, folder, unwalked(ahead)
                )
            )
        except ReviewLocked:  # approved while this run rolled up
            found = _approval(config, url, period.code, unit)
            if found is None:
                raise
            return _locked(config, period, unit, found, key)
        view = _view(config, prepared, dry_run)
        reports: list[str] = []
        if not view.checks_passed:
            logger.error(
                "Kiểm tra chất lượng không đạt, không công bố / quality checks failed, "
                "nothing published: %s",
                "; ".join(view.failed_checks),
            )
            emit(dashboard.checks_failed_event(view))
        elif dry_run:
            logger.info("Chạy thử, không công bố / dry run, nothing published")
        else:
            published = prepared.published
            assert published is not None  # the gate passed
            view = dataclasses.replace(view, published=published)
            if published.created:
                logger.info(
                    "Công bố bản %d của %s %s / published revision %d",
                    published.revision,
                    period.code,
                    unit,
                    published.revision,
                )
                emit(dashboard.published_event(view))
            else:
                logger.info(
                    "Không có gì mới: bản %d giữ nguyên / nothing new, revision %d stands",
                    published.revision,
                    published.revision,
                )
            reports = write_reports(config_dir, url, period.code, unit, folder, unwalked(ahead))
            view = dataclasses.replace(view, reports=tuple(Path(r) for r in reports))

    logger.info("%s %s: %s", period.code, unit, view.summary_vi)
    _show(config, prepared, view, key)
    return ReviewOutcome(
        review_period=view.review_period.code,
        root=view.root,
        summary_vi=view.summary_vi,
        summary_en=view.summary_en,
        checks_passed=view.checks_passed,
        failed_checks=view.failed_checks,
        published=view.published,
        counts=view.counts.as_dict(),
        reports=reports,
        data_docs=str(prepared.data_docs) if prepared.data_docs else None,
    )


def _approval(config: Config, url: str, review_period: str, root: str) -> Approval | None:
    """The approval that locks this review, with the reports it holds; None if unlocked."""
    from chitieu import pipeline

    with open_warehouse(url) as warehouse:
        approval = warehouse.standing_approval(review_period, root)
        if approval is None:
            return None
        held = pipeline.held_for(config, warehouse, approval)
    return approval, held


def _locked(config: Config, period: Period, unit: str, found: Approval, key: str) -> ReviewOutcome:
    """A run on an approved review: publishes nothing, says why in its log and summary
    artifact, and ends Completed, named ``Locked``: the rule worked, nothing failed."""
    approval, held = found
    message = approved_message(approval)
    get_run_logger().warning(
        "Không công bố gì / nothing published: %s; %d báo cáo đang bị giữ lại / reports held",
        message,
        held.height,
    )
    name = dashboard.unit_name(config.org_units, unit, period.code) or unit
    create_markdown_artifact(
        signoff.locked_markdown(period.code, unit, name, approval, held),
        key=key,
        description="Đã duyệt, không công bố / approved, nothing published — "
        f"{period.code} {inert(unit)}",
    )
    outcome = ReviewOutcome(
        review_period=period.code,
        root=unit,
        summary_vi="",
        summary_en="",
        checks_passed=True,
        failed_checks=[],
        published=None,
        locked=message,
    )
    state: State[ReviewOutcome] = Completed(name="Locked", message=message, data=outcome)
    return cast(ReviewOutcome, state)


def _show(config: Config, prepared: PreparedReview, view: dashboard.ReviewView, key: str) -> None:
    """The run's artifacts, under keys stable per review so the UI keeps their history."""
    # the UI renders a description, and a link artifact's text, as Markdown
    title = f"{view.review_period.code} {inert(view.root)}"
    create_markdown_artifact(
        dashboard.review_markdown(view), key=key, description=f"Tóm tắt / summary — {title}"
    )
    create_table_artifact(
        dashboard.indicator_rows(config, view.root, prepared.draft.indicators),
        key=dashboard.artifact_key(key, "indicators"),
        description=f"Các chỉ tiêu / every indicator — {title}",
    )
    if view.reports:
        report = view.reports[0]  # Vietnamese, the language the review is held in
        create_link_artifact(
            dashboard.file_link(report),
            link_text=inert(report.name),
            key=dashboard.artifact_key(key, "report"),
            description=f"Báo cáo / report — {title}",
        )
    if prepared.data_docs is not None:
        create_link_artifact(
            dashboard.file_link(prepared.data_docs),
            link_text="Data Docs",
            key=dashboard.artifact_key(key, "data-docs"),
            description=f"Kiểm tra chất lượng / quality checks — {title}",
        )
