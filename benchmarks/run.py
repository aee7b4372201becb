"""``make bench``: every scenario in its own process, several times; medians and ratios.

    python benchmarks/run.py                       # everything: 1/16, 1/4 and 1
    python benchmarks/run.py --scale 1/16          # one scale
    python benchmarks/run.py --only review,publish --repeat 5
    python benchmarks/run.py --tiny                # a few seconds: what `make test` runs

Groups (``--only``): ``review`` (the national review against the three bare roll-ups:
chitieu's and the DuckDB SQL and pandas baselines, whose root rows are checked against
chitieu's and whose steps, the DuckDB one's per statement, are timed),
``intake`` (a national month against the bare read of its files, per format, and into
the year's warehouse without and with SPEC §7's rules and outlier tests),
``prefect`` (the review and the CSV intake as Prefect flows), ``scaling`` (review and CSV
intake at each scale), ``publish`` (DuckDB, and PostgreSQL when a server answers at
``BENCH_POSTGRES``, default ``postgresql://postgres@127.0.0.1:5432/postgres``), ``report``
(the national revision's report in each format: md, html, json, xlsx, docx), ``reform``
(the 2025 year-end on the hierarchy after the 1 July 2025 reform against the 2024 review:
`benchmarks.reform`), ``commands`` (the data team's commands on the bundled example with
the local Prefect server running, against the same work without Prefect:
`benchmarks.bench_commands`, one round per ``--repeat``; not at ``--tiny``). The review,
intake, prefect, publish, report and reform groups run at the largest scale asked for.

Data is generated on first use under ``benchmarks/data/<scale>/`` (git-ignored) and
reused; each run works in a scratch copy that is deleted afterwards. Wall seconds are
the scenario's timed section (imports and loading a baseline's input excluded, see
`benchmarks.scenarios`); peak RSS is the child process's ``ru_maxrss``. The table is
printed and written to ``benchmarks/out/``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT_DIR = Path(__file__).resolve().parents[1]
if str(ROOT_DIR) not in sys.path:  # run as a script: python benchmarks/run.py
    sys.path.insert(0, str(ROOT_DIR))

from benchmarks import reform  # noqa: E402
from benchmarks.generate import DATA_DIR, DataSet, dataset, scale_fraction  # noqa: E402

OUT_DIR = ROOT_DIR / "benchmarks" / "out"
GROUPS = ("review", "intake", "prefect", "scaling", "publish", "report", "reform", "commands")
WITH_THE_YEAR = (
    "review",
    "review-warm",
    "intake-history",
    "intake-checks",
    "report",
    reform.SCENARIO,
)
"""Scenarios that work on a copy of the year's warehouse."""
REPORT_FORMATS = ("md", "html", "json", "xlsx", "docx")
SCALES = ("1/16", "1/4", "1")
POSTGRES_ENV = "BENCH_POSTGRES"
POSTGRES_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass
class Runs:
    scale: str
    scenario: str
    fmt: str = ""
    seconds: list[float] = field(default_factory=list)
    process_seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    details: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""
    checked: str = ""
    """What was checked of its result (a baseline's root against chitieu's)."""

    @property
    def name(self) -> str:
        return f"{self.scenario} {self.fmt}".strip()

    @property
    def median(self) -> float:
        return statistics.median(self.seconds) if self.seconds else float("nan")

    @property
    def peak_mb(self) -> float:
        return max(self.rss_mb) if self.rss_mb else float("nan")

    def as_dict(self) -> dict[str, Any]:
        return {
            "scale": self.scale,
            "scenario": self.scenario,
            "format": self.fmt,
            "seconds": self.seconds,
            "median_seconds": self.median,
            "process_seconds": self.process_seconds,
            "cpu_seconds": self.cpu_seconds,
            "peak_rss_mb": self.peak_mb,
            "details": self.details,
            "error": self.error,
            "checked": self.checked,
        }


# ---- running one scenario in a child process ----------------------------------------


@dataclass(frozen=True)
class Measured:
    result: dict[str, Any]
    wall: float
    """The child process's wall seconds, start-up and imports included."""
    cpu: float
    """Its CPU seconds (user + system), all threads."""
    rss_mb: float
    """Its peak resident memory."""


def run_child(
    scenario: str, data: Path, work: Path, fmt: str, env: dict[str, str], url: str | None = None
) -> Measured:
    """One run of ``scenario`` in a child process."""
    module = "benchmarks.reform" if scenario == reform.SCENARIO else "benchmarks.scenarios"
    command = [
        sys.executable,
        "-m",
        module,
        scenario,
        "--data",
        str(data),
        "--work",
        str(work),
        "--format",
        fmt,
    ]
    if url:
        command += ["--url", url]
    out, err = work.parent / f"{work.name}.out", work.parent / f"{work.name}.err"
    started = time.perf_counter()
    with out.open("wb") as stdout, err.open("wb") as stderr:
        child = subprocess.Popen(command, cwd=ROOT_DIR, env=env, stdout=stdout, stderr=stderr)
        # wait4 reaps the child and gives its own resource usage (not its siblings')
        _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    lines = out.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    if child.returncode != 0 or not lines:
        tail = err.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-15:]
        raise RuntimeError(f"{scenario} failed (exit {child.returncode}):\n" + "\n".join(tail))
    cpu = usage.ru_utime + usage.ru_stime
    return Measured(json.loads(lines[-1]), wall, cpu, usage.ru_maxrss / 1024)


@dataclass
class Planned:
    """A scenario at one scale, with what each of its runs needs."""

    runs: Runs
    data: Path
    warehouse: Path | None = None
    """Copied into each run's scratch folder (a review publishes into it)."""
    postgres: str | None = None
    """Server of the fresh database each run gets."""


def run_once(planned: Planned, n: int, times: int, env: dict[str, str], scratch: Path) -> None:
    """Run ``n`` of ``planned``, in a fresh scratch folder, recorded in its ``runs``."""
    runs = planned.runs
    if runs.error:
        return
    work = scratch / f"{runs.scale.replace('/', '-')}-{runs.scenario}-{runs.fmt or 'x'}-{n}"
    work.mkdir(parents=True)
    if planned.warehouse is not None:
        shutil.copy2(planned.warehouse, work / "warehouse.duckdb")
    with fresh_database(planned.postgres) as url:
        try:
            measured = run_child(runs.scenario, planned.data, work, runs.fmt, env, url)
        except RuntimeError as error:
            runs.error = str(error)
            print(f"  ! {runs.name} at {runs.scale}: {error}", file=sys.stderr)
            return
        finally:
            shutil.rmtree(work, ignore_errors=True)
    runs.seconds.append(float(measured.result.pop("seconds")))
    runs.process_seconds.append(measured.wall)
    runs.cpu_seconds.append(measured.cpu)
    runs.rss_mb.append(measured.rss_mb)
    runs.details.append(measured.result)
    print(
        f"  {runs.scale:>5} {runs.name:<22} run {n + 1}/{times}: "
        f"{runs.seconds[-1]:7.2f} s  {measured.cpu:7.1f} CPU s  {measured.rss_mb:7.0f} MB",
        flush=True,
    )


@contextmanager
def fresh_database(admin_url: str | None) -> Iterator[str | None]:
    """A fresh PostgreSQL database for one run (dropped afterwards), or nothing."""
    if admin_url is None:
        yield None
        return
    import psycopg

    name = f"chitieu_bench_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_reachable(url: str) -> bool:
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3):
            return True
    except Exception:
        return False


# ---- a Prefect server for the flow scenarios ----------------------------------------


@contextmanager
def prefect_server(home: Path, postgres_url: str | None = None) -> Iterator[str]:
    """The API URL of a Prefect server: ``PREFECT_API_URL`` if set, else one started here
    for the length of the benchmark (its 15-25 s start-up is not part of any run).

    With a PostgreSQL server at hand, the Prefect server keeps its state in a database of
    its own there, as a district's production server does. On its default SQLite, the
    server's writes lock each other: right after a run, creating the next flow run was
    answered 503 and the client retried 2 s later, a delay that is SQLite's, not
    Prefect's work."""
    given = os.environ.get("PREFECT_API_URL")
    if given:
        yield given
        return
    with ExitStack() as stack:
        env = {
            **os.environ,
            "PREFECT_HOME": str(home),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_UI_ENABLED": "false",
        }
        if postgres_url:
            database = stack.enter_context(fresh_database(postgres_url))
            assert database is not None
            env["PREFECT_API_DATABASE_CONNECTION_URL"] = database.replace(
                "postgresql://", "postgresql+asyncpg://", 1
            )
        yield stack.enter_context(_server(home, env))


@contextmanager
def _server(home: Path, env: dict[str, str]) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = (home / "server.log").open("wb")
    prefect = Path(sys.executable).with_name("prefect")
    server = subprocess.Popen(
        [str(prefect), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 180
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"the Prefect server stopped: see {home / 'server.log'}")
            with suppress(OSError), urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
                if answer.status == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("the Prefect server did not start within 180 s")
            time.sleep(1)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


# ---- the plan -----------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    group: str
    scale: str
    scenario: str
    fmt: str = ""


def plan(groups: Sequence[str], scales: Sequence[str], formats: Sequence[str]) -> list[Step]:
    top = max(scales, key=scale_fraction)
    steps: list[Step] = []
    if "review" in groups:
        steps += [Step("review", top, name) for name in ("review", "review-warm", *ROLLUPS)]
    if "intake" in groups:
        for fmt in formats:
            steps += [Step("intake", top, "read", fmt), Step("intake", top, "intake", fmt)]
        # SPEC §7: a month into the year's warehouse, without and with rules and outliers
        steps += [Step("intake", top, s, "csv") for s in ("intake-history", "intake-checks")]
    if "prefect" in groups:
        steps += [
            Step("prefect", top, "review"),
            Step("prefect", top, "review-prefect"),
            Step("prefect", top, "intake", "csv"),
            Step("prefect", top, "intake-prefect", "csv"),
        ]
    if "scaling" in groups:
        for scale in sorted(scales, key=scale_fraction):
            steps += [Step("scaling", scale, "review"), Step("scaling", scale, "intake", "csv")]
    if "publish" in groups:
        steps += [Step("publish", top, "publish-duckdb"), Step("publish", top, "publish-postgres")]
    if "report" in groups:
        steps += [Step("report", top, "report", fmt) for fmt in REPORT_FORMATS]
    if "reform" in groups:
        steps += [Step("reform", top, "review"), Step("reform", top, reform.SCENARIO)]
    return steps


def execute(
    steps: list[Step],
    times: int,
    scratch: Path,
    postgres_url: str | None,
    data_dir: Path = DATA_DIR,
) -> dict[tuple[str, str, str], Runs]:
    """Each distinct (scale, scenario, format) ``times`` times, in rounds: run 1 of every
    scenario, then run 2 of every one... so that on a shared machine every scenario
    samples the same spells of load, and the ratios of medians compare like with like."""
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT_DIR), env.get("PYTHONPATH", "")) if p)
    planned: dict[tuple[str, str, str], Planned] = {}
    for step in steps:  # generate every data set first: never inside a measurement
        key = (step.scale, step.scenario, step.fmt)
        if key in planned:
            continue
        inbox = [step.fmt] if step.fmt and step.group != "report" else []  # md... not inboxes
        if step.scenario == reform.SCENARIO:
            data = reform.ensure(step.scale, env, data_dir)
        else:
            data = ensure_data(step.scale, inbox, env, data_dir)
        runs = Runs(step.scale, step.scenario, step.fmt)
        if step.scenario == "publish-postgres" and postgres_url is None:
            runs.error = f"no PostgreSQL server at {POSTGRES_ENV}"
        planned[key] = Planned(
            runs,
            data.folder,
            data.warehouse if step.scenario.startswith(WITH_THE_YEAR) else None,
            postgres_url if step.scenario == "publish-postgres" else None,
        )
    needs_prefect = any(s.scenario.endswith("-prefect") for s in steps)
    with _maybe_prefect(needs_prefect, scratch, postgres_url) as prefect_url:
        if prefect_url:
            env["PREFECT_API_URL"] = prefect_url
            env.setdefault("PREFECT_HOME", str(scratch / "prefect-home"))
        for n in range(times):
            for plan_ in planned.values():
                run_once(plan_, n, times, env, scratch)
    return {key: plan_.runs for key, plan_ in planned.items()}


def ensure_data(
    scale: str, formats: Sequence[str], env: dict[str, str], folder: Path = DATA_DIR
) -> DataSet:
    """The data set of ``scale``, generated (in a child process, so that this one stays
    small) when something is missing."""
    data = dataset(scale, folder)
    manifest = data.manifest()
    if not ("values" in manifest and all(f in manifest.get("inbox", {}) for f in formats)):
        print(f"  generating {scale} ({', '.join(formats) or 'warehouse'})...", flush=True)
        command = [sys.executable, "-m", "benchmarks.generate", "--scale", scale]
        command += ["--formats", ",".join(formats) or "csv", "--out", str(folder)]
        subprocess.run(command, cwd=ROOT_DIR, env=env, check=True, stdout=subprocess.DEVNULL)
    upgrade_warehouse(data.warehouse, env)
    return data


def upgrade_warehouse(path: Path, env: dict[str, str]) -> None:
    """Bring the year's warehouse of a data set generated by an older chitieu up to this
    one's schema, once, before any run copies it: a migration (006 rebuilds a table of
    the submissions) must never be timed as part of a review."""
    if not path.exists():
        return
    url = f"duckdb:///{path}"
    opening = f"from chitieu.warehouse import open_warehouse\nwith open_warehouse({url!r}): pass"
    subprocess.run(
        [sys.executable, "-c", opening],
        cwd=ROOT_DIR,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


@contextmanager
def _maybe_prefect(needed: bool, scratch: Path, postgres_url: str | None) -> Iterator[str | None]:
    if not needed:
        yield None
        return
    home = scratch / "prefect-home"
    home.mkdir(parents=True, exist_ok=True)
    with prefect_server(home, postgres_url) as url:
        yield url


# ---- the baselines compute chitieu's numbers -----------------------------------------

BASELINES = ("rollup-duckdb", "rollup-pandas")
TOLERANCE = 1e-9
"""Relative: sums of 23 M floats in another order differ in their last bits."""


def _differences(got: dict[str, Any], want: dict[str, Any]) -> list[str]:
    """Rows of the root (indicators, elements) where a baseline and chitieu disagree."""

    def same(a: Any, b: Any) -> bool:
        a, b = (None if x != x else x for x in (a, b))  # NaN: no value, as null
        if isinstance(a, float) and isinstance(b, float):
            return abs(a - b) <= TOLERANCE * max(1.0, abs(a), abs(b))
        return bool(a == b)

    found: list[str] = []
    for part in ("indicators", "elements"):
        theirs = {row[0]: row[1:] for row in got.get(part, [])}
        ours = {row[0]: row[1:] for row in want.get(part, [])}
        for code in sorted(set(theirs) | set(ours)):
            a, b = theirs.get(code), ours.get(code)
            if a is None or b is None or not all(map(same, a, b)) or len(a) != len(b):
                found.append(f"{part} {code}: {a} ≠ chitieu's {b}")
    return found


def check_roots(done: dict[tuple[str, str, str], Runs]) -> None:
    """Each baseline's root rows (every run) against chitieu's bare roll-up's, at each
    scale: an error on the baseline where any row differs, a note where all agree."""
    for (scale, scenario, fmt), runs in done.items():
        ours = done.get((scale, "rollup-polars", fmt))
        if scenario not in BASELINES or ours is None or not ours.details or runs.error:
            continue
        want = ours.details[-1].get("root", {})
        for detail in runs.details:
            wrong = _differences(detail.get("root", {}), want)
            if wrong:
                runs.error = f"root differs from chitieu's in {len(wrong)} rows: {wrong[0]}"
                print(f"  ! {runs.name} at {scale}: {runs.error}", file=sys.stderr)
                break
        else:
            if runs.details:
                runs.checked = (
                    f"root = chitieu's ({len(want.get('indicators', []))} indicators, "
                    f"{len(want.get('elements', []))} elements)"
                )


# ---- the report ---------------------------------------------------------------------


def _ratio(num: Runs | None, den: Runs | None) -> float | None:
    if num is None or den is None or not num.seconds or not den.seconds or den.median == 0:
        return None
    return num.median / den.median


@dataclass(frozen=True)
class Target:
    what: str
    value: float | None
    wanted: str
    met: bool | None


def targets(done: dict[tuple[str, str, str], Runs], scales: Sequence[str]) -> list[Target]:
    top = max(scales, key=scale_fraction)

    def get(scenario: str, fmt: str = "", scale: str = top) -> Runs | None:
        runs = done.get((scale, scenario, fmt))
        return runs if runs and runs.seconds else None

    found: list[Target] = []

    def add(what: str, value: float | None, wanted: str, ok: bool | None) -> None:
        found.append(Target(what, value, wanted, None if value is None else ok))

    review = get("review")
    for name, how in (("review", ""), ("review-warm", " (gate kept warm)")):
        runs = get(name)
        duck = _ratio(runs, get("rollup-duckdb"))
        add(f"review{how} end to end / DuckDB SQL bare roll-up", duck, "≤ 1", _at_most(duck, 1))
        bare = _ratio(runs, get("rollup-polars"))
        add(f"review{how} end to end / chitieu's bare roll-up", bare, "≤ 2", _at_most(bare, 2))
        pandas = _ratio(get("rollup-pandas"), runs)
        add(f"pandas bare roll-up / review{how} end to end", pandas, "≥ 5", _at_least(pandas, 5))
        peak = runs.peak_mb / 1024 if runs else None
        add(f"review{how} peak memory (GB)", peak, "≤ 4", _at_most(peak, 4))
    restated = _ratio(get(reform.SCENARIO), review)
    add(
        "2025 year-end across the reform / 2024 review",
        restated,
        "≤ 1.5",
        restated is not None and restated <= 1.5,
    )
    for fmt in ("csv", "xlsx", "json"):
        ratio = _ratio(get("intake", fmt), get("read", fmt))
        if ratio is not None:
            add(f"intake {fmt} / bare read {fmt}", ratio, "≤ 2", ratio <= 2)
    checks = _ratio(get("intake-checks", "csv"), get("intake-history", "csv"))
    add(
        "intake with rules and outliers / without (the year's warehouse)",
        checks,
        "≤ 1.2",
        checks is not None and checks <= 1.2,
    )
    today = _ratio(get("intake-checks", "csv"), get("intake", "csv"))
    add(
        "intake with rules and outliers / today's intake (empty warehouse)",
        today,
        "≤ 1.2",
        today is not None and today <= 1.2,
    )
    for flow, direct, fmt in (
        ("review-prefect", "review", ""),
        ("intake-prefect", "intake", "csv"),
    ):
        ratio = _ratio(get(flow, fmt), get(direct, fmt))
        if ratio is not None:
            add(f"{flow} / {direct} (Prefect overhead)", ratio, "≤ 1.10", ratio <= 1.10)
    if "1" in scales and "1/4" in scales:
        for scenario, fmt in (("review", ""), ("intake", "csv")):
            ratio = _ratio(get(scenario, fmt, "1"), get(scenario, fmt, "1/4"))
            if ratio is not None:
                add(
                    f"{scenario} {fmt} time at 1 / at 1/4".replace("  ", " "),
                    ratio,
                    "≤ 4.5",
                    ratio <= 4.5,
                )
    return found


def _at_most(value: float | None, limit: float) -> bool:
    return value is not None and value <= limit


def _at_least(value: float | None, limit: float) -> bool:
    return value is not None and value >= limit


def ratios(
    done: dict[tuple[str, str, str], Runs], scales: Sequence[str]
) -> list[tuple[str, float]]:
    """The bare roll-ups against each other and the review against the DuckDB one."""
    top = max(scales, key=scale_fraction)
    runs = {name: done.get((top, name, "")) for name in ("review", "review-warm", *ROLLUPS)}
    found = []
    for what, num, den in (
        ("DuckDB SQL bare roll-up / chitieu's bare roll-up", "rollup-duckdb", "rollup-polars"),
        ("pandas bare roll-up / chitieu's bare roll-up", "rollup-pandas", "rollup-polars"),
        ("review end to end / DuckDB SQL bare roll-up", "review", "rollup-duckdb"),
        ("review end to end / chitieu's bare roll-up", "review", "rollup-polars"),
        ("review (gate kept warm) / DuckDB SQL bare roll-up", "review-warm", "rollup-duckdb"),
        ("review (gate kept warm) / chitieu's bare roll-up", "review-warm", "rollup-polars"),
    ):
        value = _ratio(runs[num], runs[den])
        if value is not None:
            found.append((what, value))
    return found


ROLLUPS = ("rollup-polars", "rollup-duckdb", "rollup-pandas")


def load_average() -> str:
    with suppress(OSError):
        return "{:.1f} / {:.1f} / {:.1f}".format(*os.getloadavg())
    return "?"


def machine() -> str:
    memory = ""
    with suppress(OSError), open("/proc/meminfo", encoding="ascii") as f:
        total_kb = int(f.readline().split()[1])
        memory = f", {total_kb / 1024 / 1024:.0f} GB RAM"
    return (
        f"{platform.node()}: {os.cpu_count()} cores{memory}, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}"
    )


def median_phases(runs: Runs) -> dict[str, float]:
    """Each phase's median over the runs that timed it, in the order they ran."""
    seen: dict[str, list[float]] = {}
    for detail in runs.details:
        for name, seconds in (detail.get("phases") or {}).items():
            seen.setdefault(name, []).append(float(seconds))
    return {name: statistics.median(values) for name, values in seen.items()}


def render(
    done: dict[tuple[str, str, str], Runs],
    scales: Sequence[str],
    times: int,
    command: str,
    load_at_start: str,
) -> str:
    lines = [
        f"# chitieu benchmarks — {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %z}",
        "",
        f"Machine: {machine()}; load average (1 / 5 / 15 min) {load_at_start} at the start, "
        f"{load_average()} at the end.",
        f"Command: `{command}` ({times} runs each, in rounds; median of the timed section; "
        "CPU s and process s are the whole child process's).",
        "",
        "| scale | scenario | median s | min–max s | CPU s | process s | peak RSS MB | notes |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for runs in sorted(done.values(), key=lambda r: (scale_fraction(r.scale), r.scenario, r.fmt)):
        if runs.error or not runs.seconds:
            note = runs.error.splitlines()[-1] if runs.error else "no run"
            lines.append(f"| {runs.scale} | {runs.name} | — | — | — | — | — | {note} |")
            continue
        detail = runs.details[-1]
        note = ", ".join(
            [
                f"{k}: {v}"
                for k, v in detail.items()
                if k in ("outcomes", "warnings", "files", "values", "element_rows", "root_classes")
            ]
            + ([runs.checked] if runs.checked else [])
        )
        cpu = [d["timed_cpu"] for d in runs.details if "timed_cpu" in d]
        if cpu and runs.scenario in ROLLUPS:  # all in this process: its CPU is the work
            note = f"timed section's CPU s {statistics.median(cpu):.1f}; " + note
        lines.append(
            f"| {runs.scale} | {runs.name} | {runs.median:.2f} | "
            f"{min(runs.seconds):.2f}–{max(runs.seconds):.2f} | "
            f"{statistics.median(runs.cpu_seconds):.1f} | "
            f"{statistics.median(runs.process_seconds):.1f} | {runs.peak_mb:.0f} | {note} |"
        )
    found = targets(done, scales)
    if found:
        lines += ["", "| target | measured | wanted | met |", "|---|---:|---|---|"]
        for t in found:
            if t.value is None:
                continue
            value = "—" if t.value is None else f"{t.value:.2f}"
            met = "—" if t.met is None else ("yes" if t.met else "**no**")
            lines.append(f"| {t.what} | {value} | {t.wanted} | {met} |")
    compared = ratios(done, scales)
    if compared:
        lines += ["", "| ratio of medians | measured |", "|---|---:|"]
        lines += [f"| {what} | {value:.2f} |" for what, value in compared]
    phases = [(runs, median_phases(runs)) for runs in done.values() if runs.seconds]
    phases = [(runs, spent) for runs, spent in phases if spent]
    if phases:
        lines += ["", "Where the time went (each step's median over the runs, seconds):", ""]
        for runs, spent in sorted(phases, key=lambda p: (scale_fraction(p[0].scale), p[0].name)):
            shown = ", ".join(f"{k} {v:.2f}" for k, v in spent.items())
            lines.append(f"- {runs.scale} {runs.name}: {shown}")
    return "\n".join(lines) + "\n"


def commands_section(rounds: int, out: Path) -> str:
    """The ``commands`` group: `benchmarks.bench_commands` run as it runs alone, its
    targets as a table of this report."""
    figures = out / "commands.json"
    subprocess.run(
        [
            *(sys.executable, "-m", "benchmarks.bench_commands"),
            *("--rounds", str(rounds), "--json", str(figures)),
        ],
        cwd=ROOT_DIR,
        check=True,
    )
    found = json.loads(figures.read_text(encoding="utf-8"))
    figures.unlink()
    lines = [
        f"The example's commands ({found['files']} files, review 2024S1), with "
        f"{found['mode']}; medians of {found['rounds']} rounds, each a whole process's wall "
        f"time (load average at the end {found['load']}):",
        "",
        "| target (issue 16) | measured | wanted | met |",
        "|---|---:|---|---|",
    ]
    for row in found["rows"]:
        met = "" if row["met"] is None else ("yes" if row["met"] else "**no**")
        value = f"{row['measured']:.2f} s" if row["unit"] == "s" else f"{row['measured']:.2f}"
        lines.append(f"| {row['what']} | {value} | {row['wanted']} | {met} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--scale", default=",".join(SCALES), help="comma separated: 1/16,1/4,1")
    parser.add_argument("--only", default=",".join(GROUPS), help=f"groups: {','.join(GROUPS)}")
    parser.add_argument("--formats", default="csv,xlsx", help="intake formats: csv,xlsx,json")
    parser.add_argument("--repeat", type=int, default=3, help="runs per scenario")
    parser.add_argument("--tiny", action="store_true", help="one run of everything, tiny data")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="where the report goes")
    parser.add_argument("--data", type=Path, default=DATA_DIR, help="generated data sets")
    args = parser.parse_args(argv)
    scales = ["tiny"] if args.tiny else [s.strip() for s in args.scale.split(",") if s.strip()]
    groups = [g.strip() for g in args.only.split(",") if g.strip()]
    unknown = set(groups) - set(GROUPS)
    if unknown:
        parser.error(f"unknown group(s) {', '.join(sorted(unknown))}: use {', '.join(GROUPS)}")
    times = 1 if args.tiny else max(1, args.repeat)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    postgres_url = os.environ.get(POSTGRES_ENV, POSTGRES_DEFAULT)
    if {"publish", "prefect"} & set(groups) and not postgres_reachable(postgres_url):
        print(
            f"(no PostgreSQL at {postgres_url}: publish-postgres skipped, "
            "the Prefect server on SQLite)",
            file=sys.stderr,
        )
        postgres_url = ""
    command = "python benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    # stopped from outside: leave through the context managers (server, scratch folder)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    load_at_start = load_average()
    steps = plan(groups, scales, formats)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="chitieu-bench-", dir=args.out) as scratch:
        done = execute(steps, times, Path(scratch), postgres_url or None, args.data)
    check_roots(done)
    report = render(done, scales, times, command.strip(), load_at_start)
    if "commands" in groups and not args.tiny:
        report += "\n" + commands_section(times, args.out)
    print("\n" + report)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    (args.out / f"bench-{stamp}.md").write_text(report, encoding="utf-8")
    (args.out / f"bench-{stamp}.json").write_text(
        json.dumps([r.as_dict() for r in done.values()], indent=2), encoding="utf-8"
    )
    failed = [r for r in done.values() if r.error and "no PostgreSQL" not in r.error]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
