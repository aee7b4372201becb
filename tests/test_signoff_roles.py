"""`chitieu warehouse grant-approver` on the real PostgreSQL server: a role that approves
and reopens reviews and otherwise only reads what an auditor reads; the auditor sees the
approvals and cannot make them. Tests log in as those roles."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from click.testing import CliRunner
from warehouse_fixtures import (
    BACKENDS,
    Report,
    batch,
    draft,
    postgres_role,
    postgres_schema_url,
    receive,
    schema_url,
)

from chitieu.cli import cli
from chitieu.errors import WarehouseError
from chitieu.warehouse import Warehouse, open_warehouse
from chitieu.warehouse.roles import AUDITOR_READS

pytestmark = pytest.mark.postgres
SNAPSHOT_TABLES = ("snapshots", "snapshot_indicators", "snapshot_elements", "snapshot_inputs")
RAW = ("submissions", "submission_values", "validation_issues")


@dataclass(frozen=True)
class Roles:
    owner: str
    approver: str
    auditor: str
    approver_role: str
    schema: str


@pytest.fixture
def roles(request: pytest.FixtureRequest) -> Roles:
    """A warehouse with a report and a published revision; an approver made with the
    command itself, and an auditor."""
    if "postgresql" not in BACKENDS:
        pytest.skip("postgresql is not in CHITIEU_TEST_BACKENDS")
    owner, schema = postgres_schema_url(request.config)
    with open_warehouse(owner) as wh:
        receive(wh, ((1, "a" * 64, "C1", "2024M05"), (2, "b" * 64, "C2", "2024M05")))
        wh.register_intake(batch(Report(org="C1", period="2024M07")))
        wh.publish(draft())
        auditor = postgres_role(request.config, "kiem_toan")
        wh.grant_auditor(auditor)
    approver = postgres_role(request.config, "duyet")
    done = CliRunner().invoke(cli, ["warehouse", "grant-approver", approver, "--warehouse", owner])
    assert done.exit_code == 0, done.output
    assert f"role {approver} may now approve and reopen reviews" in done.output
    return Roles(
        owner, schema_url(schema, user=approver), schema_url(schema, user=auditor), approver, schema
    )


@pytest.fixture
def approver(roles: Roles) -> Iterator[Warehouse]:
    with open_warehouse(roles.approver) as wh:
        yield wh


def test_the_approver_approves_and_reopens(roles: Roles, approver: Warehouse) -> None:
    approver.approve("2024S1", "D", "Nguyễn Văn A")
    approver.reopen("2024S1", "D", "Nguyễn Văn A", "báo cáo muộn")
    approver.approve("2024S1", "D", "Nguyễn Văn A")
    assert approver.approvals()["action"].to_list() == ["approve", "reopen", "approve"]
    assert approver.verify() == []
    with open_warehouse(roles.auditor) as auditor:
        assert auditor.approvals().height == 3
        assert auditor.verify() == []


@pytest.mark.parametrize("table", SNAPSHOT_TABLES)
def test_the_approver_cannot_write_snapshots(approver: Warehouse, table: str) -> None:
    for statement in (
        f"INSERT INTO {table} DEFAULT VALUES",
        f"UPDATE {table} SET snapshot_id = snapshot_id",
        f"DELETE FROM {table}",
    ):
        with pytest.raises(WarehouseError, match=f"permission denied for table {table}"):
            approver.backend.execute(statement)


def test_the_approver_cannot_publish(approver: Warehouse) -> None:
    before = approver.list_snapshots()
    # refused at its first write (the revision's rows are staged before its header)
    with pytest.raises(WarehouseError, match="permission denied"):
        approver.publish(draft(inputs=((2, "b" * 64, "C2", "2024M05"),)))
    assert approver.list_snapshots().equals(before)


@pytest.mark.parametrize("table", RAW)
def test_the_approver_cannot_read_raw_submissions(approver: Warehouse, table: str) -> None:
    with pytest.raises(WarehouseError, match=f"permission denied for table {table}"):
        approver.backend.rows(f"SELECT * FROM {table}")


def test_the_approver_cannot_change_or_remove_a_signoff(approver: Warehouse) -> None:
    approver.approve("2024S1", "D", "Nguyễn Văn A")
    for statement in (
        "UPDATE approvals SET note = 'x'",
        "DELETE FROM approvals",
        "TRUNCATE approvals",
    ):
        with pytest.raises(WarehouseError, match="permission denied for table approvals"):
            approver.backend.execute(statement)


def test_the_auditor_sees_approvals_and_cannot_make_them(roles: Roles) -> None:
    with open_warehouse(roles.approver) as approver:
        approver.approve("2024S1", "D", "Nguyễn Văn A")
    with open_warehouse(roles.auditor) as auditor:
        assert auditor.approvals()["by_name"].to_list() == ["Nguyễn Văn A"]
        with pytest.raises(WarehouseError, match="permission denied for table approvals"):
            auditor.reopen("2024S1", "D", "Kiểm toán", "thử")
        assert auditor.approvals().height == 1


def test_the_grants_are_exactly_the_auditors_and_one_insert(roles: Roles) -> None:
    with open_warehouse(roles.owner) as owner:
        granted = owner.backend.rows(
            "SELECT table_name, privilege_type FROM information_schema.role_table_grants "
            "WHERE grantee = $1 AND table_schema = current_schema() ORDER BY 1, 2",
            [roles.approver_role],
        )
        assert granted == sorted(
            [(relation, "SELECT") for relation in AUDITOR_READS] + [("approvals", "INSERT")]
        )
        owner.grant_auditor(roles.approver_role)  # an auditor again: approving is taken back
    with (
        open_warehouse(roles.approver) as demoted,
        pytest.raises(WarehouseError, match="permission denied for table approvals"),
    ):
        demoted.approve("2024S1", "D", "Nguyễn Văn A")


def test_print_sql_shows_the_auditors_grant_and_the_insert(
    roles: Roles, request: pytest.FixtureRequest
) -> None:
    someone = postgres_role(request.config, "duyet")
    result = CliRunner().invoke(
        cli, ["warehouse", "grant-approver", someone, "--print-sql", "--warehouse", roles.owner]
    )
    assert result.exit_code == 0, result.output
    assert "GRANT SELECT ON TABLE" in result.output
    assert f'GRANT INSERT ON TABLE "{roles.schema}".approvals TO "{someone}";' in result.output


def test_roles_that_no_grant_restricts_are_refused(roles: Roles) -> None:
    with open_warehouse(roles.owner) as owner:
        with pytest.raises(WarehouseError, match="is a superuser"):
            owner.grant_approver("postgres")
        with pytest.raises(WarehouseError, match="no role 'khong_co' on this server"):
            owner.grant_approver("khong_co")
