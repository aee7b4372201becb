"""The local Prefect server the commands share (`chitieu.prefect_server`): started by the
first command that runs a flow, reused by the next, found again after a crash left its
pid file behind, sidestepped (temporary mode) when its port is taken, and stopped.

Each test has its own Prefect home and a free loopback port; every server a test starts
is stopped when it ends."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from chitieu.prefect_server import PID_FILE, LocalServer

pytestmark = pytest.mark.slow

EXAMPLE = Path(__file__).parents[1] / "examples" / "giong_trom_2024"
FILES = ("2024M01/28987_2024M01.csv", "2024M01/28993_2024M01.csv")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


class Site:
    """A folder with the example's configuration, two reports and a Prefect home."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.home = root / "prefect-home"
        self.port = free_port()
        shutil.copytree(EXAMPLE / "config", root / "config")
        for name in FILES:
            (root / "inbox").mkdir(exist_ok=True)
            shutil.copy(EXAMPLE / "submissions" / name, root / "inbox")
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("PREFECT_API_URL", "CHITIEU_PREFECT_SERVER", "CHITIEU_WAREHOUSE")
        }
        self.env |= {
            "PREFECT_HOME": str(self.home),
            "CHITIEU_PREFECT_PORT": str(self.port),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        }

    @property
    def server(self) -> LocalServer:
        return LocalServer(self.home, self.port)

    def chitieu(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "chitieu", *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"chitieu {' '.join(args)}:\n{done.stdout}\n{done.stderr}")
        return done

    def pid(self) -> int:
        return int((self.home / PID_FILE).read_text())

    def flow_run_names(self) -> list[str]:
        request = urllib.request.Request(
            f"{self.server.api_url}/flow_runs/filter",
            data=json.dumps({"limit": 50}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            return sorted(run["name"] for run in json.loads(answer.read()))


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    made = Site(tmp_path)
    try:
        yield made
    finally:
        made.chitieu("server", "stop", check=False)


def test_the_first_command_starts_the_server_and_the_next_reuses_it(site: Site) -> None:
    assert site.chitieu("server", "status", check=False).returncode == 3

    first = site.chitieu("intake", "inbox")
    assert f"Prefect UI: {site.server.url}" in first.stderr
    assert "đã khởi động / started" in first.stderr
    pid = site.pid()
    second = site.chitieu("intake", "inbox")
    assert "đang chạy / running" in second.stderr
    assert site.pid() == pid
    assert alive(pid)
    assert "2 tệp / files: 2 trùng lặp / duplicate" in second.stdout

    # both runs are recorded where the UI shows them, and the UI calls this server's API
    # (not Prefect's default port)
    assert len(site.flow_run_names()) == 2
    with urllib.request.urlopen(f"{site.server.url}/ui-settings", timeout=30) as answer:
        assert json.loads(answer.read())["api_url"] == site.server.api_url
    status = site.chitieu("server", "status")
    assert f"running: {site.server.url}  (pid {pid})" in status.stdout
    # the quality gate is kept warm beside it (chitieu.quality.service), and stops with it
    assert "quality gate kept warm: pid " in status.stdout
    gate_pid = int(status.stdout.split("quality gate kept warm: pid ")[1].split()[0])
    assert alive(gate_pid)

    stopped = site.chitieu("server", "stop")
    assert "đã dừng / stopped" in stopped.stdout
    deadline = time.monotonic() + 20
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not alive(pid)
    assert not (site.home / PID_FILE).exists()
    while alive(gate_pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not alive(gate_pid)
    assert not (site.home / "chitieu-gate.sock").exists()
    assert site.chitieu("server", "status", check=False).returncode == 3
    assert "no server was running" in site.chitieu("server", "stop").stdout


def test_a_pid_file_left_by_a_crash_does_not_stop_the_next_command(site: Site) -> None:
    site.chitieu("server", "start")
    crashed = site.pid()
    os.kill(crashed, signal.SIGKILL)  # the server dies without cleaning up
    while alive(crashed):
        time.sleep(0.1)
    assert (site.home / PID_FILE).exists()

    done = site.chitieu("intake", "inbox")
    assert "đã khởi động / started" in done.stderr
    assert site.pid() != crashed
    assert site.server.healthy()

    # a pid file naming a process that is not a Prefect server (a reused pid)
    site.chitieu("server", "stop")
    (site.home / PID_FILE).write_text(str(os.getpid()))
    done = site.chitieu("intake", "inbox")
    assert "đã khởi động / started" in done.stderr
    assert site.pid() != os.getpid()
    assert alive(os.getpid())  # the stranger was left alone


def test_a_port_taken_by_another_program_runs_the_command_in_temporary_mode(
    site: Site,
) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", site.port))
        squatter.listen()
        done = site.chitieu("intake", "inbox")
    assert f"port {site.port} is in use by another program" in done.stderr
    assert "running in Prefect's temporary mode" in done.stderr
    assert "2 tệp / files: 2 chấp nhận / accepted" in done.stdout
    assert not (site.home / PID_FILE).exists()


def test_ephemeral_runs_without_the_local_server(site: Site) -> None:
    done = site.chitieu("intake", "inbox", "--ephemeral")
    assert "Prefect UI" not in done.stderr
    assert "2 tệp / files: 2 chấp nhận / accepted" in done.stdout
    assert not (site.home / PID_FILE).exists()


def test_a_prefect_home_that_is_a_file_is_said_in_one_line(site: Site) -> None:
    site.home.write_text("not a folder")
    for command in (("server", "stop"), ("server", "start"), ("intake", "inbox")):
        done = site.chitieu(*command, check=False)
        assert done.returncode == 1, done.stderr
        assert done.stderr.strip().splitlines() == [
            f"chitieu: Prefect home {site.home} (PREFECT_HOME) không dùng được / cannot be "
            "used: File exists; đặt PREFECT_HOME là một thư mục ghi được / set PREFECT_HOME "
            "to a folder you can write"
        ], command


def test_a_server_of_another_prefect_home_on_the_port_is_said_and_left_running(
    site: Site, tmp_path_factory: pytest.TempPathFactory
) -> None:
    site.chitieu("server", "start")
    owner = site.pid()
    other = Site(tmp_path_factory.mktemp("other-site"))
    other.port = site.port
    other.env["CHITIEU_PREFECT_PORT"] = str(site.port)
    said = "a Prefect server this Prefect home did not start answers at"
    try:
        started = other.chitieu("server", "start")
        assert said in started.stdout
        assert "pid None" not in started.stdout
        status = other.chitieu("server", "status")
        assert said in status.stdout
    finally:  # its gate kept warm, which its start began, ends with its stop
        stopped = other.chitieu("server", "stop")
    assert "was not started from" in stopped.stdout
    assert alive(owner)
    assert site.server.healthy()
