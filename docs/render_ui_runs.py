"""Retake ``docs/prefect-ui-runs.png``: what a newcomer sees in the Prefect UI after
``make demo``.

Runs ``chitieu demo`` as a newcomer would (no ``PREFECT_API_URL``: it starts the local
Prefect server), opens the runs page the demo printed in headless Chromium, takes the
picture, and stops the server. Its own Prefect home and port, in a temporary folder:

    .venv/bin/python docs/render_ui_runs.py
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).parent / "prefect-ui-runs.png"
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as scratch:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
        env.pop("CHITIEU_PREFECT_SERVER", None)
        env |= {
            "PREFECT_HOME": f"{scratch}/prefect-home",
            "CHITIEU_PREFECT_PORT": str(free_port()),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        }
        chitieu = [sys.executable, "-m", "chitieu"]
        try:
            demo = subprocess.run(
                [*chitieu, "demo", "--workdir", f"{scratch}/demo"],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            print(demo.stdout)
            found = re.search(r"Prefect UI: (\S+)", demo.stdout)
            if not found:
                raise SystemExit("the demo printed no Prefect UI address")
            time.sleep(3)  # the server persists the last events behind the runs
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1400, "height": 1130})
                page.goto(found.group(1), wait_until="networkidle")
                try:
                    page.get_by_text("review-2024-834").first.wait_for(timeout=60_000)
                finally:
                    time.sleep(2)
                    page.screenshot(path=OUT)
                browser.close()
        finally:
            subprocess.run([*chitieu, "server", "stop"], env=env, check=False)
    print(OUT)


if __name__ == "__main__":
    main()
