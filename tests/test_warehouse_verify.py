"""`verify` names every revision whose rows, chain, numbering or status were tampered with."""

from __future__ import annotations

import pytest
from warehouse_fixtures import draft, receive, warehouse_url_fixture, wh_fixture  # noqa: F401

from chitieu.errors import SignOffRefused
from chitieu.warehouse import Warehouse

INPUTS_2 = ((1, "a" * 64, "C1", "2024M05"), (2, "b" * 64, "C2", "2024M05"))
INPUTS_3 = (*INPUTS_2, (3, "e" * 64, "C3", "2024M05"))


def three_revisions(wh: Warehouse) -> None:
    receive(wh, INPUTS_3)
    wh.publish(draft())
    wh.publish(draft(inputs=INPUTS_2))
    wh.publish(draft(inputs=INPUTS_3))
    wh.publish(draft(root="D2"))


def found(wh: Warehouse) -> list[tuple[str, str, int, str]]:
    return [(p.review_period, p.root_org_unit, p.revision, p.check) for p in wh.verify()]


def test_an_untouched_warehouse_verifies(wh: Warehouse) -> None:
    assert wh.verify() == []
    three_revisions(wh)
    assert wh.verify() == []


def test_an_edited_value_names_its_revision(wh: Warehouse) -> None:
    three_revisions(wh)
    wh.backend.execute(
        "UPDATE snapshot_elements SET value = value + 1 "
        "WHERE snapshot_id = (SELECT snapshot_id FROM snapshots "
        "WHERE root_org_unit = 'D' AND revision = 2) AND org_unit_code = 'D'"
    )
    assert found(wh) == [("2024S1", "D", 2, "content")]
    assert "changed after publication" in str(wh.verify()[0])


def test_a_deleted_or_added_row_is_found(wh: Warehouse) -> None:
    three_revisions(wh)
    wh.backend.execute("DELETE FROM snapshot_indicators WHERE snapshot_id = 1")
    wh.backend.execute("INSERT INTO snapshot_elements VALUES (3, 'X', 'E1', NULL)")
    assert found(wh) == [("2024S1", "D", 1, "content"), ("2024S1", "D", 3, "content")]


def test_an_edited_input_breaks_both_hashes(wh: Warehouse) -> None:
    three_revisions(wh)
    wh.backend.execute("UPDATE snapshot_inputs SET period = '2024M04' WHERE snapshot_id = 1")
    assert found(wh) == [("2024S1", "D", 1, "content"), ("2024S1", "D", 1, "inputs")]


def test_an_edited_header_field_is_found(wh: Warehouse) -> None:
    three_revisions(wh)
    wh.backend.execute("UPDATE snapshots SET completeness = 1.0 WHERE snapshot_id = 3")
    assert found(wh) == [("2024S1", "D", 3, "content")]


def test_a_rewritten_prev_hash_is_a_chain_break(wh: Warehouse) -> None:
    three_revisions(wh)
    wh.backend.execute(
        "UPDATE snapshots SET prev_content_sha256 = $1 WHERE snapshot_id = 3", ["f" * 64]
    )
    checks = found(wh)
    assert ("2024S1", "D", 3, "chain") in checks
    chain = next(p for p in wh.verify() if p.check == "chain")
    assert "revision 2's content_sha256" in chain.message


def test_a_rehashed_forgery_still_breaks_the_chain(wh: Warehouse) -> None:
    """Editing revision 2 and fixing its own content hash leaves revision 3 pointing at the
    old one, and the heads log naming it."""
    from chitieu.warehouse.hashing import content_sha256

    three_revisions(wh)
    wh.backend.execute("UPDATE snapshot_elements SET value = 0 WHERE snapshot_id = 2")
    forged = wh.snapshot("2024S1", "D", revision=2)
    rehash = content_sha256(forged.header, forged.indicators, forged.elements, forged.inputs)
    wh.backend.execute("UPDATE snapshots SET content_sha256 = $1 WHERE snapshot_id = 2", [rehash])
    assert found(wh) == [("2024S1", "D", 3, "chain"), ("2024S1", "D", 2, "rollback")]


def test_a_gap_and_a_wrong_status_are_found(wh: Warehouse) -> None:
    three_revisions(wh)
    wh.backend.execute("DELETE FROM snapshots WHERE snapshot_id = 2")
    wh.backend.execute("UPDATE snapshots SET status = 'published' WHERE snapshot_id = 1")
    checks = found(wh)
    assert ("2024S1", "D", 3, "numbering") in checks
    assert ("2024S1", "D", 1, "status") in checks
    assert ("2024S1", "D", 3, "chain") in checks
    assert all(root == "D" for _, root, _, _ in checks)


def without_checks(wh: Warehouse) -> None:
    """An owner who drops PostgreSQL's CHECK on content_version first (DuckDB has none)."""
    if wh.backend.dialect == "postgresql":
        wh.backend.execute("ALTER TABLE snapshots DROP CONSTRAINT snapshots_content_version_check")


def test_an_unknown_content_version_is_a_problem_of_its_revision(wh: Warehouse) -> None:
    three_revisions(wh)
    without_checks(wh)
    wh.backend.execute(
        "UPDATE snapshots SET content_version = content_version + 1 WHERE snapshot_id = 2"
    )
    assert found(wh) == [("2024S1", "D", 2, "content")]
    [problem] = wh.verify()
    assert problem.message == (
        "its content_version 5 is no definition of content_sha256 (known: 1, 2, 3, 4): its rows "
        "cannot be hashed; the header was changed after publication"
    )
    wh.backend.execute("UPDATE snapshots SET content_version = -5 WHERE snapshot_id = 2")
    assert "its content_version -5 is no definition" in wh.verify()[0].message


def test_a_revision_of_an_unknown_content_version_is_not_approved(wh: Warehouse) -> None:
    wh.publish(draft())
    without_checks(wh)
    wh.backend.execute("UPDATE snapshots SET content_version = 7")
    with pytest.raises(SignOffRefused, match="no longer matches its content_sha256"):
        wh.approve("2024S1", "D", "A")
    assert wh.approvals().is_empty()


def null_allowed(wh: Warehouse, table: str, column: str) -> None:
    """An owner who drops a column's NOT NULL, to store a null in it."""
    wh.backend.execute(f"ALTER TABLE {table} ALTER COLUMN {column} DROP NOT NULL")


@pytest.mark.parametrize("column", ["review_period", "root_org_unit", "revision"])
def test_a_revision_without_its_place_is_a_header_problem(wh: Warehouse, column: str) -> None:
    three_revisions(wh)
    null_allowed(wh, "snapshots", column)
    wh.backend.execute(f"UPDATE snapshots SET {column} = NULL WHERE snapshot_id = 2")
    where = {"review_period": "None D 2", "root_org_unit": "2024S1 None 2"}.get(
        column, "2024S1 D None"
    )
    problems = wh.verify()
    assert str(problems[0]) == (
        f"header: snapshot_id 2 ({where}): {column} null, which the schema does not allow: "
        "the row was changed after publication; it cannot be placed in a chain, nor checked "
        "further"
    )
    # the others of its review: a gap where it was, and the log's revision 2 is missing
    checks = found(wh)
    assert ("2024S1", "D", 3, "numbering") in checks
    assert ("2024S1", "D", 2, "rollback") in checks


def test_a_null_created_at_is_a_header_problem_and_sign_off_still_checks(
    wh: Warehouse,
) -> None:
    three_revisions(wh)
    wh.approve("2024S1", "D", "Nguyễn Văn A")
    null_allowed(wh, "snapshots", "created_at")
    wh.backend.execute("UPDATE snapshots SET created_at = NULL WHERE snapshot_id = 3")
    problems = [str(p) for p in wh.verify()]
    assert problems[0] == (
        "2024S1 D revision 3: header: created_at null, which the schema does not allow: the "
        "row was changed after publication"
    )
    assert problems[1].startswith(
        "2024S1 D revision 3: header: its created_at is None; the heads log (line "
    )
    assert len(problems) == 2  # the sign-off's timeline is not judged without the time
