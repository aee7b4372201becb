"""What the flows share: domain errors as one-line failures, retries for flaky file
I/O, run tags, events and the review lock."""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import logging
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack, contextmanager, suppress
from typing import Any, Final, ParamSpec, TypeVar, cast

from prefect import Flow, Task, get_run_logger
from prefect.client.schemas.objects import FlowRun, TaskRun
from prefect.runtime import flow_run
from prefect.states import Failed, State

from chitieu.dashboard import EventSpec
from chitieu.errors import ChitieuError, SnapshotConflict

P = ParamSpec("P")
R = TypeVar("R")

REVIEW_LOCK_WAIT_SECONDS = 30 * 60
"""How long a review waits for another review of the same period and unit to finish."""
LEASE_SECONDS = 300
"""A running review renews its slot; one that crashed loses it this long after."""


class _NoDomainTraceback(logging.Filter):
    """A domain error (bad configuration, busy warehouse) is an expected outcome whose
    message says it all; Prefect's run loggers would print its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], ChitieuError):
            record.exc_info = None
            record.exc_text = None
        return True


_FILTER = _NoDomainTraceback()


def unwalked(value: R) -> R:
    """``value`` as a task's argument that Prefect does not walk: it looks through every
    list, set and dataclass of a task's inputs for futures to wait on, and a batch's
    thousands of paths, hashes and receipts are none (Prefect's ``quote``; the task gets
    ``value`` itself)."""
    from prefect.utilities.annotations import quote

    return cast(R, quote(value))


HEARTBEAT_ENV = "PREFECT_FLOWS_HEARTBEAT_FREQUENCY"


@contextmanager
def attended() -> Iterator[None]:
    """Flow runs started from the command line, a person waiting at the terminal: without
    heartbeats, unless ``PREFECT_FLOWS_HEARTBEAT_FREQUENCY`` asks for them.

    Heartbeats let the server mark as crashed an unattended run whose process died, which
    deployed runs keep. Prefect 3.9 ends every run by joining its heartbeat thread, which
    sleeps in whole seconds: a trivial flow takes 1.06 s with heartbeats and 0.08 s
    without, a second lost on every command."""
    if os.environ.get(HEARTBEAT_ENV):
        yield
        return
    # the current settings with that one field changed: Prefect's `temporary_settings`
    # would validate a whole new Settings again (0.15 s, reading the environment and the
    # profiles), for a value that needs none
    from prefect.context import SettingsContext, get_settings_context

    current = get_settings_context()
    flows = current.settings.flows.model_copy(update={"heartbeat_frequency": None})
    settings = current.settings.model_copy(update={"flows": flows})
    with SettingsContext(profile=current.profile, settings=settings):
        yield


_PLAIN: Final = (str, int, float, bool, type(None))


def _plain(value: object) -> bool:
    """Whether ``value`` is JSON as it is: text, numbers, booleans, None, and lists or
    tuples of them or objects with text keys."""
    if type(value) in _PLAIN:
        return True
    if type(value) in (list, tuple):
        return all(_plain(item) for item in cast("list[object]", value))
    if type(value) is dict:
        return all(
            type(key) is str and _plain(item)
            for key, item in cast("dict[object, object]", value).items()
        )
    return False


def _as_json(value: Any) -> Any:
    """A `_plain` value as FastAPI's encoder gives it back: tuples become lists."""
    if isinstance(value, (list, tuple)):
        return [_as_json(item) for item in value]
    if isinstance(value, dict):
        return {key: _as_json(item) for key, item in value.items()}
    return value


class CommandFlow(Flow[P, R]):
    """A flow whose parameters are plain JSON (paths as text, periods, numbers): the run
    records them as they are. Prefect encodes every flow's parameters with FastAPI's
    encoder, and importing FastAPI for it costs a command 0.13-0.19 s of its 3; other
    values are encoded as Prefect does."""

    def serialize_parameters(self, parameters: dict[str, Any]) -> dict[str, Any]:
        if self.ismethod or self.isclassmethod or not all(map(_plain, parameters.values())):
            return super().serialize_parameters(parameters)
        return {key: _as_json(value) for key, value in parameters.items()}


def command_flow(**options: Any) -> Callable[[Callable[P, R]], Flow[P, R]]:
    """``@flow(**options)`` for a `CommandFlow`: a flow the command line starts.

    Its result is never persisted: what a run produces is in the warehouse, and the run
    returns a summary. Said explicitly, with Prefect's local result folder as its storage
    (where nothing is written), so that starting a run does not ask the server three times
    for a default storage it would not use (three round trips of a command's twenty)."""
    from prefect.settings import get_current_settings

    options.setdefault("persist_result", False)
    options.setdefault("result_storage", get_current_settings().results.local_storage_path)

    def decorate(fn: Callable[P, R]) -> Flow[P, R]:
        return CommandFlow(fn, **options)

    return decorate


def quiet_domain_tracebacks() -> None:
    """Drop tracebacks of domain errors from Prefect's task and flow run logs."""
    for name in ("prefect.task_runs", "prefect.flow_runs"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


def fails_on_domain_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """A flow body whose domain errors end the run Failed with their one-line message.

    The caller (the command line) gets the error back and prints it once.
    """

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        quiet_domain_tracebacks()
        try:
            return fn(*args, **kwargs)
        except ChitieuError as exc:
            get_run_logger().error("%s", exc)
            return cast(R, Failed(message=str(exc).splitlines()[0], data=exc))

    return run


def transient_io(task: Task[..., Any], task_run: TaskRun, state: State[Any]) -> bool:
    """Retry only what can heal by itself: reading or writing files on a network share.
    A domain error (a bad file, a bad configuration) fails the same way every time."""
    try:
        state.result()
    except ChitieuError:
        return False
    except OSError:
        return True
    except Exception:
        return False
    return False


def scheduled_time() -> dt.datetime:
    """When this run was scheduled for (now, outside a run)."""
    moment = flow_run.scheduled_start_time
    return dt.datetime.fromisoformat(moment.isoformat()) if moment else dt.datetime.now(dt.UTC)


def _this_run() -> FlowRun | None:
    """The flow run this code runs in, as its engine read it when the run started."""
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    return context.flow_run if context is not None else None


def tag_run(*tags: str) -> None:
    """Add tags to the current flow run, for filtering in the UI (a deployment's own tags
    are fixed; the period and unit are only known once the run starts). Called first
    thing in a run: its tags are still those it started with."""
    run = _this_run()
    if run is None:
        return
    wanted = list(dict.fromkeys([*run.tags, *tags]))
    if wanted == run.tags:
        return
    from prefect import get_client

    with get_client(sync_client=True) as client:
        client.update_flow_run(run.id, tags=wanted)


def name_run(name: str, *tags: str) -> None:
    """Rename the current flow run and add tags, once what it is about is known (an
    intake's periods follow from the files it received)."""
    run_id = flow_run.id
    if not run_id:
        return
    from prefect import get_client

    with get_client(sync_client=True) as client:
        current = client.read_flow_run(run_id).tags
        client.update_flow_run(run_id, name=name, tags=list(dict.fromkeys([*current, *tags])))


def emit(spec: EventSpec) -> None:
    from prefect.events import emit_event

    emit_event(spec.event, spec.resource, related=spec.related, payload=spec.payload)


def deployed() -> bool:
    """Whether this run belongs to a deployment: scheduled, started from the UI, or a
    child run of one. A run started on its own says so itself (`prefect.runtime`'s
    ``deployment.id`` would ask the API for it again); a child run asks it, which knows
    its parent's."""
    run = _this_run()
    if run is not None and run.parent_task_run_id is None:
        return run.deployment_id is not None
    from prefect.runtime import deployment

    return bool(deployment.id)


@contextmanager
def review_lock(name: str) -> Iterator[None]:
    """One review of a period and unit at a time: a global concurrency limit of one slot,
    created on first use. A run that crashed holding it loses it ``LEASE_SECONDS`` later.
    """
    from prefect import get_client
    from prefect.concurrency.sync import concurrency
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate

            with suppress(ObjectAlreadyExists):  # another review created it first
                client.create_global_concurrency_limit(
                    GlobalConcurrencyLimitCreate(name=name, limit=1)
                )

    def slot(wait: float) -> AbstractContextManager[None]:
        # a failed renewal must not kill the review: the lock saves work, the warehouse
        # itself refuses a racing publication
        return concurrency(
            name,
            occupy=1,
            timeout_seconds=wait,
            lease_duration=LEASE_SECONDS,
            strict=True,
            raise_on_lease_renewal_failure=False,
        )

    held = ExitStack()
    first = min(5.0, REVIEW_LOCK_WAIT_SECONDS)
    if not _took(held, slot(first)):
        _logger().warning(
            "Chờ lần đánh giá khác (%s) kết thúc / waiting for another review to finish (%s)",
            name,
            name,
        )
        rest = REVIEW_LOCK_WAIT_SECONDS - first
        if rest <= 0 or not _took(held, slot(rest)):
            waited = REVIEW_LOCK_WAIT_SECONDS // 60
            raise SnapshotConflict(
                f"một lần đánh giá khác vẫn đang chạy ({name}); đã chờ {waited} phút / "
                f"another review is still running ({name}); waited {waited} min"
            )
    with held:
        yield


def _took(held: ExitStack, slot: AbstractContextManager[None]) -> bool:
    """Whether the slot was acquired in time (it is then held until ``held`` closes)."""
    try:
        held.enter_context(slot)
    except TimeoutError:
        return False
    return True


def _logger() -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
    """The run's logger (shown in the UI), or chitieu's outside a run."""
    from prefect.exceptions import MissingContextError

    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("chitieu")


class Posting:
    """Calls to Prefect's API made by threads of their own (``threads``; one: in the
    order they are posted), in this run's context (an artifact belongs to the run that
    posts it), while the run goes on; leaving waits for them, and raises what the first
    that failed raised."""

    def __init__(self, threads: int) -> None:
        self._threads = ThreadPoolExecutor(threads, thread_name_prefix="chitieu-posting")
        self._posted: list[Future[Any]] = []

    def __enter__(self) -> Callable[..., None]:
        def post(call: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
            context = contextvars.copy_context()
            self._posted.append(self._threads.submit(context.run, call, *args, **kwargs))

        return post

    def __exit__(self, error: type[BaseException] | None, *_: object) -> None:
        self._threads.shutdown(wait=True)
        if error is None:  # else what the run raised is the news, not what followed
            for posted in self._posted:
                posted.result()
