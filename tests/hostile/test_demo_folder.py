"""`chitieu demo --workdir` begins by removing the warehouse, archive and heads log an
earlier demo left there. Given a team's data folder instead (`--workdir .` typed in it),
it removed the team's warehouse, its archive of every received file and its heads log.
Now it removes only what is the demo's own: a warehouse or archive holding only the
example's files; anything else is refused before Prefect starts, nothing removed."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from chitieu import pipeline
from chitieu.config import load_config
from chitieu.errors import OutputError
from chitieu.examples import DemoFolderTaken, clear_demo_folder, demo_leftovers, example_dir
from chitieu.warehouse import open_warehouse
from chitieu.warehouse.queries import migrations

EXAMPLE = example_dir()
MONTH = EXAMPLE / "submissions" / "2024M01"
RECEIVED = dt.datetime(2024, 2, 16, 1, 0, tzinfo=dt.UTC)


def take_in(folder: Path, *files: Path) -> None:
    """An intake of ``files`` into ``folder``'s warehouse, as a data team's."""
    config = load_config(EXAMPLE / "config")
    with open_warehouse(f"duckdb:///{folder / 'warehouse.duckdb'}") as wh:
        pipeline.ingest_batch(list(files), config, wh, wh.archive, RECEIVED)


def snapshot_of(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(name="team_folder")
def team_folder_fixture(tmp_path: Path) -> Path:
    """A data team's folder: its warehouse took in a report of its own (a corrected
    figure: bytes no example file has), archived beside it, with a heads log."""
    folder = tmp_path / "team"
    folder.mkdir()
    [first, *_] = sorted(MONTH.iterdir())
    own = tmp_path / "inbox" / first.name
    own.parent.mkdir()
    own.write_text(first.read_text("utf-8").replace("\n", "\n", 1) + "\n", "utf-8")
    take_in(folder, own)
    (folder / "warehouse.heads.log").write_text("", "utf-8")
    return folder


def test_a_teams_data_folder_is_refused_and_kept(team_folder: Path) -> None:
    before = snapshot_of(team_folder)
    assert "warehouse.duckdb" in before
    assert any(name.startswith("warehouse.archive/") for name in before)
    done = subprocess.run(
        [sys.executable, "-m", "chitieu", "demo", "--workdir", str(team_folder), "--ephemeral"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    [message] = done.stderr.splitlines()  # one line, no traceback, no Prefect started
    assert f"{team_folder}: thư mục này giữ dữ liệu không phải của bản chạy thử " in message
    assert "(a warehouse with 1 report(s) that are no file of the example)" in message
    assert message.endswith("nothing was removed")
    assert snapshot_of(team_folder) == before


def test_what_an_earlier_demo_left_is_removed(tmp_path: Path) -> None:
    folder = tmp_path / "demo-output"
    folder.mkdir()
    take_in(folder, *sorted(MONTH.iterdir())[:3])
    (folder / "warehouse.heads.log").write_text("", "utf-8")
    assert [p.name for p in demo_leftovers(folder)] == [
        "warehouse.heads.log",
        "warehouse.archive",
        "warehouse.duckdb",
    ]
    assert demo_leftovers(tmp_path / "new") == []


@pytest.mark.parametrize(
    ("leave", "why"),
    [
        ("heads log alone", "its heads log warehouse.heads.log with no warehouse beside it"),
        (
            "no warehouse file",
            "warehouse.duckdb, which chitieu cannot read as a warehouse (not one, or in use "
            "by another process)",
        ),
        ("a folder", "warehouse.duckdb, which is not a warehouse file"),
        ("a stranger archived", "1 archived file(s) that are no file of the example"),
    ],
)
def test_anything_else_left_there_is_refused(tmp_path: Path, leave: str, why: str) -> None:
    folder = tmp_path / "w"
    folder.mkdir()
    if leave == "heads log alone":
        (folder / "warehouse.heads.log").write_text("{}\n", "utf-8")
    elif leave == "no warehouse file":
        (folder / "warehouse.duckdb").write_text("minutes of the meeting", "utf-8")
    elif leave == "a folder":
        (folder / "warehouse.duckdb").mkdir()
    else:
        archived = folder / "warehouse.archive" / "ab"
        archived.mkdir(parents=True)
        shutil.copy(next(MONTH.iterdir()), archived / ("ab" + "0" * 62))
    before = snapshot_of(folder)
    with pytest.raises(DemoFolderTaken) as refused:
        demo_leftovers(folder)
    assert f"({why})" in str(refused.value)
    assert snapshot_of(folder) == before


def test_a_teams_warehouse_of_an_older_schema_is_not_upgraded_by_the_look(
    team_folder: Path,
) -> None:
    """The demo reads a warehouse it finds read-only: opening it as chitieu does would
    apply the migrations it lacks, and the team's older chitieu would then refuse it."""
    url = f"duckdb:///{team_folder / 'warehouse.duckdb'}"
    newest = migrations("duckdb")[-1].version
    with open_warehouse(url) as wh:
        wh.backend.execute("DELETE FROM schema_version WHERE version = $1", [newest])
    before = snapshot_of(team_folder)
    with pytest.raises(DemoFolderTaken, match="a warehouse with 1 report"):
        demo_leftovers(team_folder)
    assert snapshot_of(team_folder) == before


def test_a_demo_folder_is_cleared_links_removed_never_followed(tmp_path: Path) -> None:
    folder = tmp_path / "demo-output"
    folder.mkdir()
    take_in(folder, next(MONTH.iterdir()))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("giữ", "utf-8")
    (folder / "warehouse.heads.log").symlink_to(tmp_path / "gone.log")  # dangling
    clear_demo_folder(folder)
    assert list(folder.iterdir()) == []
    assert (elsewhere / "keep.txt").read_text("utf-8") == "giữ"
    assert not (tmp_path / "gone.log").exists()


def test_a_folder_name_the_system_refuses_is_said_with_its_reason(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match=r"\(tên quá dài\): .* \(File name too long\)"):
        demo_leftovers(tmp_path / ("d" * 300))
