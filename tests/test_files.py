"""`chitieu.files`: a file written atomically gets the permissions a plain ``open()``
would give it (``0o666`` less the umask), not ``tempfile.mkstemp``'s ``0o600``, which
left reports in a team's shared folder readable by their writer alone."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from chitieu.files import write_atomically, write_through_temporary


@contextmanager
def umask(mask: int) -> Iterator[None]:
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_written_file_has_the_mode_open_would_give(
    tmp_path: Path, mask: int, expected: int
) -> None:
    with umask(mask):
        written = write_atomically(tmp_path / "bao-cao.md", b"# ok\n")
        through = write_through_temporary(
            tmp_path / "so-lieu.csv", lambda p: p.write_text("a,b\n", "utf-8")
        )
    assert (mode(written), mode(through)) == (expected, expected)
    assert not list(tmp_path.glob(".*.part"))


def test_a_file_written_over_gets_the_same_mode(tmp_path: Path) -> None:
    target = tmp_path / "bao-cao.md"
    with umask(0o077):
        write_atomically(target, b"old")
    with umask(0o022):
        write_atomically(target, b"new")
    assert (target.read_bytes(), mode(target)) == (b"new", 0o644)


def test_a_failed_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    def fails(_: Path) -> None:
        raise RuntimeError("the writer broke")

    with pytest.raises(RuntimeError, match="the writer broke"):
        write_through_temporary(tmp_path / "bao-cao.xlsx", fails)
    assert list(tmp_path.iterdir()) == []
