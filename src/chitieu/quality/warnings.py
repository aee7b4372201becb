"""What a review's quality section shows (SPEC §7): the warnings attached to the
submissions a revision used, and the quality gate's warnings on the revision itself.

Pure: `quality_section` takes what the warehouse and the gate's kept result give
(``Warehouse.input_warnings(snapshot_id)``, `chitieu.quality.read_result`) and returns
one model the report's renderers (issue 13's report package) lay out; no renderer needs
to know where a warning came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from chitieu.datachecks.text import unit_names
from chitieu.quality.checks import WARNING, CheckOutcome
from chitieu.quality.results import KeptResult

SUBMISSION_WARNING_COLUMNS = (
    "org_unit_code",
    "name",
    "period",
    "source_name",
    "location",
    "element_code",
    "value",
    "check",
    "message_vi",
    "message_en",
)


@dataclass(frozen=True)
class QualitySection:
    """The quality section of one published revision."""

    submission_warnings: pl.DataFrame
    """One row per warning of a submission the revision used (``SUBMISSION_WARNING_COLUMNS``:
    the unit and its name, the period, the file and the cell or line, the element, the
    value as received, the check — ``outlier`` or ``rule_<code>`` — and the message in
    both languages), by unit and period."""
    gate_warnings: list[CheckOutcome] = field(default_factory=list)
    """The gate's warning checks that failed on the revision (``values_within_plausible_
    range``, ``warning_rules_hold``...), each with what failed."""
    checks_kept: bool = True
    """False when the gate's result of the revision is not kept beside the warehouse
    (then nothing can be said of the gate's warnings)."""
    warnings_read: bool = True
    """False when the connection may not read the submissions' warnings (an auditor's
    role granted before the warehouse had them): then ``submission_warnings`` is empty
    for that reason, not because there are none."""
    records_hashed: bool = False
    """Whether the revision's ``records_sha256`` covers the submissions' warnings
    (content_version 3 on)."""

    @property
    def empty(self) -> bool:
        return self.submission_warnings.is_empty() and not self.gate_warnings

    def counts(self) -> dict[str, int]:
        """Warnings by check (``outlier``, ``rule_R01``...) and of the gate."""
        found = dict(self.submission_warnings.group_by("check").len().sort("check").iter_rows())
        return {**{str(k): int(v) for k, v in found.items()}, "gate": len(self.gate_warnings)}


def quality_section(
    input_warnings: pl.DataFrame,
    kept: KeptResult | None,
    org_units: pl.DataFrame,
    *,
    warnings_read: bool = True,
    records_hashed: bool = False,
) -> QualitySection:
    """The section from the revision's input warnings (``INPUT_WARNINGS_SCHEMA``) and the
    gate's kept result (None when there is none); without ``warnings_read``, the input
    warnings could not be read (and are empty)."""
    named = input_warnings.with_columns(
        pl.Series("name", unit_names(input_warnings, org_units), pl.String)
    )
    gate = [o for o in (kept.failed if kept else []) if o.severity == WARNING]
    return QualitySection(
        submission_warnings=named.select(SUBMISSION_WARNING_COLUMNS).sort(
            "org_unit_code", "period", maintain_order=True
        ),
        gate_warnings=gate,
        checks_kept=kept is not None,
        warnings_read=warnings_read,
        records_hashed=records_hashed,
    )
