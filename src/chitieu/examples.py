"""Where the bundled example lives: ``examples/`` of a source checkout, or the copy
packaged inside the wheel (``chitieu/_examples``)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from chitieu.errors import ChitieuError
from chitieu.shown import clipped

EXAMPLE = "giong_trom_2024"


def example_dir(name: str = EXAMPLE) -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here.parents[1] / "examples" / name, here / "_examples" / name):
        if (candidate / "config" / "catalog.yaml").exists():
            return candidate
    raise ChitieuError(f"bundled example {name!r} not found next to {here}")


def example_shas(name: str = EXAMPLE) -> frozenset[str]:
    """The SHA-256 of every file the demo takes in (the example's ``submissions/``)."""
    folder = example_dir(name) / "submissions"
    return frozenset(
        hashlib.sha256(path.read_bytes()).hexdigest()
        for path in folder.rglob("*")
        if path.is_file()
    )


def demo_leftovers(folder: Path) -> list[Path]:
    """What an earlier demo left in ``folder`` for the next one to remove (its warehouse,
    the warehouse's write-ahead log, archive and heads log), the files beside the
    warehouse first; `DemoFolderTaken`, nothing removed, when any of it is not the
    demo's: a warehouse or an archive holding a report that is no file of the example,
    a file that is no warehouse, a heads log without the warehouse it belongs to (a
    team's ``--workdir .`` in its data folder lost its warehouse, archive and log)."""
    from chitieu.files import output_refused
    from chitieu.settings import HEADS_LOG, beside_warehouse

    database = folder / "warehouse.duckdb"
    url = f"duckdb:///{database}"
    archive, heads_log = beside_warehouse(url, "archive"), beside_warehouse(url, HEADS_LOG)
    wal = database.with_suffix(".duckdb.wal")
    with output_refused(database):  # a name too long for the system, say: its reason
        present = [p for p in (heads_log, archive, wal, database) if p.is_symlink() or p.exists()]
    if not present:
        return []
    shas = example_shas()
    foreign: tuple[str, str] | None = None
    if database.exists() or database.is_symlink():
        foreign = _foreign_reports(database, shas)
    elif heads_log.exists() or heads_log.is_symlink():
        foreign = (
            f"nhật ký {heads_log.name} mà không có kho dữ liệu bên cạnh",
            f"its heads log {heads_log.name} with no warehouse beside it",
        )
    if foreign is None and archive.is_dir():
        kept = [p for p in archive.rglob("*") if p.is_file() or p.is_symlink()]
        strangers = sum(1 for p in kept if p.name not in shas and not p.name.startswith("."))
        if strangers:
            foreign = (
                f"{strangers} tệp lưu trữ không phải tệp của ví dụ",
                f"{strangers} archived file(s) that are no file of the example",
            )
    elif foreign is None and archive.exists():
        foreign = (f"{archive.name} không phải thư mục", f"{archive.name}, which is not a folder")
    if foreign is not None:
        vi, en = foreign
        raise DemoFolderTaken(
            f"{clipped(str(folder))}: thư mục này giữ dữ liệu không phải của bản chạy thử "
            f"({vi}); chọn thư mục khác cho --workdir, không xoá gì / this folder holds "
            f"data the demo did not make ({en}): name another --workdir (the demo begins "
            "by removing its own earlier warehouse there); nothing was removed"
        )
    return present


def clear_demo_folder(folder: Path) -> None:
    """Remove what an earlier demo left in ``folder`` (`demo_leftovers`, which refuses
    anything else): a folder with what it holds, a file, a link (a dangling one too),
    never what a link points to."""
    import shutil

    for stale in demo_leftovers(folder):
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale)
        else:
            stale.unlink()


def _foreign_reports(database: Path, shas: frozenset[str]) -> tuple[str, str] | None:
    """Why the warehouse at ``database`` is not the demo's (Vietnamese, English), or None
    when every report it holds is a file of the example. Read only: a team's warehouse
    of an older schema is not upgraded by being looked at."""
    from chitieu.warehouse.duckdb_backend import received_digests

    if not database.is_file() or database.is_symlink():
        return (
            f"{database.name} không phải tệp kho dữ liệu",
            f"{database.name}, which is not a warehouse file",
        )
    held = received_digests(database)
    if held is None:
        return (
            f"{database.name}, chitieu không đọc được như một kho dữ liệu (không phải kho, "
            "hoặc đang được tiến trình khác dùng)",
            f"{database.name}, which chitieu cannot read as a warehouse (not one, or in use "
            "by another process)",
        )
    others = len(held - shas)
    if others:
        return (
            f"một kho dữ liệu có {others} báo cáo không phải tệp của ví dụ",
            f"a warehouse with {others} report(s) that are no file of the example",
        )
    return None


class DemoFolderTaken(ChitieuError):
    """A ``--workdir`` for the demo that holds a warehouse, archive or heads log the demo
    did not make: it would have removed them."""

    exit_code = 2
