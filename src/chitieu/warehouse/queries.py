"""The warehouse's SQL, kept in ``sql/`` as one file per operation.

A statement is written once for every backend; where one needs its own text, a file
``<name>.<dialect>.sql`` next to ``<name>.sql`` takes precedence for that dialect.
Parameters are positional ``$1, $2...``, which DuckDB and PostgreSQL both read.
Bulk rows are read from *staged* relations (``staged_<what>``) the backend provides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

_MIGRATION = re.compile(r"(\d{3})_([a-z0-9_]+)(?:\.([a-z]+))?\.sql")


def _sql_root() -> Traversable:
    return resources.files("chitieu.warehouse").joinpath("sql")


@cache
def query(name: str, dialect: str) -> str:
    """The text of ``sql/<name>.sql`` (``name`` may hold ``/``), the dialect's own if any."""
    *folders, stem = name.split("/")
    folder = _sql_root().joinpath(*folders)
    for candidate in (f"{stem}.{dialect}.sql", f"{stem}.sql"):
        file = folder.joinpath(candidate)
        if file.is_file():
            return file.read_text(encoding="utf-8")
    raise LookupError(f"no SQL file for {name!r} ({dialect})")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


@cache
def migrations(dialect: str) -> tuple[Migration, ...]:
    """The schema migrations ``sql/migrations/NNN_name.sql`` in order of their numbers.

    A number may be missing (a branch numbers its migration ahead of the ones merged
    before it); two migrations with one number for one dialect are refused.
    """
    chosen: dict[int, tuple[str, str, bool]] = {}  # version -> (name, file, dialect's own)
    for entry in sorted(_sql_root().joinpath("migrations").iterdir(), key=lambda e: e.name):
        found = _MIGRATION.fullmatch(entry.name)
        if not found or found[3] not in (None, dialect):
            continue
        version, own = int(found[1]), found[3] is not None
        if version in chosen and chosen[version][2] == own:
            raise LookupError(
                f"two migrations numbered {version:03d}: {chosen[version][1]} and {entry.name}"
            )
        if version not in chosen or own:
            chosen[version] = (found[2], entry.name, own)
    folder = _sql_root().joinpath("migrations")
    return tuple(
        Migration(v, chosen[v][0], folder.joinpath(chosen[v][1]).read_text(encoding="utf-8"))
        for v in sorted(chosen)
    )
