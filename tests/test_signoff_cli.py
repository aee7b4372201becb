"""Sign-off through the command line, on the example, on every backend: the committee
approves revision 2 of 2024S1; Phong Nẫm's late correction is held and the review
publishes nothing; the review is reopened with a reason, revision 3 takes the correction
in, the diff shows the reason; the committee approves again; verify passes, then fails on
tampering.

On PostgreSQL each step runs as the role that does it in real life: the approvals as an
approver (`grant-approver`), the reviews as the warehouse's owner, the auditor's commands
as an auditor (`grant-auditor`). The reviews run their flows on the session's Prefect
test server. The outputs are the README's walk-through: ``CHITIEU_WALKTHROUGH=DIR`` writes
them to ``DIR/signoff-<backend>.txt``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from example_fixtures import CONFIG_DIR, build_example
from prefect_fixtures import prefect_api_url  # noqa: F401
from signoff_fixtures import LATE_NAME, late_correction
from warehouse_fixtures import backend_params, postgres_role, postgres_schema_url, schema_url

from chitieu.cli import cli
from chitieu.warehouse import open_warehouse

pytestmark = pytest.mark.slow
REASON = "Xã Phong Nẫm gửi lại báo cáo tháng 5 sau hội nghị: 7 đảng viên mới, không phải 5"


@dataclass
class Story:
    owner: str
    approver: str
    auditor: str
    backend: str
    folder: Path
    env: dict[str, str]
    steps: dict[str, Result] = field(default_factory=dict)
    transcript: list[str] = field(default_factory=list)

    def run(self, step: str, url: str, *args: str) -> Result:
        """``chitieu ARGS`` in a process of its own, as a user runs it."""
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "chitieu",
                *args,
                "--config",
                str(CONFIG_DIR),
                "--warehouse",
                url,
            ],
            capture_output=True,
            text=True,
            env=self.env,
            cwd=self.folder,
            timeout=300,
            check=False,
        )
        result = Result(done.returncode, done.stdout, done.stderr)
        self.steps[step] = result
        shown = " ".join(f"'{a}'" if " " in a else a for a in args)
        self.transcript.append(f"$ chitieu {shown}\n{result.output}(exit {result.exit_code})\n")
        return result


@dataclass(frozen=True)
class Result:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def _urls(request: pytest.FixtureRequest, folder: Path) -> tuple[str, str, str]:
    """(owner, approver, auditor) URLs of a fresh warehouse; one file for DuckDB."""
    if request.param == "duckdb":
        url = f"duckdb:///{folder / 'warehouse.duckdb'}"
        return url, url, url
    owner, schema = postgres_schema_url(request.config)
    open_warehouse(owner).close()
    approver, auditor = (
        postgres_role(request.config, "duyet"),
        postgres_role(request.config, "kiem_toan"),
    )
    runner = CliRunner()
    for command, role in (("grant-approver", approver), ("grant-auditor", auditor)):
        done = runner.invoke(cli, ["warehouse", command, role, "--warehouse", owner])
        assert done.exit_code == 0, done.output
    return owner, schema_url(schema, user=approver), schema_url(schema, user=auditor)


@pytest.fixture(scope="module", params=backend_params())
def story(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    prefect_api_url: str,  # noqa: F811
) -> Story:
    folder = tmp_path_factory.mktemp(f"signoff-{request.param}")
    env = dict(os.environ, PREFECT_API_URL=prefect_api_url, CHITIEU_DATA_DIR=str(folder / "data"))
    env.pop("CHITIEU_WAREHOUSE", None)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CHITIEU_DATA_DIR", str(folder / "data"))
        owner, approver, auditor = _urls(request, folder)
        build_example(owner, folder)
        story = Story(owner, approver, auditor, request.param, folder, env)
        story.run(
            "approve",
            approver,
            *("approve", "2024S1", "--by", "Nguyễn Văn A"),
            *("--title", "Chủ tịch UBND huyện", "--note", "Hội nghị sơ kết ngày 17/6/2024"),
        )
        story.run("list approved", auditor, "snapshots", "list", "--period", "2024S1")
        story.run("late intake", owner, "intake", str(late_correction(folder)))
        story.run("locked review", owner, "review", "2024S1")
        story.run("dry run", owner, "review", "2024S1", "--dry-run")
        story.run(
            "reopen", approver, "reopen", "2024S1", "--by", "Nguyễn Văn A", "--reason", REASON
        )
        story.run("review", owner, "review", "2024S1")
        story.run("diff", auditor, "snapshots", "diff", "2024S1", "2", "3")
        story.run("approve again", approver, "approve", "2024S1", "--by", "Nguyễn Văn A")
        story.run("list", auditor, "snapshots", "list", "--period", "2024S1")
        story.run("show", auditor, "snapshots", "show", "2024S1", "--revision", "2")
        story.run("verify", auditor, "snapshots", "verify")
    if os.environ.get("CHITIEU_WALKTHROUGH"):  # the README's walk-through, from this run
        out = Path(os.environ["CHITIEU_WALKTHROUGH"]) / f"signoff-{request.param}.txt"
        out.write_text("\n".join(story.transcript), "utf-8")
    return story


def ok(story: Story, step: str) -> str:
    result = story.steps[step]
    assert result.exit_code == 0, (step, result.output)
    return result.output


def test_the_committee_approves_the_published_revision(story: Story) -> None:
    text = ok(story, "approve")
    assert "đã duyệt / approved: 2024S1 834 bản / revision 2 — Nguyễn Văn A, Chủ tịch UBND" in text
    assert "ghi chú / note: Hội nghị sơ kết ngày 17/6/2024" in text
    with open_warehouse(story.owner) as wh:
        revision_2 = wh.snapshot("2024S1", "834", 2).header["content_sha256"]
    assert f"content_sha256 {revision_2}" in text
    listed = ok(story, "list approved").splitlines()
    assert listed[0].endswith("sign-off")
    assert listed[2].split()[:4] == ["2024S1", "834", "2", "published"]
    assert listed[2].endswith(" Nguyễn Văn A")
    assert " approved " in listed[2]


def test_the_late_correction_is_held_and_the_review_publishes_nothing(story: Story) -> None:
    intake = ok(story, "late intake")
    assert "giữ lại, đã duyệt / held, approved" in intake
    assert "[28987 2024M05 (held)]" in intake
    locked = story.steps["locked review"]
    assert locked.exit_code == 5
    assert "2024S1 834 is approved (revision 2, Nguyễn Văn A, Chủ tịch UBND huyện" in locked.output
    assert "kỳ 2024S1 834 đã được duyệt (bản 2" in locked.output
    assert "chitieu reopen 2024S1 --org 834 --by … --reason …" in locked.output


def test_the_dry_run_shows_what_the_held_report_would_change(story: Story) -> None:
    dry = story.steps["dry run"]
    assert dry.exit_code == 5
    assert "báo cáo đang giữ được đưa vào / held reports taken in (1):" in dry.output
    assert "so với bản đã duyệt / against the approved revision:" in dry.output
    assert "2024S1 834: bản / revision 2 (" in dry.output
    assert "834      CT01     104 → 106; 80,00 % → 81,54 %; on_track → on_track" in dry.output
    assert f"{LATE_NAME}  28987 2024M05" in dry.output
    assert "sẽ không công bố / would publish nothing" in dry.output


def test_a_reopening_lets_the_next_review_take_the_held_report_in(story: Story) -> None:
    reopened = ok(story, "reopen")
    assert "đã mở lại / reopened: 2024S1 834 bản / revision 2 — Nguyễn Văn A" in reopened
    assert f"lý do / reason: {REASON}" in reopened
    assert "công bố bản 3 / published revision 3" in ok(story, "review")
    with open_warehouse(story.owner) as wh:
        late = wh.submissions().filter(wh.submissions()["source_name"].str.ends_with(LATE_NAME))
        assert late["status"].to_list() == ["accepted"]
        used = wh.snapshot("2024S1", "834", 3).inputs["submission_id"].to_list()
        assert late["submission_id"].item() in used


def test_the_diff_against_the_approved_revision_gives_the_reason(story: Story) -> None:
    text = ok(story, "diff")
    assert "duyệt / approved: bản / revision 2 — Nguyễn Văn A, Chủ tịch UBND huyện" in text
    assert "mở lại / reopened: bản / revision 2 — Nguyễn Văn A, " in text
    assert f"lý do / reason: {REASON}" in text
    assert "834      CT01     104 → 106" in text


def test_a_second_approval_locks_again_and_everything_verifies(story: Story) -> None:
    assert "bản / revision 3 — Nguyễn Văn A" in ok(story, "approve again")
    rows = [line.split()[:4] for line in ok(story, "list").splitlines()[1:]]
    assert rows == [
        ["2024S1", "834", "1", "superseded"],
        ["2024S1", "834", "2", "superseded"],
        ["2024S1", "834", "3", "published"],
    ]
    listed = ok(story, "list").splitlines()
    assert " reopened " in listed[2]
    assert " approved " in listed[3]
    shown = ok(story, "show")
    assert "approved_by          Nguyễn Văn A, Chủ tịch UBND huyện," in shown
    assert "reopened_by          Nguyễn Văn A, " in shown
    verified = ok(story, "verify")
    assert "3 lần duyệt và mở lại đã kiểm tra, toàn vẹn" in verified
    with open_warehouse(story.owner) as wh:
        assert not wh.approved_reviews().is_empty()


def test_verify_names_a_tampered_approval(story: Story) -> None:
    edit = "UPDATE approvals SET note = $1 WHERE seq = 1"
    with open_warehouse(story.owner) as wh:
        [(note,)] = wh.backend.rows("SELECT note FROM approvals WHERE seq = 1")
        if story.backend == "postgresql":
            wh.backend.execute("ALTER TABLE approvals DISABLE TRIGGER USER")
        wh.backend.execute(edit, ["Hội nghị bất thường"])
    try:
        result = story.run("tampered", story.auditor, "snapshots", "verify")
        assert result.exit_code == 1
        assert (
            "SAI / MISMATCH: 2024S1 834 revision 2: approval: sign-off 1 (approve" in result.output
        )
        assert "the row was changed after it was recorded" in result.output
    finally:
        with open_warehouse(story.owner) as wh:
            wh.backend.execute(edit, [note])
            if story.backend == "postgresql":
                wh.backend.execute("ALTER TABLE approvals ENABLE TRIGGER USER")
    assert story.run("verify again", story.auditor, "snapshots", "verify").exit_code == 0


def _events(api_url: str, name: str, resource: str, timeout: float = 30) -> list[dict[str, Any]]:
    """Events of one name about one resource, once the server has stored some."""
    deadline = time.monotonic() + timeout
    query = {"event": {"name": [name]}, "resource": {"id": [resource]}}
    while True:
        response = httpx.post(
            f"{api_url}/events/filter", json={"filter": query, "limit": 50}, timeout=10
        )
        response.raise_for_status()
        found: list[dict[str, Any]] = response.json()["events"]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(1)


def test_approvals_and_reopenings_are_prefect_events(
    story: Story,
    prefect_api_url: str,  # noqa: F811
) -> None:
    with open_warehouse(story.owner) as wh:
        approval, reopening, _ = wh.approvals("2024S1", "834").to_dicts()
    for name, row in (
        ("chitieu.snapshot.approved", approval),
        ("chitieu.review.reopened", reopening),
    ):
        [event] = [
            e
            for e in _events(prefect_api_url, name, "chitieu.org_unit.834")
            if e["payload"]["sha256"] == row["sha256"]
        ]
        assert event["resource"]["chitieu.period"] == "2024S1"
        assert event["resource"]["chitieu.revision"] == "2"
        assert event["resource"]["prefect.resource.name"] == "Huyện Giồng Trôm"
        assert event["payload"]["by"] == "Nguyễn Văn A"
        related = {r["prefect.resource.id"] for r in event["related"]}
        assert related == {"chitieu.period.2024S1", "chitieu.snapshot.2024S1.834.2"}
    assert event["payload"]["reason"] == REASON
