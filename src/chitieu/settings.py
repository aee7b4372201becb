"""The one place that decides the environment: warehouse URL, archive and output paths.

Read when a command runs, never at import time. Secrets (a PostgreSQL password)
stay inside the URL or the environment and are never printed (`redact`); flows get
the URL without its password (`chitieu.credentials`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from chitieu.credentials import for_flow, refuse_conninfo, refuse_secret_parameter
from chitieu.errors import ChitieuError, WarehouseError
from chitieu.numbers import whole_number
from chitieu.shown import clipped
from chitieu.shown import shown as shown_text

if TYPE_CHECKING:
    from chitieu.prefect_server import PrefectChoice

WAREHOUSE_ENV: Final = "CHITIEU_WAREHOUSE"
DEFAULT_WAREHOUSE: Final = "duckdb:///./warehouse.duckdb"
DEFAULT_CONFIG: Final = "./config"


def warehouse_url(given: str | None = None) -> str:
    """The warehouse: the option, else ``CHITIEU_WAREHOUSE``, else a DuckDB file here.

    A bare path means a DuckDB file; a libpq ``key=value`` string is refused
    (`credentials.refuse_conninfo`).
    """
    url = given or os.environ.get(WAREHOUSE_ENV) or DEFAULT_WAREHOUSE
    if "://" not in url:
        refuse_conninfo(url)  # host=... dbname=... is no file name
        # a plain relative path is relative, whatever the root holds (`_unambiguous`)
        explicit = Path(url).is_absolute() or url.startswith(("./", "../"))
        url = f"duckdb:///{url}" if explicit else f"duckdb:///./{url}"
    return url


def warehouse_for_flow(given: str | None = None) -> str:
    """`warehouse_url` as a flow may receive it: without its password, which goes into
    this process's ``PGPASSWORD`` (`credentials.for_flow`). For commands that start flows."""
    return for_flow(warehouse_url(given))


def flow_warehouse(parameter: str | None) -> str:
    """The warehouse a flow works with: its ``warehouse_url`` parameter, which must hold no
    password (`credentials.refuse_secret_parameter`), else ``CHITIEU_WAREHOUSE``, whose
    password (if any) goes into this process's ``PGPASSWORD``, so that no task's
    parameters hold it either."""
    refuse_secret_parameter(parameter)
    return warehouse_for_flow(parameter)


def duckdb_path(url: str) -> Path:
    """The file of a ``duckdb:///path`` URL (``duckdb:////abs/path`` for absolute paths);
    `WarehouseError` for a relative one that reads as an absolute one (`_unambiguous`)."""
    written = url.removeprefix("duckdb:///")
    if written.startswith(("./", "../")):  # relative, and said to be
        return Path(written)
    return _unambiguous(Path(written))


def _unambiguous(path: Path) -> Path:
    """``path`` of a DuckDB URL, unless it is relative (three slashes, SQLAlchemy's way)
    while its first folder is not here but is at the root: ``duckdb:///tmp/w.duckdb``
    meant ``/tmp/w.duckdb`` (a file URL's way) far more often than a new ``./tmp``, and
    taking it here would split the team's data between two warehouses."""
    if path.is_absolute() or len(path.parts) < 2:
        return path
    first = path.parts[0]
    if Path(first).exists() or not (Path("/") / first).is_dir():
        return path
    shown = shown_text(path.as_posix())
    raise WarehouseError(
        f"URL kho DuckDB không rõ: duckdb:///{shown} là tệp {shown} trong thư mục này (ba "
        f"dấu gạch chéo: đường dẫn tương đối), nhưng ở đây không có thư mục {first}, còn "
        f"/{first} thì có: muốn dùng /{shown} thì viết duckdb:////{shown} (bốn dấu gạch "
        f"chéo) hoặc đường dẫn /{shown}; muốn một thư mục mới ở đây thì viết "
        f"duckdb:///./{shown}; chưa tạo gì / "
        f"an ambiguous DuckDB warehouse URL: duckdb:///{shown} is "
        f"the file {shown} under this folder (three slashes: a relative path), and there is "
        f"no folder {first} here, while /{first} exists: for /{shown} write "
        f"duckdb:////{shown} (four slashes) or the plain path /{shown}; for a new folder "
        f"here, duckdb:///./{shown}; nothing was created"
    )


def redact(url: str) -> str:
    """A URL (or a message quoting one) safe to print: the password replaced by ``***``,
    whether in ``user:password@`` (up to the last ``@`` of the URL: a password may hold
    one) or a ``password=...`` parameter (libpq's key=value and query-string forms)."""
    url = re.sub(r"(://[^:/@\s]+:)\S*@", r"\1***@", url)
    return re.sub(r"(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&'\"]+)", r"\1***", url)


def beside_warehouse(url: str, name: str) -> Path:
    """A folder kept next to the warehouse: ``<file>.<name>`` for DuckDB, else
    ``CHITIEU_DATA_DIR`` (default ``./chitieu-data``) ``/<name>``."""
    if url.startswith("duckdb:"):
        path = duckdb_path(url)
        return path.with_name(f"{path.stem}.{name}")
    return Path(os.environ.get("CHITIEU_DATA_DIR", "./chitieu-data")) / name


BESIDE_PURPOSES: Final = {
    "archive": ("bản lưu các tệp đã nhận", "the archive of received files"),
    "feedback": ("bản phản hồi của các bảng tính", "the annotated copies of workbooks"),
    "reports": ("các báo cáo của đánh giá", "the review's reports"),
    "quality": ("kết quả kiểm tra chất lượng", "the quality checks' results"),
    "datadocs": ("trang Data Docs của kiểm tra chất lượng", "the quality checks' Data Docs"),
}
"""What each folder beside the warehouse holds, as the message of one blocked says it."""
HEADS_LOG: Final = "heads.log"
"""The heads log's name beside the warehouse (`chitieu.warehouse.heads`)."""
INTAKE_FOLDERS: Final = ("archive", "feedback")
"""The folders beside the warehouse an intake writes (`check_beside`)."""
REVIEW_FOLDERS: Final = ("reports", "quality", "datadocs")
"""The folders beside the warehouse a review writes (`check_beside`)."""


def check_beside(url: str, *names: str) -> None:
    """Raise `FolderBlocked` when a file stands where a folder ``names`` beside the
    warehouse at ``url`` is kept (`beside_warehouse`), or where one of the folders it goes
    in should be (``CHITIEU_DATA_DIR`` a file): before any work, rather than a traceback
    when the folder is first written. A folder not there yet is made when needed."""
    from chitieu.errors import FolderBlocked
    from chitieu.shown import clipped

    for name in names:
        folder = beside_warehouse(url, name)
        vi, en = BESIDE_PURPOSES.get(name, (name, name))
        other_vi, other_en = (
            ("đặt tên tệp kho khác (--warehouse)", "name another warehouse file (--warehouse)")
            if url.startswith("duckdb:")
            else ("đặt CHITIEU_DATA_DIR là một thư mục", "set CHITIEU_DATA_DIR to a folder")
        )
        try:
            blocked = next((p for p in (folder, *folder.parents) if p.exists()), None)
            if blocked is None or blocked.is_dir():
                continue
        except OSError as error:  # a name too long for the system, a folder not allowed
            raise FolderBlocked(
                f"{clipped(str(folder))}: chitieu không giữ được {vi} ở đây; hãy {other_vi} / "
                f"cannot keep {en} there ({error.strerror or type(error).__name__}); "
                f"{other_en}"
            ) from error
        where = "" if blocked == folder else f" ({clipped(str(folder))})"
        raise FolderBlocked(
            f"{clipped(str(blocked))} là một tệp, không phải thư mục, nơi chitieu giữ "
            f"{vi}{where}; hãy chuyển tệp đó đi nơi khác, hoặc {other_vi} / is a file, not a "
            f"folder: chitieu keeps {en} there{where}; move it away, or {other_en}"
        )


def kept_by_chitieu(url: str, config_dir: str | Path | None = None) -> list[Path]:
    """What chitieu keeps of the warehouse at ``url`` and reads its configuration from,
    resolved: the folders and the heads log beside the warehouse (`beside_warehouse`),
    the DuckDB file and its write-ahead log (for PostgreSQL, ``CHITIEU_DATA_DIR`` whole),
    and ``config_dir``. An intake never reads them as reports (`sources.inbox`)."""
    kept = [beside_warehouse(url, name) for name in (*BESIDE_PURPOSES, HEADS_LOG)]
    if url.startswith("duckdb:"):
        database = duckdb_path(url)
        kept += [database, database.with_name(f"{database.name}.wal")]
    else:
        kept.append(Path(os.environ.get("CHITIEU_DATA_DIR", "./chitieu-data")))
    if config_dir is not None:
        kept.append(Path(config_dir))
    return [Path(os.path.realpath(path)) for path in kept]


PREFECT_DEFAULTS: Final = {
    # The temporary local server takes 15-25 s to start on a fresh machine; Prefect's
    # default of 20 s makes a first `chitieu demo` fail on a slow or busy one.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
}


def prepare_prefect(ephemeral: bool = False) -> PrefectChoice:
    """Defaults for Prefect, set before it is imported; the user's environment wins.

    With ``PREFECT_API_URL`` set, flows run on that server; otherwise on the local
    server kept running under the Prefect home (started when needed), or, with
    ``ephemeral`` or ``CHITIEU_PREFECT_SERVER=ephemeral``, on a temporary one
    (`chitieu.prefect_server`).
    """
    from chitieu.prefect_server import choose

    for name, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(name, value)
    return choose(ephemeral)


INTAKE_PROCESSES_ENV: Final = "CHITIEU_INTAKE_PROCESSES"


def intake_processes() -> int:
    """How many worker processes plan intake batches side by side: ``CHITIEU_INTAKE_PROCESSES``
    (1: all in the intake's own process), by default one per core."""
    given = os.environ.get(INTAKE_PROCESSES_ENV, "").strip()
    if not given:
        return os.cpu_count() or 1
    return _positive(INTAKE_PROCESSES_ENV, given)


def _positive(name: str, given: str) -> int:
    """``given``, the value of the variable ``name``, as a whole number of at least 1."""
    number = whole_number(given, least=1)
    if number is None:
        shown = repr(clipped(given))
        raise ChitieuError(
            f"{name} phải là một số nguyên dương, không phải {shown} / {name} must be a "
            f"positive number, not {shown}"
        )
    return number


TASK_RUNNER_ENV: Final = "CHITIEU_TASK_RUNNER"
DASK_ADDRESS_ENV: Final = "CHITIEU_DASK_ADDRESS"
DASK_WORKERS_ENV: Final = "CHITIEU_DASK_WORKERS"


@dataclass(frozen=True)
class TaskRunnerChoice:
    """Where intake batches are validated: ``threads`` of the flow's process (default),
    or ``dask``: the cluster at ``dask_address``, else a local one of ``dask_workers``."""

    kind: str
    dask_address: str | None = None
    dask_workers: int = 2


def task_runner_choice() -> TaskRunnerChoice:
    """From ``CHITIEU_TASK_RUNNER`` (``threads`` | ``dask``), ``CHITIEU_DASK_ADDRESS``
    (``tcp://scheduler:8786``) and ``CHITIEU_DASK_WORKERS`` (local cluster size)."""
    kind = os.environ.get(TASK_RUNNER_ENV, "").strip().lower() or "threads"
    if kind not in ("threads", "dask"):
        raise ChitieuError(
            f"{TASK_RUNNER_ENV} phải là 'threads' hoặc 'dask', không phải {kind!r} / "
            f"{TASK_RUNNER_ENV} must be 'threads' or 'dask', not {kind!r}"
        )
    workers = _positive(DASK_WORKERS_ENV, os.environ.get(DASK_WORKERS_ENV, "").strip() or "2")
    address = os.environ.get(DASK_ADDRESS_ENV, "").strip() or None
    return TaskRunnerChoice(kind, address, workers)
