"""The archive keeps every received file byte for byte, atomically, once."""

from __future__ import annotations

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
