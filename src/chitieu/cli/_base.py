"""What every command shares: the group, ``--config`` and ``--warehouse``, status words."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from chitieu import __version__, settings
from chitieu.receipts import STATUS_WORDS

__all__ = ["STATUS_WORDS", "cli", "common_options"]

F = TypeVar("F", bound=Callable[..., Any])


def common_options(command: F) -> F:
    """``--config`` and ``--warehouse``, taken by every command."""
    command = click.option(
        "--warehouse",
        "warehouse",
        default=None,
        metavar="URL",
        help="duckdb:///file.duckdb (default ./warehouse.duckdb), a bare path, or "
        "postgresql://...; env CHITIEU_WAREHOUSE.",
    )(command)
    command = click.option(
        "--config",
        "config_dir",
        default=settings.DEFAULT_CONFIG,
        show_default=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="Configuration folder: catalog.yaml, org_units.csv, targets.csv.",
    )(command)
    return command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="chitieu")
def cli() -> None:
    """chitieu: tổng hợp báo cáo của xã vào đánh giá nghị quyết / consolidate commune
    reports into a resolution review."""
