"""The bundled Giồng Trôm example in a warehouse on each backend, through the pipeline's
own functions (no Prefect): every month ingested, 2024S1 published, then a commune's
corrected report ingested and 2024S1 published again, and the year 2024 published.

Import ``example_fixture`` as below; it is built once per test module and backend and
must be left as found (a test that tampers restores what it changed):

    from example_fixtures import example_fixture  # noqa: F401
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
from warehouse_fixtures import backend_params, postgres_schema_url

from chitieu import pipeline
from chitieu.config import Config, load_config
from chitieu.examples import example_dir
from chitieu.periods import Period
from chitieu.warehouse import Published, Warehouse, open_warehouse

EXAMPLE = example_dir()
CONFIG_DIR = EXAMPLE / "config"
CORRECTED_UNIT = "28987"  # Xã Phong Nẫm resends May with two more new party members
CORRECTION_NAME = "28987_2024M05_sua.csv"
RECEIVED = dt.datetime(2025, 1, 5, 2, 0, tzinfo=dt.UTC)  # after every period of 2024


@dataclass(frozen=True)
class Example:
    url: str
    backend: str
    config: Config
    archive: Path
    published: dict[str, Published]
    """``2024S1/1``, ``2024S1/2``, ``2024/1``."""
    data: Path
    """``CHITIEU_DATA_DIR`` for commands on it (PostgreSQL's archive and heads log)."""


def correction(folder: Path) -> Path:
    """28987's May report again, DANG_VIEN_MOI 3 → 5, sent four days later."""
    original = (EXAMPLE / "submissions" / "2024M05" / "28987_2024M05.csv").read_text("utf-8")
    text = original.replace("28987,DANG_VIEN_MOI,2024M05,3,", "28987,DANG_VIEN_MOI,2024M05,5,")
    text = text.replace("2024-05-16T11:35:00+07:00", "2024-05-20T09:00:00+07:00")
    assert text != original
    path = folder / CORRECTION_NAME
    path.write_text(text, "utf-8")
    return path


def review(config: Config, wh: Warehouse, period: str) -> Published:
    prepared = pipeline.prepare_review(config, wh, Period.parse(period))
    return pipeline.publish_review(wh, prepared)


def build_example(url: str, folder: Path, inbox: Path | None = None) -> dict[str, Published]:
    """Ingest and publish as the module docstring says; the published revisions. What is
    kept beside a PostgreSQL warehouse (archive, heads log, quality results) goes to
    ``data_dir(folder)``, where commands find it when ``CHITIEU_DATA_DIR`` says so. The
    correction is received from ``inbox`` (default ``folder / "inbox"``): where a file
    was received from is among what a revision hashes of its inputs."""
    config = load_config(CONFIG_DIR)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CHITIEU_DATA_DIR", str(data_dir(folder)))
        with open_warehouse(url) as wh:
            months = pipeline.gather_files([EXAMPLE / "submissions"])
            pipeline.ingest_batch(months, config, wh, wh.archive, received_at=RECEIVED)
            first = review(config, wh, "2024S1")
            inbox = inbox or folder / "inbox"
            inbox.mkdir(parents=True, exist_ok=True)
            later = RECEIVED + dt.timedelta(days=1)
            pipeline.ingest_batch([correction(inbox)], config, wh, wh.archive, received_at=later)
            second = review(config, wh, "2024S1")
            year = review(config, wh, "2024")
    return {"2024S1/1": first, "2024S1/2": second, "2024/1": year}


def data_dir(folder: Path) -> Path:
    """``CHITIEU_DATA_DIR`` of the example built in ``folder``."""
    return folder / "data"


@pytest.fixture(name="example", scope="module", params=backend_params())
def example_fixture(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Example:
    folder = tmp_path_factory.mktemp(f"example-{request.param}")
    if request.param == "duckdb":
        url = f"duckdb:///{folder / 'warehouse.duckdb'}"
    else:
        url = postgres_schema_url(request.config)[0]
    published = build_example(url, folder)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CHITIEU_DATA_DIR", str(data_dir(folder)))
        with open_warehouse(url) as wh:
            archive = wh.archive
    return Example(
        url, request.param, load_config(CONFIG_DIR), archive, published, data_dir(folder)
    )
