"""Arguments a careless script gives: ``--org ''`` (an empty shell variable) names no
unit, and is refused by the option, never read as the resolution's unit; a 100 KB one
is quoted in its refusal by its start and end, never whole."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from example_fixtures import CONFIG_DIR, Example, example_fixture  # noqa: F401

from chitieu.cli._base import cli
from chitieu.errors import ChitieuError

COMMANDS = [
    ["status", "2024S1"],
    ["review", "2024S1", "--dry-run"],
    ["report", "2024S1"],
    ["snapshots", "list"],
    ["snapshots", "show", "2024S1"],
    ["trace", "2024S1", "CT01"],
    ["template", "2024M05", "-o", "x.xlsx"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
@pytest.mark.parametrize("empty", ["", "  "])
def test_an_empty_org_is_refused_by_the_option(command: list[str], empty: str) -> None:
    result = CliRunner().invoke(cli, [*command, "--org", empty])
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--org': mã đơn vị rỗng / an empty unit code names no unit" in (
        result.output
    )


HUGE = "9" * 100_000
LONG_ARGUMENTS = [
    ["status", "2024S1", "--org", HUGE],
    ["review", "2024S1", "--dry-run", "--org", HUGE],
    ["report", "2024S1", "--org", HUGE],
    ["snapshots", "show", "2024S1", "--org", HUGE],
    ["snapshots", "diff", "2024S1", "1", "2", "--org", HUGE],
    ["trace", "2024S1", "CT01", "--org", HUGE],
    ["trace", "2024S1", HUGE],
    ["template", "2024M05", "--org", HUGE, "-o", "x.xlsx"],
    ["reopen", "2024S1", "--org", HUGE, "--by", "Lê Văn A", "--reason", "sửa"],
    ["status", HUGE],
    ["report", HUGE],
    ["snapshots", "show", HUGE],
    ["template", HUGE, "-o", "x.xlsx"],
]


@pytest.mark.parametrize("command", LONG_ARGUMENTS, ids=lambda c: " ".join(c[:3])[:40])
def test_a_huge_argument_is_quoted_by_its_start_and_end(
    example: Example, command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 100 KB ``--org`` or period was printed whole in the refusal."""
    monkeypatch.chdir(tmp_path)
    where = ["--config", str(CONFIG_DIR), "--warehouse", example.url]
    result = CliRunner(env={"CHITIEU_DATA_DIR": str(example.data)}).invoke(cli, [*command, *where])
    assert result.exit_code != 0
    assert isinstance(result.exception, ChitieuError), repr(result.exception)
    message = str(result.exception)
    assert "9" * 15 in message  # a period is quoted up to 40 characters, a unit up to 200
    assert "…" in message
    assert len(message) < 1000, message[:2000]
    assert list(tmp_path.iterdir()) == []
