"""Sign-off against a careless or hostile user, on DuckDB and PostgreSQL: `approve` and
`reopen` aimed at a warehouse that is not there make none; an approval never signs a
revision that the heads log or the warehouse itself says is not the published one (the
owner rewrote a revision's rows with its hash, or removed the newest revision)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from example_fixtures import CONFIG_DIR
from tampering_fixtures import Tampered, tampered_fixture  # noqa: F401
from warehouse_fixtures import warehouse_url_fixture  # noqa: F401

from chitieu.cli import cli
from chitieu.errors import SignOffRefused, WarehouseError
from chitieu.warehouse.hashing import content_sha256

REFUSED = 1  # SignOffRefused: the exit code of every sign-off refusal


@pytest.mark.parametrize(
    "command",
    [
        ["approve", "2024S1", "--by", "Nguyễn Văn A"],
        ["reopen", "2024S1", "--by", "Nguyễn Văn A", "--reason", "Xã gửi lại báo cáo"],
    ],
)
def test_a_mistyped_warehouse_is_refused_not_created(tmp_path: Path, command: list[str]) -> None:
    """A typo in --warehouse used to leave a new, empty warehouse file behind ("nothing
    published to approve; nothing recorded"), which the next command then took for the
    team's."""
    typo = tmp_path / "kho-typo.duckdb"
    result = CliRunner().invoke(
        cli, [*command, "--config", str(CONFIG_DIR), "--warehouse", str(typo)]
    )
    assert isinstance(result.exception, WarehouseError), result.output
    assert result.exception.exit_code == 3  # what the command line exits with
    assert str(result.exception).startswith(f"không có kho dữ liệu ở {typo}: ")
    assert f" / no warehouse at {typo}: " in str(result.exception)
    assert list(tmp_path.iterdir()) == []


def approve(tampered: Tampered) -> Result:
    return tampered.run("approve", "2024S1", "--by", "Nguyễn Văn A")


def refused(result: Result, *words: str) -> None:
    """Refused in one line (exit 1 on the command line), saying ``words``."""
    assert isinstance(result.exception, SignOffRefused), result.output
    assert result.exception.exit_code == REFUSED
    message = str(result.exception)
    assert "\n" not in message
    assert all(word in message for word in words), message
    assert message.endswith("nothing recorded")
    vietnamese = message.partition(" / ")[0]  # what an officer reads says it too
    assert "không ghi gì" in vietnamese, vietnamese


def no_signoff(tampered: Tampered) -> None:
    with tampered.open() as wh:
        assert wh.approvals().is_empty()


def test_a_revision_rewritten_with_its_hash_is_not_approved(tampered: Tampered) -> None:
    """An owner raises the district's figure and writes the new content_sha256 into the
    header: the revision agrees with its own hash, and only the heads log remembers what
    was published. Before, approve signed the forged figures and verify found them after."""
    latest = tampered.published[1]
    tampered.execute(
        "UPDATE snapshot_indicators SET actual = actual + 50 WHERE snapshot_id = $1",
        latest.snapshot_id,
    )
    with tampered.open() as wh:
        read = wh.snapshot("2024S1", "D", 2)
        forged = content_sha256(read.header, read.indicators, read.elements, read.inputs)
    tampered.execute(
        "UPDATE snapshots SET content_sha256 = $1 WHERE snapshot_id = $2",
        forged,
        latest.snapshot_id,
    )
    refused(
        approve(tampered),
        "the heads log",
        "disagrees with the warehouse: revision 2:",
        f"records content_sha256 {latest.content_sha256}; the database holds {forged}",
        "chitieu snapshots verify",
        "không khớp với kho ở bản 2; chạy `chitieu snapshots verify` để xem",
    )
    no_signoff(tampered)


def test_a_rolled_back_review_is_not_approved(tampered: Tampered) -> None:
    """Revision 2 removed and revision 1 marked published again: a chain consistent by
    itself, whose approval would sign the figures revision 2 replaced."""
    latest = tampered.published[1].snapshot_id
    for table in ("snapshot_elements", "snapshot_indicators", "snapshot_inputs", "snapshots"):
        tampered.execute(f"DELETE FROM {table} WHERE snapshot_id = $1", latest)
    tampered.execute("UPDATE snapshots SET status = 'published' WHERE revision = 1")
    refused(approve(tampered), "records revision 2", "published revisions were removed")
    no_signoff(tampered)


def test_a_superseded_revision_is_not_approved_as_the_newest(tampered: Tampered) -> None:
    """Revision 2 removed, the heads log too: revision 1, still marked superseded, was
    the newest and approve signed it."""
    latest = tampered.published[1].snapshot_id
    for table in ("snapshot_elements", "snapshot_indicators", "snapshot_inputs", "snapshots"):
        tampered.execute(f"DELETE FROM {table} WHERE snapshot_id = $1", latest)
    tampered.heads_log.unlink()
    refused(
        approve(tampered),
        "the newest revision (1) is not published but superseded",
        "bản mới nhất (1) không phải bản đang công bố mà là 'superseded'",
    )
    no_signoff(tampered)


def test_an_untouched_review_is_approved(tampered: Tampered) -> None:
    result = approve(tampered)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("đã duyệt / approved: 2024S1 D bản / revision 2 — ")
    assert tampered.verify().exit_code == 0


@pytest.mark.parametrize(
    ("option", "blank"),
    [
        ("--by", "\u3164"),  # Hangul filler: a letter (Lo) that prints as a space
        ("--by", "\u2800 \u2800"),  # the empty Braille pattern (So)
        ("--title", "\u115f\u1160"),
        ("--note", "\uffa0"),
    ],
)
def test_an_approval_by_a_blank_name_is_refused(
    tampered: Tampered, option: str, blank: str
) -> None:
    """A name, title or note that prints as nothing was signed: the signature block and
    `snapshots list` named no one."""
    extra = [] if option == "--by" else ["--by", "Nguyễn Văn A"]
    result = tampered.run("approve", "2024S1", *extra, option, blank)
    refused(result, f"{option}: không có chữ hay số nào", "blank characters")
    no_signoff(tampered)


def test_a_reopening_with_a_blank_reason_is_refused(tampered: Tampered) -> None:
    """SPEC §8: a reopening says why. A reason of Hangul fillers said nothing."""
    assert approve(tampered).exit_code == 0
    result = tampered.run("reopen", "2024S1", "--by", "Nguyễn Văn A", "--reason", "\u3164" * 3)
    refused(result, "--reason: không có chữ hay số nào")
    with tampered.open() as wh:
        assert wh.approvals()["action"].to_list() == ["approve"]
