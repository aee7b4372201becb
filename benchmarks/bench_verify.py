"""What `chitieu snapshots verify` costs on a generated data set, with and without
recomputing each revision from its inputs (``--config``).

    python -m benchmarks.bench_verify                     # a quarter of the national set
    python -m benchmarks.bench_verify --scale 1/16 --repeat 3

The data set's year (`benchmarks.generate`) is copied into a scratch warehouse, the
six-month and the year-end reviews are published there, then ``snapshots verify`` runs
``--repeat`` times in its own process each way: wall seconds (median, min–max) and the
process's peak RSS. The generated data has no archived files: verify says so.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT_DIR = Path(__file__).resolve().parents[1]
if str(ROOT_DIR) not in sys.path:
    sys.path.insert(0, str(ROOT_DIR))

from benchmarks.generate import generate  # noqa: E402

CHITIEU = str(Path(sys.executable).with_name("chitieu"))
REVIEWS = ("2024S1", "2024")
TIMED = ("/usr/bin/time", "-f", "%M")  # GNU time: the command's peak RSS in KB, last on stderr


def publish_reviews(config_dir: Path, url: str) -> list[str]:
    from chitieu import pipeline
    from chitieu.config import load_config
    from chitieu.periods import Period
    from chitieu.warehouse import open_warehouse

    config = load_config(config_dir)
    lines = []
    with open_warehouse(url) as wh:
        for period in REVIEWS:
            prepared = pipeline.prepare_review(config, wh, Period.parse(period), keep_results=False)
            published = pipeline.publish_review(wh, prepared)
            lines.append(
                f"{period} revision {published.revision}: {prepared.draft.elements.height:,} "
                f"element rows, {prepared.draft.inputs.height:,} reports"
            )
    return lines


def verify_runs(warehouse: Path, config: str, repeat: int) -> tuple[list[float], float, str]:
    """Wall seconds of each run, the largest peak RSS (MB) and the last run's output."""
    seconds, peaks, output = [], [], ""
    command = [*TIMED, CHITIEU, "snapshots", "verify", "--warehouse", str(warehouse)]
    for _ in range(repeat):
        started = time.perf_counter()
        done = subprocess.run(
            [*command, "--config", config],
            capture_output=True,
            text=True,
            check=False,
        )
        seconds.append(time.perf_counter() - started)
        peaks.append(int(done.stderr.strip().splitlines()[-1]) / 1024)
        output = done.stdout
    return seconds, max(peaks), output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="1/4")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    data = generate(args.scale)
    with tempfile.TemporaryDirectory(prefix="bench-verify-") as scratch:
        warehouse = Path(scratch) / "warehouse.duckdb"
        shutil.copy(data.warehouse, warehouse)
        for line in publish_reviews(data.config, f"duckdb:///{warehouse}"):
            print(line)
        for label, config in (
            ("verify --config (recomputes)", str(data.config)),
            ("verify without a configuration", str(Path(scratch) / "none")),
        ):
            seconds, peak, output = verify_runs(warehouse, config, args.repeat)
            print(
                f"{label}: median {statistics.median(seconds):.2f} s "
                f"(min–max {min(seconds):.2f}–{max(seconds):.2f}), peak RSS {peak:.0f} MB"
            )
            print("  " + output.strip().replace("\n", "\n  "))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
