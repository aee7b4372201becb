"""The report of an approved revision, through the command line on the example: the
committee approves revision 2 of 2024S1 (`chitieu approve --by --title --note`); its Word
document is signed by the approver, its Markdown and JSON name the approval; revision 1's
are not; a reopening leaves the signed revision signed; a name typed with control
characters is printed escaped, and the Word file is still written."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from example_fixtures import CONFIG_DIR, build_example

from chitieu.cli import cli
from chitieu.errors import SignOffRefused

APPROVER = "Trần Thị B"
TITLE = "Phó Bí thư Thường trực"
NOTE = "Hội nghị Ban Thường vụ ngày 17/6/2024"
WHEN = re.compile(r"\d\d/\d\d/\d{4} \d\d:\d\d")


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The example in DuckDB: 2024S1 published twice (revision 2 takes a correction)."""
    folder = tmp_path_factory.mktemp("report-signoff")
    url = f"duckdb:///{folder / 'warehouse.duckdb'}"
    build_example(url, folder)
    return url


def chitieu(url: str, *args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "--config", str(CONFIG_DIR), "--warehouse", url])
    assert result.exit_code == 0, result.output
    return result.output


def signer(url: str, folder: Path, revision: int) -> list[str]:
    """The signature block of ``chitieu report 2024S1 --format docx`` of ``revision``."""
    path = folder / f"rev{revision}.docx"
    chitieu(url, "report", "2024S1", "--revision", str(revision), "--format", "docx",
            "-o", str(path), "--date", "2024-06-17")  # fmt: skip
    document = docx.Document(str(path))
    table = next(t for t in document.tables if t.cell(0, 0).text.startswith("Nơi nhận:"))
    return [line for line in table.rows[0].cells[1].text.splitlines() if line]


def markdown(url: str, revision: int) -> str:
    return chitieu(url, "report", "2024S1", "--revision", str(revision))


def approval_json(url: str, revision: int) -> object:
    text = chitieu(url, "report", "2024S1", "--revision", str(revision), "--format", "json")
    return json.loads(text)["approval"]


def test_the_approver_signs_the_document_of_the_revision_they_approved(
    url: str, tmp_path: Path
) -> None:
    assert signer(url, tmp_path, 2) == ["T/M BAN THƯỜNG VỤ", "BÍ THƯ", "Nguyễn Văn A"]
    assert "Phê duyệt" not in markdown(url, 2)
    assert approval_json(url, 2) is None

    chitieu(url, "approve", "2024S1", "--revision", "2", "--by", APPROVER, "--title", TITLE,
            "--note", NOTE)  # fmt: skip

    assert signer(url, tmp_path, 2) == ["T/M BAN THƯỜNG VỤ", TITLE.upper(), APPROVER]
    line = next(line for line in markdown(url, 2).splitlines() if "Phê duyệt" in line)
    assert re.fullmatch(rf"- Phê duyệt: {APPROVER}, {TITLE} \({WHEN.pattern}\) — {NOTE}", line)
    found = approval_json(url, 2)
    assert isinstance(found, dict)
    assert (found["approved_by"], found["approved_title"]) == (APPROVER, TITLE)
    assert found["approved_note"] == NOTE
    assert dt.datetime.fromisoformat(found["approved_at"]).utcoffset() == dt.timedelta(0)
    english = chitieu(url, "report", "2024S1", "--revision", "2", "--lang", "en")
    assert f"- Approved: {APPROVER}, {TITLE} (" in english
    # revision 1 was never approved: its documents keep the catalog's signer
    assert signer(url, tmp_path, 1) == ["T/M BAN THƯỜNG VỤ", "BÍ THƯ", "Nguyễn Văn A"]
    assert "Phê duyệt" not in markdown(url, 1)
    assert approval_json(url, 1) is None

    # a reopening does not unsign what was signed: revision 2's document stays the approver's
    chitieu(url, "reopen", "2024S1", "--by", APPROVER, "--reason", "Xã Phong Nẫm gửi lại")
    assert signer(url, tmp_path, 2) == ["T/M BAN THƯỜNG VỤ", TITLE.upper(), APPROVER]

    # a name typed with a terminal escape, a title with a newline: refused, never signed
    # (they would stay in the chain for good); the document stays the approver's
    for by, title in (("Lê Văn C\x1b[2J", "Bí thư"), ("Lê Văn C", "Bí thư\nhuyện")):
        refused = CliRunner().invoke(
            cli,
            [
                *("approve", "2024S1", "--by", by, "--title", title),
                *("--config", str(CONFIG_DIR), "--warehouse", url),
            ],
        )
        assert isinstance(refused.exception, SignOffRefused)
        assert "nothing recorded" in str(refused.exception)
    assert signer(url, tmp_path, 2) == ["T/M BAN THƯỜNG VỤ", TITLE.upper(), APPROVER]
    assert approval_json(url, 2)["approved_by"] == APPROVER  # type: ignore[index]
