"""Sign-off in the warehouse, on every backend: approvals and reopenings recorded, refused
with their reasons (nothing written), the lock on publication, held reports released in
their original order, and `verify` after each kind of tampering with the chain."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import polars as pl
import pytest
from warehouse_fixtures import (  # noqa: F401
    Report,
    at,
    batch,
    draft,
    dump,
    postgres_admin,
    postgres_url_fixture,
    receive,
    statuses,
    warehouse_url_fixture,
    wh_fixture,
)

from chitieu.errors import ReviewLocked, SignOffRefused, WarehouseError
from chitieu.warehouse import Warehouse, open_warehouse
from chitieu.warehouse.models import APPROVALS_SCHEMA
from chitieu.warehouse.signoff_chain import signoff_sha256

INPUTS_2 = ((1, "a" * 64, "C1", "2024M05"), (2, "b" * 64, "C2", "2024M05"))
INPUTS_3 = (*INPUTS_2, (3, "e" * 64, "C3", "2024M05"))


def approved(wh: Warehouse) -> None:
    """Revisions 1 and 2 of 2024S1 D published, revision 2 approved (the submissions the
    drafts name registered first, as verify checks them)."""
    receive(wh, INPUTS_3)
    wh.publish(draft())
    wh.publish(draft(inputs=INPUTS_2))
    wh.approve("2024S1", "D", "Nguyễn Văn A", title="Chủ tịch UBND huyện", note="Hội nghị 17/6")


def signed_twice(wh: Warehouse) -> None:
    """Approved (r2), reopened, revision 3 published, approved again (r3)."""
    approved(wh)
    wh.reopen("2024S1", "D", "Trần Thị B", "Xã C3 gửi báo cáo muộn")
    wh.publish(draft(inputs=INPUTS_3))
    wh.approve("2024S1", "D", "Nguyễn Văn A")


def found(wh: Warehouse) -> list[tuple[int, str]]:
    return [(p.revision, p.check) for p in wh.verify()]


def tamper(wh: Warehouse, sql: str, params: list[Any] | None = None) -> None:
    """What an owner could do behind everyone's back; on PostgreSQL, after turning off
    the triggers that refuse it."""
    if wh.backend.dialect != "postgresql":
        wh.backend.execute(sql, params or [])
        return
    with wh.backend.transaction():
        wh.backend.execute("ALTER TABLE approvals DISABLE TRIGGER USER")
        wh.backend.execute(sql, params or [])
        wh.backend.execute("ALTER TABLE approvals ENABLE TRIGGER USER")


def test_an_approval_names_the_published_revision_by_its_content(wh: Warehouse) -> None:
    approved(wh)
    frame = wh.approvals("2024S1", "D")
    assert frame.schema == pl.Schema(APPROVALS_SCHEMA)
    [row] = frame.to_dicts()
    revision_2 = wh.snapshot("2024S1", "D", 2).header
    assert (row["action"], row["revision"], row["seq"]) == ("approve", 2, 1)
    assert row["content_sha256"] == revision_2["content_sha256"]
    assert (row["by_name"], row["title"], row["note"]) == (
        "Nguyễn Văn A",
        "Chủ tịch UBND huyện",
        "Hội nghị 17/6",
    )
    assert row["prev_sha256"] is None
    assert row["sha256"] == signoff_sha256(row)
    assert wh.approved_reviews()["revision"].to_list() == [2]
    assert wh.verify() == []


def test_a_reopening_chains_to_the_approval_and_lifts_the_lock(wh: Warehouse) -> None:
    approved(wh)
    wh.reopen("2024S1", "D", "  Trần Thị B ", " Xã C3 gửi báo cáo muộn ")
    first, second = wh.approvals("2024S1", "D").to_dicts()
    assert (second["action"], second["seq"], second["revision"]) == ("reopen", 2, 2)
    assert (second["by_name"], second["note"]) == ("Trần Thị B", "Xã C3 gửi báo cáo muộn")
    assert second["content_sha256"] == first["content_sha256"]
    assert second["prev_sha256"] == first["sha256"]
    assert second["at"] >= first["at"]
    assert wh.approved_reviews().is_empty()
    assert wh.publish(draft(inputs=INPUTS_3)).revision == 3
    assert wh.verify() == []


def test_a_second_approval_locks_again(wh: Warehouse) -> None:
    signed_twice(wh)
    assert wh.approvals("2024S1", "D")["action"].to_list() == ["approve", "reopen", "approve"]
    assert wh.approved_reviews()["revision"].to_list() == [3]
    with pytest.raises(ReviewLocked, match=r"2024S1 D is approved \(revision 3"):
        wh.publish(draft(inputs=INPUTS_2))
    assert wh.verify() == []


def test_an_approved_review_publishes_nothing(wh: Warehouse) -> None:
    approved(wh)
    before = dump(wh)
    for same_or_new in (draft(inputs=INPUTS_2), draft(inputs=INPUTS_3)):
        with pytest.raises(
            ReviewLocked,
            match=r"kỳ 2024S1 D đã được duyệt \(bản 2, Nguyễn Văn A, Chủ tịch UBND huyện, .*"
            r"chitieu reopen 2024S1 --org D",
        ):
            wh.publish(same_or_new)
    assert dump(wh) == before
    assert wh.publish(draft(root="D2")).revision == 1  # another review is not locked


REFUSALS = [
    (
        lambda wh: wh.approve("2024S1", "D", "A", revision=1),
        r"revision 1 is superseded by revision 2: only the published revision can be approved",
    ),
    (
        lambda wh: wh.approve("2024S1", "D", "A", revision=7),
        r"2024S1 D: không có bản 7 \(các bản: 1, 2\); không ghi gì / there is no revision 7 "
        r"\(revisions 1, 2\); nothing recorded",
    ),
    (lambda wh: wh.approve("2025S1", "D", "A"), r"2025S1 D: .* nothing published to approve"),
    (lambda wh: wh.approve("2024S1", "D", " "), r"--by: phải ghi tên người duyệt"),
    (lambda wh: wh.reopen("2024S1", "D", "B", "why"), r"is not approved: nothing to reopen"),
    # what would print as something else: a forged line, text turned around
    (
        lambda wh: wh.approve("2024S1", "D", "Evil\n  content_sha256 0000"),
        r"--by: ký tự không hiển thị '\\n' ở vị trí 5: .*; không ghi gì / .* nothing recorded",
    ),
    (
        lambda wh: wh.approve("2024S1", "D", "A", title="Chủ tịch\u202eTP"),
        r"--title: .*'\\u202e', at position 9",
    ),
    (lambda wh: wh.approve("2024S1", "D", "A", note="NQ\x1b[2J"), r"--note: .*'\\x1b'"),
    # only marks: a reason that prints as nothing is no reason
    (
        lambda wh: wh.approve("2024S1", "D", "\u0301\u0301 \u0323"),
        r"--by: không có chữ hay số nào, chỉ có dấu hoặc ký tự trắng: hãy viết nội dung; "
        r"không ghi gì / holds no letter, digit",
    ),
    # longer than a line of the signature block, or a paragraph: printed by every reader
    (
        lambda wh: wh.approve("2024S1", "D", "A" * 201),
        r"--by: dài 201 ký tự, tối đa 200: viết ngắn hơn; không ghi gì / 201 characters, at "
        r"most 200: .* nothing recorded",
    ),
    (
        lambda wh: wh.approve("2024S1", "D", "A", note="x" * 100_000),
        # Vietnamese groups thousands with a dot, English with a comma
        r"--note: dài 100\.000 ký tự, tối đa 2\.000: viết ngắn hơn; không ghi gì / 100,000 "
        r"characters, at most 2,000: ",
    ),
]


@pytest.mark.parametrize(("attempt", "refusal"), REFUSALS)
def test_refusals_say_why_and_write_nothing(wh: Warehouse, attempt: Any, refusal: str) -> None:
    wh.publish(draft())
    wh.publish(draft(inputs=INPUTS_2))
    before = dump(wh)
    with pytest.raises(SignOffRefused, match=refusal):
        attempt(wh)
    assert dump(wh) == before


@pytest.mark.parametrize(
    ("attempt", "refusal"),
    [
        (lambda wh: wh.approve("2024S1", "D", "C"), r"is already approved \(revision 2"),
        (lambda wh: wh.reopen("2024S1", "D", "B", ""), r"--reason: phải ghi lý do mở lại"),
        (lambda wh: wh.reopen("2024S1", "D", None, "why"), r"--by: phải ghi tên người mở lại"),
        (lambda wh: wh.reopen("2024S1", "D", "B", "lý\u2028do"), r"--reason: .*'\\u2028'"),
    ],
)
def test_refusals_of_an_approved_review(wh: Warehouse, attempt: Any, refusal: str) -> None:
    approved(wh)
    before = dump(wh)
    with pytest.raises(SignOffRefused, match=refusal):
        attempt(wh)
    assert dump(wh) == before


def test_a_revision_changed_behind_its_hash_is_not_approved(wh: Warehouse) -> None:
    wh.publish(draft())
    wh.backend.execute("UPDATE snapshot_elements SET value = 9 WHERE org_unit_code = 'D'")
    with pytest.raises(SignOffRefused, match="no longer matches its content_sha256"):
        wh.approve("2024S1", "D", "A")
    assert wh.approvals().is_empty()


# ------------------------------------------------------------------- held reports


def test_a_report_for_an_approved_period_is_held_and_supersedes_nothing(wh: Warehouse) -> None:
    wh.register_intake(batch(Report(org="C1", submitted_at=at(1), values={"E1": 1.0})))
    wh.publish(draft())
    wh.approve("2024S1", "D", "A")
    late = wh.register_intake(
        batch(
            Report(org="C1", submitted_at=at(5), values={"E1": 9.0}),
            Report(org="C2", period="2024Q2"),  # a quarter inside 2024S1
            Report(org="C1", period="2024M07"),  # after the review: not held
            Report(org="C1", issues=[("line 2", "not_a_number")], status="rejected"),
        )
    )
    assert late["status"].to_list() == ["held", "held", "accepted", "rejected"]
    assert statuses(wh)[0] == (1, "accepted")  # the approved figures' report stays
    assert set(wh.accepted_values()["submission_id"]) == {1, 4}
    assert wh.held_reports()["submission_id"].to_list() == [2, 3]


def _reports() -> list[Report]:
    """One unit's May report, then three later ones, arriving in this order: the one
    submitted last arrives first; the third has no submitted_at (received at 4 h)."""
    return [
        Report(org="C1", submitted_at=at(1), received_at=at(1), values={"E1": 1.0}),
        Report(org="C1", submitted_at=at(5), received_at=at(6), values={"E1": 5.0}),
        Report(org="C1", submitted_at=at(3), received_at=at(7), values={"E1": 3.0}),
        Report(org="C1", submitted_at=None, received_at=at(4), values={"E1": 4.0}),
    ]


def test_held_reports_are_taken_in_as_if_accepted_on_arrival(wh: Warehouse, tmp_path: Any) -> None:
    first, *late = _reports()
    wh.register_intake(batch(first))
    wh.publish(draft())
    wh.approve("2024S1", "D", "A")
    for report in late:
        wh.register_intake(batch(report))
    assert [s for _, s in statuses(wh)] == ["accepted", "held", "held", "held"]
    assert wh.release_held() == []  # still approved: nothing to take in
    wh.reopen("2024S1", "D", "B", "báo cáo muộn")
    assert wh.release_held() == [2, 3, 4]
    with open_warehouse(f"duckdb:///{tmp_path / 'never-locked.duckdb'}") as reference:
        for report in _reports():
            reference.register_intake(batch(report))
        assert statuses(wh) == statuses(reference)
    assert [s for _, s in statuses(wh)] == ["superseded", "accepted", "superseded", "superseded"]
    assert wh.accepted_values()["value"].to_list() == [5.0]
    assert wh.release_held() == []


def test_a_report_another_approval_holds_stays_held(wh: Warehouse) -> None:
    wh.publish(draft())
    wh.publish(draft(review_period="2024"))
    wh.approve("2024S1", "D", "A")
    wh.approve("2024", "D", "A")
    wh.register_intake(batch(Report(org="C1", period="2024M05")))
    wh.reopen("2024S1", "D", "B", "báo cáo muộn")
    assert wh.release_held() == []  # the year's approval still holds May
    wh.reopen("2024", "D", "B", "báo cáo muộn")
    assert wh.release_held() == [1]


# ------------------------------------------------------------------- tampering


def test_an_edited_approval_is_found(wh: Warehouse) -> None:
    signed_twice(wh)
    tamper(wh, "UPDATE approvals SET by_name = 'Lê Văn C' WHERE seq = 1")
    assert found(wh) == [(2, "approval")]
    assert "the row was changed after it was recorded" in str(wh.verify()[0])


@pytest.mark.parametrize("seq", [1, 2])
def test_a_sign_off_without_its_time_is_found(wh: Warehouse, seq: int) -> None:
    signed_twice(wh)
    tamper(wh, 'ALTER TABLE approvals ALTER COLUMN "at" DROP NOT NULL')
    tamper(wh, 'UPDATE approvals SET "at" = NULL WHERE seq = $1', [seq])
    assert found(wh) == [(2, "approval"), (2, "approval-rules")]
    action = "approve" if seq == 1 else "reopen"
    assert str(wh.verify()[1]) == (
        f"2024S1 D revision 2: approval-rules: sign-off {seq} ({action} of revision 2 by "
        f"{'Nguyễn Văn A' if seq == 1 else 'Trần Thị B'!r} at no time) has no time"
    )


def test_an_edited_reason_is_found(wh: Warehouse) -> None:
    signed_twice(wh)
    tamper(wh, "UPDATE approvals SET note = 'khác' WHERE action = 'reopen'")
    assert found(wh) == [(2, "approval")]


def test_a_deleted_approval_is_found(wh: Warehouse) -> None:
    signed_twice(wh)
    tamper(wh, "DELETE FROM approvals WHERE seq = 1")
    checks = found(wh)
    assert (3, "approval-chain") in checks  # the numbering: [2, 3]
    assert (2, "approval-chain") in checks  # the reopening's link to the deleted row
    assert (2, "approval-rules") in checks  # a reopening of nothing
    numbering = next(p for p in wh.verify() if "numbered" in p.message)
    assert "sign-offs are numbered [2, 3], not 1..2" in numbering.message


def test_a_deleted_reopening_is_found_by_the_revision_published_after_it(wh: Warehouse) -> None:
    signed_twice(wh)
    tamper(wh, "DELETE FROM approvals WHERE action = 'reopen'")
    problems = wh.verify()
    assert (3, "approval-rules") in [(p.revision, p.check) for p in problems]
    assert any("revision 3 was published at" in p.message for p in problems)


def test_an_approval_repointed_to_another_revision_is_found(wh: Warehouse) -> None:
    signed_twice(wh)
    tamper(wh, "UPDATE approvals SET revision = 1 WHERE seq = 3")
    assert sorted(set(found(wh))) == [
        (1, "approval"),
        (1, "approval-content"),
        (1, "approval-rules"),
    ]
    content = next(p for p in wh.verify() if p.check == "approval-content")
    assert "but revision 1's is" in content.message


def test_a_repointed_and_rehashed_approval_is_still_found(wh: Warehouse) -> None:
    """The forger moves the last approval to revision 1, with revision 1's content hash,
    and hashes the row again: it no longer approves the revision published at its time."""
    signed_twice(wh)
    revision_1 = wh.snapshot("2024S1", "D", 1).header["content_sha256"]
    row = wh.approvals().filter(pl.col("seq") == 3).row(0, named=True)
    forged = {**row, "revision": 1, "content_sha256": revision_1}
    tamper(
        wh,
        "UPDATE approvals SET revision = 1, content_sha256 = $1, sha256 = $2 WHERE seq = 3",
        [revision_1, signoff_sha256(forged)],
    )
    problems = wh.verify()
    # the rows' rules catch it, and the heads log still names the approval of revision 3
    assert [(p.revision, p.check) for p in problems] == [(1, "approval-rules"), (3, "rollback")]
    assert "not the published one at that time (revision 3 was)" in problems[0].message
    assert "records the approve by Nguyễn Văn A" in problems[1].message


def test_a_row_inserted_by_hand_is_checked_like_any_other(wh: Warehouse) -> None:
    """An approver's role may INSERT: a row the commands would refuse is named."""
    approved(wh)
    [first] = wh.approvals().to_dicts()
    row = {**first, "approval_id": 2, "seq": 2, "by_name": "X", "prev_sha256": first["sha256"]}
    row["sha256"] = signoff_sha256(row)
    wh.backend.execute(
        "INSERT INTO approvals VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        [row[name] for name in APPROVALS_SCHEMA],
    )
    problems = wh.verify()
    assert [(p.revision, p.check) for p in problems] == [(2, "approval-rules")]
    assert "while sign-off 1 (approve of revision 2" in problems[0].message


# ------------------------------------------------------------------- PostgreSQL


@pytest.fixture
def pg(postgres_url: str) -> Iterator[Warehouse]:
    with open_warehouse(postgres_url) as wh:
        yield wh


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE approvals SET note = 'x'",
        "DELETE FROM approvals",
        "TRUNCATE approvals",
    ],
)
def test_postgresql_refuses_to_change_an_approval_even_to_its_owner(
    pg: Warehouse, statement: str
) -> None:
    approved(pg)
    before = dump(pg)
    with pytest.raises(WarehouseError, match=r"approvals are never changed: \w+ refused"):
        pg.backend.execute(statement)
    assert dump(pg) == before


def _waiting_for_advisory_locks(request: pytest.FixtureRequest, count: int) -> None:
    admin = postgres_admin(request.config)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        [(waiting,)] = admin.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        ).fetchall()
        if waiting >= count:
            return
        time.sleep(0.05)
    pytest.fail(f"fewer than {count} sign-offs came to wait for the lock")


@pytest.mark.postgres
def test_two_approvals_at_once_give_one_approval_and_one_refusal(
    postgres_url: str, request: pytest.FixtureRequest
) -> None:
    """Both checked the revision and entered their transactions while an intake held
    the lock; released together, one approves and the other is told it is done."""
    with open_warehouse(postgres_url) as wh:
        receive(wh, INPUTS_3)
        wh.publish(draft())
    start = threading.Barrier(2)

    def approve(name: str) -> Any:
        with open_warehouse(postgres_url) as wh:
            start.wait()
            try:
                return wh.approve("2024S1", "D", name)
            except SignOffRefused as refused:
                return refused

    with open_warehouse(postgres_url) as intake, ThreadPoolExecutor(2) as pool:
        with intake.backend.transaction():
            intake.backend.lock("intake")
            results = pool.map(approve, ["Nguyễn Văn A", "Trần Thị B"])
            _waiting_for_advisory_locks(request, 2)
        outcomes = list(results)
    refused = [r for r in outcomes if isinstance(r, SignOffRefused)]
    signed = [r for r in outcomes if not isinstance(r, SignOffRefused)]
    assert len(signed) == len(refused) == 1
    assert f"is already approved (revision 1, {signed[0].by_name}" in str(refused[0])
    with open_warehouse(postgres_url) as wh:
        assert wh.approvals()["by_name"].to_list() == [signed[0].by_name]
        assert wh.verify() == []
