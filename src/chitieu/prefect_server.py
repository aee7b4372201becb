"""The local Prefect server the data team's commands share.

Without ``PREFECT_API_URL``, ``chitieu intake|review|demo`` run their flows on a Prefect
server kept running under the user's Prefect home: the first command starts it in the
background (Prefect's own ``prefect server start``, detached, its output in
``chitieu-server.log``), later commands find it and reuse it, and every run they
record stays visible in its UI. Its process id is written to Prefect's own
``server.pid``, so ``prefect server stop`` stops it as well as ``chitieu server stop``.

``CHITIEU_PREFECT_SERVER=ephemeral`` (or ``--ephemeral`` on a command) runs in
Prefect's temporary mode instead, as scripts and CI may prefer: a server that lives
for one command. So does a server that cannot start (port taken by another program,
disk full): the command says why and runs anyway.

Nothing here imports Prefect: the choice is made, and ``PREFECT_API_URL`` set, before
Prefect is imported and reads its settings.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from chitieu.errors import ChitieuError
from chitieu.numbers import whole_number
from chitieu.shown import clipped

if TYPE_CHECKING:
    from chitieu.quality.service import GateService

SERVER_ENV: Final = "CHITIEU_PREFECT_SERVER"
"""``local`` (default): the kept-running local server; ``ephemeral``: Prefect's
temporary server, one per command."""
PORT_ENV: Final = "CHITIEU_PREFECT_PORT"
DEFAULT_PORT: Final = 4200
HOST: Final = "127.0.0.1"
START_TIMEOUT_SECONDS: Final = 180.0
"""A first start on a fresh Prefect home creates its database: 15-25 s on a quiet
machine, more on a busy one."""
STOP_TIMEOUT_SECONDS: Final = 20.0
REACH_TIMEOUT_SECONDS: Final = 3.0
"""How long a command waits for a server named by ``PREFECT_API_URL`` to answer
``/health`` (milliseconds when it runs) before it says it cannot reach it."""

PID_FILE: Final = "server.pid"  # Prefect's own name: `prefect server stop` reads it
STATE_FILE: Final = "chitieu-server.json"
LOG_FILE: Final = "chitieu-server.log"
LOCK_FILE: Final = "chitieu-server.lock"


class ServerUnavailable(ChitieuError):
    """The local server could not be started or reached; the message says why."""


def prefect_home() -> Path:
    """Where Prefect keeps its settings and database: ``PREFECT_HOME`` or ``~/.prefect``."""
    given = os.environ.get("PREFECT_HOME", "").strip()
    return Path(given).expanduser() if given else Path.home() / ".prefect"


def configured_port() -> int:
    given = os.environ.get(PORT_ENV, "").strip()
    if not given:
        return DEFAULT_PORT
    port = whole_number(given, least=1, most=65535)
    if port is None:
        shown = repr(clipped(given))
        raise ChitieuError(
            f"{PORT_ENV} phải là số cổng (1-65535), không phải {shown} / {PORT_ENV} must be "
            f"a port number (1-65535), not {shown}"
        )
    return port


def alive(pid: int) -> bool:
    """Whether ``pid`` runs and is ours to use or stop; a child of this process that
    ended is reaped first (no zombie counted as running)."""
    with contextlib.suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: not ours to use or stop
        return False
    return True


def terminate(pid: int, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
    """SIGTERM to ``pid`` and its process group, SIGKILL after ``timeout`` seconds."""
    _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if alive(pid):
        _signal(pid, signal.SIGKILL)


def command_line(pid: int) -> list[bytes] | None:
    """The arguments ``pid`` runs with, or None where they cannot be read (no /proc, as
    on macOS, or the process ended): a pid in a stale file may have been reused by
    anything after a reboot, and is signalled only when its command says whose it is."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None


def _is_prefect_server(pid: int) -> bool:
    """Whether ``pid`` is a ``prefect server start`` process."""
    command = command_line(pid)
    if command is None:
        return alive(pid)  # no /proc (macOS): trust the pid
    return b"prefect" in b" ".join(command) and b"server" in command


def _signal(pid: int, number: int) -> None:
    """Signal the server and its process group (a server we started leads its own; one
    started by ``prefect server start --background`` does not)."""
    try:
        os.killpg(pid, number)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, number)


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((HOST, port)) == 0


@dataclass(frozen=True)
class LocalServer:
    """The kept-running server of one Prefect home."""

    home: Path
    port: int

    @classmethod
    def here(cls) -> LocalServer:
        return cls(prefect_home(), configured_port())

    @property
    def url(self) -> str:
        """The UI's address."""
        return f"http://{HOST}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api"

    @property
    def log_path(self) -> Path:
        return self.home / LOG_FILE

    def healthy(self, timeout: float = 2.0) -> bool:
        """Whether a Prefect API answers on the port."""
        try:
            with urllib.request.urlopen(f"{self.api_url}/health", timeout=timeout) as answer:
                return bool(answer.status == 200 and answer.read().strip() == b"true")
        except (OSError, urllib.error.URLError, ValueError):
            return False

    def pid(self) -> int | None:
        """The server process this home started, if one is recorded and alive."""
        try:
            pid = int((self.home / PID_FILE).read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if alive(pid) and _is_prefect_server(pid) else None

    def foreign(self) -> bool:
        """Whether a Prefect server this home did not start answers on the port (started
        by hand, or from another Prefect home): commands use it."""
        return self.pid() is None and self.healthy()

    def state(self) -> dict[str, object]:
        try:
            found = json.loads((self.home / STATE_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return found if isinstance(found, dict) else {}

    def recorded_port(self) -> int | None:
        port = self.state().get("port")
        return port if isinstance(port, int) else None

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Commands started together take turns deciding, so only one starts a server."""
        try:
            self.home.mkdir(parents=True, exist_ok=True)
            lock_file = (self.home / LOCK_FILE).open("a")
        except OSError as error:
            raise ChitieuError(
                f"Prefect home {self.home} (PREFECT_HOME) không dùng được / cannot be used: "
                f"{error.strerror or error}; đặt PREFECT_HOME là một thư mục ghi được / set "
                "PREFECT_HOME to a folder you can write"
            ) from error
        with lock_file as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def ensure(self, timeout: float = START_TIMEOUT_SECONDS) -> bool:
        """Make sure the server answers, starting it when needed. Returns whether this
        call started it. Raises `ServerUnavailable` with the reason."""
        with self._locked():
            pid = self.pid()
            if pid is not None and self._answers_within(pid, timeout):
                started = False
            elif pid is None and self.healthy():
                # a Prefect server someone started on this port by hand: use it
                started = False
            else:
                self._forget_stale()
                self._start(timeout)
                started = True
            self._gate().start()  # the quality gate kept warm beside it (quality.service)
            return started

    def _gate(self) -> GateService:
        from chitieu.quality.service import GateService

        return GateService(self.home)

    def _answers_within(self, pid: int, timeout: float) -> bool:
        """A recorded, living server: answering, or still starting (another command
        started it a moment ago)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.healthy():
                return True
            if not alive(pid):
                return False
            time.sleep(0.25)
        return False

    def _forget_stale(self) -> None:
        """Files left by a server that died (a crash, a reboot): Prefect itself refuses to
        start in the background while its pid file exists."""
        pid = self.pid()
        if pid is not None:  # alive but not answering: stop it before starting another
            terminate(pid)
        for name in (PID_FILE, STATE_FILE):
            (self.home / name).unlink(missing_ok=True)

    def _start(self, timeout: float) -> None:
        if _port_in_use(self.port):
            raise ServerUnavailable(
                f"cổng {self.port} đang bị chương trình khác dùng: đặt {PORT_ENV} là một cổng "
                "còn trống, hoặc PREFECT_API_URL là địa chỉ một máy chủ Prefect / port "
                f"{self.port} is in use by another program: set {PORT_ENV} to a free port, or "
                "PREFECT_API_URL to a Prefect server"
            )
        env = dict(os.environ)
        env.pop("PREFECT_API_URL", None)
        env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
        env["PREFECT_HOME"] = str(self.home)
        # the UI finds its API from these (not from --port): without them, a server on
        # another port than 4200 serves a UI that calls 127.0.0.1:4200
        env["PREFECT_SERVER_API_HOST"] = HOST
        env["PREFECT_SERVER_API_PORT"] = str(self.port)
        env.pop("PREFECT_UI_API_URL", None)
        env.pop("PREFECT_SERVER_UI_API_URL", None)
        command = [sys.executable, "-m", "prefect", "server", "start"]
        command += ["--host", HOST, "--port", str(self.port)]
        try:
            with self.log_path.open("ab") as log:
                process = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=env,
                    cwd=self.home,
                    start_new_session=True,  # outlives the command and its terminal
                )
        except OSError as error:
            raise ServerUnavailable(
                f"không khởi động được máy chủ Prefect / could not start the Prefect server: "
                f"{error}"
            ) from error
        deadline = time.monotonic() + timeout
        while not self.healthy():
            if process.poll() is not None:
                raise ServerUnavailable(
                    "máy chủ Prefect dừng ngay khi khởi động (mã thoát "
                    f"{process.returncode}; nhật ký: {self.log_path}) / the Prefect server "
                    f"stopped while starting (exit {process.returncode}): "
                    f"{self._last_log_line()} (log: {self.log_path})"
                )
            if time.monotonic() > deadline:
                terminate(process.pid)
                raise ServerUnavailable(
                    f"máy chủ Prefect không trả lời sau {timeout:.0f} giây (nhật ký: "
                    f"{self.log_path}) / the Prefect server did not answer within "
                    f"{timeout:.0f} s (log: {self.log_path})"
                )
            time.sleep(0.25)
        self._record(process.pid)

    def _record(self, pid: int) -> None:
        """Prefect's pid file and ours (the port and when), each written whole."""
        state = {
            "pid": pid,
            "port": self.port,
            "url": self.url,
            "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "log": str(self.log_path),
        }
        for name, text in ((PID_FILE, str(pid)), (STATE_FILE, json.dumps(state, indent=2))):
            partial = self.home / f".{name}.part"
            partial.write_text(text, encoding="utf-8")
            partial.replace(self.home / name)

    def _last_log_line(self) -> str:
        try:
            lines = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return "-"
        found = [line.strip() for line in lines if line.strip()]
        return found[-1][:300] if found else "-"

    def stop(self) -> bool:
        """Stop the server this home started; whether one was running."""
        with self._locked():
            pid = self.pid()
            if pid is not None:
                terminate(pid)
            for name in (PID_FILE, STATE_FILE):
                (self.home / name).unlink(missing_ok=True)
            self._gate().stop()
            return pid is not None


def reach(api_url: str, timeout: float = REACH_TIMEOUT_SECONDS) -> None:
    """Make sure a server answers at ``api_url`` (its ``/health``) within ``timeout``
    seconds for each of connecting and answering; raise `ServerUnavailable` saying why
    otherwise. Any HTTP answer will do: whether it is a Prefect API that lets this
    command in is for Prefect's client to say. Without this, Prefect's client retries an
    unreachable server and then fails with a traceback, and waits forever on one that
    accepts connections but never answers."""
    import httpx  # Prefect's own HTTP client: imported by Prefect right after this anyway

    from chitieu.settings import redact
    from chitieu.shown import shown

    where = shown(redact(api_url))
    try:
        # only whether something answers is learnt, and nothing secret is sent (a
        # user and password in the URL are left out): no certificate check here
        # (Prefect's client checks it, with its own settings)
        health = httpx.URL(f"{api_url.rstrip('/')}/health")
        health = health.copy_with(username=None, password=None)
        httpx.get(health, timeout=timeout, verify=False)
        return
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as error:
        raise ServerUnavailable(
            f"PREFECT_API_URL {where!r} không phải địa chỉ http(s): đặt nó là địa chỉ API của "
            "một máy chủ Prefect (http://127.0.0.1:4200/api), hoặc bỏ nó đi để dùng máy chủ "
            f"cục bộ của chitieu / PREFECT_API_URL is not an http(s) URL: {where!r} "
            f"({shown(redact(str(error)))}); set it to the API of a Prefect server "
            "(http://127.0.0.1:4200/api), or unset it to use chitieu's local server"
        ) from None
    except httpx.TimeoutException:
        reason_vi = f" (không trả lời sau {timeout:g} giây)"
        reason = f"no answer within {timeout:g} s"
    except httpx.HTTPError as error:
        reason_vi, reason = "", _reason(error)
    raise ServerUnavailable(
        f"không kết nối được máy chủ Prefect ở {where}{reason_vi}: hãy khởi động nó (chitieu "
        "server start hoặc prefect server start), hoặc bỏ PREFECT_API_URL để dùng máy chủ "
        "cục bộ của chitieu (với --ephemeral, một máy chủ tạm) / cannot reach the Prefect "
        f"server at {where}: {reason}; start it (chitieu server start / prefect server "
        "start), or unset PREFECT_API_URL to use chitieu's local server (with --ephemeral, "
        "a temporary one)"
    )


def _reason(error: Exception) -> str:
    """``connection refused`` of ``[Errno 111] Connection refused``."""
    from chitieu.settings import redact
    from chitieu.shown import shown

    cause: BaseException = error
    while cause.__context__ is not None and not isinstance(cause, OSError):
        cause = cause.__context__
    text = cause.strerror if isinstance(cause, OSError) and cause.strerror else str(error)
    return shown(redact(text or type(error).__name__)).lower()


@dataclass(frozen=True)
class PrefectChoice:
    """Where this command's flows run, and what to tell the user about it."""

    mode: str
    """``remote`` (``PREFECT_API_URL``), ``local`` (the kept-running server) or ``ephemeral``."""
    ui_url: str | None = None
    message: str | None = None


def choose(ephemeral: bool = False) -> PrefectChoice:
    """Decide where flows run, and set ``PREFECT_API_URL`` for the local server.

    Must run before Prefect is imported in this process."""
    given = os.environ.get("PREFECT_API_URL", "").strip()
    if given:
        reach(given)  # one that does not answer is said at once, before any work
        return PrefectChoice("remote", given.removesuffix("/").removesuffix("/api"))
    wanted = os.environ.get(SERVER_ENV, "").strip().lower() or "local"
    if wanted not in ("local", "ephemeral"):
        raise ChitieuError(
            f"{SERVER_ENV} phải là 'local' hoặc 'ephemeral', không phải {wanted!r} / "
            f"{SERVER_ENV} must be 'local' or 'ephemeral', not {wanted!r}"
        )
    if ephemeral or wanted == "ephemeral":
        return PrefectChoice("ephemeral")
    server = LocalServer.here()
    try:
        started = server.ensure()
    except ServerUnavailable as error:
        # "vi / en" of the reason: each half says what happens next in its own language
        vi, _, en = str(error).partition(" / ")
        return PrefectChoice(
            "ephemeral",
            message=f"{vi}; chạy ở chế độ tạm / {en}; running in Prefect's temporary mode",
        )
    os.environ["PREFECT_API_URL"] = server.api_url
    verb = "đã khởi động / started" if started else "đang chạy / running"
    return PrefectChoice(
        "local",
        server.url,
        f"Prefect UI: {server.url} (máy chủ cục bộ {verb}; dừng / stop: chitieu server stop)",
    )
