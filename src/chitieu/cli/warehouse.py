"""Commands that look after the warehouse itself: grant-auditor, grant-approver."""

from __future__ import annotations

from pathlib import Path

import click

from chitieu import settings
from chitieu.cli._base import cli, common_options


@cli.group("warehouse")
def warehouse_group() -> None:
    """Look after the warehouse: roles for auditors and approvers."""


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
    read the snapshot tables, the approvals and reopenings and, of the submissions,
    only the metadata and accepted values of those a snapshot used; it cannot insert,
    update or delete anything, nor read rejected reports, their issues, or the archived
    files.
    """
    from chitieu.warehouse import open_warehouse

    with open_warehouse(settings.warehouse_url(warehouse)) as store:
        if print_sql:
            click.echo(store.auditor_sql(role), nl=False)
            return
        store.grant_auditor(role)
        where = store.url
    click.echo(
        f"vai trò {role} chỉ được đọc các bản đã công bố / role {role} may now read the "
        f"published snapshots of {where}, and change nothing"
    )


@warehouse_group.command("grant-approver")
@common_options
@click.argument("role")
@click.option(
    "--print-sql",
    "print_sql",
    is_flag=True,
    help="Print the SQL for a database administrator instead of running it.",
)
def grant_approver(config_dir: Path, warehouse: str | None, role: str, print_sql: bool) -> None:
    """Let PostgreSQL role ROLE approve and reopen reviews, and otherwise only read.

    ROLE reads what an auditor reads (grant-auditor) and may add approvals and
    reopenings (`chitieu approve`, `chitieu reopen`): nothing else. It cannot publish
    or change snapshots, change or delete a sign-off, nor read raw submissions. Running
    grant-auditor on it again takes the approving back.
    """
    from chitieu.warehouse import open_warehouse

    with open_warehouse(settings.warehouse_url(warehouse)) as store:
        if print_sql:
            click.echo(store.approver_sql(role), nl=False)
            return
        store.grant_approver(role)
        where = store.url
    click.echo(
        f"vai trò {role} được duyệt và mở lại các kỳ đánh giá / role {role} may now approve "
        f"and reopen reviews of {where}, and otherwise only read"
    )
