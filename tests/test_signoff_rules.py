"""What an approval holds, by the hierarchy (pure functions, no warehouse): the approved
root's subtree at the review's end, the periods inside the review; a review's reports as
if it were reopened; who approved a revision. And the sign-off commands' help."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from click.testing import CliRunner
from rollup_helpers import MERGER, TREE_4_LEVELS, MakeConfig, element, indicator

from chitieu.cli import cli
from chitieu.config import Config
from chitieu.signoff import approval_of, held_by_others, hold_rule, holding, taken_in
from chitieu.warehouse.models import ACCEPTED_REPORTS_SCHEMA, ACCEPTED_VALUES_SCHEMA

REPORTS_SCHEMA = {"submission_id": pl.Int64, "org_unit_code": pl.String, "period": pl.String}


def reports(*rows: tuple[int, str, str]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=REPORTS_SCHEMA, orient="row")


def locks(*reviews: tuple[str, str]) -> pl.DataFrame:
    return pl.DataFrame(
        list(reviews), schema={"review_period": pl.String, "root_org_unit": pl.String}, orient="row"
    )


@pytest.fixture
def tree(make_config: MakeConfig) -> Config:
    return make_config(
        [element("E1", collected_at="hamlet")], [indicator("CT01", "E1")], TREE_4_LEVELS
    )


def test_an_approval_holds_its_subtree_and_its_months(tree: Config) -> None:
    found = holding(
        tree,
        reports(
            (1, "H111", "2024M05"),  # a hamlet under D1
            (2, "C12", "2024Q2"),  # a quarter inside the half-year
            (3, "D1", "2024S1"),  # the review period itself
            (4, "H211", "2024M05"),  # under D2: another subtree
            (5, "H111", "2024M07"),  # after the review
            (6, "H111", "2023M12"),  # the year before
        ),
        locks(("2024S1", "D1")),
    )
    assert found.rows() == [(1, "2024S1", "D1"), (2, "2024S1", "D1"), (3, "2024S1", "D1")]


def test_each_approval_holds_its_own(tree: Config) -> None:
    found = holding(
        tree,
        reports((1, "H111", "2024M05"), (2, "H211", "2024M09")),
        locks(("2024S1", "D1"), ("2024", "P")),
    )
    assert sorted(found.rows()) == [(1, "2024", "P"), (1, "2024S1", "D1"), (2, "2024", "P")]
    assert sorted(
        hold_rule(tree)(
            locks(("2024S1", "D1"), ("2024", "P")),
            reports((1, "H111", "2024M05"), (2, "H211", "2024M09")),
        )
    ) == [1, 2]


def test_a_root_this_configuration_does_not_know_holds_the_whole_period(tree: Config) -> None:
    found = holding(
        tree, reports((1, "H211", "2024M05"), (2, "H211", "2024M07")), locks(("2024S1", "ZZ"))
    )
    assert found["submission_id"].to_list() == [1]


def test_a_merged_communes_report_is_held_by_its_successors_review(
    make_config: MakeConfig,
) -> None:
    """CA merged into C1 at the end of March: its February report belongs to C1's
    history, so an approval of C1's half-year holds it."""
    config = make_config([element("E1")], [indicator("CT01", "E1")], MERGER)
    found = holding(
        config, reports((1, "CA", "2024M02"), (2, "C3", "2024M02")), locks(("2024S1", "C1"))
    )
    assert found["submission_id"].to_list() == [1]


def test_a_reopening_takes_in_what_no_other_approval_holds(tree: Config) -> None:
    held = reports((1, "H111", "2024M05"), (2, "H121", "2024M09"), (3, "H211", "2024M05"))
    both = locks(("2024S1", "D1"), ("2024", "D1"))
    taken = held_by_others(tree, held, both, "2024S1", "D1")
    assert taken["submission_id"].to_list() == [3]  # 1 is May: the year's approval holds it


def _report(submission_id: int, submitted: int | None, received: int) -> dict[str, object]:
    day = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
    return {
        "submission_id": submission_id,
        "sha256": f"{submission_id:064d}",
        "source_name": f"{submission_id}.csv",
        "org_unit_code": "C1",
        "period": "2024M05",
        "submitted_at": None if submitted is None else day + dt.timedelta(hours=submitted),
        "received_at": day + dt.timedelta(hours=received),
    }


def test_taken_in_keeps_the_latest_by_submitted_at_then_arrival() -> None:
    accepted = pl.DataFrame([_report(1, 1, 1)], schema=ACCEPTED_REPORTS_SCHEMA)
    held = pl.DataFrame(
        [_report(2, 5, 6), _report(3, 5, 7), _report(4, None, 4)], schema=ACCEPTED_REPORTS_SCHEMA
    )
    values = pl.DataFrame(
        [(i, "C1", "E1", "2024M05", float(i)) for i in range(1, 5)],
        schema=ACCEPTED_VALUES_SCHEMA,
        orient="row",
    )
    kept, kept_values = taken_in(accepted, values.head(1), held, values.tail(3))
    assert kept["submission_id"].to_list() == [3]  # submitted with 2, arrived after it
    assert kept_values["value"].to_list() == [3.0]


def test_the_approver_of_a_revision_stays_after_a_reopening() -> None:
    at = dt.datetime(2024, 6, 17, 2, tzinfo=dt.UTC)
    rows = pl.DataFrame(
        {
            "seq": [1, 2, 3],
            "action": ["approve", "reopen", "approve"],
            "revision": [2, 2, 3],
            "by_name": ["A", "B", "C"],
            "title": ["Chủ tịch", None, None],
            "note": ["Hội nghị", "muộn", None],
            "at": [at, at, at],
        }
    )
    assert approval_of(rows, 2) == {
        "approved_by": "A",
        "approved_title": "Chủ tịch",
        "approved_at": at,
        "approved_note": "Hội nghị",
    }
    assert approval_of(rows, 3)["approved_by"] == "C"  # type: ignore[index]
    assert approval_of(rows, 1) is None


@pytest.mark.parametrize("command", [["approve"], ["reopen"], ["warehouse", "grant-approver"]])
def test_the_signoff_commands_have_help(command: list[str]) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0
    assert "--by" in result.output or "ROLE" in result.output
    assert len(result.output.splitlines()) > 8
