"""``chitieu review`` rolls up and checks a small review while Prefect starts
(`chitieu.flows.read_ahead`), and its flow's task publishes that (`pipeline.publish_checked`)
only when it is what the task would roll up itself: the same revision, content hash and
recorded run as a review prepared inside the task; nothing when the reports or the
configuration changed since (the task prepares it again), nothing past a failed gate,
and an approved review refused before any run starts.

The reader is forked before anything threaded is imported, so the commands run in
subprocesses (this process has polars imported: it never forks)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import duckdb
import pytest
from example_fixtures import correction
from prefect_fixtures import prefect_api_url, prefect_env  # noqa: F401
from test_quality_gate import BROKEN
from test_quality_pipeline import Site, copy_of, heads_log_of, site, snapshot_rows  # noqa: F401
from warehouse_fixtures import postgres_schema_url

from chitieu import pipeline
from chitieu.config import load_config
from chitieu.errors import ReviewLocked
from chitieu.periods import Period
from chitieu.quality import GateFolders, read_result
from chitieu.report.numbers import format_time
from chitieu.rollup import Rollup
from chitieu.warehouse import open_warehouse

AHEAD_LOG = "rolled up and checked ahead, while Prefect started"
PUBLISHED_AHEAD_LOG = "published by the process that read ahead"
WRITTEN_AHEAD_LOG = "written by the process that read ahead"
EXAMPLE_CONFIG = Path(__file__).parents[1] / "examples" / "giong_trom_2024" / "config"


def checked_ahead(place: Site, period: str) -> pipeline.CheckedAhead:
    """What the command's reader hands the flow: the review rolled up and checked from
    the warehouse as it stands, nothing published."""
    config = load_config(place.root / "config")
    with open_warehouse(place.url) as warehouse:
        reports, values = warehouse.accepted_reports(), warehouse.accepted_values()
    prepared = pipeline.check_review(
        config, reports, values, Period.parse(period), folders=place.folders
    )
    return pipeline.CheckedAhead(prepared, reports, config.history_sha256)


def publish_checked(place: Site, checked: pipeline.CheckedAhead) -> pipeline.PreparedReview | None:
    with open_warehouse(place.url) as warehouse:
        return pipeline.publish_checked(
            load_config(place.root / "config"), warehouse, checked, "run-ahead"
        )


def recorded_runs(place: Site, period: str) -> list[tuple[int, str | None]]:
    with duckdb.connect(str(place.root / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(
            "SELECT revision, flow_run_id FROM snapshots WHERE review_period = ? ORDER BY 1",
            [period],
        ).fetchall()


def test_a_review_checked_ahead_publishes_what_its_task_would(
    site: Site,  # noqa: F811
    tmp_path: Path,
) -> None:
    ahead, task = copy_of(site, tmp_path / "ahead"), copy_of(site, tmp_path / "task")
    prepared = publish_checked(ahead, checked_ahead(ahead, "2024"))
    with open_warehouse(task.url) as warehouse:
        direct = pipeline.prepare_review(
            task.config, warehouse, Period.parse("2024"), flow_run_id="run-ahead", publish=True
        )
    assert prepared is not None
    assert prepared.published is not None
    assert direct.published is not None
    assert prepared.published.created
    assert prepared.checks.passed
    assert (prepared.published.revision, prepared.published.content_sha256) == (
        direct.published.revision,
        direct.published.content_sha256,
    )
    assert prepared.published.prev_content_sha256 == direct.published.prev_content_sha256
    assert recorded_runs(ahead, "2024") == recorded_runs(task, "2024") == [(1, "run-ahead")]
    kept = read_result(ahead.folders, "2024", "834", 1)
    assert kept is not None
    assert kept.data_docs_page is not None
    assert kept.data_docs_page.exists()


def test_nothing_new_checked_ahead_leaves_the_standing_revision(
    site: Site,  # noqa: F811
    tmp_path: Path,
) -> None:
    copy = copy_of(site, tmp_path / "copy")
    before = snapshot_rows(copy)
    prepared = publish_checked(copy, checked_ahead(copy, "2024S1"))
    assert prepared is not None
    assert prepared.published is not None
    assert not prepared.published.created
    assert prepared.published.revision == site.published.revision
    assert snapshot_rows(copy) == before


def test_a_review_checked_before_a_correction_arrived_is_prepared_again(
    site: Site,  # noqa: F811
    tmp_path: Path,
) -> None:
    copy = copy_of(site, tmp_path / "copy")
    checked = checked_ahead(copy, "2024S1")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    with open_warehouse(copy.url) as warehouse:  # 28987's May report corrected meanwhile
        pipeline.ingest_batch([correction(inbox)], copy.config, warehouse, copy.root / "archive")
    before, heads = snapshot_rows(copy), heads_log_of(copy)
    assert publish_checked(copy, checked) is None
    assert (snapshot_rows(copy), heads_log_of(copy)) == (before, heads)


def test_a_review_checked_before_the_configuration_changed_is_prepared_again(
    site: Site,  # noqa: F811
    tmp_path: Path,
) -> None:
    copy = copy_of(site, tmp_path / "copy")
    checked = checked_ahead(copy, "2024")
    targets = copy.root / "config" / "targets.csv"
    lines = targets.read_text(encoding="utf-8").splitlines()
    targets.write_text("\n".join([*lines[:-1], lines[-1] + "0"]) + "\n", encoding="utf-8")
    assert load_config(copy.root / "config").catalog_sha256 != copy.config.catalog_sha256
    before = snapshot_rows(copy)
    assert publish_checked(copy, checked) is None
    assert snapshot_rows(copy) == before


def test_a_review_approved_since_it_was_checked_is_refused(
    site: Site,  # noqa: F811
    tmp_path: Path,
) -> None:
    copy = copy_of(site, tmp_path / "copy")
    checked = checked_ahead(copy, "2024S1")
    with open_warehouse(copy.url) as warehouse:
        warehouse.approve("2024S1", "834", "Nguyễn Văn A")
    before = snapshot_rows(copy)
    with pytest.raises(ReviewLocked, match="Nguyễn Văn A"):
        publish_checked(copy, checked)
    assert snapshot_rows(copy) == before


def test_a_review_checked_ahead_that_failed_its_gate_publishes_nothing(
    site: Site,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    copy = copy_of(site, tmp_path / "copy")
    doctor, _ = BROKEN["percent_matches_formula"]
    real = pipeline.roll_up

    def doctored(*args: Any, **kwargs: Any) -> Rollup:
        return doctor(real(*args, **kwargs), copy.config)[0]

    monkeypatch.setattr(pipeline, "roll_up", doctored)
    checked = checked_ahead(copy, "2024")
    before, heads = snapshot_rows(copy), heads_log_of(copy)
    prepared = publish_checked(copy, checked)
    assert prepared is not None
    assert prepared.published is None
    assert "percent_matches_formula" in [o.name for o in prepared.checks.failures()]
    assert (snapshot_rows(copy), heads_log_of(copy)) == (before, heads)


# ---- the command ------------------------------------------------------------------


def _review(
    place: Site, period: str, env: dict[str, str], read_ahead: str
) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "chitieu", "review", period, *place.options()]
    return subprocess.run(
        argv,
        capture_output=True,
        text=True,
        cwd=place.root,
        timeout=300,
        env=dict(env, CHITIEU_READ_AHEAD=read_ahead),  # "1": even on a busy machine
    )


def _lines(done: subprocess.CompletedProcess[str]) -> list[str]:
    """What the command says, without the flow run's log lines (times, run names)."""
    return [line for line in done.stdout.splitlines() if " | " not in line]


@pytest.mark.slow
def test_chitieu_review_read_ahead_publishes_what_its_task_would(
    site: Site,  # noqa: F811
    tmp_path: Path,
    prefect_env: dict[str, str],  # noqa: F811
) -> None:
    runs = {}
    for name, read_ahead in (("ahead", "1"), ("task", "0")):
        copy = copy_of(site, tmp_path / name)
        done = _review(copy, "2024", prefect_env, read_ahead)
        assert done.returncode == 0, done.stdout + done.stderr
        runs[name] = (done, copy)
    (ahead, ahead_site), (task, task_site) = runs["ahead"], runs["task"]
    for log in (AHEAD_LOG, PUBLISHED_AHEAD_LOG, WRITTEN_AHEAD_LOG):
        assert log in ahead.stdout + ahead.stderr, ahead.stdout + ahead.stderr
        assert log not in task.stdout + task.stderr
    assert _lines(ahead) == _lines(task)
    assert "công bố bản 1 / published revision 1" in ahead.stdout
    reports = {}
    for name, copy in (("ahead", ahead_site), ("task", task_site)):
        [(revision, run_id)] = recorded_runs(copy, "2024")
        assert revision == 1
        assert run_id  # the flow run that published it
        folder = copy.root / "warehouse.reports"
        written = {p.name: p.read_text("utf-8") for p in sorted(folder.iterdir())}
        assert sorted(written) == ["2024-834-en.md", "2024-834-vi.md", "2024-834.json"]
        snapshot = json.loads(written["2024-834.json"])["snapshot"]
        assert snapshot["flow_run_id"] == run_id  # the report is of this run's revision
        # what differs between two runs: the run, and when it published
        for key in ("flow_run_id", "created_at"):
            written["2024-834.json"] = written["2024-834.json"].replace(snapshot[key], key)
        published_at = format_time(dt.datetime.fromisoformat(snapshot["created_at"]))
        for report in ("2024-834-en.md", "2024-834-vi.md"):  # to the minute, Vietnam time
            written[report] = written[report].replace(published_at, "created_at")
        reports[name] = written
    # the reports the reader wrote are those the run writes itself
    assert reports["ahead"] == reports["task"]


@pytest.mark.slow
def test_chitieu_review_refuses_an_approved_review_before_any_run(
    site: Site,  # noqa: F811
    tmp_path: Path,
    prefect_env: dict[str, str],  # noqa: F811
) -> None:
    said = {}
    for name, read_ahead in (("ahead", "1"), ("task", "0")):
        copy = copy_of(site, tmp_path / name)
        with open_warehouse(copy.url) as warehouse:
            warehouse.approve("2024S1", "834", "Nguyễn Văn A")
        before = snapshot_rows(copy)
        done = _review(copy, "2024S1", prefect_env, read_ahead)
        assert done.returncode == 5, done.stdout + done.stderr
        assert "Beginning flow run" not in done.stdout + done.stderr
        assert snapshot_rows(copy) == before
        said[name] = done.stderr.strip().splitlines()[-1]
    assert said["ahead"] == said["task"]
    assert "Nguyễn Văn A" in said["ahead"]


NATIONAL = textwrap.dedent(
    """
    import sys
    from chitieu.flows.read_ahead import Review, reviewing_ahead

    review = Review.of("2024S1", sys.argv[1], "duckdb:///w.duckdb", None)
    with reviewing_ahead(review) as ahead:
        assert ahead is not None, "no reader started"
        print(ahead.approval(), ahead.checked(), ahead.failed)
    """
)


ASKED = textwrap.dedent(
    """
    import sys
    from chitieu.flows.read_ahead import Review, reviewing_ahead

    config, url, period, meanwhile = sys.argv[1:]
    with reviewing_ahead(Review.of(period, config, url, None)) as ahead:
        assert ahead is not None, "no reader started"
        assert ahead.checked() is not None, ahead.failed
        ahead.release()
        if meanwhile == "correction":  # a report corrected after the reader read
            from pathlib import Path
            from example_fixtures import correction
            from chitieu import pipeline
            from chitieu.config import load_config
            from chitieu.warehouse import open_warehouse

            with open_warehouse(url) as warehouse:
                files = [correction(Path("inbox"))]
                pipeline.ingest_batch(files, load_config(config), warehouse, Path("archive"))
        elif meanwhile == "approval":  # the review approved after the reader read
            from chitieu.warehouse import open_warehouse

            with open_warehouse(url) as warehouse:
                warehouse.approve(period, "834", "Nguyễn Văn A")
        print(ahead.publish("run-asked", "reports"), ahead.reports("reports"), ahead.failed)
    """
)


@pytest.mark.parametrize(
    ("period", "meanwhile", "failed"),
    [("2024", "correction", "None"), ("2024S1", "approval", "ReviewLocked")],
)
def test_a_reader_asked_to_publish_what_changed_since_leaves_it_to_the_run(
    site: Site,  # noqa: F811
    tmp_path: Path,
    period: str,
    meanwhile: str,
    failed: str,
) -> None:
    """Asked to publish (`ReviewAhead.publish`) once the warehouse changed since it read
    it, the reader publishes nothing and writes no report; it has ended when the run
    hears so (the run may open the warehouse and prepare the review itself)."""
    copy = copy_of(site, tmp_path / "copy")
    (copy.root / "inbox").mkdir()
    before, runs = snapshot_rows(copy), recorded_runs(copy, period)
    done = subprocess.run(
        [sys.executable, "-c", ASKED, str(copy.root / "config"), copy.url, period, meanwhile],
        capture_output=True,
        text=True,
        cwd=copy.root,
        timeout=300,
        env=dict(
            os.environ,
            CHITIEU_READ_AHEAD="1",
            PYTHONPATH=os.pathsep.join([str(Path(__file__).parent), *sys.path]),
        ),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    published, reports, reader_failed = done.stdout.strip().split(" ", 2)
    assert (published, reports) == ("None", "None"), done.stdout
    # changed since: the reader ends without failing; approved: it fails on the lock
    assert reader_failed == failed or reader_failed.startswith(f"{failed}("), done.stdout
    assert snapshot_rows(copy) == before
    assert recorded_runs(copy, period) == runs
    assert not (copy.root / "reports").exists()


def test_the_reader_leaves_a_national_review_to_the_flow(tmp_path: Path) -> None:
    """More units than `REVIEW_AHEAD_UNITS` (the country's 10,800): the reader ends at
    once, without even checking the configuration; the command and its flow do it all."""
    config = tmp_path / "config"
    shutil.copytree(EXAMPLE_CONFIG, config)
    units = (config / "org_units.csv").read_text(encoding="utf-8")
    (config / "org_units.csv").write_text(units + "\n" * 10_800, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", NATIONAL, str(config)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        env=dict(os.environ, CHITIEU_READ_AHEAD="1"),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "None None None"  # ended, without failing


@pytest.mark.slow
def test_chitieu_review_read_ahead_on_postgresql(
    tmp_path: Path,
    request: pytest.FixtureRequest,
    prefect_env: dict[str, str],  # noqa: F811
) -> None:
    """On a PostgreSQL warehouse (its data folder named by ``CHITIEU_DATA_DIR``) the
    reader reads over its own connection, and the task publishes what it checked."""
    url = postgres_schema_url(request.config)[0]
    data = tmp_path / "data"
    config = load_config(EXAMPLE_CONFIG)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CHITIEU_DATA_DIR", str(data))
        with open_warehouse(url) as warehouse:
            files = pipeline.gather_files([EXAMPLE_CONFIG.parent / "submissions"])
            pipeline.ingest_batch(files, config, warehouse, warehouse.archive)
    env = dict(prefect_env, CHITIEU_DATA_DIR=str(data), CHITIEU_READ_AHEAD="1")
    argv = [sys.executable, "-m", "chitieu", "review", "2024S1"]
    done = subprocess.run(
        [*argv, "--config", str(EXAMPLE_CONFIG), "--warehouse", url],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert AHEAD_LOG in done.stdout + done.stderr
    assert "công bố bản 1 / published revision 1" in done.stdout
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CHITIEU_DATA_DIR", str(data))
        with open_warehouse(url) as warehouse:
            [revision] = warehouse.list_snapshots("2024S1", "834").iter_rows(named=True)
            assert warehouse.verify() == []
        assert read_result(GateFolders.beside(url), "2024S1", "834", 1) is not None
    assert revision["revision"] == 1
    assert revision["flow_run_id"]
