"""The two validation engines (pandera for intake, plain polars for `chitieu validate`)
apply the same checks: they must find exactly the same issues and values."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from chitieu.config import load_config
from chitieu.schemas import validate_rows
from chitieu.sources import ROW_SCHEMA, ReceivedFile, read_submission

DATA = Path(__file__).parent / "data"
EXAMPLE = Path(__file__).parents[1] / "examples" / "giong_trom_2024"
RECEIVED_AT = dt.datetime(2024, 6, 20, 10, 0, tzinfo=dt.UTC)


def _cases(folder: Path, suffix: str) -> list[Path]:
    return sorted(p for p in folder.glob(f"*{suffix}") if not p.name.endswith(".expected.json"))


def _rows(paths: list[Path]) -> pl.DataFrame:
    frames = []
    for index, path in enumerate(paths):
        read = read_submission(ReceivedFile.from_path(path))
        if not read.problems:
            frames.append(read.rows.with_columns(pl.lit(index, pl.Int64).alias("file_index")))
    return pl.concat(frames).select("file_index", *ROW_SCHEMA)


@pytest.mark.parametrize(
    ("config", "files"),
    [
        (DATA / "intake_config", _cases(DATA / "bad_inputs", ".csv")),
        (DATA / "intake_config", _cases(DATA / "bad_inputs", ".json")),
        (DATA / "intake_config", _cases(DATA / "good_inputs", "")),
        (EXAMPLE / "config", sorted((EXAMPLE / "submissions").rglob("*.*"))),
    ],
    ids=["bad-csv", "bad-json", "good", "example"],
)
def test_both_engines_find_the_same_issues(config, files):
    rows = _rows(files)
    loaded = load_config(config)
    by_pandera = validate_rows(rows, loaded, RECEIVED_AT, engine="pandera")
    by_polars = validate_rows(rows, loaded, RECEIVED_AT, engine="polars")
    assert_frame_equal(by_pandera.issues, by_polars.issues)
    assert_frame_equal(by_pandera.values, by_polars.values)
    if files[0].parent.name == "bad_inputs":  # every row-level bad case is caught
        with_rows = {
            i
            for i, f in enumerate(files)
            if not read_submission(ReceivedFile.from_path(f)).problems
        }
        assert set(by_polars.issues.get_column("file_index")) == with_rows
    if files[0].parent.name == "good_inputs":
        assert by_polars.issues.is_empty()


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="unknown validation engine"):
        validate_rows(
            _rows(
                [
                    DATA
                    / "good_inputs"
                    / next(iter(sorted(p.name for p in (DATA / "good_inputs").iterdir())))
                ]
            ),
            load_config(DATA / "intake_config"),
            RECEIVED_AT,
            engine="x",
        )


def test_validate_command_does_not_import_pandera():
    code = (
        "import sys\n"
        "from chitieu.cli import cli\n"
        "try:\n"
        "    cli.main(['validate', '--config', sys.argv[1], sys.argv[2]], standalone_mode=False)\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('pandera' in sys.modules, 'great_expectations' in sys.modules)\n"
    )
    bad = DATA / "bad_inputs" / "above_max.csv"
    result = subprocess.run(
        [sys.executable, "-c", code, str(DATA / "intake_config"), str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (
        "value '600' of THU_NHAP (Thu nhập bình quân đầu người) must be between 0 and 500"
        in result.stdout
    )
    assert result.stdout.strip().splitlines()[-1] == "False False"
