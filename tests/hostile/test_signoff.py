"""Sign-off against a careless or hostile user, on DuckDB and PostgreSQL: `approve` and
`reopen` aimed at a warehouse that is not there make none; an approval never signs a
revision that the heads log or the warehouse itself says is not the published one."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from example_fixtures import CONFIG_DIR

from chitieu.cli import cli
from chitieu.errors import WarehouseError


@pytest.mark.parametrize(
    "command",
    [
        ["approve", "2024S1", "--by", "Nguyễn Văn A"],
        ["reopen", "2024S1", "--by", "Nguyễn Văn A", "--reason", "Xã gửi lại báo cáo"],
    ],
)
def test_a_mistyped_warehouse_is_refused_not_created(tmp_path: Path, command: list[str]) -> None:
    """A typo in --warehouse used to leave a new, empty warehouse file behind ("nothing
    published to approve; nothing recorded"), which the next command then took for the
    team's."""
    typo = tmp_path / "kho-typo.duckdb"
    result = CliRunner().invoke(
        cli, [*command, "--config", str(CONFIG_DIR), "--warehouse", str(typo)]
    )
    assert isinstance(result.exception, WarehouseError), result.output
    assert result.exception.exit_code == 3  # what the command line exits with
    assert "không có kho dữ liệu / no warehouse at" in str(result.exception)
    assert list(tmp_path.iterdir()) == []
