"""The submission readers against the bare read of the same files, in one run.

    .venv/bin/python -m benchmarks.bench_readers [--files 2000] [--rounds 5] [--scale 1]
        [--formats xlsx,csv] [--reference]

Reads the same ``--files`` files of the generated national month (``benchmarks/data/
<scale>/inbox/<format>/``; ``python -m benchmarks.generate --scale 1 --formats xlsx,csv
--no-warehouse`` writes them) with chitieu's reader and with the bare polars read the
intake benchmark compares against (`benchmarks.scenarios`: calamine for workbooks,
``pl.read_csv`` for CSV, every cell as text), ``--rounds`` times, the readers in a new
random order each round. Both read the file from disk each time. ``--reference`` adds
the reference workbook reader (`xlsx_files.read_reference`, about 5 ms a file).

The machine is shared: timings move with its load, ratios measured in the same run much
less. The table gives medians over the rounds (ms per file) and the median of each
round's ratio to the bare read.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT_DIR = Path(__file__).resolve().parents[1]
if str(ROOT_DIR) not in sys.path:  # run as a script: python benchmarks/bench_readers.py
    sys.path.insert(0, str(ROOT_DIR))

from benchmarks.generate import dataset  # noqa: E402


def chitieu_reader(fmt: str, reference: bool = False) -> Callable[[Path], Any]:
    from chitieu.sources import ReceivedFile, read_submission
    from chitieu.sources.xlsx_files import read_reference

    read = read_reference if reference else read_submission

    def step(path: Path) -> Any:
        # no SHA-256: the bare read does not hash the file either
        return read(ReceivedFile(str(path), path.read_bytes(), ""))

    return step


def bare_reader(fmt: str) -> Callable[[Path], Any]:
    import polars as pl

    if fmt == "csv":
        return lambda path: pl.read_csv(path, infer_schema=False)
    return lambda path: pl.read_excel(
        path, engine="calamine", has_header=False, infer_schema_length=0, drop_empty_rows=False
    )


def declined(paths: list[Path]) -> int:
    """How many workbooks the fast path leaves to the reference reader."""
    from chitieu.sources import ReceivedFile
    from chitieu.sources._plain_xlsx import read_plain

    return sum(read_plain(ReceivedFile(str(p), p.read_bytes(), "")) is None for p in paths)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--scale", default="1")
    parser.add_argument("--formats", default="xlsx,csv")
    parser.add_argument("--reference", action="store_true", help="also the reference reader")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]

    readers: dict[str, tuple[str, Callable[[Path], Any]]] = {}
    samples: dict[str, list[Path]] = {}
    for fmt in formats:
        folder = dataset(args.scale).inbox(fmt)
        paths = sorted(folder.glob(f"*.{fmt}"))
        if not paths:
            sys.exit(
                f"no {fmt} files in {folder}: python -m benchmarks.generate --scale "
                f"{args.scale} --formats {fmt} --no-warehouse"
            )
        samples[fmt] = rng.sample(paths, min(args.files, len(paths)))
        readers[f"{fmt}: chitieu"] = (fmt, chitieu_reader(fmt))
        if fmt == "xlsx" and args.reference:
            readers[f"{fmt}: chitieu reference reader"] = (fmt, chitieu_reader(fmt, True))
        readers[f"{fmt}: bare polars read"] = (fmt, bare_reader(fmt))

    for fmt, step in readers.values():  # imports and first calls, not measured
        for path in samples[fmt][:3]:
            step(path)

    timings: dict[str, list[float]] = {name: [] for name in readers}
    load_before = os.getloadavg()[0]
    for _ in range(args.rounds):
        order = list(readers)
        rng.shuffle(order)
        for name in order:
            fmt, step = readers[name]
            start = time.perf_counter()
            for path in samples[fmt]:
                step(path)
            timings[name].append((time.perf_counter() - start) / len(samples[fmt]) * 1000)

    print(
        f"{args.rounds} rounds, load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after; ms per file, median over the rounds\n"
    )
    head = ("reader", "files", "ms / file", "min", "max", "x bare")
    print("| {:<32} | {:>5} | {:>9} | {:>6} | {:>6} | {:>6} |".format(*head))
    print(f"|{'-' * 34}|{'-' * 6}:|{'-' * 10}:|{'-' * 7}:|{'-' * 7}:|{'-' * 7}:|")
    for name, (fmt, _) in readers.items():
        bare = timings[f"{fmt}: bare polars read"]
        ratio = statistics.median(t / b for t, b in zip(timings[name], bare, strict=True))
        times = timings[name]
        print(
            f"| {name:<32} | {len(samples[fmt]):>5} | {statistics.median(times):9.3f} "
            f"| {min(times):6.3f} | {max(times):6.3f} | {ratio:6.2f} |"
        )
    if "xlsx" in samples:
        print(
            f"\nworkbooks the fast path leaves to the reference reader: "
            f"{declined(samples['xlsx'])} of {len(samples['xlsx'])}"
        )


if __name__ == "__main__":
    main()
