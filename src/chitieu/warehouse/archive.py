"""Every received file, kept byte for byte under its SHA-256: ``folder/ab/abcdef...``.

Content addressing makes archiving idempotent (the same bytes land on the same path) and
the write is atomic (a temporary file in the same folder, then ``os.replace``), so a crash
never leaves a half-written file under an archive name.

A batch is archived by `archive_files` in groups of up to `GROUP_FILES` files, each
durable as a whole before the caller registers the batch in the warehouse:

1. once the group is complete, each of its files is written under a temporary name, by
   the caller's thread: a few system calls that the page cache answers without waiting
   for the disk. (Written on a pool of threads, one file or a few at a time, they cost
   more: every thread coming back from a system call takes the interpreter's lock from
   the thread that parses, and the caller's own reads waited behind them.) Each file
   stays locked until it has its name, so `remove_stale_parts` leaves it alone;
2. one barrier, in the background while the caller reads the next group: every temporary
   file of the group is flushed to disk (``fsync``) at once, on a pool of threads, so the
   disk commits them together instead of one wait per file;
3. the renames into place: an archive name only ever holds a file already on disk;
4. one barrier again: each folder the group touched is flushed (``fsync`` of the folder,
   once), which makes the new names themselves durable.

What a power loss can lose at each step is in the README ("What is archived").
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import os
import re
import stat
import tempfile
import threading
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Final, NamedTuple, TypeAlias

from chitieu.errors import WarehouseError
from chitieu.sources import ReceivedFile
from chitieu.warehouse.faults import fault_point

_SHA256 = re.compile(r"[0-9a-f]{64}")
ARCHIVE_THREADS: Final = 16
"""Files (and folders) flushed at once: enough to keep the disk's queue busy; the threads
wait on the disk, not on the processor."""
GROUP_FILES: Final = 256
"""Files made durable together (one flush of them all, their renames, one flush of their
folders). Each stays open (locked) until renamed, so the groups also bound the open
files: at most `MAX_OPEN` at once, well under the usual limit of 1,024 a process."""
MAX_OPEN: Final = 2 * GROUP_FILES


def archived_path(folder: Path, sha256: str) -> Path:
    """Where the file with this SHA-256 (64 lowercase hex digits) is or would be kept."""
    if not _SHA256.fullmatch(sha256):
        raise WarehouseError(f"not a SHA-256 (64 lowercase hex digits): {sha256!r}")
    return folder / sha256[:2] / sha256


def _digest(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


class _Part(NamedTuple):
    """A file written under its temporary name, still open (``fd``) and locked."""

    target: Path
    temporary: Path
    fd: int


def _write(folder: Path, received: ReceivedFile, made: set[Path] | None = None) -> _Part | Path:
    """Step 1: the file's bytes under a temporary name beside their archive name, not yet
    flushed; or that name, when the same bytes are already there. ``made``: the folders
    known to exist (those this call makes are added)."""
    actual = hashlib.sha256(received.content).hexdigest()
    if actual != received.sha256:
        raise WarehouseError(
            f"{received.source_name}: its bytes hash to {actual}, not {received.sha256}"
        )
    target = archived_path(folder, actual)
    if target.is_file() and _digest(target) == actual:
        return target
    if made is None or target.parent not in made:
        target.parent.mkdir(parents=True, exist_ok=True)
        if made is not None:
            made.add(target.parent)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{actual[:16]}.", suffix=".part")
    try:
        # locked until it has its name: `remove_stale_parts` leaves a file being written
        fcntl.flock(fd, fcntl.LOCK_EX)
        with os.fdopen(fd, "wb", closefd=False) as f:
            f.write(received.content)
        os.fchmod(fd, 0o444)  # an archived file is never edited
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        os.close(fd)
        raise
    return _Part(target, Path(temporary), fd)


_Written: TypeAlias = "_Part | Path | Exception"
"""A file's write: its temporary file, its archive name (already there), or what failed."""


def _written(write: _Written) -> _Part | Path:
    if isinstance(write, Exception):
        raise write
    return write


def _target(written: _Part | Path) -> Path:
    return written.target if isinstance(written, _Part) else written


def _flush_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _make_durable(folder: Path, written: list[_Part | Path], pool: ThreadPoolExecutor) -> None:
    """Steps 2 to 4 for a group: flush every temporary file at once, rename each into
    place, flush each folder touched, once. A file found already in the archive gets its
    folder flushed too: an intake killed between a rename and that flush may have left
    it there. A temporary file not renamed is removed; each is closed (unlocked)."""
    parts = [w for w in written if isinstance(w, _Part)]
    renamed = 0
    try:
        list(pool.map(os.fsync, [part.fd for part in parts]))
        fault_point("archive:after_flush")
        for part in parts:
            os.replace(part.temporary, part.target)
            renamed += 1
        fault_point("archive:after_renames")
        folders = {_target(w).parent for w in written} | {folder}
        list(pool.map(_flush_folder, sorted(folders)))
    finally:
        for part in parts[renamed:]:
            part.temporary.unlink(missing_ok=True)
        for part in parts:
            os.close(part.fd)


def archive_file(folder: Path, received: ReceivedFile) -> Path:
    """Keep the file's bytes under their SHA-256; nothing to do if they are already there."""
    with archive_files(folder, [received]) as writes:
        pass
    return writes.wait()[0]


_PART: Final = re.compile(r"\.[0-9a-f]{16}\.[A-Za-z0-9_]+\.part")
"""The name `archive_files` gives a temporary file (``tempfile.mkstemp``'s letters)."""


def remove_stale_parts(folder: Path, before: dt.datetime) -> int:
    """Remove the temporary files an interrupted intake left in the archive, and say
    how many: only ours (named as `archive_files` names them, in its ``ab/`` folders),
    older than ``before`` (when the current intake started), and not being written (a
    write holds a lock on its file until it has its name)."""
    removed = 0
    for part in folder.glob("[0-9a-f][0-9a-f]/.*.part"):
        if not _PART.fullmatch(part.name):
            continue
        try:
            status = part.lstat()
            if not stat.S_ISREG(status.st_mode) or status.st_mtime >= before.timestamp():
                continue
            fd = os.open(part, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue  # gone meanwhile, or not ours to open
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            part.unlink()
            removed += 1
        except OSError:  # being written (locked), or renamed into place meanwhile
            continue
        finally:
            os.close(fd)
    return removed


class ArchiveWrites:
    """A batch of files being archived: `archive_files`. Files are written a group at a
    time (`GROUP_FILES`), when the group is complete, and each group is made durable in
    the background while the caller goes on; `all_added` writes the last group and starts
    on it while the caller validates the batch. Leaving the ``with`` block (or calling
    `wait`) waits until every file is durable in the archive, and raises the first error."""

    def __init__(self, folder: Path, files: Iterable[ReceivedFile]) -> None:
        self._folder = folder
        if not folder.is_dir():
            folder.mkdir(parents=True, exist_ok=True)
            _flush_folder(folder.parent)  # the archive's own name, made durable once
        self._pool = ThreadPoolExecutor(ARCHIVE_THREADS, thread_name_prefix="archive")
        # one group made durable at a time, while the caller reads the next one
        self._flusher = ThreadPoolExecutor(1, thread_name_prefix="archive-flush")
        self._open = threading.BoundedSemaphore(MAX_OPEN)
        self._made: set[Path] = set()  # the archive's folders known to exist
        self._writes: list[_Written] = []
        self._group: list[ReceivedFile] = []
        self._groups: list[Future[None]] = []
        for received in files:
            self.add(received)

    def add(self, received: ReceivedFile) -> None:
        """Archive one more file, with its group (waits while `MAX_OPEN` files are written
        and not yet durable)."""
        self._open.acquire()
        self._group.append(received)
        if len(self._group) >= GROUP_FILES:
            self.all_added()

    def all_added(self) -> None:
        """No more files for now: write those added since the last group, and make them
        durable in the background."""
        if self._group:
            group, self._group = self._group, []
            written = [self._write(received) for received in group]
            self._writes += written
            self._groups.append(self._flusher.submit(self._make_group_durable, written))

    def _write(self, received: ReceivedFile) -> _Written:
        try:
            return _write(self._folder, received, self._made)
        except Exception as error:  # the others are still written and made durable
            return error

    def _make_group_durable(self, group: list[_Written]) -> None:
        written = [write for write in group if not isinstance(write, Exception)]
        try:
            _make_durable(self._folder, written, self._pool)
        finally:
            self._open.release(len(group))
        failures = [write for write in group if isinstance(write, Exception)]
        if failures:
            raise failures[0]

    def wait(self) -> list[Path]:
        """The archived paths, in the order of the files, once all are durable."""
        try:
            self.all_added()
            for group in self._groups:
                group.result()
            return [_target(_written(write)) for write in self._writes]
        finally:
            self._flusher.shutdown(wait=True)
            self._pool.shutdown(wait=True)

    def __enter__(self) -> ArchiveWrites:
        return self

    def __exit__(self, *exc: object) -> None:
        self.wait()


def archive_files(folder: Path, files: Iterable[ReceivedFile]) -> ArchiveWrites:
    """Start archiving ``files`` on a pool of threads; `ArchiveWrites.wait` for them."""
    return ArchiveWrites(folder, files)


def _digest_or_none(path: Path) -> str | None:
    try:
        return _digest(path)
    except FileNotFoundError:
        return None


def archived_digests(folder: Path, shas: Iterable[str]) -> dict[str, str | None]:
    """Each archived file's SHA-256 as its bytes give it now (None: not in the archive),
    read on a pool of threads (opening a file waits on the disk)."""
    wanted = sorted(set(shas))
    with ThreadPoolExecutor(ARCHIVE_THREADS, thread_name_prefix="rehash") as pool:
        digests = pool.map(_digest_or_none, (archived_path(folder, sha) for sha in wanted))
        return dict(zip(wanted, digests, strict=True))
