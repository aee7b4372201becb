"""What PostgreSQL adds: credentials that never show, exact round trips through COPY,
migrations under a lock, and concurrent writers that take turns."""

from __future__ import annotations

import math
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import polars as pl
import pytest
from warehouse_fixtures import (  # noqa: F401
    INPUTS_1,
    Report,
    batch,
    draft,
    file_sha,
    postgres_url_fixture,
    receive,
    warehouse_url_fixture,
    wh_fixture,
)

from chitieu.errors import WarehouseError
from chitieu.warehouse import Warehouse, open_warehouse
from chitieu.warehouse.hashing import content_sha256
from chitieu.warehouse.models import SNAPSHOT_ELEMENTS_SCHEMA, SNAPSHOT_INDICATORS_SCHEMA
from chitieu.warehouse.queries import migrations

T = TypeVar("T")
PASSWORD = "s3cret-Mật-khẩu"


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://kho:{PASSWORD}@127.0.0.1:1/kho",
        "postgresql://kho:s3cret%zz@127.0.0.1:1/kho",  # malformed: the driver quotes it
        f"postgresql://kho@127.0.0.1:1/kho?password={PASSWORD}",
        f"postgres://kho:{PASSWORD}@127.0.0.1:1/kho?sslmode=nonsense",
    ],
)
def test_a_failing_connection_never_shows_the_password(url: str) -> None:
    with pytest.raises(WarehouseError, match="cannot connect to the PostgreSQL warehouse") as err:
        open_warehouse(url)
    message = str(err.value)
    assert "s3cret" not in message
    assert err.value.__cause__ is None  # no chained driver error to print it either
    assert err.value.__suppress_context__


def test_the_password_from_the_environment_never_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    with pytest.raises(WarehouseError) as err:
        open_warehouse("postgresql://kho@127.0.0.1:1/kho")
    assert PASSWORD not in str(err.value)


def test_the_command_line_shows_no_password_either() -> None:
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("chitieu")),
            "snapshots",
            "list",
            "--warehouse",
            f"postgresql://kho:{PASSWORD}@127.0.0.1:1/kho",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 3
    assert "cannot connect to the PostgreSQL warehouse postgresql://kho:***@127.0.0.1:1/kho" in (
        done.stderr
    )
    assert "s3cret" not in done.stdout + done.stderr


AWKWARD_FLOATS = [0.1, 1 / 3, 2 / 3 * 1e-300, 1e300, -0.0, 123456789.123456789, None, 5e-324]
AWKWARD_TEXTS = ["", '"quoted"', "a,b", "\\.", "line\nbreak", "Thị trấn Giồng Trôm", "NULL", None]


def test_awkward_values_round_trip_exactly(wh: Warehouse) -> None:
    n = len(AWKWARD_FLOATS)
    elements = pl.DataFrame(
        {
            "org_unit_code": [f"U{i}" for i in range(n)],
            "element_code": ["E1"] * n,
            "value": AWKWARD_FLOATS,
        },
        schema=SNAPSHOT_ELEMENTS_SCHEMA,
    )
    indicators = pl.DataFrame(
        {
            "org_unit_code": [f"U{i}" for i in range(n)],
            "level": AWKWARD_TEXTS,
            "indicator_code": ["CT01"] * n,
            "actual": [math.inf, -math.inf, *AWKWARD_FLOATS[2:]],
            "target": AWKWARD_FLOATS,
            "percent": AWKWARD_FLOATS[::-1],
            "class": AWKWARD_TEXTS[::-1],
            "comparable": [i % 3 != 1 for i in range(n)],
            "last_actual": AWKWARD_FLOATS[1:] + AWKWARD_FLOATS[:1],
            "last_comparable": [None if i % 3 == 0 else i % 3 == 2 for i in range(n)],
        },
        schema=SNAPSHOT_INDICATORS_SCHEMA,
    )
    d = draft()
    receive(wh, INPUTS_1)
    published = wh.publish(
        type(d)(**{**d.__dict__, "elements": elements, "indicators": indicators})
    )
    read = wh.snapshot("2024S1", "D")
    assert read.elements.equals(elements.sort("org_unit_code", "element_code"))
    assert read.indicators.equals(indicators.sort("org_unit_code", "indicator_code"))
    assert content_sha256(read.header, read.indicators, read.elements, read.inputs) == (
        published.content_sha256
    )
    assert wh.verify() == []


@pytest.mark.postgres
def test_migrations_are_versioned_indexed_and_run_once(postgres_url: str) -> None:
    with open_warehouse(postgres_url) as wh:
        known = [m.version for m in migrations("postgresql")]
        newest = known[-1]
        assert wh.schema_version == newest >= 3
        rows = wh.backend.rows
        assert rows("SELECT version FROM schema_version ORDER BY version") == [(v,) for v in known]
        indexes = {
            name
            for (name,) in rows(
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
            )
        }
        assert {"snapshot_elements_by_snapshot", "submission_values_by_submission"} <= indexes
        [(collation,)] = rows(
            "SELECT collation_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = 'snapshot_elements' "
            "AND column_name = 'org_unit_code'"
        )
        assert collation == "C"
    with open_warehouse(postgres_url) as again:
        assert again.backend.rows("SELECT count(*) FROM schema_version") == [(len(known),)]


def _at_once(count: int, work: Callable[[int], T]) -> list[T]:
    """Run ``work(0..count-1)`` in threads released together."""
    start = threading.Barrier(count)

    def run(i: int) -> T:
        start.wait()
        return work(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


@pytest.mark.postgres
def test_openers_of_a_new_warehouse_migrate_it_once(postgres_url: str) -> None:
    def open_and_close(_: int) -> int:
        with open_warehouse(postgres_url) as wh:
            return wh.schema_version

    versions = _at_once(4, open_and_close)
    assert len(set(versions)) == 1
    with open_warehouse(postgres_url) as wh:
        assert wh.backend.rows("SELECT count(*) FROM schema_version") == [
            (len(migrations("postgresql")),)
        ]


def _publish_each(url: str, drafts: list[Any]) -> list[Any]:
    open_warehouse(url).close()

    def publish(i: int) -> Any:
        with open_warehouse(url) as wh:
            return wh.publish(drafts[i])

    return _at_once(len(drafts), publish)


@pytest.mark.postgres
def test_concurrent_reviews_of_one_period_take_turns(postgres_url: str) -> None:
    """Changed inputs each time: revisions 1..n, each chained to the one before."""
    drafts = [draft(catalog_sha256=f"{i:x}" * 64) for i in range(6)]
    with open_warehouse(postgres_url) as wh:
        receive(wh, INPUTS_1)
    published = _publish_each(postgres_url, drafts)
    assert sorted(p.revision for p in published) == [1, 2, 3, 4, 5, 6]
    assert all(p.created for p in published)
    with open_warehouse(postgres_url) as wh:
        listed = wh.list_snapshots("2024S1", "D")
        assert listed["revision"].to_list() == [1, 2, 3, 4, 5, 6]
        assert listed["status"].to_list() == ["superseded"] * 5 + ["published"]
        assert (
            listed["prev_content_sha256"].to_list()[1:] == listed["content_sha256"].to_list()[:-1]
        )
        assert wh.verify() == []


@pytest.mark.postgres
def test_concurrent_reviews_of_the_same_inputs_publish_once(postgres_url: str) -> None:
    published = _publish_each(postgres_url, [draft() for _ in range(4)])
    assert sorted(p.created for p in published) == [False, False, False, True]
    assert {(p.revision, p.snapshot_id) for p in published} == {(1, 1)}


@pytest.mark.postgres
def test_concurrent_reviews_of_different_periods_share_snapshot_ids(postgres_url: str) -> None:
    drafts = [draft(review_period=period) for period in ("2024S1", "2024", "2025S1", "2025")]
    published = _publish_each(postgres_url, drafts)
    assert sorted(p.snapshot_id for p in published) == [1, 2, 3, 4]
    assert {p.revision for p in published} == {1}


@pytest.mark.postgres
def test_concurrent_intakes_number_submissions_and_find_duplicates(postgres_url: str) -> None:
    """The same file sent by two intakes at once is accepted once, a duplicate otherwise."""
    sha = file_sha("the same bytes, twice at once")
    batches = [batch(Report(org="C1", sha256=sha), Report(org=f"C{i + 2}")) for i in range(4)]
    open_warehouse(postgres_url).close()

    def register(i: int) -> pl.DataFrame:
        with open_warehouse(postgres_url) as wh:
            return wh.register_intake(batches[i])

    _at_once(len(batches), register)
    with open_warehouse(postgres_url) as wh:
        stored = wh.submissions()
        assert stored["submission_id"].to_list() == list(range(1, 9))
        mine = stored.filter(pl.col("sha256") == sha)
        assert sorted(mine["status"].to_list()) == ["accepted"] + ["duplicate"] * 3
        assert mine.filter(pl.col("status") == "duplicate")["org_unit_code"].null_count() == 3
        assert wh.accepted_values().height == 5  # C1 once, C2..C5


@pytest.mark.postgres
def test_a_lock_outside_a_transaction_is_refused(postgres_url: str) -> None:
    with (
        open_warehouse(postgres_url) as wh,
        pytest.raises(WarehouseError, match="lock is taken inside a transaction"),
    ):
        wh.backend.lock("publish")


@pytest.mark.postgres
def test_a_search_path_without_a_schema_is_a_clear_error(postgres_url: str) -> None:
    url = postgres_url.replace("search_path%3D", "search_path%3Dno_such_schema_")
    with pytest.raises(
        WarehouseError, match="has no schema this role may use: check its search_path"
    ):
        open_warehouse(url)


@pytest.mark.postgres
def test_a_driver_error_is_a_warehouse_error(postgres_url: str) -> None:
    with (
        open_warehouse(postgres_url) as wh,
        pytest.raises(WarehouseError, match=r'PostgreSQL: relation "nowhere" does not exist'),
    ):
        wh.backend.rows("SELECT * FROM nowhere")


def test_a_duckdb_warehouse_has_no_roles(tmp_path: Path) -> None:
    with (
        open_warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}") as wh,
        pytest.raises(WarehouseError, match="roles are for PostgreSQL warehouses"),
    ):
        wh.auditor_sql("kiem_toan")
