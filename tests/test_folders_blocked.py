"""A file where chitieu keeps a folder beside the warehouse (the archive, feedback,
reports, quality results, Data Docs; ``CHITIEU_DATA_DIR`` for PostgreSQL) is said in one
line before any work, exit 3, the warehouse unchanged (`settings.check_beside`); never
a traceback when the folder is first written."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
from command_fixtures import district_fixture, run_chitieu  # noqa: F401

from chitieu import pipeline, settings
from chitieu.config import load_config
from chitieu.errors import FolderBlocked
from chitieu.shown import CLIPPED_CHARS
from chitieu.warehouse import open_warehouse

PG_URL = "postgresql://chitieu@127.0.0.1:1/chitieu"  # never connected to: said before


@pytest.mark.parametrize("name", ["archive", "feedback", "reports", "quality", "datadocs"])
def test_a_file_beside_a_duckdb_warehouse_is_named(tmp_path: Path, name: str) -> None:
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    (tmp_path / f"w.{name}").write_text("x")
    with pytest.raises(FolderBlocked) as raised:
        settings.check_beside(url, name)
    vi, en = settings.BESIDE_PURPOSES[name]
    assert str(raised.value) == (
        f"{tmp_path / f'w.{name}'} là một tệp, không phải thư mục, nơi chitieu giữ {vi}; hãy "
        "chuyển tệp đó đi nơi khác, hoặc đặt tên tệp kho khác (--warehouse) / "
        f"is a file, not a folder: chitieu keeps {en} there; move it away, or name another "
        "warehouse file (--warehouse)"
    )
    assert raised.value.exit_code == 3


def test_a_data_dir_that_is_a_file_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "data").write_text("x")
    monkeypatch.setenv("CHITIEU_DATA_DIR", str(tmp_path / "data"))
    with pytest.raises(FolderBlocked, match="set CHITIEU_DATA_DIR to a folder") as raised:
        settings.check_beside(PG_URL, *settings.INTAKE_FOLDERS)
    assert str(raised.value).startswith(
        f"{tmp_path / 'data'} là một tệp, không phải thư mục, nơi chitieu giữ bản lưu các tệp "
        f"đã nhận ({tmp_path / 'data' / 'archive'}); hãy chuyển tệp đó đi nơi khác, hoặc đặt "
        "CHITIEU_DATA_DIR là một thư mục / is a file, not a folder: chitieu keeps the archive "
        f"of received files there ({tmp_path / 'data' / 'archive'})"
    )


def test_folders_there_or_not_yet_made_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    (tmp_path / "w.archive").mkdir()
    settings.check_beside(url, *settings.INTAKE_FOLDERS, *settings.REVIEW_FOLDERS)
    monkeypatch.setenv("CHITIEU_DATA_DIR", str(tmp_path / "not" / "yet"))
    settings.check_beside(PG_URL, *settings.INTAKE_FOLDERS, *settings.REVIEW_FOLDERS)


def chitieu(folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run_chitieu(folder, *args, "--ephemeral", **env)


def test_an_intake_whose_archive_is_a_file_stores_nothing(district: Path) -> None:
    (district / "warehouse.archive").write_text("x")
    done = chitieu(district, "intake", "inbox")
    assert done.returncode == 3
    assert done.stderr.splitlines() == [
        "chitieu: warehouse.archive là một tệp, không phải thư mục, nơi chitieu giữ bản lưu "
        "các tệp đã nhận; hãy chuyển tệp đó đi nơi khác, hoặc đặt tên tệp kho khác "
        "(--warehouse) / is a file, not a folder: chitieu keeps the archive of received "
        "files there; move it away, or name another warehouse file (--warehouse)"
    ]
    assert done.stdout == ""
    assert not (district / "warehouse.duckdb").exists()
    assert (district / "warehouse.archive").read_text() == "x"


def test_an_intake_on_postgresql_whose_data_dir_is_a_file(district: Path) -> None:
    (district / "data").write_text("x")
    done = chitieu(district, "intake", "inbox", "--warehouse", PG_URL, CHITIEU_DATA_DIR="data")
    assert done.returncode == 3
    (line,) = done.stderr.splitlines()
    assert line.startswith("chitieu: data là một tệp, không phải thư mục")
    assert line.endswith("(data/archive); move it away, or set CHITIEU_DATA_DIR to a folder")


def test_a_review_whose_reports_folder_is_a_file_publishes_nothing(district: Path) -> None:
    url = f"duckdb:///{district / 'warehouse.duckdb'}"
    with open_warehouse(url) as warehouse:
        files = pipeline.gather_files([district / "inbox"])
        pipeline.ingest_batch(files, load_config(district / "config"), warehouse, warehouse.archive)
    before = hashlib.sha256((district / "warehouse.duckdb").read_bytes()).hexdigest()
    (district / "warehouse.reports").write_text("x")
    done = chitieu(district, "review", "2024S1")
    assert done.returncode == 3
    assert done.stderr.splitlines() == [
        "chitieu: warehouse.reports là một tệp, không phải thư mục, nơi chitieu giữ các báo "
        "cáo của đánh giá; hãy chuyển tệp đó đi nơi khác, hoặc đặt tên tệp kho khác "
        "(--warehouse) / is a file, not a folder: chitieu keeps the review's reports "
        "there; move it away, or name another warehouse file (--warehouse)"
    ]
    after = hashlib.sha256((district / "warehouse.duckdb").read_bytes()).hexdigest()
    assert after == before
    assert not (district / "warehouse.quality").exists()


LONG = "w" * 5000
OPENING = "chitieu: không mở được kho dữ liệu " + "w" * 60
OPENED = "File name too long (check --warehouse or CHITIEU_WAREHOUSE)"


@pytest.mark.parametrize(
    ("command", "start", "end"),
    [
        (
            ["intake", "inbox"],
            "chitieu: " + "w" * 60,
            ".archive: chitieu không giữ được bản lưu các tệp đã nhận ở đây; hãy đặt tên tệp "
            "kho khác (--warehouse) / cannot keep the "
            "archive of received files there (File name too long); name another warehouse "
            "file (--warehouse)",
        ),
        (["status", "2024S1"], OPENING, OPENED),
        (["snapshots", "list"], OPENING, OPENED),
    ],
    ids=["intake", "status", "snapshots list"],
)
def test_a_warehouse_name_the_system_refuses_is_said_in_a_line(
    district: Path, command: list[str], start: str, end: str
) -> None:
    """``CHITIEU_WAREHOUSE`` of 5,000 letters was an "unexpected error" (exit 70), the
    name printed whole: now a warehouse error, exit 3, the name cut to a line."""
    done = run_chitieu(district, *command, CHITIEU_WAREHOUSE=LONG)
    assert done.returncode == 3, done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith(start)
    assert line.endswith(end)
    assert len(line) < 2 * CLIPPED_CHARS + 200  # the name, cut, in each half at most
