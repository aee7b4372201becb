"""`chitieu warehouse grant-auditor`: a PostgreSQL role that reads the published snapshots,
changes nothing, and cannot reach the raw archive. Tests log in as that role."""

from __future__ import annotations

import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import psycopg
import pytest
from click.testing import CliRunner
from example_fixtures import CONFIG_DIR, build_example, data_dir
from warehouse_fixtures import (  # noqa: F401
    BACKENDS,
    INPUTS_1,
    TABLES,
    _url,
    draft,
    postgres_admin,
    postgres_role,
    postgres_schema_url,
    receive,
    schema_url,
    warehouse_url_fixture,
    wh_fixture,
)

from chitieu.cli import cli
from chitieu.config import load_config
from chitieu.errors import WarehouseError
from chitieu.report.load import load_report
from chitieu.report.markdown import render_markdown
from chitieu.settings import redact
from chitieu.warehouse import Warehouse, open_warehouse
from chitieu.warehouse.archive import archived_path
from chitieu.warehouse.queries import migrations
from chitieu.warehouse.roles import AUDITOR_READS

pytestmark = pytest.mark.postgres
CHITIEU = str(Path(sys.executable).with_name("chitieu"))
VIEWS = ("published_submissions", "published_values", "published_warnings")
RAW = ("submissions", "submission_values", "validation_issues")
# One column per relation, for an UPDATE that would change nothing if it were allowed.
SOME_COLUMN = {
    "schema_version": "version",
    "submissions": "status",
    "submission_values": "value",
    "validation_issues": "message_en",
    "snapshots": "status",
    "snapshot_indicators": "actual",
    "snapshot_elements": "value",
    "snapshot_inputs": "period",
    "approvals": "note",
    "published_submissions": "status",
    "published_values": "value",
    "published_warnings": "value",
}


@dataclass(frozen=True)
class Audited:
    owner_url: str
    auditor_url: str
    role: str
    archive: Path


@pytest.fixture(scope="module")
def audited(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Audited:
    """The example in PostgreSQL, and a role made its auditor with the command itself."""
    if "postgresql" not in BACKENDS:
        pytest.skip("postgresql is not in CHITIEU_TEST_BACKENDS")
    owner_url, schema = postgres_schema_url(request.config)
    folder = tmp_path_factory.mktemp("audited")
    build_example(owner_url, folder)
    role = postgres_role(request.config, "kiem_toan")
    done = subprocess.run(
        [CHITIEU, "warehouse", "grant-auditor", role, "--warehouse", owner_url],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert f"role {role} may now read the published snapshots" in done.stdout
    assert f"temporary tables: role {role} cannot create any" in done.stdout
    return Audited(owner_url, schema_url(schema, user=role), role, data_dir(folder) / "archive")


@pytest.fixture
def auditor(audited: Audited) -> Iterator[Warehouse]:
    with open_warehouse(audited.auditor_url) as wh:
        yield wh


def test_the_auditor_reads_and_verifies_every_revision(auditor: Warehouse) -> None:
    listed = auditor.list_snapshots()
    assert listed.select("review_period", "revision").rows() == [
        ("2024", 1),
        ("2024S1", 1),
        ("2024S1", 2),
    ]
    assert auditor.verify() == []
    read = auditor.snapshot("2024S1", "834", revision=1)
    assert read.elements.height > 0
    used = auditor.input_submissions(read.snapshot_id)
    assert used["submission_id"].to_list() == sorted(read.inputs["submission_id"].to_list())
    assert auditor.input_values(read.snapshot_id).height > 0
    # the warnings of the year's inputs (values far from their history), and only those
    year = auditor.snapshot("2024", "834", elements=False).snapshot_id
    warned = auditor.input_warnings(year)
    assert warned.height == 4
    assert set(warned["check"]) == {"outlier"}
    assert set(warned["submission_id"]) <= set(auditor.input_submissions(year)["submission_id"])


@pytest.mark.parametrize("relation", list(TABLES) + list(VIEWS))
def test_the_auditor_can_change_no_table(auditor: Warehouse, relation: str) -> None:
    column = SOME_COLUMN[relation]
    kind = "VIEW" if relation in VIEWS else "TABLE"
    writes = [
        f"INSERT INTO {relation} DEFAULT VALUES",
        f"UPDATE {relation} SET {column} = {column}",
        f"DELETE FROM {relation}",
    ]
    if kind == "TABLE":
        writes.append(f"TRUNCATE {relation}")
    for statement in writes:
        with pytest.raises(WarehouseError, match="permission denied"):
            auditor.backend.execute(statement)
    for statement in (f"DROP {kind} {relation}", f"ALTER {kind} {relation} RENAME TO x"):
        with pytest.raises(WarehouseError, match="must be owner"):
            auditor.backend.execute(statement)


def test_the_auditor_cannot_create_tables_beside_the_warehouse(auditor: Warehouse) -> None:
    with pytest.raises(WarehouseError, match="permission denied for schema"):
        auditor.backend.execute("CREATE TABLE snapshots_copy (x INTEGER)")


@pytest.mark.parametrize("relation", RAW)
def test_raw_submissions_and_issues_are_out_of_reach(auditor: Warehouse, relation: str) -> None:
    with pytest.raises(WarehouseError, match=f"permission denied for table {relation}"):
        auditor.backend.rows(f"SELECT * FROM {relation}")


def test_only_the_submissions_snapshots_used_are_visible(
    auditor: Warehouse, audited: Audited
) -> None:
    with open_warehouse(audited.owner_url) as owner:
        everything = owner.submissions()
    visible = auditor.backend.frame("SELECT submission_id, status FROM published_submissions")
    assert set(everything["status"]) >= {"rejected", "duplicate"}  # the example has them
    assert set(visible["status"]) <= {"accepted", "superseded"}
    assert 0 < visible.height < everything.height
    values = auditor.backend.frame("SELECT DISTINCT submission_id FROM published_values")
    assert set(values["submission_id"]) <= set(visible["submission_id"])


def test_the_archived_files_are_out_of_reach(auditor: Warehouse, audited: Audited) -> None:
    """The files live on the chitieu host's disk (CHITIEU_DATA_DIR), not in the database;
    even when the server can see that disk, the role may not read the server's files."""
    [sha] = [p.name for p in audited.archive.glob("*/*")][:1]
    path = str(archived_path(audited.archive, sha))
    attempts = {
        "SELECT pg_read_binary_file($1)": "permission denied for function pg_read_binary_file",
        "SELECT pg_read_file($1)": "permission denied for function pg_read_file",
        "SELECT lo_import($1)": "permission denied for function lo_import",
        "SELECT pg_ls_dir($1)": "permission denied for function pg_ls_dir",
    }
    for statement, refusal in attempts.items():
        with pytest.raises(WarehouseError, match=refusal):
            auditor.backend.rows(statement, [path])
    with pytest.raises(WarehouseError, match="pg_read_server_files role to COPY from a file"):
        auditor.backend.execute(f"COPY snapshots FROM '{path}'")


def test_the_auditor_cannot_create_temporary_tables(auditor: Warehouse) -> None:
    with pytest.raises(WarehouseError, match="permission denied to create temporary tables"):
        auditor.backend.execute("CREATE TEMP TABLE grab (content TEXT)")


def test_the_auditors_walk_through_runs_as_the_auditor(audited: Audited, tmp_path: Path) -> None:
    common = ["--config", str(CONFIG_DIR), "--warehouse", audited.auditor_url]
    runner = CliRunner()
    for args in (
        ["snapshots", "list"],
        ["snapshots", "show", "2024S1", "--revision", "1"],
        ["snapshots", "diff", "2024S1", "1", "2"],
        ["trace", "2024S1", "CT01", "--org", "28987"],
        ["snapshots", "verify"],
        ["report", "2024S1", "--format", "xlsx", "-o", str(tmp_path / "r.xlsx")],
    ):
        result = runner.invoke(cli, [*args, *common], catch_exceptions=False)
        assert result.exit_code == 0, (args, result.output)
    assert (tmp_path / "r.xlsx").is_file()


def test_the_auditors_report_shows_the_warnings_the_role_may_read(
    audited: Audited, request: pytest.FixtureRequest
) -> None:
    """The report's quality section as the auditor reads it: the year's warnings through
    published_warnings; a role granted before the warehouse had them (no SELECT on the
    view) gets the report, and is told it may not read them."""
    config = load_config(CONFIG_DIR)
    with open_warehouse(audited.auditor_url) as auditor:
        quality = load_report(config, auditor, "2024", "834").quality
    assert quality is not None
    assert quality.warnings.height == 4
    assert quality.warnings_read
    schema = audited.auditor_url.rsplit("%3D", 1)[1]
    postgres_admin(request.config).execute(
        f'REVOKE SELECT ON {schema}.published_warnings FROM "{audited.role}"'
    )
    try:
        with open_warehouse(audited.auditor_url) as auditor:
            model = load_report(config, auditor, "2024", "834")
        assert model.quality is not None
        assert not model.quality.warnings_read
        assert model.quality.warnings.is_empty()
        assert "Vai trò này không được đọc cảnh báo của các báo cáo đã dùng" in render_markdown(
            model
        )
    finally:
        with open_warehouse(audited.owner_url) as owner:
            owner.grant_auditor(audited.role)


def test_print_sql_changes_nothing(audited: Audited, request: pytest.FixtureRequest) -> None:
    role = postgres_role(request.config, "kiem_toan")
    result = CliRunner().invoke(
        cli,
        ["warehouse", "grant-auditor", role, "--print-sql", "--warehouse", audited.owner_url],
        catch_exceptions=False,
    )
    assert result.exit_code == 0
    assert f'FROM "{role}";' in result.output
    for relation in AUDITOR_READS:
        assert f".{relation}" in result.output
    assert "GRANT SELECT ON TABLE" in result.output
    url = audited.auditor_url.replace(audited.role, role)
    with pytest.raises(WarehouseError, match="has no schema this role may use"):
        open_warehouse(url)


def test_granting_again_takes_back_anything_more(
    audited: Audited, auditor: Warehouse, request: pytest.FixtureRequest
) -> None:
    schema = audited.auditor_url.rsplit("%3D", 1)[1]
    postgres_admin(request.config).execute(
        f'GRANT INSERT, DELETE ON {schema}.submissions, {schema}.snapshots TO "{audited.role}"'
    )
    auditor.backend.execute("DELETE FROM snapshots WHERE false")  # now it may
    with open_warehouse(audited.owner_url) as owner:
        owner.grant_auditor(audited.role)
    with pytest.raises(WarehouseError, match="permission denied"):
        auditor.backend.execute("DELETE FROM snapshots WHERE false")


def test_roles_that_no_grant_restricts_are_refused(
    audited: Audited, request: pytest.FixtureRequest
) -> None:
    member = postgres_role(request.config, "kiem_toan", "IN ROLE postgres")
    with open_warehouse(audited.owner_url) as owner:
        with pytest.raises(
            WarehouseError, match=r"là superuser.* / role 'postgres' is a superuser"
        ):
            owner.grant_auditor("postgres")
        with pytest.raises(
            WarehouseError,
            match=r"là chủ các bảng của kho .*: vai trò kiểm toán cần một vai trò riêng / .* "
            r"owns the warehouse's tables",
        ):
            owner.grant_auditor(member)
        with pytest.raises(
            WarehouseError,
            match=r"không có vai trò 'khong_co' trên máy chủ này: .* / no role 'khong_co' on this "
            r"server",
        ):
            owner.grant_auditor("khong_co")


def test_an_auditor_cannot_upgrade_an_old_warehouse(request: pytest.FixtureRequest) -> None:
    if "postgresql" not in BACKENDS:
        pytest.skip("postgresql is not in CHITIEU_TEST_BACKENDS")
    owner_url, schema = postgres_schema_url(request.config)
    with open_warehouse(owner_url) as owner:
        owner.publish(draft())
        *_, before, newest = (m.version for m in migrations("postgresql"))
        role = postgres_role(request.config, "kiem_toan")
        owner.grant_auditor(role)
        owner.backend.execute("DELETE FROM schema_version WHERE version = $1", [newest])
    url = schema_url(schema, user=role)
    with pytest.raises(
        WarehouseError,
        match=rf"needs upgrading from schema version {before} to {newest}.*read-only role",
    ) as refused:
        open_warehouse(url)
    vietnamese = str(refused.value).partition(" / ")[0]  # where and what, for an officer too
    assert redact(url) in vietnamese
    assert f"từ phiên bản {before} lên {newest}" in vietnamese
    postgres_admin(request.config).execute(  # restore what the test took away
        f"INSERT INTO {schema}.schema_version VALUES ({newest}, now())"
    )
    with open_warehouse(schema_url(schema, user=role)) as auditor:
        assert auditor.list_snapshots().height == 1


def test_a_role_with_no_rights_is_told_so_not_that_the_warehouse_needs_upgrading(
    request: pytest.FixtureRequest,
) -> None:
    """A role no grant names sees none of the warehouse's tables: it is told the role
    has no rights (and how its owner grants them), not "needs upgrading from version 0"."""
    if "postgresql" not in BACKENDS:
        pytest.skip("postgresql is not in CHITIEU_TEST_BACKENDS")
    owner_url, schema = postgres_schema_url(request.config)
    with open_warehouse(owner_url) as owner:
        owner.publish(draft())
    role = postgres_role(request.config, "khach")
    # the schema it may use (as everyone may use public), none of its tables
    postgres_admin(request.config).execute(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
    with pytest.raises(WarehouseError) as refused:
        open_warehouse(schema_url(schema, user=role))
    message = str(refused.value)
    assert "no chitieu tables this role can see" in message
    assert "grant-auditor ROLE" in message
    assert "needs upgrading" not in message
    vietnamese = message.partition(" / ")[0]  # what an officer reads says where and how
    assert redact(schema_url(schema, user=role)) in vietnamese
    assert "chitieu warehouse grant-auditor ROLE" in vietnamese


def test_the_grant_names_exactly_the_published_relations(audited: Audited) -> None:
    with open_warehouse(audited.owner_url) as owner:
        granted = owner.backend.frame(
            "SELECT table_name, privilege_type FROM information_schema.role_table_grants "
            "WHERE grantee = $1 AND table_schema = current_schema()",
            [audited.role],
        )
    assert granted.sort("table_name").rows() == sorted(
        (relation, "SELECT") for relation in AUDITOR_READS
    )
    assert pl.Series(AUDITOR_READS).is_in(list(RAW)).sum() == 0


def test_temporary_tables_where_the_warehouse_owner_does_not_own_the_database(
    request: pytest.FixtureRequest,
) -> None:
    """The usual shared setup: a DBA's database, a chitieu role owning the warehouse's
    schema. Run by that role, grant-auditor cannot take PUBLIC's TEMPORARY back and says
    what the DBA must run; run by the DBA, it does, and chitieu's role still publishes
    (its bulk writes are staged in temporary tables)."""
    if "postgresql" not in BACKENDS:
        pytest.skip("postgresql is not in CHITIEU_TEST_BACKENDS")
    admin = postgres_admin(request.config)
    writer = postgres_role(request.config, "chitieu_writer")
    auditor = postgres_role(request.config, "kiem_toan")
    database = f"chitieu_temp_{secrets.token_hex(4)}"
    admin.execute(f'CREATE DATABASE "{database}"')
    request.addfinalizer(
        lambda: admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    )
    base = _url(schema_url("huyen"), database=database)
    with psycopg.connect(_url(base, user="postgres"), autocommit=True) as dba:
        dba.execute(f'CREATE SCHEMA huyen AUTHORIZATION "{writer}"')
    as_writer, as_dba = _url(base, user=writer), _url(base, user="postgres")
    as_auditor = _url(base, user=auditor)
    with open_warehouse(as_writer) as wh:
        receive(wh, INPUTS_1)
        wh.publish(draft())

    def grant(url: str) -> str:
        result = CliRunner().invoke(
            cli, ["warehouse", "grant-auditor", auditor, "--warehouse", url]
        )
        assert result.exit_code == 0, result.output
        return result.output

    told = grant(as_writer)
    assert f"temporary tables: role {auditor} can still create them" in told
    assert (
        "only its owner postgres (or a superuser) can take it back: "
        f'GRANT TEMPORARY ON DATABASE "{database}" TO "{writer}"; '
        f'REVOKE TEMPORARY ON DATABASE "{database}" FROM PUBLIC;'
    ) in told
    with open_warehouse(as_auditor) as wh:
        wh.backend.execute("CREATE TEMP TABLE still_can (x INTEGER)")

    told = grant(as_dba)
    assert (
        f"temporary tables: role {auditor} cannot create any: TEMPORARY on the database was "
        f"taken from PUBLIC (the warehouse's owner {writer} keeps it" in told
    )
    with open_warehouse(as_auditor) as wh:
        with pytest.raises(WarehouseError, match="permission denied to create temporary tables"):
            wh.backend.execute("CREATE TEMP TABLE cannot (x INTEGER)")
        assert wh.verify() == []
    with open_warehouse(as_writer) as wh:
        assert wh.publish(draft(catalog_sha256="e" * 64)).revision == 2
