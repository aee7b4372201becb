"""Upgrading a warehouse written before sign-off (migration 006), with its data, on every
backend: every row kept, old revisions still verify, and the rebuilt submissions table
(DuckDB) or its replaced constraint (PostgreSQL) admits ``held`` and nothing else. A
warehouse of schema version 3, from before data quality too, takes migration 005 and
then 006 in one opening (`chitieu.warehouse.migrate` applies each version not recorded)."""

from __future__ import annotations

import datetime as dt

import pytest
from warehouse_fixtures import (  # noqa: F401
    TABLES,
    Report,
    at,
    batch,
    draft,
    dump,
    publish_before_last_year,
    warehouse_url_fixture,
)

from chitieu.settings import duckdb_path
from chitieu.warehouse import intake as intake_sql
from chitieu.warehouse import open_warehouse
from chitieu.warehouse.backend import WriteConflict
from chitieu.warehouse.duckdb_backend import DuckDBBackend
from chitieu.warehouse.postgres_backend import PostgresBackend
from chitieu.warehouse.queries import migrations, query

SIGNOFF = 6
QUALITY = 5
OLD_TABLES = tuple(t for t in TABLES if t not in ("schema_version", "approvals"))


def _old_warehouse(url: str, before_quality: bool) -> dict[str, list[tuple[object, ...]]]:
    """A warehouse at the schema before sign-off, written as the chitieu of then wrote
    it (no approvals to look at): reports of every status, two revisions. Its rows.

    ``before_quality``: at schema version 3, before migration 005 too: the same rows
    without the issues' severity (the only change 005 makes to a table)."""
    backend = DuckDBBackend(duckdb_path(url)) if url.startswith("duckdb") else PostgresBackend(url)
    try:
        with backend.transaction():
            backend.script(query("schema_version_create", backend.dialect))
            for migration in migrations(backend.dialect):
                if migration.version < SIGNOFF:
                    backend.script(migration.sql)
                    backend.execute(
                        query("schema_version_record", backend.dialect),
                        [migration.version, dt.datetime.now(dt.UTC)],
                    )
        reports = batch(
            Report(org="C1", submitted_at=at(1), sha256="a" * 64),
            Report(org="C1", submitted_at=at(2), values={"E1": 2.0}, sha256="b" * 64),
            Report(org="C2", issues=[("line 2", "not_a_number")], status="rejected"),
            Report(org="C3", sha256="d" * 64),
            Report(org=None, period=None, sha256="d" * 64, status="duplicate"),
        )
        intake_sql.register_intake(backend, reports, lambda _backend, _reports: [])
        # the chitieu of then published without looking for approvals, nor last year
        publish_before_last_year(backend, draft())
        publish_before_last_year(backend, draft(inputs=((2, "b" * 64, "C1", "2024M05"),)))
        if before_quality:
            with backend.transaction():
                backend.execute("DROP VIEW published_warnings")
                backend.execute("ALTER TABLE validation_issues DROP COLUMN severity")
                backend.execute(f"DELETE FROM schema_version WHERE version = {QUALITY}")
        return {
            table: sorted(backend.rows(f"SELECT * FROM {table}"), key=repr) for table in OLD_TABLES
        }
    finally:
        backend.close()


def _leading(
    rows: list[tuple[object, ...]], old: list[tuple[object, ...]]
) -> list[tuple[object, ...]]:
    """Each row cut to the width of the rows of then, sorted as they were."""
    width = len(old[0]) if old else 0
    return sorted((row[:width] for row in rows), key=repr)


@pytest.mark.parametrize("before_quality", [False, True], ids=["version-5", "version-3"])
def test_an_old_warehouse_upgrades_with_every_row_kept(
    warehouse_url: str, before_quality: bool
) -> None:
    before = _old_warehouse(warehouse_url, before_quality)
    if before_quality:  # 005 records every issue of then as an error
        before["validation_issues"] = [(*row, "error") for row in before["validation_issues"]]
    assert {status for *_, status, _ in before["submissions"]} == {
        "accepted",
        "superseded",
        "rejected",
        "duplicate",
    }
    with open_warehouse(warehouse_url) as wh:
        assert wh.schema_version == migrations(wh.backend.dialect)[-1].version >= SIGNOFF
        recorded = wh.backend.rows("SELECT version FROM schema_version ORDER BY version")
        assert recorded == [(m.version,) for m in migrations(wh.backend.dialect)]
        after = dump(wh)
        # 007 adds columns to snapshots and snapshot_indicators: the rows of then lead them
        kept = {table: _leading(after[table], before[table]) for table in OLD_TABLES}
        assert kept == before
        assert after["approvals"] == []
        assert wh.verify() == []  # the old revisions still verify
        assert wh.backend.rows("SELECT count(*) FROM published_submissions") == [(2,)]
        assert wh.backend.rows("SELECT count(*) FROM published_warnings") == [(0,)]
        for bad in ("bogus", None):
            with pytest.raises(WriteConflict):
                wh.backend.execute(
                    "UPDATE submissions SET status = $1 WHERE submission_id = 1", [bad]
                )
        with pytest.raises(WriteConflict):  # the primary key came through the rebuild
            wh.backend.execute("UPDATE submissions SET submission_id = 2 WHERE submission_id = 1")
        wh.approve("2024S1", "D", "Nguyễn Văn A")
        late = wh.register_intake(batch(Report(org="C1", submitted_at=at(9))))
        assert late["status"].to_list() == ["held"]
    with open_warehouse(warehouse_url) as again:  # reopened: nothing more to apply
        assert again.held_reports()["submission_id"].to_list() == [6]
        assert again.verify() == []
