"""Render page 1 of the example's review document to a PNG for the README.

    .venv/bin/python docs/render_report.py [--period 2024S1] [-o PNG]

The bundled example is ingested into a scratch DuckDB warehouse and its review published
(the pipeline's own functions, no Prefect); `chitieu report --format docx` then writes the
document (number 123, dated 17 June 2024, as the article's review), LibreOffice headless
prints it to PDF (Debian's ``libreoffice-writer``) and ``pdftoppm`` (``poppler-utils``)
draws page 1 at 80 dpi.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import tempfile
from pathlib import Path

from chitieu import pipeline
from chitieu.config import load_config
from chitieu.examples import example_dir
from chitieu.periods import Period
from chitieu.report import office
from chitieu.report.load import load_report
from chitieu.report.output import write_report
from chitieu.warehouse import open_warehouse

ROOT = Path(__file__).resolve().parents[1]
DAY = dt.date(2024, 6, 17)


def render(period: str, target: Path) -> Path:
    config = load_config(example_dir() / "config")
    with tempfile.TemporaryDirectory(prefix="chitieu-docs-") as scratch:
        folder = Path(scratch)
        with open_warehouse(f"duckdb:///{folder / 'warehouse.duckdb'}") as warehouse:
            files = pipeline.gather_files([example_dir() / "submissions"])
            pipeline.ingest_batch(files, config, warehouse, folder / "archive")
            review = pipeline.prepare_review(
                config, warehouse, Period.parse(period), keep_results=False
            )
            pipeline.publish_review(warehouse, review)
            model = load_report(
                config, warehouse, period, config.catalog.resolution.org_unit, number="123", day=DAY
            )
        document = write_report(model, "docx", folder / f"bao-cao-{period}.docx", config.folder)
        pdf = office.to_pdf(document, folder)
        picture = office.page_png(pdf, 1, folder / "page1.png", dpi=80)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(picture, target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--period", default="2024S1")
    parser.add_argument("-o", "--output", type=Path, default=None)
    args = parser.parse_args()
    target = args.output or ROOT / "docs" / f"report-{args.period}-page1.png"
    print(render(args.period, target))


if __name__ == "__main__":
    main()
