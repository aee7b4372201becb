"""What a quality check is and what the gate says about a review: no Great Expectations here.

A `Check` names one expectation of the suite, its severity and the GX expectation
that states it (class name and arguments, instantiated only inside the gate). The
gate's answer is a `CheckResult`: one `CheckOutcome` per check.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from chitieu.config import Config
from chitieu.errors import ChitieuError

CRITICAL: Final = "critical"
"""A failing critical check stops the publication."""
WARNING: Final = "warning"
"""A failing warning is published with the revision, and recorded."""

Arguments = Callable[[Config], Mapping[str, Any]]


def no_arguments(_: Config) -> Mapping[str, Any]:
    return {}


@dataclass(frozen=True)
class Check:
    """One expectation of the suite: a stable name, a severity and what GX checks."""

    name: str
    severity: str
    description: str
    expectation: str
    """A class of ``great_expectations.expectations``, e.g. ``ExpectColumnPairValuesToBeEqual``."""
    arguments: Mapping[str, Any]
    """Its arguments that do not depend on the configuration."""
    configured: Arguments = no_arguments
    """Its arguments that do (a value set of the catalog, a minimum)."""

    def kwargs(self, config: Config) -> dict[str, Any]:
        return {**self.arguments, **self.configured(config)}


@dataclass(frozen=True)
class CheckOutcome:
    name: str
    severity: str
    passed: bool
    detail: str = ""
    """One line: what is wrong (empty when the check holds)."""

    def __str__(self) -> str:
        return f"{self.name}: {self.detail}" if self.detail else self.name


@dataclass(frozen=True)
class CheckResult:
    """The gate's verdict on one review, with GX's full validation result."""

    outcomes: list[CheckOutcome] = field(default_factory=list)
    run_name: str = ""
    validation: dict[str, Any] | None = None
    """GX's validation result as JSON (``ExpectationSuiteValidationResult``)."""
    data_docs: Path | None = None
    """The run's Data Docs page, when the gate built one."""
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per stage of the gate (frames, import, validation)."""

    @property
    def passed(self) -> bool:
        """No critical check failed: the review may be published."""
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

    def reason(self) -> str:
        """The failing critical checks on one line, each named."""
        return "; ".join(str(o) for o in self.failures(CRITICAL))


class QualityGateFailed(ChitieuError):
    """A critical check failed: the review is not published."""

    exit_code = 4

    def __init__(self, result: CheckResult) -> None:
        self.result = result
        super().__init__(
            "kiểm tra chất lượng không đạt, không công bố / quality checks failed, "
            f"nothing published: {result.reason()}"
        )
