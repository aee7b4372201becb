"""A message that names a value names it in its Vietnamese half too: a commune officer
reads "vi / en" up to the " / " and must learn there which period, file, URL, role or
revision is wrong (README, "Messages a commune officer acts on"). Each case drives the
function or command that says the message and looks in the half before the first " / "."""

from __future__ import annotations

import datetime as dt
import socket
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from rollup_helpers import (
    MERGER,
    TREE_4_LEVELS,
    catalog,
    element,
    indicator,
    values,
    write_config,
)
from test_lineage import HAMLETS, revision
from test_prefect_api_unreachable import refused_port, silent_port  # noqa: F401
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

from chitieu import credentials, files, prefect_server, settings
from chitieu.cli import cli
from chitieu.config import Config, load_config
from chitieu.errors import ChitieuError, ReformDataError
from chitieu.hierarchy_reform import build
from chitieu.lineage import trace_indicator
from chitieu.lineage.trace import known_indicator
from chitieu.narrative import draft as narrative_draft
from chitieu.narrative.draft import MAX_BYTES, read_draft
from chitieu.periods import Period
from chitieu.rollup import roll_up
from chitieu.settings import redact
from chitieu.shown import clipped
from chitieu.warehouse import Warehouse, open_warehouse
from chitieu.warehouse.queries import migrations
from chitieu.warehouse.roles import TemporaryStanding, _temporary_words

REFORM = Path(__file__).parent / "data" / "reform_base"

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


def hamlets_config(tmp_path: Path) -> Config:
    """test_lineage's ``deep`` configuration: S and B of hamlets, CT01 and CT02 of them."""
    hamlet = {"collected_at": "hamlet"}
    doc = catalog(
        [element("S", **hamlet), element("B", **hamlet, value_type="boolean")],
        [indicator("CT01", "S"), indicator("CT02", "S / B")],
        "P",
    )
    return load_config(write_config(tmp_path / "config", doc, TREE_4_LEVELS))


def restated_before_the_period_ends(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Said:
    doc = catalog([element("A")], [indicator("CT01", "A")], "D")
    config = load_config(write_config(tmp_path / "config", doc, MERGER))
    rows = values(("C1", "A", "2024M01", 1.0))
    message = refusal(lambda: roll_up(config, rows, "2024Q1", as_of=dt.date(2024, 3, 1)))
    return message, ["2024-03-01", "2024Q1", f"({Period.parse('2024Q1').end.isoformat()})"]


def unknown_indicator_traced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Said:
    config = hamlets_config(tmp_path)
    return refusal(lambda: known_indicator(config, "CT99")), ["CT99", "CT01, CT02"]


def unit_without_the_indicator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Said:
    config = hamlets_config(tmp_path)
    rev = revision(config, HAMLETS, "2024S1")
    units = rev.read.indicators["org_unit_code"].unique(maintain_order=True).to_list()
    message = refusal(
        lambda: trace_indicator(config, rev.read, rev.submissions, rev.values, "CT01", "X")
    )
    return message, ["X", "CT01", "2024S1 P", ", ".join(units)]


def reform_problem(call: Callable[[], object]) -> str:
    with pytest.raises(ReformDataError) as raised:
        call()
    [problem] = raised.value.problems
    return problem.message


def old_province_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Said:
    message = reform_problem(
        lambda: build(REFORM / "units.csv", REFORM / "crosswalk.csv", province="83")
    )
    return message, ["83", "--province 86", "(các tỉnh: 86)"]


def reform_units_not_utf8(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Said:
    units = tmp_path / "units.csv"
    units.write_bytes(b"code,name,level,parent_code\n\xff1,T\xednh,province,\n")
    message = reform_problem(lambda: build(units, REFORM / "crosswalk.csv"))
    return message, ["byte 28", "byte mở đầu không hợp lệ"]


def output_name_too_long(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Said:
    target = tmp_path / ("b" * 300 + ".xlsx")
    message = refusal(lambda: files.write_atomically(target, b"x"))
    return message, [str(target)[:60], "tên quá dài", "đặt tên tệp khác"]


def draft_of_another_kind(suffix: str, hint: str) -> Callable[..., Said]:
    def said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Said:
        path = tmp_path / f"bao-cao{suffix}"
        path.write_bytes(b"%PDF-1.7")
        message = refusal(lambda: read_draft(path))
        return message, [path.name, f"({suffix or 'không có phần mở rộng'})", hint]

    return said


def draft_too_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Said:
    path = tmp_path / "bao-cao.txt"
    with path.open("wb") as sparse:  # 20 MB on no disk
        sparse.truncate(MAX_BYTES + 1)
    return refusal(lambda: read_draft(path)), ["20.000.001 byte", "tối đa 20.000.000"]


def word_draft_unpacking_too_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Said:
    """The limit is lowered instead of writing 200 MB (as test_narrative_word does)."""
    monkeypatch.setattr(narrative_draft, "MAX_UNPACKED", 10_000)
    path = tmp_path / "bao-cao.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("word/document.xml", "<w:p/>" * 2_000)
    message = refusal(lambda: read_draft(path))
    return message, ["bao-cao.docx", "12.000 byte", "tối đa 10.000"]


def prefect_port_not_a_number(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Said:
    monkeypatch.setenv(prefect_server.PORT_ENV, "99999")
    message = refusal(prefect_server.configured_port)
    return message, ["CHITIEU_PREFECT_PORT", "1-65535", "'99999'"]


def prefect_server_kind_unknown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Said:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setenv(prefect_server.SERVER_ENV, "cloud")
    message = refusal(prefect_server.choose)
    return message, ["CHITIEU_PREFECT_SERVER", "'local'", "'ephemeral'", "'cloud'"]


def prefect_api_url_not_http(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Said:
    message = refusal(lambda: prefect_server.reach("not a url"))
    return message, ["PREFECT_API_URL", "'not a url'", "http://127.0.0.1:4200/api"]


def prefect_api_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Said:
    url = f"http://127.0.0.1:{refused_port()}/api"
    message = refusal(lambda: prefect_server.reach(url))
    return message, [url, "chitieu server start", "prefect server start", "PREFECT_API_URL"]


def prefect_port_taken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Said:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = int(squatter.getsockname()[1])
        server = prefect_server.LocalServer(tmp_path / "prefect", port)
        message = refusal(server.ensure)
    return message, [f"cổng {port}", "CHITIEU_PREFECT_PORT", "PREFECT_API_URL"]


def prefect_port_taken_runs_in_temporary_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Said:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.delenv(prefect_server.SERVER_ENV, raising=False)  # conftest's: ephemeral
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect"))
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = int(squatter.getsockname()[1])
        monkeypatch.setenv(prefect_server.PORT_ENV, str(port))
        choice = prefect_server.choose()
    assert choice.mode == "ephemeral"
    assert choice.message is not None
    return choice.message, [f"cổng {port}", "chạy ở chế độ tạm"]


def prefect_server_stopping_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Said:
    """Prefect's own server, refusing a setting it cannot read: it exits 1 at once."""
    monkeypatch.setenv("PREFECT_LOGGING_LEVEL", "NOT_A_LEVEL")
    server = prefect_server.LocalServer(tmp_path / "prefect", refused_port())
    message = refusal(server.ensure)
    return message, ["mã thoát 1", str(server.log_path)]


def prefect_server_slow_to_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Said:
    """Prefect's own server, given a tenth of a second (it takes seconds to start)."""
    server = prefect_server.LocalServer(tmp_path / "prefect", refused_port())
    message = refusal(lambda: server.ensure(timeout=0.1))
    return message, ["0 giây", str(server.log_path)]


def environment_refused(name: str, given: str, call: Callable[[], object]) -> Callable[..., Said]:
    def said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Said:
        monkeypatch.setenv(name, given)
        message = refusal(call)
        assert len(message) < 1000  # a value of any length is named by its start and end
        return message, [name, repr(clipped(given))]

    return said


def warehouse_newer_than_chitieu(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Said:
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    with open_warehouse(url) as wh:
        wh.backend.execute("INSERT INTO schema_version VALUES (999, now())")
    newest = migrations("duckdb")[-1].version
    message = refusal(lambda: open_warehouse(url))
    return message, [str(tmp_path / "w.duckdb"), "phiên bản 999", f"({newest})"]


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
    "restated before the period ends": restated_before_the_period_ends,
    "unknown indicator traced": unknown_indicator_traced,
    "unit without the indicator": unit_without_the_indicator,
    "old province code": old_province_code,
    "reform units not UTF-8": reform_units_not_utf8,
    "output name too long": output_name_too_long,
    "draft in PDF": draft_of_another_kind(".pdf", "lưu lại dạng .docx"),
    "draft without a suffix": draft_of_another_kind("", ".docx, .txt hoặc .md"),
    "draft too large": draft_too_large,
    "Word draft unpacking too large": word_draft_unpacking_too_large,
    "CHITIEU_PREFECT_PORT not a port": prefect_port_not_a_number,
    "CHITIEU_PREFECT_SERVER unknown": prefect_server_kind_unknown,
    "PREFECT_API_URL not http": prefect_api_url_not_http,
    "PREFECT_API_URL refused": prefect_api_refused,
    "Prefect port taken": prefect_port_taken,
    "Prefect port taken: temporary mode": prefect_port_taken_runs_in_temporary_mode,
    "Prefect server stopping at once": prefect_server_stopping_at_once,
    "Prefect server slow to answer": prefect_server_slow_to_answer,
    **{
        # "²" is a digit to str.isdigit and no number to int(); int() reads 4,300 digits
        # at most: each a refusal naming the value, not exit 70
        f"{name} {given if len(given) < 10 else '5,000 digits'}": environment_refused(
            name, given, read
        )
        for name, read, values in (
            (settings.INTAKE_PROCESSES_ENV, settings.intake_processes, ("0", "²", "9" * 5000)),
            (settings.DASK_WORKERS_ENV, settings.task_runner_choice, ("hai", "²")),
            (prefect_server.PORT_ENV, prefect_server.configured_port, ("²", "9" * 5000)),
        )
        for given in values
    },
    "CHITIEU_TASK_RUNNER unknown": environment_refused(
        settings.TASK_RUNNER_ENV, "ray", settings.task_runner_choice
    ),
    "warehouse newer than chitieu": warehouse_newer_than_chitieu,
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


@pytest.mark.postgres
def test_a_granted_role_is_told_which_warehouse_in_vietnamese(
    request: pytest.FixtureRequest,
) -> None:
    if "postgresql" not in BACKENDS:
        pytest.skip("postgresql is not in CHITIEU_TEST_BACKENDS")
    owner_url, _ = postgres_schema_url(request.config)
    with open_warehouse(owner_url) as owner:
        owner.publish(draft())
    for command, prefix in (("grant-auditor", "kiem_toan"), ("grant-approver", "duyet")):
        role = postgres_role(request.config, prefix)
        done = CliRunner().invoke(cli, ["warehouse", command, role, "--warehouse", owner_url])
        assert done.exit_code == 0, done.output
        vi = vietnamese(done.output.splitlines()[0])
        assert f"vai trò {role}" in vi
        assert redact(owner_url) in vi
