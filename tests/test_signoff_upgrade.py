"""Upgrading a warehouse written before sign-off (migration 006), with its data, on every
backend: every row kept, old revisions still verify, and the rebuilt submissions table
(DuckDB) or its replaced constraint (PostgreSQL) admits ``held`` and nothing else."""

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
    warehouse_url_fixture,
)

from chitieu.settings import duckdb_path
from chitieu.warehouse import intake as intake_sql
from chitieu.warehouse import open_warehouse, publishing
from chitieu.warehouse.backend import WriteConflict
from chitieu.warehouse.duckdb_backend import DuckDBBackend
from chitieu.warehouse.postgres_backend import PostgresBackend
from chitieu.warehouse.queries import migrations, query

SIGNOFF = 6
OLD_TABLES = tuple(t for t in TABLES if t not in ("schema_version", "approvals"))


def _old_warehouse(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> dict[str, list[tuple[object, ...]]]:
    """A warehouse at the schema before sign-off, written as the chitieu of then wrote
    it (no approvals to look at): reports of every status, two revisions. Its rows."""
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
        # the chitieu of then published without looking for approvals
        monkeypatch.setattr(publishing, "refuse_if_approved", lambda *_: None)
        publishing.publish(backend, draft())
        publishing.publish(backend, draft(inputs=((2, "b" * 64, "C1", "2024M05"),)))
        monkeypatch.undo()
        return {
            table: sorted(backend.rows(f"SELECT * FROM {table}"), key=repr) for table in OLD_TABLES
        }
    finally:
        backend.close()


def test_an_old_warehouse_upgrades_with_every_row_kept(
    warehouse_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _old_warehouse(warehouse_url, monkeypatch)
    assert {status for *_, status, _ in before["submissions"]} == {
        "accepted",
        "superseded",
        "rejected",
        "duplicate",
    }
    with open_warehouse(warehouse_url) as wh:
        assert wh.schema_version == migrations(wh.backend.dialect)[-1].version >= SIGNOFF
        after = dump(wh)
        assert {table: after[table] for table in OLD_TABLES} == before
        assert after["approvals"] == []
        assert wh.verify() == []  # the old revisions still verify
        assert wh.backend.rows("SELECT count(*) FROM published_submissions") == [(2,)]
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
