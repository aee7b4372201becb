"""One Prefect server per test session, for tests that run flows in-process or start
CLI subprocesses (pass `prefect_env` to them so each does not start its own
temporary server, which takes 15-25 s). Import the fixtures into a test module:

    from prefect_fixtures import prefect_api_url, prefect_env  # noqa: F401
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")


_SERVER: dict[str, str] = {}
"""The session's one test server. Each module that imports `prefect_api_url` gets a
"session" fixture of its own from pytest; they all share the server kept here, since
two servers in one process split events and concurrency leases between them."""


@pytest.fixture(scope="session")
def prefect_api_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start Prefect's test server once; yields its API URL."""
    if "url" in _SERVER:
        yield _SERVER["url"]
        return
    home = tmp_path_factory.mktemp("prefect-home")
    os.environ["PREFECT_HOME"] = str(home)
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        url = PREFECT_API_URL.value()
        assert url, "the Prefect test harness gave no API URL"
        _SERVER["url"] = str(url)
        try:
            yield str(url)
        finally:
            _SERVER.clear()


@pytest.fixture
def prefect_env(prefect_api_url: str) -> dict[str, str]:
    """The environment for a CLI subprocess that runs flows on the session's server."""
    env = dict(os.environ)
    env["PREFECT_API_URL"] = prefect_api_url
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    env.pop("CHITIEU_WAREHOUSE", None)
    return env
