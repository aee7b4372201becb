"""Arguments a careless script gives: ``--org ''`` (an empty shell variable) names no
unit, and is refused by the option, never read as the resolution's unit."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from chitieu.cli._base import cli

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
