"""The command line (SPEC §4). Domain errors become one clear line and an exit code here,
and only here. Heavy modules (Prefect, Great Expectations, pandera) are imported inside
the commands that need them, so ``chitieu --help`` and the read-only commands start fast.

One module per family of commands; each registers itself on the group in `_base`.
"""

from __future__ import annotations

import errno
import gc
import os
import sys
from typing import Final

import click

from chitieu.cli import (
    audit,
    check_text,
    hierarchy,
    intake,
    review,
    server,
    signoff,
    status,
    template,
    warehouse,
)
from chitieu.cli._base import cli
from chitieu.errors import ChitieuError, fault_reason

__all__ = [
    "audit",
    "check_text",
    "cli",
    "hierarchy",
    "intake",
    "main",
    "review",
    "server",
    "signoff",
    "status",
    "template",
    "warehouse",
]


DEBUG_ENV: Final = "CHITIEU_DEBUG"
UNEXPECTED_EXIT_CODE: Final = 70
"""A fault of chitieu's own (sysexits' EX_SOFTWARE): no check expected it."""


def _a_fault(exc: BaseException) -> bool:
    """An exception, or a panic of a library written in Rust (polars' ``PanicException``
    is a `BaseException`, as pyo3 makes them); never an exit or an interrupt."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


DISK_FULL_EXIT_CODE: Final = 74
"""The disk filled up (sysexits' EX_IOERR): not chitieu's fault, and nothing half-written."""


def disk_full(exc: BaseException) -> bool:
    """Whether the disk filling up is behind ``exc``: an `OSError` ENOSPC among its
    causes, or the words of one in a message that carried it over (Great Expectations'
    own errors, DuckDB's, a worker's answer)."""
    seen: BaseException | None = exc
    for _ in range(16):  # a chain of causes, never a loop
        if seen is None:
            return False
        if isinstance(seen, OSError) and seen.errno == errno.ENOSPC:
            return True
        if "No space left on device" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def unexpected(exc: BaseException) -> str:
    """The lines a fault of chitieu's own is told in: what it was (one line, escaped, any
    password redacted), that what was committed stands, how to see where it happened."""
    from chitieu.settings import redact
    from chitieu.shown import shown

    reason = shown(redact(fault_reason(exc, 300)))
    return (
        f"chitieu: lỗi không lường trước của chitieu / unexpected error in chitieu: {reason}\n"
        "  Những gì đã ghi xong vẫn nguyên vẹn (mỗi lần ghi là trọn vẹn hoặc không có gì); chạy "
        f"lại lệnh với {DEBUG_ENV}=1 để xem lỗi xảy ra ở đâu, rồi báo cho người bảo trì "
        "chitieu. / What was written stands (every write is whole or nothing); run the "
        f"command again with {DEBUG_ENV}=1 to see where it happened, and report it to "
        "whoever maintains chitieu."
    )


_DISK_FULL: Final = (
    "chitieu: hết chỗ trên đĩa / no space left on device: những gì đã ghi xong vẫn nguyên "
    "vẹn, việc đang làm không được ghi; giải phóng chỗ trống (kho dữ liệu, thư mục lưu "
    "trữ, thư mục tạm) rồi chạy lại lệnh / what was written stands, what was under way "
    "was not written; free some space (where the warehouse, its archive and the temporary "
    "folder are) and run the command again"
)


def main() -> None:
    """Console entry point: run the command, turning domain errors into messages."""
    try:
        code = cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        if isinstance(exc, click.UsageError):  # Click's own words are English
            command = exc.ctx.command_path if exc.ctx else "chitieu"
            click.echo(
                f"Lỗi: lệnh gọi chưa đúng (xem dòng Error ở trên); cách dùng: {command} --help",
                err=True,
            )
        sys.exit(exc.exit_code)
    except ChitieuError as exc:
        if disk_full(exc):  # a warehouse's commit, say: its words are the database's
            click.echo(_DISK_FULL, err=True)
            sys.exit(DISK_FULL_EXIT_CODE)
        click.echo(f"chitieu: {exc}", err=True)
        sys.exit(exc.exit_code)
    except BaseException as exc:  # a fault of chitieu's own, not of what it was given
        if not _a_fault(exc) or os.environ.get(DEBUG_ENV):
            raise
        if disk_full(exc):
            click.echo(_DISK_FULL, err=True)
            sys.exit(DISK_FULL_EXIT_CODE)
        click.echo(unexpected(exc), err=True)
        sys.exit(UNEXPECTED_EXIT_CODE)
    finally:
        # The command is over, its files and connections closed: what it leaves is freed
        # with the process, and the collections the interpreter runs as it ends would
        # walk all of it (0.1-0.2 s after a flow run). Prefect's log and event workers
        # still send what they hold before the process ends.
        gc.freeze()
    sys.exit(code if isinstance(code, int) else 0)
