"""``chitieu server status|start|stop``: the local Prefect server the commands share."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from chitieu.cli._base import cli


@cli.group()
def server() -> None:
    """The local Prefect server that intake, review and demo run their flows on (its UI
    shows every run); started by the first of them, kept running under PREFECT_HOME."""


@server.command("status")
def server_status() -> None:
    """Whether the local server runs, where its UI is, its process and log (exit 3 when
    it does not run)."""
    from chitieu.prefect_server import LocalServer

    here = LocalServer.here()
    local = LocalServer(here.home, here.recorded_port() or here.port)
    pid = local.pid()
    if pid is not None and local.healthy():
        click.echo(f"đang chạy / running: {local.url}  (pid {pid})")
        click.echo(f"Prefect home: {local.home}")
        click.echo(f"nhật ký / log: {local.log_path}")
        _gate_status(local.home)
        return
    if pid is not None:
        click.echo(
            f"đang khởi động hoặc không trả lời / starting or not answering: {local.url} "
            f"(pid {pid}); log: {local.log_path}"
        )
        sys.exit(3)
    click.echo(f"không chạy / not running (Prefect home: {local.home})")
    sys.exit(3)


@server.command("start")
def server_start() -> None:
    """Start the local server now (the commands start it when needed)."""
    from chitieu.prefect_server import LocalServer

    local = LocalServer.here()
    started = local.ensure()
    verb = "đã khởi động / started" if started else "đang chạy / already running"
    click.echo(f"{verb}: {local.url}  (pid {local.pid()})")


@server.command("stop")
def server_stop() -> None:
    """Stop the local server (its database and the runs it recorded stay)."""
    from chitieu.prefect_server import LocalServer

    here = LocalServer.here()
    local = LocalServer(here.home, here.recorded_port() or here.port)
    if local.stop():
        click.echo(f"đã dừng / stopped: {local.url}")
    else:
        click.echo("không có máy chủ nào đang chạy / no server was running")


def _gate_status(home: Path) -> None:
    from chitieu.quality.service import GateService

    gate = GateService(home)
    connection = gate.connect()
    if connection is not None:
        connection.close()
        click.echo(f"kiểm tra chất lượng giữ sẵn / quality gate kept warm: pid {gate.pid()}")
    else:
        click.echo(
            "kiểm tra chất lượng không giữ sẵn / quality gate not kept warm (each review "
            f"starts its own; log: {gate.log_path})"
        )
