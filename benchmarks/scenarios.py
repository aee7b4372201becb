"""One benchmark scenario in this process: ``python -m benchmarks.scenarios NAME ...``.

`benchmarks.run` starts each run of each scenario in a fresh process (so imports, caches
and memory never carry over) and reads the JSON line this prints last: ``seconds`` (the
timed section), ``phases`` (where those seconds went, when known) and a few counts that
show the run did the work. What is timed:

- ``review``: the national review as the pure functions of `chitieu.pipeline` run it
  (the Prefect flow's steps without Prefect): load the configuration, read the accepted
  values from the warehouse, roll up, quality gate, draft (hashes), publish, reports.
- ``review-warm``: ``review`` with the quality gate kept warm beside the local Prefect
  server (`chitieu.quality.service`, started untimed), as `chitieu review` runs on review
  day where the server runs: no GX import competes with the reading and the roll-up.
- ``review-prefect``: the same through `chitieu.flows.review.review_flow`.
- ``rollup-polars`` / ``rollup-pandas`` / ``rollup-duckdb``: the bare roll-up on values
  already in memory (read from parquet before timing): chitieu's `roll_up`, the pandas
  baseline, the DuckDB SQL baseline (values loaded into an in-memory table first). Each
  returns the root's rows (`benchmarks.run` checks the baselines' against chitieu's) and
  the baselines their time per step (the DuckDB one: per statement).
- ``read-<fmt>``: the bare cost of reading a month's files into frames (every cell as
  text): `pl.read_csv`, `pl.read_excel` (calamine), `json.loads`.
- ``intake-<fmt>``: ingesting that month into an empty warehouse as the intake flow
  does, with the pure functions (archive, read, validate, register), batch by batch.
- ``intake-prefect-<fmt>``: the same through `chitieu.flows.intake.intake_flow`.
- ``intake-history``: that month into a copy of the warehouse holding the year (its
  values are the history outliers are judged against), with a catalog of no rule and
  every outlier test off: intake as it was before SPEC §7.
- ``intake-checks``: the same with the catalog's rules and outlier settings on
  (`benchmarks.generate.checks_document`): the cost of SPEC §7.
- ``publish-duckdb`` / ``publish-postgres``: publishing the national revision (its
  ~2 M element rows, cached as parquet) into an empty warehouse: hashes and insert.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT_DIR = Path(__file__).resolve().parents[1]
if str(ROOT_DIR) not in sys.path:
    sys.path.insert(0, str(ROOT_DIR))

from benchmarks.generate import INTAKE_MONTH, ROOT_CODE, YEAR, DataSet  # noqa: E402

REVIEW = str(YEAR)
Result = dict[str, Any]


class Phases:
    """Seconds spent in named functions, by wrapping them where the code under test
    looks them up (module attributes, class methods): instrumentation, not a rewrite."""

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()

    def wrap(self, owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - started

        setattr(owner, name, timed)

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 3) for k, v in self.seconds.items()}


@contextmanager
def stopwatch(result: Result) -> Iterator[None]:
    """``seconds`` of the timed section, and ``timed_cpu`` (this process's CPU seconds
    in it, all threads: on a shared machine, steadier than the wall clock)."""
    started, cpu = time.perf_counter(), time.process_time()
    yield
    result["seconds"] = time.perf_counter() - started
    result["timed_cpu"] = round(time.process_time() - cpu, 2)


# ---- review -------------------------------------------------------------------------


def _review_phases() -> Phases:
    from chitieu import pipeline, snapshot
    from chitieu.warehouse import Warehouse, hashing, publishing

    phases = Phases()
    phases.wrap(Warehouse, "accepted_values", "read values")
    phases.wrap(Warehouse, "accepted_reports", "read reports")
    phases.wrap(pipeline, "roll_up", "roll-up")
    if hasattr(pipeline, "run_gate"):
        phases.wrap(pipeline, "run_gate", "quality gate")
    else:
        phases.wrap(pipeline, "run_checks", "quality checks")
    if hasattr(pipeline, "last_year"):
        phases.wrap(pipeline, "last_year", "last year")
    phases.wrap(pipeline, "draft_snapshot", "draft")
    phases.wrap(snapshot, "inputs_sha256", "inputs hash")
    phases.wrap(publishing, "content_sha256", "content hash")
    phases.wrap(hashing, "content_sha256", "content hash")
    phases.wrap(Warehouse, "publish", "publish")
    phases.wrap(pipeline, "write_reports", "reports")
    return phases


def review(data: DataSet, work: Path, **_: Any) -> Result:
    import inspect

    from chitieu import pipeline
    from chitieu.config import load_config
    from chitieu.periods import Period
    from chitieu.warehouse import open_warehouse

    url = f"duckdb:///{work / 'warehouse.duckdb'}"
    phases = _review_phases()
    # as the flow runs it: published while the gate runs, where the code can (issue 16)
    overlapped = "publish" in inspect.signature(pipeline.prepare_review).parameters
    result: Result = {}
    with stopwatch(result):
        config = load_config(data.config)
        with open_warehouse(url) as warehouse:
            period = Period.parse(REVIEW)
            if overlapped:
                prepared = pipeline.prepare_review(
                    config, warehouse, period, ROOT_CODE, publish=True
                )
                published = prepared.published
            else:
                prepared = pipeline.prepare_review(config, warehouse, period, ROOT_CODE)
                published = pipeline.publish_review(warehouse, prepared)
            pipeline.write_reports(config, warehouse, REVIEW, ROOT_CODE, work / "reports")
    timings = getattr(prepared.checks, "timings", {}) or {}
    return {
        **result,
        "phases": {**phases.as_dict(), **{f"gate: {k}": round(v, 3) for k, v in timings.items()}},
        "checks_passed": prepared.checks.passed,
        "revision": published.revision if published else None,
        "element_rows": prepared.draft.elements.height,
        "indicator_rows": prepared.draft.indicators.height,
    }


WARM_SECONDS = 60.0
"""How long the kept-warm gate is given to import GX before a ``review-warm`` run is
timed (it says when it is ready): on review day it has been running since the server
started."""


def review_warm(data: DataSet, work: Path, **kwargs: Any) -> Result:
    """``review`` with the quality gate kept warm beside the local server
    (`chitieu.quality.service`), as `chitieu review` runs where the server runs: the
    service is started (untimed) under a Prefect home of the run's own, then stopped."""
    import shutil
    import tempfile

    from chitieu.quality.service import GateService

    # short: a Unix socket's path holds at most 107 bytes, and `work` may be deep
    home = Path(tempfile.mkdtemp(prefix="chitieu-warm-"))
    os.environ["PREFECT_HOME"] = str(home)
    service = GateService(home)
    try:
        if not service.start():
            log = service.log_path.read_text(errors="replace") if service.log_path.exists() else ""
            raise RuntimeError(f"the kept-warm gate did not start: {log[-2000:]}")
        deadline = time.monotonic() + WARM_SECONDS
        while not service.ready() and time.monotonic() < deadline:
            time.sleep(0.1)
        return review(data, work, **kwargs)
    finally:
        service.stop()
        shutil.rmtree(home, ignore_errors=True)


def review_prefect(data: DataSet, work: Path, **_: Any) -> Result:
    from chitieu.flows.review import review_flow
    from chitieu.flows.support import attended

    url = f"duckdb:///{work / 'warehouse.duckdb'}"
    phases = _review_phases()
    result: Result = {}
    with stopwatch(result), attended():  # as `chitieu review` runs it
        outcome = review_flow(
            review_period=REVIEW,
            config_dir=str(data.config),
            warehouse_url=url,
            root=ROOT_CODE,
            reports_dir=str(work / "reports"),
        )
    if not hasattr(outcome, "checks_passed"):
        raise RuntimeError(f"the review flow failed: {outcome}")
    return {
        **result,
        "phases": phases.as_dict(),
        "checks_passed": outcome.checks_passed,
        "revision": outcome.published.revision if outcome.published else None,
    }


# ---- the bare roll-up ---------------------------------------------------------------


def rollup_polars(data: DataSet, **_: Any) -> Result:
    import polars as pl

    from chitieu.config import load_config
    from chitieu.rollup import roll_up

    config = load_config(data.config)
    values = pl.read_parquet(data.values).select("org_unit_code", "element_code", "period", "value")
    reports = pl.read_parquet(data.reports).select("org_unit_code", "period")
    phases = _rollup_phases()
    result: Result = {}
    with stopwatch(result):
        rollup = roll_up(config, values, REVIEW, ROOT_CODE, reports)
    spent = phases.as_dict()
    spent["the rest (encoding the values)"] = round(result["seconds"] - sum(spent.values()), 3)
    result["phases"] = spent
    root = rollup.root_indicators()
    elements = rollup.elements.filter(pl.col("org_unit_code") == ROOT_CODE)
    return {**result, "values": values.height, **_root_classes(root), **_root(root, elements)}


def _rollup_phases() -> Phases:
    """chitieu's roll-up by its steps, to set against the baselines' (those of its steps
    that `chitieu.rollup.review` calls by name; a step renamed is simply not shown)."""
    from chitieu.rollup import review

    phases = Phases()
    for name, label in (
        ("subtree", "hierarchy"),
        ("at_collecting_units", "own values (reports, one pass, over time)"),
        ("up_the_hierarchy", "up the hierarchy"),
        ("indicator_actuals", "indicator actuals"),
        ("classify", "classify"),
        ("completeness", "completeness"),
        ("_in_unit_order", "in unit order, codes as text"),
    ):
        if hasattr(review, name):
            phases.wrap(review, name, label)
    return phases


def rollup_pandas(data: DataSet, **_: Any) -> Result:
    import pandas as pd

    from benchmarks.baselines import pandas_rollup

    setup = pandas_rollup.load_setup(data.config)
    values = pd.read_parquet(
        data.values, columns=["org_unit_code", "element_code", "period", "value"]
    )
    result: Result = {}
    profile: dict[str, float] = {}
    with stopwatch(result):
        elements, indicators = pandas_rollup.roll_up(setup, values, REVIEW, ROOT_CODE, profile)
    import polars as pl

    root = pl.from_pandas(indicators[indicators["org_unit_code"] == ROOT_CODE])
    root_elements = pl.from_pandas(elements[elements["org_unit_code"] == ROOT_CODE])
    return {
        **result,
        "phases": {k: round(v, 3) for k, v in profile.items()},
        "values": len(values),
        **_root_classes(root),
        **_root(root, root_elements),
    }


def rollup_duckdb(data: DataSet, **_: Any) -> Result:
    import duckdb
    import polars as pl

    from benchmarks.baselines import duckdb_rollup

    con = duckdb.connect()
    catalog = duckdb_rollup.load(con, data.config, data.values)
    result: Result = {}
    profile: dict[str, float] = {}
    with stopwatch(result):
        elements, indicators = duckdb_rollup.roll_up(con, catalog, REVIEW, ROOT_CODE, profile)
    root = indicators.filter(pl.col("org_unit_code") == ROOT_CODE)
    root_elements = elements.filter(pl.col("org_unit_code") == ROOT_CODE)
    return {
        **result,
        "phases": {k: round(v, 3) for k, v in profile.items()},
        **_root_classes(root),
        **_root(root, root_elements),
    }


def _root_classes(root: Any) -> Result:
    """The root's class counts: the same in every implementation, a cheap cross-check."""
    counts = dict(root.group_by("class").len().iter_rows())
    return {"root_classes": dict(sorted(counts.items()))}


def _root(indicators: Any, elements: Any) -> Result:
    """The root's rows (polars frames): every indicator (actual, target, percent, class)
    and every element value, which `benchmarks.run` compares with chitieu's."""
    return {
        "root": {
            "indicators": sorted(
                indicators.select(
                    "indicator_code", "actual", "target", "percent", "class"
                ).iter_rows()
            ),
            "elements": sorted(elements.select("element_code", "value").iter_rows()),
        }
    }


# ---- intake -------------------------------------------------------------------------


def read_bare(data: DataSet, fmt: str, **_: Any) -> Result:
    import polars as pl

    paths = sorted(p for p in data.inbox(fmt).iterdir() if p.is_file())
    result: Result = {}
    with stopwatch(result):
        frames = [_READERS[fmt](path) for path in paths]
        rows = pl.concat(frames, how="diagonal").height
    return {**result, "files": len(paths), "rows": rows}


def _read_csv(path: Path) -> Any:
    import polars as pl

    return pl.read_csv(path, infer_schema=False)


def _read_xlsx(path: Path) -> Any:
    import polars as pl

    return pl.read_excel(
        path,
        engine="calamine",
        has_header=False,
        infer_schema_length=0,
        drop_empty_rows=False,
    )


def _read_json(path: Path) -> Any:
    import polars as pl

    report = json.loads(path.read_bytes())
    return pl.DataFrame(report["values"]).with_columns(
        pl.lit(report["org_unit_code"]).alias("org_unit_code"),
        pl.lit(report["period"]).alias("period"),
    )


_READERS: dict[str, Callable[[Path], Any]] = {
    "csv": _read_csv,
    "xlsx": _read_xlsx,
    "json": _read_json,
}


def _intake_phases() -> Phases:
    from chitieu import intake, pipeline
    from chitieu.warehouse import Warehouse
    from chitieu.warehouse import intake as warehouse_intake
    from chitieu.warehouse.archive import ArchiveWrites

    phases = Phases()
    # the archive is written while the batch is read and validated: this is the wait after
    phases.wrap(ArchiveWrites, "wait", "archive (waited for)")
    phases.wrap(pipeline, "read_all", "read files")
    phases.wrap(pipeline, "plan_intake", "validate")
    phases.wrap(intake, "validate_rows", "of which validate_rows")
    phases.wrap(Warehouse, "register_intake", "register")
    phases.wrap(Warehouse, "register_intake_checked", "register")
    phases.wrap(warehouse_intake, "_history_warnings", "of which history and outliers")
    phases.wrap(Warehouse, "known_sha256", "known hashes")
    return phases


def intake_direct(
    data: DataSet, fmt: str, work: Path, config: Path | None = None, **_: Any
) -> Result:
    """The intake flow's steps in the same order, without Prefect: the worker processes
    started, every file listed and fingerprinted, the batches planned by the workers,
    each registered here in order as it comes back. ``config``: another configuration folder."""
    from chitieu import pipeline, settings
    from chitieu.config import load_config
    from chitieu.warehouse import open_warehouse

    url = f"duckdb:///{work / 'warehouse.duckdb'}"
    phases = _intake_phases()
    outcomes: Counter[str] = Counter()
    warnings: Counter[str] = Counter()
    result: Result = {}
    with stopwatch(result):
        config_dir = str((config or data.config).resolve())
        # the workers start while the files are fingerprinted, as in the flow
        expected = pipeline.expected_batches([data.inbox(fmt)])
        with (
            pipeline.intake_workers(expected, config_dir) as workers,
            open_warehouse(url) as warehouse,
        ):
            config = load_config(config_dir)
            archive = str(settings.beside_warehouse(url, "archive").resolve())
            received_at = dt.datetime.now(dt.UTC)
            # as the flow's task gathers them (the inbox's entries checked, none followed)
            found, _refused = pipeline.fingerprint_inbox([data.inbox(fmt)])
            hash_of = {Path(p): sha256 for p, sha256 in found}
            paths = list(hash_of)
            groups = pipeline.batches(paths)
            workers.at_least(len(groups))
            received = warehouse.known_sha256(list(hash_of.values()))
            hashes = [[hash_of[p] for p in group] for group in groups]
            known = pipeline.known_before(hashes, received)
            planning = [
                workers.plan(
                    pipeline.BatchJob(
                        [str(p) for p in group], ".", config_dir, archive, seen, received_at
                    )
                )
                for group, seen in zip(groups, known, strict=True)
            ]
            for planned in planning:
                done = pipeline.register_batch(warehouse, planned.result(), config)
                outcomes.update(o.status for o in done.outcomes)
                warned = done.issues.filter(done.issues["severity"] == "warning")
                warnings.update(warned["check"].to_list())
    return {
        **result,
        "phases": phases.as_dict(),
        "files": len(paths),
        "outcomes": dict(outcomes),
        "warnings": dict(sorted(warnings.items())),
    }


def intake_into_the_year(data: DataSet, fmt: str, work: Path, variant: str) -> Result:
    """The month into the year's warehouse (copied into ``work`` by `benchmarks.run`),
    with the ``variant`` of the catalog. Before timing, the warehouse is brought up to
    date and loses the month's own reports (the generated year holds them too): the
    month arrives on top of the eleven before it, as it does in December."""
    from benchmarks.generate import write_variant
    from chitieu.warehouse import open_warehouse

    config = write_variant(data.config, work / f"config-{variant}", variant)
    month = f"{YEAR}M{INTAKE_MONTH:02d}"
    with open_warehouse(f"duckdb:///{work / 'warehouse.duckdb'}") as warehouse:
        for table in ("submission_values", "validation_issues", "submissions"):
            warehouse.backend.execute(
                f"DELETE FROM {table} WHERE submission_id IN "
                "(SELECT submission_id FROM submissions WHERE period = $1)",
                [month],
            )
    return intake_direct(data, fmt, work, config=config)


def intake_history(data: DataSet, fmt: str, work: Path, **_: Any) -> Result:
    return intake_into_the_year(data, fmt, work, "plain")


def intake_checks(data: DataSet, fmt: str, work: Path, **_: Any) -> Result:
    return intake_into_the_year(data, fmt, work, "checks")


def intake_prefect(data: DataSet, fmt: str, work: Path, **_: Any) -> Result:
    from chitieu.flows.intake import intake_flow
    from chitieu.flows.support import attended

    url = f"duckdb:///{work / 'warehouse.duckdb'}"
    phases = _intake_phases()
    result: Result = {}
    with stopwatch(result), attended():  # as `chitieu intake` runs it
        outcomes = intake_flow(
            inputs=[str(data.inbox(fmt))],
            config_dir=str(data.config),
            warehouse_url=url,
            month=f"{YEAR}M{INTAKE_MONTH:02d}",
        )
    if not isinstance(outcomes, Sequence):
        raise RuntimeError(f"the intake flow failed: {outcomes}")
    counts = Counter(o.status for o in outcomes)
    return {**result, "phases": phases.as_dict(), "files": len(outcomes), "outcomes": dict(counts)}


# ---- publishing ---------------------------------------------------------------------


def cached_draft(data: DataSet) -> Any:
    """The national revision to publish, rolled up once and kept as parquet."""
    import polars as pl

    from chitieu.config import load_config
    from chitieu.rollup import roll_up
    from chitieu.snapshot import draft_snapshot
    from chitieu.warehouse import SnapshotDraft

    folder = data.folder / "draft"
    header_file = folder / "header.json"
    if not header_file.exists():
        config = load_config(data.config)
        reports = pl.read_parquet(data.reports)
        values = pl.read_parquet(data.values)
        rollup = roll_up(
            config, values, REVIEW, ROOT_CODE, reports.select("org_unit_code", "period")
        )
        draft = draft_snapshot(rollup, config, reports, True)
        folder.mkdir(parents=True, exist_ok=True)
        for part in ("indicators", "elements", "inputs"):
            getattr(draft, part).write_parquet(folder / f"{part}.parquet")
        header = {
            k: getattr(draft, k)
            for k in ("review_period", "root_org_unit", "catalog_sha256", "inputs_sha256")
        }
        header["completeness"] = draft.completeness
        header_file.write_text(json.dumps(header), encoding="utf-8")
    header = json.loads(header_file.read_text(encoding="utf-8"))
    parts = {
        p: pl.read_parquet(folder / f"{p}.parquet") for p in ("indicators", "elements", "inputs")
    }
    return SnapshotDraft(
        review_period=header["review_period"],
        root_org_unit=header["root_org_unit"],
        catalog_sha256=header["catalog_sha256"],
        inputs_sha256=header["inputs_sha256"],
        completeness=header["completeness"],
        checks_passed=True,
        flow_run_id=None,
        **parts,
    )


def publish(data: DataSet, work: Path, url: str | None = None, **_: Any) -> Result:
    from chitieu.warehouse import hashing, open_warehouse, publishing

    draft = cached_draft(data)
    url = url or f"duckdb:///{work / 'warehouse.duckdb'}"
    phases = Phases()
    phases.wrap(publishing, "content_sha256", "content hash")
    phases.wrap(publishing, "inputs_sha256", "inputs hash")
    phases.wrap(hashing, "content_sha256", "content hash")
    with open_warehouse(url) as warehouse:
        result: Result = {}
        with stopwatch(result):
            published = warehouse.publish(draft)
    return {
        **result,
        "phases": phases.as_dict(),
        "element_rows": draft.elements.height,
        "revision": published.revision,
    }


# ---- the review's report in each format ----------------------------------------------


def report(data: DataSet, fmt: str, work: Path, **_: Any) -> Result:
    """`chitieu report 2024 --org VN --format FMT -o FILE` without the process start: read
    the published revision, build the report's model, render it. The national revision is
    published into the run's copy of the warehouse first (not timed)."""
    from chitieu import report as package
    from chitieu.config import load_config
    from chitieu.report import load, output
    from chitieu.warehouse import Warehouse, open_warehouse

    url = f"duckdb:///{work / 'warehouse.duckdb'}"
    with open_warehouse(url) as warehouse:
        warehouse.publish(cached_draft(data))
    phases = Phases()
    phases.wrap(Warehouse, "snapshot", "read revision")
    phases.wrap(load, "build_reports", "model")
    phases.wrap(output, "write_report", "render and write")
    target = work / f"report-{REVIEW}-{ROOT_CODE}.{fmt}"
    result: Result = {}
    with stopwatch(result):
        config = load_config(data.config)
        with open_warehouse(url) as warehouse:
            model = load.load_report(
                config, warehouse, REVIEW, ROOT_CODE, audit=fmt == "xlsx", number="1"
            )
        output.write_report(model, fmt, target, config.folder)
    assert isinstance(model, package.ReportModel)
    return {
        **result,
        "phases": phases.as_dict(),
        "files": f"{target.stat().st_size / 1e6:.1f} MB, {len(model.annex)} units in the annex",
    }


SCENARIOS: dict[str, Callable[..., Result]] = {
    "report": report,
    "review": review,
    "review-prefect": review_prefect,
    "review-warm": review_warm,
    "rollup-polars": rollup_polars,
    "rollup-pandas": rollup_pandas,
    "rollup-duckdb": rollup_duckdb,
    "read": read_bare,
    "intake": intake_direct,
    "intake-prefect": intake_prefect,
    "intake-history": intake_history,
    "intake-checks": intake_checks,
    "publish-duckdb": publish,
    "publish-postgres": publish,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run one benchmark scenario once.")
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--data", type=Path, required=True, help="the generated data set")
    parser.add_argument("--work", type=Path, required=True, help="a scratch folder")
    parser.add_argument("--format", default="csv")
    parser.add_argument("--url", default=None, help="warehouse URL (publish-postgres)")
    args = parser.parse_args(argv)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    args.work.mkdir(parents=True, exist_ok=True)
    run = SCENARIOS[args.scenario]
    result = run(DataSet(args.data), fmt=args.format, work=args.work, url=args.url)
    print(json.dumps({"scenario": args.scenario, **result}, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
