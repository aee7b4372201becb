"""Quality checks on a review's frames before it is published.

Each check has a name and a severity: a failing ``critical`` check stops the
publication, a failing ``warning`` is recorded with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from chitieu.config import Config
from chitieu.rollup import Rollup
from chitieu.rollup.indicators import CLASSES

CRITICAL = "critical"
WARNING = "warning"


@dataclass(frozen=True)
class CheckOutcome:
    name: str
    severity: str
    passed: bool
    detail: str = ""


@dataclass(frozen=True)
class CheckResult:
    outcomes: list[CheckOutcome] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """No critical check failed."""
        return all(o.passed for o in self.outcomes if o.severity == CRITICAL)

    @property
    def all_passed(self) -> bool:
        return all(o.passed for o in self.outcomes)

    def failures(self, severity: str | None = None) -> list[CheckOutcome]:
        return [
            o
            for o in self.outcomes
            if not o.passed and (severity is None or o.severity == severity)
        ]


Check = Callable[[Rollup, Config], str]
"""Returns "" when the check holds, else what is wrong."""


def _root_has_every_indicator(rollup: Rollup, config: Config) -> str:
    present = set(rollup.root_indicators().get_column("indicator_code"))
    missing = [i.code for i in config.catalog.indicators if i.code not in present]
    return f"missing indicators at {rollup.root}: {', '.join(missing)}" if missing else ""


def _unique_keys(rollup: Rollup, _: Config) -> str:
    problems = []
    for name, frame, key in (
        ("indicators", rollup.indicators, ["org_unit_code", "indicator_code"]),
        ("elements", rollup.elements, ["org_unit_code", "element_code"]),
    ):
        duplicated = frame.select(pl.struct(key).is_duplicated().sum()).item()
        if duplicated:
            problems.append(f"{duplicated} duplicated {name} rows")
    return "; ".join(problems)


def _known_classes(rollup: Rollup, _: Config) -> str:
    unknown = rollup.indicators.filter(~pl.col("class").is_in(CLASSES)).height
    return f"{unknown} rows with an unknown class" if unknown else ""


CHECKS: dict[str, tuple[str, Check]] = {
    "root_has_every_indicator": (CRITICAL, _root_has_every_indicator),
    "unique_keys": (CRITICAL, _unique_keys),
    "known_classes": (CRITICAL, _known_classes),
}


def run_checks(rollup: Rollup, config: Config) -> CheckResult:
    outcomes = []
    for name, (severity, check) in CHECKS.items():
        detail = check(rollup, config)
        outcomes.append(CheckOutcome(name, severity, not detail, detail))
    return CheckResult(outcomes)
