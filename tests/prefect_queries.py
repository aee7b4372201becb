"""What a Prefect server knows about chitieu's runs, asked through its API: for the flow
tests (in-process, on the session's test server) and the deployed-server test."""

from __future__ import annotations

import time
from typing import Any

import httpx
from prefect import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    ArtifactFilterKey,
    FlowRunFilter,
    FlowRunFilterName,
    LogFilter,
    LogFilterFlowRunId,
    TaskRunFilter,
    TaskRunFilterFlowRunId,
)
from prefect.client.schemas.objects import Artifact, FlowRun
from prefect.client.schemas.sorting import FlowRunSort


def flow_runs_named(name: str) -> list[FlowRun]:
    """Runs of that name, the latest first."""
    with get_client(sync_client=True) as client:
        return client.read_flow_runs(
            flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[name])),
            sort=FlowRunSort.EXPECTED_START_TIME_DESC,
        )


def called(flow: Any, *args: Any, **kwargs: Any) -> tuple[Any, FlowRun]:
    """Call a flow; its result and its run (the session's server is shared, so runs are
    told apart by id, never by name)."""
    state = flow(*args, return_state=True, **kwargs)
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(state.state_details.flow_run_id)
    return state.result(), run


def artifacts_of(flow_run_id: Any) -> dict[str | None, Artifact]:
    """The run's artifacts by key (``None``: the unkeyed progress artifact)."""
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    return {a.key: a for a in found if a.type != "result"}


def artifact_history(key: str, flow_run_ids: list[Any]) -> list[Artifact]:
    """The versions of a keyed artifact (the history the UI shows) made by these runs."""
    with get_client(sync_client=True) as client:
        return client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=[key]),
                flow_run_id=ArtifactFilterFlowRunId(any_=flow_run_ids),
            )
        )


def task_run_names(flow_run_id: Any) -> list[str]:
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            task_run_filter=TaskRunFilter(flow_run_id=TaskRunFilterFlowRunId(any_=[flow_run_id]))
        )
    return sorted(r.name for r in runs)


def log_messages(flow_run_id: Any, waiting_for: str = "", timeout: float = 30) -> list[str]:
    """The run's log messages, once one contains ``waiting_for`` (logs reach the server
    in batches)."""
    deadline = time.monotonic() + timeout
    while True:
        with get_client(sync_client=True) as client:
            logs = client.read_logs(
                log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id]))
            )
        messages = [log.message for log in logs]
        if any(waiting_for in m for m in messages) or time.monotonic() > deadline:
            return messages
        time.sleep(1)


def events(
    api_url: str, name: str, flow_run_id: Any, at_least: int = 1, timeout: float = 30
) -> list[dict[str, Any]]:
    """A run's events of one name, waiting for the server to store them (it writes them
    in batches)."""
    deadline = time.monotonic() + timeout
    event_filter = {
        "event": {"name": [name]},
        "related": {"id": [f"prefect.flow-run.{flow_run_id}"]},
    }
    while True:
        response = httpx.post(
            f"{api_url}/events/filter", json={"filter": event_filter, "limit": 50}, timeout=10
        )
        response.raise_for_status()
        found: list[dict[str, Any]] = response.json()["events"]
        if len(found) >= at_least or time.monotonic() > deadline:
            return found
        time.sleep(1)
