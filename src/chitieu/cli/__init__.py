"""The command line (SPEC §4). Domain errors become one clear line and an exit code here,
and only here. Heavy modules (Prefect, Great Expectations, pandera) are imported inside
the commands that need them, so ``chitieu --help`` and the read-only commands start fast.

One module per family of commands; each registers itself on the group in `_base`.
"""

from __future__ import annotations

import gc
import sys

import click

from chitieu.cli import (
    audit,
    check_text,
    hierarchy,
    intake,
    review,
    server,
    signoff,
    status,
    template,
    warehouse,
)
from chitieu.cli._base import cli
from chitieu.errors import ChitieuError

__all__ = [
    "audit",
    "check_text",
    "cli",
    "hierarchy",
    "intake",
    "main",
    "review",
    "server",
    "signoff",
    "status",
    "template",
    "warehouse",
]


def main() -> None:
    """Console entry point: run the command, turning domain errors into messages."""
    try:
        code = cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except ChitieuError as exc:
        click.echo(f"chitieu: {exc}", err=True)
        sys.exit(exc.exit_code)
    finally:
        # The command is over, its files and connections closed: what it leaves is freed
        # with the process, and the collections the interpreter runs as it ends would
        # walk all of it (0.1-0.2 s after a flow run). Prefect's log and event workers
        # still send what they hold before the process ends.
        gc.freeze()
    sys.exit(code if isinstance(code, int) else 0)
