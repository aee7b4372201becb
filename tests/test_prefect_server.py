"""The team's setup for real: `prefect server start` on a free loopback port with its own
PREFECT_HOME, a process work pool, `prefect deploy --all` from prefect.yaml, the example
automation, a six-month review date run by a worker (`--run-once`), checked through the
API, and the flow run's page in the Prefect UI in headless Chromium.

The README's "Running on a Prefect server" section is these commands.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parents[1]
EXAMPLE = ROOT / "examples" / "giong_trom_2024"
SCREENSHOT = ROOT / "docs" / "prefect-ui-review.png"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTICLE_SUMMARY = (
    "thực hiện vượt 2/31 chỉ tiêu; cơ bản đạt 4/31 chỉ tiêu; 15/31 chỉ tiêu đạt từ 50% "
    "trở lên; 7/31 chỉ tiêu đạt dưới 50%, trong đó có 2 chỉ tiêu chưa thực hiện; "
    "3/31 chỉ tiêu đánh giá vào cuối năm"
)
PREFECT = [sys.executable, "-m", "prefect"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop(process: subprocess.Popen[bytes]) -> None:
    """End a process we started and everything it started (its own process group)."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def run(
    args: list[str], env: dict[str, str], log: Path, cwd: Path = ROOT, timeout: float = 300
) -> str:
    """A command in its own process group, killed with its children on timeout."""
    with log.open("ab") as out:
        out.write(f"\n$ {' '.join(args)}\n".encode())
        out.flush()
        process = subprocess.Popen(
            args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        began = time.monotonic()
        try:
            code = process.wait(timeout=timeout)
        finally:
            stop(process)
        out.write(f"[{time.monotonic() - began:.1f} s]\n".encode())
    text = log.read_text("utf-8", errors="replace")
    if code != 0:
        raise AssertionError(f"{' '.join(args)} exited {code}:\n{text[-4000:]}")
    return text


class Webhook(http.server.BaseHTTPRequestHandler):
    """Stands in for the team's chat: collects what the automation sends."""

    received: list[dict[str, Any]] = []  # noqa: RUF012

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).received.append(json.loads(body or b"{}"))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def webhook() -> Iterator[str]:
    Webhook.received = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Webhook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/notify"
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """`prefect server start` with its own home; the environment to talk to it."""
    folder = tmp_path_factory.mktemp("prefect-server")
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CHITIEU_"))} | {
        "PREFECT_HOME": str(folder / "prefect-home"),
        "PREFECT_API_URL": api,
        "PREFECT_UI_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "CHITIEU_HOME": str(folder / "district"),  # the worker's data folder
    }
    log = folder / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [*PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the Prefect server did not start:\n{log.read_text()}")
            time.sleep(0.5)
        yield {"api": api, "ui": api.removesuffix("/api"), "env": env, "folder": folder}
    finally:
        stop(server)


@pytest.fixture(scope="module")
def deployed(prefect_server: dict[str, Any], webhook: str) -> dict[str, Any]:
    """The district's data folder, the work pool, every deployment, the example
    automation, and one six-month review date run by a worker."""
    env, folder = prefect_server["env"], prefect_server["folder"]
    district = Path(env["CHITIEU_HOME"])
    shutil.copytree(EXAMPLE / "config", district / "config")
    shutil.copytree(EXAMPLE / "submissions", district / "inbox")
    log = folder / "commands.log"
    started = time.monotonic()

    run([*PREFECT, "work-pool", "create", "chitieu", "--type", "process"], env, log)
    run([*PREFECT, "--no-prompt", "deploy", "--all"], env, log)
    automation = create_automation(env, folder, webhook, log)
    # a run scheduled for 19 June 2024, 07:00 UTC: its review period must come out 2024S1
    run(
        [
            *PREFECT,
            "deployment",
            "run",
            "chitieu-review-date/six-month",
            "--start-at",
            "2024-06-19 07:00",
        ],
        env,
        log,
    )
    worker_log = folder / "worker.log"
    run([*PREFECT, "worker", "start", "--pool", "chitieu", "--run-once"], env, worker_log)
    return {
        **prefect_server,
        "district": district,
        "automation": automation,
        "worker_log": worker_log.read_text("utf-8", errors="replace"),
        "seconds": time.monotonic() - started,
    }


def create_automation(
    env: dict[str, str], folder: Path, webhook: str, log: Path, name: str = "report-rejected"
) -> str:
    """automations/<name>.yaml, pointed at a webhook notification block."""
    from prefect.blocks.notifications import CustomWebhookNotificationBlock
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: env["PREFECT_API_URL"]}):
        block_id = CustomWebhookNotificationBlock(
            name="chitieu-team",
            url=webhook,
            json_data={"subject": "{{subject}}", "body": "{{body}}"},
        ).save("chitieu-team", overwrite=True)
    text = (ROOT / "automations" / f"{name}.yaml").read_text("utf-8")
    automation = folder / f"{name}.yaml"
    automation.write_text(text.replace("NOTIFY_BLOCK_ID", str(block_id)), "utf-8")
    run([*PREFECT, "automation", "create", "--from-file", str(automation)], env, log)
    return str(yaml.safe_load(text)["name"])


def api_post(api: str, path: str, body: dict[str, Any]) -> Any:
    response = httpx.post(f"{api}{path}", json=body, timeout=30)
    response.raise_for_status()
    return response.json()


def flow_run(api: str, name: str) -> dict[str, Any]:
    [found] = api_post(api, "/flow_runs/filter", {"flow_runs": {"name": {"any_": [name]}}})
    return dict(found)


def artifacts(api: str, flow_run_id: str) -> dict[str | None, dict[str, Any]]:
    found = api_post(
        api, "/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [flow_run_id]}}}
    )
    return {a["key"]: a for a in found if a["type"] != "result"}


def test_the_scheduled_review_date_ran_intake_then_review(deployed: dict[str, Any]) -> None:
    api = deployed["api"]
    parent = flow_run(api, "review-date-2024S1-834")  # the period came from the schedule
    assert parent["state"]["type"] == "COMPLETED", deployed["worker_log"][-4000:]
    intake = flow_run(api, "intake-2024M06-834")
    review = flow_run(api, "review-2024S1-834")
    for child in (intake, review):
        assert child["state"]["type"] == "COMPLETED"
        assert child["parent_task_run_id"] is not None
    assert {"chitieu", "review", "period:2024S1", "unit:834"} <= set(review["tags"])
    # the review held its period's lock and gave it back
    [lock] = [
        limit
        for limit in api_post(api, "/v2/concurrency_limits/filter", {})
        if limit["name"] == "chitieu-review-2024s1-834"
    ]
    assert (lock["limit"], lock["active_slots"]) == (1, 0)
    assert (deployed["district"] / "warehouse.duckdb").is_file()
    assert (deployed["district"] / "warehouse.reports" / "2024S1-834-vi.md").is_file()


def test_the_runs_carry_their_artifacts(deployed: dict[str, Any]) -> None:
    api = deployed["api"]
    review = artifacts(api, flow_run(api, "review-2024S1-834")["id"])
    assert ARTICLE_SUMMARY in review["review-2024s1-834"]["data"]
    assert review["review-2024s1-834-indicators"]["type"] == "table"
    assert "2024S1-834-vi.md" in review["review-2024s1-834-report"]["data"]
    intake = artifacts(api, flow_run(api, "intake-2024M06-834")["id"])
    assert "29017" in intake["intake-2024m06-834-rejected"]["data"]
    assert intake[None]["type"] == "progress"
    assert intake[None]["data"] == 100.0


def test_every_deployment_is_scheduled_in_vietnam_time(deployed: dict[str, Any]) -> None:
    api = deployed["api"]
    found = api_post(api, "/deployments/filter", {})
    assert {d["name"] for d in found} == {"monthly", "six-month", "year-end", "rerun"}
    crons = {
        d["name"]: [(s["schedule"]["cron"], s["schedule"]["timezone"]) for s in d["schedules"]]
        for d in found
    }
    assert crons["six-month"] == [("0 7 19 6 *", "Asia/Ho_Chi_Minh")]
    assert crons["year-end"] == [("0 7 19 12 *", "Asia/Ho_Chi_Minh")]
    assert crons["monthly"] == [("0 7 19 1-5,7-11 *", "Asia/Ho_Chi_Minh")]
    # the server puts the runs of the next 100 days on the calendar, at 07:00 in Hồ Chí
    # Minh City: always a monthly intake, and a review date when one falls that close
    names = {d["id"]: d["name"] for d in found}
    deadline = time.monotonic() + 90
    while True:
        upcoming = api_post(
            api, "/flow_runs/filter", {"flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}}}
        )
        scheduled = [(names.get(r["deployment_id"]), r["expected_start_time"]) for r in upcoming]
        if any(name == "monthly" for name, _ in scheduled) or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert any(name == "monthly" for name, _ in scheduled), scheduled
    months = {"monthly": {1, 2, 3, 4, 5, 7, 8, 9, 10, 11}, "six-month": {6}, "year-end": {12}}
    for name, when in scheduled:
        assert when[8:] == "19T00:00:00Z", scheduled  # 07:00 +07:00 is midnight UTC
        assert int(when[5:7]) in months[str(name)], scheduled


def test_events_and_the_automation_reach_the_team(deployed: dict[str, Any]) -> None:
    api = deployed["api"]
    # the server persists events in batches, behind the run that emitted them: wait for it
    deadline = time.monotonic() + 90
    while True:
        published = api_post(
            api, "/events/filter", {"filter": {"event": {"name": ["chitieu.snapshot.published"]}}}
        )["events"]
        if published or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert [e["resource"]["prefect.resource.id"] for e in published] == ["chitieu.org_unit.834"]
    while len(Webhook.received) < 2 and time.monotonic() < deadline:
        time.sleep(1)
    bodies = sorted(json.dumps(m, ensure_ascii=False) for m in Webhook.received)
    assert len(bodies) == 2, bodies
    assert "Xã Bình Hoà" in bodies[0]
    assert "2024M04" in bodies[0]
    assert "chitieu.org_unit.29029" in bodies[1]


def test_the_ui_shows_the_review_summary(deployed: dict[str, Any], tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "make test installs Debian's chromium"
    review = flow_run(deployed["api"], "review-2024S1-834")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(60_000)
            page.goto(f"{deployed['ui']}/runs/flow-run/{review['id']}")
            page.get_by_text("review-2024S1-834").first.wait_for()
            page.get_by_text("Artifacts", exact=True).first.click()
            card = page.get_by_text("review-2024s1-834", exact=True)
            card.wait_for()
            page.screenshot(path=tmp_path / "flow-run-artifacts.png", full_page=True)
            card.click()
            page.get_by_text("thực hiện vượt 2/31 chỉ tiêu").first.wait_for()
            page.get_by_text("Vượt", exact=True).first.wait_for()
            page.wait_for_load_state("networkidle")
            page.screenshot(path=tmp_path / "prefect-ui-review.png", full_page=True)
        finally:
            browser.close()
    assert (tmp_path / "prefect-ui-review.png").stat().st_size > 10_000
    if not SCREENSHOT.exists() or os.environ.get("CHITIEU_UPDATE_SCREENSHOT") == "1":
        SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(tmp_path / "prefect-ui-review.png", SCREENSHOT)


def test_missing_reports_reach_the_team(
    deployed: dict[str, Any], webhook: str, tmp_path: Path
) -> None:
    """automations/report-missing.yaml: an intake of July in which Xã Hưng Lễ (29047) sent
    nothing, run from the command line against the server after July's due date, emits
    one chitieu.report.missing for it, and the automation tells the team's webhook."""
    env, folder = deployed["env"], deployed["folder"]
    before = len(Webhook.received)
    url = deployed["ui"].removesuffix("/") + "/api"
    create_automation(env, folder, webhook, folder / "commands.log", "report-missing")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for path in sorted((EXAMPLE / "submissions" / "2024M07").iterdir()):
        if not path.name.startswith("29047"):
            shutil.copy(path, inbox / path.name)
    chitieu = str(Path(sys.executable).with_name("chitieu"))
    output = run(
        [
            chitieu,
            "intake",
            str(inbox),
            "--config",
            str(EXAMPLE / "config"),
            "--warehouse",
            str(tmp_path / "w.duckdb"),
            "--month",
            "2024M07",
        ],
        env | {"PREFECT_API_URL": url},
        tmp_path / "intake.log",
    )
    assert "21 tệp / files" in output
    deadline = time.monotonic() + 90
    while True:
        missing = api_post(
            url, "/events/filter", {"filter": {"event": {"name": ["chitieu.report.missing"]}}}
        )["events"]
        if missing or time.monotonic() > deadline:
            break
        time.sleep(1)
    [event] = missing
    assert event["resource"]["prefect.resource.id"] == "chitieu.org_unit.29047"
    assert event["resource"]["chitieu.period"] == "2024M07"
    assert event["resource"]["chitieu.due"] == "2024-07-16"
    while len(Webhook.received) <= before and time.monotonic() < deadline:
        time.sleep(1)
    bodies = [json.dumps(m, ensure_ascii=False) for m in Webhook.received[before:]]
    assert len(bodies) == 1, bodies
    assert "Xã Hưng Lễ" in bodies[0]
    assert "chưa gửi báo cáo kỳ 2024M07, hạn gửi 2024-07-16" in bodies[0]
