"""Every checked-in submission case: one file per case, its expectation beside it.

``bad_inputs/<name>.expected.json`` says which check fires, where, and what the
message says (a regex over the Vietnamese and English texts). Each bad file holds
exactly one mistake and must give exactly one problem: a second one would mean
dependent checks piling up. Every good file reads and validates without a problem.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import polars as pl
import pytest

from chitieu.config import Config, load_config
from chitieu.schemas import Validated, validate_rows
from chitieu.sources import FileRead, ReceivedFile, read_submission

DATA = Path(__file__).parent / "data"
BAD = sorted(p for p in (DATA / "bad_inputs").iterdir() if not p.name.endswith(".expected.json"))
GOOD = sorted((DATA / "good_inputs").iterdir())
RECEIVED_AT = dt.datetime(2024, 6, 20, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(DATA / "intake_config")


def validate(read: FileRead, config: Config) -> Validated:
    rows = read.rows.with_columns(pl.lit(0, pl.Int64).alias("file_index"))
    return validate_rows(rows, config, RECEIVED_AT)


def test_every_bad_input_has_its_expectation() -> None:
    assert len(BAD) >= 25
    for path in BAD:
        assert path.with_name(path.name + ".expected.json").exists(), path.name


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.name)
def test_bad_input(path: Path, config: Config) -> None:
    expected = json.loads(path.with_name(path.name + ".expected.json").read_text("utf-8"))
    read = read_submission(ReceivedFile.from_path(path))
    if expected["file_level"]:
        assert read.rows.is_empty()
        found = [(p.check, p.location, p.message_vi, p.message_en) for p in read.problems]
    else:
        assert read.problems == []
        issues = validate(read, config).issues
        found = list(issues.select("check", "location", "message_vi", "message_en").iter_rows())
    assert len(found) == 1, found
    check, location, vi, en = found[0]
    assert (check, location) == (expected["check"], expected["location"])
    assert vi
    assert en
    assert vi != en
    assert re.search(expected["message"], f"{vi}\n{en}"), f"{vi}\n{en}"


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.name)
def test_good_input(path: Path, config: Config) -> None:
    read = read_submission(ReceivedFile.from_path(path))
    assert read.problems == []
    validated = validate(read, config)
    assert validated.issues.is_empty(), validated.issues.to_dicts()
    assert validated.values.height == read.rows.height
    assert validated.values.get_column("value").null_count() == 0
