"""What the hostile files cost: peak memory and seconds, each in a process of its own.

    .venv/bin/python -m benchmarks.bench_hostile [--runs 3]

Writes the hostile corpus (``tests/hostile/make_files.py``) to a temporary folder, then,
``--runs`` times each, runs ``chitieu validate`` on every file and on the example's
report (the baseline: a process that reads one real report), and an intake of the whole
corpus (`pipeline.fingerprint_inbox` and `pipeline.ingest_batch` into a DuckDB
warehouse, without Prefect) and of the real report alone. Prints, per row, the median
wall seconds of the process (start-up and imports included: about one second of it) and
its peak resident memory (``wait4``), and the outcome.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT_DIR / "tests" / "hostile"))

import make_files  # noqa: E402

INTAKE = textwrap.dedent(
    """
    import sys
    import tempfile
    from collections import Counter
    from pathlib import Path
    from chitieu import pipeline
    from chitieu.config import load_config
    from chitieu.warehouse import open_warehouse

    inbox, config, root = map(Path, sys.argv[1:4])
    work = Path(tempfile.mkdtemp(dir=root))  # a new warehouse every run
    found, refused = pipeline.fingerprint_inbox([inbox])
    with open_warehouse(f"duckdb:///{work / 'w.duckdb'}") as warehouse:
        result = pipeline.ingest_batch(
            [Path(p) for p, _ in found], load_config(config), warehouse, work / "w.archive"
        )
    counts = Counter(o.status for o in [*result.outcomes, *refused])
    print(", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
    """
)


def measured(args: list[str], cwd: Path) -> tuple[float, int, str]:
    """Wall seconds, peak resident memory (MB) and last line of output of ``args``."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        child = subprocess.Popen(args, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        _, _, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        out.seek(0)
        lines = out.read().decode("utf-8", "replace").strip().splitlines() or [""]
    return seconds, usage.ru_maxrss // 1024, lines[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    validate = [sys.executable, "-m", "chitieu", "validate", "--config", str(make_files.CONFIG)]
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        inbox, real = folder / "inbox", folder / "real"
        make_files.make_files(inbox)
        make_files.make_entries(inbox, folder / "outside")
        real.mkdir()
        (real / "28987_2024M05.csv").write_bytes(make_files.report_csv())
        rows: dict[str, tuple[list[str], Path]] = {
            "validate: a real report (baseline)": ([*validate, "28987_2024M05.csv"], real)
        }
        for name, (_, what) in make_files.FILES.items():
            rows[f"validate: {name!r} ({what})"] = ([*validate, name], inbox)
        for label, source in (("a real report (baseline)", real), ("the whole corpus", inbox)):
            rows[f"intake: {label}"] = (
                [sys.executable, "-c", INTAKE, str(source), str(make_files.CONFIG), str(folder)],
                folder,
            )
        results: dict[str, list[tuple[float, int, str]]] = {row: [] for row in rows}
        load = os.getloadavg()[0]
        for _ in range(args.runs):
            for row, (command, cwd) in rows.items():
                results[row].append(measured(command, cwd))
    print(
        f"{args.runs} runs each, load average {load:.1f} before, {os.getloadavg()[0]:.1f} "
        "after; median wall seconds of the process (start-up included), peak RSS\n"
    )
    print(f"| {'case':<90} | {'s':>5} | {'MB':>4} | outcome |")
    print(f"|{'-' * 92}|{'-' * 6}:|{'-' * 5}:|---------|")
    for row, runs in results.items():
        seconds = statistics.median(r[0] for r in runs)
        peak = max(r[1] for r in runs)
        print(f"| {row:<90} | {seconds:5.2f} | {peak:4d} | {runs[-1][2][:120]} |")


if __name__ == "__main__":
    main()
