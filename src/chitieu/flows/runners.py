"""Where intake batches are validated: threads of the flow's own process, or a Dask
cluster (``CHITIEU_TASK_RUNNER=dask``, the ``dask`` extra).

The choice is read when a flow run starts, not when the module is imported: a
deployment's flow object is imported once by the worker, and the environment of the
run decides.
"""

from __future__ import annotations

from typing import Any, cast

from prefect.futures import PrefectFuture
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from chitieu import settings
from chitieu.errors import ChitieuError
from chitieu.shown import clipped, shown


def chosen_task_runner() -> TaskRunner[Any]:
    """The task runner that ``CHITIEU_TASK_RUNNER`` and its companions ask for."""
    choice = settings.task_runner_choice()
    if choice.kind == "threads":
        # two threads per intake worker process (`chitieu.pipeline.IntakeWorkers`): each
        # validate task waits there for its batch, planned in a process of its own, and
        # each process has its next batch queued when it finishes one (with one thread
        # each, the next batch waited for the thread to hand the last one back to
        # Prefect: a national month of CSV took 10.1 s instead of 9.7); without worker
        # processes, one thread: batches planned here take turns anyway
        processes = settings.intake_processes()
        return ThreadPoolTaskRunner(max_workers=2 * processes if processes > 1 else 1)
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError as exc:  # pragma: no cover - the extra is in the dev group
        raise ChitieuError(
            f"{settings.TASK_RUNNER_ENV}=dask needs the dask extra: pip install 'chitieu[dask]'"
        ) from exc
    if choice.dask_address:
        return _scheduler_runner(DaskTaskRunner)(address=choice.dask_address)
    return DaskTaskRunner(
        cluster_kwargs={
            "n_workers": choice.dask_workers,
            "threads_per_worker": 1,
            "processes": True,
        }
    )


def _scheduler_runner(base: type[Any]) -> type[Any]:
    """``base`` (prefect-dask's runner) saying in one line why it cannot reach the
    scheduler at ``CHITIEU_DASK_ADDRESS``: the client connects when the first batch is
    submitted, and an address that is not one (``tcp://[::1``, no port) or a scheduler
    that does not answer within Dask's 30 s was a traceback and exit 70."""

    class SchedulerRunner(base):
        @property
        def client(self) -> Any:
            try:
                return base.client.fget(self)
            except (OSError, ValueError) as exc:  # a timeout is an OSError
                where = shown(repr(clipped(str(self.address))))
                why = clipped(str(exc) or type(exc).__name__)
                raise ChitieuError(
                    f"không kết nối được bộ điều phối Dask ở {where} "
                    f"({settings.DASK_ADDRESS_ENV}): hãy kiểm tra địa chỉ (tcp://máy:8786) và "
                    f"bộ điều phối đang chạy, hoặc bỏ {settings.DASK_ADDRESS_ENV} để dùng một "
                    "cụm cục bộ; chưa tiếp nhận tệp nào / cannot reach the Dask scheduler at "
                    f"{where} ({settings.DASK_ADDRESS_ENV}): {shown(why)}; check the address "
                    "(tcp://host:8786) and that the scheduler runs, or unset "
                    f"{settings.DASK_ADDRESS_ENV} for a local cluster; no file was taken in"
                ) from exc

    return SchedulerRunner


class ConfiguredTaskRunner(ThreadPoolTaskRunner):
    """Stands in a flow's decorator; each run gets the runner the environment chooses.

    Prefect copies a flow's task runner with ``duplicate()`` at the start of every run,
    which is where the choice is made.
    """

    def duplicate(self) -> TaskRunner[Any]:  # type: ignore[override]
        return chosen_task_runner()


def configured_task_runner() -> TaskRunner[PrefectFuture[Any]]:
    """For a flow's decorator: the runner is chosen when each run starts."""
    return cast("TaskRunner[PrefectFuture[Any]]", ConfiguredTaskRunner())
