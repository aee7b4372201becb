"""Files chitieu writes for people (feedback workbooks, annotated drafts): atomically, so
that a crash or a full disk never leaves a half-written file under the name asked for.

Each gets the permissions a plain ``open()`` would give it (``0o666`` less the umask, or
what a folder's default ACL says), not ``tempfile.mkstemp``'s ``0o600``: reports and
workbooks in a team's shared folder are for the team to read. Nothing secret is written
here (the quality service's key is written owner-only where it is made; the archive
makes its files read-only).

A name the system refuses (too long, in a folder that takes no new file such as
``/proc/self``, not allowed) is an `OutputError` naming it and the system's reason."""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from chitieu.errors import OutputError
from chitieu.shown import clipped


@contextmanager
def output_refused(target: Path) -> Iterator[None]:
    """An `OSError` about ``target`` (or the folders or temporary file of its write) as
    an `OutputError` naming it, caused by the `OSError` (a full disk is still told as
    one, from its cause)."""
    try:
        yield
    except OSError as error:
        reason = error.strerror or type(error).__name__
        meaning = _REASONS_VI.get(error.errno or 0)
        why = f" ({meaning})" if meaning else ""
        raise OutputError(
            f"{clipped(str(target))}: không ghi được tệp ở đây{why}: hãy đặt tên tệp khác / "
            f"cannot write a file there ({reason}): name another file"
        ) from error


_REASONS_VI: Final = {
    errno.ENAMETOOLONG: "tên quá dài",
    errno.ENOENT: "thư mục không có hoặc không nhận tệp mới",
    errno.ENOTDIR: "một phần của đường dẫn không phải thư mục",
    errno.EACCES: "không có quyền ghi",
    errno.EPERM: "không được phép",
    errno.EROFS: "ổ đĩa chỉ cho đọc",
    errno.ENOSPC: "đĩa đã đầy",
    errno.EDQUOT: "đã hết hạn mức dung lượng",
    errno.EISDIR: "đó là một thư mục",
    errno.ELOOP: "quá nhiều liên kết tượng trưng",
}
"""What the system's reason means, for the Vietnamese half; the system's own words stay
in the English half (``config.wording``). A reason not here is said in English only."""


def writable(target: Path, *, reads: Path | None = None, replace: bool = True) -> None:
    """Raise `OutputError` unless a file may be written at ``target``: nothing there, or
    a file (or a link, which the rename replaces, never what it points to), never a
    folder, a device or a pipe (a rename over ``/dev/null`` replaces the device); its
    nearest existing folder a folder; not the file ``reads`` (the input itself); and,
    with ``replace=False``, nothing there at all."""
    with output_refused(target):
        _check_writable(target, reads, replace)


def _check_writable(target: Path, reads: Path | None, replace: bool) -> None:
    named = clipped(str(target))
    try:
        mode: int | None = target.lstat().st_mode
    except FileNotFoundError:
        mode = None
    except NotADirectoryError:
        mode = None  # a file where a folder of the path should be: said below
    if mode is not None and not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
        raise OutputError(
            f"{named}: không phải là tệp, không ghi đè / is no file (a folder, a device "
            "or a pipe) and is never written over: name a file"
        )
    folder = target.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        where = clipped(str(folder))
        raise OutputError(
            f"{named}: {where} không phải là thư mục / {where} is no folder: name a "
            "file in a folder"
        )
    if reads is not None and mode is not None and reads.exists() and target.samefile(reads):
        raise OutputError(
            f"{named}: không ghi đè lên tệp đang đọc / is the file being read and is never "
            "written over: name another file"
        )
    if not replace and mode is not None:
        raise OutputError(
            f"{named}: tệp đã có, không ghi đè / exists and is not replaced (it may be a "
            "filled-in report): name another file, or give --force to replace it"
        )


def write_atomically(target: Path, content: bytes) -> Path:
    """Write ``content`` at ``target``: `write_through_temporary`."""
    return write_through_temporary(target, lambda temporary: temporary.write_bytes(content))


def write_through_temporary(target: Path, write: Callable[[Path], object]) -> Path:
    """``write`` a temporary file in ``target``'s folder, then rename it to ``target``
    (`writable` first): a crash or a full disk leaves no half-written file there, and a
    write that fails no folder made for it. What the system refuses of the path (not of
    ``write``'s own inputs) is an `OutputError`."""
    writable(target)
    made = [f for f in (target.parent, *target.parent.parents) if not f.exists()]
    temporary: Path | None = None
    try:
        with output_refused(target):
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = _new_temporary(target)
        write(temporary)
        with output_refused(target):
            os.replace(temporary, target)
    except BaseException:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        for folder in made:  # the deepest first; one that holds something else stays
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    return target


_TRIES: Final = 100
_NAME_BYTES: Final = 255 - len(".12345678.part") - 1
"""What a temporary file keeps of the target's name: the whole name makes one too long
for the system (255 bytes) when the name itself nearly is."""


def _new_temporary(target: Path) -> Path:
    """A new empty file beside ``target`` (``.NAME.RANDOM.part``), made as ``open()``
    makes one: mode ``0o666`` that the kernel narrows by the umask (read by no one here:
    ``os.umask`` is the whole process's and setting it to read it races other threads).
    ``O_EXCL``: never a file or a link already there."""
    name = target.name[:_NAME_BYTES]
    while len(os.fsencode(name)) > _NAME_BYTES:  # a letter of Vietnamese is 2 or 3 bytes
        name = name[:-1]
    for _ in range(_TRIES):
        temporary = target.parent / f".{name}.{secrets.token_hex(4)}.part"
        try:
            handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(handle)
        return temporary
    raise FileExistsError(f"no free temporary name beside {target} after {_TRIES} tries")
