"""The command line (SPEC §4). Domain errors become one clear line and an exit code here,
and only here. Heavy modules (Prefect, Great Expectations) are imported inside the
commands that need them, so ``chitieu --help`` and the read-only commands start fast."""

from __future__ import annotations

import sys

import click

from chitieu import __version__
from chitieu.errors import ChitieuError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="chitieu")
def cli() -> None:
    """chitieu: tổng hợp báo cáo của xã vào đánh giá nghị quyết / consolidate commune
    reports into a resolution review."""


def main() -> None:
    """Console entry point: run the command, turning domain errors into messages."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except ChitieuError as exc:
        click.echo(f"chitieu: {exc}", err=True)
        sys.exit(exc.exit_code)
