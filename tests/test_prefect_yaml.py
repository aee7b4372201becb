"""prefect.yaml as Prefect reads it (it ignores unknown keys silently): the deployments,
their flows and parameters, work pool, concurrency, and when the schedules fire."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from prefect.cli.deploy._config import _load_deploy_configs_and_actions
from prefect.cli.deploy._schedules import _schedule_config_to_deployment_schedule
from prefect.flows import load_flow_from_entrypoint
from prefect.server.schemas.schedules import CronSchedule as ServerCronSchedule
from rich.console import Console

from chitieu.periods import Period
from chitieu.schedule import LOCAL_TIMEZONE, closed_month, due_review

PREFECT_YAML = Path(__file__).parents[1] / "prefect.yaml"
VN = ZoneInfo(LOCAL_TIMEZONE)


@pytest.fixture(scope="module")
def parsed() -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """What `prefect deploy` loads, by deployment name, and the file's actions."""
    console = Console(record=True)
    configs, actions = _load_deploy_configs_and_actions(PREFECT_YAML, console=console)
    assert "Skipping" not in console.export_text(), console.export_text()
    return {c["name"]: c for c in configs}, actions


def runs_in(config: dict[str, Any], year: int) -> list[dt.datetime]:
    """Every run the deployment's schedules give in ``year``, as the server computes them."""
    dates: list[dt.datetime] = []
    for schedule_config in config["schedules"]:
        client_schedule = _schedule_config_to_deployment_schedule(schedule_config)["schedule"]
        schedule = ServerCronSchedule(**client_schedule.model_dump())
        start = dt.datetime(year, 1, 1, tzinfo=VN)
        end = dt.datetime(year + 1, 1, 1, tzinfo=VN)
        dates += asyncio.run(schedule.get_dates(n=100, start=start, end=end))
    return sorted(d.astimezone(VN) for d in dates)


def at_seven(year: int, month: int, day: int) -> dt.datetime:
    return dt.datetime(year, month, day, 7, tzinfo=VN)


def test_every_deployment_names_a_flow_that_takes_its_parameters(
    parsed: tuple[dict[str, dict[str, Any]], dict[str, Any]],
) -> None:
    deployments, _ = parsed
    flows = {name: load_flow_from_entrypoint(c["entrypoint"]) for name, c in deployments.items()}
    assert {name: flow.name for name, flow in flows.items()} == {
        "monthly": "chitieu-intake",
        "six-month": "chitieu-review-date",
        "year-end": "chitieu-review-date",
        "rerun": "chitieu-review",
    }
    for name, flow in flows.items():
        parameters = flow.validate_parameters(deployments[name]["parameters"])
        assert parameters["config_dir"] == "config", name
        assert parameters.get("review_period") is None, name  # derived from the schedule
        assert parameters["warehouse_url"] is None, name  # CHITIEU_WAREHOUSE on the worker


def test_one_process_pool_one_run_at_a_time_in_the_data_home(
    parsed: tuple[dict[str, dict[str, Any]], dict[str, Any]],
) -> None:
    deployments, actions = parsed
    for name, config in deployments.items():
        assert config["work_pool"]["name"] == "chitieu", name
        assert config["concurrency_limit"] == {"limit": 1, "collision_strategy": "ENQUEUE"}, name
        assert "chitieu" in config["tags"], name
    assert actions["pull"] == [
        {"prefect.deployments.steps.set_working_directory": {"directory": "{{ $CHITIEU_HOME }}"}}
    ]


def test_the_monthly_intake_follows_every_due_date(
    parsed: tuple[dict[str, dict[str, Any]], dict[str, Any]],
) -> None:
    runs = runs_in(parsed[0]["monthly"], 2025)
    # June and December belong to the review-date flow, which does their intake
    assert runs == [at_seven(2025, m, 19) for m in (1, 2, 3, 4, 5, 7, 8, 9, 10, 11)]
    for run in runs:
        month = closed_month(run)
        assert (month.year, month.last_month) == (2025, run.month)
        assert month.due < run.date()  # every report of the month was due before the run


def test_the_reviews_follow_14_june_and_14_december(
    parsed: tuple[dict[str, dict[str, Any]], dict[str, Any]],
) -> None:
    deployments, _ = parsed
    six_month, year_end = (
        runs_in(deployments["six-month"], 2025),
        runs_in(deployments["year-end"], 2025),
    )
    assert six_month == [at_seven(2025, 6, 19)]
    assert year_end == [at_seven(2025, 12, 19)]
    assert due_review(six_month[0]) == Period.parse("2025S1")
    assert due_review(year_end[0]) == Period.parse("2025")
    for run in six_month + year_end:
        assert closed_month(run).due < run.date()
    assert "schedules" not in deployments["rerun"]  # run from the UI when needed


@pytest.mark.parametrize("year", [2024, 2026, 2027])
def test_runs_fall_after_the_due_date_whatever_the_weekday(
    parsed: tuple[dict[str, dict[str, Any]], dict[str, Any]], year: int
) -> None:
    deployments = parsed[0]
    runs = sorted(
        r for name in ("monthly", "six-month", "year-end") for r in runs_in(deployments[name], year)
    )
    assert [r.month for r in runs] == list(range(1, 13))
    assert all(closed_month(r).due < r.date() for r in runs)
