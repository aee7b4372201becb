"""Fixtures shared by the test files: ``make_config`` writes and loads a configuration;
``CHITIEU_DATA_DIR`` is the session's own folder."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from rollup_helpers import (
    ORG_UNITS_HEADER,
    TREE_DISTRICT,
    MakeConfig,
    catalog,
    table,
    write_config,
)

from chitieu.config import Config, load_config

# Commands run by tests never leave the local Prefect server running behind them: those
# without the session's test server (PREFECT_API_URL) use Prefect's temporary mode.
# test_local_prefect_server.py starts and stops local servers on purpose.
os.environ.setdefault("CHITIEU_PREFECT_SERVER", "ephemeral")


@pytest.fixture
def make_config(tmp_path: Path) -> MakeConfig:
    """``make_config(elements, indicators, org_units=..., targets=..., org_unit=...,
    successions=...)``."""
    counter = iter(range(1_000_000))

    def make(
        elements: Sequence[dict[str, Any]],
        indicators: Sequence[dict[str, Any]],
        org_units: str | Iterable[Sequence[object]] = TREE_DISTRICT,
        targets: str | Iterable[Sequence[object]] = "",
        org_unit: str | None = None,
        year: int = 2024,
        successions: str | Iterable[Sequence[object]] | None = None,
    ) -> Config:
        if org_unit is None:
            first = table(ORG_UNITS_HEADER, org_units).splitlines()[1]
            org_unit = first.split(",")[0]
        folder = tmp_path / f"config{next(counter)}"
        doc = catalog(elements, indicators, org_unit, year)
        write_config(folder, doc, org_units, targets, successions)
        return load_config(folder)

    return make


@pytest.fixture(scope="session", autouse=True)
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """What chitieu keeps beside a PostgreSQL warehouse (``CHITIEU_DATA_DIR``: the heads
    log, the archive, quality results) goes into the session's temporary folder, never
    into the working directory. Tests that need a folder of their own set it themselves."""
    folder = tmp_path_factory.mktemp("chitieu-data")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CHITIEU_DATA_DIR", str(folder))
        yield folder
