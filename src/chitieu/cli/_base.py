"""What every command shares: the group, ``--config`` and ``--warehouse``, status words."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from chitieu import __version__, settings
from chitieu.receipts import STATUS_WORDS

__all__ = [
    "STATUS_WORDS",
    "cli",
    "common_options",
    "ephemeral_option",
    "settled_imports",
    "start_prefect",
]

F = TypeVar("F", bound=Callable[..., Any])

REVISION = click.IntRange(1, 2**31 - 1)
"""A revision number as the warehouse numbers them (from 1, a 32-bit integer): a larger
one is refused by the option, not by the database's cast."""


class _UnitCode(click.ParamType):
    """A unit's code as ``--org`` takes it: ``--org ''`` (an empty shell variable) names
    no unit, and is refused rather than read as the resolution's unit."""

    name = "CODE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        if not text.strip():
            self.fail(
                "mã đơn vị rỗng / an empty unit code names no unit: give a code, or leave "
                "--org out for the resolution's unit",
                param,
                ctx,
            )
        return text


UNIT_CODE = _UnitCode()


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


def ephemeral_option(command: F) -> F:
    """``--ephemeral``, taken by the commands that run flows."""
    return click.option(
        "--ephemeral",
        is_flag=True,
        help="Run on a temporary Prefect server that ends with the command (scripts, CI), "
        "not the local one kept running for the UI; env CHITIEU_PREFECT_SERVER=ephemeral.",
    )(command)


def as_of_option(command: F) -> F:
    """``--as-of DATE``: the period rolled up on the hierarchy valid on a later day."""
    return click.option(
        "--as-of",
        "as_of",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        default=None,
        callback=lambda _ctx, _param, value: None if value is None else value.date(),
        metavar="DATE",
        help="Restate the period on the units valid on DATE (YYYY-MM-DD, after the "
        "period's end): the history of merged and split units carried to today's units "
        "(SPEC §3.7). Default: the period's end.",
    )(command)


def start_prefect(ephemeral: bool) -> str | None:
    """Choose where the command's flows run (before Prefect is imported) and say so on
    stderr; returns the UI's address when there is one to visit."""
    choice = settings.prepare_prefect(ephemeral)
    if choice.message:
        click.echo(choice.message, err=True)
    return choice.ui_url


@contextmanager
def settled_imports() -> Iterator[None]:
    """The modules a command imports for its work (polars, Prefect, the flows), imported
    without the cyclic garbage collector, then frozen out of its way (`gc.freeze`).

    Importing makes next to no garbage, yet every full collection walks every object the
    imports created, and Prefect's pydantic models are a great many: the collector's
    passes cost the example's intake about 0.25 s, and as much again when the process
    ends. Modules live as long as the command; collection goes on for what its work
    allocates."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="chitieu")
def cli() -> None:
    """chitieu: tổng hợp báo cáo của xã vào đánh giá nghị quyết / consolidate commune
    reports into a resolution review."""
