"""``chitieu server status|start|stop``: the local Prefect server the commands share."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from chitieu.cli._base import cli

if TYPE_CHECKING:
    from chitieu.prefect_server import LocalServer


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
    if local.healthy():
        click.echo(_foreign(local))
        _gate_status(local.home)
        return
    click.echo(f"không chạy / not running (Prefect home: {local.home})")
    sys.exit(3)


def _foreign(local: LocalServer) -> str:
    return (
        f"một máy chủ Prefect không do Prefect home này khởi động đang trả lời ở {local.url}; "
        f"intake, review và demo dùng nó / a Prefect server this Prefect home did not start "
        f"answers at {local.url}, and intake, review and demo use it (their runs go to its "
        f"database, not {local.home}'s): to run this home's own, stop that one where it was "
        f"started, or set CHITIEU_PREFECT_PORT to another port"
    )


@server.command("start")
def server_start() -> None:
    """Start the local server now (the commands start it when needed)."""
    from chitieu.prefect_server import LocalServer

    local = LocalServer.here()
    started = local.ensure()
    pid = local.pid()
    if pid is None:
        click.echo(_foreign(local))
        return
    verb = "đã khởi động / started" if started else "đang chạy / already running"
    click.echo(f"{verb}: {local.url}  (pid {pid})")


@server.command("stop")
def server_stop() -> None:
    """Stop the local server (its database and the runs it recorded stay)."""
    from chitieu.prefect_server import LocalServer

    here = LocalServer.here()
    local = LocalServer(here.home, here.recorded_port() or here.port)
    if local.stop():
        click.echo(f"đã dừng / stopped: {local.url}")
    elif local.healthy():
        click.echo(
            f"Prefect home này không có máy chủ nào đang chạy; máy chủ ở {local.url} không do "
            f"nó khởi động, không dừng / no server of this Prefect home was running; the one "
            f"answering at {local.url} was not started from {local.home} and was left "
            "running (stop it where it was started)"
        )
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
