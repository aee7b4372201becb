"""An intake's files read while Prefect starts, for ``chitieu intake``.

Before its first task can read a file, a command imports Prefect and starts the flow
run: a second of a district's three. The reading needs no Prefect: listing and
fingerprinting the files, the warehouse's earlier receipts of them, and a district's
one batch validated and archived (`pipeline.BatchJob.plan`). So the command forks,
first thing, before it imports anything that runs threads of its own (polars, DuckDB,
Prefect), a process that does that reading while this one imports Prefect and starts
the run. The flow's tasks take what it read only when it is exactly what they would
compute themselves (the same files, configuration, archive, earlier receipts and
moment of reception; `chitieu.flows.intake`) and otherwise do the work themselves, as
they do for a run the command line did not start; their logs say what was read ahead
and how long it took.

The warehouse is read by one process at a time: the flow opens it only once the reader
has closed it (`ReadAhead.release`), or has ended. No reading ahead where processes
cannot be forked safely (not Linux, or something threaded already imported), where no
core is idle to read on (`_idle_core`), or with ``CHITIEU_READ_AHEAD=0``
(``CHITIEU_READ_AHEAD=1``: even with no core idle).

Nothing here imports Prefect or polars at import time.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from multiprocessing.connection import Connection, Pipe
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from chitieu import settings

if TYPE_CHECKING:
    from chitieu.pipeline import BatchJob, PlannedBatch
    from chitieu.receipts import FileOutcome

READ_AHEAD_ENV: Final = "CHITIEU_READ_AHEAD"
"""``0``: the intake's tasks read everything themselves; ``1``: read ahead even when no
core is idle; by default, read ahead when one is."""
THREADED: Final = ("polars", "duckdb", "pyarrow", "psycopg", "prefect", "numpy")
"""Modules whose threads a forked process would inherit in an unknown state."""


@dataclass(frozen=True)
class Intake:
    """What a run of the intake flow reads, as the flow derives it from its parameters."""

    inputs: tuple[str, ...]
    config_dir: str
    """Resolved."""
    warehouse_url: str
    """As the flow gets it (`settings.flow_warehouse`)."""
    archive: str
    workdir: str

    @classmethod
    def of(cls, inputs: list[str], config_dir: str, warehouse_url: str | None) -> Intake:
        url = settings.flow_warehouse(warehouse_url)
        return cls(
            tuple(inputs),
            str(Path(config_dir).resolve()),
            url,
            str(settings.beside_warehouse(url, "archive").resolve()),
            str(Path.cwd()),
        )


class ReadAhead:
    """The reading process of one intake, seen from the command: what it sends, in the
    order it sends it (the files, the warehouse released, the planned batch)."""

    def __init__(
        self, intake: Intake, received_at: dt.datetime, pid: int, connection: Connection
    ) -> None:
        self.intake = intake
        self.received_at = received_at
        """When the command received the files: the moment the run records."""
        self._pid: int | None = pid
        self._connection = connection
        self._lock = threading.Lock()
        self._messages: dict[str, tuple[Any, float]] = {}
        self._ended = False

    @property
    def pid(self) -> int | None:
        """The reader's process, until it is known to have ended."""
        return self._pid

    def _until(self, kind: str) -> tuple[Any, float] | None:
        """The message ``kind`` and how long its work took, reading those before it;
        None when the reader ended (or failed) without sending it."""
        with self._lock:
            while kind not in self._messages and not self._ended:
                try:
                    sent, value, seconds = self._connection.recv()
                except (EOFError, OSError):
                    sent = "ended"
                if sent in ("ended", "failed"):
                    self._ended = True
                    self._reap()
                else:
                    self._messages[sent] = (value, seconds)
            return self._messages.get(kind)

    def gathered(self) -> tuple[list[tuple[str, str]], list[FileOutcome], float] | None:
        """`pipeline.fingerprint_inbox` of the intake's inputs, and its seconds."""
        found = self._until("gathered")
        return None if found is None else (*found[0], found[1])

    def release(self) -> None:
        """Return once the reader holds the warehouse no more (it closed it, or ended):
        before the flow opens it."""
        if self._until("released") is None:
            self._reap()

    def planned(self, job: BatchJob) -> tuple[PlannedBatch, float] | None:
        """The batch planned ahead, and its seconds, if it is ``job``'s."""
        found = self._until("planned")
        if found is None:
            return None
        (planned_job, planned), seconds = found
        return (planned, seconds) if planned_job == job else None

    def _reap(self) -> None:
        if self._pid is None:
            return
        with suppress(ChildProcessError):
            os.waitpid(self._pid, 0)
        self._pid = None

    def close(self) -> None:
        """End the reader, whatever it was doing (the command is over)."""
        if self._pid is not None:
            with suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            self._reap()
        self._connection.close()


_CURRENT: ReadAhead | None = None


def _can_fork() -> bool:
    wanted = os.environ.get(READ_AHEAD_ENV, "").strip()
    if wanted == "0":
        return False
    if not sys.platform.startswith("linux") or threading.active_count() != 1:
        return False
    if any(name in sys.modules for name in THREADED):
        return False
    return wanted == "1" or _idle_core()


def _idle_core() -> bool:
    """Whether a core is idle right now besides this process's (Linux counts the threads
    ready to run in /proc/loadavg, this one included). The reader imports polars and
    chitieu again, half a second of a core: with none idle it costs more than it saves
    (on the example, 0.3 s lost on a busy machine, 0.5 s won on a quiet one)."""
    try:
        running = int(Path("/proc/loadavg").read_text().split()[3].split("/")[0])
    except (OSError, ValueError, IndexError):
        return False
    return running < len(os.sched_getaffinity(0))


@contextmanager
def reading_ahead(
    inputs: list[str], config_dir: str, warehouse_url: str | None
) -> Iterator[ReadAhead | None]:
    """The intake's files read by a process forked now, for the flow run the command
    starts in this context (`claim`), its batches cut as the flow's default cuts them;
    None where it cannot be."""
    global _CURRENT
    if not _can_fork():
        yield None
        return
    intake = Intake.of(inputs, config_dir, warehouse_url)
    received_at = dt.datetime.now(dt.UTC)
    mine, theirs = Pipe(duplex=False)
    pid = os.fork()
    if pid == 0:  # the reader: never returns
        mine.close()
        _read(intake, received_at, theirs)
    theirs.close()
    ahead = ReadAhead(intake, received_at, pid, mine)
    _CURRENT = ahead
    try:
        yield ahead
    finally:
        _CURRENT = None
        ahead.close()


def claim(intake: Intake) -> ReadAhead | None:
    """The reading ahead of this intake, if the command started one (once)."""
    global _CURRENT
    ahead = _CURRENT
    if ahead is None or ahead.intake != intake:
        return None
    _CURRENT = None
    return ahead


def _read(intake: Intake, received_at: dt.datetime, out: Connection) -> None:
    """The reader's whole life: each step's result sent as soon as it is known."""
    code = 0
    try:
        _steps(intake, received_at, out)
    except BaseException as error:  # the flow's tasks will meet it again, and report it
        code = 1
        with suppress(Exception):
            out.send(("failed", repr(error), 0.0))
    finally:
        with suppress(Exception):
            out.close()
        os._exit(code)  # none of the command's exit handlers: they are its own


def _steps(intake: Intake, received_at: dt.datetime, out: Connection) -> None:
    gc.disable()  # as the command imports (`chitieu.cli._base.settled_imports`)
    from chitieu import pipeline

    gc.freeze()
    gc.enable()
    started = time.perf_counter()
    found, refused = pipeline.fingerprint_inbox([Path(i) for i in intake.inputs])
    out.send(("gathered", (found, refused), time.perf_counter() - started))

    started = time.perf_counter()
    hash_of = dict(found)
    try:
        received = _received_before(intake.warehouse_url, list(hash_of.values()))
    finally:
        out.send(("released", None, time.perf_counter() - started))
    groups = pipeline.batches([Path(p) for p, _ in found])
    if len(groups) != 1 or settings.task_runner_choice().kind != "threads":
        out.send(("ended", None, 0.0))  # several batches: the flow's worker processes
        return
    started = time.perf_counter()
    paths = [str(p) for p in groups[0]]
    [known] = pipeline.known_before([[hash_of[p] for p in paths]], received)
    job = pipeline.BatchJob(
        paths, intake.workdir, intake.config_dir, intake.archive, known, received_at
    )
    planned = job.plan()
    out.send(("planned", (job, planned), time.perf_counter() - started))
    out.send(("ended", None, 0.0))


def _received_before(url: str, hashes: list[str]) -> set[str]:
    """The hashes the warehouse has received before (none when it does not exist yet)."""
    from chitieu.warehouse import open_warehouse

    if url.startswith("duckdb:") and not settings.duckdb_path(url).exists():
        return set()
    with open_warehouse(url, create=False) as warehouse:
        return warehouse.known_sha256(hashes)
