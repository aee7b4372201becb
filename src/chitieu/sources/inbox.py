"""The files of an inbox that chitieu reads, and the ones it refuses, by name.

Intake and ``validate`` read regular files, and only those that lie inside the folders
they were given. Whatever else an inbox holds is reported, never opened:

- a **symbolic link**, wherever it points: to a file outside the inbox (``/etc/shadow``),
  it would carry that file into the archive and the warehouse; to a file inside the
  inbox, that file is read under its own name (a second name for it would only be a
  duplicate), and a link to a folder is not walked;
- a **named pipe** (opening one blocks until someone writes), a **device** (``/dev/zero``
  never ends; opening some devices acts on them), a **socket**;
- a file larger than a report can be (`limits.MAX_FILE_BYTES`), told by its size
  before a byte of it is read.

A folder given on the command line may itself be a link (``/srv/inbox`` on a share):
the person named it. A file given on the command line must be a regular file. Hidden
files and folders (``.*``) and Office lock files (``~$*``) are skipped, as before.

chitieu's own files and folders (``own``: the warehouse's archive, feedback, reports,
gate results and heads log, its DuckDB file, the configuration; `settings.kept_by_chitieu`)
are never read as reports, wherever the inbox is: ``chitieu intake .`` run in the team's
folder would otherwise take in its own archive (each file again, as a duplicate), its
logs and its configuration (each a rejected report, archived). Each is reported, once,
as not read.

A file is checked when it is listed (``lstat``: nothing is opened) and again when it is
read: opened without following a link and without blocking, then checked to be the
same regular file, so that one swapped for a link or a pipe in between is refused too.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from chitieu.shown import shown
from chitieu.sources import ReceivedFile
from chitieu.sources.limits import MAX_FILE_BYTES, file_too_large


@dataclass(frozen=True)
class Refused:
    """A file that is not read: its name and why, in Vietnamese and English."""

    source_name: str
    check: str  # symlink | not_regular | file_too_large | unreadable | own
    message_vi: str
    message_en: str

    @property
    def message(self) -> str:
        return f"{self.message_vi} / {self.message_en}"


@dataclass(frozen=True)
class Gathered:
    """The files to read, in order, and those refused."""

    paths: list[Path]
    refused: list[Refused]


def gather_inbox(inputs: Sequence[Path], own: Collection[Path] = ()) -> Gathered:
    """Files to ingest: given files as they are, folders walked recursively in name
    order (never through a link), skipping hidden files (``.*``) and Office lock files
    (``~$*``); and every entry that is not read, with the reason. ``own``: chitieu's own
    files and folders (resolved paths), refused wherever they are met."""
    paths: list[Path] = []
    refused: list[Refused] = []
    kept = _Own.of(own)
    for item in inputs:
        real = Path(os.path.realpath(item))
        if real in kept.paths:
            refused.append(_own(item))
        elif item.is_dir():  # a folder given may be a link: the person named it
            found: list[Path] = []
            _walk(item, real, found, refused, kept, real)
            paths += sorted(found)
        else:
            why = _not_regular(item, _lstat(item), Path(os.path.realpath(item.parent)))
            if why is None:
                paths.append(item)
            else:
                refused.append(why)
    return Gathered(paths, refused)


def received_name(path: str) -> str:
    """The name a file is received under: its path as given, where a name that is not
    UTF-8 (a Vietnamese name written in another code page) keeps its odd bytes as
    ``\\xe1`` escapes, since no database or log takes them raw."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(path).decode("utf-8", "backslashreplace")
    return path


@dataclass(frozen=True)
class _Own:
    """chitieu's own files and folders (resolved), and their names: a national inbox's
    10,000 entries are each looked up by name, and only a name of one by its path."""

    paths: frozenset[Path]
    names: frozenset[str]

    @classmethod
    def of(cls, paths: Collection[Path]) -> _Own:
        return cls(frozenset(paths), frozenset(path.name for path in paths))


def _walk(
    folder: Path,
    root: Path,
    found: list[Path],
    refused: list[Refused],
    own: _Own,
    real: Path,
) -> None:
    """``real``: the folder's resolved path (the walk never follows a link: a subfolder's
    is its parent's and its name)."""
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as exc:
        refused.append(_unreadable(received_name(str(folder)), exc))
        return
    for entry in entries:
        path = folder / entry.name
        if entry.name.startswith("."):
            continue
        if entry.name in own.names and real / entry.name in own.paths:
            refused.append(_own(path))
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                _walk(path, root, found, refused, own, real / entry.name)
                continue
            if entry.is_file(follow_symlinks=False):
                if not entry.name.startswith("~$"):
                    found.append(path)
                continue
            why = _not_regular(path, entry.stat(follow_symlinks=False), root)
        except OSError as exc:
            why = _unreadable(received_name(str(path)), exc)
        if why is not None and not entry.name.startswith("~$"):
            refused.append(why)


def _lstat(path: Path) -> os.stat_result | OSError:
    try:
        return os.lstat(path)
    except OSError as exc:
        return exc


_KINDS: Final = (
    (stat.S_ISFIFO, "ống dẫn có tên (FIFO)", "a named pipe (FIFO)"),
    (stat.S_ISCHR, "thiết bị (device)", "a device"),
    (stat.S_ISBLK, "thiết bị (device)", "a device"),
    (stat.S_ISSOCK, "socket", "a socket"),
    (stat.S_ISDIR, "thư mục", "a folder"),
)


def _not_regular(
    path: Path, status: os.stat_result | OSError, root: Path | None = None
) -> Refused | None:
    """Why the entry ``path`` (its ``lstat``) is not read, or None for a regular file.
    ``root``: the folder a link may point inside, by default the entry's own (resolved
    only for a link: a realpath per file cost a national intake 0.05 s)."""
    if isinstance(status, os.stat_result) and stat.S_ISREG(status.st_mode):
        return None
    name = received_name(str(path))
    if isinstance(status, OSError):
        return _unreadable(name, status)
    mode = status.st_mode
    if stat.S_ISLNK(mode):
        return _link(name, path, Path(os.path.realpath(path.parent)) if root is None else root)
    vi, en = next(((vi, en) for test, vi, en in _KINDS if test(mode)), ("", "not a file"))
    return Refused(
        name,
        "not_regular",
        f"{vi or 'không phải tệp'}, không phải tệp thường: không mở",
        f"{en}, not a regular file: not opened",
    )


def _own(path: Path) -> Refused:
    return Refused(
        received_name(str(path)),
        "own",
        "của chính chitieu (kho lưu trữ, phản hồi, báo cáo, kết quả kiểm tra, nhật ký, kho "
        "dữ liệu hoặc cấu hình), không phải báo cáo của đơn vị: không đọc",
        "chitieu's own (its archive, feedback, reports, gate results, log, warehouse or "
        "configuration), not a unit's report: not read",
    )


def _link(name: str, path: Path, root: Path) -> Refused:
    target = Path(os.path.realpath(path))
    if target == root or root in target.parents:
        inside = shown(str(target.relative_to(root)))
        return Refused(
            name,
            "symlink",
            f"liên kết tượng trưng (symbolic link) tới {inside} trong hộp thư: liên kết không "
            "được theo, tệp thật được đọc theo tên của nó",
            f"symbolic link to {inside} inside the inbox: links are not followed, the file "
            "itself is read under its own name",
        )
    outside = shown(str(target))
    return Refused(
        name,
        "symlink",
        f"liên kết tượng trưng (symbolic link) tới {outside}, ngoài hộp thư: không đọc tệp "
        "nào ngoài các thư mục được giao",
        f"symbolic link to {outside}, outside the inbox: no file outside the folders given is read",
    )


_PERMANENT: Final = frozenset(
    {errno.EACCES, errno.EPERM, errno.ENOENT, errno.ENOTDIR, errno.ENAMETOOLONG, errno.ELOOP}
)
"""Errors that say something of the entry itself. Any other (EIO, ESTALE, ENOTCONN, a
timeout: a network share that went away) is raised, so that the intake retries."""


def _unreadable(name: str, exc: OSError) -> Refused:
    if exc.errno not in _PERMANENT:
        raise exc
    reason = shown(exc.strerror or type(exc).__name__)
    hint_vi, hint_en = _HINTS.get(exc.errno or 0, ("", ""))
    return Refused(
        name,
        "unreadable",
        f"không đọc được ({reason}){hint_vi}",
        f"cannot be read ({reason}){hint_en}",
    )


_HINTS: Final = {
    errno.EACCES: (": kiểm tra quyền đọc tệp", ": check the file's permissions"),
    errno.EPERM: (": kiểm tra quyền đọc tệp", ": check the file's permissions"),
    errno.ENOENT: (": tệp đã bị chuyển đi hoặc xóa", ": it was moved or deleted meanwhile"),
}


_OPEN_FLAGS: Final = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
_CHUNK: Final = 1 << 20


def receive(path: Path, source_name: str | None = None) -> ReceivedFile | Refused:
    """The file at ``path`` as received (named ``source_name``, by default the path), or
    why it is not read. Never follows a link, never opens anything but a regular file
    (checked first, without opening it), never reads past `MAX_FILE_BYTES`."""
    name = received_name(str(path)) if source_name is None else source_name
    status = _lstat(path)
    why = _not_regular(path, status)
    if why is not None:
        return _renamed(why, name)
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:  # ELOOP: it became a link since the lstat
        changed = exc.errno == errno.ELOOP
        return _renamed(_link(name, path, path.parent) if changed else _unreadable(name, exc), name)
    try:
        opened = os.fstat(fd)
        assert isinstance(status, os.stat_result)
        if (opened.st_dev, opened.st_ino) != (status.st_dev, status.st_ino):
            return _renamed(_not_regular(path, opened, path.parent) or _changed(name), name)
        if opened.st_size > MAX_FILE_BYTES:
            return _too_large(name, opened.st_size)
        chunks, size = [], 0
        while size <= MAX_FILE_BYTES and (chunk := os.read(fd, _CHUNK)):
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_FILE_BYTES:  # it grew while it was read
            return _too_large(name, size)
        return ReceivedFile.from_bytes(name, b"".join(chunks))
    except OSError as exc:
        return _unreadable(name, exc)
    finally:
        os.close(fd)


def _too_large(name: str, size: int) -> Refused:
    problem = file_too_large(size)
    return Refused(name, problem.check, problem.message_vi, problem.message_en)


def _changed(name: str) -> Refused:
    return Refused(
        name,
        "unreadable",
        "tệp bị thay bằng tệp khác trong lúc đọc: không đọc",
        "the file was replaced by another while it was read: not read",
    )


def _renamed(refused: Refused, name: str) -> Refused:
    return Refused(name, refused.check, refused.message_vi, refused.message_en)
