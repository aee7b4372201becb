"""The quality gate: a Great Expectations suite every review passes before it is published.

`suite.SUITE` lists the checks, each declared beside the frame it judges
(`indicators`, `elements`, `structure`) with a stable name and a severity: a failing
``critical`` check stops the publication, a failing ``warning`` is published and
recorded. `run_gate` (in `gate`, the only module importing GX) validates a review;
`results` keeps what it found beside the warehouse.

Importing this package does not import Great Expectations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chitieu.quality.checks import (
    CRITICAL,
    WARNING,
    Check,
    CheckOutcome,
    CheckResult,
    QualityGateFailed,
)
from chitieu.quality.results import GateFolders, read_result, write_result

if TYPE_CHECKING:
    from chitieu.config import Config
    from chitieu.rollup import Rollup

__all__ = [
    "CRITICAL",
    "WARNING",
    "Check",
    "CheckOutcome",
    "CheckResult",
    "GateFolders",
    "QualityGateFailed",
    "read_result",
    "run_gate",
    "write_result",
]


def run_gate(rollup: Rollup, config: Config, folders: GateFolders | None = None) -> CheckResult:
    """Validate a review against the suite (see `chitieu.quality.gate.run_gate`)."""
    from chitieu.quality.gate import run_gate as run

    return run(rollup, config, folders)
