"""A message that names a value names it in its Vietnamese half too: a commune officer
reads "vi / en" up to the " / " and must learn there which period, file, URL, role or
revision is wrong (README, "Messages a commune officer acts on"). Each case drives the
function or command that says the message and looks in the half before the first " / "."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from warehouse_fixtures import (  # noqa: F401
    BACKENDS,
    draft,
    postgres_admin,
    postgres_role,
    postgres_schema_url,
    postgres_url_fixture,
    receive,
    schema_url,
)

from chitieu import credentials, settings
from chitieu.errors import ChitieuError
from chitieu.periods import Period
from chitieu.settings import redact
from chitieu.warehouse import Warehouse, open_warehouse
from chitieu.warehouse.roles import TemporaryStanding, _temporary_words

Said = tuple[str, list[str]]
"""A message, and the values its Vietnamese half must hold."""


def vietnamese(message: str) -> str:
    """The half an officer reads: up to the first " / "."""
    vi, separator, _ = message.partition(" / ")
    assert separator, f"not bilingual: {message}"
    return vi


def refusal(call: Callable[[], object]) -> str:
    with pytest.raises(ChitieuError) as raised:
        call()
    return str(raised.value)


def invalid_period(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Said:
    return refusal(lambda: Period.parse("2024M13")), ["'2024M13'", "YYYYMmm", "2024S1"]


def relative_url_read_as_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Said:
    target = tmp_path / "kho" / "w.duckdb"
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")  # no folder named like /tmp's first part here
    message = refusal(lambda: open_warehouse(f"duckdb://{target}"))
    return message, [f"duckdb://{target}", f"duckdb:///{target}", f"duckdb:///.{target}"]


def file_where_a_folder_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Said:
    (tmp_path / "w.archive").write_text("x")
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    message = refusal(lambda: settings.check_beside(url, "archive"))
    return message, [str(tmp_path / "w.archive"), "--warehouse"]


def data_dir_that_is_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Said:
    (tmp_path / "data").write_text("x")
    monkeypatch.setenv("CHITIEU_DATA_DIR", str(tmp_path / "data"))
    url = "postgresql://chitieu@127.0.0.1:1/chitieu"  # never connected to
    message = refusal(lambda: settings.check_beside(url, "archive"))
    return message, [str(tmp_path / "data" / "archive"), "CHITIEU_DATA_DIR"]


def folder_name_too_long(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Said:
    url = f"duckdb:///{tmp_path / ('w' * 300)}.duckdb"
    return refusal(lambda: settings.check_beside(url, "archive")), ["--warehouse"]


def libpq_connection_string(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Said:
    message = refusal(lambda: settings.warehouse_url("host=db dbname=kho user=kho"))
    return message, ["(dbname, host, user)", "postgresql://USER@HOST:PORT/DBNAME", "~/.pgpass"]


def url_read_two_ways(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Said:
    message = refusal(lambda: credentials.parse("postgresql://kho:se@cret@db/kho"))
    return message, ["'@'", "%40", "%2F", "PGPASSWORD"]


def duckdb_url_with_two_slashes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Said:
    message = refusal(lambda: credentials.parse("duckdb://solieu.duckdb"))
    return message, ["duckdb:///relative/file.duckdb", "duckdb:////absolute/file.duckdb"]


def password_in_a_flow_parameter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Said:
    url = "postgresql://kho:s3cret@db/kho"
    message = refusal(lambda: credentials.refuse_secret_parameter(url))
    return message, ["warehouse_url", "PGPASSWORD", "~/.pgpass"]


def unknown_kind_of_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Said:
    message = refusal(lambda: open_warehouse("mysql://kho:secret@db.example/kho"))
    return message, ["mysql://kho:***@db.example/kho", "postgresql://user@host/database"]


def warehouse_that_is_a_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Said:
    message = refusal(lambda: open_warehouse(f"duckdb:///{tmp_path}"))
    return message, [str(tmp_path), "--warehouse", "CHITIEU_WAREHOUSE"]


def no_warehouse_there(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Said:
    path = tmp_path / "none.duckdb"
    message = refusal(lambda: open_warehouse(f"duckdb:///{path}", create=False))
    return message, [str(path), "--warehouse", "CHITIEU_WAREHOUSE"]


def warehouse_name_too_long(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Said:
    path = tmp_path / ("w" * 300)
    message = refusal(lambda: open_warehouse(f"duckdb:///{path}.duckdb", create=False))
    return message, [str(tmp_path), "--warehouse", "CHITIEU_WAREHOUSE"]


def not_a_duckdb_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Said:
    path = tmp_path / "notes.duckdb"
    path.write_text("ghi chép, không phải kho dữ liệu\n" * 200)
    return refusal(lambda: open_warehouse(f"duckdb:///{path}")), [str(path)]


def postgresql_not_answering(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Said:
    message = refusal(lambda: open_warehouse("postgresql://kho:s3cret@127.0.0.1:1/kho"))
    return message, ["postgresql://kho:***@127.0.0.1:1/kho"]


def temporary_tables(role_may: bool, public_may: bool, before: bool) -> Callable[..., Said]:
    def said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Said:
        after = TemporaryStanding(public_may, role_may, False, "quan_tri", "chu_kho")
        earlier = TemporaryStanding(public_may, before, False, "quan_tri", "chu_kho")
        message = _temporary_words("kiem_toan", earlier, after, "REVOKE TEMPORARY ...;")
        if role_may:
            held = "PUBLIC" if public_may else "kiem_toan"
            return message, ["vai trò kiem_toan", held, "TEMPORARY", "quan_tri"]
        if before:
            return message, ["vai trò kiem_toan", "PUBLIC", "chu_kho", "GRANT TEMPORARY"]
        return message, ["vai trò kiem_toan"]

    return said


def publish_two(wh: Warehouse) -> None:
    """Revisions 1 and 2 of 2024S1 D published, the submissions they name received."""
    inputs = ((1, "a" * 64, "C1", "2024M05"), (2, "b" * 64, "C2", "2024M05"))
    receive(wh, (*inputs, (3, "e" * 64, "C3", "2024M05")))
    wh.publish(draft())
    wh.publish(draft(inputs=inputs))


def no_such_revision(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Said:
    with open_warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}") as wh:
        publish_two(wh)
        return refusal(lambda: wh.approve("2024S1", "D", "Nguyễn Văn A", revision=7)), ["1, 2"]


def already_approved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Said:
    with open_warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}") as wh:
        publish_two(wh)
        wh.approve("2024S1", "D", "Nguyễn Văn A", title="Chủ tịch UBND huyện")
        message = refusal(lambda: wh.approve("2024S1", "D", "Trần Thị B"))
    who = "Nguyễn Văn A, Chủ tịch UBND huyện"
    return message, ["bản 2", who, "chitieu reopen 2024S1 --org D"]


def revision_changed_behind_its_hash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Said:
    with open_warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}") as wh:
        publish_two(wh)
        wh.backend.execute("UPDATE snapshot_elements SET value = 9 WHERE org_unit_code = 'D'")
        message = refusal(lambda: wh.approve("2024S1", "D", "Nguyễn Văn A"))
    return message, ["bản 2", "content_sha256", "chitieu snapshots verify"]


CASES = {
    "invalid period": invalid_period,
    "relative DuckDB URL read as absolute": relative_url_read_as_absolute,
    "file where a folder is kept": file_where_a_folder_is_kept,
    "CHITIEU_DATA_DIR a file": data_dir_that_is_a_file,
    "folder name too long": folder_name_too_long,
    "libpq connection string": libpq_connection_string,
    "URL read two ways": url_read_two_ways,
    "DuckDB URL with two slashes": duckdb_url_with_two_slashes,
    "password in a flow parameter": password_in_a_flow_parameter,
    "unknown kind of URL": unknown_kind_of_url,
    "warehouse a folder": warehouse_that_is_a_folder,
    "no warehouse there": no_warehouse_there,
    "warehouse name too long": warehouse_name_too_long,
    "not a DuckDB file": not_a_duckdb_file,
    "PostgreSQL not answering": postgresql_not_answering,
    "temporary tables still (PUBLIC)": temporary_tables(True, True, True),
    "temporary tables still (granted)": temporary_tables(True, False, True),
    "temporary tables taken back": temporary_tables(False, False, True),
    "temporary tables never": temporary_tables(False, False, False),
    "no such revision": no_such_revision,
    "already approved": already_approved,
    "revision changed behind its hash": revision_changed_behind_its_hash,
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_vietnamese_half_names_the_values(
    case: Callable[[Path, pytest.MonkeyPatch], Said],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    message, values = case(tmp_path, monkeypatch)
    vi = vietnamese(message)
    for value in values:
        assert value in vi, f"{value!r} not in the Vietnamese half of: {message}"


@pytest.mark.postgres
def test_an_empty_postgresql_schema_is_named_in_vietnamese(postgres_url: str) -> None:
    message = refusal(lambda: open_warehouse(postgres_url, create=False))
    assert redact(postgres_url) in vietnamese(message)


@pytest.mark.postgres
def test_a_search_path_without_a_schema_is_named_in_vietnamese(postgres_url: str) -> None:
    url = postgres_url.replace("search_path%3D", "search_path%3Dno_such_schema_")
    vi = vietnamese(refusal(lambda: open_warehouse(url)))
    assert redact(url) in vi
    assert "search_path" in vi
    assert "chitieu warehouse grant-auditor" in vi


@pytest.mark.postgres
def test_a_role_refused_a_grant_is_named_in_vietnamese(postgres_url: str) -> None:
    with open_warehouse(postgres_url) as owner:
        vi = vietnamese(refusal(lambda: owner.grant_auditor("khong_co")))
    assert "'khong_co'" in vi
    assert "CREATE ROLE ... LOGIN PASSWORD ..." in vi
