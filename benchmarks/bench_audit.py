"""An auditor's `chitieu trace` and `snapshots diff` of the national revision, as the
auditor types them.

    .venv/bin/python -m benchmarks.bench_audit --data benchmarks/data/1 [--rounds 3] [--org 00415]
        [--corrections 2000]

Publishes the year's national review on a scratch copy of the generated warehouse,
then again after the first ``--corrections`` communes' CSV reports of the generated
month are corrected and resent (not timed). Then runs, as processes of their own, in
rounds: the trace of an indicator at a commune (``--org``), at the root, and with a
mistyped indicator; the diff of the first revision with itself (both revisions read,
nothing added or removed) and with the second (thousands of figures changed, each
explained by the corrections behind it). Prints each command's median wall time, its
peak memory (the process's largest resident set, the largest of the rounds) and its
exit code (2: refused).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.run import POSTGRES_DEFAULT, fresh_database

ROOT_DIR = Path(__file__).resolve().parents[1]
CHITIEU = str(Path(sys.executable).with_name("chitieu"))
YEAR = "2024"
INDICATOR = "CT01"
ACCEPTED = "accepted.txt"
"""Where the publishing process says how many corrected reports were accepted."""
_FIRST = re.compile(r"[^_]+_\d{4}M\d{2}\.csv")


def _publish(data: Path, url: str, scratch: Path, corrections: int) -> None:
    """Revision 1 of the year's review; then, after ``corrections`` communes' reports
    corrected (`_corrected`), revision 2."""
    from chitieu import pipeline
    from chitieu.config import load_config
    from chitieu.periods import Period
    from chitieu.warehouse import open_warehouse

    config = load_config(data / "config")
    root = config.catalog.resolution.org_unit
    period = Period.parse(YEAR)
    with open_warehouse(url) as warehouse:
        for revision in (1, 2):
            if revision == 2:
                sent = _corrected(data, scratch / "corrected", corrections)
                result = pipeline.ingest_batch(sent, config, warehouse, warehouse.archive)
                taken = sum(o.status == "accepted" for o in result.outcomes)
                if not taken:
                    raise SystemExit("no corrected report was accepted: nothing to diff")
                (scratch / ACCEPTED).write_text(str(taken), "utf-8")
            prepared = pipeline.prepare_review(config, warehouse, period, root, publish=True)
            if not prepared.checks.passed:
                raise SystemExit(
                    f"the national review failed its checks: {prepared.checks.reason()}"
                )


def _to_postgres(source: Path, url: str) -> None:
    """The generated warehouse's rows copied into the empty PostgreSQL warehouse at
    ``url`` (its tables made by chitieu's migrations), each identity sequence moved past
    the ids copied."""
    import duckdb
    import psycopg

    from chitieu.warehouse import open_warehouse

    with open_warehouse(url):
        pass  # the migrations
    rows = duckdb.connect(str(source), read_only=True)
    tables = rows.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
        "AND table_name <> 'schema_version'"
    ).fetchall()
    with psycopg.connect(url) as pg:
        for (table,) in tables:
            theirs = {
                name
                for (name,) in rows.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ?",
                    [table],
                ).fetchall()
            }
            ours = pg.execute(
                "SELECT column_name, pg_get_serial_sequence(table_name, column_name) "
                "FROM information_schema.columns WHERE table_name = %s "
                "AND table_schema = current_schema() ORDER BY ordinal_position",
                [table],
            ).fetchall()
            names = [name for name, _ in ours if name in theirs]
            quoted = ", ".join(f'"{name}"' for name in names)
            read = rows.execute(f'SELECT {quoted} FROM "{table}"')
            with pg.cursor().copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                while batch := read.fetchmany(100_000):
                    for row in batch:
                        copy.write_row(row)
            for name, sequence in ours:
                if sequence is not None and name in theirs:
                    pg.execute(
                        f'SELECT setval(%s, GREATEST(COALESCE(MAX("{name}"), 0), 1)) '
                        f'FROM "{table}"',
                        [sequence],
                    )
        pg.execute("ANALYZE")


def _corrected(data: Path, folder: Path, count: int) -> list[Path]:
    """Corrected copies of the first ``count`` communes' CSV reports of the generated
    month (their first sending, not the month's resent or broken files), as communes
    resend them: the figures of the file's first two elements one more, sent five days
    after the first."""
    folder.mkdir()
    sent = []
    first = [
        p for p in sorted((data / "inbox" / "csv").glob("*/*.csv")) if _FIRST.fullmatch(p.name)
    ]
    for path in first[:count]:
        with path.open(encoding="utf-8", newline="") as rows:
            lines = list(csv.DictReader(rows))
        elements = list(dict.fromkeys(line["element_code"] for line in lines))[:2]
        for line in lines:
            if line["element_code"] in elements and line["value"]:
                line["value"] = str(float(line["value"]) + 1)
            then = dt.datetime.fromisoformat(line["submitted_at"])
            line["submitted_at"] = (then + dt.timedelta(days=5)).isoformat()
        target = folder / path.name.replace(".csv", "_sua.csv")
        with target.open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=list(lines[0]))
            writer.writeheader()
            writer.writerows(lines)
        sent.append(target)
    return sent


def _a_commune(config: Path) -> str:
    """The first commune of the configuration's hierarchy (read as text: this process
    stays small, its children's peak memory is theirs)."""
    with (config / "org_units.csv").open(encoding="utf-8", newline="") as rows:
        return next(r["code"] for r in csv.DictReader(rows) if r["level"] == "commune")


def _timed(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall seconds, peak resident memory in GB, exit code of one process."""
    started = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        child = subprocess.Popen(argv, env=env, stdout=sink, stderr=sink)
        _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    return wall, usage.ru_maxrss / 1e6, os.waitstatus_to_exitcode(status)


def _at_least_one(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text}: a number of communes, 1 or more")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="a generated national set")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--org", help="the commune traced (default: the first in the hierarchy)")
    parser.add_argument(
        "--corrections",
        type=_at_least_one,
        default=2000,
        help="communes whose reports are corrected between revisions 1 and 2",
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="a PostgreSQL server (its maintenance database's URL, e.g. "
        f"{POSTGRES_DEFAULT}): the warehouse is copied into a new database there, dropped "
        "at the end",
    )
    parser.add_argument("--publish", help=argparse.SUPPRESS)
    parser.add_argument("--scratch", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.publish:  # in a process of its own: the traces' memory is theirs alone
        _publish(args.data, args.publish, args.scratch, args.corrections)
        return 0
    scratch = Path(tempfile.mkdtemp(prefix="chitieu-bench-trace-"))
    try:
        with fresh_database(args.postgres) as postgres:
            return _run(args, scratch, postgres)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run(args: argparse.Namespace, scratch: Path, postgres: str | None) -> int:
    # beside a PostgreSQL warehouse: its archive and heads log
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT_DIR / "src"),
        "CHITIEU_DATA_DIR": str(scratch / "data"),
    }
    if postgres is None:
        shutil.copy2(args.data / "warehouse.duckdb", scratch / "warehouse.duckdb")
        url = f"duckdb:///{scratch / 'warehouse.duckdb'}"
    else:
        _to_postgres(args.data / "warehouse.duckdb", postgres)
        url = postgres
    publish = ["--data", str(args.data), "--publish", url, "--scratch", str(scratch)]
    publish += ["--corrections", str(args.corrections)]
    subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_audit", *publish],
        check=True,
        cwd=ROOT_DIR,
        env=env,
    )
    if postgres is not None:
        # the auditor comes after PostgreSQL's autovacuum has analyzed the publications'
        # rows (within a minute or so of a large write); right after them, with the
        # statistics of tables still empty, a commune's trace took 7.2 s against 4.2
        import psycopg

        with psycopg.connect(postgres, autocommit=True) as pg:
            pg.execute("ANALYZE")
    common = ["--config", str(args.data / "config"), "--warehouse", url]
    commune = args.org or _a_commune(args.data / "config")
    corrected = int((scratch / ACCEPTED).read_text("utf-8"))
    commands = {
        f"trace {YEAR} {INDICATOR} --org {commune} (a commune)": [
            CHITIEU, "trace", YEAR, INDICATOR, "--org", commune, *common
        ],
        f"trace {YEAR} {INDICATOR} (the root)": [CHITIEU, "trace", YEAR, INDICATOR, *common],
        f"trace {YEAR} CT99 (no such indicator)": [CHITIEU, "trace", YEAR, "CT99", *common],
        f"snapshots diff {YEAR} 1 1": [CHITIEU, "snapshots", "diff", YEAR, "1", "1", *common],
        f"snapshots diff {YEAR} 1 2 ({corrected} corrections)": [
            CHITIEU, "snapshots", "diff", YEAR, "1", "2", *common
        ],
    }  # fmt: skip
    found: dict[str, list[tuple[float, float, int]]] = {name: [] for name in commands}
    for n in range(args.rounds):
        for name, command in commands.items():
            found[name].append(_timed(command, env))
        print(f"  round {n + 1}/{args.rounds}", flush=True)
    listed = subprocess.run(
        [CHITIEU, "snapshots", "diff", YEAR, "1", "2", "--format", "json", *common],
        env=env,
        capture_output=True,
        check=True,
    )
    diff = json.loads(listed.stdout)
    changes = sum(len(diff[part]) for part in ("indicators", "elements", "last_year"))
    where = "DuckDB" if postgres is None else "PostgreSQL"
    print(
        f"\nThe national revision of {YEAR} (generated data, {args.data}; {where}); "
        f"{args.rounds} rounds"
    )
    print(f"{'command':<48} {'median s':>9} {'peak GB':>8} {'exit':>5}")
    for name, runs in found.items():
        wall = statistics.median(r[0] for r in runs)
        peak = max(r[1] for r in runs)
        print(f"{name:<48} {wall:>9.2f} {peak:>8.2f} {runs[-1][2]:>5}")
    print(f"revision 2: {corrected} corrected reports accepted; diff 1 2: {changes} changes")
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average {load}, {os.cpu_count()} cpus")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
