"""The quality gate in the job: the example ingested into a warehouse, reviewed without
Prefect through `chitieu.pipeline`, the gate's result kept beside each revision, Data
Docs beside the warehouse, `snapshots show` naming the page, `review --dry-run`
writing nothing, and the read-only commands never importing Great Expectations."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest
import yaml
from click.testing import CliRunner
from prefect_fixtures import prefect_api_url  # noqa: F401
from test_quality_gate import BROKEN

from chitieu import pipeline
from chitieu.cli import cli
from chitieu.config import Config, load_config
from chitieu.periods import Period
from chitieu.quality import GateFolders, QualityGateFailed, read_result
from chitieu.quality.suite import SUITE
from chitieu.rollup import Rollup
from chitieu.warehouse import open_warehouse
from chitieu.warehouse.models import Published

EXAMPLE = Path(__file__).parents[1] / "examples" / "giong_trom_2024"
SNAPSHOT_TABLES = ("snapshots", "snapshot_indicators", "snapshot_elements", "snapshot_inputs")


@dataclass(frozen=True)
class Site:
    """A working folder with the example's configuration, its warehouse holding every
    example submission, and 2024S1 published once."""

    root: Path
    url: str
    config: Config
    prepared: pipeline.PreparedReview
    published: Published

    @property
    def folders(self) -> GateFolders:
        return GateFolders.beside(self.url)

    def options(self) -> list[str]:
        return ["--config", str(self.root / "config"), "--warehouse", self.url]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    root = tmp_path_factory.mktemp("quality")
    shutil.copytree(EXAMPLE / "config", root / "config")
    url = f"duckdb:///{root / 'warehouse.duckdb'}"
    config = load_config(root / "config")
    with open_warehouse(url) as warehouse:
        files = pipeline.gather_files([EXAMPLE / "submissions"])
        pipeline.ingest_batch(files, config, warehouse, root / "archive")
        prepared = pipeline.prepare_review(config, warehouse, Period.parse("2024S1"))
        published = pipeline.publish_review(warehouse, prepared)
    return Site(root, url, config, prepared, published)


def snapshot_rows(site: Site) -> dict[str, list[tuple[object, ...]]]:
    database = site.root / "warehouse.duckdb"
    with duckdb.connect(str(database), read_only=True) as con:
        return {
            table: sorted(con.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
            for table in SNAPSHOT_TABLES
        }


def files_under(folder: Path) -> dict[str, int]:
    """Every file beside the warehouse with its modification time."""
    return {str(p): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def doctored_roll_up(monkeypatch: pytest.MonkeyPatch, percent: float) -> None:
    """The pipeline's roll-up, with the root's CT01 percent replaced."""
    real = pipeline.roll_up

    def roll_up(*args: object, **kwargs: object) -> Rollup:
        rollup = real(*args, **kwargs)  # type: ignore[arg-type]
        hit = (pl.col("org_unit_code") == rollup.root) & (pl.col("indicator_code") == "CT01")
        indicators = rollup.indicators.with_columns(
            pl.when(hit).then(percent).otherwise(pl.col("percent")).alias("percent")
        )
        return replace(rollup, indicators=indicators)

    monkeypatch.setattr(pipeline, "roll_up", roll_up)


def test_a_published_revision_keeps_the_gate_result_beside_it(site):
    assert site.published.created
    assert site.published.revision == 1
    path = site.root / "warehouse.quality" / "2024S1-834-r1.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    assert (document["review_period"], document["root_org_unit"]) == ("2024S1", "834")
    assert document["checks_passed"] is True
    assert document["run_name"] == "review-2024S1-834"
    assert [c["passed"] for c in document["checks"]] == [True] * len(SUITE)
    gx_result = document["great_expectations"]
    assert gx_result["success"] is True
    assert len(gx_result["results"]) == len(SUITE)
    page = site.root / "warehouse.datadocs" / document["data_docs_page"]
    assert page.is_file()
    assert page == site.prepared.data_docs
    with open_warehouse(site.url) as warehouse:
        assert warehouse.snapshot("2024S1", "834").header["checks_passed"] is True


def test_the_data_docs_index_lists_the_run_and_links_its_page(site):
    docs = site.root / "warehouse.datadocs"
    index = (docs / "index.html").read_text(encoding="utf-8")
    assert "review-2024S1-834" in index
    assert site.prepared.data_docs is not None
    relative = site.prepared.data_docs.relative_to(docs).as_posix()
    assert relative in index  # the index links the run's page
    page = site.prepared.data_docs.read_text(encoding="utf-8")
    assert "review-2024S1-834" in page
    for name in ("percent_matches_formula", "sum_elements_reconcile", "unique_keys"):
        assert name in page


def test_snapshots_show_names_the_data_docs_page_of_the_revision(site):
    shown = CliRunner().invoke(cli, ["snapshots", "show", "2024S1", *site.options()])
    assert shown.exit_code == 0, shown.output
    (line,) = [line for line in shown.output.splitlines() if line.startswith("data_docs")]
    assert line.split(None, 1)[1] == str(site.prepared.data_docs)


def test_publishing_unchanged_inputs_keeps_the_record_of_the_first_run(site):
    record = site.folders.result_file("2024S1", "834", 1)
    before = record.read_text(encoding="utf-8")
    with open_warehouse(site.url) as warehouse:
        again = pipeline.prepare_review(site.config, warehouse, Period.parse("2024S1"))
        published = pipeline.publish_review(warehouse, again)
    assert (published.created, published.revision) == (False, 1)
    assert record.read_text(encoding="utf-8") == before
    assert again.data_docs is not None
    assert again.data_docs != site.prepared.data_docs
    assert again.data_docs.is_file()  # every run has its page, published or not


def test_a_failing_critical_check_publishes_nothing(site, monkeypatch):
    doctored_roll_up(monkeypatch, 80.0)
    before, files = snapshot_rows(site), files_under(site.folders.results)
    with open_warehouse(site.url) as warehouse:
        prepared = pipeline.prepare_review(site.config, warehouse, Period.parse("2024"))
        assert not prepared.checks.passed
        assert prepared.draft.checks_passed is False
        with pytest.raises(
            QualityGateFailed, match=r"nothing published: percent_matches_formula: "
        ):
            pipeline.publish_review(warehouse, prepared)
    assert snapshot_rows(site) == before
    assert prepared.data_docs is not None  # the failed run has its page, naming the row
    assert "834 CT01" in prepared.data_docs.read_text(encoding="utf-8")
    new_files = set(files_under(site.folders.results)) - set(files)
    assert not [f for f in new_files if not f.startswith(str(site.folders.results / "gx"))]


def copy_of(site: Site, folder: Path) -> Site:
    """The site copied whole (warehouse, heads log, gate results, configuration)."""
    shutil.copytree(site.root, folder)
    return replace(site, root=folder, url=f"duckdb:///{folder / 'warehouse.duckdb'}")


def heads_log_of(site: Site) -> dict[str, str]:
    return {
        path: Path(path).read_text(encoding="utf-8")
        for path in files_under(site.root)
        if "heads" in Path(path).name
    }


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_review_breaking_a_critical_check_publishes_nothing_on_the_fast_path(
    site, tmp_path, monkeypatch, name
):
    """`prepare_review(publish=True)`: the revision is written while the gate runs, in a
    transaction rolled back when a critical check fails: nothing of it is left, and no
    result is kept beside a revision (issue 16)."""
    copy = copy_of(site, tmp_path / "site")
    doctor, evidence = BROKEN[name]
    _, config = doctor(site.prepared.rollup, copy.config)  # a doctored configuration, if any
    real = pipeline.roll_up

    def doctored(*args: Any, **kwargs: Any) -> Rollup:
        return doctor(real(*args, **kwargs), config)[0]

    monkeypatch.setattr(pipeline, "roll_up", doctored)
    before, heads = snapshot_rows(copy), heads_log_of(copy)
    results = set(files_under(copy.folders.results))
    with open_warehouse(copy.url) as warehouse:
        prepared = pipeline.prepare_review(config, warehouse, Period.parse("2024S1"), publish=True)
    assert prepared.published is None
    assert [o.name for o in prepared.checks.failures()] == [name]
    assert evidence in prepared.checks.reason()
    assert prepared.draft.checks_passed is False
    assert snapshot_rows(copy) == before
    assert heads_log_of(copy) == heads
    kept = set(files_under(copy.folders.results)) - results
    assert not [f for f in kept if not f.startswith(str(copy.folders.results / "gx"))]


def test_the_fast_path_publishes_what_publishing_after_the_gate_publishes(site, tmp_path):
    """The same revision, byte for byte in its content hash, whether it is written while
    the gate runs or after it."""
    one, other = copy_of(site, tmp_path / "one"), copy_of(site, tmp_path / "other")
    with open_warehouse(one.url) as warehouse:
        fast = pipeline.prepare_review(one.config, warehouse, Period.parse("2024"), publish=True)
        header = warehouse.snapshot("2024", "834", 1).header
    with open_warehouse(other.url) as warehouse:
        slow = pipeline.publish_review(
            warehouse, pipeline.prepare_review(other.config, warehouse, Period.parse("2024"))
        )
    assert fast.published is not None
    assert fast.published.created
    assert fast.checks.passed
    assert header["checks_passed"] is True
    assert fast.published.content_sha256 == slow.content_sha256
    assert read_result(one.folders, "2024", "834", 1) is not None
    assert CliRunner().invoke(cli, ["snapshots", "verify", *one.options()]).exit_code == 0


def test_a_failing_warning_publishes_and_is_recorded(site, tmp_path):
    folder = tmp_path / "tightened"
    shutil.copytree(site.root / "config", folder)
    catalog = yaml.safe_load((folder / "catalog.yaml").read_text(encoding="utf-8"))
    for element in catalog["elements"]:
        if element["code"] == "DANG_VIEN_MOI":
            element["max"] = 0.5  # tightened after the reports came in
    (folder / "catalog.yaml").write_text(yaml.safe_dump(catalog, allow_unicode=True), "utf-8")
    config = load_config(folder)
    with open_warehouse(site.url) as warehouse:
        prepared = pipeline.prepare_review(config, warehouse, Period.parse("2024"))
        published = pipeline.publish_review(warehouse, prepared)
        header = warehouse.snapshot("2024", "834", published.revision).header
    assert published.created
    assert header["checks_passed"] is True
    kept = read_result(site.folders, "2024", "834", published.revision)
    assert kept is not None
    assert kept.warnings == ["values_within_plausible_range"]
    document = json.loads(kept.path.read_text(encoding="utf-8"))
    (failed,) = [c for c in document["checks"] if not c["passed"]]
    assert failed["severity"] == "warning"
    assert "DANG_VIEN_MOI @ commune" in failed["detail"]
    shown = CliRunner().invoke(
        cli,
        ["snapshots", "show", "2024", "--revision", str(published.revision), *site.options()],
    )
    assert "(warnings: values_within_plausible_range)" in shown.output


def test_dry_run_says_what_would_be_published_and_writes_nothing(site):
    before_rows = snapshot_rows(site)
    before_files = files_under(site.root)
    result = CliRunner().invoke(cli, ["review", "2024S1", "--dry-run", *site.options()])
    assert result.exit_code == 0, result.output + result.stderr
    out = result.output
    assert "dry run, nothing written" in out
    assert "nothing new, revision 1 stands" in out
    assert "thực hiện vượt 2/31 chỉ tiêu" in out
    assert re.search(r"22 units, 682 indicator rows, \d+ element rows", out)
    for name in ("root_has_every_indicator", "values_within_plausible_range"):
        assert re.search(rf"pass +(critical|warning) +{name}", out)
    assert snapshot_rows(site) == before_rows
    assert files_under(site.root) == before_files


def test_dry_run_of_a_failing_review_exits_4_naming_the_check(site, monkeypatch):
    doctored_roll_up(monkeypatch, 80.0)
    before_files = files_under(site.root)
    result = CliRunner().invoke(cli, ["review", "2024S1", "--dry-run", *site.options()])
    assert result.exit_code == 4
    (reason,) = result.stderr.splitlines()
    assert "quality checks failed: percent_matches_formula: 1 failing: 834 CT01" in reason
    assert re.search(r"FAIL +critical +percent_matches_formula", result.output)
    assert files_under(site.root) == before_files


def test_dry_run_needs_an_existing_warehouse(tmp_path):
    missing = tmp_path / "none.duckdb"
    result = CliRunner().invoke(
        cli,
        [
            "review",
            "2024S1",
            "--dry-run",
            "--config",
            str(EXAMPLE / "config"),
            "--warehouse",
            str(missing),
        ],
    )
    assert result.exit_code != 0
    assert "no warehouse at" in str(result.exception)
    assert not missing.exists()


NO_GX_PROBE = """
import json, sys
from chitieu.cli import cli
seen = {}
for name, args in json.loads(sys.argv[1]).items():
    try:
        cli.main(args, standalone_mode=False)
    except SystemExit:
        pass
    seen[name] = "great_expectations" in sys.modules
print(json.dumps(seen))
"""


def test_help_and_the_read_only_commands_do_not_import_great_expectations(site):
    options = site.options()
    commands = {
        "--help": ["--help"],
        "report": ["report", "2024S1", "--format", "json", *options],
        "snapshots show": ["snapshots", "show", "2024S1", *options],
    }
    probe = subprocess.run(
        [sys.executable, "-c", NO_GX_PROBE, json.dumps(commands)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    imported = json.loads(probe.stdout.splitlines()[-1])
    assert imported == dict.fromkeys(commands, False)
    assert '"summary"' in probe.stdout  # the report did run


@pytest.mark.slow
def test_a_review_run_as_a_flow_stops_at_a_failing_check(
    site,
    monkeypatch,
    prefect_api_url,  # noqa: F811
):
    doctored_roll_up(monkeypatch, 80.0)
    monkeypatch.setenv("PREFECT_API_URL", prefect_api_url)
    before = snapshot_rows(site)
    result = CliRunner().invoke(cli, ["review", "2024", *site.options()])
    assert result.exit_code == 4, result.output + result.stderr
    assert "nothing published: percent_matches_formula: 1 failing: 834 CT01" in result.stderr
    assert snapshot_rows(site) == before
