"""The example on DuckDB and on PostgreSQL: the same hashes, the same lineage; and two
`chitieu review` processes at once on PostgreSQL leave a valid chain."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from example_fixtures import CONFIG_DIR, EXAMPLE, RECEIVED, build_example, review
from prefect_fixtures import prefect_api_url, prefect_env  # noqa: F401
from warehouse_fixtures import BACKENDS, postgres_schema_url

from chitieu import pipeline
from chitieu.config import load_config
from chitieu.lineage import trace_indicator
from chitieu.lineage.text import trace_json
from chitieu.warehouse import open_warehouse

pytestmark = pytest.mark.postgres
CHITIEU = str(Path(sys.executable).with_name("chitieu"))


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> str:
    if "postgresql" not in BACKENDS:
        pytest.skip("postgresql is not in CHITIEU_TEST_BACKENDS")
    return postgres_schema_url(request.config)[0]


def _trace(url: str, indicator: str) -> dict[str, Any]:
    """The trace as JSON, minus what differs by where and when it was built."""
    config = load_config(CONFIG_DIR)
    with open_warehouse(url) as wh:
        snap = wh.snapshot("2024S1", "834")
        found = trace_indicator(
            config,
            snap,
            wh.input_submissions(snap.snapshot_id),
            wh.input_values(snap.snapshot_id),
            indicator,
            "834",
        )
    document: dict[str, Any] = json.loads(trace_json(found))
    document.pop("created_at")
    for element in document["elements"]:
        for source in [*element["own"], *(s for c in element["children"] for s in c["sources"])]:
            source["source_name"] = Path(source["source_name"]).name  # each test's own folder
    return document


def test_the_same_example_has_the_same_hashes_on_both(pg_url: str, tmp_path: Path) -> None:
    duck_url = f"duckdb:///{tmp_path / 'duck' / 'warehouse.duckdb'}"
    # the same files received from the same places at the same times: the same records
    duck = build_example(duck_url, tmp_path / "duck", inbox=tmp_path / "inbox")
    pg = build_example(pg_url, tmp_path / "pg", inbox=tmp_path / "inbox")
    assert {k: p.content_sha256 for k, p in duck.items()} == {
        k: p.content_sha256 for k, p in pg.items()
    }
    with open_warehouse(duck_url) as a, open_warehouse(pg_url) as b:
        columns = ["review_period", "revision", "status", "inputs_sha256", "content_sha256"]
        assert a.list_snapshots().select(columns).equals(b.list_snapshots().select(columns))
        for revision in (1, 2):
            x, y = a.snapshot("2024S1", "834", revision), b.snapshot("2024S1", "834", revision)
            assert x.indicators.equals(y.indicators)
            assert x.elements.equals(y.elements)
            assert x.inputs.equals(y.inputs)
        assert a.verify() == b.verify() == []
    for indicator in ("CT01", "CT15", "CT19"):  # a sum, booleans counted, an average
        assert _trace(duck_url, indicator) == _trace(pg_url, indicator)


def _config_copy(folder: Path, note: str) -> Path:
    """The example's configuration with a comment added: another catalog_sha256."""
    target = folder / f"config-{note}"
    shutil.copytree(CONFIG_DIR, target)
    catalog = target / "catalog.yaml"
    catalog.write_text(catalog.read_text("utf-8") + f"# {note}\n", "utf-8")
    return target


def _reviews_at_once(url: str, configs: list[Path], env: dict[str, str]) -> list[str]:
    started = [
        subprocess.Popen(
            [CHITIEU, "review", "2024S1", "--config", str(c), "--warehouse", url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for c in configs
    ]
    outputs = []
    for process in started:
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, err
        outputs.append(out)
    return outputs


@pytest.mark.slow
def test_two_reviews_at_once_leave_a_valid_chain(
    pg_url: str,
    tmp_path: Path,
    prefect_env: dict[str, str],  # noqa: F811
) -> None:
    config = load_config(CONFIG_DIR)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CHITIEU_DATA_DIR", str(tmp_path / "data"))
        with open_warehouse(pg_url) as wh:
            months = pipeline.gather_files([EXAMPLE / "submissions"])
            pipeline.ingest_batch(months, config, wh, wh.archive, received_at=RECEIVED)
            assert review(config, wh, "2024S1").revision == 1  # the two must chain onto it
    env = {**prefect_env, "CHITIEU_DATA_DIR": str(tmp_path / "data")}
    # two configurations: each review has something new to publish, so 2 and 3 in some order
    outputs = _reviews_at_once(
        pg_url, [_config_copy(tmp_path, "a"), _config_copy(tmp_path, "b")], env
    )
    assert sorted(o.split("/ published revision ")[1][:1] for o in outputs) == ["2", "3"]
    with open_warehouse(pg_url) as wh:
        listed = wh.list_snapshots("2024S1", "834")
        assert listed["revision"].to_list() == [1, 2, 3]
        assert listed["status"].to_list() == ["superseded", "superseded", "published"]
        hashes = listed["content_sha256"].to_list()
        assert listed["prev_content_sha256"].to_list() == [None, *hashes[:-1]]
    verified = subprocess.run(
        [CHITIEU, "snapshots", "verify", "--warehouse", pg_url, "--config", str(CONFIG_DIR)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "3 bản đã kiểm tra, không thấy sai lệch" in verified.stdout
    for revision in (2, 3):  # published with the two other configurations
        assert (
            f"CHƯA KIỂM / NOT CHECKED: 2024S1 834 revision {revision}: not recomputed: "
            "published with configuration"
        ) in verified.stdout
