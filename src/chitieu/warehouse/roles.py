"""PostgreSQL roles for auditors (read the published snapshots and the sign-offs, change
nothing) and approvers (an auditor who may also approve and reopen reviews).

A grant is the SQL of ``sql/roles/grant_<kind>.postgresql.sql`` with the role and schema
filled in as quoted identifiers (they cannot be bound as parameters); an approver's is
the auditor's, then its own. An auditor (or approver) cannot create temporary tables
either when the database's owner runs it (``revoke_temporary.postgresql.sql``). A DuckDB
file has no roles: access to it is access to the file, and whoever holds it may approve.

Approvers get a plain INSERT on ``approvals`` rather than a SECURITY DEFINER function:
the rules and the row's hash are computed once, in Python, for both backends (a plpgsql
copy would be a second implementation to keep identical); a definer function runs with
the owner's rights and is open to search_path tricks; and whatever a role inserts by
hand, `chitieu snapshots verify` checks against those rules, the hash and the chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from chitieu.errors import WarehouseError
from chitieu.warehouse.backend import Backend
from chitieu.warehouse.queries import query

# What an auditor's role may read; every other table stays out of reach.
AUDITOR_READS = (
    "schema_version",
    "snapshots",
    "snapshot_indicators",
    "snapshot_elements",
    "snapshot_inputs",
    "approvals",
    "published_submissions",
    "published_values",
    "published_warnings",
)


def quote_identifier(name: str) -> str:
    """``name`` as an SQL identifier: in double quotes, a quote inside doubled."""
    if not name or "\0" in name:
        raise WarehouseError(f"not a usable role or schema name: {name!r}")
    return '"' + name.replace('"', '""') + '"'


def _schema(backend: Backend) -> str:
    if backend.dialect != "postgresql":
        raise WarehouseError(
            "vai trò chỉ có ở kho PostgreSQL / roles are for PostgreSQL warehouses; a DuckDB "
            "file has none (whoever can read the file can read everything in it)"
        )
    [(schema,)] = backend.rows("SELECT current_schema()")
    return str(schema)


@dataclass(frozen=True)
class TemporaryStanding:
    """Who may create temporary tables in the warehouse's database (`temporary_standing`)."""

    public_may: bool
    role_may: bool
    may_revoke: bool
    database_owner: str
    tables_owner: str


def _temporary(backend: Backend, role: str) -> TemporaryStanding:
    [row] = backend.rows(query("roles/temporary_standing", backend.dialect), [role])
    return TemporaryStanding(*row)


def _temporary_sql(backend: Backend, role: str, owner: str) -> str:
    [(database,)] = backend.rows("SELECT current_database()")
    template = query("roles/revoke_temporary", backend.dialect)
    return template.format(
        database=quote_identifier(str(database)),
        owner=quote_identifier(owner),
        role=quote_identifier(role),
    )


def auditor_sql(backend: Backend, role: str) -> str:
    """The statements that make ``role`` an auditor of this warehouse: its grants, then
    PUBLIC's right to create temporary tables taken back (the database owner's to run)."""
    schema = quote_identifier(_schema(backend))
    template = query("roles/grant_auditor", backend.dialect)
    grants = template.format(schema=schema, role=quote_identifier(role))
    owner = _temporary(backend, role).tables_owner
    return f"{grants}\n{_temporary_sql(backend, role, owner)}"


@dataclass(frozen=True)
class AuditorGrant:
    """What `grant_auditor` ran, and what it says of temporary tables (``temporary``)."""

    sql: str
    temporary: str


def approver_sql(backend: Backend, role: str) -> str:
    """The statements that make ``role`` an approver: an auditor who may add sign-offs."""
    return f"{auditor_sql(backend, role)}\n{_approver_grants(backend, role)}"


def _approver_grants(backend: Backend, role: str) -> str:
    schema = quote_identifier(_schema(backend))
    template = query("roles/grant_approver", backend.dialect)
    return template.format(schema=schema, role=quote_identifier(role))


_KINDS_VI: Final = {"auditor": "vai trò kiểm toán", "approver": "vai trò duyệt"}
"""What an ``auditor`` and an ``approver`` role are called in a message's Vietnamese."""


def _refuse(backend: Backend, role: str, kind: str) -> None:
    standing = backend.rows(query("roles/role_standing", backend.dialect), [role])
    if not standing:
        raise WarehouseError(
            f"không có vai trò {role!r} trên máy chủ này: tạo nó trước (CREATE ROLE ... LOGIN "
            f"PASSWORD ...), rồi cấp quyền / no role {role!r} on this server: create it first "
            "(CREATE ROLE ... LOGIN PASSWORD ...), then grant"
        )
    [(superuser, acts_as_owner)] = standing
    if superuser:
        raise WarehouseError(
            f"vai trò {role!r} là superuser, không giới hạn được / role {role!r} is a "
            "superuser: it can change everything anyway"
        )
    if acts_as_owner:
        raise WarehouseError(
            f"vai trò {role!r} là chủ các bảng của kho (hoặc thuộc vai trò chủ các bảng): "
            f"{_KINDS_VI[kind]} cần một vai trò riêng / role {role!r} owns the warehouse's "
            f"tables (or belongs to the role that does): an {kind} needs a role of its own"
        )


def grant_auditor(backend: Backend, role: str, approver: bool = False) -> AuditorGrant:
    """Make ``role`` an auditor (in one transaction), or with ``approver`` an approver;
    returns the SQL it ran.

    Refuses a role that does not exist, a superuser, and the owner of the tables (or a
    member of the owning role): no grant restricts those. Takes PUBLIC's right to create
    temporary tables in the database back when the current role may (the database's
    owner, a superuser), and says so either way.
    """
    schema = quote_identifier(_schema(backend))
    _refuse(backend, role, "approver" if approver else "auditor")
    grants = query("roles/grant_auditor", backend.dialect).format(
        schema=schema, role=quote_identifier(role)
    )
    before = _temporary(backend, role)
    revoke = _temporary_sql(backend, role, before.tables_owner)
    ran = grants
    with backend.transaction():
        backend.script(grants)
        if before.role_may and before.may_revoke:
            backend.script(revoke)
            ran = f"{grants}\n{revoke}"
        if approver:
            own = _approver_grants(backend, role)
            backend.script(own)
            ran = f"{ran}\n{own}"
    after = _temporary(backend, role)
    return AuditorGrant(ran, _temporary_words(role, before, after, revoke))


def grant_approver(backend: Backend, role: str) -> AuditorGrant:
    """Make ``role`` an approver: an auditor's grant (temporary tables included), then
    its own, in one transaction (see `grant_auditor` for the roles refused)."""
    return grant_auditor(backend, role, approver=True)


def _temporary_words(
    role: str, before: TemporaryStanding, after: TemporaryStanding, revoke: str
) -> str:
    if after.role_may:
        holder = "PUBLIC holds" if after.public_may else f"{role} was granted"
        holder_vi = "PUBLIC có" if after.public_may else f"{role} đã được cấp"
        statements = " ".join(
            line for line in revoke.splitlines() if line and not line.startswith("--")
        )
        return (
            f"bảng tạm: vai trò {role} vẫn tạo được (bảng tạm không đổi dữ liệu đã lưu, nhưng "
            f"vai trò không còn là chỉ đọc): {holder_vi} quyền TEMPORARY trên cơ sở dữ liệu, "
            f"chỉ chủ của nó là {after.database_owner} (hoặc một superuser) lấy lại được, bằng "
            "các lệnh ở cuối dòng này / "
            f"temporary tables: role {role} can still create them "
            f"(they change nothing stored, but the role is not read-only): {holder} "
            f"TEMPORARY on the database and only its owner {after.database_owner} (or a "
            f"superuser) can take it back: {statements}"
        )
    if before.role_may:
        return (
            f"bảng tạm: vai trò {role} không tạo được: quyền TEMPORARY trên cơ sở dữ liệu đã "
            f"được lấy lại từ PUBLIC (chủ kho {after.tables_owner} vẫn giữ; vai trò khác nào "
            "cần bảng tạm ở đó: GRANT TEMPORARY ON DATABASE ... TO vai trò đó) / "
            f"temporary tables: role {role} cannot create any: "
            "TEMPORARY on the database was taken from PUBLIC (the warehouse's owner "
            f"{after.tables_owner} keeps it; any other role that needs temporary tables "
            "there: GRANT TEMPORARY ON DATABASE ... TO it)"
        )
    return (
        f"bảng tạm: vai trò {role} không tạo được / temporary tables: role {role} cannot create any"
    )
