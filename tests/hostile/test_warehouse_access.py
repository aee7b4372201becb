"""A warehouse that is not there, or that another process holds: read-only commands say
so and create nothing; a DuckDB file in use is one bilingual line naming the file, the
process holding it and what to do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from prefect_fixtures import prefect_api_url, prefect_env  # noqa: F401
from tampering_fixtures import make_config, write_inbox
from warehouse_fixtures import postgres_url_fixture  # noqa: F401

from chitieu.cli import cli
from chitieu.errors import WarehouseError
from chitieu.warehouse import open_warehouse

CHITIEU = str(Path(sys.executable).with_name("chitieu"))
READERS = [
    ["snapshots", "list"],
    ["snapshots", "show", "2024S1"],
    ["snapshots", "diff", "2024S1", "1", "2"],
    ["snapshots", "verify"],
    ["trace", "2024S1", "CT01"],
    ["report", "2024S1"],
    ["review", "2024S1", "--dry-run"],
]


@pytest.mark.parametrize("command", READERS, ids=lambda c: " ".join(c[:2]))
def test_a_reader_of_a_missing_duckdb_file_says_so_and_creates_nothing(
    command: list[str], tmp_path: Path
) -> None:
    config = make_config(tmp_path / "config")
    missing = tmp_path / "khong-co" / "warehouse.duckdb"
    result = CliRunner().invoke(
        cli, [*command, "--config", str(config), "--warehouse", str(missing)]
    )
    assert isinstance(result.exception, WarehouseError)  # exit code 3 at the command line
    assert str(result.exception) == (
        f"không có kho dữ liệu ở {missing}: chưa từng tiếp nhận gì ở đó (kiểm tra --warehouse "
        f"hoặc CHITIEU_WAREHOUSE) / no warehouse at {missing}: nothing was ever ingested there "
        "(check --warehouse or CHITIEU_WAREHOUSE)"
    )
    assert not missing.parent.exists()


def test_a_folder_named_as_the_warehouse_is_said_to_be_a_folder(tmp_path: Path) -> None:
    """Not "nothing was ever ingested there": a folder is in the way, for a reader and a
    writer alike, and nothing is created in it."""
    config = make_config(tmp_path / "config")
    folder = tmp_path / "warehouse.duckdb"
    folder.mkdir()
    for command in (["snapshots", "list"], ["intake", str(tmp_path / "config")]):
        result = CliRunner().invoke(
            cli, [*command, "--config", str(config), "--warehouse", str(folder)]
        )
        assert isinstance(result.exception, WarehouseError), result.output
        assert str(result.exception) == (
            f"không mở được kho dữ liệu {folder}: đó là một thư mục, không phải tệp DuckDB (ghi "
            f"tên tệp: --warehouse hoặc CHITIEU_WAREHOUSE) / no warehouse at {folder}: it is a "
            "folder, not a DuckDB file (name the file: --warehouse or CHITIEU_WAREHOUSE)"
        )
    assert list(folder.iterdir()) == []


@pytest.mark.postgres
def test_a_reader_of_an_empty_postgresql_schema_says_so_and_creates_nothing(
    postgres_url: str, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        cli,
        ["snapshots", "list", "--config", str(make_config(tmp_path)), "--warehouse", postgres_url],
    )
    assert isinstance(result.exception, WarehouseError)
    assert "không có kho dữ liệu ở postgresql://postgres@" in str(result.exception)
    assert " / no warehouse in postgresql://postgres@" in str(result.exception)
    assert "its schema holds no chitieu tables" in str(result.exception)
    with pytest.raises(WarehouseError, match="no warehouse in"):  # still none: nothing created
        open_warehouse(postgres_url, create=False)
    with open_warehouse(postgres_url) as wh:  # a writer creates it
        assert wh.schema_version >= 1


def busy_line(path: Path) -> str:
    return (
        f"chitieu: kho dữ liệu {path} đang bận, một tiến trình khác đang dùng nó (PID "
        f"{os.getpid()}): chờ tiến trình đó xong (một lần tiếp nhận hoặc đánh giá) rồi chạy lại "
        f"lệnh / the warehouse {path} is in use by another process (PID {os.getpid()}): wait "
        "until it finishes (an intake or a review), then run the command again"
    )


def test_a_duckdb_file_in_use_is_one_line_naming_the_holder(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    with open_warehouse(str(path)):  # this process holds it, as a running review would
        done = subprocess.run(
            [CHITIEU, "snapshots", "list", "--warehouse", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
    assert done.returncode == 3
    assert done.stderr.splitlines() == [busy_line(path)]


@pytest.mark.slow
def test_an_intake_while_another_holds_the_warehouse(
    tmp_path: Path,
    prefect_env: dict[str, str],  # noqa: F811
) -> None:
    config = make_config(tmp_path / "config")
    inbox = write_inbox(tmp_path)
    path = tmp_path / "warehouse.duckdb"
    with open_warehouse(str(path)):
        done = subprocess.run(
            [CHITIEU, "intake", str(inbox), "--config", str(config), "--warehouse", str(path)],
            capture_output=True,
            text=True,
            env=prefect_env,
            check=False,
            timeout=600,
        )
    assert done.returncode == 3
    ours = [line for line in done.stderr.splitlines() if line.startswith("chitieu:")]
    assert ours == [busy_line(path)]
    assert "Traceback" not in done.stderr
