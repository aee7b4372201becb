"""PostgreSQL roles for auditors (read the published snapshots and the sign-offs, change
nothing) and approvers (an auditor who may also approve and reopen reviews).

A grant is the SQL of ``sql/roles/grant_<kind>.postgresql.sql`` with the role and schema
filled in as quoted identifiers (they cannot be bound as parameters); an approver's is
the auditor's, then its own. A DuckDB file has no roles: access to it is access to the
file, and whoever holds it may approve.

Approvers get a plain INSERT on ``approvals`` rather than a SECURITY DEFINER function:
the rules and the row's hash are computed once, in Python, for both backends (a plpgsql
copy would be a second implementation to keep identical); a definer function runs with
the owner's rights and is open to search_path tricks; and whatever a role inserts by
hand, `chitieu snapshots verify` checks against those rules, the hash and the chain.
"""

from __future__ import annotations

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
)


def quote_identifier(name: str) -> str:
    """``name`` as an SQL identifier: in double quotes, a quote inside doubled."""
    if not name or "\0" in name:
        raise WarehouseError(f"not a usable role or schema name: {name!r}")
    return '"' + name.replace('"', '""') + '"'


def _schema(backend: Backend) -> str:
    if backend.dialect != "postgresql":
        raise WarehouseError(
            "roles are for PostgreSQL warehouses; a DuckDB file has none (whoever can "
            "read the file can read everything in it)"
        )
    [(schema,)] = backend.rows("SELECT current_schema()")
    return str(schema)


def auditor_sql(backend: Backend, role: str) -> str:
    """The statements that make ``role`` an auditor of this warehouse."""
    schema = quote_identifier(_schema(backend))
    template = query("roles/grant_auditor", backend.dialect)
    return template.format(schema=schema, role=quote_identifier(role))


def approver_sql(backend: Backend, role: str) -> str:
    """The statements that make ``role`` an approver: an auditor who may add sign-offs."""
    schema = quote_identifier(_schema(backend))
    template = query("roles/grant_approver", backend.dialect)
    own = template.format(schema=schema, role=quote_identifier(role))
    return f"{auditor_sql(backend, role)}\n{own}"


def _grant(backend: Backend, role: str, statements: str, kind: str) -> str:
    """Run ``statements`` for an existing, unprivileged role, in one transaction.

    Refuses a role that does not exist, a superuser, and the owner of the tables (or a
    member of the owning role): no grant restricts those.
    """
    standing = backend.rows(query("roles/role_standing", backend.dialect), [role])
    if not standing:
        raise WarehouseError(
            f"no role {role!r} on this server: create it first (CREATE ROLE ... LOGIN "
            "PASSWORD ...), then grant"
        )
    [(superuser, acts_as_owner)] = standing
    if superuser:
        raise WarehouseError(f"role {role!r} is a superuser: it can change everything anyway")
    if acts_as_owner:
        raise WarehouseError(
            f"role {role!r} owns the warehouse's tables (or belongs to the role that does): "
            f"an {kind} needs a role of its own"
        )
    with backend.transaction():
        backend.script(statements)
    return statements


def grant_auditor(backend: Backend, role: str) -> str:
    """Make ``role`` an auditor (see `_grant` for the roles refused); the SQL it ran."""
    return _grant(backend, role, auditor_sql(backend, role), "auditor")


def grant_approver(backend: Backend, role: str) -> str:
    """Make ``role`` an approver (see `_grant` for the roles refused); the SQL it ran."""
    return _grant(backend, role, approver_sql(backend, role), "approver")
