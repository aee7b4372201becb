"""`chitieu.flows.support.emit_all`: many events in few requests, on the session's
Prefect server, each as `emit` sends it alone (the run's related resources), every one
stored once, also when a request fails on the way."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from prefect import flow
from prefect.client.orchestration import SyncPrefectClient
from prefect_fixtures import prefect_api_url  # noqa: F401
from prefect_queries import called, events

from chitieu.dashboard import EventSpec
from chitieu.flows import support

ALONE = "chitieu.test.alone"
MANY = "chitieu.test.many"


def _spec(name: str, code: str) -> EventSpec:
    return EventSpec(
        name,
        {"prefect.resource.id": f"chitieu.org_unit.{code}", "prefect.resource.name": f"Xã {code}"},
        [{"prefect.resource.id": "chitieu.period.2024M07", "prefect.resource.role": "period"}],
        {"due": "2024-07-16", "state": "missing"},
    )


@flow(name="chitieu-test-events")
def announcing(codes: list[str]) -> None:
    support.emit(_spec(ALONE, "29047"))
    support.emit_all([_spec(MANY, code) for code in codes])


def _related(event: dict[str, Any]) -> set[tuple[str, str]]:
    return {(r["prefect.resource.id"], r["prefect.resource.role"]) for r in event["related"]}


def test_events_sent_together_are_each_as_one_sent_alone(
    monkeypatch: pytest.MonkeyPatch,
    prefect_api_url: str,  # noqa: F811
) -> None:
    """Five events, two a request (three requests): each stored with its own resource and
    payload and the run's related resources, those the event sent alone carries."""
    monkeypatch.setattr(support, "EVENTS_PER_REQUEST", 2)
    codes = ["29011", "29014", "29017", "29020", "29023"]
    _, run = called(announcing, codes)
    [alone] = events(prefect_api_url, ALONE, run.id)
    many = events(prefect_api_url, MANY, run.id, at_least=len(codes))
    assert sorted(e["resource"]["prefect.resource.id"] for e in many) == [
        f"chitieu.org_unit.{code}" for code in codes
    ]
    assert len({e["id"] for e in many}) == len(codes)
    assert ("prefect.flow-run." + str(run.id), "flow-run") in _related(alone)
    for event in many:
        assert _related(event) == _related(alone)
        assert event["payload"] == {"due": "2024-07-16", "state": "missing"}
        assert event["resource"]["prefect.resource.name"].startswith("Xã 29")


def test_events_a_request_could_not_deliver_go_one_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
    prefect_api_url: str,  # noqa: F811
) -> None:
    """The server cannot be reached for the second request (a proxy refusing it, a
    dropped connection): its events and the rest still arrive, each once, with the
    run's related resources, and the run completes."""
    monkeypatch.setattr(support, "EVENTS_PER_REQUEST", 2)
    posted = []
    request = SyncPrefectClient.request

    def refusing_the_second(self: SyncPrefectClient, method: Any, path: Any, **kw: Any) -> Any:
        if (method, path) == ("POST", "/events"):
            posted.append(path)
            if len(posted) == 2:
                raise httpx.ConnectError("refused on the way")
        return request(self, method, path, **kw)

    monkeypatch.setattr(SyncPrefectClient, "request", refusing_the_second)
    codes = ["29026", "29029", "29032", "29035", "29038"]
    _, run = called(announcing, codes)
    assert run.state_name == "Completed"
    assert len(posted) == 2  # the rest went one at a time
    many = events(prefect_api_url, MANY, run.id, at_least=len(codes))
    assert sorted(e["resource"]["prefect.resource.id"] for e in many) == [
        f"chitieu.org_unit.{code}" for code in codes
    ]
    [alone] = events(prefect_api_url, ALONE, run.id)
    assert all(_related(e) == _related(alone) for e in many)
