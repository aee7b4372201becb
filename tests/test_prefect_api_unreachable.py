"""A ``PREFECT_API_URL`` that leads nowhere is told in one line, in seconds, before any
work (`chitieu.prefect_server.reach`): a port where nothing listens, one that accepts
connections and never answers, a name that does not resolve, something that is no URL.
A server that answers passes in milliseconds. No Prefect server is started here: the
servers are sockets and a small HTTP server of the test's own."""

from __future__ import annotations

import http.server
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from command_fixtures import district_fixture, run_chitieu  # noqa: F401

from chitieu.prefect_server import ServerUnavailable, reach


def refused_port() -> int:
    """A loopback port where nothing listens (bound a moment, then let go)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers them."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join()
        for connection in accepted:
            connection.close()
        listener.close()


@pytest.fixture
def authorizations() -> list[str | None]:
    return []


@pytest.fixture
def health_server(authorizations: list[str | None]) -> Iterator[str]:
    """An HTTP server answering ``/api/health`` as Prefect's does; its API URL. Each
    request's ``Authorization`` header goes into ``authorizations``."""

    class Health(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            authorizations.append(self.headers.get("Authorization"))
            found = self.path == "/api/health"
            self.send_response(200 if found else 404)
            self.end_headers()
            self.wfile.write(b"true" if found else b"")

        def log_message(self, *_: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_a_server_that_answers_passes_in_milliseconds(health_server: str) -> None:
    reach(health_server)  # the first request pays for httpx's imports
    started = time.perf_counter()
    reach(health_server)
    assert time.perf_counter() - started < 0.5


def test_a_port_where_nothing_listens_is_refused_at_once() -> None:
    url = f"http://127.0.0.1:{refused_port()}/api"
    started = time.perf_counter()
    with pytest.raises(ServerUnavailable) as raised:
        reach(url)
    assert time.perf_counter() - started < 2
    assert str(raised.value).startswith(
        f"không kết nối được máy chủ Prefect ở {url}: hãy khởi động nó (chitieu server start "
        "hoặc prefect server start), hoặc bỏ PREFECT_API_URL để dùng máy chủ cục bộ của "
        "chitieu (với --ephemeral, một máy chủ tạm) / cannot reach the Prefect server at "
        f"{url}: connection refused; start it (chitieu server start / prefect server start)"
    )
    assert "unset PREFECT_API_URL" in str(raised.value)


def test_a_server_that_never_answers_is_given_up_after_the_timeout(silent_port: int) -> None:
    started = time.perf_counter()
    with pytest.raises(
        ServerUnavailable, match=r"\(không trả lời sau 0.5 giây\): .* / .*: no answer within 0.5 s"
    ):
        reach(f"http://127.0.0.1:{silent_port}/api", timeout=0.5)
    assert time.perf_counter() - started < 3


def test_what_is_no_url_is_said_so() -> None:
    with pytest.raises(ServerUnavailable, match=r"is not an http\(s\) URL: 'not a url'"):
        reach("not a url")


def test_a_password_in_the_url_is_never_shown() -> None:
    url = f"http://kho:bi-mat@127.0.0.1:{refused_port()}/api"
    with pytest.raises(ServerUnavailable) as raised:
        reach(url)
    assert "bi-mat" not in str(raised.value)
    assert "kho:***@127.0.0.1" in str(raised.value)


def chitieu(folder: Path, api_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run_chitieu(folder, *args, timeout=60, PREFECT_API_URL=api_url)


def test_an_intake_on_a_silent_server_stops_in_seconds_and_writes_nothing(
    district: Path, silent_port: int
) -> None:
    started = time.perf_counter()
    done = chitieu(district, f"http://127.0.0.1:{silent_port}/api", "intake", "inbox")
    assert time.perf_counter() - started < 20  # the 3 s wait, and the command's start
    assert done.returncode == ServerUnavailable.exit_code == 1
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"chitieu: không kết nối được máy chủ Prefect ở http://127.0.0.1:{silent_port}/api "
        "(không trả lời sau 3 giây): hãy khởi động nó (chitieu server start hoặc prefect "
        "server start), hoặc bỏ PREFECT_API_URL để dùng máy chủ cục bộ của chitieu (với "
        "--ephemeral, một máy chủ tạm) / cannot reach the Prefect server at "
        f"http://127.0.0.1:{silent_port}/api: no answer within 3 s; start it (chitieu server "
        "start / prefect server start), or unset PREFECT_API_URL to use chitieu's local "
        "server (with --ephemeral, a temporary one)"
    ]
    assert not (district / "warehouse.duckdb").exists()


@pytest.mark.parametrize("api_url", ["http://127.0.0.1:{port}/api", "not a url"])
def test_a_review_on_no_server_is_one_line(district: Path, api_url: str) -> None:
    done = chitieu(district, api_url.format(port=refused_port()), "review", "2024S1")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith("chitieu: ")
    assert "PREFECT_API_URL" in line
    assert not (district / "warehouse.duckdb").exists()


def test_a_user_and_password_in_the_url_are_never_sent(
    health_server: str, authorizations: list[str | None]
) -> None:
    """The check asks without checking the certificate: it must send nothing secret, so
    a ``user:password@`` in the URL is left out of its request."""
    reach(health_server.replace("http://", "http://kho:bi-mat@"))
    assert authorizations == [None]
