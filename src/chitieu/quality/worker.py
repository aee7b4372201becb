"""Great Expectations in a process of its own, imported while this one rolls up.

Importing GX costs two seconds even compiled, more than a district's whole review, and
every check of the gate needs it. A command that will run the gate calls `warm()` first
thing: a worker process starts and imports GX on the other core while this process
imports Prefect, reads the warehouse and rolls up. The gate then hands the worker its
frame (`validate`), and the same suite runs there, with the same GX project, lock and
Data Docs as in this process. Where no worker was started (a deployed run, a test) or
the one started has died, the gate runs here, as it always did.

The worker serves the process that started it and ends with it (a daemon process); a
second review in the same command (``chitieu demo``) reuses it. Where the local Prefect
server runs, the gate kept warm beside it (`chitieu.quality.service`) serves instead:
then no command waits for GX's import at all.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import os
import pickle
import sys
import threading
import time
from dataclasses import replace
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any, Final, cast

from chitieu.errors import fault_reason

if TYPE_CHECKING:
    from chitieu.quality.checks import CheckResult
    from chitieu.quality.gate import GateJob

WORKER_ENV: Final = "CHITIEU_GATE_WORKER"
"""``0`` runs the gate in the command's own process, as before (for measuring)."""


class _Connected:
    """A gate process at the other end of a connection; `validate` is one job at a time."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._lock = threading.Lock()

    @property
    def alive(self) -> bool:
        raise NotImplementedError

    def validate(self, job: GateJob) -> CheckResult:
        """The suite on ``job``'s frame, over there (waiting for GX's import to finish
        there if it has not); its timings gain ``worker``: the seconds from handing the
        job over to the answer. `WorkerLost` when the process ends before answering."""
        started = time.perf_counter()
        with self._lock:
            try:
                self._connection.send(job)
                while not self._connection.poll(1.0):
                    if not self.alive:
                        raise WorkerLost
                kind, answer = self._connection.recv()
            except (EOFError, OSError):
                raise WorkerLost from None
        if kind == "error":
            raise answer
        result = cast("CheckResult", answer)
        return replace(result, timings={**result.timings, "worker": time.perf_counter() - started})

    def _say_goodbye(self) -> None:
        with contextlib.suppress(OSError):
            self._connection.send(None)


class GateWorker(_Connected):
    """This command's own worker process, started by `warm`."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")  # never fork polars' threads
        pipe, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child,), name="chitieu-gate", daemon=True
        )
        self._process.start()
        child.close()
        super().__init__(pipe)

    @property
    def alive(self) -> bool:
        return self._process.is_alive()

    def close(self) -> None:
        if self._process.is_alive():
            self._say_goodbye()
            self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.kill()
        self._connection.close()


class ServiceWorker(_Connected):
    """The gate kept warm beside the local server (`chitieu.quality.service`), through
    the connection this command opened to it."""

    def __init__(self, connection: Connection, pid: int) -> None:
        super().__init__(connection)
        self._pid = pid

    @property
    def alive(self) -> bool:
        from chitieu.prefect_server import alive

        return alive(self._pid) and not self._connection.closed

    def close(self) -> None:
        self._say_goodbye()
        self._connection.close()


class WorkerLost(Exception):
    """The worker process ended before answering (killed, out of memory)."""


_WORKER: GateWorker | ServiceWorker | None = None


def warm() -> None:
    """Connect to the gate kept warm beside the local server, or else start this
    command's own worker; neither when GX is already in this process, or one is there
    already, or ``CHITIEU_GATE_WORKER=0``. Safe to call more than once."""
    global _WORKER
    if os.environ.get(WORKER_ENV, "").strip() == "0" or "great_expectations" in sys.modules:
        return
    if _WORKER is not None and _WORKER.alive:
        return
    _WORKER = _kept_warm() or GateWorker()
    atexit.register(_WORKER.close)


def _kept_warm() -> ServiceWorker | None:
    """The service under this user's Prefect home, when the local server is the one
    flows run on (not a remote ``PREFECT_API_URL``, not Prefect's temporary mode)."""
    from chitieu.prefect_server import SERVER_ENV, prefect_home
    from chitieu.quality.service import GateService

    if os.environ.get(SERVER_ENV, "").strip().lower() == "ephemeral":
        return None
    service = GateService(prefect_home())
    connection = service.connect()
    pid = service.pid()
    if connection is None or pid is None:
        return None
    return ServiceWorker(connection, pid)


def validate(job: GateJob) -> CheckResult:
    """The suite on ``job``'s frame: in the warm worker when there is one, else here."""
    from chitieu.quality import gate

    worker = _WORKER
    if worker is not None and worker.alive:
        try:
            return worker.validate(job)
        except WorkerLost:
            pass  # run it here instead: the check must not be skipped
    return gate.validate_frame(job)


def _serve(pipe: Connection) -> None:
    """The worker's life: import GX at once, then answer the jobs sent."""
    from chitieu.quality import gate

    gate.import_gx()
    answer_jobs(pipe)


def _sendable(error: Exception) -> Exception:
    """``error`` as it can cross to the command's process: itself when it pickles and
    unpickles whole, else a `RuntimeError` with its words (Great Expectations' errors
    take arguments their pickling drops: the command got a TypeError of unpickling in
    place of "No space left on device")."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return RuntimeError(fault_reason(error, 1000))
    return error


def answer_jobs(connection: Connection, one_at_a_time: threading.Lock | None = None) -> None:
    """Validate each `GateJob` received and send back ``("ok", result)`` or ``("error",
    exception)`` (raised there, as if run there), until told to stop (None) or the
    connection closes. ``one_at_a_time``: a lock the validations take (several
    connections served at once: the kept-warm service)."""
    from chitieu.quality import gate

    turn = one_at_a_time or contextlib.nullcontext()
    try:
        while (job := connection.recv()) is not None:
            try:
                with turn:
                    answer: tuple[str, Any] = ("ok", gate.validate_frame(job))
            except Exception as error:
                answer = ("error", _sendable(error))
            connection.send(answer)
    except (EOFError, OSError, KeyboardInterrupt):
        return
