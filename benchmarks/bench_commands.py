"""The data team's commands on the bundled example, as they type them, in one run.

    .venv/bin/python -m benchmarks.bench_commands [--rounds 5] [--ephemeral]

Issue 16's targets for a district review day, measured from the command line with the
local Prefect server running (started once, before the rounds, under a Prefect home of
the run's own; its start is reported, not counted):

- ``chitieu intake`` of the example's submissions into a new warehouse: ≤ 3 s wall,
  ≤ 1.5× the same work without Prefect;
- ``chitieu review 2024S1`` on the warehouse those submissions make: ≤ 3 s wall,
  ≤ 1.5× the same work without Prefect;
- ``chitieu review 2024S1 --dry-run``: ≤ 2 s wall.

"Without Prefect" is a process that imports chitieu and runs the same steps the flow runs
(`benchmarks.scenarios.intake_direct`; `pipeline.prepare_review` publishing, as the
flow's task does, and `write_reports`, with the gate warmed as the command warms it,
its imports and its end kept out of the garbage collector's way as the command keeps
them, `chitieu.cli._base.settled_imports`): what the command would cost if Prefect cost
nothing. What the flows do only for Prefect's UI (the intake's status and receipts
artifacts, the review's table artifact) is Prefect's cost here.
Every time is a whole process's wall time, Python's start-up and
imports included, as a user waits for it. Each round runs every command once, in a new
random order, on a fresh copy of the warehouse; the table gives medians over the rounds,
and each ratio is the median of the rounds' own ratios (the machine is shared: a ratio
measured in one round moves much less than a time).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Final

ROOT_DIR = Path(__file__).resolve().parents[1]
if str(ROOT_DIR) not in sys.path:  # run as a script: python benchmarks/bench_commands.py
    sys.path.insert(0, str(ROOT_DIR))

EXAMPLE: Final = ROOT_DIR / "examples" / "giong_trom_2024"
REVIEW: Final = "2024S1"
RATIO_WANTED: Final = 1.5
"""Each command at most this many times its work without Prefect (issue 16)."""
CHITIEU: Final = str(Path(sys.executable).with_name("chitieu"))


@dataclass
class Command:
    name: str
    argv: Callable[[Path], list[str]]
    """The command line, given the round's folder."""
    needs_warehouse: bool
    """Starts from the warehouse the example's intake makes (else from nothing)."""
    wanted: float | None = None
    seconds: list[float] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _warehouse(folder: Path) -> str:
    return f"duckdb:///{folder / 'warehouse.duckdb'}"


def commands() -> list[Command]:
    config, inbox = str(EXAMPLE / "config"), str(EXAMPLE / "submissions")
    me = [sys.executable, "-m", "benchmarks.bench_commands"]
    return [
        Command(
            "chitieu intake",
            lambda d: [CHITIEU, "intake", inbox, "--config", config, "--warehouse", _warehouse(d)],
            needs_warehouse=False,
            wanted=3.0,
        ),
        Command(
            "intake without Prefect",
            lambda d: [*me, "--direct", "intake", "--work", str(d)],
            needs_warehouse=False,
        ),
        Command(
            "chitieu review",
            lambda d: [CHITIEU, "review", REVIEW, "--config", config, "--warehouse", _warehouse(d)],
            needs_warehouse=True,
            wanted=3.0,
        ),
        Command(
            "review without Prefect",
            lambda d: [*me, "--direct", "review", "--work", str(d)],
            needs_warehouse=True,
        ),
        Command(
            "chitieu review --dry-run",
            lambda d: [
                *(CHITIEU, "review", REVIEW, "--dry-run"),
                *("--config", config, "--warehouse", _warehouse(d)),
            ],
            needs_warehouse=True,
            wanted=2.0,
        ),
    ]


# ---- the same work without Prefect (run in a child process: --direct) ----------------


def direct_intake(work: Path) -> None:
    from chitieu.cli._base import settled_imports

    with settled_imports():  # as `chitieu intake` imports
        from benchmarks.scenarios import intake_direct
        from chitieu import pipeline  # noqa: F401
        from chitieu.warehouse import open_warehouse  # noqa: F401

    data = SimpleNamespace(config=EXAMPLE / "config", inbox=lambda _fmt: EXAMPLE / "submissions")
    intake_direct(data, "csv", work)  # type: ignore[arg-type]


def direct_review(work: Path) -> None:
    from chitieu.cli._base import settled_imports

    with settled_imports():  # as `chitieu review` imports
        from chitieu.quality import worker

    worker.warm()  # as `chitieu review` warms it
    with settled_imports():
        from chitieu import pipeline
        from chitieu.config import load_config
        from chitieu.periods import Period
        from chitieu.warehouse import open_warehouse

    config = load_config(EXAMPLE / "config")
    root = config.catalog.resolution.org_unit
    with open_warehouse(_warehouse(work)) as warehouse:
        # as the flow's task: published while the gate runs, committed when it passed
        prepared = pipeline.prepare_review(
            config, warehouse, Period.parse(REVIEW), root, publish=True
        )
        if not prepared.checks.passed:
            raise SystemExit(f"the example's review failed its checks: {prepared.checks.reason()}")
        # the reports the review flow writes beside the warehouse
        pipeline.write_reports(config, warehouse, REVIEW, root, work / "warehouse.reports")


# ---- the run ------------------------------------------------------------------------


def _run(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-12:])
        raise SystemExit(f"{' '.join(argv[:3])}… failed (exit {done.returncode}):\n{tail}")
    return wall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--ephemeral", action="store_true", help="Prefect's temporary mode, not the local server"
    )
    parser.add_argument("--json", type=Path, help="also write the figures here (make bench)")
    parser.add_argument("--direct", choices=["intake", "review"], help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.direct:
        (direct_intake if args.direct == "intake" else direct_review)(args.work)
        gc.freeze()  # as `chitieu.cli.main` ends a command
        return 0

    scratch = Path(tempfile.mkdtemp(prefix="chitieu-bench-commands-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.update(
        PREFECT_HOME=str(scratch / "prefect-home"),
        CHITIEU_PREFECT_PORT=str(_free_port()),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT_DIR), env.get("PYTHONPATH", "")) if p),
    )
    env.pop("CHITIEU_PREFECT_SERVER", None)
    if args.ephemeral:
        env["CHITIEU_PREFECT_SERVER"] = "ephemeral"
    table = commands()
    try:
        if not args.ephemeral:
            start = _run([CHITIEU, "server", "start"], scratch, env)
            print(f"local Prefect server started once in {start:.1f} s (not counted)")
        made = scratch / "made"
        made.mkdir()
        _run(table[1].argv(made), made, env)  # the warehouse every review starts from
        files = sum(1 for p in (EXAMPLE / "submissions").rglob("*") if p.is_file())
        ratios: dict[str, list[float]] = {"intake": [], "review": []}
        for n in range(args.rounds):
            order = list(table)
            random.shuffle(order)
            times: dict[str, float] = {}
            for command in order:
                work = scratch / f"round-{n}" / command.name.replace(" ", "-")
                work.mkdir(parents=True)
                if command.needs_warehouse:
                    shutil.copy2(made / "warehouse.duckdb", work / "warehouse.duckdb")
                    if (made / "archive").exists():
                        shutil.copytree(made / "archive", work / "archive")
                times[command.name] = _run(command.argv(work), work, env)
                command.seconds.append(times[command.name])
                shutil.rmtree(work)
            for kind in ratios:
                ratios[kind].append(times[f"chitieu {kind}"] / times[f"{kind} without Prefect"])
            print(f"  round {n + 1}/{args.rounds}", flush=True)
    finally:
        if not args.ephemeral:
            subprocess.run([CHITIEU, "server", "stop"], cwd=scratch, env=env, capture_output=True)
        shutil.rmtree(scratch, ignore_errors=True)

    mode = "Prefect's temporary mode" if args.ephemeral else "the local Prefect server running"
    print(f"\nThe example ({files} files, review {REVIEW}), with {mode}; {args.rounds} rounds")
    print(f"{'command':<28} {'median s':>9} {'wanted':>8} {'met':>4}")
    rows: list[dict[str, object]] = []
    for command in table:
        median = statistics.median(command.seconds)
        wanted = "" if command.wanted is None else f"≤ {command.wanted:g}"
        met = None if command.wanted is None else median <= command.wanted
        rows.append(
            {"what": command.name, "measured": median, "unit": "s", "wanted": wanted, "met": met}
        )
        shown = "" if met is None else ("yes" if met else "no")
        print(f"{command.name:<28} {median:>9.2f} {wanted:>8} {shown:>4}")
    for kind, values in ratios.items():
        ratio = statistics.median(values)
        met = ratio <= RATIO_WANTED
        what = f"chitieu {kind} / without Prefect"
        rows.append({"what": what, "measured": ratio, "unit": "×", "wanted": "≤ 1.5", "met": met})
        shown = "yes" if met else "no"
        print(f"{'chitieu ' + kind + ' / without':<28} {ratio:>8.2f}× {'≤ 1.5':>8} {shown:>4}")
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average {load}, {os.cpu_count()} cpus")
    if args.json is not None:
        summary = {"files": files, "rounds": args.rounds, "mode": mode, "load": load, "rows": rows}
        args.json.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
