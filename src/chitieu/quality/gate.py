"""Run the suite with Great Expectations: the only module that imports it, and only when
the gate runs (the import takes seconds and pulls pandas).

With folders, the gate runs in a GX file project beside the warehouse, keeps each
run's validation result there and rebuilds the Data Docs site through a Checkpoint's
`UpdateDataDocsAction` (the site's index lists every run kept). Without, it runs in an
ephemeral context and writes nothing: a dry run. Either way GX stays quiet and
offline: no progress bars, no usage statistics.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import unquote, urlparse

from chitieu.config import Config
from chitieu.quality.checks import Check, CheckOutcome, CheckResult
from chitieu.quality.results import GateFolders, json_safe
from chitieu.quality.suite import ROW_NAMES, SUITE, SUITE_NAME, gate_frame
from chitieu.rollup import Rollup

if TYPE_CHECKING:
    import polars as pl
    from great_expectations.data_context import AbstractDataContext

GX_ENVIRONMENT: Final = {"GX_ANALYTICS_ENABLED": "false"}
SITE_NAME: Final = "chitieu"
DATASOURCE: Final = "chitieu"
ASSET: Final = "review"
BATCH: Final = "review frame"
PARTIAL_UNEXPECTED: Final = 20
"""Failing rows GX names per expectation in a summary (it counts them all)."""
COMPLETE_UP_TO_ROWS: Final = 50_000
"""Up to this many rows (a district's or a province's review), GX lists every failing
row with its names, which Data Docs shows; above (a national review), a summary of
`PARTIAL_UNEXPECTED` rows, so that a systematic failure does not write a result, and a
page, of hundreds of thousands of rows."""
EXAMPLES_IN_DETAIL: Final = 3
"""Failing rows named in a check's one-line detail."""


def result_format(complete: bool) -> dict[str, Any]:
    return {
        "result_format": "COMPLETE" if complete else "SUMMARY",
        "unexpected_index_column_names": list(ROW_NAMES),
        "partial_unexpected_count": PARTIAL_UNEXPECTED,
        "return_unexpected_index_query": False,
    }


def run_name_of(rollup: Rollup) -> str:
    """``review-2024S1-834``, as the Prefect flow run is named."""
    return f"review-{rollup.review_period.code}-{rollup.root}"


@dataclass(frozen=True)
class GateJob:
    """What validating a review takes, as it goes to a worker process (pickled)."""

    frame: pl.DataFrame
    """The review's gate frame (`gate_frame`)."""
    config: Config
    run_name: str
    folders: GateFolders | None
    """Absolute: a worker may work in another folder."""
    timings: dict[str, float]
    complete: bool
    """Name every failing row in the result, else a summary (`COMPLETE_UP_TO_ROWS`);
    decided by the command, not by a worker's own copy of the limit."""

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickled with its frame as LZ4-compressed Arrow IPC: a national frame is mostly
        nulls (each part fills only its own columns), 118 MB as a pickled polars frame
        (~0.35 s to pickle and unpickle), ~5 MB this way (~0.08 s); the frame read back
        is equal, column types included."""
        buffer = io.BytesIO()
        self.frame.write_ipc(buffer, compression="lz4")
        others = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "frame"}
        return _unpickled_job, (buffer.getvalue(), others)


def _unpickled_job(frame: bytes, others: dict[str, Any]) -> GateJob:
    import polars as pl

    return GateJob(frame=pl.read_ipc(frame), **others)


def run_gate(rollup: Rollup, config: Config, folders: GateFolders | None = None) -> CheckResult:
    """Validate a review's frames against the suite; with ``folders``, keep the result in
    the GX project and build its Data Docs page. The suite runs in the warm worker when
    the command has one (`chitieu.quality.worker`), else here."""
    from chitieu.quality import worker

    started = time.perf_counter()
    frame = gate_frame(rollup, config)
    timings = {"frame": time.perf_counter() - started}
    if folders is not None:
        folders = GateFolders(folders.results.resolve(), folders.data_docs.resolve())
    complete = frame.height <= COMPLETE_UP_TO_ROWS
    return worker.validate(GateJob(frame, config, run_name_of(rollup), folders, timings, complete))


def import_gx() -> Any:
    """Great Expectations, imported quiet and offline (seconds, the first time)."""
    for name, value in GX_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    import great_expectations as gx

    return gx


def validate_frame(job: GateJob) -> CheckResult:
    """The suite on a review's gate frame, in this process."""
    frame, config, run_name, folders = job.frame, job.config, job.run_name, job.folders
    started = time.perf_counter()
    gx = import_gx()
    imported = time.perf_counter()
    with _project_turn(folders):
        context = _context(gx, folders)
        checkpoint = _checkpoint(gx, context, config, job.complete, with_docs=folders is not None)
        outcome = checkpoint.run(
            batch_parameters={"dataframe": html_inert(frame).to_pandas()},
            run_id=gx.RunIdentifier(run_name=run_name, run_time=dt.datetime.now(dt.UTC)),
        )
        (key, validation), *_ = outcome.run_results.items()
        page = _page(context, key) if folders is not None else None
    validated = time.perf_counter()
    by_name = {check.name: check for check in SUITE}
    outcomes = [_outcome(by_name[r.expectation_config.meta["name"]], r) for r in validation.results]
    order = [check.name for check in SUITE]
    return CheckResult(
        outcomes=sorted(outcomes, key=lambda o: order.index(o.name)),
        run_name=run_name,
        validation=json_safe(validation.to_json_dict()),
        data_docs=page,
        timings={**job.timings, "import": imported - started, "validate": validated - imported},
    )


@contextmanager
def _project_turn(folders: GateFolders | None) -> Iterator[None]:
    """The GX project beside a warehouse is one folder of files that GX rewrites on every
    run (suite, checkpoint, site index); two reviews at once on a shared warehouse take
    turns with it (an exclusive ``flock`` on ``gx.lock``), or GX finds the suite changed
    under it and fails. A dry run has no project and waits for nothing."""
    if folders is None:
        yield
        return
    import fcntl

    folders.results.mkdir(parents=True, exist_ok=True)
    with (folders.results / "gx.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _context(gx: Any, folders: GateFolders | None) -> AbstractDataContext:
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    if folders is None:
        # in memory, without the temporary docs site GX's default ephemeral context has
        in_memory = InMemoryStoreBackendDefaults(init_temp_docs_sites=False)
        context = gx.get_context(
            mode="ephemeral",
            project_config=DataContextConfig(store_backend_defaults=in_memory),
        )
    else:
        folders.results.mkdir(parents=True, exist_ok=True)
        context = gx.get_context(mode="file", project_root_dir=folders.results)
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    context.variables.analytics_enabled = False
    if folders is not None:
        for site in context.get_site_names():
            if site != SITE_NAME:
                context.delete_data_docs_site(site)
        site_config: Any = {
            "class_name": "SiteBuilder",
            "site_index_builder": {
                "class_name": "DefaultSiteIndexBuilder",
                "show_how_to_buttons": False,
            },
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(folders.data_docs.resolve()),
            },
        }
        if SITE_NAME in context.get_site_names():
            context.update_data_docs_site(SITE_NAME, site_config)
        else:
            context.add_data_docs_site(SITE_NAME, site_config)
        context.variables.save()
    return context


def _checkpoint(
    gx: Any, context: AbstractDataContext, config: Config, complete: bool, with_docs: bool
) -> Any:
    """The suite, its validation definition and checkpoint, (re)stated from code each run."""
    import great_expectations.expectations as gxe

    source = context.data_sources.add_or_update_pandas(DATASOURCE)
    asset = source.add_dataframe_asset(ASSET)
    batch = asset.add_batch_definition_whole_dataframe(BATCH)
    suite = context.suites.add_or_update(
        gx.ExpectationSuite(
            name=SUITE_NAME,
            expectations=[_expectation(gxe, check, config) for check in SUITE],
            meta={"notes": "chitieu's quality gate: chitieu/quality/ (SPEC §3, issue 6)"},
        )
    )
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=SUITE_NAME, data=batch, suite=suite)
    )
    actions = [gx.checkpoint.UpdateDataDocsAction(name="data docs", site_names=[SITE_NAME])]
    return context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=SUITE_NAME,
            validation_definitions=[definition],
            actions=actions if with_docs else [],
            result_format=result_format(complete),
        )
    )


def _expectation(gxe: Any, check: Check, config: Config) -> Any:
    return getattr(gxe, check.expectation)(
        **check.kwargs(config),
        meta={"name": check.name, "severity": check.severity},
        severity=check.severity,
        description=check.description,
    )


def _page(context: AbstractDataContext, key: Any) -> Path | None:
    urls = context.get_docs_sites_urls(resource_identifier=key, site_names=[SITE_NAME])
    url = next((u["site_url"] for u in urls if u.get("site_url")), None)
    return Path(unquote(urlparse(url).path)) if url else None


def _outcome(check: Check, validated: Any) -> CheckOutcome:
    """A check's outcome from GX's ``ExpectationValidationResult``."""
    if validated.success:
        return CheckOutcome(check.name, check.severity, True)
    detail = _detail(validated.result or {}, validated.exception_info or {})
    return CheckOutcome(check.name, check.severity, False, detail)


def _detail(result: dict[str, Any], exception: dict[str, Any]) -> str:
    """What failed, on one line: how many rows and the first few, named."""
    message = exception.get("exception_message")
    if exception.get("raised_exception") and message:
        return f"could not be checked: {str(message).splitlines()[0]}"
    if "unexpected_count" in result:
        rows = [_row(row) for row in result.get("partial_unexpected_index_list") or []]
        shown = "; ".join(rows[:EXAMPLES_IN_DETAIL])
        count = result["unexpected_count"]
        more = f" (+{count - EXAMPLES_IN_DETAIL} more)" if count > EXAMPLES_IN_DETAIL else ""
        return f"{count} failing: {shown}{more}" if shown else f"{count} failing"
    if result.get("missing_count"):
        missing = ", ".join(map(_text, result.get("partial_missing_list") or []))
        return f"{result['missing_count']} missing: {missing}"
    return f"observed {result.get('observed_value')}"


_HTML: Final = r"[&<>\"']"
_ENTITIES: Final = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#x27;"))


def html_inert(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with its text escaped for HTML (as `html.escape` does), where any holds a
    character to escape: GX writes the rows it names (``part``, ``subject``, ``detail``:
    a rule's message, an element's name) into the Data Docs page as they are, and a
    message ``<script>…`` ran there in the browser of whoever opened it. No expectation
    compares these texts (they name rows; codes have none of these characters), and the
    gate's own details read them back unescaped (`_text`). A column is searched once and
    left as it is when clean: a national frame's 2 M rows have none."""
    import polars as pl

    escaped = []
    for name, dtype in frame.schema.items():
        if dtype != pl.String or not frame.get_column(name).str.contains(_HTML).any():
            continue
        column = pl.col(name)
        for character, entity in _ENTITIES:
            column = column.str.replace_all(character, entity, literal=True)
        escaped.append(column)
    return frame.with_columns(escaped) if escaped else frame


def _row(row: dict[str, Any]) -> str:
    """``834 CT01 (percent=78.46, expected_percent=80.0)`` from GX's unexpected row."""
    values = ", ".join(f"{k}={_text(v)}" for k, v in row.items() if k not in ROW_NAMES)
    name = " ".join(_text(row[k]) for k in ROW_NAMES[1:] if _text(row.get(k)) != "null")
    return f"{name} ({values})" if values else name


def _text(value: Any) -> str:
    """A value of GX's lists: pandas' missing values (NaN) read as null."""
    if isinstance(value, float):
        return "null" if value != value else f"{value:g}"
    return "null" if value is None or value == "" else html.unescape(str(value))
