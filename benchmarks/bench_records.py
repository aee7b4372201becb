"""What hashing a revision's intake records costs: records v1 (one hash over every
input's records, content version 3) against records v2 (each input's own digest, then one
hash over those, content version 4), on the same records read once.

    .venv/bin/python -m benchmarks.scenarios review --data DATA/1 --work WORK  # a revision
    .venv/bin/python -m benchmarks.bench_records --warehouse WORK/warehouse.duckdb [--repeat 5]

(``WORK`` holding a copy of ``DATA/1/warehouse.duckdb`` first, as `benchmarks.run` copies
it.) The latest revision of the first review in the warehouse is read back as its
document reads it (`chitieu.warehouse.audit.intake_records`), then each definition is
timed ``--repeat`` times, alternating; the table gives medians and min–max.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT_DIR = Path(__file__).resolve().parents[1]
if str(ROOT_DIR) not in sys.path:
    sys.path.insert(0, str(ROOT_DIR))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True, help="a DuckDB file")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each (at least 1)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    from chitieu.warehouse import open_warehouse
    from chitieu.warehouse.audit import intake_records
    from chitieu.warehouse.hashing import records_sha256, report_records, reports_records_sha256

    with open_warehouse(f"duckdb:///{args.warehouse.resolve()}", create=False) as wh:
        found = wh.backend.rows(
            "SELECT review_period, root_org_unit, max(revision) FROM snapshots "
            "GROUP BY 1, 2 ORDER BY 1, 2 LIMIT 1"
        )
        if not found:
            sys.exit(f"no published revision in {args.warehouse}")
        [(period, root, revision)] = found
        read = wh.snapshot(period, root, revision)
        started = time.perf_counter()
        records = intake_records(wh.backend, read.snapshot_id, read.inputs)
        reading = time.perf_counter() - started

    def v2() -> None:
        each = report_records(*records)
        reports_records_sha256(read.inputs.join(each, on="submission_id", how="left"))

    runs: dict[str, tuple[Callable[[], object], list[float]]] = {
        "records v1: one hash over every input's records": (lambda: records_sha256(*records), []),
        "records v2: each input's digest, then one over those": (v2, []),
    }
    for _ in range(args.repeat):
        for run, seconds in runs.values():
            started = time.perf_counter()
            run()
            seconds.append(time.perf_counter() - started)

    print(
        f"{period} {root} revision {revision}: {read.inputs.height:,} inputs, "
        f"{records[2].height:,} warnings, {records[3].height:,} notes "
        f"(read in {reading:.2f} s); medians of {args.repeat}"
    )
    print()
    print("| hash | median s | min–max s |")
    print("|---|---:|---:|")
    for name, (_, seconds) in runs.items():
        print(
            f"| {name} | {statistics.median(seconds):.3f} | {min(seconds):.3f}–{max(seconds):.3f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
