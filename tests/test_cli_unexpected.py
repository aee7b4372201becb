"""A fault of chitieu's own reaches the user as two lines and exit code 70, never a
traceback; with ``CHITIEU_DEBUG=1`` it is raised, traceback and all.

No input is known to set off such a fault (each one found was mended); the fault is put
into a warehouse read here, the one way to see what the command line does with a fault it
does not know of yet."""

from __future__ import annotations

import errno
import sys
from pathlib import Path

import pytest
from command_fixtures import run_chitieu

from chitieu import cli
from chitieu.errors import WarehouseError
from chitieu.examples import example_dir
from chitieu.warehouse import Warehouse, open_warehouse


def listing_raises(fault: BaseException, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``chitieu snapshots list`` made the command line (``sys.argv``), on a warehouse
    whose listing raises ``fault``, as a bug would; ``CHITIEU_DEBUG`` unset."""
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    open_warehouse(url).close()

    def fails(*_: object, **__: object) -> None:
        raise fault

    monkeypatch.setattr(Warehouse, "list_snapshots", fails)
    monkeypatch.delenv(cli.DEBUG_ENV, raising=False)
    config = str(example_dir() / "config")
    monkeypatch.setattr(
        sys, "argv", ["chitieu", "snapshots", "list", "--config", config, "--warehouse", url]
    )


@pytest.fixture
def faulty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A listing that fails with a password in its message, and a line break."""
    fault = IndexError("list index out of range at postgresql://kho:bi-mat@db/kho\nsecond")
    listing_raises(fault, tmp_path, monkeypatch)


@pytest.mark.usefixtures("faulty")
def test_a_fault_of_chitieus_own_is_two_lines_and_exit_70(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as ended:
        cli.main()
    assert ended.value.code == cli.UNEXPECTED_EXIT_CODE == 70
    err = capsys.readouterr().err
    first, second = err.splitlines()
    assert first == (
        "chitieu: lỗi không lường trước của chitieu / unexpected error in chitieu: IndexError: "
        "list index out of range at postgresql://kho:***@db/kho"
    )
    assert "CHITIEU_DEBUG=1" in second
    assert "Traceback" not in err
    assert "bi-mat" not in err


@pytest.mark.usefixtures("faulty")
def test_with_chitieu_debug_the_fault_is_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cli.DEBUG_ENV, "1")
    with pytest.raises(IndexError, match="list index out of range"):
        cli.main()


def test_a_panic_of_polars_is_a_fault_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """polars' ``PanicException`` is no `Exception` (pyo3 makes it a `BaseException`):
    it is told like any fault, where it printed Rust's panic and a traceback."""
    from polars.exceptions import PanicException

    listing_raises(PanicException("assertion failed: i < self.len()"), tmp_path, monkeypatch)
    with pytest.raises(SystemExit) as ended:
        cli.main()
    assert ended.value.code == 70
    assert (
        capsys.readouterr()
        .err.splitlines()[0]
        .endswith("unexpected error in chitieu: PanicException: assertion failed: i < self.len()")
    )


@pytest.mark.parametrize(
    "fault",
    [
        OSError(errno.ENOSPC, "No space left on device"),
        WarehouseError("Failed to commit: IO Error: could not write file: No space left on device"),
        RuntimeError("GitIgnoreScaffoldingError: [Errno 28] No space left on device: 'gx'"),
    ],
    ids=["oserror", "warehouse", "worded"],
)
def test_a_full_disk_is_said_to_be_one(
    fault: BaseException,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Not chitieu's fault and nothing half-written: one line saying so, exit 74, whether
    the error is the OSError itself, the warehouse's or words carried over."""
    listing_raises(fault, tmp_path, monkeypatch)
    with pytest.raises(SystemExit) as ended:
        cli.main()
    assert ended.value.code == cli.DISK_FULL_EXIT_CODE == 74
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("chitieu: hết chỗ trên đĩa / no space left on device:")


class _TwoArguments(Exception):
    """As Great Expectations' errors are: pickled with one argument, built with two."""

    def __init__(self, what: str, why: str) -> None:
        super().__init__(f"{what}: {why}")


def test_a_gate_error_that_does_not_pickle_crosses_in_words() -> None:
    from chitieu.quality.worker import _sendable

    error = _TwoArguments("gx", "[Errno 28] No space left on device")
    sent = _sendable(error)
    assert isinstance(sent, RuntimeError)
    assert str(sent) == "_TwoArguments: gx: [Errno 28] No space left on device"
    kept = ValueError("a plain one")
    assert _sendable(kept) is kept


@pytest.mark.parametrize(
    ("args", "english", "help_of"),
    [
        (["report", "2024S1", "--out", "x"], "No such option '--out'", "chitieu report --help"),
        (["reportt"], "No such command 'reportt'", "chitieu --help"),
    ],
)
def test_a_command_typed_wrong_is_said_in_vietnamese_too(
    tmp_path: Path, args: list[str], english: str, help_of: str
) -> None:
    """Click says a usage error in English; a Vietnamese line follows, with the help."""
    done = run_chitieu(tmp_path, *args)
    assert done.returncode == 2
    assert english in done.stderr
    last = done.stderr.splitlines()[-1]
    assert last.startswith("Lỗi: lệnh gọi chưa đúng (xem dòng Error ở trên); cách dùng: ")
    assert last.endswith(help_of)  # "python -m chitieu ..." as run here
