"""`make bench` at a tiny scale, once, so that it cannot rot: every scenario runs in its
own process on a generated data set (a district's worth of the real hierarchy), and the
report shows each of them with the same class counts from every roll-up, and the
baselines' root rows checked equal to chitieu's. No timing is
asserted: this machine's timings say nothing here."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from prefect_fixtures import prefect_api_url, prefect_env  # noqa: F401
from warehouse_fixtures import POSTGRES_ADMIN, postgres_admin

ROOT = Path(__file__).parents[1]
SCENARIOS = {
    ("review", ""),
    ("review-prefect", ""),
    ("rollup-polars", ""),
    ("rollup-pandas", ""),
    ("rollup-duckdb", ""),
    ("read", "csv"),
    ("intake", "csv"),
    ("read", "xlsx"),
    ("intake", "xlsx"),
    ("intake-prefect", "csv"),
    ("intake-history", "csv"),
    ("intake-checks", "csv"),
    ("publish-duckdb", ""),
    ("reform-review", ""),
    *(("report", fmt) for fmt in ("md", "html", "json", "xlsx", "docx")),
}


@pytest.mark.slow
def test_the_benchmark_runs_every_scenario_at_a_tiny_scale(
    tmp_path: Path,
    prefect_env: dict[str, str],  # noqa: F811
    request: pytest.FixtureRequest,
) -> None:
    out = tmp_path / "out"
    env = {**prefect_env, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])}
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "run.py"),
            "--tiny",
            "--out",
            str(out),
            "--data",
            str(tmp_path / "data"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    [results] = out.glob("bench-*.json")
    runs = {(r["scenario"], r["format"]): r for r in json.loads(results.read_text("utf-8"))}
    assert set(runs) >= SCENARIOS, sorted(runs)
    for run in runs.values():
        if run["scenario"] == "publish-postgres" and not run["seconds"]:
            continue  # no PostgreSQL server: the report says so
        assert run["error"] == "", run
        assert len(run["seconds"]) == 1
        assert run["peak_rss_mb"] > 0
    classes = [
        runs[(name, "")]["details"][0]["root_classes"]
        for name in ("rollup-polars", "rollup-pandas", "rollup-duckdb")
    ]
    assert classes[0] == classes[1] == classes[2], classes
    for baseline in ("rollup-pandas", "rollup-duckdb"):  # every root row, not only classes
        assert runs[(baseline, "")]["checked"].startswith("root = chitieu's"), runs[(baseline, "")]
    intake = runs[("intake", "csv")]["details"][0]["outcomes"]
    assert intake["rejected"] >= 1
    assert intake["superseded"] >= 1
    assert runs[("review", "")]["details"][0]["checks_passed"]
    report = next(out.glob("bench-*.md")).read_text("utf-8")
    assert "| target | measured | wanted | met |" in report
    # the auditor's trace of the tiny data set's revision (benchmarks.bench_audit.py), on
    # DuckDB and on PostgreSQL (the warehouse copied into a database of its own)
    postgres_admin(request.config)  # skips, or fails in CI, without a server
    for backend in ([], ["--postgres", POSTGRES_ADMIN]):
        _audit_bench_runs(tmp_path / "data" / "tiny", env, backend)


def _audit_bench_runs(data: Path, env: dict[str, str], backend: list[str]) -> None:
    command = ["-m", "benchmarks.bench_audit", "--data", str(data), "--rounds", "1", *backend]
    traced = subprocess.run(
        [sys.executable, *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert traced.returncode == 0, traced.stdout[-3000:] + traced.stderr[-3000:]
    exits = [
        line.split()[-1]
        for line in traced.stdout.splitlines()
        if line.startswith(("trace ", "snapshots diff "))
    ]
    assert exits == ["0", "0", "2", "0", "0"], traced.stdout
    corrected = re.search(
        r"(\d+) corrected reports accepted; diff 1 2: (\d+) changes", traced.stdout
    )
    assert corrected is not None, traced.stdout
    assert int(corrected[1]) > 0  # revision 2 took in corrected reports
    assert int(corrected[2]) > 0  # and the diff has changes to explain


def test_the_national_benchmark_configuration_loads(tmp_path: Path) -> None:
    """The configuration `make bench` generates at national scale (10,807 units, its
    targets computed from expected values: hundreds of them 0) passes every
    configuration check: a check that refuses what real allocations hold breaks the
    benchmark, and no other test loads a configuration this size."""
    sys.path.insert(0, str(ROOT))
    try:
        from benchmarks import generate
    finally:
        sys.path.remove(str(ROOT))
    from chitieu.config import load_config

    org = generate.org_units_table(generate.select_units(generate.admin_units(), 1))
    generate.write_config(tmp_path, org, 2024)
    config = load_config(tmp_path)
    assert config.org_units.height == org.height
    assert len(config.catalog.indicators) == generate.N_INDICATORS
