"""Publishing snapshot revisions: n+1 on change, nothing on sameness, all or nothing."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from warehouse_fixtures import (  # noqa: F401
    draft,
    dump,
    receive,
    warehouse_url_fixture,
    wh_fixture,
)

from chitieu.errors import ReviewTooEarly, SnapshotConflict, WarehouseError
from chitieu.periods import Period
from chitieu.warehouse import Warehouse, open_warehouse, publishing
from chitieu.warehouse.faults import FAULT_EXIT_CODE, FAULT_POINTS
from chitieu.warehouse.hashing import content_sha256

CHANGED_INPUTS = ((1, "a" * 64, "C1", "2024M05"), (2, "b" * 64, "C2", "2024M05"))


def test_first_publication_is_revision_1(wh: Warehouse) -> None:
    published = wh.publish(draft())
    assert (published.revision, published.created, published.superseded_revision) == (1, True, None)
    assert published.created_at.tzinfo is not None
    header = wh.snapshot("2024S1", "D").header
    assert header["status"] == "published"
    assert header["prev_content_sha256"] is None
    assert header["content_sha256"] == published.content_sha256
    assert header["created_at"] == published.created_at


def test_same_inputs_publish_nothing(wh: Warehouse) -> None:
    first = wh.publish(draft())
    again = wh.publish(draft(elements=[("D", "E1", 99.0)]))  # same inputs and catalog
    assert again.created is False
    assert (again.snapshot_id, again.revision, again.content_sha256) == (
        first.snapshot_id,
        1,
        first.content_sha256,
    )
    assert again.created_at == first.created_at
    assert wh.list_snapshots().height == 1


def test_changed_inputs_publish_the_next_revision(wh: Warehouse) -> None:
    first = wh.publish(draft())
    second = wh.publish(draft(inputs=CHANGED_INPUTS, elements=[("D", "E1", 9.0)]))
    assert (second.revision, second.created, second.superseded_revision) == (2, True, 1)
    assert second.snapshot_id == first.snapshot_id + 1
    listed = wh.list_snapshots("2024S1", "D")
    assert listed.select("revision", "status").rows() == [(1, "superseded"), (2, "published")]
    assert listed["prev_content_sha256"][1] == first.content_sha256
    assert wh.snapshot("2024S1", "D").elements.rows() == [("D", "E1", 9.0)]
    assert wh.snapshot("2024S1", "D", revision=1).elements.height == 2


def test_a_changed_catalog_publishes_the_next_revision(wh: Warehouse) -> None:
    wh.publish(draft())
    assert wh.publish(draft(catalog_sha256="d" * 64)).revision == 2


def test_reviews_are_chained_separately(wh: Warehouse) -> None:
    wh.publish(draft())
    other = wh.publish(draft(root="D2"))
    year = wh.publish(draft(review_period="2024"))
    assert (other.revision, year.revision) == (1, 1)
    assert wh.list_snapshots(root="D")["review_period"].to_list() == ["2024", "2024S1"]
    assert wh.list_snapshots("2024S1")["root_org_unit"].to_list() == ["D", "D2"]


def test_stored_rows_read_back_as_published(wh: Warehouse) -> None:
    d = draft(completeness=None)
    wh.publish(d)
    read = wh.snapshot("2024S1", "D", revision=1)
    assert read.indicators.equals(d.indicators)
    assert read.elements.sort("org_unit_code").equals(d.elements.sort("org_unit_code"))
    assert read.inputs.equals(d.inputs)
    assert read.header["completeness"] is None
    assert (
        content_sha256(read.header, read.indicators, read.elements, read.inputs)
        == (read.header["content_sha256"])
    )


def test_a_report_reads_a_revision_without_its_element_rows(wh: Warehouse) -> None:
    d = draft()
    wh.publish(d)
    whole = wh.snapshot("2024S1", "D")
    light = wh.snapshot("2024S1", "D", elements=False)
    assert light.header == whole.header
    assert light.indicators.equals(whole.indicators)
    assert light.inputs.equals(whole.inputs)
    assert whole.elements.height == d.elements.height > 0
    assert light.elements.is_empty()
    assert light.elements.schema == whole.elements.schema


def test_a_missing_snapshot_is_a_clear_error(wh: Warehouse) -> None:
    """In Vietnamese and English, with what there is: the review's revisions, else the
    reviews that have some, else none at all."""
    with pytest.raises(WarehouseError) as missing:
        wh.snapshot("2024S1", "D")
    assert str(missing.value) == (
        "kỳ 2024S1 của đơn vị D không có bản đã công bố (kho chưa có bản công bố nào) / no "
        "snapshot 2024S1 of D has a published revision (the warehouse has no revisions at all)"
    )
    wh.publish(draft())
    with pytest.raises(WarehouseError) as missing:
        wh.snapshot("2024S1", "D", revision=3)
    assert str(missing.value) == (
        "kỳ 2024S1 của đơn vị D không có lần công bố 3 (có các lần [1]) / no snapshot 2024S1 "
        "of D has revision 3 (there are revisions [1])"
    )
    with pytest.raises(WarehouseError) as missing:
        wh.snapshot("2024", "D")
    assert str(missing.value).endswith(
        "(kỳ này chưa có lần công bố nào; đã công bố: 2024S1 D) / no snapshot 2024 of D has a "
        "published revision (this review has no revisions; reviews published: 2024S1 D)"
    )


def test_a_period_not_begun_is_never_published(wh: Warehouse) -> None:
    """Its revision would hold no report and could never be taken back; a period under
    way (the six-month review meets before its cut-off) is published."""
    under_way = Period.parse(f"{dt.date.today().year}")
    assert under_way.start <= dt.date.today()
    with pytest.raises(ReviewTooEarly, match=r"begins on 2999-12-15, after today") as early:
        wh.publish(draft(review_period="3000S1"))
    assert early.value.exit_code == 2
    assert "chưa đến" in str(early.value)
    assert wh.list_snapshots().is_empty()
    assert wh.publish(draft(review_period=under_way.code)).revision == 1


def test_inputs_hash_must_match_the_inputs(wh: Warehouse) -> None:
    d = draft()
    wrong = type(d)(**{**d.__dict__, "inputs_sha256": "0" * 64})
    with pytest.raises(WarehouseError, match="is not the hash of its inputs"):
        wh.publish(wrong)


def test_a_draft_missing_a_column_is_refused(wh: Warehouse) -> None:
    d = draft()
    broken = type(d)(**{**d.__dict__, "elements": d.elements.drop("value")})
    with pytest.raises(WarehouseError, match=r"elements: missing column.*value"):
        wh.publish(broken)


def test_an_error_inside_the_transaction_rolls_back(
    wh: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    wh.publish(draft())
    before = dump(wh)

    def fail_at(name: str) -> None:
        if name == "publish:after_elements":
            raise RuntimeError("disk on fire")

    monkeypatch.setattr(publishing, "fault_point", fail_at)
    with pytest.raises(RuntimeError, match="disk on fire"):
        wh.publish(draft(inputs=CHANGED_INPUTS))
    assert dump(wh) == before
    monkeypatch.undo()
    assert wh.publish(draft(inputs=CHANGED_INPUTS)).revision == 2


class GateSaysNo(Exception):
    pass


def test_a_refusal_before_commit_leaves_nothing_and_no_head(wh: Warehouse) -> None:
    """``confirm`` (the quality gate's verdict, awaited while the rows were written) is
    asked once the whole revision is written; what it raises rolls it all back, and the
    heads log gains no line (issue 16: published while the gate runs)."""
    wh.publish(draft())
    before = dump(wh)
    log = wh.heads_log
    lines = log.read_text(encoding="utf-8") if log is not None and log.exists() else ""
    asked: list[dict[str, list[tuple[object, ...]]]] = []

    def refuse() -> None:
        asked.append(dump(wh))  # seen from inside the transaction
        raise GateSaysNo

    with pytest.raises(GateSaysNo):
        wh.publish(draft(inputs=CHANGED_INPUTS), confirm=refuse)
    assert len(asked) == 1
    assert len(asked[0]["snapshots"]) == 2  # the revision was written when it was asked
    assert dump(wh) == before
    if log is not None and log.exists():
        assert log.read_text(encoding="utf-8") == lines
    confirmed = wh.publish(draft(inputs=CHANGED_INPUTS), confirm=lambda: None)
    assert (confirmed.revision, confirmed.created) == (2, True)


def test_confirm_is_not_asked_when_nothing_is_new(wh: Warehouse) -> None:
    wh.publish(draft())

    def never() -> None:
        raise AssertionError("asked for an unchanged review")

    assert wh.publish(draft(), confirm=never).created is False


def test_a_broken_chain_refuses_to_publish(wh: Warehouse) -> None:
    wh.publish(draft())
    wh.backend.execute("UPDATE snapshots SET status = 'superseded'")
    with pytest.raises(SnapshotConflict, match="latest revision 1 is superseded"):
        wh.publish(draft(inputs=CHANGED_INPUTS))


CRASH_PUBLISH = """
import sys
sys.path.insert(0, {tests!r})
from warehouse_fixtures import draft
from chitieu.warehouse import open_warehouse
wh = open_warehouse({url!r})
wh.publish(draft(inputs={inputs!r}, elements=[("D", "E1", 7.0)]))
print("not reached")
"""


@pytest.mark.parametrize("point", [p for p in FAULT_POINTS if p.startswith("publish:")])
def test_a_crash_during_publish_leaves_the_warehouse_as_it_was(
    warehouse_url: str, point: str
) -> None:
    with open_warehouse(warehouse_url) as wh:
        receive(wh, CHANGED_INPUTS)
        wh.publish(draft())
        before = dump(wh)
    code = CRASH_PUBLISH.format(
        tests=str(Path(__file__).parent), url=warehouse_url, inputs=CHANGED_INPUTS
    )
    crashed = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "CHITIEU_FAULT_AT": point},
        capture_output=True,
        text=True,
        check=False,
    )
    assert crashed.returncode == FAULT_EXIT_CODE, crashed.stderr
    assert "not reached" not in crashed.stdout
    with open_warehouse(warehouse_url) as wh:
        assert dump(wh) == before
        assert wh.verify() == []
        assert wh.publish(draft(inputs=CHANGED_INPUTS)).revision == 2


def test_publish_accepts_integer_and_null_columns(wh: Warehouse) -> None:
    d = draft()
    loose = type(d)(
        **{
            **d.__dict__,
            "elements": pl.DataFrame(
                {"org_unit_code": ["D"], "element_code": ["E1"], "value": [3]}
            ),
        }
    )
    wh.publish(loose)
    assert wh.snapshot("2024S1", "D").elements.rows() == [("D", "E1", 3.0)]
