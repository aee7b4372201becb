"""The quality gate kept warm beside the local Prefect server.

A command's own worker (`chitieu.quality.worker`) overlaps Great Expectations' import
with the command's work, but on a district's example the work is shorter than the
import: the review still waits for it. The data team runs review after review on review
day, so the gate stays imported between them, as the Prefect server stays running: the
local server's start (`chitieu.prefect_server.LocalServer.ensure`, `chitieu server
start`) also starts this service, `chitieu server stop` stops it, and each command that
will run the gate connects to it first thing (`worker.warm`). The suite, its GX project
(with its lock) and its Data Docs are the same; only the process it runs in differs.

The service listens on a Unix socket in the Prefect home (where that path is too long
for a socket, in a folder of the user's own under the temporary folder), its owner's only,
and answers only a client that proves it knows the key beside it (`multiprocessing`'s
HMAC handshake; the key file is the owner's alone too). It serves one command at a time,
each in a thread of its own, one validation at a time. A client uses it only when it
runs the same chitieu (same installation, same source files): after an upgrade a stale
service is simply not used, and the next server start replaces it. Where there is no
service, or it does not answer, the command starts its own worker as before.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import secrets
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from multiprocessing.connection import Client, Connection, Listener
from pathlib import Path
from typing import Any, Final

SOCKET_FILE: Final = "chitieu-gate.sock"
KEY_FILE: Final = "chitieu-gate.key"
PID_FILE: Final = "chitieu-gate.pid"
LOG_FILE: Final = "chitieu-gate.log"
READY_LINE: Final = "chitieu-gate ready: Great Expectations imported"
"""What the service writes to its log once GX is imported (until then, a command that
connects has its frame validated when the import is done)."""
HANDSHAKE_SECONDS: Final = 5.0
"""How long a command waits for a service's answer to hello before starting its own worker."""
START_SECONDS: Final = 30.0
"""How long a server start waits for the service's socket (it binds before importing GX)."""


SOCKET_PATH_BYTES: Final = 107
"""The longest path a Unix socket can be bound to on Linux (``sun_path`` less its NUL)."""


def _own_folder() -> Path:
    """``chitieu-<uid>`` in the temporary folder: created 0700, and used only when it is
    this user's own and no one else's to write (another user could otherwise set a
    socket there first)."""
    folder = Path(tempfile.gettempdir()) / f"chitieu-{os.getuid()}"
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700)
    found = folder.lstat()
    if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.getuid() or found.st_mode & 0o077:
        raise OSError(f"{folder} is not this user's own folder: no gate kept warm")
    return folder


def identity() -> str:
    """This installation of chitieu: its interpreter and the names, sizes and times of its
    source files (a few milliseconds). A service answers with its own; a client uses it
    only when they are equal."""
    import chitieu

    package = Path(chitieu.__file__).resolve().parent
    digest = hashlib.sha256(f"{sys.executable}\0{package}\0{chitieu.__version__}".encode())
    for path in sorted(package.rglob("*.py")):
        stat = path.stat()
        digest.update(f"{path.relative_to(package)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


class GateService:
    """The files of the service kept under one Prefect home."""

    def __init__(self, home: Path) -> None:
        self.home = home

    @property
    def socket_path(self) -> Path:
        """In the home, unless that path is too long for a Unix socket (107 bytes on
        Linux): then in a folder of this user's own under the temporary folder, named
        after the home, so that every command finds the same one."""
        beside = self.home.resolve() / SOCKET_FILE
        if len(os.fsencode(beside)) <= SOCKET_PATH_BYTES:
            return beside
        named = hashlib.sha256(os.fsencode(self.home.resolve())).hexdigest()[:24]
        return _own_folder() / f"gate-{named}.sock"

    @property
    def log_path(self) -> Path:
        return self.home / LOG_FILE

    def ready(self) -> bool:
        """Whether the running service has imported GX (its log says so, naming its pid:
        the log is kept across starts)."""
        pid = self.pid()
        try:
            log = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
        return pid is not None and f"{READY_LINE} (pid {pid})" in log

    def pid(self) -> int | None:
        """The service this home started, if its pid file names a living process that is
        this home's service: after a reboot the number may be anyone's, which is never
        signalled (`stop` ends a process's whole group)."""
        from chitieu.prefect_server import alive

        try:
            pid = int((self.home / PID_FILE).read_text(encoding="ascii").strip())
        except (OSError, ValueError):
            return None
        return pid if alive(pid) and self._serves_here(pid) else None

    def _serves_here(self, pid: int) -> bool:
        """Whether ``pid`` runs ``-m chitieu.quality.service --home`` this home (as
        `start` runs it); without /proc (macOS), the pid is trusted."""
        from chitieu.prefect_server import alive, command_line

        command = command_line(pid)
        if command is None:
            return alive(pid)  # no /proc (macOS): trust the pid
        try:
            at = command.index(b"chitieu.quality.service")
            home = os.fsdecode(command[command.index(b"--home", at) + 1])
        except (ValueError, IndexError):
            return False
        try:
            return Path(home).resolve() == self.home.resolve()
        except OSError:
            return False

    def _key(self) -> bytes | None:
        try:
            return bytes.fromhex((self.home / KEY_FILE).read_text(encoding="ascii").strip())
        except (OSError, ValueError):
            return None

    def connect(self) -> Connection | None:
        """A connection to a service of this same chitieu that answered hello, or None."""
        key = self._key()
        try:
            socket_path = self.socket_path
        except OSError:
            return None
        if key is None or not socket_path.exists() or self.pid() is None:
            return None
        try:
            connection = Client(str(socket_path), family="AF_UNIX", authkey=key)
        except Exception:  # refused, stale, another key: not used
            return None
        try:
            if connection.poll(HANDSHAKE_SECONDS) and connection.recv() == (
                "chitieu-gate",
                identity(),
            ):
                return connection
        except (OSError, EOFError):
            pass
        connection.close()
        return None

    def start(self) -> bool:
        """Start the service unless one of this chitieu answers; whether this call started
        it. Never raises for the service's sake: without it, commands start their own."""
        from chitieu.quality.worker import WORKER_ENV

        if os.environ.get(WORKER_ENV, "").strip() == "0":
            return False
        probe = self.connect()
        if probe is not None:
            probe.close()
            return False
        self.stop()  # a stale one (another installation, a crash): replaced
        self.home.mkdir(parents=True, exist_ok=True)
        key_file = self.home / KEY_FILE
        partial = self.home / f".{KEY_FILE}.part"
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as out:
            out.write(secrets.token_hex(32))
        partial.replace(key_file)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
        env.setdefault("GX_ANALYTICS_ENABLED", "false")
        try:
            with self.log_path.open("ab") as log:
                process = subprocess.Popen(
                    [sys.executable, "-m", "chitieu.quality.service", "--home", str(self.home)],
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=env,
                    cwd=self.home,
                    start_new_session=True,  # outlives the command, as the server does
                )
        except OSError:
            return False
        deadline = time.monotonic() + START_SECONDS
        try:
            socket_path = self.socket_path
        except OSError:
            return False  # the service could not bind it either: it has ended
        while not socket_path.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def stop(self) -> bool:
        """Stop the service of this home; whether one was running."""
        from chitieu.prefect_server import terminate

        pid = self.pid()
        if pid is not None:
            terminate(pid, timeout=10)  # it leads its own session: its group is itself
        for name in (SOCKET_FILE, PID_FILE, KEY_FILE):
            (self.home / name).unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            self.socket_path.unlink(missing_ok=True)
        return pid is not None


# ---- the service's own process ------------------------------------------------------


def serve(home: Path) -> None:
    """Bind the socket (owner only), write the pid, import GX, then answer commands."""
    service = GateService(home)
    key = service._key()
    if key is None:
        raise SystemExit(f"no key in {home / KEY_FILE}")
    service.socket_path.unlink(missing_ok=True)
    previous = os.umask(0o177)  # the socket is created 0600: its owner's alone
    try:
        listener = Listener(str(service.socket_path), family="AF_UNIX", authkey=key)
    finally:
        os.umask(previous)
    pid_file = home / PID_FILE
    partial = home / f".{PID_FILE}.part"
    partial.write_text(str(os.getpid()), encoding="ascii")
    partial.replace(pid_file)

    def leave(*_: Any) -> None:
        with contextlib.suppress(OSError):
            listener.close()
        service.socket_path.unlink(missing_ok=True)
        if pid_file.exists() and pid_file.read_text(encoding="ascii").strip() == str(os.getpid()):
            pid_file.unlink(missing_ok=True)
        os._exit(0)

    signal.signal(signal.SIGTERM, leave)
    me = identity()
    one_at_a_time = threading.Lock()
    # answering starts at once, GX's import after: a command that connects meanwhile
    # has its hello at once and its first frame validated when the import is done
    threading.Thread(target=_accept, args=(listener, me, one_at_a_time), daemon=True).start()
    from chitieu.quality import gate

    gate.import_gx()
    print(f"{READY_LINE} (pid {os.getpid()})", flush=True)  # to the service's log
    while True:  # until SIGTERM (leave)
        signal.pause()


def _accept(listener: Listener, me: str, one_at_a_time: threading.Lock) -> None:
    while True:
        try:
            connection = listener.accept()
        except OSError:  # the socket closed under it: the service is leaving
            time.sleep(0.05)
            continue
        except Exception:  # a client that failed the handshake (AuthenticationError)
            continue
        threading.Thread(target=_answer, args=(connection, me, one_at_a_time), daemon=True).start()


def _answer(connection: Connection, me: str, one_at_a_time: threading.Lock) -> None:
    from chitieu.quality.worker import answer_jobs

    with connection:
        try:
            connection.send(("chitieu-gate", me))
        except OSError:
            return
        answer_jobs(connection, one_at_a_time)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="chitieu's quality gate, kept warm")
    parser.add_argument("--home", type=Path, required=True)
    serve(parser.parse_args(argv).home.resolve())


if __name__ == "__main__":
    main()
