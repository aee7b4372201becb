"""The archive keeps every received file byte for byte, atomically, once."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

from chitieu.errors import WarehouseError
from chitieu.sources import ReceivedFile
from chitieu.warehouse import archive, archive_file, archive_files, archived_path

# a BOM, Vietnamese text, CRLF line ends and a stray NUL: nothing may be normalised away
CONTENT = "\ufefforg_unit_code,value\r\n28987,Đảng viên\r\n".encode() + b"\x00\xff"


def test_archived_bytes_are_identical(tmp_path: Path) -> None:
    received = ReceivedFile.from_bytes("inbox/bao cao.csv", CONTENT)
    path = archive_file(tmp_path, received)
    assert path == tmp_path / received.sha256[:2] / received.sha256
    assert path == archived_path(tmp_path, received.sha256)
    assert path.read_bytes() == CONTENT


def test_archiving_twice_changes_nothing(tmp_path: Path) -> None:
    received = ReceivedFile.from_bytes("a.csv", CONTENT)
    first = archive_file(tmp_path, received)
    stamp = first.stat().st_mtime_ns
    again = archive_file(tmp_path, ReceivedFile.from_bytes("renamed.csv", CONTENT))
    assert again == first
    assert first.stat().st_mtime_ns == stamp
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [first]


def test_a_damaged_copy_is_replaced(tmp_path: Path) -> None:
    received = ReceivedFile.from_bytes("a.csv", CONTENT)
    path = archive_file(tmp_path, received)
    path.chmod(0o644)
    path.write_bytes(b"truncated")
    assert archive_file(tmp_path, received).read_bytes() == CONTENT


def test_a_failed_write_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    received = ReceivedFile.from_bytes("a.csv", CONTENT)

    def interrupted(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(archive.os, "replace", interrupted)
    with pytest.raises(OSError, match="disk full"):
        archive_file(tmp_path, received)
    assert not archived_path(tmp_path, received.sha256).exists()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_the_file_appears_whole_by_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What is renamed into place is a finished file in the same folder."""
    seen: list[tuple[bytes, Path]] = []
    real_replace = os.replace

    def watching(src: str, dst: str) -> None:
        seen.append((Path(src).read_bytes(), Path(src).parent))
        real_replace(src, dst)

    monkeypatch.setattr(archive.os, "replace", watching)
    path = archive_file(tmp_path, ReceivedFile.from_bytes("a.csv", CONTENT))
    assert seen == [(CONTENT, path.parent)]


def test_a_wrong_sha256_is_refused(tmp_path: Path) -> None:
    lying = ReceivedFile("a.csv", CONTENT, "0" * 64)
    with pytest.raises(WarehouseError, match=r"a\.csv: its bytes hash to"):
        archive_file(tmp_path, lying)


def test_archived_path_wants_a_sha256(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match="not a SHA-256"):
        archived_path(tmp_path, "../../etc/passwd")


def test_a_batch_is_archived_whole_by_many_writers(tmp_path: Path) -> None:
    """Hundreds of files at once, the same bytes twice among them: each lands once, whole."""
    files = [ReceivedFile.from_bytes(f"f{i}.csv", CONTENT + str(i).encode()) for i in range(300)]
    files.append(ReceivedFile.from_bytes("again.csv", files[7].content))
    with archive_files(tmp_path, files) as writes:
        pass
    paths = writes.wait()
    assert paths[-1] == paths[7]
    assert [p.read_bytes() for p in paths] == [f.content for f in files]
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 300


def test_a_failed_write_in_a_batch_is_raised(tmp_path: Path) -> None:
    files = [
        ReceivedFile.from_bytes("good.csv", CONTENT),
        ReceivedFile("bad.csv", CONTENT, "1" * 64),
    ]
    with pytest.raises(WarehouseError, match=r"bad\.csv: its bytes hash to"):
        archive_files(tmp_path, files).wait()
    assert archived_path(tmp_path, files[0].sha256).read_bytes() == CONTENT


def test_a_batch_is_flushed_then_renamed_then_its_folders_flushed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Per group: every temporary file flushed before any rename, every folder flushed
    after the renames, all of it before `wait` returns; one flush per file and per folder."""
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        real_fsync(fd)
        events.append(("flush", os.readlink(f"/proc/self/fd/{fd}")))

    def replace(src: str, dst: str) -> None:
        real_replace(src, dst)
        events.append(("rename", str(src)))

    monkeypatch.setattr(archive.os, "fsync", fsync)
    monkeypatch.setattr(archive.os, "replace", replace)
    files = [ReceivedFile.from_bytes(f"f{i}.csv", CONTENT + str(i).encode()) for i in range(400)]
    paths = archive_files(tmp_path, files).wait()
    assert [p.read_bytes() for p in paths] == [f.content for f in files]
    flushed = [Path(name) for kind, name in events if kind == "flush"]
    renamed = [Path(name) for kind, name in events if kind == "rename"]
    assert sorted(p for p in flushed if p.suffix == ".part") == sorted(renamed)
    size = archive.GROUP_FILES
    folders = [
        folder
        for start in range(0, len(paths), size)
        for folder in {p.parent for p in paths[start : start + size]} | {tmp_path}
    ]  # each folder once per group that touched it
    assert sorted(p for p in flushed if p.suffix != ".part") == sorted(folders)
    # the groups: a flush of its files, its renames, a flush of its folders; in that order
    kinds = [
        "folder" if kind == "flush" and not name.endswith(".part") else kind
        for kind, name in events
    ]
    runs = [kind for kind, _ in itertools.groupby(kinds)]
    assert runs == ["flush", "rename", "folder"] * -(-len(files) // size)
    assert not list(tmp_path.rglob("*.part"))


def test_a_failed_flush_names_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file not on disk never gets its archive name; its temporary file is removed."""
    files = [ReceivedFile.from_bytes(f"f{i}.csv", CONTENT + str(i).encode()) for i in range(20)]
    real_fsync = os.fsync

    def failing(fd: int) -> None:
        if os.readlink(f"/proc/self/fd/{fd}").endswith(".part"):
            raise OSError("I/O error")
        real_fsync(fd)

    monkeypatch.setattr(archive.os, "fsync", failing)
    with pytest.raises(OSError, match="I/O error"):
        archive_files(tmp_path, files).wait()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_a_file_already_archived_gets_its_folder_flushed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Left by an intake killed between its rename and the folder's flush, it is not
    written again, but its name is made durable before the batch is registered."""
    received = ReceivedFile.from_bytes("a.csv", CONTENT)
    path = archive_file(tmp_path, received)
    flushed: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        flushed.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(archive.os, "fsync", fsync)
    assert archive_files(tmp_path, [received]).wait() == [path]
    assert sorted(flushed) == sorted([str(path.parent), str(tmp_path)])


def test_open_files_stay_bounded(tmp_path: Path) -> None:
    """A group's temporary files stay open (locked) until renamed: never more than
    `MAX_OPEN` at once, whatever the batch."""
    before = len(os.listdir("/proc/self/fd"))
    most = 0
    files = [ReceivedFile.from_bytes(f"f{i}.csv", str(i).encode()) for i in range(1500)]
    with archive_files(tmp_path, []) as writes:
        for received in files:
            writes.add(received)
            most = max(most, len(os.listdir("/proc/self/fd")) - before)
    assert most <= archive.MAX_OPEN + archive.ARCHIVE_THREADS + 4
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 1500
