"""The versioned schema: numbered migrations applied in order, in one transaction."""

from __future__ import annotations

import datetime as dt

from chitieu.errors import WarehouseError
from chitieu.warehouse.backend import Backend
from chitieu.warehouse.queries import migrations, query


def _applied(backend: Backend) -> set[int]:
    """The migrations applied, none for an empty warehouse; reads only, so a read-only role
    can."""
    [(exists,)] = backend.rows(query("schema_version_exists", backend.dialect))
    if not exists:
        return set()
    return {int(v) for (v,) in backend.rows(query("schema_version_applied", backend.dialect))}


def _newer(where: str, current: int, newest: int) -> WarehouseError:
    return WarehouseError(
        f"kho dữ liệu {where} có lược đồ phiên bản {current}, mới hơn phiên bản chitieu này "
        f"biết ({newest}): hãy nâng cấp chitieu để dùng kho này / the warehouse {where} has "
        f"schema version {current}, newer than this chitieu knows ({newest}): upgrade "
        "chitieu to use it"
    )


def migrate(backend: Backend, where: str, create: bool = True) -> int:
    """Bring the schema up to the newest version this code knows; return that version.

    Every known migration not yet recorded in ``schema_version`` is applied, in version
    order: migrations numbered on separate branches (each issue its own number) apply
    whichever order they were merged in. Opening an up-to-date warehouse writes nothing
    (an auditor's read-only role can open it). Concurrent openers take turns under a
    lock, so each migration runs once. A warehouse written by a newer chitieu is refused
    rather than misread. ``where`` names it (redacted) in messages. Without ``create``,
    an empty database is refused rather than given the tables.
    """
    known = migrations(backend.dialect)
    newest = known[-1].version if known else 0
    applied = _applied(backend)
    current = max(applied, default=0)
    if current == 0 and not create:
        raise WarehouseError(
            f"không có kho dữ liệu ở {where}: lược đồ của nó không có bảng nào của chitieu, "
            "chưa từng tiếp nhận gì ở đó (kiểm tra URL và search_path của nó) / no warehouse "
            f"in {where}: its schema holds no chitieu tables, nothing was ever ingested there "
            "(check the URL and its search_path)"
        )
    if current > newest:
        raise _newer(where, current, newest)
    if {m.version for m in known} <= applied:
        return current
    try:
        with backend.transaction():
            backend.lock("migrate")
            backend.script(query("schema_version_create", backend.dialect))
            applied = _applied(backend)  # another opener may have got there first
            for migration in known:
                if migration.version in applied:
                    continue
                backend.script(migration.sql)
                backend.execute(
                    query("schema_version_record", backend.dialect),
                    [migration.version, dt.datetime.now(dt.UTC)],
                )
            current = max(applied, default=0)
    except WarehouseError as error:
        if current == 0:  # nothing of chitieu's that this role can see
            raise WarehouseError(
                f"vai trò này không thấy bảng nào của chitieu ở {where} và không tạo được: nếu "
                "kho đã có, vai trò này không có quyền trên kho, chủ kho cấp quyền cho nó "
                "(chitieu warehouse grant-auditor ROLE, hoặc grant-approver ROLE); muốn tạo "
                "kho mới thì dùng một vai trò có quyền tạo bảng ở đó / "
                f"no chitieu tables this role can see in "
                f"{where}, and creating them failed: {error}. If the warehouse exists, this "
                "role has no rights on it: its owner grants them (chitieu warehouse "
                "grant-auditor ROLE, or grant-approver ROLE); a new warehouse is created by "
                "a role that may create tables there"
            ) from error
        raise WarehouseError(
            f"kho dữ liệu {where} cần nâng cấp lược đồ từ phiên bản {current} lên {newest} "
            "nhưng không nâng cấp được (vai trò chỉ đọc thì không nâng cấp được: hãy để chủ "
            "kho mở kho một lần bằng chitieu này) / the warehouse "
            f"{where} needs upgrading from schema version {current} to {newest}, which "
            "failed (a read-only role cannot: let its owner open it once with this chitieu): "
            f"{error}"
        ) from error
    if current > newest:  # a newer chitieu upgraded it meanwhile
        raise _newer(where, current, newest)
    return max(current, newest)
