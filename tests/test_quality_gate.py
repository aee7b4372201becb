"""The quality gate with Great Expectations on the bundled example: both reviews pass,
and each critical expectation, broken on purpose in a doctored frame or configuration,
fails alone and is named. Runs GX in an ephemeral context (nothing written)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import polars as pl
import pytest
from test_example_rollup import EXAMPLE, _accepted_values

from chitieu.config import Config, RuleSpec, load_config
from chitieu.quality import CRITICAL, WARNING, CheckResult, run_gate
from chitieu.quality.suite import SUITE
from chitieu.rollup import Rollup, roll_up

ROOT = "834"
Doctor = Callable[[Rollup, Config], tuple[Rollup, Config]]


@pytest.fixture(scope="module")
def example() -> tuple[Config, pl.DataFrame]:
    return load_config(EXAMPLE / "config"), _accepted_values()


@pytest.fixture(scope="module")
def first_half(example) -> tuple[Rollup, Config]:
    config, accepted = example
    return roll_up(config, accepted, "2024S1"), config


@pytest.fixture(scope="module")
def gated(example) -> dict[str, CheckResult]:
    """One gate run per review period of the example, shared by the tests."""
    config, accepted = example
    return {p: run_gate(roll_up(config, accepted, p), config) for p in ("2024S1", "2024")}


@pytest.mark.parametrize("period", ["2024S1", "2024"])
def test_the_example_passes_every_check(gated, period):
    result = gated[period]
    assert result.passed
    assert [o.name for o in result.outcomes] == [c.name for c in SUITE]
    assert result.failures() == []
    assert result.data_docs is None  # an ephemeral run builds no Data Docs
    assert result.run_name == f"review-{period}-{ROOT}"


def test_each_check_has_a_stable_name_and_a_deliberate_severity():
    assert {c.name: c.severity for c in SUITE} == {
        "root_has_every_indicator": CRITICAL,
        "units_inside_root_subtree": CRITICAL,
        "unique_keys": CRITICAL,
        "target_matches_config": CRITICAL,
        "percent_matches_formula": CRITICAL,
        "class_matches_percent": CRITICAL,
        "sum_elements_reconcile": CRITICAL,
        "completeness_at_least_minimum": CRITICAL,
        "values_within_plausible_range": WARNING,
        "error_rules_hold": CRITICAL,
        "warning_rules_hold": WARNING,
    }


def test_the_full_validation_result_is_plain_json(gated):
    import json

    document = gated["2024S1"].validation
    assert document is not None
    text = json.dumps(document, allow_nan=False)
    assert '"success": true' in text
    names = [r["expectation_config"]["meta"]["name"] for r in document["results"]]
    assert sorted(names) == sorted(c.name for c in SUITE)


def rows_where(frame: pl.DataFrame, unit: str, column: str, code: str) -> pl.Expr:
    return (pl.col("org_unit_code") == unit) & (pl.col(column) == code)


def set_indicator(column: str, unit: str, code: str, value: object) -> Doctor:
    def doctor(rollup: Rollup, config: Config) -> tuple[Rollup, Config]:
        hit = rows_where(rollup.indicators, unit, "indicator_code", code)
        changed = rollup.indicators.with_columns(
            pl.when(hit).then(pl.lit(value)).otherwise(pl.col(column)).alias(column)
        )
        return dataclasses.replace(rollup, indicators=changed), config

    return doctor


def drop_root_indicator(rollup: Rollup, config: Config) -> tuple[Rollup, Config]:
    kept = rollup.indicators.filter(~rows_where(rollup.indicators, ROOT, "indicator_code", "CT31"))
    return dataclasses.replace(rollup, indicators=kept), config


def add_unit_outside(rollup: Rollup, config: Config) -> tuple[Rollup, Config]:
    # the province above the district: a real unit, but not in the review's subtree
    stray = rollup.completeness.filter(pl.col("org_unit_code") == ROOT).with_columns(
        org_unit_code=pl.lit("83")
    )
    return dataclasses.replace(rollup, completeness=pl.concat([rollup.completeness, stray])), config


def repeat_an_indicator_row(rollup: Rollup, config: Config) -> tuple[Rollup, Config]:
    repeated = rollup.indicators.filter(
        rows_where(rollup.indicators, "28987", "indicator_code", "CT01")
    )
    return dataclasses.replace(rollup, indicators=pl.concat([rollup.indicators, repeated])), config


def add_one_to_the_root(rollup: Rollup, config: Config) -> tuple[Rollup, Config]:
    hit = rows_where(rollup.elements, ROOT, "element_code", "DANG_VIEN_MOI")
    changed = rollup.elements.with_columns(
        pl.when(hit).then(pl.col("value") + 1).otherwise(pl.col("value")).alias("value")
    )
    return dataclasses.replace(rollup, elements=changed), config


def require_completeness(rollup: Rollup, config: Config) -> tuple[Rollup, Config]:
    quality = config.catalog.quality.model_copy(update={"min_completeness": 0.9})
    catalog = config.catalog.model_copy(update={"quality": quality})
    low = rollup.completeness.with_columns(
        pl.when(pl.col("org_unit_code") == ROOT)
        .then(0.85)
        .otherwise(pl.col("completeness"))
        .alias("completeness")
    )
    return dataclasses.replace(rollup, completeness=low), dataclasses.replace(
        config, catalog=catalog
    )


def with_rule(**rule: str) -> Doctor:
    """The configuration with one more rule (SPEC §7), the roll-up as it is."""

    def doctor(rollup: Rollup, config: Config) -> tuple[Rollup, Config]:
        spec = RuleSpec.model_validate({"message": "thử", "message_en": "test", **rule})
        catalog = config.catalog.model_copy(update={"rules": [*config.catalog.rules, spec]})
        return rollup, dataclasses.replace(config, catalog=catalog)

    return doctor


BROKEN: dict[str, tuple[Doctor, str]] = {
    "root_has_every_indicator": (drop_root_indicator, "1 missing: CT31"),
    "units_inside_root_subtree": (add_unit_outside, "83 in completeness"),
    "unique_keys": (repeat_an_indicator_row, "28987 CT01 × 2"),
    "target_matches_config": (set_indicator("target", ROOT, "CT01", 140.0), "834 CT01"),
    "percent_matches_formula": (
        set_indicator("percent", ROOT, "CT01", 80.0),
        "834 CT01 (percent=80, expected_percent=78.46)",
    ),
    "class_matches_percent": (
        set_indicator("class", "28987", "CT02", "exceeded"),
        "class=exceeded, expected_class=",
    ),
    "sum_elements_reconcile": (
        add_one_to_the_root,
        "834 DANG_VIEN_MOI 21 children (parent_value=103, children_sum=102)",
    ),
    "completeness_at_least_minimum": (
        require_completeness,
        "834 126/126 reports (completeness=0.85)",  # 21 communes × 6 months (SPEC §3.6)
    ),
    # more new party members than new jobs: no unit has that (21 communes and the district)
    "error_rules_hold": (
        with_rule(code="R99", left="DANG_VIEN_MOI", operator=">", right="VIEC_LAM_MOI"),
        "22 failing: R99 28984 rule R99: test: DANG_VIEN_MOI (New party members admitted) = 8 "
        "must be > VIEC_LAM_MOI (Workers placed in new jobs) = ",
    ),
}


def test_every_critical_check_is_broken_by_one_case():
    assert set(BROKEN) == {c.name for c in SUITE if c.severity == CRITICAL}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_critical_check_fails_alone_and_is_named(first_half, name):
    doctor, evidence = BROKEN[name]
    result = run_gate(*doctor(*first_half))
    assert not result.passed
    assert [o.name for o in result.failures()] == [name]
    reason = result.reason()
    assert reason.startswith(f"{name}: ")
    assert evidence in reason
    assert "\n" not in reason


def test_a_failing_warning_does_not_stop_publication(first_half):
    rollup, config = first_half
    tightened = [
        # one new member a month: up to 6 in the half year, and 6 × 22 at the district
        e.model_copy(update={"max": 1.0}) if e.code == "DANG_VIEN_MOI" else e
        for e in config.catalog.elements
    ]
    catalog = config.catalog.model_copy(update={"elements": tightened})
    result = run_gate(rollup, dataclasses.replace(config, catalog=catalog))
    assert result.passed
    assert not result.all_passed
    (warning,) = result.failures()
    assert (warning.name, warning.severity) == ("values_within_plausible_range", WARNING)
    assert "DANG_VIEN_MOI @ commune" in warning.detail
    assert "not in [0.0, 6.0]" in warning.detail
    assert "@ district" not in warning.detail


def test_a_large_review_keeps_a_summary_of_failing_rows(first_half, monkeypatch):
    from chitieu.quality import gate

    monkeypatch.setattr(gate, "COMPLETE_UP_TO_ROWS", 10)
    result = run_gate(*set_indicator("percent", ROOT, "CT01", 80.0)(*first_half))
    assert "834 CT01 (percent=80, expected_percent=78.46)" in result.reason()
    assert result.validation is not None
    (failed,) = [r for r in result.validation["results"] if not r["success"]]
    assert "unexpected_index_list" not in failed["result"]
    assert failed["result"]["partial_unexpected_index_list"][0]["subject"] == "834 CT01"


def test_runs_on_one_gx_project_take_turns(first_half, tmp_path) -> None:
    """Two reviews at once on a shared warehouse use one GX project folder, which GX
    rewrites on every run: a run waits while another holds the project's lock."""
    import fcntl
    import threading
    import time

    from chitieu.quality import GateFolders

    rollup, config = first_half
    folders = GateFolders(tmp_path / "quality", tmp_path / "data-docs")
    folders.results.mkdir(parents=True)
    done: list[CheckResult] = []
    with (folders.results / "gx.lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another review's turn
        waiting = threading.Thread(
            target=lambda: done.append(run_gate(rollup, config, folders)), daemon=True
        )
        waiting.start()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            assert waiting.is_alive()
            assert not done
            time.sleep(0.2)
        fcntl.flock(held, fcntl.LOCK_UN)
    waiting.join(timeout=300)
    assert [r.passed for r in done] == [True]
    assert done[0].data_docs is not None
    assert done[0].data_docs.is_file()


def poverty_share_under_2(code: str, **more: str) -> Doctor:
    """A warning rule the district's rolled-up values break: poor households under 2 %
    of households (the example's district has 2.64 %)."""
    return with_rule(
        code=code,
        left="HO_NGHEO * 100 / TONG_SO_HO",
        operator="<",
        right="2",
        severity="warning",
        levels=["district"],
        **more,
    )


def test_a_broken_warning_rule_is_published_and_named(first_half):
    """A rule of severity `warning` that a unit's rolled-up values break: the review passes
    its critical checks and the warning names the unit and both sides."""
    result = run_gate(*poverty_share_under_2("R98")(*first_half))
    assert result.passed
    (warning,) = result.failures()
    assert (warning.name, warning.severity) == ("warning_rules_hold", WARNING)
    assert warning.detail.startswith("1 failing: R98 834 rule R98: test: ")
    assert (
        "HO_NGHEO * 100 / TONG_SO_HO = 2.64 (HO_NGHEO (Poor households at period end) = 1,386; "
        "TONG_SO_HO (Households at period end) = 52,480) must be < 2" in warning.detail
    )


HOSTILE = "<img src=x onerror=alert(1)><script>document.title='X'</script> & \"q\" 'a'"


def test_a_rules_message_is_text_on_the_data_docs_page(first_half, tmp_path) -> None:
    """GX writes the rows it names (a rule's message among them) into its Data Docs page
    as they are: the gate hands it the frame's texts escaped for HTML, so a message that
    holds markup shows as text there and runs nothing, and reads back as written in the
    gate's own detail (what the report and the Prefect UI show)."""
    from chitieu.quality import GateFolders

    folders = GateFolders(tmp_path / "quality", tmp_path / "data-docs")
    result = run_gate(*poverty_share_under_2("R97", message_en=HOSTILE)(*first_half), folders)
    (warning,) = result.failures()
    assert f"rule R97: {HOSTILE}" in warning.detail
    assert result.data_docs is not None
    page = result.data_docs.read_text("utf-8")
    assert "<script>document.title" not in page  # GX's own scripts are the page's
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;" in page
