"""The demo: intake of the bundled example, the six-month and year-end reviews,
and their reports, into a fresh warehouse under a local folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from chitieu import pipeline
from chitieu.config import load_config
from chitieu.examples import clear_demo_folder, example_dir
from chitieu.flows.intake import intake_flow
from chitieu.flows.review import review_flow
from chitieu.flows.support import fails_on_domain_errors
from chitieu.receipts import status_counts
from chitieu.settings import beside_warehouse
from chitieu.warehouse import open_warehouse

DEMO_REVIEWS = ("2024S1", "2024")


@dataclass(frozen=True)
class DemoResult:
    lines: list[str]


@task(name="write review document", cache_policy=NO_CACHE)
def write_document(config_dir: str, url: str, period: str, root: str, path: str) -> str:
    """The review's Word document, as the meeting reads it."""
    with open_warehouse(url) as warehouse:
        written = pipeline.write_document(
            load_config(config_dir), warehouse, period, root, Path(path)
        )
    return str(written)


@flow(name="chitieu-demo", flow_run_name="demo-giong-trom-2024")
@fails_on_domain_errors
def demo_flow(workdir: str) -> DemoResult:
    """Run the whole job on the Giồng Trôm 2024 example."""
    folder = Path(workdir).resolve()
    example = example_dir()
    config_dir = example / "config"
    database = folder / "warehouse.duckdb"
    url = f"duckdb:///{database}"
    clear_demo_folder(folder)  # a fresh warehouse each time, where the folder's is the demo's
    folder.mkdir(parents=True, exist_ok=True)

    outcomes = intake_flow([str(example / "submissions")], str(config_dir), url)
    lines = [f"Tiếp nhận / intake: {len(outcomes)} tệp / files — {status_counts(outcomes)}"]
    warned = [o for o in outcomes if o.warning_count]
    if warned:
        total = sum(o.warning_count for o in warned)
        lines.append(f"Cảnh báo cần kiểm tra / warnings to check: {total}")
        lines += [f"  {Path(o.source_name).name}: {o.first_warning}" for o in warned]
    reports = folder / "reports"
    written: list[str] = []
    for period in DEMO_REVIEWS:
        outcome = review_flow(period, str(config_dir), url, reports_dir=str(reports))
        document = reports / f"{period}-{outcome.root}.docx"
        write_document(str(config_dir), url, period, outcome.root, str(document))
        lines.append("")
        lines.append(f"{period} {outcome.root}: {outcome.summary_vi}")
        written += [*outcome.reports, str(document)]
    lines += [
        "",
        f"Kho dữ liệu / warehouse: {database}",
        f"Lưu trữ tệp / archive:   {beside_warehouse(url, 'archive')}",
        "Báo cáo / reports:",
        *[f"  {path}" for path in written],
        f"Thử / try: chitieu snapshots list --warehouse {database}",
        f"           chitieu status 2024S1 --config {config_dir} --warehouse {database}",
    ]
    return DemoResult(lines)
