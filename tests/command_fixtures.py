"""A command run as the user types it, in a district's folder (the example's
configuration and one month of its reports as the inbox)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from chitieu.examples import example_dir


def run_chitieu(
    folder: Path, *args: str, timeout: float = 120, **env: str
) -> subprocess.CompletedProcess[str]:
    """``chitieu ARGS`` in ``folder``, with ``env`` set and no warehouse, debug switch or
    Prefect server of the test session's environment unless ``env`` names them."""
    environ = dict(os.environ, PREFECT_SERVER_ANALYTICS_ENABLED="false")
    for name in ("CHITIEU_WAREHOUSE", "CHITIEU_DEBUG", "PREFECT_API_URL"):
        environ.pop(name, None)
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "chitieu", *args],
        cwd=folder,
        env=environ,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(name="district")
def district_fixture(tmp_path: Path) -> Path:
    """A folder with ``config/`` and ``inbox/`` (the example's 2024M01)."""
    shutil.copytree(example_dir() / "config", tmp_path / "config")
    shutil.copytree(example_dir() / "submissions" / "2024M01", tmp_path / "inbox")
    return tmp_path
