"""No secret kept or shown: a PostgreSQL password given in --warehouse reaches libpq
(through PGPASSWORD of the flow's process) and nothing else. The flow runs on the
session's real Prefect server are read back from its API (parameters, task runs, logs,
artifacts, events) and hold no trace of it. URLs that could be read two ways, and libpq
key=value strings, are refused without quoting them and without creating anything."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from prefect import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterTags,
    LogFilter,
    LogFilterFlowRunId,
    TaskRunFilter,
    TaskRunFilterFlowRunId,
)
from prefect_fixtures import prefect_api_url, prefect_env  # noqa: F401
from prefect_queries import artifacts_of
from tampering_fixtures import make_config, write_inbox
from warehouse_fixtures import BACKENDS, postgres_schema_url

from chitieu import credentials, settings
from chitieu.errors import WarehouseError
from chitieu.warehouse import open_warehouse

CHITIEU = str(Path(sys.executable).with_name("chitieu"))
SECRET = "Kh0a-Bi-Mat-7391@/?#:x"
"""A password with every character a URL reserves; its core is what the tests look for."""
CORE = "Kh0a-Bi-Mat-7391"


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> str:
    if "postgresql" not in BACKENDS:
        pytest.skip("postgresql is not in CHITIEU_TEST_BACKENDS")
    return postgres_schema_url(request.config)[0]


def with_password(url: str, password: str = SECRET) -> str:
    """``postgresql://postgres@...`` with a password, percent-encoded as it must be."""
    return url.replace("://postgres@", f"://postgres:{quote(password, safe='')}@", 1)


@pytest.mark.parametrize(
    ("url", "public", "password"),
    [
        ("postgresql://kho:p%40ss@db:5432/kho", "postgresql://kho@db:5432/kho", "p@ss"),
        (
            "postgres://kho:a:b@db/kho?sslmode=require",
            "postgres://kho@db/kho?sslmode=require",
            "a:b",
        ),
        (
            "postgresql://kho@db/kho?password=p%26q&options=-csearch_path%3Dhuyen",
            "postgresql://kho@db/kho?options=-csearch_path%3Dhuyen",
            "p&q",
        ),
        ("postgresql://kho@db/kho?password=x", "postgresql://kho@db/kho", "x"),
        ("postgresql://kho@db/kho", "postgresql://kho@db/kho", None),
        ("duckdb:///srv/user@corp/w.duckdb", "duckdb:///srv/user@corp/w.duckdb", None),
    ],
)
def test_a_url_splits_into_what_may_be_shown_and_its_password(
    url: str, public: str, password: str | None
) -> None:
    parsed = credentials.parse(url)
    assert (parsed.public, parsed.password) == (public, password)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("postgresql://kho:se@cret@db/kho", "more than one '@' before its host"),
        ("postgresql://kho:se/cret@db/kho", "an '@' after its host"),
        ("postgresql://kho:se#cret@db/kho", "an '@' after its host"),
    ],
)
def test_a_url_read_two_ways_is_refused_quoting_nothing(url: str, why: str) -> None:
    with pytest.raises(WarehouseError, match=f"the warehouse URL is ambiguous: {why}") as err:
        open_warehouse(url)
    assert "cret" not in str(err.value)
    assert "%40" in str(err.value)  # says how to write it
    done = subprocess.run(
        [CHITIEU, "snapshots", "list", "--warehouse", url], capture_output=True, text=True
    )
    assert done.returncode == 3
    assert "cret" not in done.stdout + done.stderr
    assert done.stderr.count("\n") == 1


@pytest.mark.parametrize("command", [["snapshots", "list"], ["intake", "."]])
def test_a_libpq_string_is_refused_and_creates_nothing(command: list[str], tmp_path: Path) -> None:
    conninfo = "host=db.huyen.local user=kho password=Kh0a-Bi-Mat dbname=chitieu"
    done = subprocess.run(
        [CHITIEU, *command, "--warehouse", conninfo, "--config", str(make_config(tmp_path / "c"))],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 3
    assert done.stderr == (
        "chitieu: --warehouse là chuỗi kết nối libpq dạng khóa=giá trị (dbname, host, "
        "password, user), không phải URL: viết postgresql://USER@HOST:PORT/DBNAME (một đường "
        "dẫn trơn là tệp DuckDB), mật khẩu để trong PGPASSWORD hoặc ~/.pgpass; chưa tạo gì / "
        "--warehouse is a libpq key=value connection string (dbname, host, password, user), "
        "not a URL: write postgresql://USER@HOST:PORT/DBNAME (a bare path is a DuckDB file), "
        "with the password in PGPASSWORD or ~/.pgpass; nothing was created\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c"]


@pytest.mark.parametrize("command", [["snapshots", "list"], ["intake", "."]])
@pytest.mark.parametrize(
    "url", ["duckdb://solieu.duckdb", "duckdb://ketoan:Kh0a-Bi-Mat@host/x.duckdb"]
)
def test_a_duckdb_url_with_two_slashes_is_refused_and_creates_nothing(
    command: list[str], url: str, tmp_path: Path
) -> None:
    """``duckdb://solieu.duckdb`` (an easy typo for ``duckdb:///``) would put the database at
    the root of the disk and the archive in ``./duckdb:/``, and read commands would not
    find them: refused, quoting nothing of the URL (a password in it stays unshown)."""
    done = subprocess.run(
        [CHITIEU, *command, "--warehouse", url, "--config", str(make_config(tmp_path / "c"))],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 3
    assert "three slashes" in done.stderr
    assert "nothing was created" in done.stderr
    assert "solieu" not in done.stdout + done.stderr
    assert "ketoan" not in done.stdout + done.stderr
    assert "Mat" not in done.stdout + done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c"]
    assert not Path("/solieu.duckdb").exists()


@pytest.mark.parametrize("command", [["snapshots", "list"], ["intake", "."]])
def test_a_duckdb_url_whose_relative_path_reads_as_absolute_is_refused(
    command: list[str], tmp_path: Path
) -> None:
    """``duckdb:///tmp/...`` is ``./tmp/...`` (three slashes: relative), but a user who
    writes it with no ``tmp`` folder here means ``/tmp/...``: refused, creating nothing
    here or there, with both ways to say it; a folder that is here, an explicit ``./``
    and a plain relative path keep their meaning."""
    target = tmp_path / "kho" / "w.duckdb"
    url = f"duckdb://{target}"  # three slashes before "tmp": relative
    run = [CHITIEU, *command, "--config", str(make_config(tmp_path / "c"))]
    here = tmp_path / "here"
    here.mkdir()
    done = subprocess.run([*run, "--warehouse", url], capture_output=True, text=True, cwd=here)
    assert done.returncode == 3, done.stderr
    assert "ambiguous DuckDB warehouse URL" in done.stderr
    assert f"duckdb:///{target}" in done.stderr  # the four-slash form
    assert "nothing was created" in done.stderr
    assert list(here.iterdir()) == []
    assert not target.parent.exists()
    # said to be relative, or with the folder here: taken as written
    for given in (f"duckdb:///.{target}", target.relative_to("/").as_posix()):
        done = subprocess.run(
            [*run, "--warehouse", given], capture_output=True, text=True, cwd=here
        )
        assert "ambiguous" not in done.stderr
    assert not target.parent.exists()


def test_the_password_reaches_libpq_through_the_environment(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGPASSWORD", "another")  # as in libpq, the URL's password wins
    public = settings.warehouse_for_flow(with_password(pg_url))
    assert CORE not in public
    assert public == pg_url
    with open_warehouse(public) as wh:
        assert wh.backend._con.info.password == SECRET  # type: ignore[attr-defined]


def test_a_flow_refuses_a_parameter_that_holds_a_password(
    prefect_api_url: str,  # noqa: F811
    pg_url: str,
    tmp_path: Path,
) -> None:
    from chitieu.flows.intake import intake_flow

    state = intake_flow(
        [str(tmp_path)],
        str(make_config(tmp_path / "config")),
        with_password(pg_url),
        return_state=True,
    )
    assert state.is_failed()
    assert "the flow's warehouse_url parameter holds a password" in str(state.message)
    assert CORE not in str(state.message)


def _dump(value: Any) -> str:
    return value.model_dump_json() if hasattr(value, "model_dump_json") else json.dumps(value)


def _everything_about(api_url: str, tag: str) -> tuple[list[Any], str]:
    """The flow runs tagged ``tag`` and all the server keeps about them, as text."""
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=[tag]))
        )
        ids = [run.id for run in runs]
        tasks = client.read_task_runs(
            task_run_filter=TaskRunFilter(flow_run_id=TaskRunFilterFlowRunId(any_=ids))
        )
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=ids)))
    artifacts = [a for run in ids for a in artifacts_of(run).values()]
    events = httpx.post(
        f"{api_url}/events/filter",
        json={"filter": {"related": {"id": [f"prefect.flow-run.{i}" for i in ids]}}, "limit": 50},
        timeout=10,
    ).json()["events"]
    text = "\n".join(_dump(item) for item in [*runs, *tasks, *logs, *artifacts, *events])
    return runs, text


@pytest.mark.slow
def test_no_flow_run_on_the_server_keeps_the_password(
    pg_url: str,
    tmp_path: Path,
    prefect_env: dict[str, str],  # noqa: F811
    prefect_api_url: str,  # noqa: F811
) -> None:
    config = make_config(tmp_path / "config")
    inbox = write_inbox(tmp_path)
    url = with_password(pg_url)
    env = {**prefect_env, "CHITIEU_DATA_DIR": str(tmp_path / "data")}
    env.pop("PGPASSWORD", None)
    for command in (["intake", str(inbox)], ["review", "2024S1"]):
        done = subprocess.run(
            [CHITIEU, *command, "--config", str(config), "--warehouse", url],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr
        assert CORE not in done.stdout + done.stderr
    period_tag = "period:2024S1"
    runs, everything = _everything_about(prefect_api_url, period_tag)
    mine = [r for r in runs if r.parameters.get("warehouse_url") == pg_url]
    assert len(mine) == 1  # the review, found by the URL it was given: without its password
    intake_runs, intake_text = _everything_about(prefect_api_url, "intake")
    assert any(r.parameters.get("warehouse_url") == pg_url for r in intake_runs)
    for text in (everything, intake_text):
        assert CORE not in text
        assert quote(SECRET, safe="") not in text
    with open_warehouse(pg_url) as wh:  # and the runs did their work
        assert wh.list_snapshots("2024S1", "D")["revision"].to_list() == [1]
