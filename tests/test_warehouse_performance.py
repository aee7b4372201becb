"""Publishing and verifying at the size of a large review (prints timings, asserts results)."""

from __future__ import annotations

import time

import polars as pl
import pytest
from warehouse_fixtures import receive, warehouse_url_fixture, wh_fixture  # noqa: F401

from chitieu.warehouse import SnapshotDraft, Warehouse
from chitieu.warehouse.hashing import content_sha256, inputs_sha256

ELEMENT_ROWS = 2_000_000


def big_draft(seed: int) -> SnapshotDraft:
    units = 20_000
    elements = pl.DataFrame(
        {
            "org_unit_code": (pl.int_range(ELEMENT_ROWS, eager=True) % units)
            .cast(pl.String)
            .str.zfill(5),
            "element_code": (pl.int_range(ELEMENT_ROWS, eager=True) // units)
            .cast(pl.String)
            .str.zfill(3),
            "value": pl.int_range(ELEMENT_ROWS, eager=True).cast(pl.Float64) / 7 + seed,
        }
    )
    indicators = pl.DataFrame(
        {
            "org_unit_code": [f"{u:05d}" for u in range(units)],
            "level": "commune",
            "indicator_code": "CT01",
            "actual": 1.0,
            "target": 2.0,
            "percent": 50.0,
            "class": "on_track",
            "comparable": True,
            "last_actual": 0.5,
            "last_comparable": True,
        }
    )
    inputs = pl.DataFrame(
        {
            "submission_id": range(seed * units + 1, (seed + 1) * units + 1),
            "sha256": [f"{u + seed:064x}" for u in range(units)],
            "org_unit_code": [f"{u:05d}" for u in range(units)],
            "period": "2024M05",
        },
        schema_overrides={"submission_id": pl.Int64},
    )
    return SnapshotDraft(
        "2024S1",
        "P",
        "c" * 64,
        inputs_sha256(inputs),
        1.0,
        True,
        None,
        indicators,
        elements,
        inputs,
    )


@pytest.mark.slow
def test_publish_two_million_element_rows(wh: Warehouse) -> None:
    drafts = [big_draft(0), big_draft(1)]
    receive(wh, *(d.inputs.rows() for d in drafts))
    started = time.perf_counter()
    content_sha256(
        {
            "review_period": "2024S1",
            "root_org_unit": "P",
            "revision": 1,
            "catalog_sha256": "",
            "inputs_sha256": "",
            "prev_content_sha256": None,
            "completeness": 1.0,
            "checks_passed": True,
            "content_version": 2,
            "history_sha256": None,
        },
        drafts[0].indicators,
        drafts[0].elements,
        drafts[0].inputs,
    )
    hashed = time.perf_counter()
    first = wh.publish(drafts[0])
    published = time.perf_counter()
    second = wh.publish(drafts[1])
    republished = time.perf_counter()
    read = wh.snapshot("2024S1", "P")
    read_back = time.perf_counter()
    problems = wh.verify()
    verified = time.perf_counter()
    print(
        f"\n{ELEMENT_ROWS:,} element rows: hash {hashed - started:.2f} s, "
        f"publish rev 1 {published - hashed:.2f} s, rev 2 {republished - published:.2f} s, "
        f"read back {read_back - republished:.2f} s, verify both {verified - read_back:.2f} s"
    )
    assert (first.revision, second.revision) == (1, 2)
    assert read.elements.height == ELEMENT_ROWS
    assert problems == []
