"""Commands that look after the warehouse itself: grant-auditor, grant-approver."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from chitieu import settings
from chitieu.cli._base import cli, common_options

if TYPE_CHECKING:
    from chitieu.warehouse import Warehouse
    from chitieu.warehouse.roles import AuditorGrant

F = TypeVar("F", bound=Callable[..., None])


@cli.group("warehouse")
def warehouse_group() -> None:
    """Look after the warehouse: roles for auditors and approvers."""


def _grant_command(name: str) -> Callable[[F], click.Command]:
    """A ``warehouse`` command that grants ROLE something, or prints the SQL."""

    def decorate(command: F) -> click.Command:
        command = click.option(
            "--print-sql",
            "print_sql",
            is_flag=True,
            help="Print the SQL for a database administrator instead of running it.",
        )(command)
        command = click.argument("role")(command)
        return warehouse_group.command(name)(common_options(command))

    return decorate


def _grant(
    warehouse: str | None,
    role: str,
    print_sql: bool,
    sql: Callable[[Warehouse, str], str],
    grant: Callable[[Warehouse, str], AuditorGrant],
) -> tuple[str, AuditorGrant] | None:
    """Print the grant's SQL, or run it; the warehouse granted on (redacted) and what the
    grant did, when run."""
    from chitieu.warehouse import open_warehouse

    with open_warehouse(settings.warehouse_url(warehouse)) as store:
        if print_sql:
            click.echo(sql(store, role), nl=False)
            return None
        granted = grant(store, role)
        return store.url, granted


@_grant_command("grant-auditor")
def grant_auditor(config_dir: Path, warehouse: str | None, role: str, print_sql: bool) -> None:
    """Let PostgreSQL role ROLE read the published snapshots and nothing else.

    ROLE must exist already (CREATE ROLE kiem_toan LOGIN PASSWORD ...). It may then
    read the snapshot tables, the approvals and reopenings and, of the submissions,
    only the metadata and accepted values of those a snapshot used; it cannot insert,
    update or delete anything, nor read rejected reports, their issues, or the archived
    files. Run by the database's owner (or a superuser), it also takes back PUBLIC's
    right to create temporary tables in the database (the warehouse's owner keeps it);
    otherwise it says what the owner must run.
    """
    from chitieu.warehouse import Warehouse

    done = _grant(warehouse, role, print_sql, Warehouse.auditor_sql, Warehouse.grant_auditor)
    if done:
        where, granted = done
        click.echo(
            f"vai trò {role} chỉ được đọc các bản đã công bố của kho {where}, không thay đổi "
            f"được gì / role {role} may now read the published snapshots of {where}, and "
            "change nothing"
        )
        click.echo(granted.temporary)


@_grant_command("grant-approver")
def grant_approver(config_dir: Path, warehouse: str | None, role: str, print_sql: bool) -> None:
    """Let PostgreSQL role ROLE approve and reopen reviews, and otherwise only read.

    ROLE reads what an auditor reads (grant-auditor) and may add approvals and
    reopenings (`chitieu approve`, `chitieu reopen`): nothing else. It cannot publish
    or change snapshots, change or delete a sign-off, nor read raw submissions. Running
    grant-auditor on it again takes the approving back.
    """
    from chitieu.warehouse import Warehouse

    done = _grant(warehouse, role, print_sql, Warehouse.approver_sql, Warehouse.grant_approver)
    if done:
        where, granted = done
        click.echo(
            f"vai trò {role} được duyệt và mở lại các kỳ đánh giá của kho {where}, ngoài ra "
            f"chỉ được đọc / role {role} may now approve and reopen reviews of {where}, and "
            "otherwise only read"
        )
        click.echo(granted.temporary)
