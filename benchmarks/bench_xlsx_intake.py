"""How long 1,000 filled commune workbooks take to read, validate and ingest.

    .venv/bin/python -m benchmarks.bench_xlsx_intake [--files 1000] [--runs 3] [--writer xlsxwriter]

Writes ``--files`` workbooks (`chitieu template` filled with plausible figures: the 21
communes of examples/giong_trom_2024 over consecutive months from 2021M01) into a
temporary folder, never into the repository, and prints the median of ``--runs`` runs:

- reading alone with chitieu's reader, and for comparison calamine (fastexcel, every cell
  as text: what it cannot tell is why it is not the reader) and openpyxl in read-only mode
  (on a sample, scaled up: it is slow);
- reading and validating the batch (`plan_intake`, the pandera engine intake uses);
- the full intake (`pipeline.ingest_batch`: archive, read, validate, register) into a
  fresh DuckDB warehouse, and the same reports as CSV files for reference.

``--writer openpyxl`` fills the templates with openpyxl instead (inline strings, like a
workbook saved by a script) — slower to generate, about the same to read.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import platform
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from chitieu import pipeline
from chitieu.config import Config, ElementSpec, load_config
from chitieu.excel.template import elements_of, template_workbook
from chitieu.intake import plan_intake, read_all
from chitieu.periods import Period
from chitieu.sources import ReceivedFile
from chitieu.warehouse import open_warehouse

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "giong_trom_2024" / "config"
RECEIVED_AT = dt.datetime(2025, 1, 10, 9, 0, tzinfo=dt.UTC)
OPENPYXL_SAMPLE = 100


def figure(element: ElementSpec, rng: random.Random) -> float | int:
    low = element.min if element.min is not None else 0.0
    high = element.max if element.max is not None else 1000.0
    if element.value_type == "boolean":
        return rng.randint(0, 1)
    if element.value_type == "integer":
        return rng.randint(int(low), int(min(high, low + 50)))
    return round(rng.uniform(low, min(high, 100.0)), 1)


def figures(config: Config, elements: list[ElementSpec], rng: random.Random) -> dict[str, Any]:
    """A report's figures, kept by the catalog's rules of the form ``A + B <= C`` (the
    example's: poor households within households...): a part above its whole is lowered
    to zero, so every report is accepted, as a national month mostly is."""
    values: dict[str, Any] = {e.code: figure(e, rng) for e in elements}
    for rule in config.catalog.rules:
        parts = [code.strip() for code in rule.left.split("+")]
        whole = rule.right.strip()
        if rule.operator != "<=" or not all(c in values for c in (*parts, whole)):
            continue
        while sum(values[c] for c in parts) > values[whole]:
            values[max(parts, key=lambda c: values[c])] = 0
    return values


def reports(config: Config, count: int) -> list[tuple[str, Period]]:
    communes = sorted(
        config.org_units.filter(
            (config.org_units["level"] == "commune") & (config.org_units["parent_code"] == "834")
        )["code"]
    )
    months = [Period(year, m, m) for year in range(2021, 2031) for m in range(1, 13)]
    pairs = [(unit, month) for month in months for unit in communes]
    return pairs[:count]


def write_inbox(config: Config, count: int, folder: Path, writer: str) -> tuple[Path, Path]:
    """``count`` workbooks in ``folder/xlsx`` and the same reports as CSV in ``folder/csv``.
    A commune reports the same figures every month: they pass the outlier tests against
    its earlier months, so no accepted workbook gets an annotated copy (which would cost
    more than the intake itself)."""
    rng = random.Random(2024)
    elements = elements_of(config, "commune")
    xlsx, csv = folder / "xlsx", folder / "csv"
    xlsx.mkdir()
    csv.mkdir()
    kept: dict[str, dict[str, Any]] = {}
    for unit, period in reports(config, count):
        values = kept.setdefault(unit, figures(config, elements, rng))
        name = f"{unit}_{period.code}"
        content = template_workbook(config, unit, period, None if writer == "openpyxl" else values)
        if writer == "openpyxl":
            content = fill_with_openpyxl(content, values)
        (xlsx / f"{name}.xlsx").write_bytes(content)
        lines = ["org_unit_code,element_code,period,value,note"]
        lines += [f"{unit},{code},{period.code},{value}," for code, value in values.items()]
        (csv / f"{name}.csv").write_text("\n".join(lines) + "\n", "utf-8")
    return xlsx, csv


def fill_with_openpyxl(content: bytes, values: dict[str, float | int]) -> bytes:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(content))
    ws = book.active
    for row in range(12, ws.max_row + 1):
        code = ws.cell(row, 1).value
        if code in values:
            ws.cell(row, 4).value = values[code]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def time_it(
    step: Callable[[Config, list[Any]], None], config: Config, batch: list[Any], runs: int
) -> tuple[float, float]:
    """Median wall-clock and CPU seconds of ``runs`` runs of ``step(config, batch)``. CPU
    time (this process's) moves less than wall time on a machine busy with other work."""
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        step(config, batch)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def chitieu_read(config: Config, files: list[ReceivedFile]) -> None:
    reads = read_all(files)
    assert not any(r.problems or r.cell_problems for r in reads)


def calamine_read(config: Config, files: list[ReceivedFile]) -> None:
    import fastexcel

    for f in files:
        fastexcel.read_excel(f.content).load_sheet(0, header_row=None, dtypes="string").to_polars()


def openpyxl_read(config: Config, files: list[ReceivedFile]) -> None:
    import openpyxl

    for f in files:
        book = openpyxl.load_workbook(io.BytesIO(f.content), read_only=True)
        [[c.value for c in row] for row in book.active.iter_rows()]
        book.close()


def read_and_validate(config: Config, files: list[ReceivedFile]) -> None:
    batch = plan_intake(files, read_all(files), config, set(), RECEIVED_AT)
    assert set(batch.submissions.get_column("status")) == {"accepted"}


def ingest(folder: Path, counter: Iterator[int]) -> Callable[[Config, list[Path]], None]:
    """Full intake of a batch of paths into a fresh DuckDB warehouse under ``folder``."""

    def step(config: Config, paths: list[Path]) -> None:
        where = folder / f"wh{next(counter)}"
        with open_warehouse(f"duckdb:///{where / 'w.duckdb'}") as warehouse:
            result = pipeline.ingest_batch(
                paths, config, warehouse, where / "w.archive", RECEIVED_AT
            )
        assert {o.status for o in result.outcomes} == {"accepted"}
        assert not any(o.warning_count for o in result.outcomes)  # no annotated copy

    return step


def _load() -> float:
    """The 1-minute load average: other work on the machine slows every figure."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--writer", choices=("xlsxwriter", "openpyxl"), default="xlsxwriter")
    args = parser.parse_args()
    config = load_config(EXAMPLE)
    load_before = _load()
    with tempfile.TemporaryDirectory(prefix="chitieu-bench-xlsx-") as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        xlsx, csv = write_inbox(config, args.files, folder, args.writer)
        made = time.perf_counter() - start
        paths = sorted(xlsx.iterdir())
        csv_paths = sorted(csv.iterdir())
        files = [ReceivedFile.from_path(p) for p in paths]
        size = sum(len(f.content) for f in files) / len(files) / 1024
        print(
            f"{len(files)} workbooks ({args.writer}, {size:.1f} KiB each, "
            f"{len(elements_of(config, 'commune'))} elements) written in {made:.1f} s"
        )

        sample = files[:OPENPYXL_SAMPLE]
        scale = len(files) / len(sample)
        # a first small round pays the imports (pandera, openpyxl, fastexcel), not measured
        for warm_up in (chitieu_read, calamine_read, openpyxl_read, read_and_validate):
            warm_up(config, files[:2])
        counter = iter(range(10_000))
        rows = [
            (
                "read: chitieu reader (zipfile + XML)",
                time_it(chitieu_read, config, files, args.runs),
            ),
            (
                "read: calamine/fastexcel, text only (lossy)",
                time_it(calamine_read, config, files, args.runs),
            ),
            (
                f"read: openpyxl read-only ({len(sample)} files, x{scale:g})",
                tuple(t * scale for t in time_it(openpyxl_read, config, sample, args.runs)),
            ),
            ("read + validate (plan_intake)", time_it(read_and_validate, config, files, args.runs)),
            (
                "full intake into DuckDB (ingest_batch)",
                time_it(ingest(folder, counter), config, paths, args.runs),
            ),
            (
                "same reports as CSV: full intake",
                time_it(ingest(folder, counter), config, csv_paths, args.runs),
            ),
        ]
    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, load average "
        f"{load_before:.1f} before, {_load():.1f} after; median of {args.runs} runs\n"
    )
    print(f"| {'step':<46} | {'seconds':>8} | {'CPU s':>7} | {'ms / file':>9} |")
    print(f"|{'-' * 48}|{'-' * 9}:|{'-' * 8}:|{'-' * 10}:|")
    for name, (wall, cpu) in rows:
        print(f"| {name:<46} | {wall:8.2f} | {cpu:7.2f} | {wall / len(files) * 1000:9.2f} |")


if __name__ == "__main__":
    main()
