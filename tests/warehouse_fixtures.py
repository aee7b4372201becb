"""Fixtures and builders for the warehouse tests, imported by tests/test_warehouse_*.py.

The same tests run on every backend named in ``CHITIEU_TEST_BACKENDS`` (comma separated,
default ``duckdb,postgresql``). Test modules import the fixtures ``warehouse_url`` and
``wh`` as ``warehouse_url_fixture`` and ``wh_fixture``; ``postgres_url`` (imported as
``postgres_url_fixture``) is for tests of PostgreSQL alone.

PostgreSQL: the server of ``CHITIEU_TEST_POSTGRES`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``, a role that may create databases and
roles) gets one database per test run, with a random name, dropped at the end; each test
gets a fresh schema in it. An unreachable server skips those tests with the reason,
unless ``CHITIEU_REQUIRE_POSTGRES=1`` (CI), where it fails them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import os
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import polars as pl
import psycopg
import pytest

from chitieu.warehouse import IntakeBatch, SnapshotDraft, Warehouse, open_warehouse
from chitieu.warehouse.backend import Backend
from chitieu.warehouse.hashing import content_sha256, inputs_sha256
from chitieu.warehouse.models import (
    INTAKE_ISSUES_SCHEMA,
    INTAKE_SUBMISSIONS_SCHEMA,
    INTAKE_VALUES_SCHEMA,
    ROLLUP_INDICATORS_SCHEMA,
    SNAPSHOT_ELEMENTS_SCHEMA,
    SNAPSHOT_INDICATORS_SCHEMA,
    SNAPSHOT_INPUTS_SCHEMA,
)

BACKENDS = [
    b.strip()
    for b in os.environ.get("CHITIEU_TEST_BACKENDS", "duckdb,postgresql").split(",")
    if b.strip()
]
POSTGRES_ADMIN = os.environ.get(
    "CHITIEU_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_POSTGRES = os.environ.get("CHITIEU_REQUIRE_POSTGRES") == "1"
TABLES = (
    "schema_version",
    "submissions",
    "submission_values",
    "validation_issues",
    "snapshots",
    "snapshot_indicators",
    "snapshot_elements",
    "snapshot_inputs",
    "approvals",
)
T0 = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
_files = itertools.count(1)


_schemas = itertools.count(1)
_postgres: dict[str, Any] = {}  # this run's database: url, admin connection, or the error


def _url(base: str, database: str | None = None, user: str | None = None, **query: str) -> str:
    """``base`` with another database, user (no password: the test server trusts) or
    query parameters."""
    parts = urlsplit(base)
    netloc = parts.netloc if user is None else f"{user}@{parts.netloc.rsplit('@', 1)[-1]}"
    path = parts.path if database is None else f"/{database}"
    extra = "&".join(q for q in [parts.query, *(f"{k}={v}" for k, v in query.items())] if q)
    return urlunsplit(parts._replace(netloc=netloc, path=path, query=extra))


def _unavailable(reason: str) -> None:
    if REQUIRE_POSTGRES:
        pytest.fail(f"PostgreSQL is required (CHITIEU_REQUIRE_POSTGRES=1): {reason}")
    pytest.skip(f"PostgreSQL not reachable, tests of its backend skipped: {reason}")


def postgres_admin(config: pytest.Config) -> psycopg.Connection[Any]:
    """A superuser connection to this run's database, created on first use."""
    if "error" in _postgres:
        _unavailable(_postgres["error"])
    if "admin" not in _postgres:
        name = f"chitieu_test_{secrets.token_hex(4)}"
        try:
            with psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=5) as server:
                server.execute(f'CREATE DATABASE "{name}"')
        except psycopg.Error as error:
            _postgres["error"] = f"{POSTGRES_ADMIN}: {error}".strip()
            _unavailable(_postgres["error"])
        _postgres["url"] = _url(POSTGRES_ADMIN, database=name)
        _postgres["admin"] = psycopg.connect(_postgres["url"], autocommit=True)

        def drop() -> None:
            _postgres.pop("admin").close()
            with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as server:
                server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        config.add_cleanup(drop)
    connection: psycopg.Connection[Any] = _postgres["admin"]
    return connection


def postgres_schema_url(config: pytest.Config, user: str | None = None) -> tuple[str, str]:
    """A fresh, empty schema in this run's database: (warehouse URL, schema name)."""
    schema = f"w{next(_schemas)}"
    postgres_admin(config).execute(f"CREATE SCHEMA {schema}")
    return schema_url(schema, user), schema


def schema_url(schema: str, user: str | None = None) -> str:
    """The URL of this run's database with ``schema`` first on the search path, as ``user``."""
    return _url(_postgres["url"], user=user, options=f"-csearch_path%3D{schema}")


def _url_for(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "duckdb":
        return f"duckdb:///{tmp_path / 'wh' / 'warehouse.duckdb'}"
    if backend == "postgresql":
        return postgres_schema_url(request.config)[0]
    pytest.fail(f"unknown test backend {backend!r} in CHITIEU_TEST_BACKENDS")


def backend_params() -> list[Any]:
    """BACKENDS as fixture parameters; the PostgreSQL one marked ``postgres``."""
    return [
        pytest.param(b, marks=pytest.mark.postgres) if b == "postgresql" else b for b in BACKENDS
    ]


@pytest.fixture(name="warehouse_url", params=backend_params())
def warehouse_url_fixture(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty warehouse location on each backend under test."""
    return _url_for(request.param, request, tmp_path)


@pytest.fixture(name="postgres_url")
def postgres_url_fixture(request: pytest.FixtureRequest) -> str:
    """A fresh, empty PostgreSQL warehouse (a schema of this run's database)."""
    if "postgresql" not in BACKENDS:
        pytest.skip("postgresql is not in CHITIEU_TEST_BACKENDS")
    return postgres_schema_url(request.config)[0]


@pytest.fixture(name="wh")
def wh_fixture(warehouse_url: str) -> Iterator[Warehouse]:
    with open_warehouse(warehouse_url) as warehouse:
        yield warehouse


def at(hours: float) -> dt.datetime:
    """A UTC time stamp ``hours`` after 2024-06-01 00:00."""
    return T0 + dt.timedelta(hours=hours)


@dataclass
class Report:
    """One report in an intake batch; ``values`` are element code -> value."""

    org: str | None = "C1"
    period: str | None = "2024M05"
    submitted_at: dt.datetime | None = None
    received_at: dt.datetime = T0
    status: str = "accepted"
    values: dict[str, float | None] = field(default_factory=lambda: {"E1": 1.0})
    sha256: str | None = None
    issues: Sequence[tuple[str, str]] = ()  # (location, check)


def file_sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def batch(*reports: Report) -> IntakeBatch:
    """An intake batch with batch_seq 1..n in the order given."""
    subs, values, issues = [], [], []
    for seq, r in enumerate(reports, start=1):
        sha = r.sha256 or file_sha(f"file {next(_files)}")
        kept = r.values if r.status == "accepted" else {}
        subs.append(
            (
                seq,
                sha,
                f"inbox/{seq}.csv",
                "csv",
                r.org,
                r.period,
                r.submitted_at,
                "cán bộ",
                r.received_at,
                r.status,
                len(kept),
            )
        )
        values += [
            (seq, r.org, code, r.period, value, "", f"line {n}")
            for n, (code, value) in enumerate(kept.items(), start=2)
        ]
        issues += [
            (seq, loc, "E1", "x", check, "Giá trị không hợp lệ", "Invalid value", "error")
            for loc, check in r.issues
        ]
    return IntakeBatch(
        submissions=pl.DataFrame(subs, schema=INTAKE_SUBMISSIONS_SCHEMA, orient="row"),
        values=pl.DataFrame(values, schema=INTAKE_VALUES_SCHEMA, orient="row"),
        issues=pl.DataFrame(issues, schema=INTAKE_ISSUES_SCHEMA, orient="row"),
    )


def receive(wh: Warehouse, *inputs: Sequence[tuple[int, str, str, str]]) -> None:
    """Register the submissions that drafts' inputs name (``submission_id, sha256, unit,
    period``), so that verify finds each input in ``submissions`` as published; their ids
    must continue the warehouse's numbering."""
    rows = sorted({row for group in inputs for row in group})
    registered = wh.register_intake(
        batch(*[Report(org=unit, period=period, sha256=sha) for _, sha, unit, period in rows])
    )
    assert registered["submission_id"].to_list() == [row[0] for row in rows]


def statuses(wh: Warehouse) -> list[tuple[int, str]]:
    return list(wh.submissions().select("submission_id", "status").iter_rows())


INPUTS_1 = ((1, "a" * 64, "C1", "2024M05"),)


def draft(
    inputs: Sequence[tuple[int, str, str, str]] = INPUTS_1,
    elements: Sequence[tuple[str, str, float | None]] = (("C1", "E1", 4.0), ("D", "E1", 4.0)),
    indicators: Sequence[tuple[object, ...]] = (
        ("D", "district", "CT01", 4.0, 8.0, 50.0, "on_track"),
    ),
    review_period: str = "2024S1",
    root: str = "D",
    catalog_sha256: str = "c" * 64,
    completeness: float | None = 0.5,
) -> SnapshotDraft:
    """A small draft; its inputs_sha256 is computed from its inputs. An indicator row of
    seven fields (a roll-up's) is comparable, with no figure for last year."""
    rows = [row if len(row) == 10 else (*row, True, None, None) for row in indicators]
    input_rows = pl.DataFrame(list(inputs), schema=SNAPSHOT_INPUTS_SCHEMA, orient="row")
    return SnapshotDraft(
        review_period=review_period,
        root_org_unit=root,
        catalog_sha256=catalog_sha256,
        inputs_sha256=inputs_sha256(input_rows),
        completeness=completeness,
        checks_passed=True,
        flow_run_id="run-1",
        indicators=pl.DataFrame(rows, schema=SNAPSHOT_INDICATORS_SCHEMA, orient="row"),
        elements=pl.DataFrame(list(elements), schema=SNAPSHOT_ELEMENTS_SCHEMA, orient="row"),
        inputs=input_rows,
    )


def dump(wh: Warehouse) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, sorted: for before/after comparisons."""
    return {table: sorted(wh.backend.rows(f"SELECT * FROM {table}"), key=repr) for table in TABLES}


def postgres_role(config: pytest.Config, prefix: str, *options: str) -> str:
    """A new login role on the test server, named ``<prefix>_<random>`` (tests running
    at the same time never share one), dropped with what it owns at the end of the run."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = postgres_admin(config)
    admin.execute(f'CREATE ROLE "{name}" LOGIN {" ".join(options)}')

    def drop() -> None:
        admin.execute(f'DROP OWNED BY "{name}"')
        admin.execute(f'DROP ROLE "{name}"')

    config.add_cleanup(drop)
    return name


def publish_before_last_year(backend: Backend, made: SnapshotDraft) -> str:
    """Publish ``made`` as chitieu did before migration 007 (the same period last year):
    the columns of then, hashed by content definition 1; returns its content_sha256.
    What an old warehouse holds, for the upgrade tests."""
    with backend.transaction():
        found = backend.rows(
            "SELECT snapshot_id, revision, content_sha256 FROM snapshots "
            "WHERE review_period = $1 AND root_org_unit = $2 ORDER BY revision DESC LIMIT 1",
            [made.review_period, made.root_org_unit],
        )
        [(last_id,)] = backend.rows("SELECT COALESCE(MAX(snapshot_id), 0) FROM snapshots")
        previous = found[0] if found else None
        revision = 1 if previous is None else previous[1] + 1
        header = {
            "review_period": made.review_period,
            "root_org_unit": made.root_org_unit,
            "revision": revision,
            "catalog_sha256": made.catalog_sha256,
            "inputs_sha256": made.inputs_sha256,
            "prev_content_sha256": None if previous is None else previous[2],
            "completeness": made.completeness,
            "checks_passed": made.checks_passed,
        }
        indicators = made.indicators.select(list(ROLLUP_INDICATORS_SCHEMA))
        content = content_sha256(header, indicators, made.elements, made.inputs)
        backend.execute(
            "INSERT INTO snapshots (snapshot_id, review_period, root_org_unit, revision, status, "
            "created_at, flow_run_id, catalog_sha256, inputs_sha256, content_sha256, "
            "prev_content_sha256, completeness, checks_passed) "
            "VALUES ($1, $2, $3, $4, 'published', $5, $6, $7, $8, $9, $10, $11, $12)",
            [
                last_id + 1,
                made.review_period,
                made.root_org_unit,
                revision,
                T0,
                made.flow_run_id,
                made.catalog_sha256,
                made.inputs_sha256,
                content,
                header["prev_content_sha256"],
                made.completeness,
                made.checks_passed,
            ],
        )
        for table, rows in (
            ("indicators", indicators),
            ("elements", made.elements),
            ("inputs", made.inputs),
        ):
            names = ", ".join(f'"{c}"' for c in rows.columns)
            with backend.staged(f"staged_{table}", rows):
                backend.execute(
                    f"INSERT INTO snapshot_{table} (snapshot_id, {names}) "
                    f"SELECT CAST($1 AS BIGINT), {names} FROM staged_{table}",
                    [last_id + 1],
                )
        if previous is not None:
            backend.execute(
                "UPDATE snapshots SET status = 'superseded' WHERE snapshot_id = $1", [previous[0]]
            )
    return content
