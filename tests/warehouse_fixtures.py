"""Fixtures and builders for the warehouse tests, imported by tests/test_warehouse_*.py.

The same tests run on every backend named in ``CHITIEU_TEST_BACKENDS`` (comma separated,
default ``duckdb``). Adding PostgreSQL is one branch in `_url_for`. Test modules import the
fixtures ``warehouse_url`` and ``wh`` as ``warehouse_url_fixture`` and ``wh_fixture``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pytest

from chitieu.warehouse import IntakeBatch, SnapshotDraft, Warehouse, open_warehouse
from chitieu.warehouse.hashing import inputs_sha256
from chitieu.warehouse.models import (
    INTAKE_ISSUES_SCHEMA,
    INTAKE_SUBMISSIONS_SCHEMA,
    INTAKE_VALUES_SCHEMA,
    SNAPSHOT_ELEMENTS_SCHEMA,
    SNAPSHOT_INDICATORS_SCHEMA,
    SNAPSHOT_INPUTS_SCHEMA,
)

BACKENDS = [b.strip() for b in os.environ.get("CHITIEU_TEST_BACKENDS", "duckdb").split(",")]
TABLES = (
    "schema_version",
    "submissions",
    "submission_values",
    "validation_issues",
    "snapshots",
    "snapshot_indicators",
    "snapshot_elements",
    "snapshot_inputs",
)
T0 = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
_files = itertools.count(1)


def _url_for(backend: str, tmp_path: Path) -> str:
    if backend == "duckdb":
        return f"duckdb:///{tmp_path / 'wh' / 'warehouse.duckdb'}"
    pytest.fail(f"unknown test backend {backend!r} in CHITIEU_TEST_BACKENDS")


@pytest.fixture(name="warehouse_url", params=BACKENDS)
def warehouse_url_fixture(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty warehouse location on each backend under test."""
    return _url_for(request.param, tmp_path)


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
            (seq, loc, "E1", "x", check, "Giá trị không hợp lệ", "Invalid value")
            for loc, check in r.issues
        ]
    return IntakeBatch(
        submissions=pl.DataFrame(subs, schema=INTAKE_SUBMISSIONS_SCHEMA, orient="row"),
        values=pl.DataFrame(values, schema=INTAKE_VALUES_SCHEMA, orient="row"),
        issues=pl.DataFrame(issues, schema=INTAKE_ISSUES_SCHEMA, orient="row"),
    )


def statuses(wh: Warehouse) -> list[tuple[int, str]]:
    return list(wh.submissions().select("submission_id", "status").iter_rows())


def draft(
    inputs: Sequence[tuple[int, str, str, str]] = ((1, "a" * 64, "C1", "2024M05"),),
    elements: Sequence[tuple[str, str, float | None]] = (("C1", "E1", 4.0), ("D", "E1", 4.0)),
    indicators: Sequence[tuple[str, str, str, float | None, float | None, float | None, str]] = (
        ("D", "district", "CT01", 4.0, 8.0, 50.0, "on_track"),
    ),
    review_period: str = "2024S1",
    root: str = "D",
    catalog_sha256: str = "c" * 64,
    completeness: float | None = 0.5,
) -> SnapshotDraft:
    """A small draft; its inputs_sha256 is computed from its inputs."""
    input_rows = pl.DataFrame(list(inputs), schema=SNAPSHOT_INPUTS_SCHEMA, orient="row")
    return SnapshotDraft(
        review_period=review_period,
        root_org_unit=root,
        catalog_sha256=catalog_sha256,
        inputs_sha256=inputs_sha256(input_rows),
        completeness=completeness,
        checks_passed=True,
        flow_run_id="run-1",
        indicators=pl.DataFrame(list(indicators), schema=SNAPSHOT_INDICATORS_SCHEMA, orient="row"),
        elements=pl.DataFrame(list(elements), schema=SNAPSHOT_ELEMENTS_SCHEMA, orient="row"),
        inputs=input_rows,
    )


def dump(wh: Warehouse) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, sorted: for before/after comparisons."""
    return {table: sorted(wh.backend.rows(f"SELECT * FROM {table}"), key=repr) for table in TABLES}
