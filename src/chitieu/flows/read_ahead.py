"""What a command reads while Prefect starts: an intake's files, a small review.

Before its first task can read a file, a command imports Prefect and starts the flow
run: a second of a district's three. The reading needs no Prefect. For ``chitieu
intake``: listing and fingerprinting the files, the warehouse's earlier receipts of
them, and a district's one batch validated and archived (`pipeline.BatchJob.plan`). For
``chitieu review``: whether the review is approved, the accepted reports and values, the
roll-up, the quality gate, last year's column and the draft
(`pipeline.check_review`); then, when the flow's task asks it (naming its run, which
the revision records), the publication (`pipeline.publish_checked`, in its own
transaction) and the report files, since this process has the draft, DuckDB and the
report's modules at hand and the command's has not. So the command forks,
first thing, before it imports anything that runs threads of its own (polars, DuckDB,
Prefect), a process that does that work while this one imports Prefect and starts the
run. The flow's tasks take what it did only when it is exactly what they would compute
themselves (the same files, configuration, archive, earlier receipts and moment of
reception; for a review, the same configuration and accepted reports when it
publishes) and otherwise do the work themselves, as they do for a run the command line
did not start; their logs say what was done ahead and how long it took.

The warehouse is read by one process at a time: the flow opens it only once the reader
has closed it (`Ahead.release`), or has ended. No reading ahead where processes
cannot be forked safely (not Linux, or something threaded already imported), where no
core is idle to read on (`_idle_core`), or with ``CHITIEU_READ_AHEAD=0``
(``CHITIEU_READ_AHEAD=1``: even with no core idle); no review ahead for a configuration
of more than `REVIEW_AHEAD_UNITS` units (a national review: its draft is millions of
rows to hand over, and its gate already runs beside its publication).

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
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from multiprocessing.connection import Connection, Pipe
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

from chitieu import settings

if TYPE_CHECKING:
    from chitieu.config import Config
    from chitieu.pipeline import BatchJob, PlannedBatch
    from chitieu.prepared import CheckedAhead
    from chitieu.receipts import FileOutcome
    from chitieu.warehouse.models import Published

READ_AHEAD_ENV: Final = "CHITIEU_READ_AHEAD"
"""``0``: the intake's tasks read everything themselves; ``1``: read ahead even when no
core is idle; by default, read ahead when one is."""
THREADED: Final = ("polars", "duckdb", "pyarrow", "psycopg", "prefect", "numpy")
"""Modules whose threads a forked process would inherit in an unknown state."""
REVIEW_AHEAD_UNITS: Final = 2_000
"""A review is rolled up ahead when its configuration has at most this many units: a
province of the 2025 reform has a few hundred, the country 10,800."""


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

    @property
    def own(self) -> list[Path]:
        """chitieu's own files and folders, which no inbox's walk reads as reports."""
        return settings.kept_by_chitieu(self.warehouse_url, self.config_dir)


class Ahead:
    """The process working ahead of one command's flow run, seen from the command: what
    it sends, in the order it sends it (for either kind, ``released`` once it holds the
    warehouse no more)."""

    def __init__(self, job: Intake | Review, pid: int, connection: Connection) -> None:
        self.job = job
        """What the reader works on, as the run that claims it derives it (`claim`)."""
        self._pid: int | None = pid
        self._connection = connection
        self._lock = threading.Lock()
        self._messages: dict[str, tuple[Any, float]] = {}
        self._ended = False
        self.failed: str | None = None
        """What the reader raised, once it is known to have failed (the flow's tasks
        meet it again, doing the work themselves)."""
        self._asked = False
        """Whether the run asked the reader for work that writes (`ReviewAhead.publish`)."""

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
                if sent == "failed":
                    self.failed = value
                if sent in ("ended", "failed"):
                    self._ended = True
                    self._reap()
                else:
                    self._messages[sent] = (value, seconds)
            return self._messages.get(kind)

    def release(self) -> None:
        """Return once the reader holds the warehouse no more (it closed it, or ended):
        before the flow opens it."""
        if self._until("released") is None:
            self._reap()

    def _reap(self) -> None:
        if self._pid is None:
            return
        with suppress(ChildProcessError):
            os.waitpid(self._pid, 0)
        self._pid = None

    def close(self) -> None:
        """End the reader (the command is over): at once, whatever it was reading, unless
        the run asked it to publish, which it then finishes (told so by the connection's
        end: it writes nothing more once the run no longer listens)."""
        self._connection.close()
        if self._pid is not None:
            if not self._asked:
                with suppress(ProcessLookupError):
                    os.kill(self._pid, signal.SIGKILL)
            self._reap()


class ReadAhead(Ahead):
    """An intake's reader: the files, the warehouse released, the planned batch."""

    def __init__(
        self, intake: Intake, received_at: dt.datetime, pid: int, connection: Connection
    ) -> None:
        super().__init__(intake, pid, connection)
        self.received_at = received_at
        """When the command received the files: the moment the run records."""

    def gathered(self) -> tuple[list[tuple[str, str]], list[FileOutcome], float] | None:
        """`pipeline.fingerprint_inbox` of the intake's inputs, and its seconds."""
        found = self._until("gathered")
        return None if found is None else (*found[0], found[1])

    def planned(self, job: BatchJob) -> tuple[PlannedBatch, float] | None:
        """The batch planned ahead, and its seconds, if it is ``job``'s."""
        found = self._until("planned")
        if found is None:
            return None
        (planned_job, planned), seconds = found
        return (planned, seconds) if planned_job == job else None


@dataclass(frozen=True)
class Review:
    """What a run of the review flow publishes, as the flow gets its parameters."""

    review_period: str
    config_dir: str
    """Resolved."""
    warehouse_url: str
    """As the flow gets it (`settings.flow_warehouse`)."""
    root: str | None

    @classmethod
    def of(
        cls, review_period: str, config_dir: str, warehouse_url: str | None, root: str | None
    ) -> Review:
        return cls(
            review_period,
            str(Path(config_dir).resolve()),
            settings.flow_warehouse(warehouse_url),
            root,
        )


@dataclass(frozen=True)
class Approval:
    """What a review's reader found of the review's approval."""

    locked: str | None
    """The `ReviewLocked` message when the review is approved; None when it is not."""


class ReviewAhead(Ahead):
    """A review's reader: whether the review is approved, the warehouse released, the
    review rolled up and checked."""

    def __init__(self, review: Review, pid: int, connection: Connection) -> None:
        super().__init__(review, pid, connection)

    def approval(self) -> Approval | None:
        """Whether the review is approved, as the reader found it; None when the reader
        could not tell (the command then asks the warehouse itself)."""
        found = self._until("approval")
        return None if found is None else Approval(found[0])

    def checked(self) -> tuple[CheckedAhead, float] | None:
        """The review rolled up and checked ahead, and its seconds; None when it was not
        (an approved review, held reports, a large configuration, an error)."""
        found = self._until("checked")
        return None if found is None else (found[0], found[1])

    def publish(
        self, flow_run_id: str | None, reports_folder: str
    ) -> tuple[Published | None, float] | None:
        """What checking ahead checked (`checked`), published by the reader for the run
        ``flow_run_id`` (`pipeline.publish_checked`, the reader's own transaction), with
        its seconds: the revision, or None when the gate failed. None when it was not
        published there (the configuration or the accepted reports changed since it was
        checked, the review was approved meanwhile, an error): the reader then holds the
        warehouse no more, and the run prepares the review itself, from the warehouse as
        it is. Once published, the reader writes the report files into ``reports_folder``
        (`reports`)."""
        if self.checked() is None or self._ended:
            return None
        try:
            self._connection.send((flow_run_id, reports_folder))
        except OSError:
            return None
        self._asked = True
        found = self._until("published")
        if found is None:
            self.finish()
        return found

    def reports(self, folder: str) -> tuple[list[str], float] | None:
        """The report files the reader wrote into ``folder`` after publishing, and its
        seconds; None when it did not (the run writes them itself, once the reader holds
        the warehouse no more)."""
        found = self._until("reports")
        if found is None or found[0][0] != folder:
            self.finish()
            return None
        return found[0][1], found[1]

    def finish(self) -> None:
        """Return once the reader has ended (its last connection to the warehouse closed)."""
        self._until("ended")


_CURRENT: Ahead | None = None
A = TypeVar("A", bound=Ahead)


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


def _forked(work: Callable[[Connection], None]) -> tuple[int, Connection]:
    """A process forked now that does ``work``, sending on the connection returned."""
    mine, theirs = Pipe()  # both ways: a run may ask a review's reader to publish
    pid = os.fork()
    if pid == 0:  # the reader: never returns
        mine.close()
        _live(work, theirs)
    theirs.close()
    return pid, mine


@contextmanager
def _working_ahead(
    work: Callable[[Connection], None], seen: Callable[[int, Connection], A]
) -> Iterator[A | None]:
    """A process forked now doing ``work``, ``seen`` from the command, for the flow run
    the command starts in this context (`claim`); None where it cannot be."""
    global _CURRENT
    if not _can_fork():
        yield None
        return
    ahead = seen(*_forked(work))
    _CURRENT = ahead
    try:
        yield ahead
    finally:
        _CURRENT = None
        ahead.close()


@contextmanager
def reading_ahead(
    inputs: list[str], config_dir: str, warehouse_url: str | None
) -> Iterator[ReadAhead | None]:
    """The intake's files read ahead (`_working_ahead`), its batches cut as the flow's
    default cuts them."""
    intake = Intake.of(inputs, config_dir, warehouse_url)
    received_at = dt.datetime.now(dt.UTC)
    with _working_ahead(
        lambda out: _steps(intake, received_at, out),
        lambda pid, connection: ReadAhead(intake, received_at, pid, connection),
    ) as ahead:
        yield ahead


@contextmanager
def reviewing_ahead(review: Review) -> Iterator[ReviewAhead | None]:
    """The review rolled up and checked ahead (`_working_ahead`)."""
    with _working_ahead(
        lambda out: _review_steps(review, out),
        lambda pid, connection: ReviewAhead(review, pid, connection),
    ) as ahead:
        yield ahead


def claim(kind: type[A], job: Intake | Review) -> A | None:
    """The reader of ``kind`` working ahead of this very job (an `Intake`, a `Review`),
    if the command started one (once). A reader of another job is waited for until it
    has let go of the warehouse, which this run may open."""
    global _CURRENT
    ahead = _CURRENT
    if isinstance(ahead, kind) and ahead.job == job:
        _CURRENT = None
        return ahead
    _let_go()
    return None


def _let_go() -> None:
    """A reader working ahead of another run than this one: waited for until it holds
    the warehouse no more (this run may open it)."""
    if _CURRENT is not None:
        _CURRENT.release()


def _live(work: Callable[[Connection], None], out: Connection) -> None:
    """The reader's whole life: each step's result sent as soon as it is known."""
    code = 0
    try:
        work(out)
    except BaseException as error:  # the flow's tasks will meet it again, and report it
        code = 1
        with suppress(Exception):
            out.send(("failed", repr(error), 0.0))
    finally:
        with suppress(Exception):
            out.close()
        os._exit(code)  # none of the command's exit handlers: they are its own


def _imported() -> None:
    """The reader's imports, as the command imports (`chitieu.cli._base.settled_imports`)."""
    gc.disable()
    from chitieu import pipeline  # noqa: F401

    gc.freeze()
    gc.enable()


def _steps(intake: Intake, received_at: dt.datetime, out: Connection) -> None:
    _imported()
    from chitieu import pipeline

    started = time.perf_counter()
    found, refused = pipeline.fingerprint_inbox([Path(i) for i in intake.inputs], intake.own)
    out.send(("gathered", (found, refused), time.perf_counter() - started))

    started = time.perf_counter()
    hash_of = dict(found)
    try:
        received = _received_before(intake.warehouse_url, list(hash_of.values()))
    finally:
        out.send(("released", None, time.perf_counter() - started))
    groups = pipeline.batches([p for p, _ in found])
    if len(groups) != 1 or settings.task_runner_choice().kind != "threads":
        out.send(("ended", None, 0.0))  # several batches: the flow's worker processes
        return
    started = time.perf_counter()
    [paths] = groups
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


def _review_steps(review: Review, out: Connection) -> None:
    _imported()
    if _unit_lines(Path(review.config_dir)) > REVIEW_AHEAD_UNITS:
        return  # a national review: the flow's task does it all, as before
    from chitieu import pipeline
    from chitieu.config import load_config
    from chitieu.errors import ReviewLocked
    from chitieu.periods import Period
    from chitieu.prepared import CheckedAhead
    from chitieu.quality import GateFolders
    from chitieu.quality import worker as gate_worker
    from chitieu.warehouse import open_warehouse

    started = time.perf_counter()
    config = load_config(review.config_dir)
    period = Period.parse(review.review_period)
    root = review.root or config.catalog.resolution.org_unit
    url = review.warehouse_url
    if url.startswith("duckdb:") and not settings.duckdb_path(url).exists():
        out.send(("approval", None, 0.0))  # a warehouse still to be created: nothing to roll up
        return
    try:
        with open_warehouse(url, create=False) as warehouse:
            try:
                warehouse.refuse_if_approved(period.code, root)
            except ReviewLocked as locked:
                out.send(("approval", str(locked), 0.0))
                return
            out.send(("approval", None, 0.0))
            if not warehouse.held_reports().is_empty():
                return  # held reports may be taken in: the flow's task writes that
            gate_worker.warm()  # GX imports (if it is not kept warm) while this reads
            reports, values = warehouse.accepted_reports(), warehouse.accepted_values()
            folders = GateFolders.beside(warehouse.url)
    finally:
        out.send(("released", None, time.perf_counter() - started))
    prepared = pipeline.check_review(config, reports, values, period, root, folders=folders)
    checked = CheckedAhead(prepared, reports, config.history_sha256)
    out.send(("checked", checked, time.perf_counter() - started))
    _publish_when_asked(config, checked, url, out)


def _publish_when_asked(config: Config, checked: CheckedAhead, url: str, out: Connection) -> None:
    """The reader's last step: when the run asks (its run's id, the reports' folder),
    ``checked`` published as the run's task would publish it (`pipeline.publish_checked`)
    and, once published, the report files written; each sent as soon as it is done, the
    warehouse closed before the reports are sent (the run may open it then)."""
    from chitieu import pipeline
    from chitieu.warehouse import open_warehouse

    try:
        flow_run_id, folder = out.recv()
    except (EOFError, OSError):
        return  # the command ended, or its run prepares the review itself
    draft = checked.prepared.draft
    started = time.perf_counter()
    with open_warehouse(url, create=False) as warehouse:
        prepared = pipeline.publish_checked(config, warehouse, checked, flow_run_id)
        if prepared is None:
            return  # not what the run would roll up now: it prepares the review itself
        out.send(("published", prepared.published, time.perf_counter() - started))
        if prepared.published is None:
            return  # the gate failed: no report
        started = time.perf_counter()
        paths = pipeline.write_reports(
            config, warehouse, draft.review_period, draft.root_org_unit, Path(folder)
        )
    out.send(("reports", (folder, [str(p) for p in paths]), time.perf_counter() - started))


def _unit_lines(config_dir: Path) -> int:
    """How many units the configuration's org_units.csv holds, at most (its lines), before
    checking it all (a national one takes a fifth of a second; a missing file: none, and
    loading it says why)."""
    from chitieu.config.tables import ORG_UNITS_FILE

    try:
        with (config_dir / ORG_UNITS_FILE).open("rb") as table:
            return sum(block.count(b"\n") for block in iter(lambda: table.read(1 << 20), b""))
    except OSError:
        return 0
