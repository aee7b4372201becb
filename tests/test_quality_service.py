"""The quality gate kept warm beside the local server (`chitieu.quality.service`):
reachable only by its owner with its key, reused by a second start, not used where
nothing runs or in temporary mode, and stopped with nothing left behind. Its verdicts,
the same as in the command's own process, are tested with the command's own worker's
(`test_quality_worker`)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from chitieu.quality import worker
from chitieu.quality.service import (
    KEY_FILE,
    PID_FILE,
    SOCKET_FILE,
    SOCKET_PATH_BYTES,
    GateService,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GateService]:
    home = tmp_path_factory.mktemp("prefect-home")
    started = GateService(home)
    assert started.start()
    try:
        yield started
    finally:
        started.stop()


def test_the_gate_answers_only_its_owner_with_its_key(service: GateService) -> None:
    for name in (SOCKET_FILE, KEY_FILE):
        assert stat.S_IMODE((service.home / name).stat().st_mode) == 0o600
    stranger = GateService(service.home)
    key = service.home / KEY_FILE
    kept = key.read_text()
    try:
        key.write_text("00" * 32)  # a client without the key is refused: not used
        assert stranger.connect() is None
    finally:
        key.write_text(kept)
    assert stranger.connect() is not None


def test_the_gate_says_when_great_expectations_is_imported(service: GateService) -> None:
    deadline = time.monotonic() + 60
    while not service.ready() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert service.ready()
    assert f"(pid {service.pid()})" in service.log_path.read_text(encoding="utf-8")
    assert not GateService(service.home / "elsewhere").ready()


def test_a_second_start_reuses_the_running_gate(service: GateService) -> None:
    pid = service.pid()
    assert not service.start()
    assert service.pid() == pid


def test_without_a_gate_kept_warm_a_command_starts_its_own_worker(
    service: GateService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CHITIEU_PREFECT_SERVER", raising=False)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path))
    assert worker._kept_warm() is None  # nothing runs under this home
    monkeypatch.setenv("PREFECT_HOME", str(service.home))
    found = worker._kept_warm()
    assert isinstance(found, worker.ServiceWorker)  # one runs under this one
    found.close()
    monkeypatch.setenv("CHITIEU_PREFECT_SERVER", "ephemeral")
    assert worker._kept_warm() is None  # a temporary server's command keeps nothing warm


def test_stop_leaves_nothing_behind(tmp_path: Path) -> None:
    gate = GateService(tmp_path)
    assert gate.start()
    pid = gate.pid()
    assert pid is not None
    assert gate.stop()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the gate service did not stop")
    assert not any((tmp_path / name).exists() for name in (SOCKET_FILE, KEY_FILE))
    assert gate.connect() is None
    assert not gate.stop()


def test_a_gate_under_a_deep_prefect_home_is_kept_warm_too(tmp_path: Path) -> None:
    """A Unix socket's path holds 107 bytes: under a deeper home the socket goes to the
    user's own folder in the temporary folder, named after the home, still 0600."""
    home = tmp_path / ("a-long-folder-name-" * 6) / "prefect-home"
    assert len(os.fsencode(home / SOCKET_FILE)) > SOCKET_PATH_BYTES
    gate = GateService(home)
    assert gate.socket_path.parent != home
    assert stat.S_IMODE(gate.socket_path.parent.stat().st_mode) == 0o700
    assert gate.start()
    try:
        assert GateService(home).socket_path == gate.socket_path  # every command finds it
        assert stat.S_IMODE(gate.socket_path.stat().st_mode) == 0o600
        connection = gate.connect()
        assert connection is not None
        connection.close()
    finally:
        assert gate.stop()
    assert not gate.socket_path.exists()


def posing_as_a_gate(home: Path) -> subprocess.Popen[bytes]:
    """A process in its own session whose command line reads like the gate of ``home``."""
    sleep = "import time; time.sleep(60)"
    command = [sys.executable, "-c", sleep, "chitieu.quality.service", "--home", str(home)]
    posing = subprocess.Popen(command, start_new_session=True)
    deadline = time.monotonic() + 10
    cmdline = Path(f"/proc/{posing.pid}/cmdline")
    while b"chitieu.quality.service" not in cmdline.read_bytes():  # not yet exec'd
        assert time.monotonic() < deadline
        time.sleep(0.01)
    return posing


def test_a_pid_file_naming_another_process_stops_nothing(tmp_path: Path) -> None:
    """After a reboot the gate's pid file may name anyone's process: neither `stop` nor
    `start` (which stops a stale gate first) may signal it, nor its process group; a
    gate of another Prefect home is not this home's either."""
    strangers = [
        subprocess.Popen(["sleep", "60"], start_new_session=True),
        posing_as_a_gate(tmp_path / "other-home"),
    ]
    try:
        for stranger in strangers:
            (tmp_path / PID_FILE).write_text(str(stranger.pid), encoding="ascii")
            gate = GateService(tmp_path)
            assert gate.pid() is None
            assert not gate.stop()
            time.sleep(0.2)
            assert stranger.poll() is None, "a process that is not this home's gate was ended"
        this_homes = posing_as_a_gate(tmp_path)
        (tmp_path / PID_FILE).write_text(str(this_homes.pid), encoding="ascii")
        assert GateService(tmp_path).pid() == this_homes.pid
        assert GateService(tmp_path).stop()
        assert this_homes.wait(timeout=15) is not None
    finally:
        for stranger in strangers:
            stranger.kill()
            stranger.wait()
