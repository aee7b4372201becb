"""Opening a warehouse: the versioned schema, idempotent reopening, refused URLs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from warehouse_fixtures import TABLES, dump, warehouse_url_fixture, wh_fixture  # noqa: F401

from chitieu.errors import WarehouseError
from chitieu.warehouse import Warehouse, open_warehouse
from chitieu.warehouse.queries import migrations


def test_new_warehouse_has_every_table_and_its_version(wh: Warehouse) -> None:
    newest = migrations(wh.backend.dialect)[-1].version
    assert wh.schema_version == newest
    versions = wh.backend.rows("SELECT version, applied_at FROM schema_version ORDER BY version")
    assert [v for v, _ in versions] == [m.version for m in migrations(wh.backend.dialect)]
    assert all(applied.tzinfo is not None for _, applied in versions)
    for table in TABLES[1:]:
        assert wh.backend.rows(f"SELECT count(*) FROM {table}") == [(0,)]


def test_spec_columns_exist(wh: Warehouse) -> None:
    spec = {
        "submissions": "submission_id, sha256, source_name, format, org_unit_code, period, "
        "submitted_at, submitted_by, received_at, status, n_values",
        "submission_values": "submission_id, org_unit_code, element_code, period, value, note, "
        "location",
        "validation_issues": 'submission_id, location, element_code, value, "check", '
        "message_vi, message_en, severity",
        "snapshots": "snapshot_id, review_period, root_org_unit, revision, status, created_at, "
        "flow_run_id, catalog_sha256, inputs_sha256, content_sha256, prev_content_sha256, "
        "completeness, checks_passed",
        "snapshot_indicators": "snapshot_id, org_unit_code, level, indicator_code, actual, "
        'target, percent, "class"',
        "snapshot_elements": "snapshot_id, org_unit_code, element_code, value",
        "snapshot_inputs": "snapshot_id, submission_id, sha256, org_unit_code, period",
    }
    for table, columns in spec.items():
        assert wh.backend.rows(f"SELECT {columns} FROM {table}") == []


def test_reopening_applies_nothing(warehouse_url: str) -> None:
    with open_warehouse(warehouse_url) as first:
        before = dump(first)
    with open_warehouse(warehouse_url) as second:
        assert dump(second) == before
        assert second.backend.rows("SELECT count(*) FROM schema_version") == [
            (len(migrations(second.backend.dialect)),)
        ]


def test_newer_schema_is_refused(warehouse_url: str) -> None:
    with open_warehouse(warehouse_url) as wh:
        wh.backend.execute("INSERT INTO schema_version VALUES (999, now())")
    with pytest.raises(WarehouseError, match=r"schema version 999, newer than this chitieu"):
        open_warehouse(warehouse_url)


def test_duckdb_file_and_its_folder_are_created(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "w.duckdb"
    with open_warehouse(f"duckdb:///{path}"):
        pass
    assert path.is_file()


def test_bare_path_means_a_duckdb_file(tmp_path: Path) -> None:
    with open_warehouse(str(tmp_path / "bare.duckdb")) as wh:
        assert "bare.duckdb" in wh.url
    assert (tmp_path / "bare.duckdb").is_file()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://kho:secret@db.example/kho", "unknown warehouse URL mysql://kho:\\*\\*\\*@"),
        (
            "postgresql://kho:secret@127.0.0.1:1/kho",
            r"cannot connect to the PostgreSQL warehouse postgresql://kho:\*\*\*@127.0.0.1:1/kho",
        ),
        ("", "no warehouse URL given"),
    ],
)
def test_other_urls_are_refused_without_their_password(url: str, message: str) -> None:
    with pytest.raises(WarehouseError, match=message) as raised:
        open_warehouse(url)
    assert "secret" not in str(raised.value)


def test_a_locked_duckdb_file_is_a_warehouse_error(tmp_path: Path) -> None:
    import subprocess
    import sys

    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    with open_warehouse(url):
        other = subprocess.run(
            [
                sys.executable,
                "-c",
                f"from chitieu.warehouse import open_warehouse; open_warehouse({url!r})",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    assert other.returncode != 0
    # the file and the process in the half an officer reads too
    assert (
        f"WarehouseBusy: kho dữ liệu {tmp_path / 'w.duckdb'} đang bận, một tiến trình khác "
        f"đang dùng nó (PID {os.getpid()}): " in other.stderr
    )
    assert f"is in use by another process (PID {os.getpid()})" in other.stderr
