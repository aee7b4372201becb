"""Commands that look after the warehouse itself: grant-auditor."""

from __future__ import annotations

from pathlib import Path

import click

from chitieu import settings
from chitieu.cli._base import cli, common_options


@cli.group("warehouse")
def warehouse_group() -> None:
    """Look after the warehouse: roles for auditors."""


@warehouse_group.command("grant-auditor")
@common_options
@click.argument("role")
@click.option(
    "--print-sql",
    "print_sql",
    is_flag=True,
    help="Print the SQL for a database administrator instead of running it.",
)
def grant_auditor(config_dir: Path, warehouse: str | None, role: str, print_sql: bool) -> None:
    """Let PostgreSQL role ROLE read the published snapshots and nothing else.

    ROLE must exist already (CREATE ROLE kiem_toan LOGIN PASSWORD ...). It may then
    read the snapshot tables and, of the submissions, only the metadata and accepted
    values of those a snapshot used; it cannot insert, update or delete anything, nor
    read rejected reports, their issues, or the archived files. Run by the database's
    owner (or a superuser), it also takes back PUBLIC's right to create temporary tables
    in the database (the warehouse's owner keeps it); otherwise it says what the owner
    must run.
    """
    from chitieu.warehouse import open_warehouse

    with open_warehouse(settings.warehouse_url(warehouse)) as store:
        if print_sql:
            click.echo(store.auditor_sql(role), nl=False)
            return
        granted = store.grant_auditor(role)
        where = store.url
    click.echo(
        f"vai trò {role} chỉ được đọc các bản đã công bố / role {role} may now read the "
        f"published snapshots of {where}, and change nothing"
    )
    click.echo(granted.temporary)
